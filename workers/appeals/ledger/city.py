"""The city's figures (临沧 第十一条、第十九条): what each county transferred, and how the city's departments
did on it — the per-county comparison of the city's monthly bulletin.

Read from the engine's history of `CityAppeal` (bpmn/CityAppeal.bpmn): a transfer counts in the period it
reached the city; it is *answered* when the city department's result went back to the county
(`Task_ReturnCityResult` ended), *on time* when the department reported (the last `Task_HandleCityAppeal`
it completed) before that task's due date. A round after a dissatisfied follow-up (an instance started by
`CityRoundRequested`, with `cityRoundKey`: handlers/city_rounds.py) is no new transfer and is not counted. The county's own figures stay in the county's ledger
(`appeals report`), where a transferred appeal is counted like any other.

The city's cards (临沧 第十八条: an overdue city department's 催办函 and card, the ladder of dmn/CardLadder.dmn
at the city) are in the card ledger at level `city` (`city_cards`); no county's figures count them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from ..camunda import Camunda
from ..deadlines import parse_time
from .cards import Card, cards

CITY_PROCESS = "CityAppeal"
HANDLE_TASK = "Task_HandleCityAppeal"
RETURN_TASK = "Task_ReturnCityResult"


@dataclass
class CountyTransfers:
    """One county's line in the city's comparison. Rates are percentages (0–100), None without cases."""

    county: str
    transferred: list[str] = field(default_factory=list)  # city process instance ids
    answered: list[str] = field(default_factory=list)
    on_time: list[str] = field(default_factory=list)

    @property
    def open(self) -> int:
        return len(self.transferred) - len(self.answered)

    @property
    def on_time_rate(self) -> float | None:
        return round(100.0 * len(self.on_time) / len(self.answered), 1) if self.answered else None


@dataclass
class CountyLine:
    """One county in the city's comparison (the dashboard's city page, the city's bulletin): its own figures
    of the period (`figures.Report`, the same `figures()` as its own bulletin) and its transfers to the city."""

    county: Any  # counties.County
    report: Any  # figures.Report
    transfers: CountyTransfers


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000%z")


def _by_instance(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["processInstanceId"], []).append(row)
    return found


def city_figures(camunda: Camunda, start: dt.datetime, end: dt.datetime) -> list[CountyTransfers]:
    """Per county (by `countyName`, sorted), the transfers that reached the city in [start, end)."""
    instances = camunda.get("/history/process-instance", processDefinitionKey=CITY_PROCESS,
                            startedAfter=_iso(start - dt.timedelta(milliseconds=1)), startedBefore=_iso(end),
                            maxResults=10_000)
    ids = [i["id"] for i in instances if i.get("state") not in ("EXTERNALLY_TERMINATED", "INTERNALLY_TERMINATED")]
    counties: dict[str, CountyTransfers] = {}
    if not ids:
        return []
    for chunk in (ids[i:i + 100] for i in range(0, len(ids), 100)):
        joined = ",".join(chunk)
        names = {v["processInstanceId"]: v.get("value") for v in camunda.get(
            "/history/variable-instance", processInstanceIdIn=joined, variableName="countyName")}
        rounds = {v["processInstanceId"] for v in camunda.get(
            "/history/variable-instance", processInstanceIdIn=joined, variableName="cityRoundKey")}
        chunk = [pid for pid in chunk if pid not in rounds]
        handled = _by_instance(_handle_tasks(camunda, chunk))
        returned = _by_instance(_returns(camunda, chunk))
        for pid in chunk:
            line = counties.setdefault(str(names.get(pid) or "未知"), CountyTransfers(str(names.get(pid) or "未知")))
            line.transferred.append(pid)
            if pid not in returned:
                continue
            line.answered.append(pid)
            tasks = sorted(handled.get(pid, []), key=lambda t: t.get("endTime") or "")
            if tasks:
                last = tasks[-1]
                ended, due = parse_time(last.get("endTime")), parse_time(last.get("due"))
                if ended and (due is None or ended <= due):
                    line.on_time.append(pid)
    return [counties[name] for name in sorted(counties)]


def _handle_tasks(camunda: Camunda, ids: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for pid in ids:
        rows += camunda.get("/history/task", processInstanceId=pid, taskDefinitionKey=HANDLE_TASK, finished="true")
    return rows


def _returns(camunda: Camunda, ids: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for pid in ids:
        rows += camunda.get("/history/activity-instance", processInstanceId=pid, activityId=RETURN_TASK,
                            finished="true")
    return rows


def comparison_table(lines: list[CountyTransfers]) -> str:
    """The bulletin's per-county comparison as a Markdown table (转报件数、已反馈、未办结、按时办结率)."""
    rows = ["| 县（区） | 转报件数 | 已反馈 | 未办结 | 市直部门按时办结率 |", "|---|---:|---:|---:|---:|"]
    for line in lines:
        rate = "—" if line.on_time_rate is None else f"{line.on_time_rate:.1f}%"
        rows.append(f"| {line.county} | {len(line.transferred)} | {len(line.answered)} | {line.open} | {rate} |")
    total = CountyTransfers("合计", [p for x in lines for p in x.transferred], [p for x in lines for p in x.answered],
                            [p for x in lines for p in x.on_time])
    rate = "—" if total.on_time_rate is None else f"{total.on_time_rate:.1f}%"
    rows.append(f"| 合计 | {len(total.transferred)} | {len(total.answered)} | {total.open} | {rate} |")
    return "\n".join(rows)


