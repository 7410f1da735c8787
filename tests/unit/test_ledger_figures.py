"""The ledger without the engine: migrations (SQLite and PostgreSQL), milestone merges, the figures of
spec §14 on a hand-built ledger with known answers (docs/figures.md), ranking, cards, the overdue
list, and the bulletin (.docx) and ledger (.xlsx) rendered from it."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import delete, inspect, select
from sqlalchemy.engine import Engine

from appeals import db
from appeals.db.ledger_models import (
    LedgerAppeal,
    LedgerCard,
    LedgerDepartment,
    LedgerDepartmentName,
    LedgerEnterprise,
    LedgerFollowUp,
)
from appeals.ledger import (
    DepartmentFigures,
    Period,
    Rates,
    cards,
    figures,
    record_card,
    record_milestone,
    score,
    trend,
)
from appeals.ledger.figures import annual_review, rank
from appeals.ledger.recording import derive
from appeals.ledger.reports import first_workday_of_month, produce_report
from appeals.workdays import SHANGHAI, WorkdayCalendar

A = LedgerAppeal.__table__
F = LedgerFollowUp.__table__
LEDGER_TABLES = {"ledger_appeal", "ledger_follow_up", "ledger_enterprise", "ledger_department", "ledger_card",
                 "ledger_department_name"}
OCTOBER = Period.parse("2026-10")
AS_OF = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
CALENDAR = WorkdayCalendar()


def sh(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# ----------------------------------------------------------------------------- databases
def _migrated(url: str) -> Engine:
    config = db.alembic_config(url)
    command.upgrade(config, "heads")
    engine = db.make_engine(url)
    return engine


def _check_ledger_migration(url: str, engine: Engine) -> None:
    """`alembic check` restricted to the ledger's tables (the other capabilities' migrations may
    still be empty while their developers work: their tables are theirs to cover)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, db.Base.metadata)

    def table_of(diff: Any) -> str | None:
        item = diff[0] if isinstance(diff, list) else diff
        kind = item[0]
        if kind.endswith("_table"):
            return item[1].name
        if kind in ("add_column", "remove_column") or kind.startswith("modify_"):
            return item[2]
        return getattr(getattr(item[1], "table", None), "name", None)

    ours = [d for d in diffs if table_of(d) in LEDGER_TABLES]
    assert not ours, f"the ledger models and migration 0003 differ: {ours}"
    assert LEDGER_TABLES <= set(inspect(engine).get_table_names())


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ledger_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An empty application database at `alembic upgrade head`, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('ledger') / 'ledger.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = _migrated(url)
    with engine.begin() as conn:  # the module shares one cluster: start empty
        for table in (LedgerCard, LedgerFollowUp, LedgerAppeal, LedgerEnterprise, LedgerDepartmentName,
                      LedgerDepartment):
            conn.execute(delete(table.__table__))
    yield engine
    engine.dispose()


def test_migration_upgrades_checks_and_downgrades(ledger_db: Engine) -> None:
    url = ledger_db.url.render_as_string(hide_password=False)
    _check_ledger_migration(url, ledger_db)
    if ledger_db.dialect.name == "sqlite":  # the full `alembic check` passes while 0004–0006 are empty too
        config = db.alembic_config(url)
        command.downgrade(config, "0002")
        assert not LEDGER_TABLES & set(inspect(ledger_db).get_table_names())
        command.upgrade(config, "heads")
        _check_ledger_migration(url, ledger_db)


# ----------------------------------------------------------------------------- the hand-built ledger
DEPARTMENTS = {"dept-industry": "县工信局", "dept-power-supply": "县供电公司", "dept-finance": "县财政局",
               "dept-hr": "县人社局", "city-center": "市企业服务中心", "dept-natural-resources": "县自然资源局"}


