"""The December look-back (回头看, spec §13): closed appeals are re-checked; a relapse starts again."""

from __future__ import annotations

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, follow_up


def test_look_back_rechecks_closed_appeals_and_reopens_a_relapse(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "LB-1", appealKind="consultation")
    appeal.complete("Task_VerifyAppeal", "office-clerk", verifyNote="咨询", scopeDecision="consultation")
    appeal.complete("Task_AnswerConsultation", "office-clerk", consultationAnswer="已答复", answerMethod="phone")
    follow_up(appeal, "satisfied")
    appeal.wait_until_ended()
    number = appeal.variables_history("registrationNumber")

    # the yearly timer start (1 December) fired through REST: it starts one look-back per county, in the
    # county's tenant (docs/city-level.md)
    jobs = workers.admin.get("/job", processDefinitionKey="YearEndLookBack", timers="true")
    assert len(jobs) == 1 and jobs[0]["dueDate"][5:10] == "12-01"
    workers.admin.execute_job(jobs[0]["id"])
    from appeals.deadlines import now

    def county_look_back(tenant: str) -> dict:
        found = workers.admin.get("/history/process-instance", processDefinitionKey="YearEndLookBack",
                                  processInstanceBusinessKey=f"LOOKBACK-{now().year}-{tenant}")
        return found[0] if len(found) == 1 else None

    started = wait_for(lambda: county_look_back("mouxian"), message="某县's look-back starts")
    other = wait_for(lambda: county_look_back("yixian"), message="乙县's look-back starts")
    assert (started["tenantId"], other["tenantId"]) == ("mouxian", "yixian")
    timer_instances = [p for p in workers.admin.get("/history/process-instance", processDefinitionKey="YearEndLookBack")
                       if p["startActivityId"] == "StartEvent_December"]
    assert [p["tenantId"] for p in timer_instances] == [None], "the timer's own instance only starts the counties'"
    look_back = Appeal(workers, started["id"])
    first = look_back.task("Task_LookBack", "office-clerk")
    assert first["due"]
    total = look_back.variables()["lookBackCount"]
    assert total >= 1
    for _ in range(total):
        task = look_back.task("Task_LookBack", "office-clerk")
        local = workers.admin.get(f"/task/{task['id']}/form-variables")
        mine = local["lookBackRegistrationNumber"]["value"] == number
        look_back.complete("Task_LookBack", "office-clerk", lookBackSolved="no" if mine else "yes",
                           lookBackNote="企业反映用电问题再次出现" if mine else "保持解决")
    wait_for(lambda: workers.admin.get(f"/history/process-instance/{started['id']}")["state"] == "COMPLETED",
             message="the look-back ends")
    assert look_back.variables_history("lookBackReopened") == [f"LOOKBACK-{appeal.id}"]
    reopened = wait_for(lambda: workers.admin.get("/process-instance", businessKey=f"LOOKBACK-{appeal.id}"),
                        message="the re-opened appeal")
    again = Appeal(workers, reopened[0]["id"])
    again.task("Task_VerifyAppeal", "office-clerk")
    assert "回头看" in again.variables()["problemDescription"]

    # 乙县's look-back re-checks 乙县's appeals only; 乙县's office does not see 某县's
    wait_for(lambda: workers.admin.get("/history/variable-instance", processInstanceId=other["id"],
                                       variableName="lookBackCount"), message="乙县's look-back selected")
    items = workers.admin.get("/history/variable-instance", processInstanceId=other["id"],
                              variableName="lookBackItems", deserializeValues="false")
    assert number not in (items[0]["value"] if items else ""), "某县's appeal is not in 乙县's look-back"
    assert Appeal(workers, other["id"]).tasks_of("office-clerk") == [], "乙县's look-back is not 某县's office's"
