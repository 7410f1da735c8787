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

from .conftest import EngineHandle, wait_for

PROBE = Path(__file__).parent / "fixtures" / "RuntimeProbe.bpmn"
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
    worker = Worker(Camunda(deployed.settings.engine_url, *deployed.settings.require_worker()), probe_router,
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
    time.sleep(4)  # let it start polling
    assert process.poll() is None
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert time.monotonic() - started < 15
    assert "stopped after" in output
