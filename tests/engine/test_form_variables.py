"""A user completing a task writes only what the task's form offers (FormTextPlugin, docs/input-rules.md):
variables outside the form, or a read-only field changed, are refused with HTTP 400 and a Chinese message
naming them, on REST's complete and on Tasklist's submit-form alike; the task stays open and nothing of the
call is kept. Workers completing external tasks are not concerned."""

from __future__ import annotations

import pytest

from appeals.camunda import CamundaError

from ..conftest import EngineHandle
from ..scenario import Appeal, approve, propose, register_and_accept, sign


def _refused(attempt) -> str:
    with pytest.raises(CamundaError) as refused:
        attempt()
    assert refused.value.status == 400, refused.value.message
    return refused.value.message


def test_an_assisting_department_cannot_overwrite_the_appeal_through_its_task(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "FV-ASSIST", category="project", contactPhone="13955556666")
    register_and_accept(appeal)
    propose(appeal, "dept-development-reform", situation="multi", assisting=["dept-approval"])
    approve(appeal, "deputy-industry")
    sign(appeal, "reform-handler")
    before = appeal.variables()

    task = appeal.task("Task_ProvideAssistOpinion", "approval-handler")
    assisting = appeal.user("approval-handler")
    assisting.claim(task["id"], "approval-handler")
    sneaky = {"assistOpinion": "同意", "contactPhone": "13800000000", "appealStatus": "closed",
              "handlingDue": "2020-01-01T00:00:00.000+0800"}
    message = _refused(lambda: assisting.complete_task(task["id"], sneaky))
    assert "本任务的表单没有这些字段，不能提交：appealStatus、contactPhone、handlingDue" in message
    message = _refused(lambda: assisting.post(f"/task/{task['id']}/submit-form", {"variables": {
        "assistOpinion": {"value": "同意"}, "contactPhone": {"value": "13800000000"}}}))
    assert message.startswith("本任务的表单没有这些字段，不能提交：contactPhone"), "Chinese alone (tester 3, N9)"
    # a read-only field of the form may not be changed either
    message = _refused(lambda: assisting.complete_task(task["id"], {"assistOpinion": "同意",
                                                                    "problemDescription": "改写的问题"}))
    assert "不能提交：problemDescription" in message

    assert appeal.task("Task_ProvideAssistOpinion", "approval-handler")["id"] == task["id"], "the task stays open"
    after = appeal.variables()
    for name in ("contactPhone", "appealStatus", "handlingDue", "problemDescription", "assistOpinion"):
        assert after.get(name) == before.get(name), name

    # what the form offers goes through; read-only fields sent back unchanged (Tasklist does) too
    assisting.post(f"/task/{task['id']}/submit-form", {"variables": {
        "assistOpinion": {"value": "审批手续可并联办理"}, "problemDescription": {"value": before["problemDescription"]},
        "requestedHelp": {"value": before["requestedHelp"]}}})
    appeal.task("Task_HandleAppeal", "reform-handler")
    assert appeal.variables()["contactPhone"] == "13955556666"


def test_the_office_too_writes_only_its_forms_fields(workers: EngineHandle) -> None:
    """The rule is the form's, not the department's: the office's verification may not set the lead."""
    appeal = Appeal.start(workers, "FV-OFFICE")
    task = appeal.task("Task_VerifyAppeal", "office-clerk")
    office = appeal.user("office-clerk")
    message = _refused(lambda: office.complete_task(task["id"], {
        "verifyNote": "已核实", "scopeDecision": "accept", "leadDepartment": "dept-approval"}))
    assert "不能提交：leadDepartment" in message
    office.complete_task(task["id"], {"verifyNote": "已核实", "scopeDecision": "accept", "category": "project"})
    appeal.task("Task_ProposeDispatch", "office-clerk")
    assert appeal.variables()["category"] == "project"
