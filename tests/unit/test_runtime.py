"""The worker runtime's rooms without an engine: router declarations, the executor's outcomes, the
milestone after-hook and the lock keeper, each against a small fake engine client."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from appeals.camunda import CamundaError, LockedTask
from appeals.runtime import BpmnError, ConflictPolicy, Milestone, ModelError, Router, Task
from appeals.runtime.executor import Executor
from appeals.runtime.locks import LockKeeper


class FakeEngine:
    """Records what the runtime tells the engine; `complete_error` makes the next completes fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.complete_error: Exception | None = None

    def complete_external(self, task_id: str, worker_id: str, variables: Any = None) -> None:
        if self.complete_error is not None:
            raise self.complete_error
        self.calls.append(("complete", (task_id, dict(variables or {}))))

    def bpmn_error(self, task_id: str, worker_id: str, code: str, message: str, variables: Any = None) -> None:
        self.calls.append(("bpmnError", (task_id, code)))

    def failure(self, task_id: str, worker_id: str, message: str, details: str, retries: int,
                retry_timeout_ms: int) -> None:
        self.calls.append(("failure", (task_id, retries, retry_timeout_ms, message)))

    def extend_lock(self, task_id: str, worker_id: str, new_duration_ms: int) -> None:
        self.calls.append(("extendLock", (task_id, new_duration_ms)))

    def post(self, path: str, body: Any = None) -> None:
        self.calls.append(("post", (path,)))

    def named(self, name: str) -> list[tuple[Any, ...]]:
        return [args for call, args in self.calls if call == name]


def locked(topic: str, retries: int | None = None, **variables: Any) -> LockedTask:
    return LockedTask(id=f"task-{topic}", topic=topic, process_instance_id="pi-1", business_key="BK-1",
                      activity_id="Task_X", retries=retries, variables=variables, activity_instance_id="Task_X:1")


def executor(router: Router, engine: FakeEngine, context: Any = None, **kwargs: Any) -> Executor:
    return Executor(engine, router, "worker-1", LockKeeper(engine, "worker-1"), context=context, **kwargs)  # type: ignore[arg-type]


MILESTONE_VARS = {"reached": ("reachedAt", "channel")}


def milestone_router() -> tuple[Router, list[tuple[str, dict[str, Any], dict[str, Any], Any]]]:
    """A router whose after-hook records (milestone, task variables, output, context)."""
    seen: list[tuple[str, dict[str, Any], dict[str, Any], Any]] = []
    router = Router(milestone_variables=lambda name: MILESTONE_VARS[name])

    @router.after
    def hook(topic, task, output, ctx) -> None:
        if topic.milestone is not None and topic.milestone.reached(output):
            seen.append((topic.milestone.name, dict(task.variables), dict(output), ctx))

    return router, seen


# --------------------------------------------------------------------------- router declarations
def test_a_topic_declares_variables_milestone_and_throws_and_the_decorator_returns_the_handler() -> None:
    router, _ = milestone_router()

    def handler(task: Task, ctx: Any) -> dict[str, Any]:
        return {}

    assert router.topic("withMilestone", variables=("a", "channel"), milestone="reached",
                        throws=(ModelError,))(handler) is handler
    topic = router.topics["withMilestone"]
    assert topic.variables == ("a", "channel", "reachedAt"), "its own variables, then only its milestone's"
    assert topic.milestone == Milestone("reached") and topic.throws == (ModelError,)
    assert topic.takes_context
    router.topic("plain", variables=("b",))(lambda task: None)
    assert router.topics["plain"].variables == ("b",) and router.topics["plain"].milestone is None
    assert not router.topics["plain"].takes_context
    with pytest.raises(ValueError, match="twice"):
        router.topic("plain")(lambda task: None)


def test_the_package_router_fetches_each_milestone_topic_only_its_milestone_variables() -> None:
    from appeals.handlers import router
    from appeals.milestones import milestone_variables

    close = router.topics["closeAppeal"]
    assert close.milestone is not None and close.milestone.name == "closed"
    assert set(milestone_variables("closed")) <= set(close.variables)
    assert "enterpriseName" not in close.variables, "no longer the 45-variable union of every milestone"
    declared = {name: t.milestone.name for name, t in router.topics.items() if t.milestone}
    assert declared == {"registerAppeal": "registered", "dispatchAppeal": "dispatched",
                        "collectAssistOpinions": "signed", "applyExtensionDecision": "extension",
                        "recordResult": "result_reported", "applyFollowUpOutcome": "followed_up",
                        "closeAppeal": "closed"}


