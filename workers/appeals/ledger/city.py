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
