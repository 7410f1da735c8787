"""The worker runtime's contract with the engine (house style): complete, BpmnError, failure with
back-off ending in an incident with the stack trace, graceful SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from appeals.camunda import Camunda
from appeals.runtime import BpmnError, Router, Task, Worker

from ..conftest import EngineHandle, wait_for

PROBE = Path(__file__).resolve().parents[1] / "fixtures" / "RuntimeProbe.bpmn"
calls: list[str] = []
probe_router = Router()


@probe_router.topic("runtimeProbe", variables=("mode",), retries=2, backoff_ms=200)
def probe(task: Task) -> dict[str, str]:
    calls.append(task.get("mode"))
    if task.get("mode") == "bpmn":
        raise BpmnError("Err_Probe", "探针业务错误", {"why": "业务原因"})
    if task.get("mode") == "fail":
        raise ValueError("探针故障：第三方接口返回乱码")
    return {"probeResult": f"done {task.get('mode')}", "undeclared": task.get("secret")}


@pytest.fixture(scope="module")
def probe_worker(deployed: EngineHandle):
    deployed.admin.deploy("runtime-probe", [(PROBE.name, PROBE.read_bytes())])
    worker = Worker(Camunda(deployed.settings.engine.url, *deployed.settings.engine.require_worker()), probe_router,
                    max_tasks=4, async_response_timeout_ms=500)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    yield deployed
    worker.stop()
    thread.join(timeout=20)


def start(engine: EngineHandle, mode: str) -> str:
    return engine.admin.start_process("RuntimeProbe", {"mode": mode, "secret": "不应取到"})["id"]


def ended_at(engine: EngineHandle, pid: str) -> str:
    history = wait_for(lambda: [a for a in engine.admin.get("/history/activity-instance", processInstanceId=pid)
                                if a["activityType"] == "noneEndEvent"], message="the end")
    return history[0]["activityId"]


def test_a_handler_result_completes_the_task_with_only_declared_variables(probe_worker: EngineHandle) -> None:
    pid = start(probe_worker, "ok")
    assert ended_at(probe_worker, pid) == "EndEvent_ProbeDone"
    values = {v["name"]: v["value"] for v in probe_worker.admin.get("/history/variable-instance", processInstanceId=pid)}
    assert values["probeResult"] == "done ok"
    assert values["undeclared"] is None, "only the declared variables are fetched"


def test_a_bpmn_error_takes_the_modelled_path(probe_worker: EngineHandle) -> None:
    pid = start(probe_worker, "bpmn")
    assert ended_at(probe_worker, pid) == "EndEvent_ProbeError"
    why = probe_worker.admin.get("/history/variable-instance", processInstanceId=pid, variableName="why")
    assert why[0]["value"] == "业务原因"


def test_a_failure_is_retried_then_an_incident_with_the_stack_trace(probe_worker: EngineHandle) -> None:
    before = calls.count("fail")
    pid = start(probe_worker, "fail")
    incident = wait_for(lambda: probe_worker.admin.get("/incident", processInstanceId=pid), message="incident")[0]
    assert calls.count("fail") - before == 2, "two attempts (retries=2), then the incident"
    assert "ValueError: 探针故障" in incident["incidentMessage"]
    task = probe_worker.admin.get("/external-task", processInstanceId=pid)[0]
    assert task["retries"] == 0 and task["workerId"] is not None
    details = probe_worker.admin.request("GET", f"/external-task/{task['id']}/errorDetails")
    text = details.decode() if isinstance(details, bytes) else str(details)
    assert "Traceback" in text and "test_runtime.py" in text
    probe_worker.admin.delete(f"/process-instance/{pid}")


def test_sigterm_stops_the_worker_gracefully(deployed: EngineHandle) -> None:
    process = subprocess.Popen([sys.executable, "-m", "appeals.cli", "worker", "--poll-timeout", "2"],
                               env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # wait until it serves (its signal handlers are installed by then), however slow the machine is
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while not any("serving topics" in line for line in lines):
        assert time.monotonic() < deadline and process.poll() is None, "".join(lines)
        lines.append(process.stdout.readline())
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    rest, _ = process.communicate(timeout=30)
    output = "".join(lines) + rest
    assert process.returncode == 0, output
    assert time.monotonic() - started < 15
    assert "stopped after" in output


# ------------------------------------------------------------------------ prefetch queue
QUEUE_TOPIC = "runtimeQueueProbe"


class CountingCamunda(Camunda):
    """Counts the lock extensions and the tasks per fetch the runtime asks for."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.extended: list[str] = []
        self.fetched: list[int] = []

    def fetch_and_lock(self, *args, **kwargs):
        tasks = super().fetch_and_lock(*args, **kwargs)
        self.fetched.append(len(tasks))
        return tasks

    def extend_lock(self, task_id: str, worker_id: str, new_duration_ms: int) -> None:
        super().extend_lock(task_id, worker_id, new_duration_ms)
        self.extended.append(task_id)


