"""12345 exports in every file kind people get (breaker finding 10): .xlsx, legacy .xls and CSV or
tab-separated text in any common encoding are read by one header/row logic (`open_workbook` makes each an
openpyxl workbook), anything else is refused in Chinese; the hotline's and the ledger's date options take
the import's date spellings (2026年11月1日)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from appeals.cli import main
from appeals.clitypes import MOMENT
from appeals.hotline import WorkOrder
from appeals.hotline.spreadsheet import SpreadsheetError, WorkbookSource
from appeals.workdays import SHANGHAI

from .test_input_hotline import export, order

HEADER = ["工单编号", "受理时间", "企业名称", "联系人", "联系电话", "诉求内容"]
ROWS = [order("GD20261106001"), order("GD20261106002", when="2026/11/7 9:05", phone="0356 6012345 转 801",
                                      text="用地审批，“加急”，含逗号,与引号")]
# Chinese that every encoding below can carry (GBK has no emoji)
TEXT = st.text(alphabet=st.sampled_from("诉求企业用电报装迟缓希望协调解决某县恒达机械制造有限公司，。、（）0123456789 "),
               min_size=1, max_size=30).map(str.strip).filter(bool)


def fields(records) -> list[tuple]:
    return [(r.order_number, r.registration.get("enterpriseName"), r.registration.get("contactPhone"),
             r.registration.get("problemDescription"), r.registration.get("receivedAt")) for r in records]


def as_text(rows: list[list], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


ENCODINGS = [("utf-8", ","), ("utf-8-sig", ","), ("gbk", ","), ("gb18030", ","), ("utf-16", "\t"),
             ("utf-8", "\t"), ("gbk", ";")]


@pytest.mark.parametrize(("encoding", "delimiter"), ENCODINGS)
def test_csv_in_any_common_encoding_reads_as_the_xlsx(tmp_path: Path, encoding: str, delimiter: str) -> None:
    expected = fields(WorkbookSource(export(tmp_path / "orders.xlsx", ROWS, header="one-row", total=None)).records())
    path = tmp_path / "orders.csv"
    path.write_bytes(as_text(ROWS, delimiter).encode(encoding))
    records = list(WorkbookSource(path).records())
    assert all(isinstance(r, WorkOrder) for r in records), records
    assert fields(records) == expected
    assert records[1].registration["contactPhone"] == "0356-6012345-801"


@given(names=st.lists(TEXT, min_size=1, max_size=4), texts=st.lists(TEXT, min_size=4, max_size=4),
       encoding=st.sampled_from(ENCODINGS))
@settings(max_examples=40, deadline=None)
def test_any_chinese_content_survives_the_encoding(tmp_path_factory, names, texts, encoding) -> None:
    rows = [[f"GD{i:03d}", "2026年11月3日", name, "王经理", "13912345678", texts[i]] for i, name in enumerate(names)]
    folder = tmp_path_factory.mktemp("csv")
    path = folder / "orders.csv"
    path.write_bytes(as_text(rows, encoding[1]).encode(encoding[0]))
    records = list(WorkbookSource(path).records())
    assert len(records) == len(rows)
    assert fields(records) == fields(WorkbookSource(export(folder / "orders.xlsx", rows, header="one-row",
                                                          total=None)).records())


def legacy_xls(path: Path, rows: list[list]) -> Path:
    """The messy two-row-header export as Excel 97-2003 saves it (BIFF8, written by xlwt): a merged title,
    联系人 merged over 姓名 | 电话, the others merged over both header rows, a date cell, a phone stored
    as a number, and a total row."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("工单")
    sheet.write_merge(0, 0, 0, 5, "某县12345热线工单导出")
    for col, name in ((0, "工单编号"), (1, "受理时间"), (2, "企业名称"), (5, "诉求内容")):
        sheet.write_merge(1, 2, col, col, name)
    sheet.write_merge(1, 1, 3, 4, "联系人")
    sheet.write(2, 3, "姓名")
    sheet.write(2, 4, "电话")
    dates = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write(r, c, value, dates)
            else:
                sheet.write(r, c, int(value) if isinstance(value, str) and value.isdigit() else value)
    sheet.write(3 + len(rows), 0, f"合计：{len(rows)} 条")
    book.save(str(path))
    return path


def test_a_legacy_xls_reads_as_the_same_xlsx(tmp_path: Path) -> None:
    rows = [order("GD20261106001", when=dt.datetime(2026, 11, 6, 15, 20)), *ROWS[1:]]
    xls = legacy_xls(tmp_path / "orders.xls", rows)
    assert xls.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a real BIFF .xls"
    source = WorkbookSource(xls)
    records = list(source.records())
    assert all(isinstance(r, WorkOrder) for r in records), records
    assert fields(records) == fields(WorkbookSource(export(tmp_path / "orders.xlsx", rows)).records())
    assert source.header_depth == 2 and source.summary_rows == 1
    assert records[0].registration["contactPhone"] == "13912345678", "a phone stored as a number"
    assert records[0].registration["receivedAt"].startswith("2026-11-06T15:20"), "a date cell"


def test_what_is_no_spreadsheet_is_refused_in_chinese(tmp_path: Path) -> None:
    for name, content in (("broken.xlsx", b"PK\x03\x04 not a zip"), ("broken.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1xx"),
                          ("picture.csv", bytes(range(256)) * 8)):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(SpreadsheetError) as caught:
            list(WorkbookSource(tmp_path / name).records())
        message = str(caught.value)
        assert "无法读取" in message and name in message
        assert not any(word in message for word in ("openpyxl", "Exception", "xlrd", "does not")), message
    (tmp_path / "hello.csv").write_text("hello\n", encoding="utf-8")
    with pytest.raises(SpreadsheetError, match="找不到表头"):
        list(WorkbookSource(tmp_path / "hello.csv").records())


@pytest.mark.parametrize(("typed", "expected"), [
    ("2026-11-01", dt.datetime(2026, 11, 1, tzinfo=SHANGHAI)),
    ("2026年11月1日", dt.datetime(2026, 11, 1, tzinfo=SHANGHAI)),
    ("2026/11/1", dt.datetime(2026, 11, 1, tzinfo=SHANGHAI)),
    ("２０２６年１１月１日 8:30", dt.datetime(2026, 11, 1, 8, 30, tzinfo=SHANGHAI)),
    ("2026-11-01T08:30:00", dt.datetime(2026, 11, 1, 8, 30, tzinfo=SHANGHAI)),
])
def test_date_options_take_the_import_spellings(typed: str, expected: dt.datetime) -> None:
    assert MOMENT.convert(typed, None, None) == expected


@given(st.text(max_size=30))
@settings(max_examples=200)
def test_any_date_option_text_is_a_moment_or_a_usage_error(text: str) -> None:
    try:
        moment = MOMENT.convert(text, None, None)
    except click.BadParameter as exc:
        assert "无法识别的日期" in exc.message
        return
    assert moment.tzinfo is not None


@pytest.mark.parametrize("command", [["hotline", "export", "out.xlsx"], ["ledger", "rebuild"]])
def test_the_commands_refuse_a_bad_date_with_a_usage_error(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--since", "2026年13月1日"], catch_exceptions=False)
    assert result.exit_code == 2 and "无法识别的日期" in result.output and "Traceback" not in result.output
