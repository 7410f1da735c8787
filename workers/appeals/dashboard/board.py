"""What the dashboard shows, computed by the ledger's own figures (ledger/figures.py), never again here.

    board(engine, query, viewer, calendar, batches, county=County) -> Board
    board_workbook(board) -> bytes (.xlsx)
    city_board(engine, period, chart, transfers) -> CityBoard      the city's comparison of the counties
    city_workbook(city_board) -> bytes (.xlsx)

With no filter the numbers are those of `appeals report --period [--county]` for the same month at the
same moment (the same `figures()` call for the same county, the same summary paragraph `summary_text()`);
the filters narrow every figure through `figures.Scope`.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from ..ledger.bulletin import summary_text
from ..ledger.city import CountyLine, CountyTransfers
from ..ledger.counties import County
from ..ledger.figures import DepartmentFigures, Rates, Report, Scope, figures, trend
from ..ledger.labels import DASH, day, pct
from ..ledger.periods import Period, parse_month
from ..ledger.reports import county_lines
from ..vocabulary import CARD_LABELS
from ..vocabulary import CATEGORY_LABELS as CATEGORIES
from ..vocabulary import CHANNEL_LABELS as CHANNELS
from ..workdays import SHANGHAI, WorkdayCalendar
from .access import Viewer

TREND_MONTHS = 12
RATE_LABELS = {"response_rate": "响应率", "on_time_rate": "按时办结率", "resolution_rate": "解决率",
               "satisfaction_rate": "满意率"}


# On the first days of a month (Beijing time) the new month has no figures yet (tester 6, N9: at 00:01 on
# the 1st every figure was 0): without a chosen month the page opens on the month before, with a link to
# the current one (docs/dashboard.md).
EARLY_DAYS = 3


@dataclass(frozen=True)
class Query:
    """The page's parameters: the month and the filters (empty = all)."""

    period: Period
    batch: str = ""
    category: str = ""
    channel: str = ""
    county: str = ""  # a tenant: an administrator's choice of county (others see their own)
    current: Period | None = None  # the current month, when the page opened on the month before instead

    @classmethod
    def parse(cls, args: Mapping[str, str], today: dt.date | None = None) -> Query:
        """`period=2026-11` (any spelling of a month `parse_month` reads: 2026年11月, 2026/11, 2026-1;
        default: this month in Asia/Shanghai — the month before on its first EARLY_DAYS days, with
        `current` set to this month), `batch`, `category`, `channel`. Raises ValueError (Chinese
        text) for a period that is no month or out of range, or an unknown category or channel."""
        today = today or dt.datetime.now(SHANGHAI).date()
        text = (args.get("period") or "").strip()
        this_month = Period.month(today.year, today.month)
        current = this_month if not text and today.day <= EARLY_DAYS else None
        period = parse_month(text, "看板") if text else (this_month.previous() if current else this_month)
        category = (args.get("category") or "").strip()
        channel = (args.get("channel") or "").strip()
        if category and category not in CATEGORIES:
            raise ValueError(f"未知的问题类别 {category}")
        if channel and channel not in CHANNELS:
            raise ValueError(f"未知的反映渠道 {channel}")
        return cls(period, (args.get("batch") or "").strip(), category, channel, (args.get("county") or "").strip(),
                   current)

    def scope(self, batches: Mapping[str, frozenset[str]]) -> Scope | None:
        """The filters as a `Scope`; `batches`: 批次 label → the appeals of that batch.
        Raises ValueError for a batch nobody has."""
        if self.batch and self.batch not in batches:
            raise ValueError(f"未知的批次 {self.batch}")
        if not (self.category or self.channel or self.batch):
            return None
        return Scope(self.category or None, self.channel or None, batches[self.batch] if self.batch else None)

    def params(self, **changes: str) -> dict[str, str]:
        values = {"period": self.period.key, "batch": self.batch, "category": self.category, "channel": self.channel,
                  "county": self.county}
        values.update(changes)
        return {k: v for k, v in values.items() if v}


@dataclass
class Board:
    query: Query
    viewer: Viewer
    report: Report
    summary: str
    departments: list[DepartmentFigures]  # overseen ones first for a deputy head, then by rank
    months: list[tuple[Period, Rates]]
    filtered: bool
    names: dict[str, str] = field(default_factory=dict)
    county: County | None = None

    def oversees(self, code: str) -> bool:
        return code in self.viewer.oversees


def board(engine: Engine, query: Query, viewer: Viewer, calendar: WorkdayCalendar | None,
          batches: Mapping[str, frozenset[str]], as_of: dt.datetime | None = None,
          county: County | None = None) -> Board:
    """The board of `county`'s appeals (None: the whole ledger, a chart without tenants)."""
    scope = query.scope(batches)
    condition = scope.condition() if scope is not None else None
    as_of = as_of or dt.datetime.now(SHANGHAI)
    report = figures(engine, query.period, as_of=as_of, calendar=calendar, scope=condition, county=county)
    months = trend(engine, query.period, TREND_MONTHS, as_of=as_of, scope=condition, county=county)
    departments = sorted(report.departments,
                         key=lambda d: (d.code not in viewer.oversees, d.rank is None, d.rank or 0, d.code))
    return Board(query, viewer, report, summary_text(report), departments, months, scope is not None,
                 {d.code: d.name for d in report.departments}, county)


