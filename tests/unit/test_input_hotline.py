"""Issue 12, kinds 8 and 9: 12345 spreadsheets as hotline centres export them and Open311 servers
as they behave in the wild. Workbooks are built with openpyxl; the servers are the simulator in
its misbehaving modes. Each kind: the issue's example with its right value, and generated variants."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from appeals.hotline import Rejected, WorkOrder
from appeals.hotline.spreadsheet import WorkbookSource
from appeals.hotline.timeparse import BadTime, parse_datetime
from appeals.workdays import SHANGHAI

CODE = "91140525MA0K2U7X4L"
FUNCTION = [HealthCheck.function_scoped_fixture]


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=SHANGHAI)


# --------------------------------------------------------------------------- 8c: date-times
@pytest.mark.parametrize("text, expected", [
    ("2026年11月6日15时20分", at(2026, 11, 6, 15, 20)),  # the issue's example
    ("2026年11月6日 15时20分05秒", at(2026, 11, 6, 15, 20, 5)),
    ("2026年11月6日下午3点20分", at(2026, 11, 6, 15, 20)),
    ("2026年11月6日上午9点", at(2026, 11, 6, 9, 0)),
    ("2026年11月6日晚上12点", at(2026, 11, 6, 12, 0)),
    ("2026/11/6 15:20", at(2026, 11, 6, 15, 20)),
    ("2026/11/06 15:20:30", at(2026, 11, 6, 15, 20, 30)),
    ("2026.11.6 15:20", at(2026, 11, 6, 15, 20)),
    ("2026-11-6 9:05", at(2026, 11, 6, 9, 5)),
    ("２０２６年１１月６日１５：２０", at(2026, 11, 6, 15, 20)),
    ("2026年11月6日", at(2026, 11, 6)),
    ("20261106152000", at(2026, 11, 6, 15, 20)),
    ("2026-11-06T15:20:00+08:00", at(2026, 11, 6, 15, 20)),
    ("2026-11-06T07:20:00Z", at(2026, 11, 6, 15, 20)),
    ("\u200e2026年11月6日15时20分", at(2026, 11, 6, 15, 20)),
])
def test_chinese_date_time_forms_are_read(text: str, expected: dt.datetime) -> None:
    assert parse_datetime(text) == expected


def test_excel_serials_and_cells() -> None:
    assert parse_datetime(46332.63888888889, allow_serial=True) == at(2026, 11, 6, 15, 20)
    assert parse_datetime("46332.63888888889", allow_serial=True) == at(2026, 11, 6, 15, 20)
    assert parse_datetime(dt.datetime(2026, 11, 6, 15, 20)) == at(2026, 11, 6, 15, 20)
    assert parse_datetime(dt.date(2026, 11, 6)) == at(2026, 11, 6)


@pytest.mark.parametrize("text", ["2026-02-30 10:00", "2026年13月1日", "昨天下午", "15:20", "2026年11月6日25时",
                                  "2026年11月6日下午13点", "46332", "2026/11/6 15:61"])
def test_what_is_no_date_time_is_bad_time(text: str) -> None:
    with pytest.raises(BadTime):
        parse_datetime(text)


@given(moment=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(
    lambda m: m.replace(microsecond=0)),
       date_style=st.sampled_from(["{y}年{m}月{d}日", "{y}/{m}/{d}", "{y}-{m:02d}-{d:02d}", "{y}.{m}.{d}",
                                   "{y} 年 {m} 月 {d} 日"]),
       time_style=st.sampled_from(["{H}时{M}分{S}秒", "{H}:{M:02d}:{S:02d}", " {H}:{M:02d}:{S:02d}",
                                   " {H}点{M}分{S}秒", "T{H:02d}:{M:02d}:{S:02d}"]))
def test_any_date_and_time_in_any_chinese_export_form_reads_back(moment, date_style, time_style) -> None:
    text = (date_style.format(y=moment.year, m=moment.month, d=moment.day)
            + time_style.format(H=moment.hour, M=moment.minute, S=moment.second))
    if not date_style.endswith("日") and time_style[0] not in " T":
        with pytest.raises(BadTime):  # 2026/11/615:20: where does the day end? refused, not guessed
            parse_datetime(text)
        return
    assert parse_datetime(text) == moment.replace(tzinfo=SHANGHAI), text


@given(moment=st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2099, 12, 31)))
def test_any_excel_serial_is_the_moment_to_the_second(moment) -> None:
    serial = (moment - dt.datetime(1899, 12, 30)).total_seconds() / 86400
    expected = (moment + dt.timedelta(microseconds=500_000)).replace(microsecond=0, tzinfo=SHANGHAI)
    assert abs(parse_datetime(serial, allow_serial=True) - expected) <= dt.timedelta(seconds=1)


# --------------------------------------------------------------------------- tester 5, F9: Chinese numerals, no year
IMPORTED_AT = at(2026, 11, 30, 13, 0)
DIGITS = "〇一二三四五六七八九"


def chinese_number(n: int, short_tens: bool = False) -> str:
    """1–59 as people write it: 九, 十, 十五, 二十, 二十六; `short_tens`: 廿六, 卅一, 卌五 (tester 6, N8)."""
    tens, ones = divmod(n, 10)
    if short_tens and tens in (2, 3, 4):
        return "廿卅卌"[tens - 2] + (DIGITS[ones] if ones else "")
    return (("" if tens < 2 else DIGITS[tens]) + "十" if tens else "") + (DIGITS[ones] if ones else "") or "零"


@pytest.mark.parametrize("text, expected", [
    ("二〇二六年十一月二十六日", at(2026, 11, 26)),  # tester 5's example
    ("二零二六年十一月二十六日下午三点二十分", at(2026, 11, 26, 15, 20)),
    ("二〇二六年十一月二十六日 九点半", at(2026, 11, 26, 9, 30)),
    ("2026年十一月五日", at(2026, 11, 5)),
    ("11月25日 9:30", at(2026, 11, 25, 9, 30)),  # tester 5's example: no year
    ("十一月二十五日", at(2026, 11, 25)),
    ("11月25日下午3点20分", at(2026, 11, 25, 15, 20)),
    ("12月31日 23:50", at(2025, 12, 31, 23, 50)),  # not after the import: last year's
    ("11月30日 14:00", at(2025, 11, 30, 14)),  # later today would be in the future
    ("2月29日", at(2024, 2, 29)),  # the latest leap year
    ("2026年十一月廿九日", at(2026, 11, 29)),  # tester 6, N8
    ("二○二六年十月卅一日 下午三点卌五分", at(2026, 10, 31, 15, 45)),
    ("十一月廿日", at(2026, 11, 20)),
    ("二◯二六年十一月卅日上午九点", at(2026, 11, 30, 9)),
])
def test_chinese_numerals_and_dates_without_a_year_are_read(text: str, expected: dt.datetime) -> None:
    assert parse_datetime(text, now=IMPORTED_AT) == expected


@pytest.mark.parametrize("text", ["二〇二六年十三月一日", "11月31日", "十一月", "二〇二六年十一月三十二日", "11/25 9:30"])
def test_what_is_no_date_in_chinese_numerals_is_bad_time_as_given(text: str) -> None:
    with pytest.raises(BadTime) as refused:
        parse_datetime(text, now=IMPORTED_AT)
    assert str(refused.value) == text, "the quarantine shows the text as given"


@settings(deadline=None)
@given(moment=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(
    lambda m: m.replace(second=0, microsecond=0)), zero=st.sampled_from("〇零○◯"), with_time=st.booleans(),
       with_year=st.booleans(), short=st.booleans())
def test_any_date_in_chinese_numerals_reads_back(moment, zero, with_time, with_year, short) -> None:
    """F9: Chinese-numeral dates (manual exports) are the moment they name; without a year, the latest
    one not after the import's time. N8: also with the short tens 廿 卅 卌 and ○/◯ for 〇."""
    year = "".join(DIGITS[int(d)] for d in str(moment.year)).replace("〇", zero)
    text = (f"{year}年" if with_year else "") + (f"{chinese_number(moment.month, short)}月"
                                                f"{chinese_number(moment.day, short)}日")
    if with_time:
        text += f"{chinese_number(moment.hour, short)}时{chinese_number(moment.minute, short)}分"
    else:
        moment = moment.replace(hour=0, minute=0)
    expected = moment.replace(tzinfo=SHANGHAI)
    if not with_year:
        reference = expected + dt.timedelta(days=400)  # the latest such day before it is a year or so back
        found = parse_datetime(text, now=reference)
        assert found <= reference and (found.month, found.day, found.hour, found.minute) == (
            moment.month, moment.day, moment.hour, moment.minute)
        assert reference - found < dt.timedelta(days=366 * (4 if (moment.month, moment.day) == (2, 29) else 1))
        return
    assert parse_datetime(text) == expected, text