@dataclass
class DepartmentCards:
    """One city department's cards in a period (the city's ledger level `city`)."""

    department: str
    name: str
    yellow: int = 0
    red: int = 0


def city_cards(engine: Engine, start: dt.datetime, end: dt.datetime) -> tuple[list[DepartmentCards], list[Card]]:
    """The city departments' cards issued in [start, end): per department (by name) and each card in issue
    order (its reason names the city's number; `registration_number` is the county appeal's)."""
    issued = cards(engine, since=start, until=end, level="city")
    per: dict[str, DepartmentCards] = {}
    for card in issued:
        line = per.setdefault(card.department, DepartmentCards(card.department, card.department_name))
        setattr(line, card.kind, getattr(line, card.kind) + 1)
    return sorted(per.values(), key=lambda d: d.name), issued


def city_cards_table(lines: list[DepartmentCards]) -> str:
    """The city departments' cards as a Markdown table (市直部门、黄牌、红牌)."""
    rows = ["| 市直部门 | 黄牌 | 红牌 |", "|---|---:|---:|"]
    rows += [f"| {line.name} | {line.yellow} | {line.red} |" for line in lines]
    return "\n".join(rows)


# ----------------------------------------------------------------------------- the city's own bulletin
SIGN_TASK = "Task_SignCityDispatch"
CASE_VARIABLES = ("countyName", "countyProcessInstanceId", "handlerGroup", "handlerGroupName", "dispatchedAt",
                  "signDue", "signDecision", "handlingDue", "resultClass", "cityRegistrationNumber",
                  "enterpriseName", "cityRoundKey")
CITY_RANKED_PREFIX = "city-dept-"  # the city's ranked units: its departments (市直部门)


@dataclass(frozen=True)
class CityCase:
    """One transfer as the city handled it: one `CityAppeal` instance (aware datetimes; None: not yet).

    `reported_at`: the end of the last `Task_HandleCityAppeal` completed, counted only once the result went
    back to the county (`returned_at`); `reported_due`: that task's due date (extensions included);
    `handling_due`: the department's current handling deadline (`handlingDue`)."""

    process_instance_id: str
    county: str
    received_at: dt.datetime
    county_instance_id: str | None = None
    department: str | None = None
    department_name: str | None = None
    registration_number: str | None = None
    enterprise_name: str | None = None
    dispatched_at: dt.datetime | None = None
    sign_due: dt.datetime | None = None
    signed_at: dt.datetime | None = None
    handling_due: dt.datetime | None = None
    reported_at: dt.datetime | None = None
    reported_due: dt.datetime | None = None
    result_class: str | None = None
    returned_at: dt.datetime | None = None


@dataclass(frozen=True)
class CityFollowUp:
    """A county's follow-up (回访) of a transferred appeal: the county instance, when, the answer."""

    county_instance_id: str
    at: dt.datetime
    satisfaction: str | None


@dataclass
class CityHandling:
    """What a city department did with the transfers of a period, beyond the four rates: results reported
    on time and late, by class (A/B/C), and the county's follow-ups answered dissatisfied (返工)."""

    on_time: int = 0
    late: int = 0
    classes: dict[str, int] = field(default_factory=lambda: {"A": 0, "B": 0, "C": 0})
    rework: int = 0

    def add(self, other: CityHandling) -> CityHandling:
        self.on_time += other.on_time
        self.late += other.late
        self.rework += other.rework
        for key, count in other.classes.items():
            self.classes[key] = self.classes.get(key, 0) + count
        return self