@dataclass
class CityBoard:
    period: Period
    viewer: Viewer
    city: str
    lines: list[CountyLine]
    as_of: dt.datetime


def city_board(engine: Engine, period: Period, viewer: Viewer, counties: list[County], city: str,
               transfers: list[CountyTransfers], as_of: dt.datetime | None = None) -> CityBoard:
    """The city's comparison (临沧 第十一条、第十九条): each county's own figures of `period` (the same
    `figures()` as the county's board) next to its transfers to the city (`ledger.city.city_figures`)."""
    as_of = as_of or dt.datetime.now(SHANGHAI)
    return CityBoard(period, viewer, city, county_lines(engine, period, counties, transfers, as_of), as_of)


CITY_COLUMNS = ("县（区）", "受理", "交办", "响应率", "按时办结率", "解决率", "满意率", "超期未办结",
                "转报市级", "市级已反馈", "市级未办结", "市直部门按时办结率")


def city_rows(c: CityBoard) -> list[list[Any]]:
    rows = []
    for line in c.lines:
        o, t = line.report.overall, line.transfers
        rows.append([line.county.name, line.report.received, o.dispatched, pct(o.response_rate),
                     pct(o.on_time_rate), pct(o.resolution_rate), pct(o.satisfaction_rate), o.overdue,
                     len(t.transferred), len(t.answered), t.open,
                     DASH if t.on_time_rate is None else f"{t.on_time_rate:.1f}%"])
    return rows


def city_workbook(c: CityBoard) -> bytes:
    """The city's comparison as an .xlsx (one sheet, 各县比较)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "各县比较"
    sheet.append(list(CITY_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in city_rows(c):
        sheet.append(row)
    for index in range(len(CITY_COLUMNS)):
        sheet.column_dimensions[chr(ord("A") + index)].width = 14
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ----------------------------------------------------------------------------- rows (page and .xlsx)
OVERALL_COLUMNS = ("受理", "交办", "报送结果", "回访", "销号", "响应率", "按时办结率", "解决率", "满意率",
                   "超期未办结", "黄牌", "红牌")
DEPARTMENT_COLUMNS = ("排名", "承办单位", "交办", "响应率", "按时办结率", "解决率", "满意率", "超期未办结",
                      "黄牌", "红牌", "得分")
OVERDUE_COLUMNS = ("登记编号", "企业", "承办单位", "交办时间", "办理时限", "延期次数", "超期工作日")
CARD_COLUMNS = ("日期", "承办单位", "牌", "事由")
TREND_COLUMNS = ("月份", "交办", "响应率", "按时办结率", "解决率", "满意率")


def overall_row(b: Board) -> list[Any]:
    o = b.report.overall
    return [b.report.received, o.dispatched, o.handled, o.follow_ups, b.report.closed, pct(o.response_rate),
            pct(o.on_time_rate), pct(o.resolution_rate), pct(o.satisfaction_rate), o.overdue, o.yellow_cards,
            o.red_cards]


def department_rows(b: Board) -> list[list[Any]]:
    return [[d.rank if d.rank is not None else DASH, d.name, d.rates.dispatched, pct(d.rates.response_rate),
             pct(d.rates.on_time_rate), pct(d.rates.resolution_rate), pct(d.rates.satisfaction_rate),
             d.rates.overdue, d.rates.yellow_cards, d.rates.red_cards,
             DASH if d.score is None else f"{d.score:.2f}"] for d in b.departments]


def overdue_rows(b: Board) -> list[list[Any]]:
    return [[i.registration_number or DASH, i.enterprise_name or DASH, i.department_name or i.department or DASH,
             day(i.dispatched_at), day(i.handling_due), i.extension_count,
             DASH if i.overdue_workdays is None else i.overdue_workdays] for i in b.report.overdue]


def card_rows(b: Board) -> list[list[Any]]:
    return [[day(c.issued_at), b.names.get(c.department, c.department), CARD_LABELS.get(c.kind, c.kind),
             c.reason or ""] for c in b.report.cards]


def trend_rows(b: Board) -> list[list[Any]]:
    return [[m.label, r.dispatched, pct(r.response_rate), pct(r.on_time_rate), pct(r.resolution_rate),
             pct(r.satisfaction_rate)] for m, r in b.months]


def board_workbook(b: Board) -> bytes:
    """The page as an .xlsx: 总体, 各单位, 超期诉求, 黄红牌, 趋势 (one sheet each)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheets = (("总体", OVERALL_COLUMNS, [overall_row(b)]), ("各单位", DEPARTMENT_COLUMNS, department_rows(b)),
              ("超期诉求", OVERDUE_COLUMNS, overdue_rows(b)), ("黄红牌", CARD_COLUMNS, card_rows(b)),
              ("趋势", TREND_COLUMNS, trend_rows(b)))
    for index, (title, columns, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        sheet.append(list(columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for letter_index in range(len(columns)):
            sheet.column_dimensions[chr(ord("A") + letter_index)].width = 16
    book["总体"].append([])
    book["总体"].append([b.summary])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rate_series(b: Board) -> tuple[list[str], dict[str, list[float | None]]]:
    labels = [m.label for m, _r in b.months]
    return labels, {name: [getattr(r, name) for _m, r in b.months] for name in RATE_LABELS}
