"""The public pages (appeals.public) against the session's real engine: Flask's test client talks to it as
the technical user `appeals-public` and the real workers number and route the appeals. The pages with a
fake gateway and the shared helpers: tests/unit/test_public.py."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from appeals.camunda import CamundaError
from appeals.db import engine_for
from appeals.db.public_models import OnlineSubmission, SurveyAnswer
from appeals.org import DEMO_ORG, GROUP, PUBLIC_GRANTS, PUBLIC_GROUP, IdentitySync, load
from appeals.org.grants import TENANT
from appeals.public import create_app, follow_up_round, survey_link
from appeals.public.app import EXTENSION
from appeals.settings import PROJECT_ROOT

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, approve, dispatch_to, follow_up, propose, register_and_accept, report, sign
from ..unit.test_public import (
    PHONE,
    PUBLIC_PASSWORD,
    SECRET,
    VALID,
    form_of,
    make_app,
    post_form,
    public_settings,
    submit,
)


@pytest.fixture
def fake(tmp_path):
    return make_app(tmp_path)


# =========================================================================== end to end: real engine
@pytest.fixture(scope="module")
def public_app(workers: EngineHandle):
    """The app against the session's engine, as `appeals-public` created by IdentitySync."""
    sync = IdentitySync(workers.admin)
    chart = load(DEMO_ORG)  # the pages serve the counties (each a tenant), not the city
    sync.ensure_public_channel(PUBLIC_PASSWORD, tenants=[c.tenant for c in chart.all_counties()])
    app = create_app(public_settings(workers.settings))
    app.config["TESTING"] = True
    return app




def instance_of(engine: EngineHandle, token: str) -> str:
    found = engine.admin.get("/process-instance", businessKey=f"WEB-{token}")
    assert len(found) == 1
    return found[0]["id"]


def test_the_public_user_has_only_what_the_pages_need(public_app, workers: EngineHandle) -> None:
    grants = {(g["resourceType"], g["resourceId"]): set(g["permissions"])
              for g in workers.admin.get("/authorization", groupIdIn=PUBLIC_GROUP)}
    grants.pop((GROUP, PUBLIC_GROUP), None)  # the engine lets members read their own group
    for county in load(DEMO_ORG).all_counties():  # ... and the tenants they are members of: the counties
        assert grants.pop((TENANT, county.tenant)) == {"READ"}
    wanted: dict[tuple[int, str], set[str]] = {}
    for resource_type, resource_id, permissions in PUBLIC_GRANTS:
        wanted.setdefault((resource_type, resource_id), set()).update(permissions)
    assert grants == wanted
    public = workers.client("appeals-public", PUBLIC_PASSWORD)
    assert public.tasks() == [], "no task of any group"
    assert {u["id"] for u in public.get("/user")} == {"appeals-public"}, "sees itself, no staff"
    assert {g["id"] for g in public.get("/group")} <= {PUBLIC_GROUP}
    appeal = Appeal.start(workers, "PUBLIC-GRANTS-1")
    task = appeal.task("Task_VerifyAppeal", "admin")
    with pytest.raises(CamundaError) as refused:
        public.complete_task(task["id"], {"verifyNote": "x", "scopeDecision": "accept"})
    assert refused.value.status in (403, 404)
    with pytest.raises(CamundaError) as refused:
        public.deploy("intrusion", [("Intrusion.bpmn", (PROJECT_ROOT / "bpmn" / "EnterpriseAppeal.bpmn").read_bytes())])
    assert refused.value.status == 403
    with pytest.raises(CamundaError) as refused:
        public.post("/decision-definition/key/AppealRouting/evaluate", {"variables": {}})
    assert refused.value.status in (403, 404)


