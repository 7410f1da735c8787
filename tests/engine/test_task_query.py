"""The project's task query (engine TaskQueryPlugin, issue 15) returns exactly the tasks of the engine's own.

On the session's engine: open work of every kind (each department's signing and handling, assisting
departments' opinions with several candidate groups, the office's verification, approvals by the
director and the deputy heads, a claimed task), then, for every user of the demo org chart, the
Tasklist filters 本单位待办 and 我的待办 and the plain task list, all pages and counts, once with the
project's query and once with the engine's (APPEALS_TASK_QUERY=stock, engine restarted on the same
database). Marked `restarts_engine`: tests/conftest.py runs it after all others.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from appeals import org as orgchart
from appeals.camunda import Camunda, to_variables

from ..conftest import DEMO_PASSWORD, EngineHandle

KEY = "TQEQ-"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _start(admin: Camunda, n: int, activity: str, key: str = KEY, **values) -> str:
    due = dt.datetime.now(SHANGHAI).replace(microsecond=0) + dt.timedelta(days=40)
    variables = {"registrationNumber": f"{key}{n}", "enterpriseName": f"等价测试企业{n}", "verifyDue": due,
                 "dispatchDue": due, "signDue": due, "handlingDue": due, "assistDue": due,
                 "handlingReminderAt": due, "escalateAt": due + dt.timedelta(days=20), **values}
    body = {"businessKey": f"{key}{n}", "variables": to_variables(variables),
            "startInstructions": [{"type": "startBeforeActivity", "activityId": activity}]}
    return admin.post("/process-definition/key/EnterpriseAppeal/start", body)["id"]


def _open_work(engine: EngineHandle, chart: orgchart.OrgChart) -> set[str]:
    admin = engine.admin
    departments = [g.id for g in chart.of_kind("department")]
    deputies = [g.id for g in chart.of_kind("deputy-head")]
    instances, n = set(), 0
    for i, department in enumerate(departments):
        for activity in ("Task_SignDispatch", "Task_HandleAppeal"):
            n += 1
            instances.add(_start(admin, n, activity, handlerGroup=department, leadDepartment=department))
        n += 1  # two assisting departments: tasks with one candidate group each, in one instance
        assisting = [departments[(i + 1) % len(departments)], departments[(i + 2) % len(departments)]]
        instances.add(_start(admin, n, "Task_ProvideAssistOpinion#multiInstanceBody", handlerGroup=department,
                             assistingDepartments=assisting))
    for _ in range(3):
        n += 1
        instances.add(_start(admin, n, "Task_VerifyAppeal"))
    for group in ["office-director", *deputies]:
        n += 1
        instances.add(_start(admin, n, "Task_ApproveDispatch", approverGroup=group))
    # a department's task claimed by its handler, and one the office assigned to another department's
    # handler (the assignee gets a grant on that task only)
    industry = admin.tasks(processInstanceBusinessKeyLike=f"{KEY}%", candidateGroup="dept-industry")
    admin.claim(industry[0]["id"], "industry-handler")
    admin.post(f"/task/{industry[1]['id']}/assignee", {"userId": "power-handler"})
    return instances


def _lists(engine: EngineHandle, users: list[tuple[str, str]], instances: set[str]) -> dict:
    """What every user sees: each filter's whole list (created desc) of our instances, its count, and
    the plain task list, each through the user's own credentials."""
    filters = {f["name"]: f["id"] for f in engine.admin.get("/filter", resourceType="Task")}
    sorting = {"sorting": [{"sortBy": "created", "sortOrder": "desc"}, {"sortBy": "id", "sortOrder": "asc"}]}
    mine = {"processInstanceBusinessKeyLike": f"{KEY}%"}
    seen: dict = {}
    for user, password in users:
        client = engine.client(user, password)
        for name, filter_id in filters.items():
            whole = client.post(f"/filter/{filter_id}/list", sorting)  # the filter's own query
            seen[user, name, "all"] = [t["id"] for t in whole if t["processInstanceId"] in instances]
            seen[user, name, "page"] = [t["id"] for t in client.post(
                f"/filter/{filter_id}/list?firstResult=0&maxResults=15", {**sorting, **mine})]
            seen[user, name, "count"] = client.post(f"/filter/{filter_id}/count", mine)["count"]
        for name, query in {"group": {"candidateGroup": "dept-industry"},
                            "groups": {"candidateGroups": ["office", "dept-power-supply"], "includeAssignedTasks": True},
                            "unassigned": {"candidateGroups": ["dept-industry", "dept-hr"]},
                            "or": {"orQueries": [{"candidateGroup": "dept-industry", "assignee": "power-handler"}]},
                            }.items():
            seen[user, name, "all"] = [t["id"] for t in client.post("/task", {**sorting, **mine, **query})]
            seen[user, name, "page"] = [t["id"] for t in client.post("/task?firstResult=0&maxResults=2",
                                                                     {**sorting, **mine, **query})]
            seen[user, name, "count"] = client.post("/task/count", {**mine, **query})["count"]
        tasks = client.post("/task", {**sorting, **mine})
        seen[user, "task", "all"] = sorted((t["id"], t["taskDefinitionKey"]) for t in tasks)
        seen[user, "task", "page"] = [t["id"] for t in client.post("/task?firstResult=0&maxResults=15",
                                                                   {**sorting, **mine})]
        seen[user, "task", "count"] = client.post("/task/count", mine)["count"]
    return seen


