"""The figures of spec §14 for a period, per department and overall (definitions: docs/figures.md).

Everything is an SQL aggregate over the ledger (SQLAlchemy Core, grouped by department); Python
only adds up the per-department rows and ranks the departments. A rate with an empty denominator
is None (printed "—"), never 0 and never a division error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.engine import Connection, Engine

from ..db.ledger_models import LedgerAppeal, LedgerCard, LedgerDepartment, LedgerFollowUp
from ..vocabulary import SATISFIED_LEVELS, ResultClass
from ..workdays import SHANGHAI, WorkdayCalendar
from .cards import COUNTY_CARDS, Card, cards
from .counties import County, county_name
from .department_names import names_of, own_name
from .periods import AnyPeriod, Period, trailing_months

A = LedgerAppeal.__table__
F = LedgerFollowUp.__table__
CARDS = LedgerCard.__table__
DEPARTMENTS = LedgerDepartment.__table__

# Ranking (docs/figures.md): weighted mean of the available rates, minus penalties.
WEIGHTS = {"response_rate": 20, "on_time_rate": 30, "resolution_rate": 30, "satisfaction_rate": 20}
PENALTY = {"yellow_cards": 2.0, "red_cards": 5.0, "overdue": 1.0}
RANKED_PREFIX = "dept-"  # units ranked: the departments of the org chart (spec §1: dept-<id>)
OVERDUE_LIST_LIMIT = 500


@dataclass
class Rates:
    """Counts of one department (or all) in a period, and the rates made of them."""

    dispatched: int = 0  # dispatched in the period
    sign_decided: int = 0  # … of which signed, or past the sign deadline, by the as-of time
    signed_on_time: int = 0  # … of which signed by the sign deadline
    handled: int = 0  # first result reported in the period
    handled_on_time: int = 0  # … by the (extended) handling deadline
    solved: int = 0  # … of which class A now
    follow_ups: int = 0  # follow-ups done in the period
    satisfied: int = 0  # … answered very satisfied, satisfied or basically satisfied
    overdue: int = 0  # open and past the handling deadline at the cut-off
    yellow_cards: int = 0  # issued in the period
    red_cards: int = 0

    def add(self, other: Rates) -> Rates:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    @staticmethod
    def ratio(numerator: int, denominator: int) -> float | None:
        return None if denominator == 0 else numerator / denominator

    @property
    def response_rate(self) -> float | None:
        return self.ratio(self.signed_on_time, self.sign_decided)

    @property
    def on_time_rate(self) -> float | None:
        return self.ratio(self.handled_on_time, self.handled)

    @property
    def resolution_rate(self) -> float | None:
        return self.ratio(self.solved, self.handled)

    @property
    def satisfaction_rate(self) -> float | None:
        return self.ratio(self.satisfied, self.follow_ups)

    @property
    def pending_sign(self) -> int:
        return self.dispatched - self.sign_decided

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))


def score(rates: Rates) -> float | None:
    """The ranking score (0–100): weighted mean of the available rates × 100, minus 2 per yellow
    card, 5 per red card and 1 per overdue appeal, at least 0; None without any rate."""
    available = {name: getattr(rates, name) for name in WEIGHTS}
    available = {name: value for name, value in available.items() if value is not None}
    if not available:
        return None
    weight = sum(WEIGHTS[name] for name in available)
    base = 100 * sum(WEIGHTS[name] * value for name, value in available.items()) / weight
    penalty = sum(PENALTY[name] * getattr(rates, name) for name in PENALTY)
    return round(max(base - penalty, 0.0), 2)


@dataclass
class DepartmentFigures:
    code: str
    name: str
    rates: Rates
    score: float | None = None
    rank: int | None = None

    @property
    def ranked(self) -> bool:
        return self.code.startswith(RANKED_PREFIX)


@dataclass(frozen=True)
class OverdueItem:
    process_instance_id: str
    registration_number: str | None
    enterprise_name: str | None
    department: str | None
    department_name: str | None
    dispatched_at: dt.datetime | None
    handling_due: dt.datetime
    result_reported_at: dt.datetime | None  # after the cut-off, or None
    extension_count: int
    overdue_workdays: int | None


@dataclass
class Report:
    period: AnyPeriod
    as_of: dt.datetime
    cutoff: dt.datetime
    overall: Rates
    departments: list[DepartmentFigures]
    received: int = 0
    closed: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    # the category suggestion in real use (issue 16): appeals dispatched in the period that had a
    # suggestion, and those whose confirmed category is the suggested one
    suggestion_checked: int = 0
    suggestion_accepted: int = 0
    overdue: list[OverdueItem] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)

    @property
    def ranking(self) -> list[DepartmentFigures]:
        return sorted((d for d in self.departments if d.rank is not None), key=lambda d: (d.rank, d.code))

    @property
    def overdue_total(self) -> int:
        return self.overall.overdue


# ----------------------------------------------------------------------------- SQL
def _only(scope: Any) -> tuple[Any, ...]:
    return () if scope is None else (scope,)


def _cards_only(scope: Any, county: County | None = None) -> tuple[Any, ...]:
    """The county cards (`cards.COUNTY_CARDS`: never the city's) of the appeals in scope (a card without an
    appeal is outside any narrowed scope) and of the county (`County.card_condition`)."""
    parts = [COUNTY_CARDS]
    if scope is not None:
        parts.append(CARDS.c.process_instance_id.in_(select(A.c.process_instance_id).where(scope)))
    if county is not None and (mine := county.card_condition()) is not None:
        parts.append(mine)
    return tuple(parts)


def _within(scope: Any, county: County | None) -> Any:
    """`scope` and the county's rows (None when neither narrows)."""
    mine = county.condition() if county is not None else None
    if mine is None:
        return scope
    return mine if scope is None else and_(scope, mine)