# --------------------------------------------------------------------------- the after-hook
def test_the_after_hook_runs_after_a_successful_handler_with_the_context_and_before_complete() -> None:
    router, seen = milestone_router()
    engine = FakeEngine()
    context = object()

    @router.topic("step", variables=("a",), milestone="reached")
    def step(task: Task, ctx: Any) -> dict[str, Any]:
        assert ctx is context
        assert not seen, "the hook runs after the handler"
        return {"reachedAt": "2026-11-30T10:00:00+08:00"}

    executor(router, engine, context).run(locked("step", a=1, reachedAt=None, channel="hotline"),
                                          router.topics["step"])
    assert seen == [("reached", {"a": 1, "reachedAt": None, "channel": "hotline"},
                     {"reachedAt": "2026-11-30T10:00:00+08:00"}, context)]
    assert engine.named("complete") == [("task-step", {"reachedAt": "2026-11-30T10:00:00+08:00"})]


def test_no_after_hook_for_a_failed_handler_or_a_business_error() -> None:
    router, seen = milestone_router()
    engine = FakeEngine()

    @router.topic("fails", milestone="reached")
    def fails(task: Task) -> dict[str, Any]:
        raise RuntimeError("down")

    @router.topic("business", milestone="reached")
    def business(task: Task) -> dict[str, Any]:
        raise BpmnError("Err_X", "no")

    run = executor(router, engine)
    run.run(locked("fails", retries=3), router.topics["fails"])
    run.run(locked("business"), router.topics["business"])
    assert seen == []
    assert engine.named("failure")[0][:2] == ("task-fails", 2)
    assert engine.named("bpmnError") == [("task-business", "Err_X")]
    assert not engine.named("complete")


def test_a_conditional_milestone_is_decided_from_the_output() -> None:
    router, seen = milestone_router()
    engine = FakeEngine()

    @router.topic("maybe", milestone=Milestone("reached", when=lambda out: out.get("granted") is True))
    def maybe(task: Task) -> dict[str, Any]:
        return {"granted": task.get("granted")}

    run = executor(router, engine)
    run.run(locked("maybe", granted=False), router.topics["maybe"])
    run.run(locked("maybe", granted=True), router.topics["maybe"])
    assert [out for _m, _v, out, _c in seen] == [{"granted": True}]
    assert len(engine.named("complete")) == 2


def test_a_failing_after_hook_fails_the_task_like_its_handler() -> None:
    router = Router()
    engine = FakeEngine()
    router.after(lambda topic, task, output, ctx: (_ for _ in ()).throw(OSError("ledger locked")))
    router.topic("step", retries=2)(lambda task: {"x": 1})
    executor(router, engine).run(locked("step"), router.topics["step"])
    assert not engine.named("complete")
    assert engine.named("failure")[0][:2] == ("task-step", 1)


def test_the_milestone_hook_records_the_ledger_and_pushes_with_the_same_idempotency_key(monkeypatch) -> None:
    from types import SimpleNamespace

    import appeals.milestones as milestones
    from appeals.settings import Settings

    recorded: list[tuple[str, str, dict[str, Any]]] = []
    pushed: list[tuple[Any, ...]] = []
    monkeypatch.setattr(milestones, "record_milestone",
                        lambda db, pid, name, variables, at=None: recorded.append((pid, name, variables)))

    def push(order, hotline_milestone, variables, key=None, db=None, config=None, feeds=None):
        pushed.append((order, hotline_milestone, key))
        return SimpleNamespace(delivered=True, skipped=False, note="")

    monkeypatch.setattr(milestones, "push_status", push)
    router = Router(milestone_variables=milestones.milestone_variables)
    router.after(milestones.record_milestone_hook)
    router.topic("resultStep", milestone="result_reported")(lambda task: {"resultReportedAt": "2026-11-30"})
    ctx = SimpleNamespace(db="db", settings=Settings())
    executor(router, FakeEngine(), ctx).run(locked("resultStep", channel="hotline", externalId="12345-1"),
                                            router.topics["resultStep"])
    assert [(pid, name, v["resultReportedAt"], v["businessKey"]) for pid, name, v in recorded] == [
        ("pi-1", "result_reported", "2026-11-30", "BK-1")]
    assert pushed == [("12345-1", "replied", "pi-1:Task_X:1:replied")]


# --------------------------------------------------------------------------- retry policy
def test_a_declared_modelling_error_raises_the_incident_at_once() -> None:
    router = Router()
    engine = FakeEngine()

    @router.topic("model", retries=3, throws=(ModelError,))
    def model(task: Task) -> None:
        raise ModelError("unknown kind")

    @router.topic("transient", retries=3)
    def transient(task: Task) -> None:
        raise ModelError("the same error, not declared")

    run = executor(router, engine)
    run.run(locked("model"), router.topics["model"])
    run.run(locked("transient"), router.topics["transient"])
    (model_failure, transient_failure) = engine.named("failure")
    assert model_failure[:2] == ("task-model", 0), "retries 0: the incident now"
    assert transient_failure[:2] == ("task-transient", 2)


