"""The 专班看板 and the task labels without the browser: who is admitted, the filters narrowing the
ledger's own figures (on the hand-built ledger of test_ledger_figures, known answers), the order a
deputy head sees, the export, and the working days a form counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from appeals.dashboard.access import Refused, viewer_of
from appeals.dashboard.board import Query, board, board_workbook, department_rows
from appeals.ledger import figures
from appeals.ledger.bulletin import summary_text
from appeals.ledger.figures import Scope
from appeals.org import DEMO_ORG, load
from appeals.tasklabels import category_label, task_label_variables, workday_list
from appeals.workdays import WorkdayCalendar

from .test_ledger_figures import AS_OF, CALENDAR, OCTOBER, _migrated, build_ledger

CHART = load(DEMO_ORG)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory):
    engine = _migrated(f"sqlite:///{tmp_path_factory.mktemp('dash') / 'ledger.sqlite'}")
    build_ledger(engine)
    return engine


def test_who_is_admitted() -> None:
    assert viewer_of("county-head", ["county-head"], CHART).kinds == ("county-head",)
    assert viewer_of("office-clerk", ["office"], CHART).role == "服企办"
    assert viewer_of("supervisor", ["supervision"], CHART)
    assert viewer_of("admin", ["camunda-admin"], CHART).kinds == ("admin",)
    deputy = viewer_of("deputy-industry", ["deputy-head-industry"], CHART)
    assert deputy.oversees == ("dept-industry", "dept-power-supply", "dept-energy", "dept-development-reform")
    for user, groups in (("industry-handler", ["dept-industry"]), ("city-industry-handler", ["city-dept-industry"]),
                         ("nobody", [])):
        with pytest.raises(Refused) as refused:
            viewer_of(user, groups, CHART)
        assert refused.value.status == 403
    # the city's staff: the comparison of the counties (issue 19), not a county's board
    assert viewer_of("city-officer", ["city-center"], CHART).city


def test_without_filters_the_board_is_the_report(ledger) -> None:
    viewer = viewer_of("county-head", ["county-head"], CHART)
    b = board(ledger, Query(OCTOBER), viewer, CALENDAR, {}, as_of=AS_OF)
    report = figures(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR)
    assert b.summary == summary_text(report)
    assert not b.filtered
    assert [d.code for d in b.departments] == [d.code for d in report.departments]
    assert len(b.months) == 12 and b.months[-1][0] == OCTOBER


def test_a_deputy_head_sees_the_departments_they_oversee_first(ledger) -> None:
    viewer = viewer_of("deputy-economy", ["deputy-head-economy"], CHART)
    b = board(ledger, Query(OCTOBER), viewer, CALENDAR, {}, as_of=AS_OF)
    codes = [d.code for d in b.departments]
    overseen = [c for c in codes if c in viewer.oversees]
    assert overseen and codes[:len(overseen)] == overseen
    assert len(department_rows(b)) == len(codes)


def test_filters_narrow_every_figure(ledger) -> None:
    power = figures(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR, scope=Scope(category="power").condition())
    o = power.overall  # P3 (overdue, carded) and P4 (sign deadline still running)
    assert (power.received, o.dispatched, o.sign_decided, o.signed_on_time) == (2, 2, 1, 1)
    assert (o.overdue, o.yellow_cards) == (1, 1)
    assert [c.process_instance_id for c in power.cards] == ["P3"]
    assert [i.process_instance_id for i in power.overdue] == ["P3"]

    hotline = figures(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR, scope=Scope(channel="hotline").condition())
    o = hotline.overall  # P2 (reported, B) and the consultation P7 (followed up, very satisfied)
    assert (hotline.received, o.handled, o.solved, o.follow_ups, o.satisfied) == (2, 1, 0, 1, 1)

    batch = Scope(appeals=frozenset({"P5", "P9"})).condition()  # a batch: P5 (handled in October) and P9
    late = figures(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR, scope=batch)
    o = late.overall
    assert (late.received, o.handled, o.handled_on_time, o.solved, o.follow_ups, o.satisfied) == (0, 1, 0, 1, 2, 1)
    assert late.cards == []
    nobody = figures(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR, scope=Scope(appeals=frozenset()).condition())
    assert nobody.received == 0 and nobody.overall.is_empty()
    assert Scope().condition() is None


def test_the_query_and_the_batch(ledger) -> None:
    query = Query.parse({"period": "2026-10", "category": "power", "batch": "2026年第四批"}, today=dt.date(2026, 11, 30))
    scope = query.scope({"2026年第四批": frozenset({"P3", "P4"})})
    assert scope == Scope("power", None, frozenset({"P3", "P4"}))
    assert Query.parse({}, today=dt.date(2026, 11, 30)).period.key == "2026-11"
    assert Query.parse({}, today=dt.date(2026, 11, 30)).scope({}) is None
    for bad in ({"period": "2026"}, {"period": "2026-13"}, {"category": "x"}, {"channel": "x"}):
        with pytest.raises(ValueError):
            Query.parse(bad, today=dt.date(2026, 11, 30))
    with pytest.raises(ValueError):
        Query.parse({"batch": "第九批"}).scope({"2026年第一批": frozenset({"P1"})})


def test_the_export_has_the_page_in_five_sheets(ledger) -> None:
    from openpyxl import load_workbook

    viewer = viewer_of("office-clerk", ["office"], CHART)
    b = board(ledger, Query(OCTOBER), viewer, CALENDAR, {}, as_of=AS_OF)
    book = load_workbook(io.BytesIO(board_workbook(b)))
    assert book.sheetnames == ["总体", "各单位", "超期诉求", "黄红牌", "趋势"]
    overall = [c.value for c in book["总体"][2]]
    assert overall[:2] == [b.report.received, b.report.overall.dispatched]
    assert book["总体"].cell(row=4, column=1).value == b.summary
    assert book["超期诉求"].max_row == 1 + len(b.report.overdue)


def test_the_working_days_a_form_counts() -> None:
    calendar = WorkdayCalendar()
    days = workday_list(calendar, dt.date(2026, 9, 28), count=6).split(",")
    # 2026: National Day holiday 1–7 October, Saturday 10 October a working day (make-up)
    assert days == ["2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10"]
    long = workday_list(calendar, dt.date(2026, 11, 30))
    assert len(long.split(",")) == 200 and len(long) < 4000  # a Camunda String variable
    assert category_label("power") == "用电保障" and category_label(None) is None
    assert category_label("unknown") == "unknown"
    assert set(task_label_variables(calendar, "land")) == {"workdays", "categoryLabel"}


@pytest.mark.parametrize("today, opens, current", [
    (dt.datetime(2026, 12, 1, 0, 1), "2026-11", "2026-12"),  # tester 6, N9: every figure was 0
    (dt.datetime(2026, 12, 3, 23, 59), "2026-11", "2026-12"),
    (dt.datetime(2026, 12, 4, 0, 0), "2026-12", None),
    (dt.datetime(2027, 1, 2, 8, 0), "2026-12", "2027-01"),  # across the year
    (dt.datetime(2026, 11, 30, 23, 59), "2026-11", None),
])
def test_on_the_first_three_days_of_a_month_the_board_opens_on_the_month_before(today, opens, current) -> None:
    """Tester 6, N9: on the 1st at 00:01 (Beijing) the board opened on the new month, all zeros. On the
    first EARLY_DAYS days without a chosen month it opens on the month before and links to this month;
    a chosen month is always that month."""
    query = Query.parse({}, today=today.date())
    assert query.period.key == opens
    assert (query.current.key if query.current else None) == current
    chosen = Query.parse({"period": "2026-12"}, today=today.date())
    assert chosen.period.key == "2026-12" and chosen.current is None


def test_the_page_opened_on_the_month_before_links_to_this_month(ledger) -> None:
    """The board page as rendered on 2026-12-01 00:01 Beijing time (a fixed clock): November's figures
    and a link to December."""
    from pathlib import Path

    from flask import Flask, render_template

    from appeals.dashboard import board as boards
    from appeals.vocabulary import CARD_LABELS
    from appeals.vocabulary import CATEGORY_LABELS as CATEGORIES
    from appeals.vocabulary import CHANNEL_LABELS as CHANNELS

    b = board(ledger, Query.parse({}, today=dt.date(2026, 12, 1)), viewer_of("county-head", ["county-head"], CHART),
              CALENDAR, {}, as_of=dt.datetime(2026, 12, 1, 0, 1, tzinfo=AS_OF.tzinfo))
    app = Flask(__name__, template_folder=str(Path(boards.__file__).parent / "templates"))
    for endpoint in ('city_bulletin', 'departments_png', 'export', 'index', 'login', 'logout', 'trend_png'):
        app.add_url_rule(f"/{endpoint}", endpoint, lambda: "")
    app.jinja_env.globals.update(csrf_token=lambda: "token", zip=zip, card_labels=CARD_LABELS)
    with app.test_request_context("/"):
        page = render_template(
            "board.html", b=b, overall_columns=boards.OVERALL_COLUMNS, overall=boards.overall_row(b),
            department_columns=boards.DEPARTMENT_COLUMNS, departments=boards.department_rows(b),
            overdue_columns=boards.OVERDUE_COLUMNS, overdue=boards.overdue_rows(b),
            card_columns=boards.CARD_COLUMNS, cards=boards.card_rows(b), trend_columns=boards.TREND_COLUMNS,
            trend=boards.trend_rows(b), categories=CATEGORIES, channels=CHANNELS, batches=[], counties={},
            params=b.query.params(), current=b.query.current)
    assert "2026年11月总体情况" in page
    assert "默认显示上月（2026年11月）" in page
    assert '<a href="/index?period=2026-12">查看本月（2026年12月）</a>' in page
