"""The city level (临沧 第三条、第十三条、第十五—十八条): a county's escalation, or its dispatch decision 转报市级,
reaches the city, which registers, approves at the level dmn/CityDispatchApproval.dmn names, dispatches to a
city department and hands the result back to the county's appeal; the two levels see only their own work."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from click.testing import CliRunner

from appeals.cli import main
from appeals.ledger.city import city_figures
from appeals.workdays import SHANGHAI

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, approve, dispatch_to, follow_up, propose, register_and_accept, report
from ..unit.test_city import CITY_NUMBER
from .test_tenancy import invisible_to, refused_to


def escalated_to_city(workers: EngineHandle, key: str) -> tuple[Appeal, Appeal]:
    """A county appeal (land, the demo county) pushed up its whole chain; the city's instance it started."""
    county = Appeal.start(workers, key, category="land")
    dispatch_to(county, "dept-natural-resources", "land-handler")
    county.complete("Task_HandleAppeal", "land-handler", handlingAction="escalate",
                    escalationReason="涉及跨县用地指标调剂，本单位无法解决")
    county.complete("Task_CoordinateByDeputy", "deputy-resources", coordinationDecision="pass_up",
                    coordinationOpinion="需县长协调")
    county.complete("Task_CoordinateByCountyHead", "county-head", coordinationDecision="pass_up",
                    coordinationOpinion="超出县级权限，转报市级")
    city = city_instance_of(workers, county)
    city.task("Task_ProposeCityDispatch", "city-officer")  # registered: numbered, the proposal open
    return county, city


def city_instance_of(workers: EngineHandle, county: Appeal) -> Appeal:
    """The city's CityAppeal the county appeal started (exactly one)."""
    found = wait_for(lambda: workers.admin.get("/process-instance", processDefinitionKey="CityAppeal",
                                               variables=f"countyProcessInstanceId_eq_{county.id}"),
                     message=f"the city's instance (county at {county.waiting_at()})")
    assert len(found) == 1
    return Appeal(workers, found[0]["id"])


def handled_at_city(city: Appeal, reply: str) -> None:
    """One city department (市自然资源局), approved by the city office director, signs and reports A."""
    propose_at_city(city, "city-dept-natural-resources", "single")
    approve_at_city(city, "city-director")
    sign_at_city(city, "city-land-handler", "李四")
    city.complete("Task_HandleCityAppeal", "city-land-handler", handlingAction="report", resultClass="A",
                  replyText=reply, replyMethod="written")
    city.wait_until_ended()


def propose_at_city(city: Appeal, lead: str, situation: str, assisting: list[str] | None = None) -> None:
    city.complete("Task_ProposeCityDispatch", "city-officer", leadDepartment=lead, assistingDepartments=assisting or [],
                  citySituation=situation, dispatchNote="建议由市直部门牵头办理")


def approve_at_city(city: Appeal, approver: str) -> dict[str, Any]:
    return city.complete("Task_ApproveCityDispatch", approver, approvalDecision="approve", approvalComment="同意交办")


def sign_at_city(city: Appeal, handler: str, handler_name: str) -> dict[str, Any]:
    """The city department's handler signs the dispatch (具体承办人 `handler_name`, the enterprise contacted)."""
    return city.complete("Task_SignCityDispatch", handler, signDecision="sign", handlerName=handler_name,
                         enterpriseContacted=True)


