"""The ledger per county (issue 19, docs/city-level.md 'Figures at both levels'), without the engine.

On the hand-built ledger of test_ledger_figures, some appeals moved to 乙县 (`county = yixian`): each
county's figures, workbook, bulletin and dashboard count only its own appeals and cards, the two add up
to the whole ledger, 乙县's documents carry 乙县's name, office and department names; 某县's (the
chart's own county, also the rows of no county) are what they were. And migration 0012 backfills an
existing ledger to the chart's own county, on the session's database (APPEALS_TEST_DB)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from alembic import command
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import text, update
from sqlalchemy.engine import Engine

from appeals import db
from appeals.context import home_county_code
from appeals.dashboard.access import Refused, viewer_of
from appeals.dashboard.board import Query, board, city_board, city_rows
from appeals.documents.fields import issuer_of
from appeals.ledger import figures, produce_report
from appeals.ledger.city import CountyTransfers
from appeals.ledger.counties import County
from appeals.ledger.figures import Rates
from appeals.ledger.workbook import render_workbook
from appeals.org import DEMO_ORG, load

from .test_ledger_figures import AS_OF, CALENDAR, OCTOBER, A, _migrated, build_ledger

CHART = load(DEMO_ORG)
YIXIAN = ("P3", "P5", "P7")  # P3 overdue and carded, P5 handled late and followed up, P7 a consultation


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    engine = _migrated(f"sqlite:///{tmp_path_factory.mktemp('counties') / 'ledger.sqlite'}")
    build_ledger(engine)
    with engine.begin() as conn:
        conn.execute(update(A).where(A.c.process_instance_id.in_(YIXIAN)).values(county="yixian"))
        conn.execute(update(A).where(A.c.process_instance_id.in_(("P1", "P2"))).values(county="mouxian"))
    return engine  # the other rows have no county: recorded before the chart named counties (某县's)


def test_the_counties_of_the_chart() -> None:
    home, yixian = County.of(CHART), County.of(CHART, "yixian")
    assert (home.tenant, home.name, home.home) == ("mouxian", "某县", True)
    assert County.of(CHART, "mouxian") == home
    assert (yixian.tenant, yixian.name, yixian.home) == ("yixian", "乙县", False)
    assert yixian.department_names["dept-natural-resources"] == "乙县自然资源局"
    for unknown in ("city", "nowhere"):
        with pytest.raises(LookupError):
            County.of(CHART, unknown)
    single = load(DEMO_ORG).__class__(county="某县", number_prefix="某县", groups=(), users=())
    assert County.of(single).condition() is None  # a chart without tenants: every row


def test_each_county_counts_only_its_own_appeals_and_the_two_make_the_whole(ledger: Engine) -> None:
    whole = figures(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR)
    home = figures(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR, county=County.of(CHART))
    yixian = figures(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR, county=County.of(CHART, "yixian"))
    assert {i.process_instance_id for i in yixian.overdue} == {"P3"}
    assert "P3" not in {i.process_instance_id for i in home.overdue}
    assert [c.process_instance_id for c in yixian.cards] == ["P3"]
    assert "P3" not in {c.process_instance_id for c in home.cards}
    assert yixian.overall.handled >= 1 and yixian.overall.follow_ups >= 1
    assert home.received + yixian.received == whole.received
    assert home.closed + yixian.closed == whole.closed
    both = Rates().add(home.overall).add(yixian.overall)
    assert both == whole.overall
    assert len(home.cards) + len(yixian.cards) == len(whole.cards)
    # 乙县's departments carry 乙县's names (a group id two counties share is one code in the ledger)
    names = {d.code: d.name for d in yixian.departments}
    assert names["dept-industry"] == "乙县工信局", names  # the ledger's name: 县工信局
    assert names["dept-power-supply"] == "县供电公司"  # a unit 乙县's chart does not name: the ledger's name
    assert [c.department_name for c in yixian.cards] == ["县供电公司"]


def test_a_countys_workbook_and_bulletin(ledger: Engine, tmp_path) -> None:
    yixian = County.of(CHART, "yixian")
    book = load_workbook(io.BytesIO(render_workbook(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR, county=yixian)))
    whole = load_workbook(io.BytesIO(render_workbook(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR)))
    home = load_workbook(io.BytesIO(render_workbook(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR,
                                                    county=County.of(CHART))))
    for sheet in whole.sheetnames:
        assert (book[sheet].max_row - 1) + (home[sheet].max_row - 1) == whole[sheet].max_row - 1, sheet
    overdue = [row[1] for row in book["超期清单"].iter_rows(min_row=2, values_only=True)]
    assert overdue == ["某县服企办收（2026）第3号"]  # P3 (the hand-built numbers are 某县's; the county decides)

    produced = produce_report(ledger, OCTOBER, tmp_path, calendar=CALENDAR, as_of=AS_OF, county=yixian,
                              org=issuer_of(CHART.for_tenant("yixian")))
    assert produced.bulletin.filename.startswith("乙县企业诉求办理情况通报")
    assert produced.workbook.filename.startswith("乙县企业诉求问题台账")
    paragraphs = [p.text for p in Document(io.BytesIO(produced.bulletin.read())).paragraphs]
    assert paragraphs[0] == "乙县企业诉求办理情况通报"
    assert any(p.startswith("乙县服务企业发展领导小组办公室") for p in paragraphs), paragraphs[:4]
    assert not any("某县" in p for p in paragraphs)
    mine = figures(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR, county=yixian)
    assert produced.report.received == mine.received and produced.report.overall == mine.overall

    own = produce_report(ledger, OCTOBER, tmp_path / "home", calendar=CALENDAR, as_of=AS_OF, county=County.of(CHART),
                         org=issuer_of(CHART))
    assert own.workbook.filename.startswith("企业诉求问题台账")  # the chart's own county: the name it always had
    assert own.bulletin.filename.startswith("某县企业诉求办理情况通报")


def test_each_countys_staff_see_their_own_county_and_the_city_the_comparison(ledger: Engine) -> None:
    office, yx_office = viewer_of("office-clerk", ["office"], CHART), viewer_of("yx-office-clerk", ["office"], CHART)
    assert (office.tenant, yx_office.tenant) == ("mouxian", "yixian")
    assert viewer_of("yx-deputy-industry", ["deputy-head-industry"], CHART).oversees == tuple(
        CHART.for_tenant("yixian").group("deputy-head-industry").oversees)
    city = viewer_of("city-officer", ["city-center"], CHART)
    assert city.city and city.tenant == "city"
    with pytest.raises(Refused):
        viewer_of("city-industry-handler", ["city-dept-industry"], CHART)

    mine = board(ledger, Query(OCTOBER), yx_office, CALENDAR, {}, as_of=AS_OF, county=County.of(CHART, "yixian"))
    theirs = board(ledger, Query(OCTOBER), office, CALENDAR, {}, as_of=AS_OF, county=County.of(CHART))
    assert [i.process_instance_id for i in mine.report.overdue] == ["P3"]
    assert "P3" not in {i.process_instance_id for i in theirs.report.overdue}

    counties = [County.of(CHART, c.tenant) for c in CHART.all_counties()]
    c = city_board(ledger, OCTOBER, city, counties, CHART.city,
                   [CountyTransfers("乙县", ["x1", "x2"], ["x1"], ["x1"])], as_of=AS_OF)
    rows = {row[0]: row for row in city_rows(c)}
    assert set(rows) == {"某县", "乙县"}
    assert rows["乙县"][1] == mine.report.received and rows["某县"][1] == theirs.report.received
    assert rows["乙县"][8:] == [2, 1, 1, "100.0%"] and rows["某县"][8:] == [0, 0, 0, "—"]


def test_migration_0012_backfills_the_ledger_to_the_charts_own_county(fresh_database_url: str) -> None:
    config = db.alembic_config(fresh_database_url)
    command.upgrade(config, "0011")
    engine = db.make_engine(fresh_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(db.OrgSnapshot.__table__.insert().values(synced_at=dt.datetime.now(dt.UTC),
                                                                  content=CHART.to_dict()))
            for pid in ("OLD-1", "OLD-2"):
                conn.execute(text("INSERT INTO ledger_appeal (process_instance_id, status, dispatch_count, "
                                  "return_count, extension_count, follow_up_rounds) VALUES (:pid, 'registered', 0, 0, 0, 0)"),
                             {"pid": pid})
        command.upgrade(config, "heads")
        with engine.connect() as conn:
            counties = dict(conn.execute(text("SELECT process_instance_id, county FROM ledger_appeal")).all())
        assert counties == {"OLD-1": "mouxian", "OLD-2": "mouxian"}
        assert home_county_code(engine) == "mouxian"  # and what the ledger gives an appeal without tenant
        command.downgrade(config, "0011")
        command.upgrade(config, "heads")
    finally:
        engine.dispose()


def test_each_county_keeps_its_own_name_of_a_department_both_name(fresh_database_url: str) -> None:
    """`dept-industry` is 县工信局 in 某县 and 乙县工业局 in 乙县: the ledger keeps both (ledger_department_name,
    migration 0016), so each county's figures, overdue list, cards and workbook show its own name whichever
    county recorded last, also where the chart does not name the unit (a county without chart names here)."""
    from appeals.ledger import record_milestone
    from appeals.ledger.cards import cards, record_card
    from appeals.ledger.figures import overdue_list

    engine = _migrated(fresh_database_url)
    names = {"mouxian": "县工信局", "yixian": "乙县工业局"}
    try:
        for pid, tenant in (("N-MX", "mouxian"), ("N-YX", "yixian")):  # 乙县 records last
            record_milestone(engine, pid, "dispatched", {
                "tenantId": tenant, "registrationNumber": f"{pid}号", "enterpriseName": f"企业{pid}",
                "leadDepartment": "dept-industry", "leadDepartmentName": names[tenant],
                "handlerGroup": "dept-industry", "handlerGroupName": names[tenant],
                "dispatchedAt": "2026-10-12T10:00:00+08:00", "handlingDue": "2026-10-20T18:00:00+08:00"})
            record_card(engine, "dept-industry", "yellow", "2026-10-22T10:00:00+08:00", process_instance_id=pid,
                        reason="逾期", source_key=f"card-{pid}", department_name=names[tenant], county=tenant)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM ledger_department WHERE code = 'dept-industry'")).scalar() \
                == "乙县工业局", "the ledger's one name is the last county's"
            whole = {o.process_instance_id: o.department_name for o in overdue_list(conn, AS_OF)}
        assert whole == {"N-MX": "县工信局", "N-YX": "乙县工业局"}, "every row its own county's name"
        assert {c.process_instance_id: c.department_name for c in cards(engine)} == whole

        for tenant, home in (("mouxian", True), ("yixian", False)):
            county = County(tenant, "某县" if home else "乙县", home=home)  # no chart names: the ledger's
            report = figures(engine, OCTOBER, as_of=AS_OF, calendar=CALENDAR, county=county)
            assert [d.name for d in report.departments] == [names[tenant]]
            assert [o.department_name for o in report.overdue] == [names[tenant]]
            assert [c.department_name for c in report.cards] == [names[tenant]]
            sheets = load_workbook(io.BytesIO(render_workbook(engine, OCTOBER, as_of=AS_OF, calendar=CALENDAR,
                                                              county=county)))
            cells = {str(c) for sheet in sheets for row in sheet.iter_rows(values_only=True) for c in row if c}
            assert names[tenant] in cells and not set(names.values()) - {names[tenant]} & cells, tenant
    finally:
        engine.dispose()


def test_migration_0016_keeps_the_name_of_a_department_one_county_named(fresh_database_url: str) -> None:
    """The backfill: a department only 乙县's appeals name gets 乙县's name; one both counties (or rows without
    a county and a county) name gets none, since which county wrote it last is unknown."""
    config = db.alembic_config(fresh_database_url)
    command.upgrade(config, "0015")
    engine = db.make_engine(fresh_database_url)
    try:
        with engine.begin() as conn:
            for code, name in (("dept-industry", "乙县工业局"), ("dept-finance", "乙县财政局"), ("dept-land", "县自然资源局")):
                conn.execute(text("INSERT INTO ledger_department (code, name) VALUES (:c, :n)"), {"c": code, "n": name})
            for pid, county, lead in (("B1", "mouxian", "dept-industry"), ("B2", "yixian", "dept-industry"),
                                      ("B3", "yixian", "dept-finance"), ("B4", None, "dept-land"),
                                      ("B5", "yixian", "dept-land")):
                conn.execute(text("INSERT INTO ledger_appeal (process_instance_id, county, lead_department, "
                                  "handler_group, status, dispatch_count, return_count, extension_count, "
                                  "follow_up_rounds) VALUES (:pid, :county, :lead, :lead, 'handling', 1, 0, 0, 0)"),
                             {"pid": pid, "county": county, "lead": lead})
        command.upgrade(config, "heads")
        with engine.connect() as conn:
            kept = conn.execute(text("SELECT code, county, name FROM ledger_department_name")).all()
        assert [tuple(r) for r in kept] == [("dept-finance", "yixian", "乙县财政局")]
        command.downgrade(config, "0015")
        command.upgrade(config, "heads")
    finally:
        engine.dispose()