@dataclass(frozen=True)
class Scope:
    """Which appeals a report counts: by category, by channel, and by a set of appeals (a 批次: the
    appeals whose `batch` the AppealBatch table set at registration). Empty fields do not narrow;
    `condition()` is None when nothing narrows, so an unfiltered report is exactly `appeals report`'s."""

    category: str | None = None
    channel: str | None = None
    appeals: frozenset[str] | None = None  # process instance ids; None: all, empty: none

    def condition(self) -> Any:
        parts = []
        if self.category:
            parts.append(A.c.category == self.category)
        if self.channel:
            parts.append(A.c.channel == self.channel)
        if self.appeals is not None:
            parts.append(A.c.process_instance_id.in_(sorted(self.appeals)) if self.appeals else false())
        return and_(*parts) if parts else None


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _bounds(period: AnyPeriod, as_of: dt.datetime) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    start = period.start_at.astimezone(dt.UTC)
    end = period.end_at.astimezone(dt.UTC)
    return start, end, min(end, as_of.astimezone(dt.UTC))


def _open_overdue(cut: dt.datetime) -> Any:
    """Dispatched, past the handling deadline, not closed, the round not returned — at `cut`.

    (Dispatched before the cut-off follows from the deadline: it is set at dispatch, after it. Saying
    it would tempt SQLite to scan the dispatch index over the whole history.)"""
    return and_(A.c.handling_due < cut, A.c.return_count < A.c.dispatch_count,
                or_(A.c.closed_at.is_(None), A.c.closed_at > cut))


def _overdue_parts(cut: dt.datetime) -> tuple[Any, Any]:
    """Two index-friendly halves: no result yet, or the first result came after the cut-off."""
    return (and_(A.c.first_result_reported_at.is_(None), _open_overdue(cut)),
            and_(A.c.first_result_reported_at > cut, _open_overdue(cut)))


