"""The foundation against the real engine: security, deployment, org chart, one appeal end to end."""

from __future__ import annotations

from pathlib import Path

import requests
from click.testing import CliRunner

from appeals.camunda import CamundaError
from appeals.cli import main
from appeals.demo import DEMO_APPEALS
from appeals.deploy import deploy
from appeals.org import DEMO_ORG

from ..conftest import EngineHandle, wait_for


def test_rest_refuses_anonymous_and_wrong_credentials(engine: EngineHandle) -> None:
    url = engine.settings.engine.url
    for path in ("/engine", "/version", "/process-definition", "/task", "/deployment"):
        assert requests.get(url + path, timeout=5).status_code == 401, path
    assert requests.get(url + "/engine", auth=engine.settings.engine.require_admin(), timeout=5).status_code == 200
    # a wrong password is refused (a made-up user: Camunda delays the next login of a real one)
    assert requests.get(url + "/engine", auth=("intruder", "guess"), timeout=5).status_code == 401


def test_webapps_show_only_the_login_page_anonymously(engine: EngineHandle) -> None:
    page = requests.get(engine.base_url + "/camunda/app/tasklist/", timeout=5)
    assert page.status_code == 200 and "camunda" in page.text.lower()
    api = requests.get(engine.base_url + "/camunda/api/engine/engine/default/task", timeout=5)
    assert api.status_code in (401, 403)


def test_deploy_twice_creates_no_new_version(deployed: EngineHandle) -> None:
    admin = deployed.admin
    before = admin.get("/process-definition/count", key="EnterpriseAppeal")["count"]
    deployments = admin.get("/deployment/count")["count"]
    result = CliRunner().invoke(main, ["deploy"], catch_exceptions=False)
    assert result.exit_code == 0 and "unchanged" in result.output
    assert admin.get("/process-definition/count", key="EnterpriseAppeal")["count"] == before
    assert admin.get("/deployment/count")["count"] == deployments
    # all models live in ONE deployment, so formRefBinding="deployment" finds the forms
    definition = admin.get("/process-definition/key/EnterpriseAppeal")
    resources = {r["name"] for r in admin.get(f"/deployment/{definition['deploymentId']}/resources")}
    assert {"EnterpriseAppeal.bpmn", "AppealRegistrationForm.form", "HandleAppealForm.form"} <= resources


def _probe_models(root: Path, note: str) -> Path:
    """A one-process model set: the runtime probe renamed, with a topic no worker serves (it waits)."""
    xml = (Path(__file__).resolve().parents[1] / "fixtures" / "RuntimeProbe.bpmn").read_text(encoding="utf-8")
    xml = (xml.replace('id="RuntimeProbe"', 'id="MigrationProbe"').replace('bpmnElement="RuntimeProbe"',
                                                                          'bpmnElement="MigrationProbe"')
           .replace('camunda:topic="runtimeProbe"', 'camunda:topic="migrationProbe"'))
    (root / "bpmn").mkdir(parents=True)
    (root / "bpmn" / "MigrationProbe.bpmn").write_text(f"{xml}\n<!-- {note} -->\n", encoding="utf-8")
    return root


def test_a_new_version_takes_over_the_running_instances(deployed: EngineHandle, tmp_path: Path) -> None:
    """Deploying a new version moves the instances waiting in older ones to it (docs/rules.md)."""
    admin = deployed.admin
    first = deploy(admin, _probe_models(tmp_path / "v1", "first"), name="migration-probe")
    assert first.created and not first.migrations
    instance = admin.start_process("MigrationProbe")["id"]
    old = admin.get(f"/process-instance/{instance}")["definitionId"]
    second = deploy(admin, _probe_models(tmp_path / "v2", "second"), name="migration-probe")
    assert second.created
    [moved] = second.migrations
    assert moved.error is None and moved.instances >= 1 and moved.target == second.process_definitions[0]
    now_on = admin.get(f"/process-instance/{instance}")["definitionId"]
    assert now_on != old and now_on == admin.get("/process-definition/key/MigrationProbe")["id"]
    [task] = admin.get("/external-task", processInstanceId=instance)
    assert task["activityId"] == "Task_Probe" and task["processDefinitionId"] == now_on


