"""The ledger of a period as a spreadsheet (.xlsx), with the columns of 滕州 附件2–5.

One sheet each: 问题台账 (附件2: appeals received in the period), 转办清单 (附件3: dispatched in the
period), 解决反馈表 (附件4: results reported in the period), 满意度评价表 (附件5: follow-ups done in
the period), plus 超期清单 (the appeals overdue at the end of the period) and 亮牌记录 (the cards
issued in the period). The form's columns come
first, in the form's order and words; columns that link a row to the system (登记编号, dates …)
follow them. Chinese headers, set widths, the header row frozen.

openpyxl builds the workbook (sheets, header row and its style, widths, frozen pane, properties);
the data rows are then streamed from SQL straight into the sheets' `<sheetData>` as SpreadsheetML
inline-string cells. openpyxl creates a Python object per cell (about 25 µs each even in write-only
mode): a month of a large ledger (10,000 appeals, 400,000 cells) would take over 5 seconds, the
direct rows take well under one (docs/benchmarks.md). Memory stays flat for any size.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import and_, select
from sqlalchemy.engine import Connection, Engine

from ..db.ledger_models import LedgerAppeal, LedgerCard, LedgerDepartment, LedgerFollowUp
from ..documents.values import clean
from ..vocabulary import (
    APPEAL_KIND_LABELS,
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    CLOSE_REASON_LABELS,
    ESCALATION_LABELS,
    FOLLOW_UP_METHOD_LABELS,
    REPLY_METHOD_LABELS,
    RESULT_CLASS_SHORT,
    SATISFACTION_LABELS,
    STAFF_STATUS_LABELS,
)
from .cards import COUNTY_CARDS, KIND_LABELS
from .counties import County, county_name
from .department_names import own_name
from .figures import overdue_list
from .labels import day, day_time, label
from .periods import AnyPeriod

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
A = LedgerAppeal.__table__
F = LedgerFollowUp.__table__
CARDS = LedgerCard.__table__
LEAD = LedgerDepartment.__table__.alias("lead")
HANDLER = LedgerDepartment.__table__.alias("handler")

# (header, width in characters)
SHEETS: dict[str, list[tuple[str, float]]] = {
    "问题台账": [("序号", 6), ("企业名称", 28), ("存在问题、困难、诉求描述", 50), ("建议解决部门", 18),
             ("企业联系人及联系方式", 22), ("备注", 18), ("登记编号", 28), ("受理时间", 17), ("反映形式", 14),
             ("问题类别", 10), ("诉求类型", 8), ("办理状态", 16)],
    "转办清单": [("序号", 6), ("企业名称", 28), ("存在问题、困难、诉求描述", 50), ("企业联系人及联系方式", 22),
             ("建议解决部门", 18), ("交办编号", 28), ("交办日期", 12), ("配合单位", 24), ("签收时限", 12),
             ("办结时限", 12), ("转报编号", 28)],
    "解决反馈表": [("序号", 6), ("企业名称", 28), ("存在问题、困难、诉求描述", 50), ("是否解决", 10),
              ("解决方式", 40), ("所属镇街（部门）", 18), ("镇街（部门）联系人及联系方式", 22), ("备注", 16),
              ("登记编号", 28), ("报送日期", 12), ("办结时限", 12), ("办理结果类别", 8)],
    "满意度评价表": [("序号", 6), ("问题描述", 50), ("解决情况", 12), ("解决部门", 18), ("满意度评价", 10),
               ("意见建议", 36), ("登记编号", 28), ("企业名称", 28), ("回访日期", 12), ("回访方式", 12),
               ("是否真实解决", 8), ("回访轮次", 8)],
    "超期清单": [("序号", 6), ("登记编号", 28), ("企业名称", 28), ("承办单位", 18), ("交办日期", 12),
             ("办结时限", 12), ("超期工作日", 10), ("延期次数", 8), ("结果报送日期", 12)],
    "亮牌记录": [("序号", 6), ("日期", 12), ("承办单位", 18), ("亮牌", 8), ("登记编号", 28), ("企业名称", 28),
             ("事由", 36), ("后续措施", 20)],
}
SOURCES = {"问题台账": "滕州 附件2 企业发展、项目建设问题台账", "转办清单": "滕州 附件3 问题转办清单",
           "解决反馈表": "滕州 附件4 问题解决反馈表", "满意度评价表": "滕州 附件5 问题解决情况满意度评价表"}

_HEADER_FONT = Font(name="宋体", bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="999999")
_HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _t(value: Any) -> str:
    return "" if value is None else clean(str(value))


def _contact(name: Any, phone: Any) -> str:
    return " ".join(x for x in (_t(name), _t(phone)) if x)


def _range(column: Any, period: AnyPeriod, as_of: dt.datetime | None) -> Any:
    end = period.end_at if as_of is None else min(period.end_at, as_of)
    return and_(column >= period.start_at, column < end)


def _mine(county: County | None) -> tuple[Any, ...]:
    """The county's rows (nothing narrows without a county)."""
    condition = county.condition() if county is not None else None
    return () if condition is None else (condition,)