def collect(conn: Connection, period: AnyPeriod, as_of: dt.datetime, *, stock: bool = True,
            scope: Any = None, county: County | None = None) -> dict[str | None, Rates]:
    """Rates per department (key None: appeals without one, e.g. consultations' follow-ups);
    `stock=False` leaves out the overdue count and the cards (the trend needs only the rates);
    `scope` (a condition on the ledger's appeals, see `Scope`) counts only those appeals and their cards;
    `county` only that county's appeals and cards (None: the whole ledger)."""
    start, end, cut = _bounds(period, as_of)
    cards_scope = _cards_only(scope, county)
    scope = _within(scope, county)
    only = _only(scope)
    out: dict[str | None, Rates] = {}

    def bucket(code: str | None) -> Rates:
        return out.setdefault(code, Rates())

    signed_by = and_(A.c.signed_at.is_not(None), A.c.signed_at <= cut)
    response = (select(A.c.handler_group, func.count(), _count_if(or_(signed_by, A.c.sign_due < cut)),
                       _count_if(and_(signed_by, A.c.responded_on_time.is_(True))))
                .where(A.c.dispatched_at >= start, A.c.dispatched_at < cut, *only).group_by(A.c.handler_group))
    for code, dispatched, decided, on_time in conn.execute(response):
        rates = bucket(code)
        rates.dispatched, rates.sign_decided, rates.signed_on_time = dispatched, decided, on_time

    handled = (select(A.c.handler_group, func.count(), _count_if(A.c.handled_on_time.is_(True)),
                      _count_if(A.c.result_class == str(ResultClass.A)))
               .where(A.c.first_result_reported_at >= start, A.c.first_result_reported_at < cut, *only)
               .group_by(A.c.handler_group))
    for code, count, on_time, solved in conn.execute(handled):
        rates = bucket(code)
        rates.handled, rates.handled_on_time, rates.solved = count, on_time, solved

    satisfaction = (select(A.c.handler_group, func.count(), _count_if(F.c.satisfaction.in_(sorted(SATISFIED_LEVELS))))
                    .select_from(F.join(A, A.c.process_instance_id == F.c.process_instance_id))
                    .where(F.c.at >= start, F.c.at < cut, *only).group_by(A.c.handler_group))
    for code, count, satisfied in conn.execute(satisfaction):
        rates = bucket(code)
        rates.follow_ups, rates.satisfied = count, satisfied

    if not stock:
        return out
    for part in _overdue_parts(cut):
        for code, count in conn.execute(select(A.c.handler_group, func.count()).where(part, *only)
                                        .group_by(A.c.handler_group)):
            bucket(code).overdue += count

    issued = (select(CARDS.c.department, CARDS.c.kind, func.count())
              .where(CARDS.c.issued_at >= start, CARDS.c.issued_at < cut, *cards_scope)
              .group_by(CARDS.c.department, CARDS.c.kind))
    for code, kind, count in conn.execute(issued):
        setattr(bucket(code), f"{kind}_cards", count)
    return out


def _counts(conn: Connection, period: AnyPeriod, as_of: dt.datetime, scope: Any = None) -> dict[str, Any]:
    start, _end, cut = _bounds(period, as_of)
    received = (select(A.c.category, A.c.channel, A.c.status, A.c.kind, func.count())
                .where(A.c.received_at >= start, A.c.received_at < cut, *_only(scope))
                .group_by(A.c.category, A.c.channel, A.c.status, A.c.kind))
    totals: dict[str, Any] = {"received": 0, "by_category": {}, "by_channel": {}, "by_status": {}, "by_kind": {}}
    for category, channel, status, kind, count in conn.execute(received):
        totals["received"] += count
        for name, value in (("by_category", category), ("by_channel", channel), ("by_status", status),
                            ("by_kind", kind)):
            key = value or "unknown"
            totals[name][key] = totals[name].get(key, 0) + count
    totals["closed"] = conn.execute(select(func.count()).select_from(A).where(
        A.c.closed_at >= start, A.c.closed_at < cut, *_only(scope))).scalar_one()
    checked, accepted = conn.execute(
        select(func.count(), _count_if(A.c.category == A.c.suggested_category))
        .where(A.c.dispatched_at >= start, A.c.dispatched_at < cut, A.c.suggested_category.is_not(None),
               *_only(scope))).one()
    totals["suggestion_checked"], totals["suggestion_accepted"] = checked, accepted or 0
    return totals