def test_an_escalated_appeal_is_handled_by_the_city_and_closed_by_the_county(workers: EngineHandle) -> None:
    county, city = escalated_to_city(workers, "CITY-FULL")
    wait_for(lambda: county.waiting_at() == ["Event_CityResultReturned"], message="the county waiting for the city")
    assert county.variables()["transferNumber"].startswith("某县服企办报（")

    # registered at the city in its own series, with the county's 转报单 and 登记表 attached
    variables = city.variables()
    assert CITY_NUMBER.match(variables["registrationNumber"])
    assert variables["countyRegistrationNumber"] == county.variables()["registrationNumber"]
    assert variables["countyName"] == "某县"
    for document in ("transferDocument", "registrationDocument"):
        typed = workers.admin.get(f"/process-instance/{city.id}/variables/{document}", deserializeValue="false")
        assert typed["type"] == "File" and typed["valueInfo"]["filename"].endswith(".docx"), document
        data = workers.admin.request("GET", f"/process-instance/{city.id}/variables/{document}/data")
        assert data[:2] == b"PK", f"{document} is the county's Word file"
    assert workers.admin.get(f"/process-instance/{city.id}")["businessKey"] == variables["countyRegistrationNumber"]
    # what the city's task forms show about the task (tester 2: "类别： {{⚠}}" without it)
    assert variables["categoryLabel"] == "用地审批" and variables["workdays"]

    # one city department, facts clear: the city office director approves within 2 working days (第十三条)
    propose_at_city(city, "city-dept-natural-resources", "single")
    task = city.task("Task_ApproveCityDispatch", "city-director")
    assert city.variables()["approverGroup"] == "city-office-director"
    assert city.refused("office-director", "Task_ApproveCityDispatch"), "the county's director is not the city's"
    approve_at_city(city, "city-director")
    assert task["due"]

    # the city department works it under the county's rules
    sign = city.task("Task_SignCityDispatch", "city-land-handler")
    assert sign["due"] and city.variables()["dispatchNumber"].startswith("某市服企办交（")
    assert city.refused("land-handler", "Task_SignCityDispatch"), "the county's department cannot work it"
    sign_at_city(city, "city-land-handler", "李四")
    city.complete("Task_HandleCityAppeal", "city-land-handler", handlingAction="report", resultClass="A",
                  replyText="市里统筹调剂用地指标，已书面答复企业", replyMethod="written")
    city.wait_until_ended()

    # back in the county: the city's result goes to the county's department, which replies and reports it;
    # then follow-up and 销号 as usual
    county.task("Task_HandleAppeal", "land-handler")
    result = county.variables()
    assert result["resultClass"] == "A" and "市里统筹" in result["replyText"]
    assert result["appealStatus"] == "handling", "no longer transferred_to_city (tester 3 N10)"
    assert result["coordinationOpinion"].startswith(f"市级办理结果（{variables['registrationNumber']}，市自然资源局，A类）")
    assert result["cityRegistrationNumber"] == variables["registrationNumber"]
    assert result["cityHandlerGroupName"] == "市自然资源局"
    report(county, "land-handler", "A")
    county.task("Task_FollowUp", "office-clerk")
    follow_up(county)
    county.wait_until_ended()
    assert county.variables_history("appealStatus") == "closed"

    # the city's comparison counts it for the county it came from: transferred, answered, on time
    today = dt.datetime.now(SHANGHAI)
    lines = {line.county: line for line in city_figures(workers.admin, today - dt.timedelta(days=1),
                                                          today + dt.timedelta(days=1))}
    assert city.id in lines["某县"].transferred and city.id in lines["某县"].answered
    assert city.id in lines["某县"].on_time
    output = CliRunner().invoke(main, ["city-report", "--period", f"{today:%Y-%m}"], catch_exceptions=False).output
    assert "| 某县 |" in output and "市直部门按时办结率" in output


def test_a_dispatch_to_the_city_is_transferred_and_the_county_closes_it_with_the_citys_result(
        workers: EngineHandle) -> None:
    """交办情形 转报市级 (临沧 第十三条): after the county head's approval the county transfers the appeal by the
    escalation's own step, the city handles it under tenant `city`, and the county records the city's result,
    follows up and closes; no task of the county's instance goes to the city service center."""
    county = Appeal.start(workers, "CITY-DIRECT", category="land")
    register_and_accept(county)
    propose(county, "dept-natural-resources", situation="city")
    county.task("Task_ApproveDispatch", "county-head")  # 转报市级: the county head approves (domain §7)
    approve(county, "county-head", comment="超出县级权限，同意转报市级")
    city = city_instance_of(workers, county)
    wait_for(lambda: county.waiting_at() == ["Event_DispatchResultReturned"], message="the county waiting for the city")
    assert not county.tasks_of("admin") and not county.tasks_of("city-officer"), "no city-center task in the county"
    transferred = county.variables()
    assert transferred["transferNumber"].startswith("某县服企办报（")
    assert transferred["appealStatus"] == "transferred_to_city"

    # the city's instance: tenant city, the county's numbers, reason and 批示, 转报单 and 登记表
    assert workers.admin.get(f"/process-instance/{city.id}")["tenantId"] == "city"
    city.task("Task_ProposeCityDispatch", "city-officer")
    variables = city.variables()
    assert CITY_NUMBER.match(variables["registrationNumber"])
    assert (variables["countyName"], variables["countyCode"]) == ("某县", "mouxian")
    assert variables["countyRegistrationNumber"] == transferred["registrationNumber"]
    assert variables["transferNumber"] == transferred["transferNumber"]
    assert (variables["countyEscalationReason"], variables["countyCoordinationOpinion"]) == (
        "建议交办", "超出县级权限，同意转报市级")
    for document in ("transferDocument", "registrationDocument"):
        data = workers.admin.request("GET", f"/process-instance/{city.id}/variables/{document}/data")
        assert data[:2] == b"PK", f"{document} is the county's Word file"

    # the other county neither sees nor works it, at either level
    for user in ("yx-office-clerk", "yx-office-director", "yx-county-head"):
        invisible_to(county, user)
        invisible_to(city, user)
        refused_to(city, user, "Task_ProposeCityDispatch")

    handled_at_city(city, "市里统筹调剂用地指标，已书面答复企业")
    county.task("Task_FollowUp", "office-clerk")
    result = county.variables()
    assert (result["resultClass"], result["replyText"]) == ("A", "市里统筹调剂用地指标，已书面答复企业")
    assert result["cityRegistrationNumber"] == variables["registrationNumber"]
    assert result["cityHandlerGroupName"] == "市自然资源局" and result["resultReportedAt"]
    refused_to(county, "yx-office-clerk", "Task_FollowUp")
    follow_up(county)
    county.wait_until_ended()
    assert county.variables_history("appealStatus") == "closed"
    visited = {a["activityId"] for a in workers.admin.get("/history/activity-instance", processInstanceId=county.id)}
    assert {"Task_SendDispatchToCity", "Task_RecordResult", "Task_CloseAppeal"} <= visited
    assert not visited & {"Task_SignDispatch", "Task_HandleAppeal", "SubProcess_Escalation"}