@dataclass
class CityReport:
    """The city's figures of a period: `report` (the city departments' rates, ranking, cards, overdue — the
    county bulletin's `Report`), `handling` per department code and overall (key None)."""

    report: Any  # figures.Report
    handling: dict[str | None, CityHandling]


def _in(moment: dt.datetime | None, start: dt.datetime, cut: dt.datetime) -> bool:
    return moment is not None and start <= moment < cut


def city_report(cases: Iterable[CityCase], follow_ups: Iterable[CityFollowUp], period: Any, as_of: dt.datetime,
                *, cards: Iterable[Any] = (), names: dict[str, str] | None = None,
                calendar: Any = None) -> CityReport:
    """The city departments' figures of `period` as known at `as_of`, by the county rules of docs/figures.md
    applied to the city's transfers (pure: no database, no engine).

    Cohorts: response rate — dispatched by the city in the period (signed by the sign deadline ÷ signed or
    past it at the cut-off); on-time and resolution rates — results reported in the period that went back
    to the county (on time: by the last handling task's due date; class A); satisfaction — the county's
    follow-ups in the period after the city's result (each not-satisfied answer is a rework, 返工); overdue —
    dispatched, past `handling_due` and not returned at the cut-off; cards — the city departments' cards
    (`ledger.cards.Card`) issued in the period. Ranked: `city-dept-…` units (the county formula, `score`)."""
    from ..vocabulary import SATISFIED_LEVELS
    from ..workdays import SHANGHAI
    from .figures import DepartmentFigures, OverdueItem, Rates, Report, rank

    start, end = period.start_at.astimezone(dt.UTC), period.end_at.astimezone(dt.UTC)
    cut = min(end, as_of.astimezone(dt.UTC))
    rates: dict[str | None, Rates] = {}
    handling: dict[str | None, CityHandling] = {}
    dept_names = dict(names or {})
    received = closed = 0
    overdue: list[Any] = []
    by_county: dict[str, CityCase] = {}
    for case in cases:
        if case.county_instance_id:
            by_county[case.county_instance_id] = case
        code = case.department
        if code and case.department_name:
            dept_names.setdefault(code, case.department_name)
        r, h = rates.setdefault(code, Rates()), handling.setdefault(code, CityHandling())
        received += _in(case.received_at, start, cut)
        returned = case.returned_at is not None and case.returned_at < cut
        closed += _in(case.returned_at, start, cut)
        if _in(case.dispatched_at, start, cut):
            r.dispatched += 1
            signed = case.signed_at is not None and case.signed_at <= cut
            if signed or (case.sign_due is not None and case.sign_due < cut):
                r.sign_decided += 1
            if signed and (case.sign_due is None or case.signed_at <= case.sign_due):
                r.signed_on_time += 1
        if returned and _in(case.reported_at, start, cut):
            r.handled += 1
            due = case.reported_due or case.handling_due
            if due is None or case.reported_at <= due:
                r.handled_on_time += 1
                h.on_time += 1
            else:
                h.late += 1
            if case.result_class:
                h.classes[case.result_class] = h.classes.get(case.result_class, 0) + 1
            r.solved += case.result_class == "A"
        if (case.dispatched_at is not None and case.dispatched_at < cut and case.handling_due is not None
                and case.handling_due < cut and not returned):
            r.overdue += 1
            overdue.append(case)
    for follow_up in follow_ups:
        case = by_county.get(follow_up.county_instance_id)
        if case is None or not _in(follow_up.at, start, cut):
            continue
        if case.returned_at is None or follow_up.at < case.returned_at:
            continue  # the county's own handling before the transfer
        r, h = rates.setdefault(case.department, Rates()), handling.setdefault(case.department, CityHandling())
        r.follow_ups += 1
        if follow_up.satisfaction in SATISFIED_LEVELS:
            r.satisfied += 1
        else:
            h.rework += 1
    listed = [c for c in cards if start <= c.issued_at < cut]
    for card in listed:
        setattr(rates.setdefault(card.department, Rates()), f"{card.kind}_cards",
                getattr(rates[card.department], f"{card.kind}_cards") + 1)
        handling.setdefault(card.department, CityHandling())
        dept_names.setdefault(card.department, card.department_name)
    overall, total = Rates(), CityHandling()
    for r in rates.values():
        overall.add(r)
    for h in handling.values():
        total.add(h)
    departments = rank((DepartmentFigures(code, dept_names.get(code, code), r) for code, r in rates.items()
                        if code is not None), prefix=CITY_RANKED_PREFIX)
    departments.sort(key=lambda d: (d.rank is None, d.rank or 0, d.code))
    last_day = (cut - dt.timedelta(microseconds=1)).astimezone(SHANGHAI).date()
    overdue.sort(key=lambda c: (c.handling_due, c.process_instance_id))
    items = [OverdueItem(c.process_instance_id, c.registration_number, c.enterprise_name, c.department,
                         dept_names.get(c.department or "", c.department_name), c.dispatched_at, c.handling_due,
                         None, 0, calendar.working_days_between(c.handling_due.astimezone(SHANGHAI).date(), last_day)
                         if calendar is not None else None) for c in overdue]
    report = Report(period, as_of, cut, overall, departments, received=received, closed=closed, overdue=items,
                    cards=listed)
    handling_out = {k: v for k, v in handling.items() if k is not None}
    handling_out[None] = total
    return CityReport(report, handling_out)


