"""Several counties under one city (docs/city-level.md): each county a Camunda tenant, the city another.

A county's staff see and work only their county's appeals (task, process-instance and history
queries; claim and complete are refused), each county numbers in its own series, an appeal of the
second county reaches the city and comes back with the city's result, and operators see the tenant
of every instance (the `tenantId` Cockpit shows)."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from appeals.camunda import CamundaError
from appeals.dashboard.access import Refused, viewer_of
from appeals.db import engine_for, upgrade
from appeals.demo import DEMO_APPEALS
from appeals.ledger import Period, produce_report
from appeals.ledger.city import city_figures
from appeals.numbering import issue_number, series_kind
from appeals.org import DEMO_ORG, OrgChart, load
from appeals.workdays import SHANGHAI

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal

A_NUMBER = re.compile(r"^某县服企办收（\d{4}）第(\d+)号$")
B_NUMBER = re.compile(r"^乙县服企办收（\d{4}）第(\d+)号$")
B_APPEAL = {**DEMO_APPEALS[2], "enterpriseName": "乙县丰泽矿业有限公司", "creditCode": "91530900MA6K4P2Q1M",
            "enterpriseAddress": "乙县工业园区"}


def start_in_b(workers: EngineHandle, key: str, **overrides: Any) -> Appeal:
    """An appeal registered by 乙县's office in Tasklist: the clerk's one county gives its tenant."""
    started = workers.client("yx-office-clerk").start_process("EnterpriseAppeal", {**B_APPEAL, **overrides},
                                                              business_key=key)
    return Appeal(workers, started["id"])


def refused_to(appeal: Appeal, user: str, key: str) -> None:
    """`user` neither sees the open task `key` (by id or by query) nor can claim or complete it."""
    task = appeal.task(key, "admin")
    client = appeal.user(user)
    assert not client.tasks(processInstanceId=appeal.id), f"{user} sees {key}"
    assert not client.tasks(taskId=task["id"]), f"{user} finds {key} by its id"
    for attempt in (lambda: client.claim(task["id"], user), lambda: client.complete_task(task["id"], {})):
        with pytest.raises(CamundaError) as refused:
            attempt()
        assert refused.value.status in (403, 404), (user, refused.value.status, refused.value.message)
    assert appeal.task(key, "admin")["id"] == task["id"] and not appeal.task(key, "admin").get("assignee")


def invisible_to(appeal: Appeal, user: str) -> None:
    """`user` finds the instance neither at runtime nor in history (instances, tasks, variables)."""
    client = appeal.user(user)
    assert not client.get("/process-instance", processInstanceIds=appeal.id), user
    assert not client.get("/history/process-instance", processInstanceId=appeal.id), user
    assert not client.get("/history/task", processInstanceId=appeal.id), user
    assert not client.get("/history/variable-instance", processInstanceId=appeal.id), user


def test_the_demo_chart_is_one_city_with_two_counties() -> None:
    chart = load(DEMO_ORG)
    assert chart.tenants() == {"mouxian": "某县", "yixian": "乙县", "city": "某市"}
    b = chart.for_tenant("yixian")
    assert (b.county, b.number_prefix, b.number_series) == ("乙县", "乙县", "yixian")
    assert chart.for_tenant("mouxian") is chart and chart.number_series is None
    # the roles are the same groups, each county's own people and its own oversight
    assert b.deputy_for("dept-natural-resources").id == "deputy-head-industry"
    assert chart.deputy_for("dept-natural-resources").id == "deputy-head-resources"
    assert {u.id for u in b.users}.isdisjoint({u.id for u in chart.users})
    assert [g.id for g in b.of_kind("city-center")] == ["city-center"]


def test_the_dashboard_shows_each_countys_office_its_own_county() -> None:
    chart = load(DEMO_ORG)
    assert viewer_of("office-clerk", ["office"], chart).kinds == ("office",)
    assert viewer_of("office-clerk", ["office"], chart).tenant == "mouxian"
    assert viewer_of("yx-office-clerk", ["office"], chart).tenant == "yixian"  # issue 19: no longer refused
    with pytest.raises(Refused) as refused:
        viewer_of("yx-land-handler", ["dept-natural-resources"], chart)
    assert refused.value.status == 403
    assert "admin" in viewer_of("sysadmin", ["admin", "camunda-admin"], chart).kinds


def test_each_county_sees_and_works_only_its_own_appeals(workers: EngineHandle) -> None:
    a = Appeal.start(workers, "TENANT-A")
    b1 = start_in_b(workers, "TENANT-B1")
    b2 = start_in_b(workers, "TENANT-B2")

    # operators see each instance's county (Cockpit shows the tenant id)
    for appeal, tenant in ((a, "mouxian"), (b1, "yixian"), (b2, "yixian")):
        assert workers.admin.get(f"/process-instance/{appeal.id}")["tenantId"] == tenant
    a.task("Task_VerifyAppeal", "office-clerk")
    b1.task("Task_VerifyAppeal", "yx-office-clerk")
    b2.task("Task_VerifyAppeal", "yx-office-clerk")
    assert b1.variables()["countyName"] == "乙县"

    # 乙县 numbers in its own series: consecutive, whatever 某县 issued meanwhile
    a_serial = int(A_NUMBER.match(a.variables()["registrationNumber"]).group(1))
    b_serials = sorted(int(B_NUMBER.match(x.variables()["registrationNumber"]).group(1)) for x in (b1, b2))
    assert b_serials[1] == b_serials[0] + 1, b_serials
    a_next = Appeal.start(workers, "TENANT-A2")
    a_next.task("Task_VerifyAppeal", "office-clerk")
    assert int(A_NUMBER.match(a_next.variables()["registrationNumber"]).group(1)) > a_serial

    # the office of the other county: a candidate by group (`office` is a role of both), refused by tenant
    refused_to(a, "yx-office-clerk", "Task_VerifyAppeal")
    refused_to(b1, "office-clerk", "Task_VerifyAppeal")
    invisible_to(a, "yx-office-clerk")
    invisible_to(b1, "office-clerk")
    for user in ("yx-office-director", "yx-county-head", "yx-supervisor"):
        invisible_to(a, user)
    for user in ("office-director", "county-head", "supervisor"):
        invisible_to(b1, user)
    # each county's oversight still sees its own
    assert workers.client("yx-office-director").get("/process-instance", processInstanceIds=b1.id)
    assert workers.client("office-director").get("/process-instance", processInstanceIds=a.id)

    # dispatch inside 乙县: its own departments, its own director approves, its department signs
    b1.complete("Task_VerifyAppeal", "yx-office-clerk", verifyNote="已核实", scopeDecision="accept", category="land")
    b1.task("Task_ProposeDispatch", "yx-office-clerk")
    options = {o["value"] for o in b1.variables()["departmentOptions"]}
    assert options == {"dept-industry", "dept-finance", "dept-natural-resources", "dept-market-regulation"}
    b1.complete("Task_ProposeDispatch", "yx-office-clerk", leadDepartment="dept-natural-resources",
                assistingDepartments=[], dispatchSituation="single", dispatchNote="建议交办")
    b1.task("Task_ApproveDispatch", "yx-office-director")
    refused_to(b1, "office-director", "Task_ApproveDispatch")
    b1.complete("Task_ApproveDispatch", "yx-office-director", approvalDecision="approve", approvalComment="同意")
    b1.task("Task_SignDispatch", "yx-land-handler")
    refused_to(b1, "land-handler", "Task_SignDispatch")
    assert b1.variables()["dispatchNumber"].startswith("乙县服企办交（")
    assert b1.variables()["handlerGroupName"] == "乙县自然资源局"
    for appeal in (a, a_next, b1, b2):
        workers.admin.delete(f"/process-instance/{appeal.id}?skipCustomListeners=true")


def test_a_refusal_by_the_tenant_alone_is_a_403_that_names_no_secret(workers: EngineHandle) -> None:
    """乙县's office is a candidate group of 某县's task (`office` is a role of both) and has the permission;
    only the tenant check refuses it: claim, complete and the variables by id answer 403 (not the engine's
    500) with a message that names the user and the refusal, nothing of 某县's appeal; 某县's office works it."""
    a = Appeal.start(workers, "TENANT-403")
    task = a.task("Task_VerifyAppeal", "office-clerk")
    secrets = ("mouxian", "某县", DEMO_APPEALS[0]["enterpriseName"], DEMO_APPEALS[0]["contactPhone"], "TENANT-403")
    client = a.user("yx-office-clerk")
    attempts = {
        "claim": lambda: client.claim(task["id"], "yx-office-clerk"),
        "complete": lambda: client.complete_task(task["id"], {"verifyNote": "乙县核实", "scopeDecision": "accept"}),
        "task variables": lambda: client.get(f"/task/{task['id']}/variables"),
        "one task variable": lambda: client.get(f"/task/{task['id']}/variables/enterpriseName"),
        "instance variables": lambda: client.get(f"/process-instance/{a.id}/variables"),
    }
    for name, attempt in attempts.items():
        with pytest.raises(CamundaError) as refused:
            attempt()
        error = refused.value
        assert (error.status, error.type) == (403, "AuthorizationException"), (name, error)
        assert "'yx-office-clerk' is no member of the tenant" in error.message, (name, error.message)
        assert not [s for s in secrets if s in error.message], (name, error.message)
    assert not a.task("Task_VerifyAppeal", "admin").get("assignee")

    # a missing permission stays the engine's own 403 (authorization is checked first)
    with pytest.raises(CamundaError) as unauthorized:
        a.user("city-land-handler").complete_task(task["id"], {})
    assert unauthorized.value.status == 403 and "tenant" not in unauthorized.value.message

    # 某县's own office still works it
    own = a.user("office-clerk")
    assert own.get(f"/task/{task['id']}/variables")["enterpriseName"]["value"] == DEMO_APPEALS[0]["enterpriseName"]
    a.complete("Task_VerifyAppeal", "office-clerk", verifyNote="已核实", scopeDecision="accept")
    a.task("Task_ProposeDispatch", "office-clerk")


def test_an_appeal_of_the_second_county_goes_to_the_city_and_comes_back(workers: EngineHandle, tmp_path: Path) -> None:
    b = start_in_b(workers, "TENANT-B-CITY", category="land")
    b.complete("Task_VerifyAppeal", "yx-office-clerk", verifyNote="已核实", scopeDecision="accept")
    b.complete("Task_ProposeDispatch", "yx-office-clerk", leadDepartment="dept-natural-resources",
               assistingDepartments=[], dispatchSituation="single", dispatchNote="建议交办")
    b.complete("Task_ApproveDispatch", "yx-office-director", approvalDecision="approve", approvalComment="同意")
    b.complete("Task_SignDispatch", "yx-land-handler", signDecision="sign", handlerName="赵六", enterpriseContacted=True)
    b.complete("Task_HandleAppeal", "yx-land-handler", handlingAction="escalate",
               escalationReason="跨县用地指标调剂，县级无法解决")
    # 乙县's chain: the deputy overseeing its land bureau in 乙县's chart, then 乙县's head
    b.task("Task_CoordinateByDeputy", "yx-deputy-industry")
    assert b.variables()["escalationDeputyGroup"] == "deputy-head-industry"
    b.complete("Task_CoordinateByDeputy", "yx-deputy-industry", coordinationDecision="pass_up",
               coordinationOpinion="需县长协调")
    refused_to(b, "county-head", "Task_CoordinateByCountyHead")  # 某县's head: same role, other county
    b.complete("Task_CoordinateByCountyHead", "yx-county-head", coordinationDecision="pass_up",
               coordinationOpinion="超出县级权限，转报市级")

    found = wait_for(lambda: workers.admin.get("/process-instance", processDefinitionKey="CityAppeal",
                                               variables=f"countyProcessInstanceId_eq_{b.id}"),
                     message=f"the city's instance (county at {b.waiting_at()})")
    city = Appeal(workers, found[0]["id"])
    assert found[0]["tenantId"] == "city"
    assert b.variables()["transferNumber"].startswith("乙县服企办报（")
    city.task("Task_ProposeCityDispatch", "city-officer")
    variables = city.variables()
    assert (variables["countyName"], variables["countyCode"]) == ("乙县", "yixian")
    assert variables["registrationNumber"].startswith("某市服企办收（")
    for county_user in ("yx-office-clerk", "yx-county-head", "office-clerk"):
        refused_to(city, county_user, "Task_ProposeCityDispatch")
        invisible_to(city, county_user)
    invisible_to(b, "city-officer")

    city.complete("Task_ProposeCityDispatch", "city-officer", leadDepartment="city-dept-natural-resources",
                  assistingDepartments=[], citySituation="single", dispatchNote="建议市自然资源局牵头")
    city.complete("Task_ApproveCityDispatch", "city-director", approvalDecision="approve", approvalComment="同意交办")
    city.complete("Task_SignCityDispatch", "city-land-handler", signDecision="sign", handlerName="李四",
                  enterpriseContacted=True)
    city.complete("Task_HandleCityAppeal", "city-land-handler", handlingAction="report", resultClass="A",
                  replyText="市里统筹调剂用地指标，已书面答复企业", replyMethod="written")
    city.wait_until_ended()

    # back in 乙县: its department replies with the city's result, its office follows up and closes
    b.task("Task_HandleAppeal", "yx-land-handler")
    assert b.variables()["cityRegistrationNumber"] == variables["registrationNumber"]
    b.complete("Task_HandleAppeal", "yx-land-handler", handlingAction="report", resultClass="A",
               replyText="市里统筹调剂用地指标，已书面答复企业", replyMethod="written")
    refused_to(b, "office-clerk", "Task_FollowUp")
    b.complete("Task_FollowUp", "yx-office-clerk", followUpMethod="phone", reallySolved="yes",
               satisfaction="satisfied", followUpNote="电话回访企业")
    b.wait_until_ended()
    assert b.variables_history("appealStatus") == "closed"

    today = dt.datetime.now(SHANGHAI)
    lines = {line.county: line for line in city_figures(workers.admin, today - dt.timedelta(days=1),
                                                          today + dt.timedelta(days=1))}
    assert city.id in lines["乙县"].transferred and city.id in lines["乙县"].answered

    # the monthly bulletin's city section compares the counties with what this test did
    period = Period.containing(today.date(), "month")
    produced = produce_report(engine_for(workers.settings.ledger_url), period, tmp_path, as_of=today,
                              city=city_figures(workers.admin, period.start_at, period.end_at))
    doc = Document(io.BytesIO(produced.bulletin.read()))
    assert any("市级转报办理情况（各县比较）" in p.text for p in doc.paragraphs)
    [table] = [t for t in doc.tables if t.rows[0].cells[0].text == "县（区）"]
    rows = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in table.rows[1:]}
    line = {x.county: x for x in city_figures(workers.admin, period.start_at, period.end_at)}["乙县"]
    assert rows["乙县"][:3] == [str(len(line.transferred)), str(len(line.answered)), str(line.open)]
    assert int(rows["乙县"][1]) >= 1 and "合计" in rows


def test_each_county_numbers_in_its_own_gap_free_series_under_threads(fresh_database_url: str) -> None:
    upgrade(fresh_database_url)
    engine = engine_for(fresh_database_url)
    chart = load(DEMO_ORG)
    issued: dict[str, list[str]] = {"某县": [], "乙县": []}
    lock = threading.Lock()

    def issue(county: OrgChart, owner: str) -> None:
        number = issue_number(engine, "registration", owner, county.number_prefix, series=county.number_series)
        with lock:
            issued[county.county].append(number)

    threads = [threading.Thread(target=issue, args=(county, f"{county.tenant}-{i}"))
               for i in range(8) for county in chart.all_counties()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for county, pattern in (("某县", A_NUMBER), ("乙县", B_NUMBER)):
        assert sorted(int(pattern.match(n).group(1)) for n in issued[county]) == list(range(1, 9)), county
    b = chart.for_tenant("yixian")
    # a redelivered task gets the number it has; the series key is the county's
    assert issue_number(engine, "registration", "yixian-0", b.number_prefix, series=b.number_series) in issued["乙县"]
    assert series_kind("registration", b.number_series) == "registration@yixian"


def _rename_supervision(county: dict[str, Any], new_id: str) -> None:
    """乙县's supervision group under the id of 某县's department `new_id`."""
    for group in county["groups"]:
        if group["kind"] == "supervision":
            group["id"] = new_id
    for user in county["users"]:
        user["groups"] = [new_id if g == "supervision" else g for g in user["groups"]]


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("tenant"), "'tenant' and 'city_tenant' are required"),
    (lambda d: d["counties"][0].update(tenant="mouxian"), "'tenant' is missing or used twice"),
    (lambda d: d["counties"][0]["users"].append({"id": "office-clerk", "name": "重名", "groups": ["office"]}),
     "user 'office-clerk' is defined in two counties"),
    (lambda d: _rename_supervision(d["counties"][0], "dept-hr"), "group 'dept-hr' is a department elsewhere"),
    (lambda d: d["counties"][0]["groups"].append({"id": "city-dept-x", "kind": "city-department", "name": "错"}),
     "is the city's or an administrator's"),
])
def test_a_chart_with_counties_is_checked(change, message: str) -> None:
    import copy

    import yaml

    from appeals.org import OrgChartError, parse

    data = copy.deepcopy(yaml.safe_load(DEMO_ORG.read_text(encoding="utf-8")))
    change(data)
    with pytest.raises(OrgChartError, match=re.escape(message)):
        parse(data)