@pytest.fixture(scope="module")
def queue_probe(deployed: EngineHandle) -> EngineHandle:
    """The probe process under its own key and topic, so no other worker of the session takes its tasks."""
    xml = PROBE.read_text(encoding="utf-8").replace('"runtimeProbe"', f'"{QUEUE_TOPIC}"')
    xml = xml.replace('id="RuntimeProbe"', 'id="RuntimeQueueProbe"').replace(
        'bpmnElement="RuntimeProbe"', 'bpmnElement="RuntimeQueueProbe"')
    deployed.admin.deploy("runtime-queue-probe", [("RuntimeQueueProbe.bpmn", xml.encode("utf-8"))])
    return deployed


def queue_worker(engine: EngineHandle, handler, count: int = 3):
    """`count` probe instances and a started worker with one handler and a prefetch of 5: the instances,
    the ids of the tasks the handler ran, the worker, its counting client and its thread."""
    ran: list[str] = []

    def recording(task: Task):
        ran.append(task.id)
        return handler(task)

    pids = [engine.admin.start_process("RuntimeQueueProbe", {"mode": "ok"})["id"] for _ in range(count)]
    router = Router()
    router.topic(QUEUE_TOPIC, variables=("mode",), lock_duration_ms=3_000)(recording)
    client = CountingCamunda(engine.settings.engine.url, *engine.settings.engine.require_worker())
    worker = Worker(client, router, max_tasks=1, async_response_timeout_ms=500, prefetch=5)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    return pids, ran, worker, client, thread


def open_queue_tasks(engine: EngineHandle, **query) -> list[dict]:
    return engine.admin.get("/external-task", topicName=QUEUE_TOPIC, **query)


def test_prefetched_tasks_wait_with_their_locks_renewed_and_all_complete(queue_probe: EngineHandle) -> None:
    """One handler, three tasks fetched in one batch behind a 2 s handler: the last waits 4 s, longer
    than its 3 s lock, so the queued tasks' locks are renewed while they wait; each runs once."""
    def slow(task: Task) -> dict[str, str]:
        time.sleep(2.0)
        return {"probeResult": "queued"}

    pids, ran, worker, client, thread = queue_worker(queue_probe, slow)
    try:
        for pid in pids:
            assert ended_at(queue_probe, pid) == "EndEvent_ProbeDone"
    finally:
        worker.stop()
        thread.join(timeout=20)
    assert client.fetched[0] == 3, "the first fetch locked all three tasks for one handler"
    assert len(ran) == 3 and len(set(ran)) == 3, "each task ran exactly once"
    assert set(client.extended) == set(ran[1:]), "the locks of the two queued tasks were renewed, no other"


def test_at_stop_queued_tasks_are_unlocked_not_run(queue_probe: EngineHandle) -> None:
    release = threading.Event()

    def hold(task: Task) -> dict[str, str]:
        release.wait(20)
        return {"probeResult": "held"}

    pids, ran, worker, client, thread = queue_worker(queue_probe, hold)
    wait_for(lambda: len(open_queue_tasks(queue_probe, locked="true")) == 3 and ran, message="three locked")
    worker.stop()
    release.set()
    thread.join(timeout=20)
    assert not thread.is_alive()
    assert len(ran) == 1, "only the running handler finished"
    done = [pid for pid in pids if not queue_probe.admin.get("/external-task", processInstanceId=pid)]
    assert len(done) == 1
    left = open_queue_tasks(queue_probe)
    assert len(left) == 2 and all(t["lockExpirationTime"] is None for t in left), "queued tasks were unlocked"
    for pid in pids:
        if pid not in done:
            queue_probe.admin.delete(f"/process-instance/{pid}")
