"""One scenario per path through the closed loop (spec §2–§8, §12), against the real engine.

Tasks are claimed and completed as users of the right group; timers are fired through REST.
"""

from __future__ import annotations

import json

import pytest

from appeals.camunda import CamundaError

from ..conftest import EngineHandle, wait_for
from ..scenario import (
    Appeal,
    approve,
    dispatch_to,
    follow_up,
    propose,
    register_and_accept,
    report,
    sign,
)


def test_happy_path_result_a_closes_after_satisfied_follow_up(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "LC-HAPPY", category="power")
    register_and_accept(appeal)
    proposal = appeal.task("Task_ProposeDispatch", "office-clerk")
    assert proposal["due"]
    variables = appeal.variables()
    assert variables["registrationNumber"].startswith("某县服企办收（")
    assert variables["leadDepartment"] == "dept-power-supply", "the routing table's suggestion is pre-set"
    assert variables["assistingDepartments"] == ["dept-energy"]
    propose(appeal, "dept-power-supply")
    appeal.task("Task_ApproveDispatch", "office-director")
    assert appeal.variables()["approverGroup"] == "office-director"
    assert appeal.refused("finance-handler", "Task_ApproveDispatch")
    approve(appeal, "office-director")
    sign_task = appeal.task("Task_SignDispatch", "power-handler")
    assert appeal.refused("industry-handler", "Task_SignDispatch"), "another department is refused"
    variables = appeal.variables()
    assert variables["dispatchNumber"].startswith("某县服企办交（")
    assert variables["handlingDue"] > variables["dispatchedAt"][:10]
    assert sign_task["due"]
    sign(appeal, "power-handler")
    report(appeal, "power-handler", "A")
    follow_up(appeal, "very_satisfied")
    appeal.wait_until_ended()
    final = appeal.engine.admin.get("/history/variable-instance", processInstanceId=appeal.id,
                                    variableName="closeReason")
    assert final[0]["value"] == "satisfied"
    files = {v["name"]: v for v in appeal.engine.admin.get(
        "/history/variable-instance", processInstanceId=appeal.id, deserializeValues="false")
        if v["type"] == "File"}
    assert set(files) == {"registrationDocument", "dispatchDocument", "handlingFeedbackDocument",
                          "satisfactionDocument"}
    assert files["dispatchDocument"]["valueInfo"]["filename"].startswith("企业反映困难问题交办单-某县服企办交")


def test_consultation_is_answered_directly_then_followed_up(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "LC-CONSULT", appealKind="consultation", category="financing")
    appeal.complete("Task_VerifyAppeal", "office-clerk", verifyNote="咨询贴息政策", scopeDecision="consultation")
    appeal.complete("Task_AnswerConsultation", "office-clerk", consultationAnswer="可向金融办申请，附政策文件",
                    answerMethod="phone")
    follow_up(appeal, "satisfied")
    appeal.wait_until_ended()
    history = appeal.engine.admin.get("/history/activity-instance", processInstanceId=appeal.id,
                                      activityId="Task_SignDispatch")
    assert history == [], "a consultation is never dispatched"


def test_out_of_scope_ends_with_an_explanation(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "LC-SCOPE")
    appeal.complete("Task_VerifyAppeal", "office-clerk", verifyNote="该纠纷已进入诉讼程序",
                    scopeDecision="out_of_scope", outOfScopeReason="已进入诉讼程序，依法应通过诉讼途径解决")
    appeal.wait_until_ended()
    reasons = {v["name"]: v["value"] for v in appeal.engine.admin.get(
        "/history/variable-instance", processInstanceId=appeal.id, variableNameIn="closeReason,outOfScopeReason")}
    assert reasons == {"closeReason": "out_of_scope", "outOfScopeReason": "已进入诉讼程序，依法应通过诉讼途径解决"}


