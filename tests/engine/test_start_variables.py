"""A user writes an appeal's variables only through a form (StartFormVariablesPlugin): starting a process
over REST (`/start`, `/submit-form`) carries only the start form's fields, else 403 naming the others and
nothing started; message correlation, signals and direct variable writes with variables are refused to
every user who is not a technical account (workers, public pages) or the administrator. The office's own
start with the form's fields and a business key (Tasklist's 发起流程) works as before; the workers and the
public pages keep writing (their own suites: hotline, public, city)."""

from __future__ import annotations

import pytest

from appeals.camunda import Camunda, CamundaError, to_variables
from appeals.demo import DEMO_APPEALS

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal

EXTRA = {"leadDepartment": "dept-industry", "county": "yixian", "tenantId": "yixian", "appealStatus": "closed"}


def _refused(attempt) -> str:
    with pytest.raises(CamundaError) as refused:
        attempt()
    assert refused.value.status == 403, refused.value
    return refused.value.message


def _started(admin: Camunda, key: str) -> int:
    return admin.get("/process-instance/count", businessKey=key)["count"]


@pytest.mark.parametrize("path", ["start", "submit-form"])
def test_a_start_carries_only_the_start_forms_fields(workers: EngineHandle, path: str) -> None:
    for user in ("office-clerk", "yx-office-clerk"):
        clerk = workers.client(user)
        key = f"SV-{path}-{user}"
        body = {"businessKey": key, "variables": to_variables({**DEMO_APPEALS[0], **EXTRA})}
        message = _refused(lambda clerk=clerk, body=body: clerk.post(f"/process-definition/key/EnterpriseAppeal/{path}", body))
        assert "发起流程时只能提交发起表单中的字段" in message
        for name in EXTRA:
            assert name in message
        assert "enterpriseName" not in message.split("不能提交：")[1]
        assert _started(workers.admin, key) == 0, "nothing was started"
        # the same one field too many
        body = {"businessKey": key, "variables": to_variables({**DEMO_APPEALS[0], "verifyDue": "2030-01-01"})}
        assert "verifyDue" in _refused(lambda clerk=clerk, body=body: clerk.post(f"/process-definition/key/EnterpriseAppeal/{path}", body))
        # the form's fields and a business key: started as before (Tasklist's 发起流程 sends this)
        body = {"businessKey": key, "variables": to_variables(DEMO_APPEALS[0])}
        started = clerk.post(f"/process-definition/key/EnterpriseAppeal/{path}", body)
        appeal = Appeal(workers, started["id"])
        wait_for(lambda appeal=appeal: appeal.variables().get("registrationNumber"), message="registered")
        assert "leadDepartment" not in appeal.variables()
    # the meeting start form has no `organizer` (the engine sets it as the initiator); no start at chosen activities
    office = workers.client("office-clerk")
    message = _refused(lambda: office.post("/process-definition/key/MeetingSession/start", {
        "variables": to_variables({"meetingTitle": "会", "organizer": "someone-else"})}))
    assert "organizer" in message and "meetingTitle" not in message.split("不能提交：")[1]
    _refused(lambda: office.post("/process-definition/key/EnterpriseAppeal/start", {
        "businessKey": "SV-AT", "startInstructions": [{"type": "startBeforeActivity", "activityId": "Task_FollowUp"}]}))
    assert _started(workers.admin, "SV-AT") == 0


def test_messages_and_signals_with_variables_are_refused_to_staff(workers: EngineHandle) -> None:
    office = workers.client("office-clerk")
    appeal = Appeal.start(workers, "SV-MESSAGE")
    appeal.task("Task_VerifyAppeal", "office-clerk")
    for body in (
        {"messageName": "AppealSubmitted", "businessKey": "SV-MSG-START",
         "processVariables": to_variables({**DEMO_APPEALS[0], "countyCode": "yixian"})},
        {"messageName": "HotlineReminder", "processInstanceId": appeal.id,
         "processVariables": to_variables({"reminderNote": "催"})},
        {"messageName": "HotlineReminder", "processInstanceId": appeal.id,
         "processVariablesLocal": to_variables({"x": "1"})},
    ):
        message = _refused(lambda body=body: office.post("/message", body))
        assert "不能通过消息（/message）写入诉求的变量" in message, message
    assert _started(workers.admin, "SV-MSG-START") == 0
    message = _refused(lambda: office.post("/signal", {"name": "AnySignal", "variables": to_variables({"a": "b"})}))
    assert "不能通过信号或条件" in message


def test_direct_variable_writes_are_refused_to_staff(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "SV-DIRECT")
    task = appeal.task("Task_VerifyAppeal", "office-clerk")
    before = appeal.variables()
    for user in ("office-clerk", "county-head", "power-handler"):
        client = workers.client(user)
        for attempt in (
            lambda client=client: client.put(f"/process-instance/{appeal.id}/variables/leadDepartment",
                               {"value": "dept-industry", "type": "String"}),
            lambda client=client: client.post(f"/process-instance/{appeal.id}/variables",
                                {"modifications": to_variables({"leadDepartment": "dept-industry"})}),
            lambda client=client: client.delete(f"/process-instance/{appeal.id}/variables/enterpriseName"),
            lambda client=client: client.put(f"/execution/{appeal.id}/localVariables/leadDepartment",
                               {"value": "dept-industry", "type": "String"}),
            lambda client=client: client.post(f"/execution/{appeal.id}/localVariables",
                                {"modifications": to_variables({"county": "yixian"})}),
            lambda client=client: client.put(f"/task/{task['id']}/variables/leadDepartment", {"value": "x", "type": "String"}),
            lambda client=client: client.post(f"/task/{task['id']}/localVariables", {"modifications": to_variables({"y": "1"})}),
        ):
            assert "不能直接写入或删除诉求的变量" in _refused(attempt)
    after = appeal.variables()
    assert after.get("leadDepartment") == before.get("leadDepartment")
    assert after["enterpriseName"] == before["enterpriseName"]
    # the administrator may still correct a variable (Cockpit)
    workers.admin.put(f"/process-instance/{appeal.id}/variables/adminNote", {"value": "更正", "type": "String"})
    assert appeal.variables()["adminNote"] == "更正"