# the units' names as each appeal's county recorded them (ledger.department_names)
LEAD_OWN, LEAD_ON, LEAD_NAME = own_name(LEAD, A.c.lead_department, A.c.county)
HANDLER_OWN, HANDLER_ON, HANDLER_NAME = own_name(HANDLER, A.c.handler_group, A.c.county)


def _base():
    return (A.outerjoin(LEAD, LEAD.c.code == A.c.lead_department).outerjoin(LEAD_OWN, LEAD_ON)
            .outerjoin(HANDLER, HANDLER.c.code == A.c.handler_group).outerjoin(HANDLER_OWN, HANDLER_ON))


def _received(conn: Connection, period: AnyPeriod, as_of: dt.datetime | None,
              county: County | None = None) -> Iterator[list[Any]]:
    query = (select(A.c.enterprise_name, A.c.problem_description, LEAD_NAME, A.c.contact_name, A.c.contact_phone,
                    A.c.close_reason, A.c.registration_number, A.c.received_at, A.c.channel, A.c.category,
                    A.c.kind, A.c.status, A.c.lead_department)
             .select_from(_base()).where(_range(A.c.received_at, period, as_of), *_mine(county))
             .order_by(A.c.received_at, A.c.process_instance_id))
    for n, r in enumerate(conn.execution_options(yield_per=2000).execute(query), start=1):
        yield [n, _t(r[0]), _t(r[1]), _t(county_name(county, r[12], r[2])), _contact(r[3], r[4]),
               label(CLOSE_REASON_LABELS, r[5]), _t(r[6]),
               day_time(r[7]), label(CHANNEL_LABELS, r[8]), label(CATEGORY_LABELS, r[9]), label(APPEAL_KIND_LABELS, r[10]),
               label(STAFF_STATUS_LABELS, r[11])]


def _dispatched(conn: Connection, period: AnyPeriod, as_of: dt.datetime | None,
                county: County | None = None) -> Iterator[list[Any]]:
    query = (select(A.c.enterprise_name, A.c.problem_description, A.c.contact_name, A.c.contact_phone, LEAD_NAME,
                    A.c.dispatch_number, A.c.dispatched_at, A.c.assisting_department_names, A.c.sign_due,
                    A.c.handling_due, A.c.transfer_number, A.c.lead_department)
             .select_from(_base()).where(_range(A.c.dispatched_at, period, as_of), *_mine(county))
             .order_by(A.c.dispatched_at, A.c.process_instance_id))
    for n, r in enumerate(conn.execution_options(yield_per=2000).execute(query), start=1):
        yield [n, _t(r[0]), _t(r[1]), _contact(r[2], r[3]), _t(county_name(county, r[11], r[4])), _t(r[5]), day(r[6]),
               _t(r[7]), day(r[8]),
               day(r[9]), _t(r[10])]


