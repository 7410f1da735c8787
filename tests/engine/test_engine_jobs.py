"""The engine's own jobs (history cleanup, batches: jobs of no process definition) are the administrators'
alone (StandaloneJobGuardPlugin): every command on them or their job definitions, over REST, is refused
with 403 and a Chinese message for any other user — a department, an operator, the city, the workers —
and the job stays as it was; the administrator keeps every command, the history cleanup keeps running, and
the jobs of a process stay under the engine's own authorization (the workers' retry works, a department's
is refused by Camunda as before)."""

from __future__ import annotations

import datetime as dt

import pytest

from appeals.camunda import Camunda, CamundaError

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, dispatch_to

# a department of 某县, one of 乙县, an operator with Cockpit (county head, supervision), the city's office
USERS = ("power-handler", "yx-land-handler", "county-head", "supervisor", "city-officer")


def _cleanup_job(admin: Camunda) -> dict:
    jobs = admin.get("/history/cleanup/jobs")
    if not jobs:
        admin.post("/history/cleanup?immediatelyDue=false")
        jobs = admin.get("/history/cleanup/jobs")
    assert len(jobs) == 1, jobs
    return jobs[0]


def _process_timer(workers: EngineHandle, key: str) -> dict:
    """A timer job of an appeal waiting at 办理诉求并答复企业 (its reminder and overdue timers)."""
    appeal = Appeal.start(workers, key, category="power")
    dispatch_to(appeal, "dept-power-supply", "power-handler")
    appeal.task("Task_HandleAppeal", "power-handler")
    return wait_for(lambda: workers.admin.get("/job", processInstanceId=appeal.id, timers="true"),
                    message="a timer of the appeal")[0]


def _job_operations(job_id: str) -> dict:
    later = (dt.datetime.now() + dt.timedelta(days=3650)).strftime("%Y-%m-%dT%H:%M:%S.000+0800")
    return {
        "suspend": lambda c: c.put(f"/job/{job_id}/suspended", {"suspended": True}),
        "due date": lambda c: c.put(f"/job/{job_id}/duedate", {"duedate": later}),
        "recalculate due date": lambda c: c.post(f"/job/{job_id}/duedate/recalculate"),
        "execute": lambda c: c.post(f"/job/{job_id}/execute"),
        "retries": lambda c: c.put(f"/job/{job_id}/retries", {"retries": 0}),
        "priority": lambda c: c.put(f"/job/{job_id}/priority", {"priority": 99}),
        "stacktrace": lambda c: c.get(f"/job/{job_id}/stacktrace"),
        "delete": lambda c: c.delete(f"/job/{job_id}"),
        "retries async": lambda c: c.post("/job/retries", {"jobIds": [job_id], "retries": 0}),
    }


def _refused_engine_job(attempt) -> str:
    with pytest.raises(CamundaError) as refused:
        attempt()
    assert refused.value.status == 403, refused.value
    return refused.value.message


def test_only_the_administrator_operates_the_history_cleanup_job(workers: EngineHandle) -> None:
    admin = workers.admin
    job = _cleanup_job(admin)
    before = admin.get(f"/job/{job['id']}")
    operations = _job_operations(job["id"])
    worker = Camunda(workers.settings.engine.url, *workers.settings.engine.require_worker())
    for user in USERS:
        client = workers.client(user)
        for name, operation in operations.items():
            message = _refused_engine_job(lambda operation=operation, client=client: operation(client))
            if name != "retries async":  # a batch needs the batch permission nobody but the admin has
                assert "只有系统管理员可以操作引擎自身的作业" in message, (user, name, message)
    for name, operation in operations.items():
        if name != "retries async":
            assert "只有系统管理员" in _refused_engine_job(lambda operation=operation: operation(worker)), name
    after = admin.get(f"/job/{job['id']}")
    assert after == before, "a refused command changed nothing"

    # the administrator keeps every command; the cleanup still runs and stays scheduled
    admin.put(f"/job/{job['id']}/suspended", {"suspended": True})
    assert admin.get(f"/job/{job['id']}")["suspended"] is True
    admin.put(f"/job/{job['id']}/suspended", {"suspended": False})
    admin.put(f"/job/{job['id']}/priority", {"priority": before["priority"]})
    admin.post(f"/job/{job['id']}/execute")
    again = wait_for(lambda: admin.get("/history/cleanup/jobs"), message="the history cleanup job again")
    assert len(again) == 1 and not again[0]["suspended"]
    log = admin.get("/history/job-log", jobId=job["id"], successLog="true")
    assert log, "the cleanup job ran"


