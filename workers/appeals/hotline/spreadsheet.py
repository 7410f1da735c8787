"""12345 work orders by spreadsheet: import an export (.xlsx, .xls or CSV), export our results for upload.

Real exports are untidy; the reader copes with: a title and notes above the real header (the
header row is found by its names), blank rows, merged cells (the value fills the whole range),
full-width digits and letters, trailing spaces, dates as Excel serial numbers, as date cells or
as text (2026-03-15 09:30, 2026/3/15, 2026年3月15日), numbers stored as numbers (order numbers,
phones). The column mapping (our field → header names) has a Chinese default and can be given as
YAML (docs/hotline.md, 'Column mapping').
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.engine import Engine

from ..camunda import Camunda
from ..validation import normalize_text
from ..vocabulary import (
    HOTLINE_CLOSE_REASON_LABELS,
    HOTLINE_STATUS_LABELS,
    RESULT_CLASS_SHORT,
    SATISFACTION_LABELS,
    CloseReason,
)
from ..workdays import SHANGHAI
from . import Intake, Rejected
from .records import FIELDS, build_order, fingerprint, jsonable, parse_datetime
from .registry import orders
from .report import SyncReport
from .sync import run_source

DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "orderNumber": ("工单编号", "工单号", "受理编号", "工单流水号"),
    "enterpriseName": ("企业名称", "单位名称", "诉求企业", "诉求主体"),
    "creditCode": ("统一社会信用代码", "社会信用代码", "信用代码"),
    "enterpriseAddress": ("企业地址", "详细地址", "地址", "事发地址"),
    "contactName": ("联系人", "来电人", "诉求人", "来电人姓名", "联系人姓名", "诉求人姓名"),
    "contactPosition": ("职务", "联系人职务"),
    "contactPhone": ("联系电话", "来电号码", "联系方式", "手机号码", "电话", "联系人电话", "联系人手机", "来电人电话",
                     "诉求人电话"),
    "contactEmail": ("电子邮箱", "邮箱"),
    "problemDescription": ("诉求内容", "问题描述", "来电内容", "工单内容", "主要困难和问题"),
    "requestedHelp": ("诉求事项", "希望协调解决的具体事项", "诉求要求"),
    "category": ("问题类别", "问题分类", "诉求分类", "业务类别"),
    "appealKind": ("工单类型", "诉求类型", "来电类型"),
    "receivedAt": ("受理时间", "来电时间", "登记时间", "派单时间"),
    "status": ("工单状态",),
    "withdrawReason": ("撤回原因", "撤单原因"),
}
REQUIRED_COLUMNS = ("orderNumber", "problemDescription")
TEXT_AS_NUMBER = {"orderNumber", "contactPhone", "creditCode"}  # digits Excel may have stored as numbers
EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number: longer digit strings lost their tail
# a totals or summary row at the bottom of an export (合计：9 条, 总计, 小计, 共 9 条, 以下空白)
SUMMARY_ROW = re.compile(r"^(合计|总计|小计|共计|汇总|统计|共\d+条|以下空白|制表)")
EXPORT_HEADERS = ("工单编号", "登记编号", "办理状态", "办理结果", "答复内容", "满意度", "办结时间")
EXPORT_VARIABLES = ("registrationNumber", "appealStatus", "resultClass", "replyText", "consultationAnswer",
                    "outOfScopeReason", "lastSatisfaction", "closedAt", "closeReason", "registrationValid")


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (no header row, a required column missing, no spreadsheet)."""