def appeal(pid: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {column.name: None for column in A.columns}
    row |= {
        "process_instance_id": pid, "registration_number": f"某县服企办收（2026）第{pid[1:]}号",
        "enterprise_name": f"企业{pid}", "credit_code": None, "channel": "online", "category": "policy",
        "kind": "help", "problem_description": f"{pid}的问题描述", "contact_name": "王经理",
        "contact_phone": "13912345678", "dispatch_count": 0, "return_count": 0, "extension_count": 0,
        "follow_up_rounds": 0,
    }
    row.update(values)
    if row.get("dispatched_at") and not row["dispatch_count"]:
        row["dispatch_count"] = 1
    for key, value in list(row.items()):
        if isinstance(value, dt.datetime):
            row[key] = value.astimezone(dt.UTC)
    row.update(derive(row))
    return row


def build_ledger(engine: Engine) -> None:
    """The cases of docs/figures.md; the expected October figures are in the tests below."""
    rows = [
        # P1 工信局: on time everywhere, A, satisfied, closed
        appeal("P1", received_at=sh(10, 8, 9), registered_at=sh(10, 8, 9, 5), dispatched_at=sh(10, 9),
               handler_group="dept-industry", lead_department="dept-industry", sign_due=sh(10, 10, 18),
               signed_at=sh(10, 9, 15), handling_due=sh(10, 16, 18), first_result_reported_at=sh(10, 15),
               result_reported_at=sh(10, 15), result_class="A", reply_method="written", reply_text="已协调解决",
               followed_up_at=sh(10, 20), follow_up_rounds=1, follow_up_outcome="close",
               last_satisfaction="satisfied", closed_at=sh(10, 20, 11), close_reason="satisfied",
               handler_name="张三"),
        # P2 工信局: signed late; extended once, reported before the extended deadline (after the first), B
        appeal("P2", received_at=sh(10, 11), dispatched_at=sh(10, 12), handler_group="dept-industry",
               lead_department="dept-industry", sign_due=sh(10, 13, 18), signed_at=sh(10, 14, 9),
               handling_due=sh(10, 26, 18), extension_count=1, first_result_reported_at=sh(10, 23),
               result_reported_at=sh(10, 23), result_class="B", category="land", channel="hotline"),
        # P3 供电公司: signed on time, no result: overdue at the end of October
        appeal("P3", received_at=sh(10, 19), dispatched_at=sh(10, 20), handler_group="dept-power-supply",
               lead_department="dept-power-supply", sign_due=sh(10, 21, 18), signed_at=sh(10, 21, 9),
               handling_due=sh(10, 27, 18), category="power"),
        # P4 供电公司: dispatched on the 30th, sign deadline still running at the as-of time: pending
        appeal("P4", received_at=sh(10, 29), dispatched_at=sh(10, 30), handler_group="dept-power-supply",
               lead_department="dept-power-supply", sign_due=sh(11, 2, 18), handling_due=sh(11, 6, 18),
               category="power"),
        # P5 工信局: dispatched in September, reported late in October (A); dissatisfied, then satisfied
        appeal("P5", received_at=sh(9, 24), dispatched_at=sh(9, 25), handler_group="dept-industry",
               lead_department="dept-industry", sign_due=sh(9, 28, 18), signed_at=sh(9, 25, 16),
               handling_due=sh(10, 9, 18), first_result_reported_at=sh(10, 10), result_reported_at=sh(10, 10),
               result_class="A", followed_up_at=sh(10, 20), follow_up_rounds=2, follow_up_outcome="close",
               last_satisfaction="satisfied", closed_at=sh(10, 20, 12), close_reason="satisfied"),
        # P6 财政局: signed on time, reported on 1 November (after the cut-off): overdue at the end of October
        appeal("P6", received_at=sh(10, 9), dispatched_at=sh(10, 10), handler_group="dept-finance",
               lead_department="dept-finance", sign_due=sh(10, 12, 18), signed_at=sh(10, 12, 9),
               handling_due=sh(10, 19, 18), first_result_reported_at=sh(11, 1, 9), result_reported_at=sh(11, 1, 9),
               result_class="A", category="contract"),
        # P7 consultation: answered by the office, followed up very satisfied (no department)
        appeal("P7", received_at=sh(10, 5), kind="consultation", category="financing", channel="hotline",
               followed_up_at=sh(10, 6), follow_up_rounds=1, follow_up_outcome="close",
               last_satisfaction="very_satisfied", closed_at=sh(10, 6, 11), close_reason="satisfied"),
        # P8 转报 to the city: the city center signs on time (not ranked: not a county department)
        appeal("P8", received_at=sh(10, 14), dispatched_at=sh(10, 15), handler_group="city-center",
               lead_department="dept-natural-resources", dispatch_situation="city", sign_due=sh(10, 16, 18),
               signed_at=sh(10, 16, 9), handling_due=sh(11, 16, 18), category="land"),
        # P9 人社局: all in September
        appeal("P9", received_at=sh(8, 30), dispatched_at=sh(9, 1), handler_group="dept-hr", lead_department="dept-hr",
               sign_due=sh(9, 2, 18), signed_at=sh(9, 1, 15), handling_due=sh(9, 8, 18),
               first_result_reported_at=sh(9, 5), result_reported_at=sh(9, 5), result_class="A", category="labor"),
        # P10 received 31 October 23:30 in Shanghai (15:30 UTC): October. P11 at 00:10 on 1 November: November
        appeal("P10", received_at=sh(10, 31, 23, 30), channel="visit"),
        appeal("P11", received_at=sh(11, 1, 0, 10), channel="visit"),
    ]
    follow_ups = [
        {"process_instance_id": "P1", "seq": 1, "at": sh(10, 20), "satisfaction": "satisfied", "really_solved": True,
         "method": "phone", "note": "企业满意"},
        {"process_instance_id": "P5", "seq": 1, "at": sh(10, 12), "satisfaction": "dissatisfied",
         "really_solved": False, "method": "phone", "note": "尚未解决"},
        {"process_instance_id": "P5", "seq": 2, "at": sh(10, 20), "satisfaction": "satisfied", "really_solved": True,
         "method": "visit", "note": "重新办理后解决"},
        {"process_instance_id": "P7", "seq": 1, "at": sh(10, 6), "satisfaction": "very_satisfied",
         "really_solved": True, "method": "phone", "note": "咨询已答复"},
    ]
    for row in follow_ups:
        row["at"] = row["at"].astimezone(dt.UTC)
    with engine.begin() as conn:
        conn.execute(LedgerDepartment.__table__.insert(), [{"code": k, "name": v} for k, v in DEPARTMENTS.items()])
        conn.execute(A.insert(), rows)
        conn.execute(F.insert(), follow_ups)
    record_card(engine, "dept-industry", "yellow", sh(10, 14, 18), process_instance_id="P2",
                reason="未按时签收", source_key="card-P2")
    record_card(engine, "dept-power-supply", "yellow", sh(10, 28, 9), process_instance_id="P3",
                reason="超过办结时限未反馈", source_key="card-P3")
    record_card(engine, "dept-industry", "yellow", sh(9, 29, 9), process_instance_id="P5",
                reason="超过办结时限未反馈", source_key="card-P5")


@pytest.fixture(scope="module")
def ledger(ledger_db: Engine) -> Engine:
    build_ledger(ledger_db)
    return ledger_db


@pytest.fixture(scope="module")
def october(ledger: Engine):
    return figures(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR)


# ----------------------------------------------------------------------------- figures
def test_overall_figures_of_october(october) -> None:
    o = october.overall
    # response: dispatched in October P1 P2 P3 P4 P6 P8; P4 still within its sign deadline
    assert (o.dispatched, o.sign_decided, o.signed_on_time) == (6, 5, 4)
    assert o.response_rate == pytest.approx(4 / 5)
    # on time and resolution: first results in October P1 (on time, A), P2 (on time against the
    # extended deadline, B), P5 (late, A); P6 reported on 1 November is not October's
    assert (o.handled, o.handled_on_time, o.solved) == (3, 2, 2)
    assert o.on_time_rate == pytest.approx(2 / 3)
    assert o.resolution_rate == pytest.approx(2 / 3)
    # satisfaction: follow-ups in October P1 ✓, P5 ✗, P5 ✓, P7 ✓ (the consultation counts overall)
    assert (o.follow_ups, o.satisfied) == (4, 3)
    assert o.satisfaction_rate == pytest.approx(3 / 4)
    assert o.overdue == 2 and (o.yellow_cards, o.red_cards) == (2, 0)
    # received in October by Asia/Shanghai days: P10 at 23:30 on the 31st in, P11 at 00:10 on the 1st out
    assert october.received == 8
    assert october.closed == 3
    assert october.by_category == {"policy": 2, "land": 2, "power": 2, "contract": 1, "financing": 1}
    assert october.by_channel == {"online": 5, "hotline": 2, "visit": 1}
    assert october.by_status["closed"] == 2 and sum(october.by_status.values()) == 8
    assert october.by_kind == {"help": 7, "consultation": 1}


def test_department_figures_and_ranking(october) -> None:
    by_code = {d.code: d for d in october.departments}
    industry, power, finance = by_code["dept-industry"], by_code["dept-power-supply"], by_code["dept-finance"]
    r = industry.rates
    assert (r.dispatched, r.sign_decided, r.signed_on_time) == (2, 2, 1)
    assert (r.handled, r.handled_on_time, r.solved, r.follow_ups, r.satisfied) == (3, 2, 2, 3, 2)
    assert r.yellow_cards == 1, "the September card is not October's"
    assert power.rates.on_time_rate is None and power.rates.satisfaction_rate is None
    assert power.rates.response_rate == 1.0 and power.rates.pending_sign == 1 and power.rates.overdue == 1
    assert finance.rates.handled == 0 and finance.rates.overdue == 1
    assert "dept-hr" not in by_code, "a department with nothing in the period is not listed"
    # score = weighted mean of the available rates × 100 − 2 per yellow, 5 per red, 1 per overdue
    assert industry.score == pytest.approx(round((20 * 0.5 + 30 * 2 / 3 + 30 * 2 / 3 + 20 * 2 / 3) - 2, 2))
    assert power.score == pytest.approx(100 - 2 - 1)
    assert finance.score == pytest.approx(100 - 1)
    assert [(d.code, d.rank) for d in october.ranking] == [
        ("dept-finance", 1), ("dept-power-supply", 2), ("dept-industry", 3)]
    city = by_code["city-center"]
    assert city.rank is None and city.score == 100.0, "the city center is listed, not ranked"


def test_overdue_list_at_the_end_of_the_period(october) -> None:
    assert [o.process_instance_id for o in october.overdue] == ["P6", "P3"]
    p6, p3 = october.overdue
    assert p6.result_reported_at is not None, "reported after the cut-off: still overdue at the cut-off"
    last = sh(10, 31, 23, 59)
    assert p3.overdue_workdays == CALENDAR.working_days_between(sh(10, 27, 18), last)
    assert p6.overdue_workdays == CALENDAR.working_days_between(sh(10, 19, 18), last)
    assert p3.department_name == "县供电公司"


def test_appeals_spanning_two_months(ledger: Engine) -> None:
    september = figures(ledger, Period.parse("2026-09"), as_of=AS_OF, calendar=CALENDAR)
    # P5 dispatched in September (response), reported in October (on time / resolution)
    assert september.overall.dispatched == 2  # P5, P9
    assert september.overall.handled == 1  # P9
    assert september.overall.yellow_cards == 1
    # October's cut-off is the end of October: P6 reported on 1 November is not October's result
    november = figures(ledger, Period.parse("2026-11"), as_of=AS_OF, calendar=CALENDAR)
    assert november.overall.handled == 1 and november.overall.solved == 1
    assert november.received == 1, "P11"
    assert november.cutoff == AS_OF.astimezone(dt.UTC), "a running period is counted up to the as-of time"


def test_a_period_without_appeals_has_no_rates(ledger: Engine, tmp_path: Path, fresh_database_url) -> None:
    engine = _migrated(fresh_database_url)
    empty = figures(engine, OCTOBER, as_of=AS_OF)
    o = empty.overall
    assert o.is_empty() and empty.departments == [] and empty.overdue == [] and empty.cards == []
    assert (o.response_rate, o.on_time_rate, o.resolution_rate, o.satisfaction_rate) == (None, None, None, None)
    assert score(o) is None
    assert empty.received == 0 and empty.by_category == {}
    # a later month of the built ledger: no flows, so no rates; the overdue stock is still there
    later = figures(ledger, Period.parse("2027-03"), as_of=dt.datetime(2027, 5, 1, tzinfo=SHANGHAI))
    assert (later.overall.dispatched, later.overall.handled, later.overall.follow_ups) == (0, 0, 0)
    assert later.overall.response_rate is None and later.overall.satisfaction_rate is None
    assert later.overall.overdue == 3, "P3, P4 and P8 are open and past their deadlines"
    assert {d.code: d.score for d in later.departments}["dept-power-supply"] is None, "no rate: no score"


def test_all_overdue_and_nothing_handled(tmp_path: Path, fresh_database_url) -> None:
    engine = _migrated(fresh_database_url)
    rows = [appeal(f"Q{i}", received_at=sh(6, 1), dispatched_at=sh(6, 2), handler_group="dept-industry",
                   sign_due=sh(6, 3, 18), handling_due=sh(6, 9, 18)) for i in range(3)]
    with engine.begin() as conn:
        conn.execute(LedgerDepartment.__table__.insert().values(code="dept-industry", name="县工信局"))
        conn.execute(A.insert(), rows)
    june = figures(engine, Period.parse("2026-06"), as_of=sh(7, 1, 9), calendar=CALENDAR)
    o = june.overall
    assert (o.dispatched, o.sign_decided, o.signed_on_time) == (3, 3, 0)
    assert o.response_rate == 0.0, "never signed and past the deadline: 0 %, not '—'"
    assert o.on_time_rate is None and o.resolution_rate is None, "nothing handled: no rate"
    assert o.overdue == 3 and len(june.overdue) == 3
    (industry,) = june.departments
    assert industry.score == 0.0, "0 % response minus the overdue penalty, floored at 0"
    assert industry.rank == 1


def test_ties_share_a_rank() -> None:
    def dept(code: str, rate: float, handled: int) -> DepartmentFigures:
        rates = Rates(dispatched=10, sign_decided=10, signed_on_time=round(10 * rate), handled=handled,
                      handled_on_time=handled)
        return DepartmentFigures(code, code, rates)

    ranked = rank([dept("dept-a", 0.5, 2), dept("dept-b", 0.5, 2), dept("dept-c", 1.0, 1), dept("office", 1, 1)])
    assert {d.code: d.rank for d in ranked} == {"dept-c": 1, "dept-a": 2, "dept-b": 2, "office": None}


def test_cards_are_recorded_once_and_listed(ledger: Engine) -> None:
    again = record_card(ledger, "dept-industry", "yellow", sh(10, 14, 18), process_instance_id="P2",
                        reason="未按时签收", source_key="card-P2")
    assert again.source_key == "card-P2"
    industry = cards(ledger, department="dept-industry")
    assert [c.process_instance_id for c in industry] == ["P5", "P2"], "in issue order"
    assert [c.kind for c in cards(ledger, since=OCTOBER.start_at, until=OCTOBER.end_at)] == ["yellow", "yellow"]
    assert industry[1].registration_number == "某县服企办收（2026）第2号"
    with pytest.raises(ValueError):
        record_card(ledger, "dept-industry", "green")


def test_trend_and_annual_review(ledger: Engine) -> None:
    months = trend(ledger, OCTOBER, 12, as_of=AS_OF)
    assert [m.key for m, _ in months][-3:] == ["2026-08", "2026-09", "2026-10"] and len(months) == 12
    assert months[-1][1].handled == 3 and months[0][1].is_empty()
    review = annual_review(ledger, 2026, as_of=AS_OF)
    by_code = {r.code: r for r in review}
    assert by_code["dept-industry"].quarter_scores[0] is None, "nothing in the first quarter"
    assert by_code["dept-industry"].quarter_scores[2] is not None  # P5, P9 … in the third
    assert sum(r.bottom for r in review) == 2


def test_periods() -> None:
    assert Period.parse("2026-10", "quarter").key == "2026-Q4"
    assert Period.parse("2026-10", "half").label == "2026年下半年"
    assert Period.parse("2026-Q1").end == dt.date(2026, 4, 1)
    assert Period.parse("2026").months == 12 and Period.parse("2026-12").next().key == "2027-01"
    assert Period.parse("2026-01").previous().key == "2025-12"
    with pytest.raises(ValueError):
        Period.parse("2026-13")


def test_first_working_day_of_the_month() -> None:
    assert first_workday_of_month(CALENDAR, dt.date(2025, 10, 5)) == dt.date(2025, 10, 9), "国庆中秋 1–8 Oct"
    assert first_workday_of_month(CALENDAR, dt.date(2026, 11, 20)) == dt.date(2026, 11, 2), "1 Nov is a Sunday"
    calendar = WorkdayCalendar({dt.date(2026, 11, 2): False})  # an imported override wins
    assert first_workday_of_month(calendar, dt.date(2026, 11, 1)) == dt.date(2026, 11, 3)


# ----------------------------------------------------------------------------- milestones (unit)
def test_milestones_are_idempotent_and_never_go_backwards(tmp_path: Path, fresh_database_url) -> None:
    engine = _migrated(fresh_database_url)
    pid = "PI-1"
    registered = {"registrationNumber": "某县服企办收（2026）第1号", "registeredAt": "2026-10-08T09:05:00+08:00",
                  "receivedAt": "2026-10-08T09:00:00+08:00", "enterpriseName": "某县恒达机械制造有限公司",
                  "creditCode": "91140525ma0k2u7x4l", "channel": "visit", "appealKind": "help", "category": "power",
                  "businessKey": "DEMO-1"}
    dispatched = {"dispatchedAt": "2026-10-09T10:00:00+08:00", "dispatchCount": 1, "leadDepartment": "dept-industry",
                  "leadDepartmentName": "县工信局", "handlerGroup": "dept-industry", "handlerGroupName": "县工信局",
                  "assistingDepartments": ["dept-finance"], "assistingDepartmentNames": "县财政局",
                  "dispatchSituation": "single", "signDue": "2026-10-10T18:00:00+08:00",
                  "handlingDue": "2026-10-16T18:00:00+08:00", "dispatchNumber": "某县服企办交（2026）第1号",
                  "category": "policy", "appealKind": "help"}
    record_milestone(engine, pid, "registered", registered)
    record_milestone(engine, pid, "dispatched", dispatched)

    def row() -> dict[str, Any]:
        with engine.connect() as conn:
            return dict(conn.execute(select(A).where(A.c.process_instance_id == pid)).mappings().one())

    first = row()
    record_milestone(engine, pid, "dispatched", dispatched)
    record_milestone(engine, pid, "registered", registered)  # late and repeated
    assert row() == first
    assert first["category"] == "policy", "the older registration does not undo the verification's category"
    assert first["credit_code"] == "91140525MA0K2U7X4L" and first["status"] == "dispatched"
    # an extension moves the deadline forward; an older delivery of the same does not move it back
    record_milestone(engine, pid, "extension", {"extensionCount": 1, "handlingDue": "2026-10-21T18:00:00+08:00"})
    record_milestone(engine, pid, "extension", {"extensionCount": 0, "handlingDue": "2026-10-16T18:00:00+08:00"})
    assert row()["handling_due"] == sh(10, 21, 18).astimezone(dt.UTC) and row()["extension_count"] == 1
    record_milestone(engine, pid, "signed", {"signDecision": "sign", "handlerName": "张三"}, at=sh(10, 9, 15))
    record_milestone(engine, pid, "result_reported", {"resultReportedAt": "2026-10-20T10:00:00+08:00",
                                                      "resultClass": "B", "handlingDue": "2026-10-21T18:00:00+08:00"})
    record_milestone(engine, pid, "result_reported", {"resultReportedAt": "2026-10-27T10:00:00+08:00",
                                                      "resultClass": "B"})  # re-reported after a re-check
    current = row()
    assert current["first_result_reported_at"] == sh(10, 20).astimezone(dt.UTC)
    assert current["result_reported_at"] == sh(10, 27).astimezone(dt.UTC)
    assert current["handled_on_time"] is True and current["responded_on_time"] is True
    assert current["status"] == "on_supervision_ledger"
    history = [{"round": 1, "at": "2026-10-28T10:00:00+08:00", "reallySolved": True, "satisfaction": "satisfied",
                "method": "phone", "note": "满意"}]
    followed = {"followUpHistory": history, "lastSatisfaction": "satisfied", "satisfied": True,
                "followUpOutcome": "close", "handlingRound": 1, "resultClass": "A"}
    record_milestone(engine, pid, "followed_up", followed)
    record_milestone(engine, pid, "followed_up", followed)
    record_milestone(engine, pid, "closed", {"closedAt": "2026-10-28T10:00:05+08:00", "closeReason": "satisfied"})
    final = row()
    assert final["status"] == "closed" and final["result_class"] == "A" and final["follow_up_rounds"] == 1
    with engine.connect() as conn:
        assert conn.execute(select(F.c.seq, F.c.satisfaction)).all() == [(1, "satisfied")]
        names = dict(conn.execute(select(LedgerDepartment.__table__)).all())
    assert names == {"dept-industry": "县工信局"}
    record_milestone(engine, pid, "dispatched", dispatched)  # a very late redelivery changes nothing
    assert row() == final


def test_a_returned_round_and_the_next_dispatch(tmp_path: Path, fresh_database_url) -> None:
    engine = _migrated(fresh_database_url)
    first = {"dispatchedAt": "2026-10-09T10:00:00+08:00", "dispatchCount": 1, "leadDepartment": "dept-power-supply",
             "handlerGroup": "dept-power-supply", "signDue": "2026-10-10T18:00:00+08:00"}
    record_milestone(engine, "R", "dispatched", first)
    record_milestone(engine, "R", "returned", {"signDecision": "return", "dispatchCount": 1})
    with engine.connect() as conn:
        assert conn.execute(select(A.c.status, A.c.return_count)).one() == ("returned", 1)
    second = {**first, "dispatchedAt": "2026-10-11T10:00:00+08:00", "dispatchCount": 2,
              "leadDepartment": "dept-energy", "handlerGroup": "dept-energy", "previousReturnReason": "非本单位职责"}
    record_milestone(engine, "R", "dispatched", second)
    record_milestone(engine, "R", "dispatched", first)  # the old round delivered late: ignored
    with engine.connect() as conn:
        assert conn.execute(select(A.c.status, A.c.handler_group, A.c.return_count, A.c.last_return_reason)).one() \
            == ("dispatched", "dept-energy", 1, "非本单位职责")


# ----------------------------------------------------------------------------- bulletin and ledger files
def test_bulletin_and_ledger_files(ledger: Engine, tmp_path: Path) -> None:
    from docx import Document
    from openpyxl import load_workbook

    steps: list[str] = []
    produced = produce_report(ledger, OCTOBER, tmp_path, calendar=CALENDAR, as_of=AS_OF, progress=steps.append,
                              org={"county": "某县", "office_name": "县服务企业发展领导小组办公室"})
    assert steps == ["figures", "trend", "review", "bulletin", "workbook", "files"]
    assert produced.bulletin.path.name == "某县企业诉求办理情况通报-2026年10月.docx"
    doc = Document(io.BytesIO(produced.bulletin.read()))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "某县企业诉求办理情况通报"
    assert paragraphs[1] == "（2026年10月）"
    assert "某县服务企业发展领导小组办公室" in paragraphs[2]
    text = "\n".join(paragraphs)
    assert "共受理企业诉求8件" in text and "响应率80.0%" in text and "按时办结率66.7%" in text
    assert "满意率75.0%" in text and "超期未办结诉求2件" in text
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    summary = tables[0]
    assert summary[1][:4] == ["响应率", "4", "5", "80.0%"]
    departments = next(t for t in tables if t[0][0] == "承办单位")
    assert [row[0] for row in departments[1:]] == ["县财政局", "县供电公司", "县工信局", "市企业服务中心"]
    assert departments[3][2] == "50.0%" and departments[2][4] == "—", "no denominator prints —"
    ranking = next(t for t in tables if t[0][:3] == ["名次", "承办单位", "得分"])
    assert [row[:2] for row in ranking[1:]] == [["1", "县财政局"], ["2", "县供电公司"], ["3", "县工信局"]]
    card_counts = next(t for t in tables if t[0] == ["承办单位", "黄牌", "红牌"])
    assert card_counts[1:] == [["县供电公司", "1", "0"], ["县工信局", "1", "0"]]
    card_table = next(t for t in tables if t[0][0] == "日期")
    assert [row[1:3] for row in card_table[1:]] == [["县工信局", "黄牌"], ["县供电公司", "黄牌"]]
    overdue = next(t for t in tables if t[0][:2] == ["序号", "登记编号"])
    assert [row[1] for row in overdue[1:]] == ["某县服企办收（2026）第6号", "某县服企办收（2026）第3号"]
    images = [r for r in doc.part.rels.values() if r.reltype.endswith("/image")]
    assert len(images) == 2, "the departments' rates and the trend"
    assert all(r.target_part.blob[:8] == b"\x89PNG\r\n\x1a\n" for r in images)
    assert doc.core_properties.title == "某县企业诉求办理情况通报（2026年10月）"

    workbook = load_workbook(io.BytesIO(produced.workbook.read()))
    assert workbook.sheetnames == ["问题台账", "转办清单", "解决反馈表", "满意度评价表", "超期清单", "亮牌记录"]
    headers = {ws.title: [c.value for c in ws[1]] for ws in workbook.worksheets}
    assert headers["问题台账"][:6] == ["序号", "企业名称", "存在问题、困难、诉求描述", "建议解决部门",
                                   "企业联系人及联系方式", "备注"]
    assert headers["转办清单"][:5] == ["序号", "企业名称", "存在问题、困难、诉求描述", "企业联系人及联系方式", "建议解决部门"]
    assert headers["解决反馈表"][:8] == ["序号", "企业名称", "存在问题、困难、诉求描述", "是否解决", "解决方式",
                                    "所属镇街（部门）", "镇街（部门）联系人及联系方式", "备注"]
    assert headers["满意度评价表"][:6] == ["序号", "问题描述", "解决情况", "解决部门", "满意度评价", "意见建议"]
    counts = {ws.title: ws.max_row - 1 for ws in workbook.worksheets}
    assert counts == {"问题台账": 8, "转办清单": 6, "解决反馈表": 3, "满意度评价表": 4, "超期清单": 2, "亮牌记录": 2}
    sheet = workbook["问题台账"]
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["C"].width == 50
    results = workbook["解决反馈表"]
    assert [results.cell(r, 4).value for r in (2, 3, 4)] == ["已解决", "已解决", "正在解决"]
    assert results.cell(4, 8).value == "延期1次"
    satisfaction = [row[4] for row in workbook["满意度评价表"].iter_rows(min_row=2, values_only=True)]
    assert satisfaction == ["非常满意", "不满意", "比较满意", "比较满意"]


def test_bulletin_of_an_empty_period_and_of_a_year(ledger: Engine, tmp_path: Path, fresh_database_url) -> None:
    from docx import Document

    empty = produce_report(_migrated(fresh_database_url), OCTOBER, tmp_path, as_of=AS_OF)
    text = "\n".join(p.text for p in Document(io.BytesIO(empty.bulletin.read())).paragraphs)
    assert "共受理企业诉求0件" in text and "响应率—" in text and "本期无交办诉求。" in text
    year = produce_report(ledger, Period.parse("2026"), tmp_path, as_of=AS_OF)
    doc = Document(io.BytesIO(year.bulletin.read()))
    assert doc.paragraphs[0].text.endswith("企业诉求办理工作年终总评通报")
    review = next(t for t in doc.tables if t.rows[0].cells[2].text == "一季度")
    assert [c.text for c in review.rows[0].cells] == ["名次", "单位", "一季度", "二季度", "三季度", "四季度",
                                                      "全年得分", "备注"]
    assert sum("书面检查" in row.cells[7].text for row in review.rows) == 2


def test_report_command_with_a_progress_bar(ledger: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import click
    from click.testing import CliRunner

    from appeals.ledger.cli import ledger as ledger_group
    from appeals.ledger.cli import report

    monkeypatch.setenv("APPEALS_DATABASE_URL", ledger.url.render_as_string(hide_password=False))
    monkeypatch.setenv("APPEALS_DATA_DIR", str(tmp_path))
    main = click.Group("appeals", commands=[ledger_group, report])
    result = CliRunner().invoke(main, ["report", "--period", "2026-10", "--kind", "quarter", "--out",
                                       str(tmp_path / "q4")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "2026年第四季度通报" in result.output and "bulletin:" in result.output
    assert sorted(p.name for p in (tmp_path / "q4").iterdir()) == [
        "企业诉求问题台账-2026年第四季度.xlsx", "某县企业诉求办理情况季度测评通报-2026年第四季度.docx"]
    result = CliRunner().invoke(main, ["report", "--period", "2026-13"])
    assert result.exit_code == 2 and "--period" in result.output


def test_any_range_of_days(ledger: Engine, tmp_path: Path) -> None:
    from docx import Document

    days = Period.parse("2026-10-09..2026-10-16")
    assert days.label == "2026年10月9日至2026年10月15日"
    report = figures(ledger, days, as_of=AS_OF, calendar=CALENDAR)
    o = report.overall
    # dispatched P1, P6 (on time), P2 (late), P8 (signed on the 16th, after the cut-off, deadline not passed)
    assert (o.dispatched, o.sign_decided, o.signed_on_time) == (4, 3, 2)
    assert (o.handled, o.handled_on_time) == (2, 1), "P5 (late) on the 10th, P1 (on time) on the 15th"
    produced = produce_report(ledger, days, tmp_path, calendar=CALENDAR, as_of=AS_OF)
    doc = Document(io.BytesIO(produced.bulletin.read()))
    assert doc.paragraphs[0].text == "某县企业诉求办理情况通报"
    assert doc.paragraphs[1].text == "（2026年10月9日至2026年10月15日）"
    with pytest.raises(ValueError):
        Period.parse("2026-10-09..2026-10-09")