def overdue_list(conn: Connection, cut: dt.datetime, calendar: WorkdayCalendar | None = None,
                 limit: int = OVERDUE_LIST_LIMIT, scope: Any = None, county: County | None = None) -> list[OverdueItem]:
    """The appeals overdue at `cut`, the longest overdue first (at most `limit`; `county`: its appeals,
    with its names of the departments)."""
    scope = _within(scope, county)
    own, on, name = own_name(DEPARTMENTS, A.c.handler_group, A.c.county)
    columns = (A.c.process_instance_id, A.c.registration_number, A.c.enterprise_name, A.c.handler_group,
               name.label("name"), A.c.dispatched_at, A.c.handling_due, A.c.first_result_reported_at,
               A.c.extension_count)
    items = []
    for part in _overdue_parts(cut):
        query = (select(*columns).select_from(A.outerjoin(DEPARTMENTS, DEPARTMENTS.c.code == A.c.handler_group)
                                              .outerjoin(own, on))
                 .where(part, *_only(scope)).order_by(A.c.handling_due, A.c.process_instance_id).limit(limit))
        items.extend(conn.execute(query).all())
    items.sort(key=lambda r: (r.handling_due, r.process_instance_id))
    items = items[:limit]
    last_day = (cut - dt.timedelta(microseconds=1)).astimezone(SHANGHAI).date()
    between = _workdays_until(calendar, min((r.handling_due.astimezone(SHANGHAI).date() for r in items),
                                            default=last_day), last_day) if calendar is not None else None
    return [OverdueItem(row.process_instance_id, row.registration_number, row.enterprise_name, row.handler_group,
                        county_name(county, row.handler_group, row.name), row.dispatched_at, row.handling_due, row.first_result_reported_at,
                        row.extension_count,
                        between(row.handling_due.astimezone(SHANGHAI).date()) if between is not None else None)
            for row in items]


def _workdays_until(calendar: WorkdayCalendar, first: dt.date, last: dt.date) -> Callable[[dt.date], int]:
    """`day -> calendar.working_days_between(day, last)` for days from `first`, each calendar day looked
    up once (prefix sums): the overdue list of a large ledger has thousands of rows."""
    first = min(first, last)
    prefix = [0]
    day = first
    while day < last:
        day += dt.timedelta(days=1)
        prefix.append(prefix[-1] + calendar.is_workday(day))
    total = prefix[-1]

    def between(start: dt.date) -> int:
        return total - prefix[(start - first).days] if start <= last else -calendar.working_days_between(last, start)

    return between


def department_names(conn: Connection, county: County | None = None) -> dict[str, str]:
    """code → the ledger's name of each unit; with `county`, the county's own names where its appeals recorded
    them, and over them the chart's names of its units (`County.department_names`)."""
    names = dict(conn.execute(select(DEPARTMENTS.c.code, DEPARTMENTS.c.name)).all())
    if county is not None:
        names.update(names_of(conn, county.tenant))
        names.update(county.department_names)
    return names


def rank(departments: Iterable[DepartmentFigures], prefix: str = RANKED_PREFIX) -> list[DepartmentFigures]:
    """Score every department; rank those whose code starts with `prefix` (a county's `dept-…`, the city's
    `city-dept-…`) and that have a score (ties share a rank: 1, 2, 2, 4)."""
    items = list(departments)
    for item in items:
        item.score = score(item.rates)
        item.rank = None
    ranked = sorted((d for d in items if d.code.startswith(prefix) and d.score is not None),
                    key=lambda d: (-d.score, -d.rates.handled, d.code))
    previous: tuple[float, int] | None = None
    for position, item in enumerate(ranked, start=1):
        if previous is not None and item.score == previous[0]:
            item.rank = previous[1]
        else:
            item.rank = position
        previous = (item.score, item.rank)
    return items


