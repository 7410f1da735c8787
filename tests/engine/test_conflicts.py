"""A user's completion that meets a concurrent change of the same process instance is repeated by the engine
(UserCompletionRetryPlugin): the user does not see ENGINE-03005 / OptimisticLockingException when a worker
completed an external task or correlated a message on the instance at that moment.

The conflict is forced, not waited for: the fixture ConflictProbe's complete listener raises the revision of
the instance's execution row inside the completing transaction, as a commit of the worker in between would
have, on the first attempt only (or on every attempt, to show that the hook does collide and that the
repeats are bounded)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from appeals.camunda import CamundaError

from ..conftest import EngineHandle

PROBE = Path(__file__).resolve().parents[1] / "fixtures" / "ConflictProbe.bpmn"
USER = "office-clerk"


@pytest.fixture(scope="module")
def conflict_probe(deployed: EngineHandle) -> EngineHandle:
    deployed.admin.deploy("conflict-probe", [(PROBE.name, PROBE.read_bytes())])
    return deployed


def _start(engine: EngineHandle, collide_always: bool = False) -> tuple[str, dict]:
    """A ConflictProbe instance waiting in Task_Fill for USER; returns its id and the open task."""
    key = "CP-" + secrets.token_hex(6)
    pid = engine.admin.start_process("ConflictProbe", {
        "assignee": USER, "collideAlways": collide_always,
        "collideSql": f"UPDATE ACT_RU_EXECUTION SET REV_ = REV_ + 1 WHERE BUSINESS_KEY_ = '{key}'",
    }, business_key=key)["id"]
    (task,) = engine.admin.tasks(processInstanceId=pid)
    assert task["taskDefinitionKey"] == "Task_Fill"
    return pid, task


def _repeats_logged(engine: EngineHandle, command: str) -> int:
    assert engine.log_path is not None
    return engine.log_path.read_text(errors="replace").count(f"{command} lost an optimistic lock")


@pytest.mark.parametrize("call", ["complete", "submit-form"])
def test_a_users_completion_that_meets_a_concurrent_change_succeeds(conflict_probe: EngineHandle, call: str) -> None:
    engine = conflict_probe
    command = {"complete": "CompleteTaskCmd", "submit-form": "SubmitTaskFormCmd"}[call]
    repeats_before = _repeats_logged(engine, command)
    pid, task = _start(engine)

    engine.client(USER).post(f"/task/{task['id']}/{call}", {"variables": {"opinion": {"value": "同意"}}})

    (following,) = engine.admin.tasks(processInstanceId=pid)
    assert following["taskDefinitionKey"] == "Task_Next", "the user's one call moved the token on"
    assert engine.admin.variables(pid)["opinion"] == "同意"
    completed = engine.admin.get("/history/activity-instance", processInstanceId=pid, activityId="Task_Fill")
    assert len(completed) == 1 and completed[0]["endTime"], "one completion, kept once"
    assert _repeats_logged(engine, command) == repeats_before + 1, "the first attempt collided and was repeated"


def test_a_conflict_on_every_attempt_still_reaches_the_user_and_keeps_nothing(conflict_probe: EngineHandle) -> None:
    engine = conflict_probe
    repeats_before = _repeats_logged(engine, "CompleteTaskCmd")
    pid, task = _start(engine, collide_always=True)

    with pytest.raises(CamundaError) as refused:
        engine.client(USER).complete_task(task["id"], {"opinion": "同意"})
    # REST's complete wraps the engine's exception: HTTP 500, type RestException, the conflict in the message
    assert refused.value.status == 500 and "ENGINE-03005" in refused.value.message, refused.value
    assert _repeats_logged(engine, "CompleteTaskCmd") == repeats_before + 4, "five attempts in all, then given up"

    (still,) = engine.admin.tasks(processInstanceId=pid)
    assert still["id"] == task["id"], "the task stays open"
    assert "opinion" not in engine.admin.variables(pid)
