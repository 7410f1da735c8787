"""The executor: run a task's handler and tell the engine the outcome.

- output → the router's after-hooks (the milestone fan-out) → complete with the output variables;
- `BpmnError` → handleBpmnError (a business outcome the model catches);
- an optimistic-locking conflict (engine error type, `ConflictPolicy`) → handed out again at once
  without using up a retry, a bounded number of times;
- an exception the topic declares in `throws` (a modelling error) → handleFailure with retries 0:
  the incident at once;
- any other exception → handleFailure with one retry less and a growing back-off; at zero the
  engine raises an incident (message and stack trace) that operators see in Cockpit.
Nothing is swallowed, nothing is left locked.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..camunda import Camunda, CamundaError, LockedTask
from .locks import LockKeeper, log_extra
from .router import ConflictPolicy, Router, Topic
from .task import BpmnError, Task

log = logging.getLogger("appeals.worker")


class Executor:
    """Runs handlers in a bounded thread pool and reports their outcome."""

    def __init__(self, camunda: Camunda, router: Router, worker_id: str, locks: LockKeeper, *,
                 max_tasks: int = 8, context: Any = None, conflicts: ConflictPolicy | None = None,
                 stopping: threading.Event | None = None) -> None:
        self.camunda = camunda
        self.router = router
        self.worker_id = worker_id
        self.locks = locks
        self.context = context
        self.conflicts = conflicts or ConflictPolicy()
        self.stopping = stopping or threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=max_tasks, thread_name_prefix="handler")
        self._conflict_counts: OrderedDict[str, int] = OrderedDict()
        self._counts_guard = threading.Lock()
        self.processed = 0
        self.failed = 0

    def submit(self, locked: LockedTask, done: Callable[[LockedTask], None]) -> None:
        """Queue `locked` for a handler thread; `done(locked)` is called when it has finished."""
        self._pool.submit(self._execute, locked, done)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)

    def _execute(self, locked: LockedTask, done: Callable[[LockedTask], None]) -> None:
        topic = self.router.topics[locked.topic]
        renewed_at = self.locks.dequeue(locked.id)
        try:
            if self.stopping.is_set():  # fetched but not started: give it back
                self._unlock(locked)
            elif self.locks.still_locked(locked, topic, renewed_at):
                self.run(locked, topic)
        finally:
            done(locked)

    def run(self, locked: LockedTask, topic: Topic) -> None:
        """Run one task's handler and after-hooks and report the outcome to the engine."""
        extra = log_extra(locked)
        task = Task(
            id=locked.id,
            topic=locked.topic,
            process_instance_id=locked.process_instance_id,
            business_key=locked.business_key,
            activity_id=locked.activity_id,
            variables=dict(locked.variables),
            retries=locked.retries,
            activity_instance_id=locked.activity_instance_id,
            lock_ms=self.locks.duration(topic),
            tenant_id=locked.tenant_id,
            _extend=lambda ms: self.camunda.extend_lock(locked.id, self.worker_id, ms),
        )
        try:
            if topic.auto_extend:
                with self.locks.keep(locked, topic):
                    output = self._handle(topic, task)
            else:
                output = self._handle(topic, task)
            self.camunda.complete_external(locked.id, self.worker_id, output)
            self._forget_conflicts(locked.id)
            self.processed += 1
            log.info("completed %s", locked.activity_id, extra=extra)
        except BpmnError as err:
            code, message, variables = err.code, err.message, err.variables
            self._report(lambda: self.camunda.bpmn_error(locked.id, self.worker_id, code, message, variables), locked)
            self._forget_conflicts(locked.id)
            self.processed += 1
            log.info("business error %s: %s", code, message, extra=extra)
        except Exception as exc:
            if ConflictPolicy.is_conflict(exc) and self._count_conflict(locked.id):
                # another transaction changed the instance first: run it again, no retry used up
                log.info("concurrent update; handing it out again", extra=extra)
                retries = locked.retries if locked.retries is not None else topic.retries
                self._report(lambda: self.camunda.failure(locked.id, self.worker_id, "concurrent update", "",
                                                          retries, self.conflicts.backoff_ms), locked)
                return
            self._forget_conflicts(locked.id)
            self.fail(locked, topic, exc)

    def _handle(self, topic: Topic, task: Task) -> dict[str, Any]:
        output = dict(topic.call(task, self.context))
        self.router.run_after_hooks(topic, task, output, self.context)
        return output

    def _count_conflict(self, task_id: str) -> bool:
        """Count a conflict of `task_id`; False once it had `max_conflicts` in a row (a failure then)."""
        with self._counts_guard:
            count = self._conflict_counts.pop(task_id, 0) + 1
            self._conflict_counts[task_id] = count
            while len(self._conflict_counts) > 10_000:
                self._conflict_counts.popitem(last=False)
        return count <= self.conflicts.max_conflicts

    def _forget_conflicts(self, task_id: str) -> None:
        with self._counts_guard:
            self._conflict_counts.pop(task_id, None)

    def fail(self, locked: LockedTask, topic: Topic, exc: BaseException) -> None:
        """handleFailure: one retry less and a growing back-off, or retries 0 for what the topic throws."""
        self.failed += 1
        policy = topic.retry
        if policy.retryable(exc):
            retries_left = max((locked.retries if locked.retries is not None else policy.max_retries) - 1, 0)
        else:
            retries_left = 0
        message = f"{type(exc).__name__}: {exc}"
        details = "".join(traceback.format_exception(exc))
        log.error("handler failed (%d retries left): %s", retries_left, message, extra=log_extra(locked))
        self._report(
            lambda: self.camunda.failure(
                locked.id, self.worker_id, message, details, retries_left, policy.backoff_ms(retries_left),
            ),
            locked,
        )

    def _unlock(self, locked: LockedTask) -> None:
        try:
            self.camunda.post(f"/external-task/{locked.id}/unlock")
        except CamundaError as exc:
            log.warning("could not unlock %s: %s", locked.id, exc, extra=log_extra(locked))

    def _report(self, call: Callable[[], None], locked: LockedTask) -> None:
        """Tell the engine the outcome; if even that fails, the lock expires and it is redelivered."""
        error: Exception | None = None
        for attempt in range(3):
            try:
                call()
                return
            except CamundaError as exc:
                if exc.status in (400, 404):  # lock lost or task gone: nothing more to report
                    log.warning("engine refused the report: %s", exc, extra=log_extra(locked))
                    return
                error = exc
            except Exception as exc:  # connection trouble
                error = exc
            time.sleep(0.5 * (attempt + 1))
        log.error("could not report the outcome (%s); the lock will expire", error, extra=log_extra(locked))