def test_invalid_credit_code_goes_back_for_correction(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "LC-CORRECT", creditCode="91140525MA0K2U7X4B", contactPhone="12345")
    task = appeal.task("Task_CorrectRegistration", "office-clerk")
    errors = appeal.variables()["registrationErrors"]
    assert "校验位" in errors and "联系电话" in errors
    assert task["due"]
    appeal.complete("Task_CorrectRegistration", "office-clerk", creditCode="91140525MA0K2U7X4L",
                    contactPhone="１３９１２３４５６７８")  # full-width digits are normalised
    appeal.task("Task_VerifyAppeal", "office-clerk")
    variables = appeal.variables()
    assert variables["registrationValid"] is True
    assert variables["contactPhone"] == "13912345678"
    assert variables["registrationErrors"] is None


def test_return_as_wrongly_dispatched_and_reroute(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "LC-RETURN", category="power")
    register_and_accept(appeal)
    propose(appeal, "dept-power-supply")
    approve(appeal, "office-director")
    appeal.task("Task_SignDispatch", "power-handler")
    first_number = appeal.variables()["dispatchNumber"]
    appeal.complete("Task_SignDispatch", "power-handler", signDecision="return",
                    returnReason="属于能源局职责，非供电公司业务")
    appeal.task("Task_ProposeDispatch", "office-clerk")
    assert appeal.variables()["returnReason"] == "属于能源局职责，非供电公司业务"
    propose(appeal, "dept-energy")
    approve(appeal, "office-director")
    appeal.task("Task_SignDispatch", "energy-handler")
    variables = appeal.variables()
    assert variables["dispatchCount"] == 2
    assert variables["dispatchNumber"] != first_number, "a new 交办单 gets a new number"
    assert variables["signDecision"] is None, "the new sign-off starts blank"
    assert appeal.tasks_of("power-handler") == []


def test_dispatch_approval_rejected_goes_back_with_comment(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "LC-REJECT", category="land")
    register_and_accept(appeal)
    propose(appeal, "dept-natural-resources", situation="multi", assisting=["dept-approval"])
    appeal.task("Task_ApproveDispatch", "deputy-resources")
    variables = appeal.variables()
    assert variables["approverGroup"] == "deputy-head-resources", "the deputy overseeing the lead approves"
    assert appeal.refused("deputy-economy", "Task_ApproveDispatch")
    approve(appeal, "deputy-resources", decision="reject", comment="请补充行政审批局的配合事项")
    appeal.task("Task_ProposeDispatch", "office-clerk")
    assert appeal.variables()["approvalComment"] == "请补充行政审批局的配合事项"
    propose(appeal, "dept-natural-resources", situation="multi", assisting=["dept-approval"])
    approval = appeal.task("Task_ApproveDispatch", "deputy-resources")
    assert appeal.variables()["approvalDecision"] is None, "the new approval starts blank"
    assert approval["due"]
    approve(appeal, "deputy-resources")
    appeal.task("Task_SignDispatch", "land-handler")


def test_assisting_departments_give_opinions_to_the_lead(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "LC-ASSIST", category="project")
    register_and_accept(appeal)
    propose(appeal, "dept-development-reform", situation="multi", assisting=["dept-approval", "dept-natural-resources"])
    approve(appeal, "deputy-industry")
    sign(appeal, "reform-handler")
    appeal.complete("Task_ProvideAssistOpinion", "approval-handler", assistOpinion="审批手续可并联办理")
    assert appeal.refused("approval-handler", "Task_ProvideAssistOpinion"), "only the land bureau's instance is left"
    appeal.complete("Task_ProvideAssistOpinion", "land-handler", assistOpinion="用地指标已预留")
    appeal.task("Task_HandleAppeal", "reform-handler")
    variables = appeal.variables()
    opinions = {o["department"]: o["opinion"] for o in variables["assistOpinions"]}
    assert opinions == {"dept-approval": "审批手续可并联办理", "dept-natural-resources": "用地指标已预留"}
    assert "县行政审批局" in variables["assistOpinionsText"]