def test_valid_submission_starts_an_online_appeal_and_shows_its_registration_number(
        public_app, workers: EngineHandle) -> None:
    client = public_app.test_client()
    receipt, token = submit(client)
    pid = instance_of(workers, token)
    variables = workers.admin.variables(pid)
    number = variables["registrationNumber"]
    assert number.startswith("某县服企办收（") and number in receipt, receipt
    assert variables["channel"] == "online" and variables["externalId"] == f"WEB-{token}"
    assert variables["creditCode"] == VALID["creditCode"] and variables["contactPhone"] == PHONE
    assert variables["registrationValid"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", variables["receivedAt"])
    assert workers.admin.get(f"/process-instance/{pid}")["businessKey"] == f"WEB-{token}"
    # the office finds it in its own list
    office = workers.client("office-clerk")
    wait_for(lambda: office.tasks(processInstanceId=pid, taskDefinitionKey="Task_VerifyAppeal"),
             message="the office's verification task")
    with engine_for(workers.settings.ledger_url).connect() as conn:
        row = conn.execute(select(OnlineSubmission).where(OnlineSubmission.token == token)).one()
    assert row.status == "started" and row.process_instance_id == pid
    assert len(row.client_ip_hash) == 64 and "127.0.0.1" not in row.client_ip_hash


def test_invalid_submission_against_the_engine_starts_nothing(public_app, workers: EngineHandle) -> None:
    before = workers.admin.get("/process-instance/count", processDefinitionKey="EnterpriseAppeal")["count"]
    response = post_form(public_app.test_client(), "/appeal", {**VALID, "creditCode": "91140525MA0K2U7X4M"})
    assert response.status_code == 400 and "校验位不正确" in response.get_data(as_text=True)
    after = workers.admin.get("/process-instance/count", processDefinitionKey="EnterpriseAppeal")["count"]
    assert after == before


def test_lookup_needs_the_right_phone_and_shows_no_internal_notes(public_app, workers: EngineHandle) -> None:
    client = public_app.test_client()
    _receipt, token = submit(client, contactPhone="0356-6012345")
    pid = instance_of(workers, token)
    number = wait_for(lambda: workers.admin.variables(pid).get("registrationNumber"), message="number")

    right = post_form(client, "/lookup", {"number": number, "phone": "0356 6012345"})
    body = right.get_data(as_text=True)
    assert right.status_code == 200 and "已登记，正在核实情况" in body and number in body
    assert "0356" not in body and VALID["enterpriseName"] not in body, "no contact or enterprise data on the page"
    by_token = post_form(client, "/lookup", {"number": token.lower(), "phone": "03566012345"})
    assert by_token.status_code == 200 and number in by_token.get_data(as_text=True)

    wrong = post_form(client, "/lookup", {"number": number, "phone": "13900000000"})
    unknown = post_form(client, "/lookup", {"number": "某县服企办收（1999）第9999号", "phone": "0356-6012345"})
    assert wrong.status_code == unknown.status_code == 404
    message = "未查询到与该编号和联系电话相符的诉求"
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert number not in wrong.get_data(as_text=True).replace(f'value="{number}"', "")

    # dispatched, handled, reported: department, due date and reply show; internal notes never do
    # (dept-power-supply: test_foundation expects no task of dept-industry before it runs)
    appeal = Appeal(workers, pid)
    appeal.complete("Task_VerifyAppeal", "office-clerk", verifyNote="内部核实记录：企业负责人态度", scopeDecision="accept")
    propose(appeal, "dept-power-supply")
    approve(appeal, "office-director", comment="内部批示：尽快办理")
    sign(appeal, "power-handler")
    appeal.task("Task_HandleAppeal", "power-handler")
    handling = post_form(client, "/lookup", {"number": number, "phone": "0356-6012345"}).get_data(as_text=True)
    assert "县供电公司" in handling and "办结时限" in handling
    report(appeal, "power-handler")
    appeal.task("Task_FollowUp", "office-clerk")
    reported = post_form(client, "/lookup", {"number": number, "phone": "0356-6012345"}).get_data(as_text=True)
    assert "已协调解决并书面答复企业" in reported and "已经解决或基本解决" in reported
    for secret_text in ("内部核实记录", "内部批示", "建议交办", "张三"):
        assert secret_text not in reported, secret_text


def test_survey_link_answers_the_follow_up_once(public_app, workers: EngineHandle) -> None:
    client = public_app.test_client()
    _receipt, token = submit(client)
    appeal = Appeal(workers, instance_of(workers, token))
    dispatch_to(appeal, "dept-power-supply", "power-handler")
    report(appeal, "power-handler")
    follow_up_task = appeal.task("Task_FollowUp", "office-clerk")
    link = survey_link(appeal.id, follow_up_round(appeal.variables()), "http://public.test", secret=SECRET)
    path = link.removeprefix("http://public.test")

    page = client.get(path)
    assert page.status_code == 200 and "问题是否真实解决" in page.get_data(as_text=True)
    assert "已协调解决并书面答复企业" in page.get_data(as_text=True)
    invalid = post_form(client, path, {"reallySolved": "maybe", "satisfaction": "satisfied"})
    assert invalid.status_code == 400 and "请选择问题是否真实解决" in invalid.get_data(as_text=True)
    hidden = form_of(client.get(path).get_data(as_text=True))
    answered = client.post(path, data={**hidden, "reallySolved": "yes", "satisfaction": "very_satisfied",
                                       "note": "办理及时，感谢！"})
    assert answered.status_code == 200 and "评价已提交" in answered.get_data(as_text=True)

    appeal.wait_until_ended()
    assert workers.admin.get("/history/task", taskId=follow_up_task["id"])[0]["endTime"]
    variables = {v["name"]: v for v in workers.admin.get("/history/variable-instance", processInstanceId=appeal.id,
                                                         deserializeValues="false")}
    recorded = json.loads(variables["followUpHistory"]["value"])
    assert recorded[-1]["method"] == "online" and recorded[-1]["satisfaction"] == "very_satisfied"
    assert recorded[-1]["note"] == "办理及时，感谢！"
    assert variables["closeReason"]["value"] == "satisfied"

    again = client.get(path)
    assert again.status_code == 200 and "已评价，感谢" in again.get_data(as_text=True)
    second = client.post(path, data={**hidden, "reallySolved": "no", "satisfaction": "dissatisfied"})
    assert second.status_code == 409 and "已评价，感谢" in second.get_data(as_text=True)
    with engine_for(workers.settings.ledger_url).connect() as conn:
        rows = conn.execute(select(SurveyAnswer).where(SurveyAnswer.process_instance_id == appeal.id)).all()
    assert [(r.follow_up_round, r.status) for r in rows] == [(1, "answered")]


def test_survey_link_before_the_follow_up_or_of_a_past_round_is_refused(public_app, workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "PUBLIC-SURVEY-EARLY")
    register_and_accept(appeal)
    appeal.task("Task_ProposeDispatch", "office-clerk")
    client = public_app.test_client()
    early = survey_link(appeal.id, 1, "", secret=SECRET)
    page = client.get(early)
    assert page.status_code == 200 and "暂无需评价" in page.get_data(as_text=True)
    refused = post_form(client, early, {"reallySolved": "yes", "satisfaction": "satisfied"}, token_from="/lookup")
    assert refused.status_code == 409
    assert appeal.waiting_at() == ["Task_ProposeDispatch"]
    # round 1 was answered by phone; the link of round 1 is over, the appeal went to rework
    propose(appeal, "dept-power-supply")
    approve(appeal, "office-director")
    sign(appeal, "power-handler")
    report(appeal, "power-handler")
    follow_up(appeal, satisfaction="dissatisfied", solved="no")
    appeal.task("Task_ReworkAppeal", "power-handler")
    past = post_form(client, early, {"reallySolved": "yes", "satisfaction": "satisfied"}, token_from="/lookup")
    assert past.status_code == 409 and "本轮回访已完成" in past.get_data(as_text=True)


def test_lookup_names_who_handles_the_appeal_at_each_stage(public_app, workers: EngineHandle) -> None:
    """Tester 5 F6: taken up to the city, the lookup named the county's department (县自然资源局) while the city
    handled it. It names the city's office until the city dispatches, then the city department with its due
    date, the county's department again when the city's result comes back, and the city department during
    a round after a dissatisfied follow-up."""
    from appeals.demo import DEMO_APPEALS
    from appeals.documents.values import format_date

    from .test_city import approve_at_city, escalated_to_city, propose_at_city, sign_at_city
    from .test_city_rounds import city_round_of

    client = public_app.test_client()
    phone = DEMO_APPEALS[0]["contactPhone"]
    county, city = escalated_to_city(workers, "PUBLIC-AT-CITY")
    number = county.variables()["registrationNumber"]

    def page() -> tuple[str, str]:
        # this test polls the lookup far more often than a visitor may (the module's app, one client IP):
        # the limit is not what it is about, so each lookup starts with an empty count
        public_app.extensions[EXTENSION].limiter.reset()
        response = post_form(client, "/lookup", {"number": number, "phone": phone})
        assert response.status_code == 200, response.status_code
        body = response.get_data(as_text=True)
        found = re.search(r'id="progress-department">([^<]*)<', body)
        return (found.group(1) if found else ""), body

    wait_for(lambda: page()[0] == "市企业服务中心", message="the city's office named")
    assert "县自然资源局" not in page()[1] and "办结时限" not in page()[1], "no county department, no county due date"

    propose_at_city(city, "city-dept-natural-resources", "single")
    approve_at_city(city, "city-director")
    city.task("Task_SignCityDispatch", "city-land-handler")
    wait_for(lambda: page()[0] == "市自然资源局", message="the city department named")
    department, body = page()
    assert f"办结时限</dt><dd>{format_date(city.variables()['handlingDue'], with_time=True)}" in body, re.findall(r"办结时限</dt><dd>[^<]*", body)
    assert "已转报市级部门办理" in body

    sign_at_city(city, "city-land-handler", "李四")
    city.complete("Task_HandleCityAppeal", "city-land-handler", handlingAction="report", resultClass="A",
                  replyText="市里统筹调剂用地指标，已书面答复企业", replyMethod="written")
    county.task("Task_HandleAppeal", "land-handler")
    department, body = page()
    assert department == "县自然资源局", "the county's department replies with the city's result"
    assert f"办结时限</dt><dd>{format_date(county.variables()['handlingDue'], with_time=True)}" in body

    report(county, "land-handler", "A")
    follow_up(county, satisfaction="dissatisfied", solved="no")
    rework = city_round_of(workers, county, 1)
    rework.task("Task_ReworkCityAppeal", "city-land-handler")
    wait_for(lambda: county.variables().get("cityHandlingDue"), message="the round's due date told to the county")
    department, body = page()
    assert department == "市自然资源局", "the city department reworks it"
    assert f"办结时限</dt><dd>{format_date(rework.variables()['cityRoundDue'], with_time=True)}" in body

    rework.complete("Task_ReworkCityAppeal", "city-land-handler", revisedResultClass="A",
                    revisedReplyText="市自然资源局重新协调，指标已下达，已再次书面答复企业")
    county.task("Task_FollowUp", "office-clerk")
    assert page()[0] == "县自然资源局"
    assert not county.variables().get("cityHandlingDepartmentName")
    follow_up(county)
    county.wait_until_ended()