def _header_key(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = re.sub(r"[\s*：:]|（必填）|\(必填\)", "", text)
    return text


def load_mapping(path: Path | str | None = None, data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The column mapping: the defaults, overridden by a YAML file or a dict.

    Shape: {"columns": {field: header or [headers]}, "replace_defaults": bool, "sheet": name,
    "header_rows": N}; a plain {field: header} is read as "columns".
    """
    if path is not None:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(data, Mapping):
            raise SpreadsheetError(f"{path}: 列映射应为YAML映射（字段: 表头）")
    data = dict(data or {})
    columns = data.get("columns", {k: v for k, v in data.items()
                                   if k not in ("replace_defaults", "sheet", "header_rows")})
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise SpreadsheetError(f"列映射中有不认识的字段：{', '.join(unknown)}（可用：{', '.join(FIELDS)}）")
    merged: dict[str, tuple[str, ...]] = {} if data.get("replace_defaults") else dict(DEFAULT_COLUMNS)
    for name, headers in columns.items():
        merged[name] = (headers,) if isinstance(headers, str) else tuple(str(h) for h in headers)
    return {"columns": merged, "sheet": data.get("sheet"), "header_rows": int(data.get("header_rows", 20))}


class LostDigits(ValueError):
    """A number that stands for digits (an order number) but has more than Excel keeps."""


def _cell_text(field: str, value: Any) -> Any:
    """A cell value for a field: numbers that are really text become text; dates stay dates.

    LostDigits: an order number stored as a number with more than 15 significant digits (or a
    fraction) — Excel has already replaced its last digits, and two orders may now look alike.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool) and field in TEXT_AS_NUMBER:
        whole = isinstance(value, int) or value.is_integer()
        if field == "orderNumber" and (not whole or abs(value) >= 10**EXCEL_DIGITS):
            raise LostDigits(f"{value:.15g}" if isinstance(value, float) else str(value))
        if whole:
            return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)) and field != "receivedAt":
        return value.isoformat()
    return value


UNREADABLE = "{name} 无法读取：不是 Excel 表格（.xlsx、.xls）或 CSV/文本表格（逗号或制表符分隔），或文件已损坏"
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 compound document (Excel 97-2003)


def open_workbook(path: Path) -> Workbook:
    """The export at `path` as an openpyxl Workbook, whatever it is (told by its content, not its name):
    .xlsx (openpyxl), legacy .xls (xlrd, the maintained reader of the BIFF format: values, dates and
    merged ranges copied over), or CSV / tab-separated text in any common encoding (UTF-8 with or
    without BOM, GBK/GB18030, UTF-16 as Excel's "Unicode text"; charset-normalizer tells which).
    Raises SpreadsheetError (Chinese text) for anything else. Every kind is source "xlsx" of the
    orders (the spreadsheet channel)."""
    try:
        head = path.open("rb").read(8)
    except OSError as exc:
        raise SpreadsheetError(f"{path.name} 无法打开（{exc.strerror or '读取失败'}）") from exc
    try:
        if head.startswith(_XLSX_MAGIC):
            return load_workbook(path, data_only=True)  # not read-only: merged ranges are needed
        if head.startswith(_XLS_MAGIC):
            return _xls_workbook(path)
        return _text_workbook(path)
    except SpreadsheetError:
        raise
    except Exception as exc:  # noqa: BLE001 - zip/xml/BIFF/csv errors of a broken or foreign file
        raise SpreadsheetError(UNREADABLE.format(name=path.name)) from exc


def _xls_workbook(path: Path) -> Workbook:
    import xlrd

    book = xlrd.open_workbook(str(path), formatting_info=True)  # formatting_info: the merged ranges
    workbook = Workbook()
    workbook.remove(workbook.active)
    for source in book.sheets():
        sheet = workbook.create_sheet(source.name[:31] or "Sheet")
        for row in range(source.nrows):
            for col in range(source.ncols):
                cell = source.cell(row, col)
                value: Any = cell.value
                if cell.ctype == xlrd.XL_CELL_DATE:
                    value = xlrd.xldate_as_datetime(value, book.datemode)
                elif cell.ctype == xlrd.XL_CELL_NUMBER and float(value).is_integer():
                    value = int(value)  # as openpyxl reads a whole number from .xlsx
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                    value = None
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    value = bool(value)
                if value is not None:
                    sheet.cell(row + 1, col + 1, value)
        for first_row, end_row, first_col, end_col in source.merged_cells:
            if end_row - first_row > 1 or end_col - first_col > 1:
                sheet.merge_cells(start_row=first_row + 1, end_row=end_row, start_column=first_col + 1,
                                  end_column=end_col)
    if not workbook.worksheets:
        raise SpreadsheetError(f"{path.name} 中没有工作表")
    return workbook


