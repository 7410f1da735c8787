"""Deadlines, supervision cards and the escalation chain (spec §9–§10): timers fired through REST."""

from __future__ import annotations

from appeals.context import AppContext
from appeals.ledger.cards import cards

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, dispatch_to
from ..sinks import MailServer


def city_appeal_of(workers: EngineHandle, appeal: Appeal) -> Appeal:
    """The city's CityAppeal the county's escalation started (bpmn/CityAppeal.bpmn)."""
    found = wait_for(lambda: workers.admin.get("/process-instance", processDefinitionKey="CityAppeal",
                                               variables=f"countyProcessInstanceId_eq_{appeal.id}"),
                     message=f"the city's instance (county at {appeal.waiting_at()})")
    return Appeal(workers, found[0]["id"])


def at_handling(workers: EngineHandle, key: str, lead: str, handler: str) -> Appeal:
    appeal = Appeal.start(workers, key)
    dispatch_to(appeal, lead, handler)
    appeal.task("Task_HandleAppeal", handler)
    return appeal


def test_reminder_before_the_deadline(workers: EngineHandle, mail_server: MailServer) -> None:
    appeal = at_handling(workers, "SV-REMIND", "dept-hr", "hr-handler")
    variables = appeal.variables()
    assert variables["handlingReminderAt"] < variables["handlingDue"] < variables["escalateAt"]
    appeal.fire_timer("BoundaryEvent_HandlingReminder")
    number = variables["registrationNumber"]
    mails = wait_for(lambda: mail_server.messages(f"【提醒】{number}"), message="the reminder")
    assert any("rsj@county.example.gov.cn" in str(m["To"]) for m in mails)
    assert "Task_HandleAppeal" in appeal.waiting_at(), "a reminder does not interrupt the handling"


def test_overdue_brings_a_reminder_letter_and_a_yellow_card(workers: EngineHandle, mail_server: MailServer) -> None:
    appeal = at_handling(workers, "SV-OVERDUE", "dept-market-regulation", "market-handler")
    appeal.fire_timer("BoundaryEvent_HandlingOverdue")
    variables = wait_for(lambda: (v := appeal.variables()).get("reminderNumber") and v, message="催办函")
    assert variables["reminderNumber"].startswith("某县服企办催（")
    assert variables["cardKind"] == "yellow"
    # the card ladder decides in the model; recordCard writes the ledger a step later
    issued = wait_for(lambda: cards(AppContext().db, department="dept-market-regulation"), message="the card")
    assert [c.kind for c in issued] == ["yellow"] and issued[0].process_instance_id == appeal.id
    wait_for(lambda: mail_server.messages(f"【催办函】{variables['reminderNumber']}"), message="the letter by mail")
    letter = wait_for(lambda: [v for v in workers.admin.get("/history/variable-instance", processInstanceId=appeal.id,
                                                            variableName="reminderLetterDocument")],
                      message="the 催办函 document")
    assert letter[0]["type"] == "File"
    assert "Task_HandleAppeal" in appeal.waiting_at()


def test_card_ladder_yellow_red_then_leader_interview(workers: EngineHandle) -> None:
    outcomes = []
    for index in range(3):
        appeal = at_handling(workers, f"SV-LADDER-{index}", "dept-justice", "justice-handler")
        appeal.fire_timer("BoundaryEvent_HandlingOverdue")
        variables = wait_for(lambda a=appeal: (v := a.variables()).get("cardKind") and v, message="a card")
        outcomes.append((variables["cardKind"], variables["interview"]))
        if variables["interview"] == "task_force":
            task = appeal.task("Task_Interview", "office-clerk")
            assert task["due"]
            appeal.complete("Task_Interview", "office-clerk", interviewedPerson="司法局分管副局长",
                            interviewNote="约谈并提出整改要求")
        if variables["interview"] == "leader":
            assert appeal.task("Task_Interview", "county-head")["due"], "the county head interviews the principal"
    assert outcomes == [("yellow", "none"), ("red", "task_force"), ("red", "leader")]
    issued = wait_for(lambda: len(found := cards(AppContext().db, department="dept-justice")) >= 3 and found,
                      message="three cards in the ledger")
    assert [c.kind for c in issued] == ["yellow", "red", "red"]


def test_escalation_through_all_four_levels_to_the_city(workers: EngineHandle, mail_server: MailServer) -> None:
    appeal = at_handling(workers, "SV-ESCALATE", "dept-natural-resources", "land-handler")
    appeal.complete("Task_HandleAppeal", "land-handler", handlingAction="escalate",
                    escalationReason="涉及跨县用地指标调剂，本单位无法解决")
    deputy = appeal.task("Task_CoordinateByDeputy", "deputy-resources")
    assert deputy["due"] and appeal.refused("deputy-industry", "Task_CoordinateByDeputy")
    appeal.complete("Task_CoordinateByDeputy", "deputy-resources", coordinationDecision="pass_up",
                    coordinationOpinion="需县长协调")
    appeal.complete("Task_CoordinateByCountyHead", "county-head", coordinationDecision="pass_up",
                    coordinationOpinion="超出县级权限，转报市级")
    city = city_appeal_of(workers, appeal)
    task = city.task("Task_ProposeCityDispatch", "city-officer")
    variables = appeal.variables()
    assert variables["transferNumber"].startswith("某县服企办报（")
    assert task["due"]
    wait_for(lambda: appeal.waiting_at() == ["Event_CityResultReturned"], message="the county waiting for the city")
    files = workers.admin.get("/history/variable-instance", processInstanceId=appeal.id, variableName="transferDocument")
    assert files and files[0]["type"] == "File"
    # the city's handling and the way back to the county: tests/engine/test_city.py


