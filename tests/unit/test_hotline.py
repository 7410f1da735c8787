"""The 12345 hotline (spec §16) without the engine: Open311 client and simulator, spreadsheet exchange,
quarantine, status messages, the sync handler's notes, the migration of its tables (docs/hotline.md).
The sync against the real engine and the status pushed back: tests/engine/test_hotline.py."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest
import requests
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from openpyxl import Workbook
from requests.adapters import BaseAdapter
from sqlalchemy import create_engine, inspect
from stdnum.cn import uscc

from appeals.db import Base, alembic_config
from appeals.hotline import HotlineError, HotlineUnavailable, Rejected, WorkOrder
from appeals.hotline.open311 import Open311Client, Open311Source, parse_requests
from appeals.hotline.outbox import status_update
from appeals.hotline.records import build_order, map_category, parse_datetime
from appeals.hotline.simulator import HotlineSimulator, SimulatorServer, credit_code
from appeals.hotline.spreadsheet import SpreadsheetError, WorkbookSource, load_mapping
from appeals.runtime import Task
from appeals.settings import HotlineConfig
from appeals.workdays import SHANGHAI

API_KEY = "test-hotline-key"
FIXED_NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)


def fast(url: str, **overrides: Any) -> HotlineConfig:
    """A config for tests: short back-off so retries take milliseconds."""
    values: dict[str, Any] = {"url": url, "api_key": API_KEY, "attempts": 3, "retry_wait": 0.05,
                              "retry_wait_max": 0.2, "retry_deadline": 10, "page_size": 7, "timeout": 5}
    values.update(overrides)
    return HotlineConfig(**values)


# =========================================================================== unit: records
def test_build_order_maps_normalises_and_rejects_only_what_cannot_be_an_appeal() -> None:
    good = build_order({
        "orderNumber": " ＧＤ２０２６０３１５００００１ ", "problemDescription": "厂区频繁停电", "category": "经济管理-企业服务-用电报装",
        "enterpriseName": "某县恒达机械制造有限公司 ", "creditCode": "91140525ma0k2u7x4l", "contactName": "王经理",
        "contactPhone": "１３９ １２３４ ５６７８", "receivedAt": "2026年3月15日 9:30", "appealKind": "求助",
    }, "xlsx")
    assert isinstance(good, WorkOrder)
    assert good.order_number == "GD2026031500001"
    assert good.business_key == "12345-GD2026031500001"
    reg = good.registration
    assert reg["channel"] == "hotline" and reg["externalId"] == "GD2026031500001"
    assert reg["category"] == "power" and reg["appealKind"] == "help"
    assert reg["contactPhone"] == "13912345678" and reg["creditCode"] == "91140525MA0K2U7X4L"
    assert reg["receivedAt"] == "2026-03-15T09:30:00+08:00"

    # a wrong credit code still becomes an appeal: the office corrects it in the process
    wrong_code = build_order({"orderNumber": "GD1", "problemDescription": "x", "creditCode": "91140525MA0K2U7X4A"},
                             "open311")
    assert isinstance(wrong_code, WorkOrder) and any("校验位" in n for n in wrong_code.notes)

    cases = {
        "缺少工单编号": {"problemDescription": "有内容"},
        "缺少诉求内容（主要困难和问题）": {"orderNumber": "GD2"},
        "受理时间“2026-02-30 10:00”无法识别": {"orderNumber": "GD3", "problemDescription": "x",
                                           "receivedAt": "2026-02-30 10:00"},
        "格式不正确": {"orderNumber": "GD 4/5", "problemDescription": "x"},
    }
    for reason, fields in cases.items():
        rejected = build_order(fields, "open311", raw=fields)
        assert isinstance(rejected, Rejected), fields
        assert reason in rejected.reason


def test_parse_datetime_and_categories() -> None:
    assert parse_datetime("2026-03-15T09:30:00+08:00") == dt.datetime(2026, 3, 15, 9, 30, tzinfo=SHANGHAI)
    assert parse_datetime("2026/3/5 14:05") == dt.datetime(2026, 3, 5, 14, 5, tzinfo=SHANGHAI)
    assert parse_datetime("2026-03-15T01:30:00Z") == dt.datetime(2026, 3, 15, 9, 30, tzinfo=SHANGHAI)
    assert parse_datetime(46096.5, allow_serial=True) == dt.datetime(2026, 3, 15, 12, 0, tzinfo=SHANGHAI)
    assert parse_datetime("", allow_serial=True) is None
    with pytest.raises(ValueError):
        parse_datetime(46096.5)  # a number is a date only in a spreadsheet
    assert map_category("power") == ("power", None)
    assert map_category("融资服务") == ("financing", None)
    assert map_category("城乡建设-道路")[0] == "other"
    assert map_category("城乡建设-道路")[1]


def test_status_updates_carry_the_milestone_in_chinese() -> None:
    variables = {"registrationNumber": "某县服企办收（2026）第3号", "leadDepartmentName": "县工信局",
                 "dispatchNumber": "某县服企办交（2026）第2号", "handlerGroupName": "县工信局", "handlerName": "张三",
                 "resultClass": "A", "replyText": "已协调解决", "closeReason": "satisfied", "handlingRound": 1}
    dispatched = status_update("GD1", "dispatched", variables)
    assert dispatched.status == "open" and dispatched.status_notes == "已交办县工信局办理（某县服企办交（2026）第2号）"
    assert dispatched.agency_responsible == "县工信局"
    assert status_update("GD1", "signed", variables).status_notes == "县工信局已签收，承办人张三"
    replied = status_update("GD1", "replied", variables)
    assert replied.status_notes == "办理结果：已解决。答复内容：已协调解决" and replied.extra["reply"] == "已协调解决"
    closed = status_update("GD1", "closed", variables)
    assert closed.status == "closed" and closed.status_notes == "企业满意，已办结销号"
    assert closed.token == "GD1:closed:1:0"
    with pytest.raises(ValueError):
        status_update("GD1", "archived", variables)


# =========================================================================== unit: Open311 client
class CannedAdapter(BaseAdapter):
    """Answers from a list (status, body), recording the requests: no sockets."""

    def __init__(self, answers: list[tuple[int, bytes]]) -> None:
        super().__init__()
        self.answers = answers
        self.seen: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.seen.append(request)
        status, body = self.answers[min(len(self.seen) - 1, len(self.answers) - 1)]
        response = requests.Response()
        response.status_code, response._content, response.url, response.request = status, body, request.url, request
        return response

    def close(self) -> None:
        pass


def canned_client(answers: list[tuple[int, bytes]], **config: Any) -> tuple[Open311Client, CannedAdapter]:
    session = requests.Session()
    adapter = CannedAdapter(answers)
    session.mount("http://", adapter)
    return Open311Client(fast("http://hotline.test/open311/v2", **config), session), adapter


REQUEST_XML = (
    "<request><service_request_id>{id}</service_request_id><status>open</status><service_code>power</service_code>"
    "<description>停电</description><requested_datetime>2026-11-01T09:00:00+08:00</requested_datetime>"
    "<updated_datetime>2026-11-0{day}T10:00:00+08:00</updated_datetime><extended_attributes>"
    "<enterprise_name>某县恒达机械制造有限公司</enterprise_name><contact_name>王经理</contact_name>"
    "<contact_phone>13912345678</contact_phone><reminders><reminder><reminder_id>R1</reminder_id>"
    "<reminder_datetime>2026-11-02T10:00:00+08:00</reminder_datetime><text>催办</text></reminder></reminders>"
    "<survey><satisfaction>基本满意</satisfaction><really_solved>是</really_solved></survey>"
    "</extended_attributes></request>"
)


def test_client_pages_parses_xml_and_sends_key_and_filters() -> None:
    page1 = ("<service_requests>" + "".join(REQUEST_XML.format(id=f"GDA{i}", day=i) for i in range(1, 3))
             + "</service_requests>").encode()
    page2 = ("<service_requests>" + REQUEST_XML.format(id="GDA3", day=3) + "</service_requests>").encode()
    client, adapter = canned_client([(200, page1), (200, page2)], page_size=2, jurisdiction="county.example")
    source = Open311Source(client, dt.datetime(2026, 10, 1, tzinfo=SHANGHAI))
    orders = list(source.records())
    assert [o.order_number for o in orders] == ["GDA1", "GDA2", "GDA3"]  # a short page ends the paging
    assert source.complete and source.newest == dt.datetime(2026, 11, 3, 10, tzinfo=SHANGHAI)
    first = orders[0]
    assert isinstance(first, WorkOrder)
    assert first.reminders[0].id == "R1" and first.reminders[0].text == "催办"
    assert first.survey and first.survey.satisfaction == "basically_satisfied" and first.survey.really_solved == "yes"
    url = adapter.seen[0].url or ""
    assert "requests.xml" in url and "extensions=true" in url and "page=1" in url and "page_size=2" in url
    assert "updated_after=2026-10-01T00%3A00%3A00%2B08%3A00" in url and "jurisdiction_id=county.example" in url
    assert adapter.seen[0].headers["X-API-Key"] == API_KEY


def test_client_refuses_entities_and_quarantines_an_unparseable_page() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
            b"<service_requests><request><service_request_id>&lol2;</service_request_id></request></service_requests>")
    with pytest.raises(Exception) as refused:
        parse_requests(bomb, "xml")
    assert "DTD" in type(refused.value).__name__ or "Forbidden" in type(refused.value).__name__
    client, _ = canned_client([(200, bomb), (200, b"<service_requests/>")])
    source = Open311Source(client, None)
    records = list(source.records())
    assert len(records) == 1 and isinstance(records[0], Rejected)
    assert "无法解析" in records[0].reason and records[0].raw_text and "ENTITY" in records[0].raw_text
    assert source.newest is None, "a bad page keeps the watermark where it was"


def test_client_retries_transient_failures_then_gives_a_clear_error() -> None:
    ok = b"<services><service><service_code>power</service_code></service></services>"
    client, adapter = canned_client([(503, b"busy"), (502, b"gateway"), (200, ok)])
    assert client.services()[0]["service_code"] == "power"
    assert len(adapter.seen) == 3
    client, adapter = canned_client([(503, "<errors><error><code>503</code><description>维护中</description></error></errors>".encode())])
    with pytest.raises(HotlineUnavailable) as down:
        client.services()
    assert len(adapter.seen) == 3 and "12345平台不可用" in str(down.value) and "已尝试3次" in str(down.value)
    client, adapter = canned_client([(403, "<errors><error><code>403</code><description>api_key无效</description></error></errors>".encode())])
    with pytest.raises(HotlineError) as refused:
        client.services()
    assert len(adapter.seen) == 1, "a refusal is not retried"
    assert not isinstance(refused.value, HotlineUnavailable) and "api_key无效" in str(refused.value)


# =========================================================================== unit: simulator
def test_simulator_is_deterministic_realistic_and_speaks_xml_and_json() -> None:
    one = HotlineSimulator(orders=200, seed=3, now=FIXED_NOW, api_key=API_KEY)
    two = HotlineSimulator(orders=200, seed=3, now=FIXED_NOW, api_key=API_KEY)
    assert [one.order(i).to_dict() for i in one.order_ids()] == [two.order(i).to_dict() for i in two.order_ids()]
    assert len(one.order_ids()) == 200 and one.malformed_count() == 3
    codes = [one.order(i).ext["credit_code"] for i in one.order_ids()]
    valid = sum(uscc.is_valid(c) for c in codes)
    assert 170 <= valid < 200, "most credit codes are valid, a few are not"
    assert uscc.is_valid(credit_code(random.Random(1)))
    withdrawn = [i for i in one.order_ids() if one.order(i).ext["order_status"] == "withdrawn"]
    reminded = [i for i in one.order_ids() if one.order(i).reminders]
    assert withdrawn and reminded
    with SimulatorServer(one) as server:
        for fmt in ("xml", "json"):
            client = Open311Client(fast(server.url, format=fmt, page_size=50))
            records = list(Open311Source(client, None).records())
            assert sum(isinstance(r, WorkOrder) for r in records) == 200
            assert sorted(r.reason for r in records if isinstance(r, Rejected)) == sorted(
                ["缺少工单编号", "缺少诉求内容（主要困难和问题）", f"受理时间“{FIXED_NOW:%Y}-13-45 25:61”无法识别"])
            assert sum(r.withdrawn for r in records if isinstance(r, WorkOrder)) == len(withdrawn)
            assert len(client.services()) == 10
        wrong_key = requests.get(f"{server.url}/requests.xml", headers={"X-API-Key": "nope"}, timeout=5)
        assert wrong_key.status_code == 403 and b"<errors>" in wrong_key.content
        assert server.host == "127.0.0.1"


def test_a_simulator_started_later_on_the_same_port_is_another_feed() -> None:
    """A sync keeps its watermark per feed (URL + jurisdiction): a second platform on a port the first
    one used (ports are reused between tests) is another feed, so no watermark hides its orders; the
    CLI's simulator stays at the root (the URL it prints for APPEALS_HOTLINE_URL)."""
    with SimulatorServer(HotlineSimulator(orders=2, malformed=0, seed=1, api_key=API_KEY)) as first:
        port = first.port
    with SimulatorServer(HotlineSimulator(orders=3, malformed=0, seed=2, api_key=API_KEY), port=port) as second:
        assert second.port == port and fast(second.url).feed != fast(first.url).feed
        records = list(Open311Source(Open311Client(fast(second.url)), None).records())
        assert len(records) == 3, "the platform answers under its own path"
        assert requests.get(f"http://127.0.0.1:{port}/open311/v2/services.xml", timeout=5).status_code == 404
    with SimulatorServer(HotlineSimulator(orders=1, malformed=0, seed=3, api_key=API_KEY), mount="") as root:
        assert root.url == f"http://127.0.0.1:{root.port}/open311/v2"
        assert len(Open311Client(fast(root.url)).services()) == 10