def test_the_approval_level_follows_the_city_table(workers: EngineHandle) -> None:
    cases = {"single": ("city-office-director", 2, False), "multi": ("city-deputy-leader", 3, False),
             "complex": ("city-deputy-leader", 3, False), "major": ("city-leader", 3, True)}
    for situation, (role, days, meeting) in cases.items():
        [row] = workers.admin.evaluate_decision("CityDispatchApproval", {"citySituation": situation})
        assert (row["approverRole"], row["approvalDays"], row["specialMeeting"]) == (role, days, meeting), situation

    _county, city = escalated_to_city(workers, "CITY-LEVELS")
    # several departments: the deputy leader overseeing the lead city department, 3 working days
    propose_at_city(city, "city-dept-industry", "multi", assisting=["city-dept-development-reform"])
    assert city.task("Task_ApproveCityDispatch", "vice-mayor-industry")["due"]
    assert city.refused("vice-mayor-resources", "Task_ApproveCityDispatch")
    city.complete("Task_ApproveCityDispatch", "vice-mayor-industry", approvalDecision="reject",
                  approvalComment="重大事项，请市长审定")
    # reworked as major: the city leader, with a special meeting
    propose_at_city(city, "city-dept-industry", "major")
    city.task("Task_ApproveCityDispatch", "city-mayor")
    assert city.variables()["specialMeetingRequired"] is True


def test_assisting_city_departments_give_their_opinions_to_the_lead(workers: EngineHandle) -> None:
    """临沧 第十四条 at the city: after the lead city department signs, each assisting city department gives
    its opinion (the county's form and rule), which the lead reads on its handling form."""
    _county, city = escalated_to_city(workers, "CITY-ASSIST")
    propose_at_city(city, "city-dept-industry", "multi", assisting=["city-dept-development-reform"])
    approve_at_city(city, "vice-mayor-industry")
    sign_at_city(city, "city-industry-handler", "钱七")
    opinion = city.task("Task_ProvideCityAssistOpinion", "city-reform-handler")
    assert opinion["due"] and not city.tasks_of("city-industry-handler"), "the lead waits for the opinion"
    assert city.refused("yx-office-clerk", "Task_ProvideCityAssistOpinion")
    city.complete("Task_ProvideCityAssistOpinion", "city-reform-handler", assistOpinion="建议纳入市级重点项目统筹")
    city.task("Task_HandleCityAppeal", "city-industry-handler")
    variables = city.variables()
    assert variables["assistOpinionsText"] == "**市发改委：** 建议纳入市级重点项目统筹"
    assert "appealStatus" not in variables, "the county's status is the county's"


