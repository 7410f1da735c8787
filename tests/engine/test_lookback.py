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

    # the yearly timer start (1 December) fired through REST
    jobs = workers.admin.get("/job", processDefinitionKey="YearEndLookBack", timers="true")
    assert len(jobs) == 1 and jobs[0]["dueDate"][5:10] == "12-01"
    before = {p["id"] for p in workers.admin.get("/process-instance", processDefinitionKey="YearEndLookBack")}
    workers.admin.execute_job(jobs[0]["id"])
    started = [p for p in workers.admin.get("/process-instance", processDefinitionKey="YearEndLookBack")
               if p["id"] not in before][0]
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