def figures(engine: Engine, period: AnyPeriod, *, as_of: dt.datetime | None = None,
            calendar: WorkdayCalendar | None = None, details: bool = True, scope: Any = None,
            county: County | None = None) -> Report:
    """The report of `period` as known at `as_of` (default now): per department, overall, ranked.

    `details=False` leaves out the counts, the overdue list and the cards (for trends and reviews);
    `scope` (a `Scope`'s condition) limits every figure to some appeals (the dashboard's filters);
    `county` to one county's appeals and cards, with the county's names of its departments
    (`ledger.counties.County`; None: the whole ledger)."""
    as_of = as_of or dt.datetime.now(dt.UTC)
    _start, _end, cut = _bounds(period, as_of)
    with engine.connect() as conn:
        per_department = collect(conn, period, as_of, scope=scope, county=county)
        names = department_names(conn, county)
        counts = _counts(conn, period, as_of, _within(scope, county)) if details else {}
        overdue = overdue_list(conn, cut, calendar, scope=scope, county=county) if details else []
    overall = Rates()
    for rates in per_department.values():
        overall.add(rates)
    departments = rank(DepartmentFigures(code, names.get(code, code), rates)
                       for code, rates in per_department.items() if code is not None)
    departments.sort(key=lambda d: (d.rank is None, d.rank or 0, d.code))
    report = Report(period, as_of, cut, overall, departments, overdue=overdue,
                    **{k: v for k, v in counts.items()})
    if details:
        narrowed = _cards_only(scope, county)
        report.cards = cards(engine, since=period.start_at, until=cut, where=and_(*narrowed) if narrowed else None)
        if county is not None:
            report.cards = [dataclasses.replace(c, department_name=county.department_name(c.department,
                                                                                          c.department_name))
                            for c in report.cards]
    return report


def trend(engine: Engine, period: AnyPeriod, months: int = 12, *, as_of: dt.datetime | None = None,
          scope: Any = None, county: County | None = None) -> list[tuple[Period, Rates]]:
    """The overall rates of the `months` months ending with `period`'s last month (`scope`, `county`: as
    in figures)."""
    as_of = as_of or dt.datetime.now(dt.UTC)
    out = []
    with engine.connect() as conn:
        for month in trailing_months(period, months):
            total = Rates()
            if month.start_at <= as_of:
                for rates in collect(conn, month, as_of, stock=False, scope=scope, county=county).values():
                    total.add(rates)
            out.append((month, total))
    return out


@dataclass
class ReviewRow:
    """One department in the annual review (年终总评): its quarterly scores and the year's."""

    code: str
    name: str
    quarter_scores: list[float | None]
    year: DepartmentFigures
    bottom: bool = False  # among the last two ranked (T 二(五)3: 写出书面检查)


def annual_review(engine: Engine, year: int, *, as_of: dt.datetime | None = None,
                  county: County | None = None) -> list[ReviewRow]:
    """一季度一测评、年终总评: each department's four quarterly scores and its score and rank of the year
    (`county`: of that county's appeals)."""
    as_of = as_of or dt.datetime.now(dt.UTC)
    year_period = Period(year, 1, "year")
    quarters = [figures(engine, q, as_of=as_of, details=False, county=county) if q.start_at <= as_of else None
                for q in year_period.quarters()]
    whole = figures(engine, year_period, as_of=as_of, details=False, county=county)
    by_code = {q_index: {d.code: d.score for d in report.departments} if report else {}
               for q_index, report in enumerate(quarters)}
    rows = [ReviewRow(d.code, d.name, [by_code[i].get(d.code) for i in range(4)], d) for d in whole.departments]
    ranked = [r for r in rows if r.year.rank is not None]
    if len(ranked) > 2:
        worst = sorted(ranked, key=lambda r: (r.year.rank, r.code))[-2:]
        for row in worst:
            row.bottom = True
    return rows
