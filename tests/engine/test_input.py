"""Real-world input against the real engine (issue 12): text longer than Camunda's String
column reaches the process intact on every path (REST start, external-task completion, message,
task completion as Tasklist submits it: untyped), is read back whole, and shorter text keeps the
engine's own String column (queries by value still work)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appeals.camunda import to_variables
from appeals.demo import DEMO_APPEALS
from appeals.validation import PHONE_SEVERAL_MESSAGE, TEXT_LIMIT, normalize_text

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, approve, propose, register_and_accept

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)


def _standalone_task(admin, name: str) -> str:
    """A task outside any process: a place for variables that no worker touches."""
    task_id = uuid.uuid4().hex
    admin.post("/task/create", {"id": task_id, "name": name})
    return task_id


def test_a_text_of_the_documented_limit_travels_through_variables_and_history(deployed: EngineHandle) -> None:
    admin = deployed.admin
    text = ("主要困难" * TEXT_LIMIT)[:TEXT_LIMIT]
    task_id = _standalone_task(admin, "长文本")
    admin.put(f"/task/{task_id}/variables/problemDescription", {"value": text, "type": "String"})
    raw = admin.get(f"/task/{task_id}/variables/problemDescription", deserializeValue="false")
    assert raw["type"] == "String" and raw["value"] == text, "a long text stays a String for Tasklist and Cockpit"
    history = admin.get("/history/variable-instance", taskIdIn=task_id, variableName="problemDescription")
    assert history[0]["value"] == text
    # replaced by a short text: back in the String column, found by value
    admin.put(f"/task/{task_id}/variables/problemDescription", {"value": "短文本", "type": "String"})
    found = admin.get("/variable-instance", variableValues="problemDescription_eq_短文本", taskIdIn=task_id)
    assert [v["value"] for v in found] == ["短文本"]
    admin.delete(f"/task/{task_id}")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(length=st.integers(min_value=3990, max_value=TEXT_LIMIT), piece=st.text(CJK | st.sampled_from("，。\n a1😀"),
                                                                               min_size=1, max_size=20))
def test_untyped_text_as_tasklist_submits_it_round_trips_at_any_length(deployed: EngineHandle, length: int,
                                                                       piece: str) -> None:
    admin = deployed.admin
    text = (piece * (length // len(piece) + 1))[:length]
    task_id = _standalone_task(admin, "长文本变体")
    try:
        # Tasklist's Camunda Forms submit a text field as {"value": "..."} without a type
        admin.post(f"/task/{task_id}/variables", {"modifications": {"note": {"value": text}}})
        assert admin.get(f"/task/{task_id}/variables/note", deserializeValue="false")["value"] == text
    finally:
        admin.delete(f"/task/{task_id}")


@pytest.mark.parametrize("length", [4001, 4500])
def test_the_issue_example_4500_characters_no_longer_fail_with_http_500(deployed: EngineHandle, length: int) -> None:
    admin = deployed.admin
    text = "企" * length
    pid = admin.correlate("AppealSubmitted", business_key=f"LONG-MSG-{length}",
                          variables={"enterpriseName": "消息启动", "problemDescription": text})["processInstance"]["id"]
    assert len(admin.variables(pid)["problemDescription"]) == length


def test_a_form_submitted_as_tasklist_does_keeps_long_texts_whole(workers: EngineHandle) -> None:
    """Tasklist completes a Camunda Form with submit-form, which also writes an audit copy of every
    field into a 4,000-character column (ACT_HI_DETAIL): the submission must not fail on it."""
    from ..scenario import Appeal

    appeal = Appeal.start(workers, "LONG-FORM-1")
    task = appeal.task("Task_VerifyAppeal", "office-clerk")
    note, reason = "核" * 4500, "由" * TEXT_LIMIT
    workers.client("office-clerk").post(f"/task/{task['id']}/submit-form", {"variables": {
        "verifyNote": {"value": note}, "scopeDecision": {"value": "out_of_scope"},
        "outOfScopeReason": {"value": reason}}})
    variables = appeal.variables()
    assert variables["verifyNote"] == note and variables["outOfScopeReason"] == reason
    details = workers.admin.get("/history/detail", processInstanceId=appeal.id, formFields="true")
    audit = {d["fieldId"]: d["fieldValue"] for d in details if d.get("fieldId")}
    assert len(audit["verifyNote"]) == 4000 and audit["verifyNote"].endswith("（全文见同名变量）")


def test_text_typed_into_a_form_is_stored_trimmed_on_every_channel(workers: EngineHandle) -> None:
    """Spaces, line breaks and invisible characters at both ends of a form's text field are gone in the
    engine's variable, whether Tasklist submitted the form or a REST client completed the task; the text
    between (line breaks, spaces, full-width punctuation) stays as typed. FormTextPlugin."""
    from ..scenario import Appeal

    office = workers.client("office-clerk")
    submitted = Appeal.start(workers, "TRIM-FORM-1")
    task = submitted.task("Task_VerifyAppeal", "office-clerk")
    office.post(f"/task/{task['id']}/submit-form", {"variables": {
        "verifyNote": {"value": "\u3000 \u200b已电话核实：\n  情况属实。 \n\n"}, "scopeDecision": {"value": "accept"}}})
    submitted.task("Task_ProposeDispatch", "office-clerk")
    assert submitted.variables()["verifyNote"] == "已电话核实：\n  情况属实。"

    completed = Appeal.start(workers, "TRIM-FORM-2")
    task = completed.task("Task_VerifyAppeal", "office-clerk")
    office.complete_task(task["id"], {"verifyNote": "\ufeff\xa0\u3164已核实\u2800\t", "scopeDecision": "accept"})
    completed.task("Task_ProposeDispatch", "office-clerk")
    assert completed.variables()["verifyNote"] == "已核实"


@pytest.mark.parametrize("blank", ["   ", "\u3000\u3000", "\u200b\n\t", "", "\u3164", "\u2800 ", "\u115f\u1160",
                                   "\uffa0\ufe0f\u034f"])
def test_a_required_form_field_of_only_spaces_is_refused_in_chinese(workers: EngineHandle, blank: str) -> None:
    """A REST client gets what Tasklist's form says: a required text field may not be blank — spaces or
    any other blank-looking characters (tester 3, N1: a 核实 note of U+3164 completed the task). The
    task stays open and the appeal unchanged. The message is the Chinese one alone, without Camunda's
    “Cannot submit task form <id>:” (N9, FormRefusalMessages)."""
    from appeals.camunda import CamundaError

    from ..scenario import Appeal

    appeal = Appeal.start(workers, f"TRIM-BLANK-{len(blank)}-{ord(blank[0]) if blank else 0}")
    task = appeal.task("Task_VerifyAppeal", "office-clerk")
    office = workers.client("office-clerk")
    for attempt in (lambda: office.complete_task(task["id"], {"verifyNote": blank, "scopeDecision": "accept"}),
                    lambda: office.post(f"/task/{task['id']}/submit-form", {"variables": {
                        "verifyNote": {"value": blank}, "scopeDecision": {"value": "accept"}}})):
        with pytest.raises(CamundaError) as refused:
            attempt()
        assert refused.value.status == 400, refused.value.message
        assert refused.value.message == "“与企业核实情况”为必填项，不能为空或只填空格"
    assert appeal.task("Task_VerifyAppeal", "office-clerk")["id"] == task["id"]
    assert appeal.variables().get("scopeDecision") is None


@pytest.mark.parametrize("path", ["start", "submit-form"])
def test_the_intake_keeps_what_it_refuses_as_typed_and_accepts_every_extension(workers: EngineHandle,
                                                                              path: str) -> None:
    """Tester 5, F1/F2/F10 on the office's REST start and Tasklist's 发起流程 (submit-form): a phone
    field with two numbers goes to 补正登记信息 with both numbers in the field the form shows (it was
    rewritten to the first); “0356 6012345（分机801）” and a credit code printed with hyphens are accepted
    and stored canonical (they went to 补正 with a message about nothing the form showed)."""
    clerk = workers.client("office-clerk")

    def start(key: str, **values) -> Appeal:
        body = {"businessKey": f"T5-{path}-{key}", "variables": to_variables({**DEMO_APPEALS[0], **values})}
        return Appeal(workers, clerk.post(f"/process-definition/key/EnterpriseAppeal/{path}", body)["id"])

    two = start("two", contactPhone="13912345670 / 0356-6012345")
    extension = start("ext", contactPhone="0356 6012345（分机801）", creditCode="91140525-MA0K2U7X-4L")
    two.task("Task_CorrectRegistration", "office-clerk")
    variables = two.variables()
    assert variables["registrationErrors"] == PHONE_SEVERAL_MESSAGE
    assert variables["contactPhone"] == "13912345670 / 0356-6012345", "the correction form shows what was typed"
    two.complete("Task_CorrectRegistration", "office-clerk", contactPhone="0356-6012345")
    two.task("Task_VerifyAppeal", "office-clerk")
    assert two.variables()["contactPhone"] == "0356-6012345"
    extension.task("Task_VerifyAppeal", "office-clerk")
    variables = wait_for(lambda: extension.variables() if extension.variables().get("registrationNumber") else None,
                         message="registered")
    assert variables["registrationValid"] is True and variables["registrationErrors"] is None
    assert variables["contactPhone"] == "0356-6012345-801"
    assert variables["creditCode"] == "91140525MA0K2U7X4L"


def test_a_one_line_form_field_is_stored_as_one_line_as_the_workers_store_names(workers: EngineHandle) -> None:
    """Tester 5, F10: 具体承办人 typed as “张\u3000三” kept its inner U+3000 (and U+200B) in the engine while
    the intake worker collapses the same in names. A textfield of any form is stored as one line by the
    one rule (BlankText.oneLine = validation.normalize_text(fold=False), tests/static/test_blank_text.py),
    on Tasklist's submit-form and REST's complete alike; a text area keeps its inner spaces and lines."""
    typed = "\u3000张\u3000\u3000三\u200b \n"
    for path in ("complete", "submit-form"):
        appeal = Appeal.start(workers, f"T5-ONE-LINE-{path}", category="power")
        register_and_accept(appeal)
        propose(appeal, "dept-power-supply")
        approve(appeal, "office-director")
        task = appeal.task("Task_SignDispatch", "power-handler")
        handler = appeal.user("power-handler")
        values = {"signDecision": "sign", "handlerName": typed, "enterpriseContacted": True}
        if path == "complete":
            handler.complete_task(task["id"], values)
        else:
            handler.post(f"/task/{task['id']}/submit-form", {"variables": to_variables(values)})
        appeal.task("Task_HandleAppeal", "power-handler")
        assert appeal.variables()["handlerName"] == "张三" == normalize_text(typed, fold=False)