def test_simulator_records_updates_idempotently() -> None:
    simulator = HotlineSimulator(orders=3, malformed=0, seed=5, api_key=API_KEY)
    order_id = simulator.order_ids()[0]
    with SimulatorServer(simulator) as server:
        client = Open311Client(fast(server.url, format="json"))
        update = status_update(order_id, "closed", {"closeReason": "satisfied"})
        first = client.push(update)
        assert client.push(update) == first, "the same update_token is the same update"
        assert client.updates(order_id)[0]["status"] == "closed"
        assert simulator.order(order_id).status == "closed"
        with pytest.raises(HotlineError):
            client.push(status_update("NOPE1", "closed", {}))


def test_the_simulator_takes_a_received_time_as_written_and_keeps_now_by_default() -> None:
    """Tester 6, N8: `POST /_sim/orders` always set the received time to now, so odd date spellings
    could only be tried through an import. `receivedAt` / `requested_datetime` is served as written."""
    simulator = HotlineSimulator(orders=0, malformed=0, seed=7, now=FIXED_NOW, api_key=API_KEY)
    with SimulatorServer(simulator) as server:
        def add(body: dict) -> str:
            answer = requests.post(f"http://{server.host}:{server.port}{server.mount}/_sim/orders", json=body,
                                   headers={"X-API-Key": API_KEY}, timeout=5)
            assert answer.status_code == 201, answer.text
            return answer.json()["service_request_id"]
        spelt = add({"description": "用电增容", "receivedAt": "2026年十一月廿九日 下午三点"})
        iso = add({"description": "用地审批", "requested_datetime": "2026-11-28T09:30:00+08:00"})
        default = add({"description": "招工难"})
        records = {r.order_number: r for r in Open311Source(Open311Client(fast(server.url, format="json")), None).records()}
    assert records[spelt].received_at == dt.datetime(2026, 11, 29, 15, tzinfo=SHANGHAI)
    assert records[iso].received_at == dt.datetime(2026, 11, 28, 9, 30, tzinfo=SHANGHAI)
    assert abs(records[default].received_at - dt.datetime.now(SHANGHAI)) < dt.timedelta(minutes=5), "now by default"