def test_extension_granted_denied_and_third_request_refused(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "LC-EXTEND")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    before = appeal.variables()["handlingDue"]
    appeal.complete("Task_HandleAppeal", "industry-handler", handlingAction="extension", extensionDays=3,
                    extensionReason="需等待省级政策答复")
    appeal.complete("Task_ApproveExtension", "office-clerk", extensionDecision="approve", extensionComment="同意")
    appeal.task("Task_HandleAppeal", "industry-handler")
    variables = appeal.variables()
    assert variables["handlingDue"] > before and variables["extensionCount"] == 1
    assert "第1次延期已同意" in variables["extensionNotice"]
    appeal.complete("Task_HandleAppeal", "industry-handler", handlingAction="extension", extensionDays=10,
                    extensionReason="再次申请")
    appeal.complete("Task_ApproveExtension", "office-clerk", extensionDecision="deny", extensionComment="理由不充分")
    appeal.task("Task_HandleAppeal", "industry-handler")
    variables = appeal.variables()
    assert variables["extensionCount"] == 2 and "未获同意" in variables["extensionNotice"]
    appeal.complete("Task_HandleAppeal", "industry-handler", handlingAction="extension", extensionDays=2,
                    extensionReason="第三次申请")
    appeal.task("Task_HandleAppeal", "industry-handler")
    assert "不得再次延期" in appeal.variables()["extensionNotice"]
    approvals = appeal.engine.admin.get("/history/task", processInstanceId=appeal.id,
                                        taskDefinitionKey="Task_ApproveExtension")
    assert len(approvals) == 2, "the third request never reaches the office"


def test_extension_is_capped_at_fifteen_working_days(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "LC-CAP")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    appeal.complete("Task_HandleAppeal", "industry-handler", handlingAction="extension", extensionDays=20,
                    extensionReason="工程量大")
    appeal.complete("Task_ApproveExtension", "office-clerk", extensionDecision="approve", extensionComment="同意")
    appeal.task("Task_HandleAppeal", "industry-handler")
    variables = appeal.variables()
    assert "上限" in variables["extensionNotice"]


def test_result_b_stays_on_the_ledger_until_solved(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "LC-LEDGER")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    report(appeal, "industry-handler", "B")
    appeal.fire_timer("Event_RecheckDue")
    appeal.complete("Task_RecheckProgress", "office-clerk", recheckNote="项目正在推进", recheckDecision="in_progress")
    assert appeal.variables()["appealStatus"] == "on_supervision_ledger"
    appeal.fire_timer("Event_RecheckDue")
    appeal.complete("Task_RecheckProgress", "office-clerk", recheckNote="已解决", recheckDecision="solved")
    follow_up(appeal, "basically_satisfied")
    appeal.wait_until_ended()
    rechecks = appeal.engine.admin.get("/history/task", processInstanceId=appeal.id,
                                       taskDefinitionKey="Task_RecheckProgress")
    assert len(rechecks) == 2


def test_result_c_closes_with_explanation_after_recheck(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "LC-LEDGER-C")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    report(appeal, "industry-handler", "C")
    appeal.fire_timer("Event_RecheckDue")
    appeal.complete("Task_RecheckProgress", "office-clerk", recheckNote="政策限制", recheckDecision="explained")
    appeal.wait_until_ended()


def test_dissatisfied_once_then_satisfied(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "LC-REWORK")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    report(appeal, "industry-handler", "A")
    follow_up(appeal, "dissatisfied")
    rework = appeal.task("Task_ReworkAppeal", "industry-handler")
    assert rework["due"]
    before = appeal.variables()
    assert before["handlingRound"] == 2
    # the form asks for a new answer (revised*, empty) and shows the rejected one read-only; the rejected
    # answer cannot be sent back as the new one by its old names, nor the task completed without one
    assert before["replyText"] == "已协调解决并书面答复企业" and "revisedReplyText" not in before
    handler = appeal.user("industry-handler")
    handler.claim(rework["id"], "industry-handler")
    with pytest.raises(CamundaError) as refused:
        handler.complete_task(rework["id"], {"resultClass": "A", "replyText": "已协调解决并书面答复企业"})
    assert refused.value.status == 400
    appeal.complete("Task_ReworkAppeal", "industry-handler", revisedResultClass="A", revisedReplyText="重新协调后已解决")
    after = appeal.variables()
    assert (after["resultClass"], after["replyText"]) == ("A", "重新协调后已解决")
    assert "revisedReplyText" not in after and "revisedResultClass" not in after
    follow_up(appeal, "satisfied")
    appeal.wait_until_ended()