def test_the_city_chain_deputy_leader_then_leader_and_two_extensions(workers: EngineHandle) -> None:
    _county, city = escalated_to_city(workers, "CITY-CHAIN")
    propose_at_city(city, "city-dept-market-regulation", "single")
    approve_at_city(city, "city-director")
    sign_at_city(city, "city-market-handler", "王五")
    for _round in range(2):
        city.complete("Task_HandleCityAppeal", "city-market-handler", handlingAction="extension", extensionDays=3,
                      extensionReason="需补充材料")
        city.complete("Task_ApproveCityExtension", "city-officer", extensionDecision="approve",
                      extensionComment="同意")
    city.task("Task_HandleCityAppeal", "city-market-handler")
    assert city.variables()["extensionCount"] == 2
    city.complete("Task_HandleCityAppeal", "city-market-handler", handlingAction="extension", extensionDays=3,
                  extensionReason="仍需时间")
    city.task("Task_HandleCityAppeal", "city-market-handler")
    assert "不得再次延期" in city.variables()["extensionNotice"], "at most two extension requests"

    city.complete("Task_HandleCityAppeal", "city-market-handler", handlingAction="escalate",
                  escalationReason="涉及多部门职责交叉")
    city.complete("Task_CoordinateByCityDeputy", "vice-mayor-resources", coordinationDecision="pass_up",
                  coordinationOpinion="请市长协调")
    city.complete("Task_CoordinateByCityLeader", "city-mayor", coordinationDecision="resolved",
                  coordinationOpinion="市长召集相关部门会商，明确由市市场监管局牵头落实")
    city.task("Task_HandleCityAppeal", "city-market-handler")
    assert "市长召集" in city.variables()["coordinationOpinion"]
    # the supervision timers run at the city too: a long-overdue appeal goes to the deputy leader
    city.fire_timer("BoundaryEvent_CityLongOverdue")
    city.task("Task_CoordinateByCityDeputy", "vice-mayor-resources")
    assert city.variables()["escalationTrigger"] == "overdue"


def test_each_level_sees_only_its_own_work(workers: EngineHandle) -> None:
    county, city = escalated_to_city(workers, "CITY-SEPARATE")
    city.task("Task_ProposeCityDispatch", "city-officer")
    for county_user in ("office-clerk", "office-director", "county-head", "land-handler", "supervisor"):
        assert city.refused(county_user, "Task_ProposeCityDispatch"), county_user
        assert not county.user(county_user).get("/process-instance", processDefinitionKey="CityAppeal"), county_user
    for city_user in ("city-officer", "city-director", "city-mayor", "city-land-handler"):
        assert not city.user(city_user).get("/process-instance", processDefinitionKey="EnterpriseAppeal"), city_user
        assert not city.user(city_user).tasks(processInstanceId=county.id), city_user
    assert city.user("city-officer").get("/process-instance", processDefinitionKey="CityAppeal")

    # a city department that is not responsible returns it; the city office proposes again
    propose_at_city(city, "city-dept-industry", "single")
    approve_at_city(city, "city-director")
    city.complete("Task_SignCityDispatch", "city-industry-handler", signDecision="return",
                  returnReason="用地指标不属本部门职责")
    city.task("Task_ProposeCityDispatch", "city-officer")
    assert city.variables()["returnReason"] == "用地指标不属本部门职责"
    assert county.waiting_at() == ["Event_CityResultReturned"], "the county keeps waiting for the city"


def test_city_numbers_stay_gap_free_when_two_counties_transfer_at_once(workers: EngineHandle) -> None:
    """Concurrent transfers from two counties into the city's one series: every number once, no gaps."""
    client = workers.admin
    started: list[str] = []
    errors: list[BaseException] = []

    def transfer(county: str, code: str, index: int) -> None:
        try:
            result = client.post("/message", {
                "messageName": "CityAppealTransferred", "resultEnabled": True,
                "businessKey": f"{county}服企办收（2026）第{index}号",
                "processVariables": {"countyName": {"value": county, "type": "String"},
                                     "cityCode": {"value": "city", "type": "String"},
                                     "countyCode": {"value": code, "type": "String"},
                                     "countyProcessInstanceId": {"value": f"none-{county}-{index}", "type": "String"},
                                     "countyRegistrationNumber": {"value": f"{county}-{index}", "type": "String"}}})
            started.append(result[0]["processInstance"]["id"])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    counties = (("某县", "mouxian"), ("乙县", "yixian"))  # the demo city's two counties (tenants)
    threads = [threading.Thread(target=transfer, args=(county, code, i)) for i in range(4) for county, code in counties]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(started) == 8

    def numbers() -> list[int] | None:
        found = []
        for pid in started:
            value = workers.admin.variables(pid).get("registrationNumber")
            if not value:
                return None
            found.append(int(CITY_NUMBER.match(value).group(1)))
        return found
    serials = sorted(wait_for(numbers, timeout=60, message="city numbers for all transfers"))
    assert serials == list(range(serials[0], serials[0] + 8)), serials
    assert {workers.admin.get(f"/process-instance/{pid}")["tenantId"] for pid in started} == {"city"}
    for pid in started:
        workers.admin.delete(f"/process-instance/{pid}?skipCustomListeners=true")