def test_deputy_resolves_and_the_department_carries_it_out(workers: EngineHandle) -> None:
    appeal = at_handling(workers, "SV-DEPUTY", "dept-finance", "finance-handler")
    appeal.complete("Task_HandleAppeal", "finance-handler", handlingAction="escalate", escalationReason="资金缺口")
    appeal.complete("Task_CoordinateByDeputy", "deputy-economy", coordinationDecision="resolved",
                    coordinationOpinion="从预备费中安排")
    appeal.task("Task_HandleAppeal", "finance-handler")


def test_timers_push_an_overdue_appeal_up_the_chain(workers: EngineHandle, mail_server: MailServer) -> None:
    appeal = at_handling(workers, "SV-PUSH", "dept-approval", "approval-handler")
    appeal.fire_timer("BoundaryEvent_LongOverdue")
    appeal.task("Task_CoordinateByDeputy", "deputy-economy")
    assert appeal.variables()["escalationTrigger"] == "overdue"
    number = appeal.variables()["registrationNumber"]
    told = wait_for(lambda: mail_server.messages(f"【挂牌督办】{number}"), message="the supervision office told")
    assert any("duchashi@county.example.gov.cn" in str(m["To"]) for m in told)
    appeal.fire_timer("BoundaryEvent_DeputyOverdue")
    appeal.task("Task_CoordinateByCountyHead", "county-head")
    appeal.fire_timer("BoundaryEvent_CountyOverdue")
    city_appeal_of(workers, appeal).task("Task_ProposeCityDispatch", "city-officer")


def interview_without_label(workers: EngineHandle, key: str, department: str, handler: str) -> tuple[Appeal, dict, str]:
    """An interview task as before `recordCard` wrote `cardLabel`: the department's appeals go overdue until
    the ladder (its cards this year) asks for an interview, whose card's label is then deleted. Returns the
    appeal, its Task_Interview and a user of the interviewing group."""
    admin = workers.admin
    for index in range(3):  # the ladder goes by the department's cards this year: yellow, then red with an interview
        appeal = at_handling(workers, f"{key}-{index}", department, handler)
        appeal.fire_timer("BoundaryEvent_HandlingOverdue")
        variables = wait_for(lambda a=appeal: (v := a.variables()).get("cardKind") and v, message="a card")
        if variables["interview"] != "none":
            break
    assert variables["cardKind"] == "red"
    group_user = {"task_force": "office-clerk", "leader": "county-head"}[variables["interview"]]
    task = appeal.task("Task_Interview", group_user)
    (label,) = wait_for(lambda: admin.get("/variable-instance", processInstanceIdIn=appeal.id, variableName="cardLabel"),
                        message="the label recordCard wrote")
    admin.delete(f"/execution/{label['executionId']}/localVariables/cardLabel")
    return appeal, task, group_user


def test_an_interview_from_before_card_labels_shows_its_card_after_deploy(workers: EngineHandle) -> None:
    """An interview task created before `recordCard` wrote `cardLabel` (an instance without it): `appeals
    deploy` gives its card the label the workers write now, from vocabulary.CARD_LABELS, so the interview
    form names the card (被亮红牌); a second deploy changes nothing."""
    from click.testing import CliRunner

    from appeals.cli import main
    from appeals.vocabulary import CARD_LABELS, Card

    admin = workers.admin
    appeal, task, group_user = interview_without_label(workers, "SV-OLD-LABEL", "dept-energy", "energy-handler")
    (kind,) = admin.get("/variable-instance", processInstanceIdIn=appeal.id, variableName="cardKind")
    form = workers.client(group_user).get(f"/task/{task['id']}/form-variables", variableNames="cardLabel,cardKind")
    assert "cardLabel" not in form and form["cardKind"]["value"] == "red"

    result = CliRunner().invoke(main, ["deploy"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "given their label (cardLabel)" in result.output
    form = workers.client(group_user).get(f"/task/{task['id']}/form-variables", variableNames="cardLabel")
    assert form["cardLabel"]["value"] == CARD_LABELS[Card.RED] == "红牌"
    (filled,) = admin.get("/variable-instance", processInstanceIdIn=appeal.id, variableName="cardLabel")
    assert filled["executionId"] == kind["executionId"], "beside the card's kind"
    again = CliRunner().invoke(main, ["deploy"], catch_exceptions=False)
    assert "given their label" not in again.output
    appeal.complete("Task_Interview", group_user, interviewedPerson="能源局分管副局长", interviewNote="约谈并提出整改要求")