def test_batch_jobs_and_their_job_definitions_are_the_administrators(workers: EngineHandle) -> None:
    admin = workers.admin
    timer = _process_timer(workers, "EJ-BATCH")
    for _ in range(20):  # suspended, the batch keeps its jobs and definitions; the executor may finish it first
        batch = admin.post("/job/retries", {"jobIds": [timer["id"]], "retries": 3})
        try:
            admin.put(f"/batch/{batch['id']}/suspended", {"suspended": True})
        except CamundaError:
            continue
        definitions = [d for d in (batch["seedJobDefinitionId"], batch["monitorJobDefinitionId"],
                                   batch["batchJobDefinitionId"]) if admin.get("/job-definition", jobDefinitionId=d)]
        batch_jobs = [j for d in definitions for j in admin.get("/job", jobDefinitionId=d)]
        # a monitor job already running when the batch was suspended may still end it: then try another
        if definitions and batch_jobs and admin.get("/batch", batchId=batch["id"]):
            break
    else:
        pytest.fail("the job executor finished every batch before it could be suspended")
    try:
        for user in ("power-handler", "county-head"):
            client = workers.client(user)
            for definition in definitions:
                for attempt in (
                    lambda client=client, definition=definition: client.put(f"/job-definition/{definition}/suspended", {"suspended": False}),
                    lambda client=client, definition=definition: client.put(f"/job-definition/{definition}/retries", {"retries": 5}),
                    lambda client=client, definition=definition: client.put(f"/job-definition/{definition}/jobPriority", {"priority": 7}),
                    lambda client=client, definition=definition: client.put("/job/suspended", {"jobDefinitionId": definition, "suspended": False}),
                ):
                    assert "只有系统管理员" in _refused_engine_job(attempt)
            for job in batch_jobs:
                for operation in _job_operations(job["id"]).values():
                    _refused_engine_job(lambda operation=operation, client=client: operation(client))
            # nor listed (REST /job, /job/count, /history/job-log): the administrator lists them
            for definition in definitions:
                assert not client.get("/job", jobDefinitionId=definition), (user, definition)
                assert client.get("/job/count", jobDefinitionId=definition)["count"] == 0
                assert not client.get("/history/job-log", jobDefinitionId=definition), (user, definition)
        # nor their job definitions (REST /job-definition): not the workers either, whose grants name each of
        # our definitions (a grant on every definition, '*', let a row of no definition through)
        worker = Camunda(workers.settings.engine.url, *workers.settings.engine.require_worker())
        for user, client in {"worker": worker, "power-handler": workers.client("power-handler"),
                             "county-head": workers.client("county-head")}.items():
            for definition in definitions:
                assert not client.get("/job-definition", jobDefinitionId=definition), (user, definition)
                assert client.get("/job-definition/count", jobDefinitionId=definition)["count"] == 0, user
            assert all(d.get("processDefinitionKey") for d in client.get("/job-definition")), user
        assert all(admin.get("/job-definition", jobDefinitionId=d) for d in definitions)
        assert [j for d in definitions for j in admin.get("/job", jobDefinitionId=d)]
        assert [e for d in definitions for e in admin.get("/history/job-log", jobDefinitionId=d)]
        assert admin.get(f"/batch/{batch['id']}")["suspended"] is True
    finally:
        if admin.get("/batch", batchId=batch["id"]):
            admin.put(f"/batch/{batch['id']}/suspended", {"suspended": False})

        def batch_done() -> bool:
            # the monitor job waits the engine's batch poll time (30 s): the administrator runs the jobs now
            for definition in (batch["seedJobDefinitionId"], batch["batchJobDefinitionId"],
                               batch["monitorJobDefinitionId"]):
                for job in admin.get("/job", jobDefinitionId=definition):
                    try:
                        admin.post(f"/job/{job['id']}/execute")
                    except CamundaError:
                        pass  # done meanwhile by the job executor
            return not admin.get("/batch", batchId=batch["id"])

        wait_for(batch_done, message="the batch done")