# =========================================================================== unit: spreadsheet
HEADER = ["序号", "*工单编号", "受理时间", "工单类型", "问题类别", "企业名称", "统一社会信用代码", "联系人", "联系电话 ",
          "诉求内容", "诉求事项", "企业地址"]
GOOD_CODE = credit_code(random.Random(11))
OTHER_CODE = credit_code(random.Random(12))
BAD_CODE = credit_code(random.Random(13), valid=False)


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def messy_workbook(path: Path, prefix: str) -> dict[str, Any]:
    """A realistic 12345 export: title rows, a merged title, blank rows, merged cells, full-width digits,
    Excel dates of three kinds, a duplicate and three malformed rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "工单明细"
    sheet["A1"] = "某县12345政务服务便民热线企业诉求工单明细"
    sheet.merge_cells("A1:L1")
    sheet["A2"] = "导出时间：2026-11-20 10:00        共9条"
    sheet.merge_cells("A2:F2")
    sheet.append([])  # row 3: blank, above the header
    sheet.append(HEADER)  # row 4
    n = {k: f"{prefix}{k:03d}" for k in range(1, 8)}
    rows = {
        5: [1, n[1], dt.datetime(2026, 11, 18, 9, 30), "求助", "用电保障", "某县恒达机械制造有限公司", GOOD_CODE, "王经理",
            "１３９１２３４５６７８", "新厂房增容报装两个月未接电", "尽快接电", "某县经济开发区创业路8号"],
        6: [2, fullwidth(n[2]), 46096.5, "咨询", "经济管理-企业服务-融资贷款",
            "某县绿源农产品加工有限公司 ", OTHER_CODE, "李会计", "0356-6012345", "想了解贴息贷款政策", None, None],
        7: [None] * 12,
        8: [3, n[3], "2026年11月17日 14:05", "投诉", "用地审批", "某县宏远建材有限责任公司", GOOD_CODE.lower() + "  ",
            "赵厂长", "13700001111", "土地证迟迟办不下来", "请加快审批", None],
        9: [4, n[4], "2026/11/16 8:00", "求助", None, "某县鑫源化工有限公司", BAD_CODE, "钱总", "13800002222",
            "排污许可证延续办理缓慢", None, None],
        10: [5, n[1], dt.datetime(2026, 11, 18, 9, 30), "求助", "用电保障", "某县恒达机械制造有限公司", GOOD_CODE,
             "王经理", "13912345678", "新厂房增容报装两个月未接电", "尽快接电", None],
        11: [6, None, "2026-11-15 10:00", "求助", "其它", "某县无号公司", GOOD_CODE, "孙某", "13900003333",
             "工单编号丢失的一条记录", None, None],
        12: [7, n[5], "2026-11-15 11:00", "求助", "其它", "某县空白公司", GOOD_CODE, "周某", "13900004444", "   ",
             None, None],
        13: [8, n[6], "2026-02-30 10:00", "求助", "其它", "某县错日公司", GOOD_CODE, "吴某", "13900005555",
             "受理时间写错的一条记录", None, None],
        14: ["  ", None, None, "", None, None, None, None, None, None, None, None],
        15: [9, n[7] + " ", dt.date(2026, 11, 14), "建议", "policy",
             "某县华泰电子科技有限公司", OTHER_CODE, "郑经理", 13600006666.0, "建议简化奖补申报材料", None, None],
    }
    for row in range(5, 16):
        for col, value in enumerate(rows[row], start=1):
            sheet.cell(row, col, value)
    sheet.merge_cells("E8:E9")  # 问题类别 merged over two orders: the second one has it too
    workbook.save(path)
    return {"numbers": n, "good": [n[1], n[2], n[3], n[4], n[7]]}


def test_workbook_source_finds_the_header_and_copes_with_a_messy_export(tmp_path: Path) -> None:
    info = messy_workbook(tmp_path / "orders.xlsx", "XU")
    source = WorkbookSource(tmp_path / "orders.xlsx")
    records = list(source.records())
    assert source.header_row == 4 and source.blank_rows == 2
    good = {r.order_number: r for r in records if isinstance(r, WorkOrder)}
    assert [r.order_number for r in records if isinstance(r, WorkOrder)] == [*info["good"][:4], info["good"][0],
                                                                             info["good"][4]]
    first = good[info["good"][0]].registration
    assert first["contactPhone"] == "13912345678" and first["category"] == "power"
    assert first["receivedAt"] == "2026-11-18T09:30:00+08:00"
    assert good[info["good"][1]].registration["receivedAt"] == "2026-03-15T12:00:00+08:00"  # Excel serial
    assert good[info["good"][1]].registration["category"] == "financing"
    assert good[info["good"][2]].registration["creditCode"] == GOOD_CODE  # lower case, trailing spaces
    assert good[info["good"][3]].registration["category"] == "land", "merged cell fills the row below"
    assert good[info["good"][4]].registration["contactPhone"] == "13600006666"  # a phone stored as a number
    reasons = [r.reason for r in records if isinstance(r, Rejected)]
    assert reasons == ["第11行：缺少工单编号", "第12行：缺少诉求内容（主要困难和问题）", "第13行：受理时间“2026-02-30 10:00”无法识别"]


def test_column_mapping_from_yaml_and_clear_file_errors(tmp_path: Path) -> None:
    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text("columns:\n  orderNumber: 单号\n  problemDescription: [反映内容]\n", encoding="utf-8")
    mapping = load_mapping(mapping_file)
    workbook = Workbook()
    workbook.active.append(["单号", "反映内容", "企业名称"])
    workbook.active.append(["YM001", "停电", "某县某公司"])
    workbook.save(tmp_path / "custom.xlsx")
    records = list(WorkbookSource(tmp_path / "custom.xlsx", mapping).records())
    assert isinstance(records[0], WorkOrder) and records[0].order_number == "YM001"
    workbook = Workbook()
    workbook.active.append(["工单编号", "企业名称"])
    workbook.save(tmp_path / "no-description.xlsx")
    with pytest.raises(SpreadsheetError, match="诉求内容"):
        list(WorkbookSource(tmp_path / "no-description.xlsx").records())
    (tmp_path / "not.xlsx").write_bytes(b"PK\x03\x04 not a zip")  # text files are CSV now (test_hotline_files)
    with pytest.raises(SpreadsheetError, match="无法读取"):
        list(WorkbookSource(tmp_path / "not.xlsx").records())
    with pytest.raises(SpreadsheetError, match="不认识的字段"):
        load_mapping(data={"orderNo": "工单编号"})


# =========================================================================== unit: the registry in batches
def test_a_batch_goes_into_the_registry_as_one_record_at_a_time_would(fresh_database_url) -> None:
    from appeals.db import make_engine, upgrade
    from appeals.hotline.registry import ingest, ingest_many, order, quarantine, quarantined

    upgrade(fresh_database_url)
    db = make_engine(fresh_database_url)

    def work(number: str, **fields: Any) -> Any:
        return build_order({"orderNumber": number, "problemDescription": "企业反映厂区频繁停电", "enterpriseName": "某企业",
                            "receivedAt": "2026-11-20 09:00", **fields}, "open311")

    reminder = {"reminders": [{"id": "R1", "at": "2026-11-21 09:00", "text": "企业来电催办"}]}
    assert ingest(db, work("GB003"), "feed")[0] == "new"
    quarantine(db, Rejected("open311", "受理时间无法识别", order_number="GB002", fields={"orderNumber": "GB002"}), "feed")
    batch = [work("GB001"), work("GB002"), work("GB003", **reminder), work("GB004"), work("GB004", **reminder),
             Rejected("open311", "缺少工单编号", fields={"x": 1}), work("GB005", status="已撤回")]
    outcomes = ingest_many(db, batch, "feed")
    assert [o for o, _ in outcomes] == ["new", "new", "updated", "new", "updated", "quarantined",
                                        "withdrawn_before_intake"]
    ids = [i for _, i in outcomes]
    assert ids[3] == ids[4] and ids[5] is None and len({i for i in ids if i}) == 5
    assert order(db, "GB001").state == "new" and order(db, "GB001").needs_action
    assert [r["id"] for r in order(db, "GB004").reminders] == ["R1"], "the later record of a number merges"
    assert order(db, "GB005").state == "withdrawn_before_intake" and not order(db, "GB005").needs_action
    assert [q.order_number for q in quarantined(db)] == [None], "GB002 arrived in good shape: resolved"
    again = ingest_many(db, batch, "feed")
    assert [o for o, _ in again] == ["known", "known", "known", "known", "known", "quarantine_known", "known"]
    assert [i for _, i in again][:5] == ids[:5]
    db.dispose()


def test_a_quarantined_record_is_reported_by_the_file_it_came_from_in_chinese(fresh_database_url, caplog) -> None:
    """Tester 6, N8: importing dates.csv printed "quarantined a xlsx record" (every export kind is
    channel "xlsx"). The line names the imported file (or the feed), in Chinese like the import's summary."""
    import logging

    from appeals.db import make_engine, upgrade
    from appeals.hotline.registry import quarantine

    upgrade(fresh_database_url)
    db = make_engine(fresh_database_url)
    with caplog.at_level(logging.WARNING, logger="appeals.hotline"):
        quarantine(db, Rejected("xlsx", "受理时间“11/26”无法识别", order_number="T6D0005", fields={"n": 1}), "dates.csv")
        quarantine(db, Rejected("xlsx", "缺少工单编号", fields={"n": 2}), "导出.xlsx")
    db.dispose()
    assert [r.getMessage() for r in caplog.records] == [
        "已隔离 12345 工单记录（T6D0005，来自 dates.csv）：受理时间“11/26”无法识别",
        "已隔离 12345 工单记录（无编号，来自 导出.xlsx）：缺少工单编号"]