def test_a_12345_order_with_a_chinese_numeral_date_is_imported_not_quarantined() -> None:
    from appeals.hotline.records import build_order

    order = build_order({"orderNumber": "GD-CN", "receivedAt": "二〇二六年十一月二十六日", "contactName": "王经理",
                         "contactPhone": "13912345678", "problemDescription": "停电"}, "xlsx")
    assert isinstance(order, WorkOrder) and order.received_at == at(2026, 11, 26)


# --------------------------------------------------------------------------- 8a, b, d: workbooks
def export(path: Path, rows: list[list], header: str = "two-row", total: str | None = "合计：{n} 条") -> Path:
    """A 12345 export: a title row, a header (one row, or 联系人 merged over 姓名 | 电话), orders, a total."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["某县12345热线工单导出"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    if header == "two-row":
        sheet.append(["工单编号", "受理时间", "企业名称", "联系人", None, "诉求内容"])
        sheet.append([None, None, None, "姓名", "电话", None])
        sheet.merge_cells("D2:E2")
        for col in "ABCF":
            sheet.merge_cells(f"{col}2:{col}3")
    else:
        sheet.append(["工单编号", "受理时间", "企业名称", "联系人", "联系电话", "诉求内容"])
    for row in rows:
        sheet.append(row)
    if total:
        sheet.append([total.format(n=len(rows)), None, None, None, None, None])
    workbook.save(path)
    return path


def order(number, when="2026年11月6日15时20分", phone="13912345678", text="新厂房增容报装两个月未接电"):
    return [number, when, "某县恒达机械制造有限公司", "王经理", phone, text]


def test_issue_example_two_row_header_keeps_the_phone_and_imports_no_sub_header(tmp_path: Path) -> None:
    source = WorkbookSource(export(tmp_path / "a.xlsx", [order("GD20261106001"), order("GD20261106002")]))
    records = list(source.records())
    assert source.header_row == 2 and source.header_depth == 2
    assert [r.order_number for r in records if isinstance(r, WorkOrder)] == ["GD20261106001", "GD20261106002"]
    assert not [r for r in records if isinstance(r, Rejected)], "the sub-header row is no order"
    first = records[0].registration
    assert first["contactName"] == "王经理" and first["contactPhone"] == "13912345678"
    assert first["receivedAt"] == "2026-11-06T15:20:00+08:00", "the issue's 受理时间 example"
    assert source.summary_rows == 1, "合计：2 条 skipped and counted"


def test_issue_example_17_digit_numbers_that_lost_digits_are_quarantined_never_merged(tmp_path: Path) -> None:
    # Excel keeps 15 significant digits: 20261106152000012 and 20261106152000034 both became …000
    lost = float(20261106152000000)
    path = export(tmp_path / "b.xlsx", [order(lost, text="甲企业用电"), order(lost, text="乙企业用地"),
                                        order(202611061520001, text="十五位的编号无损")], header="one-row")
    records = list(WorkbookSource(path).records())
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert len(rejected) == 2 and all("超过Excel保留的15位有效数字" in r.reason for r in rejected)
    assert [r.order_number for r in records if isinstance(r, WorkOrder)] == ["202611061520001"]


def test_issue_example_the_totals_row_is_skipped_and_counted(tmp_path: Path) -> None:
    rows = [order(f"GD2026110600{i}") for i in range(1, 10)]
    source = WorkbookSource(export(tmp_path / "d.xlsx", rows, total="合计：9 条"))
    records = list(source.records())
    assert len(records) == 9 and all(isinstance(r, WorkOrder) for r in records)
    assert source.summary_rows == 1


def test_two_different_orders_under_one_number_are_not_merged(tmp_path: Path) -> None:
    path = export(tmp_path / "e.xlsx", [order("GD1"), order("GD1", phone="139 1234 5678"),
                                        order("GD1", text="另一家企业的另一件事")])
    records = list(WorkbookSource(path).records())
    assert [type(r).__name__ for r in records] == ["WorkOrder", "WorkOrder", "Rejected"]
    assert "与第4行相同" in records[2].reason


@settings(max_examples=25, deadline=None, suppress_health_check=FUNCTION)
@given(numbers=st.lists(st.integers(min_value=10**15, max_value=10**19 - 1), min_size=1, max_size=4, unique=True),
       as_float=st.booleans(), header=st.sampled_from(["two-row", "one-row"]),
       total=st.sampled_from([None, "合计：{n} 条", "总计{n}件", "共{n}条", "小计"]))
def test_any_order_number_of_16_or_more_digits_stored_as_a_number_is_quarantined(
        tmp_path_factory, numbers, as_float, header, total) -> None:
    path = export(tmp_path_factory.mktemp("wb") / "x.xlsx",
                  [order(float(n) if as_float else n, text=f"诉求{i}") for i, n in enumerate(numbers)],
                  header=header, total=total)
    source = WorkbookSource(path)
    records = list(source.records())
    assert len(records) == len(numbers) and all(isinstance(r, Rejected) for r in records)
    assert source.summary_rows == (1 if total else 0)


@settings(max_examples=25, deadline=None, suppress_health_check=FUNCTION)
@given(numbers=st.lists(st.one_of(st.integers(min_value=100, max_value=10**15 - 1),
                                  st.from_regex(r"GD[0-9]{6,20}", fullmatch=True)), min_size=1, max_size=5,
                        unique=True),
       header=st.sampled_from(["two-row", "one-row"]),
       phone=st.sampled_from(["13912345678", "+86-139 1234 5678", 13912345678, "\u200e139 1234 5678"]),
       when=st.sampled_from(["2026年11月6日15时20分", "2026/11/6 15:20", 46332.63888888889,
                             dt.datetime(2026, 11, 6, 15, 20)]))
def test_any_export_of_good_orders_imports_every_order_with_its_phone_and_time(
        tmp_path_factory, numbers, header, phone, when) -> None:
    path = export(tmp_path_factory.mktemp("wb") / "y.xlsx",
                  [order(n, when=when, phone=phone, text=f"诉求{i}") for i, n in enumerate(numbers)], header=header)
    records = list(WorkbookSource(path).records())
    assert [r.order_number for r in records] == [str(n) for n in numbers]
    for record in records:
        assert isinstance(record, WorkOrder)
        assert record.registration["contactPhone"] == "13912345678"
        assert record.registration["receivedAt"] == "2026-11-06T15:20:00+08:00"


# --------------------------------------------------------------------------- 9: Open311 servers in the wild
from appeals.hotline.open311 import Open311Client, Open311Source, decode_xml, parse_body, parse_requests  # noqa: E402
from appeals.hotline.records import build_order  # noqa: E402
from appeals.hotline.simulator import HotlineSimulator, SimulatorServer  # noqa: E402
from appeals.settings import HotlineConfig  # noqa: E402

API_KEY = "input-hotline-key"
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)


def config(url: str, **overrides) -> HotlineConfig:
    values = {"url": url, "api_key": API_KEY, "attempts": 2, "retry_wait": 0.05, "retry_wait_max": 0.1,
              "retry_deadline": 5, "page_size": 7, "timeout": 5}
    values.update(overrides)
    return HotlineConfig(**values)


def pull(simulator: HotlineSimulator, **overrides) -> tuple[list, Open311Source, Open311Client]:
    with SimulatorServer(simulator) as server:
        client = Open311Client(config(server.url, **overrides))
        source = Open311Source(client, None)
        records = list(source.records())
    return records, source, client


@pytest.mark.parametrize("encoding", ["GBK", "GB2312", "GB18030", "UTF-16", "Big5", "UTF-8"])
def test_issue_example_a_feed_declared_gbk_and_other_chinese_encodings_imports_everything(encoding: str) -> None:
    simulator = HotlineSimulator(orders=12, malformed=0, seed=8, now=NOW, api_key=API_KEY, encoding=encoding)
    records, source, _client = pull(simulator)
    orders = {r.order_number: r for r in records if isinstance(r, WorkOrder)}
    assert set(orders) == set(simulator.order_ids()) and source.complete
    for order_id in simulator.order_ids():
        assert orders[order_id].registration["problemDescription"] == simulator.order(order_id).description
        assert orders[order_id].registration["enterpriseName"] == simulator.order(order_id).ext["enterprise_name"]


@settings(max_examples=40)
@given(text=st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5) | st.sampled_from("，。a1 "),
                    min_size=1, max_size=40),
       encoding=st.sampled_from(["gbk", "gb18030", "utf-8", "utf-16", "GB2312"]),
       quote=st.sampled_from(['"', "'"]))
def test_any_declared_encoding_decodes_before_parsing(text, encoding, quote) -> None:
    try:
        payload = text.encode(encoding)
    except UnicodeEncodeError:  # GB2312 has not every character
        return
    head = f"<?xml version={quote}1.0{quote} encoding={quote}{encoding}{quote}?>".encode(encoding)
    body = "<service_requests><request><service_request_id>GD1</service_request_id><description>".encode(encoding)
    tail = "</description></request></service_requests>".encode(encoding)
    document = head + body + payload.replace(b"&", b"&amp;").replace(b"<", b"&lt;") + tail
    if encoding == "utf-16":
        document = ("<?xml version='1.0' encoding='utf-16'?><service_requests><request><service_request_id>GD1"
                    f"</service_request_id><description>{text}</description></request></service_requests>"
                    ).encode("utf-16")
    assert parse_requests(document, "xml")[0]["description"] == text.strip()


def test_an_encoding_from_content_type_or_a_guess_when_nothing_is_declared() -> None:
    document = "<a>某县恒达机械制造有限公司</a>".encode("gbk")
    assert decode_xml(document, "GBK") == "<a>某县恒达机械制造有限公司</a>"
    assert parse_body(document, "xml", "gb2312") == {"a": "某县恒达机械制造有限公司"}
    assert "恒达" in decode_xml(("<a>" + "某县恒达机械制造有限公司新厂房增容报装" * 5 + "</a>").encode("gbk"))


def test_a_server_repeating_its_last_page_is_read_once_and_the_paging_stops() -> None:
    simulator = HotlineSimulator(orders=21, malformed=0, seed=9, now=NOW, api_key=API_KEY, repeat_last_page=True)
    records, source, client = pull(simulator, page_size=7)
    assert sorted(r.order_number for r in records) == sorted(simulator.order_ids())
    assert client.calls == 4, "pages 1-3, then page 4 repeats page 3: nothing new, stop"
    assert source.complete


def test_issue_example_a_standard_only_server_capping_at_20_delivers_all_30_open_orders() -> None:
    simulator = HotlineSimulator(orders=30, malformed=0, seed=10, now=NOW, api_key=API_KEY, withdrawn=0,
                                 standard_only_cap=20)
    records, source, client = pull(simulator, page_size=50)
    assert sorted(r.order_number for r in records) == sorted(simulator.order_ids()), "not 20 of 30"
    assert not client.paging and source.complete
    assert client.calls < 40


@pytest.mark.slow
@settings(max_examples=20, deadline=None)
@given(orders=st.integers(min_value=0, max_value=60), cap=st.integers(min_value=3, max_value=25),
       page_size=st.integers(min_value=3, max_value=30), repeat=st.booleans(), standard=st.booleans(),
       seed=st.integers(min_value=0, max_value=1000))
def test_every_kind_of_server_delivers_every_order_exactly_once_in_a_bounded_sync(
        orders, cap, page_size, repeat, standard, seed) -> None:
    simulator = HotlineSimulator(orders=orders, malformed=0, seed=seed, now=NOW, api_key=API_KEY,
                                 repeat_last_page=repeat, standard_only_cap=cap if standard else None)
    records, source, client = pull(simulator, page_size=page_size, max_calls=400)
    numbers = [r.order_number for r in records]
    assert len(numbers) == len(set(numbers)), "no order twice in one sync"
    assert set(numbers) == set(simulator.order_ids())
    assert source.complete and client.calls <= 400


def test_every_sync_is_bounded_and_an_incomplete_one_says_so() -> None:
    simulator = HotlineSimulator(orders=60, malformed=0, seed=11, now=NOW, api_key=API_KEY, standard_only_cap=5)
    records, source, client = pull(simulator, max_calls=6)
    assert client.calls == 6 and not source.complete
    assert "上限" in source.incomplete
    assert 0 < len(records) < 60


def test_a_record_without_a_service_code_goes_to_other_with_a_note_for_the_office() -> None:
    record = build_order({"orderNumber": "GD20261106001", "problemDescription": "停电", "category": None,
                          "receivedAt": "2026年11月6日15时20分", "contactPhone": "13912345678",
                          "enterpriseName": "某企业", "contactName": "王经理"}, "open311")
    assert isinstance(record, WorkOrder)
    assert record.registration["category"] == "other"
    assert "未注明问题类别" in record.registration["importNotes"], "shown to the office in 核实, not guessed silently"


def test_issue_example_an_order_number_with_an_invisible_character_is_imported_not_quarantined(tmp_path: Path) -> None:
    path = export(tmp_path / "z.xlsx", [order("GD2026\u200b1106001"), order("\ufeffGD20261106002\u200e")])
    records = list(WorkbookSource(path).records())
    assert [r.order_number for r in records if isinstance(r, WorkOrder)] == ["GD20261106001", "GD20261106002"]


def test_a_sync_stopped_by_its_call_limit_while_paging_can_go_on_from_where_it_stopped() -> None:
    simulator = HotlineSimulator(orders=30, malformed=0, seed=12, now=NOW, api_key=API_KEY)
    records, source, client = pull(simulator, page_size=7, max_calls=2)
    assert client.paging and client.capped and not source.complete
    assert len(records) == 14 and source.resumable, "pages read oldest update first: resumable"
    assert source.newest == max(r.updated_at for r in records)
    # a server that does not page is read in windows of received time: not resumable that way
    standard = HotlineSimulator(orders=60, malformed=0, seed=11, now=NOW, api_key=API_KEY, standard_only_cap=5)
    _records, source, client = pull(standard, max_calls=6)
    assert not source.complete and not source.resumable