def test_dissatisfied_twice_goes_to_task_force_review(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "LC-REVIEW")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    report(appeal, "industry-handler", "A")
    follow_up(appeal, "dissatisfied")
    appeal.complete("Task_ReworkAppeal", "industry-handler", revisedResultClass="A", revisedReplyText="再次答复")
    follow_up(appeal, "satisfied", solved="no")  # satisfied in words, but not really solved
    appeal.complete("Task_FillDissatisfactionReview", "industry-handler", reviewExplanation="受政策限制无法满足",
                    departmentHeadName="工信局局长", headSigned=True)
    appeal.complete("Task_ReviewDissatisfaction", "office-clerk", reviewOpinion="理由充分",
                    reviewDecision="special_supervision")
    appeal.complete("Task_SpecialSupervision", "industry-handler", revisedResultClass="A", revisedReplyText="专项督办后解决")
    follow_up(appeal, "very_satisfied")
    appeal.wait_until_ended()
    rounds = appeal.engine.admin.get("/history/variable-instance", processInstanceId=appeal.id,
                                     variableName="followUpHistory", deserializeValues="false")
    assert len(json.loads(rounds[0]["value"])) == 3


def test_survey_answer_completes_the_follow_up(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "LC-SURVEY")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    report(appeal, "industry-handler", "A")
    appeal.task("Task_FollowUp", "office-clerk")
    workers.admin.correlate("SurveyAnswered", business_key="LC-SURVEY",
                            variables={"satisfaction": "very_satisfied", "reallySolved": "yes",
                                       "followUpNote": "企业在线评价", "followUpMethod": "online"})
    appeal.wait_until_ended()


def test_hotline_reminder_is_counted_and_withdrawal_closes(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "12345-LC-0001", channel="hotline", externalId="LC-0001")
    appeal.task("Task_VerifyAppeal", "office-clerk")
    workers.admin.correlate("HotlineReminder", business_key="12345-LC-0001")
    workers.admin.correlate("HotlineReminder", business_key="12345-LC-0001")


    # both reminders are recorded, and the appeal still waits where it was: a reminder does not interrupt
    wait_for(lambda: appeal.waiting_at() == ["Task_VerifyAppeal"]
             and appeal.variables().get("hotlineReminderCount") == 2, message="two reminders counted")
    workers.admin.correlate("HotlineOrderWithdrawn", business_key="12345-LC-0001",
                            variables={"withdrawReason": "企业已自行解决，申请撤回"})
    appeal.wait_until_ended()
    reason = workers.admin.get("/history/variable-instance", processInstanceId=appeal.id, variableName="closeReason")
    assert reason[0]["value"] == "withdrawn"


@pytest.mark.parametrize("asked", [2.5, "３", "3天"])
def test_a_fraction_or_full_width_extension_is_the_whole_days_the_deadline_moves(workers: EngineHandle,
                                                                                 asked) -> None:
    """Breaker report finding 6: 2.5 was approved as “2.5天” and moved the deadline by 2 working days.
    The registration step makes it whole (validation.whole_workdays); the office sees, and the deadline
    moves by, the same 3 working days."""
    appeal = Appeal.start(workers, f"LC-EXTEND-{asked}")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    before = appeal.variables()["handlingDue"]
    appeal.complete("Task_HandleAppeal", "industry-handler", handlingAction="extension", extensionDays=asked,
                    extensionReason="需等待省级政策答复")
    appeal.task("Task_ApproveExtension", "office-clerk")
    assert appeal.variables()["extensionDays"] == 3
    appeal.complete("Task_ApproveExtension", "office-clerk", extensionDecision="approve", extensionComment="同意")
    appeal.task("Task_HandleAppeal", "industry-handler")
    variables = appeal.variables()
    workdays = variables["workdays"].split(",")
    moved = [day for day in workdays if before[:10] < day <= variables["handlingDue"][:10]]
    assert len(moved) == 3, (before, variables["handlingDue"])