def _last(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    rows = sorted((r for r in rows if r.get("endTime")), key=lambda r: r["endTime"])
    return rows[-1] if rows else None


def city_cases(camunda: Camunda, start: dt.datetime, end: dt.datetime) -> list[CityCase]:
    """The `CityAppeal` instances that reached the city before `end` and were running at or after `start`
    (so a transfer of an earlier month handled in this one counts), as `CityCase`s, from the engine's
    history (variables' last values, the sign and handling tasks, the return of the result). Rounds after a
    dissatisfied follow-up (`cityRoundKey`, handlers/city_rounds.py) are left out, as in `city_figures`; the
    follow-up that asked for one counts as a rework of the transfer's department (`city_report`)."""
    found: dict[str, dict[str, Any]] = {}
    for extra in ({"unfinished": "true"}, {"finishedAfter": _iso(start)}):
        for row in camunda.get("/history/process-instance", processDefinitionKey=CITY_PROCESS,
                               startedBefore=_iso(end), maxResults=10_000, **extra):
            if row.get("state") not in ("EXTERNALLY_TERMINATED", "INTERNALLY_TERMINATED"):
                found[row["id"]] = row
    cases = []
    ids = sorted(found)
    for chunk in (ids[i:i + 100] for i in range(0, len(ids), 100)):
        values: dict[str, dict[str, Any]] = {}
        for v in camunda.get("/history/variable-instance", processInstanceIdIn=",".join(chunk),
                             deserializeValues="false", maxResults=100_000):
            if v.get("name") in CASE_VARIABLES and v.get("processInstanceId") in found:
                values.setdefault(v["processInstanceId"], {})[v["name"]] = v.get("value")
        for pid in chunk:
            var = values.get(pid, {})
            if var.get("cityRoundKey"):
                continue  # a round after a dissatisfied follow-up: no new transfer (as `city_figures`)
            tasks = camunda.get("/history/task", processInstanceId=pid, finished="true")
            sign = _last([t for t in tasks if t.get("taskDefinitionKey") == SIGN_TASK])
            handle = _last([t for t in tasks if t.get("taskDefinitionKey") == HANDLE_TASK])
            returned = _last(camunda.get("/history/activity-instance", processInstanceId=pid, activityId=RETURN_TASK,
                                         finished="true"))
            cases.append(CityCase(
                pid, str(var.get("countyName") or "未知"), parse_time(found[pid]["startTime"]),
                county_instance_id=var.get("countyProcessInstanceId"), department=var.get("handlerGroup"),
                department_name=var.get("handlerGroupName"), registration_number=var.get("cityRegistrationNumber"),
                enterprise_name=var.get("enterpriseName"), dispatched_at=parse_time(var.get("dispatchedAt")),
                sign_due=parse_time(var.get("signDue")),
                signed_at=parse_time(sign["endTime"]) if sign and var.get("signDecision") == "sign" else None,
                handling_due=parse_time(var.get("handlingDue")),
                reported_at=parse_time(handle["endTime"]) if handle and returned else None,
                reported_due=parse_time(handle.get("due")) if handle and returned else None,
                result_class=var.get("resultClass") if returned else None,
                returned_at=parse_time(returned["endTime"]) if returned else None))
    return cases