def _instances(engine: EngineHandle, users: list[tuple[str, str]]) -> dict:
    """What every user sees of the process instances, as Cockpit asks (REST /process-instance): the
    running appeals' first page of 50 by instance id descending and their count, this test's instances
    whole (sorted), a page and counted, and with an activity criterion. (Not every process of the
    engine: the timer-started ones come and go between the runs.)"""
    ours = {"businessKeyLike": "TQEQ%"}
    newest = {"sorting": [{"sortBy": "instanceId", "sortOrder": "desc"}]}
    seen: dict = {}
    for user, password in users:
        client = engine.client(user, password)
        cockpit = {"processDefinitionKey": "EnterpriseAppeal", **newest}
        seen[user, "instances", "cockpit-page"] = [i["id"] for i in client.post(
            "/process-instance?firstResult=0&maxResults=50", cockpit)]
        seen[user, "instances", "cockpit-count"] = client.post(
            "/process-instance/count", {"processDefinitionKey": "EnterpriseAppeal"})["count"]
        seen[user, "instances", "all"] = [(i["id"], i["tenantId"]) for i in client.post("/process-instance",
                                                                                       {**ours, **newest})]
        seen[user, "instances", "count"] = client.post("/process-instance/count", ours)["count"]
        seen[user, "instances", "page"] = [i["id"] for i in client.post(
            "/process-instance?firstResult=1&maxResults=3", {**ours, **newest})]
        # an activity criterion joins the instance's executions (more than one row per instance)
        at = {**ours, "activityIdIn": ["Task_HandleAppeal", "Task_VerifyAppeal", "Task_SignDispatch"]}
        seen[user, "instances", "activity"] = [i["id"] for i in client.post("/process-instance", {**at, **newest})]
        seen[user, "instances", "activity-count"] = client.post("/process-instance/count", at)["count"]
    return seen