def test_a_conflict_is_recognised_by_the_engine_error_type_and_bounded() -> None:
    router = Router()
    engine = FakeEngine()
    router.topic("step", retries=3)(lambda task: {"x": 1})
    run = executor(router, engine, conflicts=ConflictPolicy(max_conflicts=2, backoff_ms=200))
    engine.complete_error = CamundaError(500, "Entity was updated by another transaction concurrently",
                                         "OptimisticLockingException")
    for _ in range(3):
        run.run(locked("step", retries=3), router.topics["step"])
    retries = [(r, timeout) for _id, r, timeout, _m in engine.named("failure")]
    assert retries[:2] == [(3, 200), (3, 200)], "handed out again at once, no retry used up"
    assert retries[2][0] == 2, "after max_conflicts in a row it counts as a failure"


def test_a_message_that_only_mentions_the_conflict_is_an_ordinary_failure() -> None:
    router = Router()
    engine = FakeEngine()
    router.topic("step", retries=3)(lambda task: {"x": 1})
    engine.complete_error = CamundaError(500, "OptimisticLockingException in the text only", "ProcessEngineException")
    executor(router, engine).run(locked("step", retries=3), router.topics["step"])
    assert engine.named("failure")[0][1] == 2


# --------------------------------------------------------------------------- lock keeper
def test_the_lock_keeper_uses_the_worker_lock_duration_for_fetch_renewal_and_auto_extend() -> None:
    router = Router()
    router.topic("long", lock_duration_ms=60_000, auto_extend=True)(lambda task: None)
    topic = router.topics["long"]
    engine = FakeEngine()
    keeper = LockKeeper(engine, "worker-1", lock_duration_ms=200)  # type: ignore[arg-type]
    assert keeper.duration(topic) == 200
    assert LockKeeper(engine, "worker-1").duration(topic) == 60_000  # type: ignore[arg-type]
    with keeper.keep(locked("long"), topic):
        time.sleep(0.35)
    assert engine.named("extendLock") and all(ms == 200 for _id, ms in engine.named("extendLock"))

    engine.calls.clear()
    stop = threading.Event()
    keeper.queued(locked("long"), topic, fetched_at=time.monotonic() - 1)
    renewer = threading.Thread(target=keeper.renew_queued, args=(stop, 0.05))
    renewer.start()
    time.sleep(0.2)
    stop.set()
    renewer.join()
    assert engine.named("extendLock") and all(ms == 200 for _id, ms in engine.named("extendLock"))


def test_the_long_poll_has_its_own_timeout_and_leaves_the_shared_session_alone() -> None:
    from appeals.camunda import Camunda

    camunda = Camunda("http://engine.test/engine-rest", "u", "p", timeout=7.0)
    seen: dict[str, Any] = {}

    def request(method: str, url: str, **kwargs: Any):
        seen.update(kwargs, default=camunda.session.default_timeout)

        class Response:
            status_code = 200
            content = b"[]"

            @staticmethod
            def json() -> list[Any]:
                return []

        return Response()

    camunda.session.request = request  # type: ignore[method-assign]
    assert camunda.fetch_and_lock("w", [("t", 1000, ["a"])], max_tasks=1, async_response_timeout_ms=20_000) == []
    assert seen["timeout"] == 27.0 and seen["default"] == 7.0
    assert seen["json"]["topics"] == [{"topicName": "t", "lockDuration": 1000, "variables": ["a"]}]


def test_a_message_meeting_a_concurrent_update_is_correlated_again(monkeypatch) -> None:
    """OptimisticLockingException on /message: rolled back by the engine, so repeated; other errors not."""
    from appeals.camunda import Camunda, CamundaError

    client = Camunda("http://127.0.0.1:9/engine-rest", "u", "p")
    answers = [CamundaError(500, "ENGINE-03005 … updated by another transaction concurrently.",
                            "OptimisticLockingException")] * 2 + [[{"resultType": "Execution"}]]
    calls: list[dict] = []

    def post(path, body=None, **_kwargs):
        calls.append(body)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(client, "post", post)
    assert client.correlate("HotlineReminder", business_key="12345-X") == {"resultType": "Execution"}
    assert len(calls) == 3
    answers[:] = [CamundaError(400, "no process definition or execution matches", "RestException")]
    with pytest.raises(CamundaError, match="matches"):
        client.correlate("HotlineReminder", business_key="12345-Y")
    assert len(calls) == 4, "other errors are not repeated"
