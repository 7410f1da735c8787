"""Category suggestion in the loop (issue 16), against the real engine: the suggestion arrives at
核实诉求, pre-fills an open category so the routing table suggests its departments, and what the
office chose next to what was suggested lands in the variables and the ledger."""

from __future__ import annotations

from sqlalchemy import select

from appeals.context import AppContext
from appeals.db.ledger_models import LedgerAppeal

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, register_and_accept
from ..sinks import HttpSink

OUTAGE = {"problemDescription": "近一个月厂区频繁停电，每次停电都造成生产线原料报废，损失较大。",
          "requestedHelp": "请协调供电部门排查线路、保障稳定供电。"}


def _ledger(appeal: Appeal) -> LedgerAppeal:
    with AppContext().db.connect() as conn:
        return conn.execute(select(LedgerAppeal).where(LedgerAppeal.process_instance_id == appeal.id)).one()


def test_open_category_is_prefilled_and_routes(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "SG-OPEN", category=None, **OUTAGE)
    appeal.task("Task_VerifyAppeal", "office-clerk")
    variables = appeal.variables()
    assert variables["suggestedCategory"] == "power"
    assert variables["category"] == "power", "an open category is pre-filled with the suggestion"
    assert variables["registeredCategory"] is None
    assert 0.3 < variables["suggestedCategoryConfidence"] <= 1
    assert [s["category"] for s in variables["categorySuggestions"]][0] == "power"
    assert len(variables["categorySuggestions"]) == 3
    assert variables["categorySuggestionText"].startswith("用电保障 ")
    assert "停电" in variables["suggestionWords"]
    register_and_accept(appeal)
    appeal.task("Task_ProposeDispatch", "office-clerk")
    variables = appeal.variables()
    assert variables["suggestedLead"] == "dept-power-supply", "the routing table takes the suggested category"
    assert variables["leadDepartment"] == "dept-power-supply"
    assert variables["categorySuggestionAccepted"] is True
    assert variables["categoryName"] == "用电保障"
    row = wait_for(lambda: _ledger(appeal), message="ledger row")
    assert (row.suggested_category, row.category) == ("power", "power")


def test_explicit_category_is_kept_and_the_office_choice_recorded(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "SG-KEEP", category="land", **OUTAGE)
    appeal.task("Task_VerifyAppeal", "office-clerk")
    variables = appeal.variables()
    assert variables["suggestedCategory"] == "power"
    assert variables["category"] == "land", "a category the registration chose is not replaced"
    assert variables["registeredCategory"] == "land"
    assert "与建议不一致" in variables["categorySuggestionText"]
    register_and_accept(appeal)  # the office keeps 用地审批
    appeal.task("Task_ProposeDispatch", "office-clerk")
    variables = appeal.variables()
    assert variables["categorySuggestionAccepted"] is False
    assert variables["suggestedLead"] == "dept-natural-resources"
    row = wait_for(lambda: _ledger(appeal), message="ledger row")
    assert row.suggested_category == "power"


def test_verify_form_shows_the_suggestion(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "SG-FORM", category=None, **OUTAGE)
    task = appeal.task("Task_VerifyAppeal", "office-clerk")
    form = appeal.user("office-clerk").get(f"/task/{task['id']}/deployed-form")
    texts = [c.get("text") or c.get("content", "") for c in form["components"]]
    assert any("{{categorySuggestionText}}" in t for t in texts)
    rendered = appeal.user("office-clerk").get(f"/task/{task['id']}/form-variables")
    assert rendered["categorySuggestionText"]["value"].startswith("用电保障")
    assert rendered["category"]["value"] == "power"


def test_similar_closed_cases_reach_the_office_and_the_department_without_names(workers: EngineHandle) -> None:
    import datetime as dt

    from sqlalchemy import delete

    table = LedgerAppeal.__table__
    closed = {"process_instance_id": "SG-SIMILAR-PAST", "status": "closed", "category": "power",
              "registration_number": "某县服企办收（2025）第7号", "enterprise_name": "某县远方纺织有限公司",
              "contact_name": "钱主任", "contact_phone": "13800001111",
              "problem_description": "厂区频繁停电，生产线原料报废，某县远方纺织有限公司损失较大。",
              "reply_text": "已更换老化线路并恢复稳定供电，已电话告知钱主任（13800001111）。", "result_class": "A",
              "closed_at": dt.datetime(2026, 9, 1, tzinfo=dt.UTC)}
    with AppContext().db.begin() as conn:
        conn.execute(table.insert(), closed)
    try:
        appeal = Appeal.start(workers, "SG-SIMILAR", category=None, **OUTAGE)
        register_and_accept(appeal)
        appeal.task("Task_ProposeDispatch", "office-clerk")
        variables = appeal.variables()
        assert variables["similarCases"][0]["registrationNumber"] == "某县服企办收（2025）第7号"
        assert variables["similarCases"][0]["resultClass"] == "A"
        text = variables["similarCasesText"]
        assert "已更换老化线路" in text
        for secret in ("远方纺织", "钱主任", "13800001111"):
            assert secret not in text and secret not in str(variables["similarCases"])
        form = appeal.user("office-clerk").get(
            f"/task/{appeal.task('Task_ProposeDispatch', 'office-clerk')['id']}/deployed-form")
        assert "similarCasesText" in [c.get("key") for c in form["components"]]
    finally:
        with AppContext().db.begin() as conn:
            conn.execute(delete(table).where(table.c.process_instance_id == "SG-SIMILAR-PAST"))


def test_a_restated_appeal_is_flagged_and_merged(workers: EngineHandle, http_sink: HttpSink) -> None:
    code = "91140525MA0GXXBM87"  # the demo's 宏远建材, restating its problem by 12345
    firm = {"creditCode": code, "enterpriseName": "某县宏远建材有限责任公司", "contactPhone": "13700001111"}
    first = Appeal.start(workers, "SG-DUP-FIRST", **firm, channel="online",
                         problemDescription="我公司近期多次遭遇无计划停电，每次停电熔炉内的原料都要报废。",
                         requestedHelp="恳请协调供电公司查明原因、保障供电。")
    first.task("Task_VerifyAppeal", "office-clerk")
    number = first.variables()["registrationNumber"]
    wait_for(lambda: _ledger(first), message="first appeal in the ledger")
    again = Appeal.start(workers, "SG-DUP-AGAIN", **firm, channel="hotline", externalId="SG-DUP-1",
                         problemDescription="来电人称其工厂本月已停电五次，没有预先通知，炉内物料全部报废。",
                         requestedHelp="要求供电部门解决。")
    again.task("Task_VerifyAppeal", "office-clerk")
    variables = again.variables()
    assert variables["possibleDuplicate"] is True
    assert variables["duplicateOf"] == first.id
    assert variables["mergeInto"] == number
    assert number in variables["duplicateText"]
    assert first.variables().get("possibleDuplicate") is False
    again.complete("Task_VerifyAppeal", "office-clerk", verifyNote="与企业核实，系同一问题", scopeDecision="merge",
                   mergeInto=number)
    again.wait_until_ended()
    assert again.variables_history("closeReason") == "merged"
    row = wait_for(lambda: (r := _ledger(again)).closed_at and r, message="merged appeal closed in the ledger")
    assert (row.close_reason, row.merged_into) == ("merged", number)
    assert first.waiting_at() == ["Task_VerifyAppeal"], "the first appeal goes on"
    told = wait_for(lambda: [m for m in http_sink.sms("合并") if m["phone"] == "13700001111"],
                    message="the enterprise told of the merge")
    assert number in told[0]["text"]