@pytest.mark.restarts_engine
def test_task_query_returns_the_stock_tasks_for_every_user(deployed: EngineHandle,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    chart = orgchart.load(orgchart.DEMO_ORG)
    instances = _open_work(deployed, chart)
    users = [(u.id, DEMO_PASSWORD) for u in chart.users]
    users.append(deployed.settings.engine.require_worker())
    # appeals of two counties' tenants for the instance lists (another business key prefix: outside the
    # task lists' TQEQ-% above, inside the instance lists' TQEQ%)
    admin, tenants = deployed.admin, {}
    for n, (county, activity) in enumerate((("yixian", "Task_VerifyAppeal"), ("yixian", "Task_SignDispatch"),
                                            ("mouxian", "Task_VerifyAppeal")), start=900):
        tenants[_start(admin, n, activity, key="TQEQY-", countyCode=county, handlerGroup="dept-industry",
                       leadDepartment="dept-industry")] = county
    ours = _lists(deployed, users, instances)
    ours.update(_instances(deployed, users))
    try:
        # a window of the newest 20 open tasks: first pages answered from it (those of users with 15 of
        # their tasks among the newest 20) and from the full query (everyone else)
        monkeypatch.setenv("APPEALS_TASK_QUERY_WINDOW", "20")
        deployed.restart()
        windowed = _lists(deployed, users, instances)
        windowed.update(_instances(deployed, users))
        windowed_log = deployed.log_path.read_text(errors="replace")
        monkeypatch.delenv("APPEALS_TASK_QUERY_WINDOW")
        monkeypatch.setenv("APPEALS_TASK_QUERY", "stock")
        deployed.restart()
        stock = _lists(deployed, users, instances)
        stock.update(_instances(deployed, users))
    finally:
        monkeypatch.delenv("APPEALS_TASK_QUERY_WINDOW", raising=False)
        monkeypatch.delenv("APPEALS_TASK_QUERY")
        deployed.restart()
    log = deployed.log_path.read_text(errors="replace")
    assert "Task query: the engine's own (APPEALS_TASK_QUERY=stock)" in log
    assert log.rstrip().count("Task query: authorization check by indexed probes") >= 3  # before, windowed, after
    assert "first pages newest first from the newest 20 open tasks" in windowed_log
    assert "REST JSON: one shared ObjectMapper" in windowed_log  # SharedRestObjectMapper answered the REST calls
    assert "Task query: a first page answered from the newest 20 open tasks" in windowed_log
    assert ours.keys() == stock.keys() == windowed.keys()
    different = {key: (ours[key], stock[key]) for key in ours if ours[key] != stock[key]}
    assert not different, (sorted(different), different)
    different = {key: (windowed[key], stock[key]) for key in ours if windowed[key] != stock[key]}
    assert not different, different
    # authorization unchanged: a department sees only what was given to it (plus the task assigned
    # to its handler), the office sees all, a deputy only the approvals of its own group
    unit = "本单位待办"
    # its signing and handling and two assisting opinions (one of them claimed, one reassigned: the
    # group keeps its candidacy), and for power-handler its own four and the one assigned to it
    assert ours["industry-handler", "task", "count"] == 4
    assert ours["power-handler", "task", "count"] == 5
    assert ours["office-clerk", "task", "count"] == sum(1 for _ in deployed.admin.tasks(
        processInstanceBusinessKeyLike=f"{KEY}%", maxResults=1000))
    assert ours["deputy-industry", unit, "count"] == 1
    assert ours["county-head", unit, "count"] == 0
    assert 0 < ours["industry-handler", unit, "count"] <= ours["industry-handler", "task", "count"]
    # the instance lists are not all alike: some users see the tenants' appeals, not everyone sees them all
    assert [admin.get(f"/process-instance/{i}")["tenantId"] for i in tenants] == list(tenants.values())
    seen = {user: {i for i, _ in ours[user, "instances", "all"]} for user, _ in users}
    assert any(seen.values()) and len({frozenset(v) for v in seen.values()}) > 1, seen


INDEXES = {"APPEALS_IDX_IDLNK_GROUP_TASK": "ACT_RU_IDENTITYLINK", "APPEALS_IDX_AUTH_RES_PERMS": "ACT_RU_AUTHORIZATION",
           "APPEALS_IDX_AUTH_USER": "ACT_RU_AUTHORIZATION"}
# PostgreSQL only (an INCLUDE index): the task columns a filter count checks, beside the task's id
POSTGRES_INDEXES = {"APPEALS_IDX_TASK_COVER": "ACT_RU_TASK"}


def _expected_indexes() -> dict[str, str]:
    from ..databases import test_database_mode

    return {**INDEXES, **POSTGRES_INDEXES} if test_database_mode() == "postgresql" else INDEXES


def _engine_sql(engine: EngineHandle, request: pytest.FixtureRequest, tmp_path, sql: str) -> str:
    """Runs `sql` on the engine's database (its H2 file: only while the engine is stopped; or its
    PostgreSQL database) and returns what came back, as text."""
    from appeals import stack

    from ..databases import test_database_mode

    if test_database_mode() == "postgresql":
        import sqlalchemy

        db = sqlalchemy.create_engine(request.getfixturevalue("postgres").sqlalchemy_url("camunda"))
        try:
            with db.begin() as connection:
                result = connection.exec_driver_sql(sql)
                return repr(result.fetchall()) if result.returns_rows else ""
        finally:
            db.dispose()
    import subprocess
    import zipfile

    with zipfile.ZipFile(stack.build_engine()) as jar:  # the engine's own H2 version reads its file
        name = next(n for n in jar.namelist() if n.startswith("BOOT-INF/lib/h2-"))
        h2 = tmp_path / "h2.jar"
        h2.write_bytes(jar.read(name))
    url = f"jdbc:h2:file:{engine.settings.data_dir}/engine/process-engine"
    out = subprocess.run(["java", "-cp", str(h2), "org.h2.tools.Shell", "-url", url, "-user", "sa", "-sql", sql],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def _indexes(engine: EngineHandle, request: pytest.FixtureRequest, tmp_path) -> dict[str, str]:
    from ..databases import test_database_mode

    if test_database_mode() == "postgresql":
        sql = "select indexname, tablename from pg_indexes where indexname like 'appeals_idx_%%'"
    else:
        sql = "select INDEX_NAME, TABLE_NAME from INFORMATION_SCHEMA.INDEXES where INDEX_NAME like 'APPEALS_IDX_%'"
    text = _engine_sql(engine, request, tmp_path, sql).upper()
    return {name: table for name, table in {**INDEXES, **POSTGRES_INDEXES}.items() if name in text and table in text}


def _index_definitions(engine: EngineHandle, request: pytest.FixtureRequest, tmp_path) -> str:
    """PostgreSQL: the definitions of the project's indexes (pg_indexes.indexdef), one a line."""
    return _engine_sql(engine, request, tmp_path,
                       "select indexdef from pg_indexes where indexname like 'appeals_idx_%%' order by indexname")


@pytest.mark.restarts_engine
def test_the_engine_creates_the_task_query_indexes_on_a_new_and_on_an_existing_database(
        deployed: EngineHandle, request: pytest.FixtureRequest, tmp_path) -> None:
    """TaskQueryPlugin.INDEXES exist after the engine created its schema (the session's new database),
    and are created again by the next start on a database that lacks them (one upgraded from before)."""
    from ..databases import test_database_mode

    h2 = test_database_mode() == "embedded"
    expected = _expected_indexes()
    deployed.stop()  # H2: a file one process opens
    try:
        assert _indexes(deployed, request, tmp_path) == expected
        if not h2:  # the covering index: the task's id, the columns a count checks as INCLUDE
            definition = _index_definitions(deployed, request, tmp_path).lower()
            assert ("on public.act_ru_task using btree (id_) include (suspension_state_, tenant_id_, "
                    "proc_def_id_, case_execution_id_)") in definition, definition
        for name in expected:
            _engine_sql(deployed, request, tmp_path, f"DROP INDEX IF EXISTS {name}")
        assert _indexes(deployed, request, tmp_path) == {}
        deployed.start()
        if h2:
            deployed.stop()
        assert _indexes(deployed, request, tmp_path) == expected
    finally:
        if deployed.process is None or deployed.process.poll() is not None:
            deployed.start()
    log = deployed.log_path.read_text(errors="replace")
    assert "Task query index" not in log.replace("Task query indexes checked", "")  # no clash, no error
    assert deployed.admin.get("/task/count")["count"] >= 0


def _mapped_statement(name: str) -> str:
    """The SQL of one select of the generated TaskQuery.xml, with the engine's empty table prefix."""
    import html

    from appeals.settings import PROJECT_ROOT

    xml = (PROJECT_ROOT / "engine/src/main/resources/cn/gov/appeals/engine/TaskQuery.xml").read_text(encoding="utf-8")
    body = re.search(rf'<select id="{name}"[^>]*>(.*?)</select>', xml, re.S).group(1)
    assert "<" not in body, "a statement without MyBatis tags"
    return html.unescape(body).replace("${prefix}", "").strip()


@pytest.mark.restarts_engine
def test_the_authorized_group_ids_are_the_stock_set(deployed: EngineHandle, request: pytest.FixtureRequest,
                                                     tmp_path) -> None:
    """selectAuthorizedGroupIds of TaskQuery.xml (a walk over the GROUP_ID_ index) gives exactly the
    set of the engine's own statement on the session's database: every group with an authorization,
    and NULL for the authorizations of users (one made here so that there is one)."""
    grant = deployed.admin.post("/authorization/create", {"type": 1, "permissions": ["READ"], "userId": "office-clerk",
                                                          "resourceType": 7, "resourceId": "group-ids-test-task"})
    ours = _mapped_statement("selectAuthorizedGroupIds")
    stock = "SELECT distinct(A.GROUP_ID_) FROM ACT_RU_AUTHORIZATION A"
    sql = (f"select (select count(*) from ({ours}) x) as OURS_, (select count(*) from ({stock}) y) as STOCK_, "
           f"(select count(*) from (select * from ({ours}) x except select * from ({stock}) y) d) "
           f"+ (select count(*) from (select * from ({stock}) y except select * from ({ours}) x) e) as DIFFERENT_, "
           f"(select count(*) from ({ours}) x where x.GROUP_ID_ is null) as NULLS_, "
           f"(select count(*) from ACT_RU_AUTHORIZATION) as ROWS_")
    deployed.stop()  # H2: a file one process opens
    try:
        text = _engine_sql(deployed, request, tmp_path, sql)
    finally:
        deployed.start()
        deployed.admin.delete(f"/authorization/{grant['id']}")
    numbers = [int(n) for n in re.findall(r"\d+", text.split("ROWS_", 1)[-1] if "ROWS_" in text else text)]
    ours_n, stock_n, different, nulls, rows = numbers[:5]
    assert different == 0, text
    assert ours_n == stock_n > 1 and nulls == 1 and rows > stock_n, text
    # the walk is mapped on PostgreSQL; H2 keeps the engine's DISTINCT, which it answers by an index skip
    from ..databases import test_database_mode

    on_h2 = "Task query: selectAuthorizedGroupIds is the engine's own on H2" in deployed.log_path.read_text(errors="replace")
    assert on_h2 == (test_database_mode() == "embedded")