def test_org_sync_is_idempotent_and_grants_what_groups_need(deployed: EngineHandle) -> None:
    result = CliRunner().invoke(main, ["org", "sync", str(DEMO_ORG)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "0 created, 0 updated" in result.output
    admin = deployed.admin
    members = {u["id"] for u in admin.get("/user", memberOfGroup="deputy-head-industry")}
    # the role's group: 某县's and 乙县's deputy (each confined to the county by its tenant)
    assert members == {"deputy-industry", "yx-deputy-industry"}
    tenants = {t["id"] for t in admin.get("/tenant", userMember="deputy-industry")}
    assert tenants == {"mouxian"} and {t["id"] for t in admin.get("/tenant", userMember="yx-deputy-industry")} == {"yixian"}
    # the city's staff: the city's tenant, and the counties' for what a county dispatches straight to them
    assert {t["id"] for t in admin.get("/tenant", userMember="city-officer")} == {"city", "mouxian", "yixian"}
    assert {t["id"] for t in admin.get("/tenant", groupMember="workers")} == {"mouxian", "yixian", "city"}
    grants = admin.get("/authorization", groupIdIn="dept-industry", resourceType=7, resourceId="*")
    assert grants == [], "a department has no global permission on tasks"
    # the office reads every task and instance of the county's appeals, per definition, so it does not
    # see the city's (docs/city-level.md)
    office = admin.get("/authorization", groupIdIn="office", resourceType=6, resourceId="EnterpriseAppeal")
    assert office and {"READ_TASK", "READ_INSTANCE"} <= set(office[0]["permissions"])
    assert not admin.get("/authorization", groupIdIn="office", resourceType=6, resourceId="CityAppeal")
    # the office may use Tasklist and Cockpit, a department only Tasklist
    clerk = deployed.client("office-clerk")
    handler = deployed.client("industry-handler")
    assert clerk.get("/authorization/check", permissionName="ACCESS", resourceName="Application",
                     resourceType=0, resourceId="cockpit")["authorized"]
    assert not handler.get("/authorization/check", permissionName="ACCESS", resourceName="Application",
                           resourceType=0, resourceId="cockpit")["authorized"]


def test_appeal_end_to_end_with_group_isolation(workers: EngineHandle) -> None:
    office = workers.client("office-clerk")
    industry = workers.client("industry-handler")
    finance = workers.client("finance-handler")

    started = office.start_process("EnterpriseAppeal", DEMO_APPEALS[0], business_key="E2E-001")
    pid = started["id"]

    # the workers validate and number the appeal; the office gets its task
    verify = wait_for(lambda: office.tasks(processInstanceId=pid, taskDefinitionKey="Task_VerifyAppeal"),
                      message="the office's verification task")[0]
    assert verify["due"], "every user task shows a due date"
    variables = office.variables(pid)
    assert variables["registrationNumber"].startswith("某县服企办收（")
    assert variables["receivedBy"] == "office-clerk"
    assert industry.tasks(processInstanceId=pid) == [], "nobody outside the office sees the office's task"
    office.claim(verify["id"], "office-clerk")
    office.complete_task(verify["id"], {"verifyNote": "已电话核实", "scopeDecision": "accept"})

    propose = wait_for(lambda: office.tasks(processInstanceId=pid, taskDefinitionKey="Task_ProposeDispatch"),
                       message="the dispatch proposal")[0]
    assert {o["value"] for o in office.variables(pid)["departmentOptions"]} >= {"dept-industry", "dept-finance"}
    office.claim(propose["id"], "office-clerk")
    office.complete_task(propose["id"], {"leadDepartment": "dept-industry", "assistingDepartments": [],
                                         "dispatchSituation": "single", "dispatchNote": "工信局牵头"})
    director = workers.client("office-director")
    approval = wait_for(lambda: director.tasks(processInstanceId=pid), message="the director's approval")[0]
    director.claim(approval["id"], "office-director")
    director.complete_task(approval["id"], {"approvalDecision": "approve", "approvalComment": "同意"})

    # the lead department sees and works its task; another department neither sees nor completes it
    sign = wait_for(lambda: industry.tasks(processInstanceId=pid), message="the department's task")[0]
    assert sign["taskDefinitionKey"] == "Task_SignDispatch"
    assert finance.tasks(processInstanceId=pid) == []
    try:
        finance.complete_task(sign["id"], {"signDecision": "sign"})
        raise AssertionError("another department completed the task")
    except CamundaError as exc:
        assert exc.status in (403, 404)
    try:
        finance.get(f"/process-instance/{pid}/variables")
        raise AssertionError("another department read the appeal")
    except CamundaError as exc:
        assert exc.status in (403, 404)
    industry.claim(sign["id"], "industry-handler")
    industry.complete_task(sign["id"], {"signDecision": "sign", "handlerName": "李四"})
    handle = wait_for(lambda: industry.tasks(processInstanceId=pid, taskDefinitionKey="Task_HandleAppeal"),
                      message="the handling task")[0]
    industry.claim(handle["id"], "industry-handler")
    industry.complete_task(handle["id"], {"handlingAction": "report", "resultClass": "A", "replyText": "已办结"})
    follow = wait_for(lambda: office.tasks(processInstanceId=pid, taskDefinitionKey="Task_FollowUp"),
                      message="the follow-up")[0]
    office.claim(follow["id"], "office-clerk")
    office.complete_task(follow["id"], {"reallySolved": "yes", "satisfaction": "satisfied", "followUpNote": "满意"})
    history = wait_for(lambda: (h := workers.admin.get(f"/history/process-instance/{pid}"))["state"] == "COMPLETED" and h,
                       message="the end")
    assert history["state"] == "COMPLETED"


def test_registration_numbers_are_sequential(workers: EngineHandle) -> None:
    office = workers.client("office-clerk")
    pids = [office.start_process("EnterpriseAppeal", DEMO_APPEALS[1], business_key=f"SEQ-{i}")["id"] for i in range(3)]

    def numbers():
        values = [office.variables(pid).get("registrationNumber") for pid in pids]
        return values if all(values) else None

    serials = sorted(int(n.split("第")[1].rstrip("号")) for n in wait_for(numbers, message="numbers"))
    assert serials == list(range(serials[0], serials[0] + 3))


def test_the_engine_and_the_workers_use_the_session_databases(deployed: EngineHandle, request) -> None:
    """APPEALS_TEST_DB=postgresql runs both databases on PostgreSQL, as docker-compose.yml does."""
    from sqlalchemy import create_engine, text

    from appeals.db import engine_for

    from ..databases import test_database_mode

    app_db = engine_for(deployed.settings.ledger_url)
    if test_database_mode() == "postgresql":
        assert app_db.dialect.name == "postgresql"
        server = request.getfixturevalue("postgres")
        camunda = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{server.port}/camunda")
        with camunda.connect() as conn:
            deployments = conn.execute(text("SELECT count(*) FROM act_re_deployment")).scalar_one()
        camunda.dispose()
        assert deployments >= 1, "the engine wrote its deployments to PostgreSQL"
    else:
        assert app_db.dialect.name == "sqlite"
        assert list((deployed.settings.data_dir / "engine").glob("process-engine*.mv.db")), "the engine's H2 file"