def _text_workbook(path: Path) -> Workbook:
    import csv

    from charset_normalizer import from_bytes

    data = path.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SpreadsheetError(UNREADABLE.format(name=path.name))  # binary, not UTF-16 text
    guess = from_bytes(data).best()
    if guess is None:
        raise SpreadsheetError(f"{path.name} 无法读取：文字编码无法识别（请另存为 UTF-8 或 GBK 编码的 CSV）")
    text = str(guess).lstrip("\ufeff")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel_tab if "\t" in text.split("\n", 1)[0] else csv.excel
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = path.stem[:31] or "Sheet"
    for row in csv.reader(text.splitlines(), dialect):
        sheet.append([value if value.strip() else None for value in row] or [None])
    return workbook


class WorkbookSource:
    """The work orders of one export (`OrderSource`): .xlsx, .xls or CSV (`open_workbook`); counts blank rows."""

    source = "xlsx"

    def __init__(self, path: Path | str, mapping: Mapping[str, Any] | None = None) -> None:
        self.path = Path(path)
        self.mapping = dict(mapping) if mapping and "columns" in mapping else load_mapping(data=mapping)
        self.blank_rows = 0
        self.summary_rows = 0
        self.header_depth = 1
        self.header_row: int | None = None
        self.columns: dict[str, int] = {}

    def _open(self) -> Any:
        workbook = open_workbook(self.path)
        sheet_name = self.mapping.get("sheet")
        if sheet_name:
            if sheet_name not in workbook.sheetnames:
                raise SpreadsheetError(f"{self.path.name} 中没有工作表“{sheet_name}”")
            return workbook[sheet_name]
        return workbook.worksheets[0]

    def _header_names(self, sheet: Any, fill: Mapping[tuple[int, int], Any], row: int, depth: int,
                      col: int) -> list[str]:
        """The names a column's header may be known by: one row, or a parent over a child (联系人 over
        电话 → 联系人电话, 电话, 联系人)."""
        cell = _header_key(fill.get((row, col), sheet.cell(row, col).value))
        if depth == 1:
            return [cell] if cell else []
        child = _header_key(fill.get((row + 1, col), sheet.cell(row + 1, col).value))
        if not child or child == cell:  # one cell over both rows (merged vertically) or no sub-header
            return [cell] if cell else []
        return [name for name in (cell + child, child, cell) if name]

    def _find_header(self, sheet: Any, fill: Mapping[tuple[int, int], Any]) -> tuple[int, dict[str, int]]:
        """The header row(s) and the column of each field. A header may have two rows, a merged
        parent over its sub-headers; then `self.header_depth` is 2 and data starts below both."""
        wanted = {field: {_header_key(h) for h in headers} for field, headers in self.mapping["columns"].items()}
        best: tuple[int, dict[str, int]] | None = None
        for row in range(1, min(sheet.max_row, self.mapping["header_rows"]) + 1):
            for depth in (1, 2):
                if depth == 2 and not self._has_sub_header(sheet, fill, row):
                    continue
                found: dict[str, int] = {}
                for col in range(1, sheet.max_column + 1):
                    for key in self._header_names(sheet, fill, row, depth, col):
                        field = next((f for f, names in wanted.items() if key in names and f not in found), None)
                        if field is not None:
                            found[field] = col
                            break
                if "orderNumber" in found and len(found) >= 2 and (best is None or len(found) > len(best[1])):
                    best = (row, found)
                    self.header_depth = depth
        if best is None:
            raise SpreadsheetError(
                f"{self.path.name}：前{self.mapping['header_rows']}行中找不到表头（需要“工单编号”等列，见列映射）")
        missing = [f for f in REQUIRED_COLUMNS if f not in best[1]]
        if missing:
            names = "、".join(f"“{self.mapping['columns'][f][0]}”" for f in missing)
            raise SpreadsheetError(f"{self.path.name}：第{best[0]}行的表头中没有{names}列")
        return best

    def records(self) -> Iterator[Intake]:
        sheet = self._open()
        fill: dict[tuple[int, int], Any] = {}
        for merged in sheet.merged_cells.ranges:
            value = sheet.cell(merged.min_row, merged.min_col).value
            for row in range(merged.min_row, merged.max_row + 1):
                for col in range(merged.min_col, merged.max_col + 1):
                    fill[(row, col)] = value
        self.header_row, self.columns = self._find_header(sheet, fill)
        headers = {col: "".join(self._header_names(sheet, fill, self.header_row, self.header_depth, col)[:1])
                   or str(sheet.cell(self.header_row, col).value or "").strip()
                   for col in range(1, sheet.max_column + 1)}
        seen: dict[str, tuple[int, str]] = {}  # order number → (row, fingerprint of its fields)
        for row in range(self.header_row + self.header_depth, sheet.max_row + 1):
            values = {col: fill.get((row, col), sheet.cell(row, col).value) for col in headers}
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
                self.blank_rows += 1
                continue
            if _is_summary(values.values(), values.get(self.columns["orderNumber"])):
                self.summary_rows += 1
                continue
            raw = {"_sheet": sheet.title, "_row": row}
            raw.update({(headers[col] or get_column_letter(col)): value for col, value in values.items()
                        if value is not None})
            try:
                fields = {name: _cell_text(name, values.get(col)) for name, col in self.columns.items()}
            except LostDigits as exc:
                yield Rejected(self.source, f"第{row}行：工单编号“{exc}”在表格中以数字保存，超过Excel保留的"
                                            f"{EXCEL_DIGITS}位有效数字，末几位已丢失，无法确定是哪一张工单；"
                                            "请将工单编号列设为文本后重新导出", None, None, jsonable(raw))
                continue
            record = build_order(fields, self.source, raw, allow_serial=True)
            if isinstance(record, Rejected):
                record.reason = f"第{row}行：{record.reason}"
            else:
                earlier = seen.get(record.order_number)
                # the same order exported twice is fine; two different appeals under one number are not
                mark = fingerprint([record.registration.get("enterpriseName"),
                                    record.registration.get("problemDescription")])
                if earlier is not None and earlier[1] != mark:  # never merge two different rows into one
                    yield Rejected(self.source, f"第{row}行：工单编号{record.order_number}与第{earlier[0]}行相同，"
                                                "但企业或诉求内容不同，无法确定哪一行是该工单", record.order_number,
                                   record.fields, record.raw)
                    continue
                seen.setdefault(record.order_number, (row, mark))
            yield record

    @staticmethod
    def _has_sub_header(sheet: Any, fill: Mapping[tuple[int, int], Any], row: int) -> bool:
        """Row `row` has a parent header merged over several columns, with sub-headers below it."""
        for merged in sheet.merged_cells.ranges:
            if merged.min_row == row == merged.max_row and merged.max_col > merged.min_col:
                below = [sheet.cell(row + 1, col).value for col in range(merged.min_col, merged.max_col + 1)]
                if all(isinstance(v, str) and v.strip() for v in below):
                    return True
        return False