def _results(conn: Connection, period: AnyPeriod, as_of: dt.datetime | None,
             county: County | None = None) -> Iterator[list[Any]]:
    query = (select(A.c.enterprise_name, A.c.problem_description, A.c.result_class, A.c.reply_method,
                    A.c.reply_text, HANDLER_NAME, A.c.handler_name, A.c.extension_count, A.c.handled_on_time,
                    A.c.registration_number, A.c.first_result_reported_at, A.c.handling_due, A.c.handler_group)
             .select_from(_base()).where(_range(A.c.first_result_reported_at, period, as_of), *_mine(county))
             .order_by(A.c.first_result_reported_at, A.c.process_instance_id))
    for n, r in enumerate(conn.execution_options(yield_per=2000).execute(query), start=1):
        how = "：".join(x for x in (label(REPLY_METHOD_LABELS, r[3]), _t(r[4])) if x)
        notes = "、".join(x for x in (f"延期{r[7]}次" if r[7] else "", "" if r[8] is not False else "超时报送") if x)
        yield [n, _t(r[0]), _t(r[1]), label(RESULT_CLASS_SHORT, r[2]), how, _t(county_name(county, r[12], r[5])),
               _t(r[6]), notes, _t(r[9]), day(r[10]),
               day(r[11]), _t(r[2])]


def _follow_ups(conn: Connection, period: AnyPeriod, as_of: dt.datetime | None,
                county: County | None = None) -> Iterator[list[Any]]:
    query = (select(A.c.problem_description, A.c.result_class, A.c.kind, HANDLER_NAME, F.c.satisfaction, F.c.note,
                    A.c.registration_number, A.c.enterprise_name, F.c.at, F.c.method, F.c.really_solved, F.c.seq,
                    A.c.handler_group)
             .select_from(F.join(A, A.c.process_instance_id == F.c.process_instance_id)
                          .outerjoin(HANDLER, HANDLER.c.code == A.c.handler_group).outerjoin(HANDLER_OWN, HANDLER_ON))
             .where(_range(F.c.at, period, as_of), *_mine(county)).order_by(F.c.at, F.c.process_instance_id, F.c.seq))
    for n, r in enumerate(conn.execution_options(yield_per=2000).execute(query), start=1):
        solved = label(RESULT_CLASS_SHORT, r[1]) if r[1] else ("已答复" if r[2] == "consultation" else "")
        really = "" if r[10] is None else ("是" if r[10] else "否")
        yield [n, _t(r[0]), solved, _t(county_name(county, r[12], r[3])) or "服企办", label(SATISFACTION_LABELS, r[4]), _t(r[5]), _t(r[6]), _t(r[7]),
               day(r[8]), label(FOLLOW_UP_METHOD_LABELS, r[9]), really, r[11]]


def _overdue(conn: Connection, period: AnyPeriod, as_of: dt.datetime | None, calendar: Any,
             county: County | None = None) -> Iterator[list[Any]]:
    cut = period.end_at if as_of is None else min(period.end_at, as_of)
    for n, o in enumerate(overdue_list(conn, cut.astimezone(dt.UTC), calendar, limit=1_000_000, county=county),
                          start=1):
        yield [n, _t(o.registration_number), _t(o.enterprise_name), _t(o.department_name), day(o.dispatched_at),
               day(o.handling_due), "" if o.overdue_workdays is None else o.overdue_workdays, o.extension_count,
               day(o.result_reported_at)]


