"""Stopping and starting the engine keeps deployments and running instances (H2 file database).

Marked `restarts_engine`: it restarts the session's engine, so tests/conftest.py runs it after all
other tests, whatever the order of the files."""

from __future__ import annotations

import pytest

from ..conftest import EngineHandle


@pytest.mark.restarts_engine
def test_restart_keeps_deployments_and_running_instances(deployed: EngineHandle) -> None:
    admin = deployed.admin
    instance = admin.start_process("EnterpriseAppeal", {"enterpriseName": "重启测试企业"}, business_key="RESTART-1")
    deployments = admin.get("/deployment/count")["count"]
    deployed.restart()
    assert admin.get("/deployment/count")["count"] == deployments
    survived = admin.get(f"/process-instance/{instance['id']}")
    assert survived["businessKey"] == "RESTART-1"
    assert admin.variables(instance["id"])["enterpriseName"] == "重启测试企业"