def _is_summary(values: Any, order_cell: Any) -> bool:
    """A totals row (合计：9 条 …): its first filled cell says so and it has no order number."""
    first = next((normalize_text(v) for v in values if v is not None and normalize_text(v)), "")
    if not SUMMARY_ROW.match(first.replace(" ", "")):
        return False
    order = normalize_text(order_cell)
    return not order or bool(SUMMARY_ROW.match(order.replace(" ", "")))


# --------------------------------------------------------------------------- export
def _history_variables(camunda: Camunda, instance_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The export variables of these appeals from history (running and finished alike)."""
    found: dict[str, dict[str, Any]] = {pid: {} for pid in instance_ids}
    for start in range(0, len(instance_ids), 50):
        chunk = instance_ids[start:start + 50]
        rows = camunda.post("/history/variable-instance?deserializeValues=false",
                            {"processInstanceIdIn": chunk, "variableNameIn": list(EXPORT_VARIABLES)}) or []
        for row in rows:
            values = found.setdefault(row["processInstanceId"], {})
            process_scope = row.get("activityInstanceId") == row["processInstanceId"]
            if process_scope or row["name"] not in values:
                values[row["name"]] = row.get("value")
    return found


def _local(value: Any) -> dt.datetime | None:
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    return moment.astimezone(SHANGHAI).replace(tzinfo=None) if moment else None


def result_rows(orders: list[Any], camunda: Camunda) -> list[tuple[Any, ...]]:
    """One row per registry order: 工单编号, 登记编号, 办理状态, 办理结果, 答复内容, 满意度, 办结时间."""
    variables = _history_variables(camunda, [o.process_instance_id for o in orders if o.process_instance_id])
    rows: list[tuple[Any, ...]] = []
    for order in orders:
        if order.state == "withdrawn_before_intake":
            rows.append((order.order_number, "", "工单已撤回（未立案）", "", order.withdraw_reason or "", "", None))
            continue
        if not order.process_instance_id:
            rows.append((order.order_number, "", "待立案", "", order.last_error or "", "", None))
            continue
        v = variables.get(order.process_instance_id, {})
        status = HOTLINE_STATUS_LABELS.get(v.get("appealStatus") or "", "登记中")
        if v.get("registrationValid") is False and not v.get("registrationNumber"):
            status = "登记信息待补正"
        close_reason = v.get("closeReason")
        if close_reason == CloseReason.WITHDRAWN:
            status = "已撤回销号"
        result = RESULT_CLASS_SHORT.get(v.get("resultClass") or "", "")
        if close_reason and close_reason != CloseReason.SATISFIED:
            result = HOTLINE_CLOSE_REASON_LABELS.get(close_reason, result)
        reply = v.get("replyText") or v.get("consultationAnswer") or v.get("outOfScopeReason") or ""
        satisfaction = SATISFACTION_LABELS.get(v.get("lastSatisfaction") or "", "")
        rows.append((order.order_number, v.get("registrationNumber") or "", status, result, reply, satisfaction,
                     _local(v.get("closedAt"))))
    return rows


def write_results(path: Path | str, rows: list[tuple[Any, ...]]) -> Path:
    """The results sheet for upload to the 12345 platform."""
    path = Path(path)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "办理结果"
    sheet.append(EXPORT_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for row in rows:
        sheet.append(list(row))
    widths = (22, 30, 16, 20, 60, 12, 18)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for (cell,) in sheet.iter_rows(min_row=2, min_col=7, max_col=7):
        cell.number_format = "yyyy-mm-dd hh:mm"
    for (cell,) in sheet.iter_rows(min_row=2, min_col=5, max_col=5):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for (cell,) in sheet.iter_rows(min_row=2, min_col=1, max_col=1):
        cell.number_format = "@"  # order numbers stay text
    sheet.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


# --------------------------------------------------------------------------- the two operations
def import_workbook(path: Path | str, mapping: Mapping[str, Any] | None = None, *, db: Engine,
                    camunda: Camunda, county: str | None = None) -> SyncReport:
    """Import a 12345 export: new orders start appeals, known ones are duplicates, bad rows are quarantined.
    `county`: the tenant of the county whose export it is (None: the chart's own county)."""
    source = WorkbookSource(path, mapping)
    report = run_source(db, camunda, source, origin=Path(path).name, county=county)
    report.blank_rows = source.blank_rows
    report.summary_rows = source.summary_rows
    return report


def export_results(path: Path | str, *, db: Engine, camunda: Camunda, since: dt.datetime | None = None,
                   county: str | None = "*") -> int:
    """Write the results of the hotline's orders (received or first seen since `since`; of one county's feed:
    a tenant, None for the chart's own county's, "*" every order); the row count."""
    rows = result_rows(orders(db, since, county), camunda)
    write_results(path, rows)
    return len(rows)