def _cards(conn: Connection, period: AnyPeriod, as_of: dt.datetime | None,
           county: County | None = None) -> Iterator[list[Any]]:
    mine = county.card_condition() if county is not None else None
    own, on, name = own_name(HANDLER, CARDS.c.department, A.c.county)
    query = (select(CARDS.c.issued_at, name, CARDS.c.kind, A.c.registration_number, A.c.enterprise_name,
                    CARDS.c.reason, CARDS.c.escalation, CARDS.c.department)
             .select_from(CARDS.join(HANDLER, HANDLER.c.code == CARDS.c.department)
                          .outerjoin(A, A.c.process_instance_id == CARDS.c.process_instance_id).outerjoin(own, on))
             .where(_range(CARDS.c.issued_at, period, as_of), COUNTY_CARDS, *(() if mine is None else (mine,)))
             .order_by(CARDS.c.issued_at, CARDS.c.id))
    for n, r in enumerate(conn.execution_options(yield_per=2000).execute(query), start=1):
        yield [n, day(r[0]), _t(county_name(county, r[7], r[1])), KIND_LABELS.get(r[2], r[2]), _t(r[3]), _t(r[4]), _t(r[5]),
               _t(label(ESCALATION_LABELS, r[6]))]


def _header_sheet(workbook: Workbook, title: str, columns: Sequence[tuple[str, float]]) -> None:
    sheet = workbook.create_sheet(title)
    for index, (_header, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for name, _width in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font, cell.fill, cell.border, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_BORDER, _HEADER_ALIGN
        header.append(cell)
    sheet.append(header)


def _cell(ref: str, value: Any) -> str:
    """One cell; text arrives cleaned (`_t`) or is a label, a date or a number."""
    if value.__class__ is str:
        if not value:
            return ""
        text = value
    elif value is None:
        return ""
    elif isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    elif isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    else:
        text = str(value)
    if "&" in text or "<" in text or ">" in text:
        text = escape(text)
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _rows_xml(rows: Iterable[list[Any]], letters: Sequence[str]) -> Iterator[bytes]:
    """`<row>` elements from row 2 on, in chunks of encoded XML."""
    chunk: list[str] = []
    for number, values in enumerate(rows, start=2):
        cells = "".join(_cell(f"{letter}{number}", v) for letter, v in zip(letters, values, strict=False))
        chunk.append(f'<row r="{number}">{cells}</row>')
        if len(chunk) >= 1000:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    if chunk:
        yield "".join(chunk).encode("utf-8")


def render_workbook(engine: Engine, period: AnyPeriod, *, as_of: dt.datetime | None = None, calendar: Any = None,
                    progress: Callable[[str], None] | None = None, county: County | None = None) -> bytes:
    """The .xlsx of `period` (rows known at `as_of`, default: all; `county`: that county's rows, with its
    names of the departments; None: the whole ledger)."""
    writers: dict[str, Callable[[Connection], Iterator[list[Any]]]] = {
        "问题台账": lambda conn: _received(conn, period, as_of, county),
        "转办清单": lambda conn: _dispatched(conn, period, as_of, county),
        "解决反馈表": lambda conn: _results(conn, period, as_of, county),
        "满意度评价表": lambda conn: _follow_ups(conn, period, as_of, county),
        "超期清单": lambda conn: _overdue(conn, period, as_of, calendar, county),
        "亮牌记录": lambda conn: _cards(conn, period, as_of, county),
    }
    skeleton = Workbook(write_only=True)
    skeleton.properties.title = f"企业诉求问题台账（{period.label}）"
    for title in writers:
        _header_sheet(skeleton, title, SHEETS[title])
    blank = io.BytesIO()
    skeleton.save(blank)
    # openpyxl names the sheets' parts in creation order
    parts = {f"xl/worksheets/sheet{index}.xml": title for index, title in enumerate(writers, start=1)}
    out = io.BytesIO()
    with zipfile.ZipFile(blank) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target, \
            engine.connect() as conn:
        for info in source.infolist():
            content = source.read(info.filename)
            title = parts.get(info.filename)
            if title is None:
                target.writestr(info, content)
                continue
            head, tail = content.split(b"</sheetData>", 1)
            letters = [get_column_letter(i) for i in range(1, len(SHEETS[title]) + 1)]
            with target.open(info.filename, "w") as sheet:
                sheet.write(head)
                for chunk in _rows_xml(writers[title](conn), letters):
                    sheet.write(chunk)
                sheet.write(b"</sheetData>" + tail)
            if progress:
                progress(title)
    return out.getvalue()