# =========================================================================== unit: migration and handler
def test_migration_0004_creates_exactly_the_hotline_tables(tmp_path: Path, fresh_database_url) -> None:
    url = fresh_database_url
    config = alembic_config(url)
    command.upgrade(config, "0004")
    engine = create_engine(url)
    hotline_tables = {name for name in Base.metadata.tables if name.startswith("hotline_")}
    assert hotline_tables == {"hotline_order", "hotline_update", "hotline_quarantine", "hotline_feed"}
    def differences() -> list:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, reflected, compare_to: (
                    (getattr(obj, "table", obj).name if type_ != "table" else name).startswith("hotline_")),
            })
            return compare_metadata(context, Base.metadata)

    assert sorted((d[0], d[2], d[3].name) for d in differences()) == [
        ("add_column", "hotline_order", "county"), ("add_column", "hotline_quarantine", "county")], (
        "0004 makes the tables; 0013 adds each record's county")
    command.upgrade(config, "0013")
    assert differences() == []
    command.downgrade(config, "0003")
    assert not {n for n in inspect(create_engine(url)).get_table_names() if n.startswith("hotline_")}
    engine.dispose()


def test_a_second_failing_sync_completes_with_a_note_instead_of_another_incident() -> None:
    from appeals.handlers.hotline_sync import other_failing_sync

    class Engine:
        def get(self, path: str, **params: Any) -> list[dict[str, Any]]:
            assert path == "/external-task" and params == {"topicName": "pullHotlineOrders"}
            return [{"id": "me", "errorMessage": None}, {"id": "old", "errorMessage": "HotlineUnavailable: …"}]

    assert other_failing_sync(Engine(), "me") == "old"  # type: ignore[arg-type]
    assert other_failing_sync(Engine(), "old") is None  # type: ignore[arg-type]


def test_handler_without_a_hotline_url_completes_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from appeals.handlers.hotline_sync import pull_hotline_orders
    from appeals.settings import Settings

    ctx = SimpleNamespace(settings=Settings.from_env({}))  # no APPEALS_HOTLINE_URL
    task = Task(id="t1", topic="pullHotlineOrders", process_instance_id="p1", business_key=None,
                activity_id="Task_PullHotlineOrders", variables={})
    assert "未配置" in pull_hotline_orders(task, ctx)["syncNote"]