def test_a_process_job_stays_under_the_engines_own_authorization(workers: EngineHandle) -> None:
    admin = workers.admin
    timer = _process_timer(workers, "EJ-PROCESS")
    worker = Camunda(workers.settings.engine.url, *workers.settings.engine.require_worker())
    worker.put(f"/job/{timer['id']}/retries", {"retries": 2})  # allowed by its grants, as in Cockpit
    assert admin.get(f"/job/{timer['id']}")["retries"] == 2
    with pytest.raises(CamundaError) as refused:
        workers.client("power-handler").put(f"/job/{timer['id']}/retries", {"retries": 1})
    assert refused.value.status == 403 and "只有系统管理员" not in refused.value.message  # Camunda's own
    admin.put(f"/job/{timer['id']}/retries", {"retries": 3})
    assert admin.get(f"/job/{timer['id']}")["retries"] == 3


def test_only_the_administrator_lists_the_engines_own_jobs_and_their_log(workers: EngineHandle) -> None:
    """Camunda CE lists a job of no process (the history cleanup job) and its log to every logged-in user;
    here only to the administrator (the engine's job and job-log queries, JobQuery.xml). The jobs of an
    appeal are listed as Camunda's authorizations allow: its operators and the workers see its timers and
    their log, a department (no permission on the instance) and the city none."""
    admin = workers.admin
    job = _cleanup_job(admin)
    timer = _process_timer(workers, "EJ-LIST")
    instance = timer["processInstanceId"]
    log = admin.get("/history/job-log", jobId=job["id"])
    assert admin.get("/job", jobId=job["id"]) and log, "the administrator lists the engine's own job and its log"
    worker = Camunda(workers.settings.engine.url, *workers.settings.engine.require_worker())
    clients = {user: workers.client(user) for user in USERS} | {"worker": worker}
    for user, client in clients.items():
        assert not client.get("/job", jobId=job["id"]), user
        assert client.get("/job/count", jobId=job["id"])["count"] == 0, user
        with pytest.raises(CamundaError) as missing:
            client.get(f"/job/{job['id']}")
        assert missing.value.status == 404, (user, missing.value)
        assert not client.get("/history/job-log", jobId=job["id"]), user
        assert client.get("/history/job-log/count", jobId=job["id"])["count"] == 0, user
        assert "只有系统管理员" in _refused_engine_job(lambda client=client: client.get(
            f"/history/job-log/{log[0]['id']}/stacktrace"))
        # whatever else the user lists belongs to a process
        assert all(j.get("processDefinitionKey") for j in client.get("/job")), user
        assert all(e.get("processDefinitionKey") for e in client.get("/history/job-log", maxResults=500)), user
    # the appeal's timers: its county's operators and the workers, as Camunda allows
    for user in ("county-head", "supervisor", "worker"):
        client = clients[user]
        assert timer["id"] in {j["id"] for j in client.get("/job", processInstanceId=instance)}, user
        assert client.get("/history/job-log", jobId=timer["id"]), user
    for user in ("power-handler", "yx-land-handler", "city-officer"):
        assert not clients[user].get("/job", processInstanceId=instance), user
        assert not clients[user].get("/history/job-log", jobId=timer["id"]), user
    admin.delete(f"/process-instance/{instance}?skipCustomListeners=true")


def test_org_sync_removes_the_workers_old_grants_on_every_definition(workers: EngineHandle) -> None:
    """An installation synced before: the workers' group had its permissions on every process and decision
    definition ('*'); a sync grants them per definition instead and removes the grants on '*'."""
    from click.testing import CliRunner

    from appeals.cli import main
    from appeals.org import DEMO_ORG
    from appeals.org.chart import WORKER_GROUP
    from appeals.org.grants import DECISION_DEFINITION, GRANT, PROCESS_DEFINITION

    admin = workers.admin
    for resource_type in (PROCESS_DEFINITION, DECISION_DEFINITION):
        admin.post("/authorization/create", {"type": GRANT, "permissions": ["READ"], "groupId": WORKER_GROUP,
                                             "userId": None, "resourceType": resource_type, "resourceId": "*"})
    result = CliRunner().invoke(main, ["org", "sync", str(DEMO_ORG)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for resource_type in (PROCESS_DEFINITION, DECISION_DEFINITION):
        assert not admin.get("/authorization", resourceType=resource_type, resourceId="*", groupIdIn=WORKER_GROUP)
    assert admin.get("/authorization", resourceType=PROCESS_DEFINITION, resourceId="CityAppeal", groupIdIn=WORKER_GROUP)
    assert admin.get("/authorization", resourceType=DECISION_DEFINITION, resourceId="AppealRouting",
                     groupIdIn=WORKER_GROUP)
