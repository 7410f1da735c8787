"""The external-task worker runtime.

- One long poll per worker process (`asyncResponseTimeout`); handlers run concurrently in a bounded
  thread pool (`max_tasks`). A fetch may lock up to `prefetch` tasks more than there are handler
  threads; they wait in the pool's queue, so the next fetch runs while the handlers still have work.
  While a backlog waits (the last fetch filled every free slot), the next fetch waits briefly until
  half the slots are free and takes one larger batch: each fetchAndLock costs the engine a pass over
  the topic's open tasks, whether it locks one task or fifty. While a task waits in the queue its lock
  is renewed every half lock duration; a task the engine hands out again (its lock had expired) is
  not queued twice.
- A handler is a plain function registered on a topic; the decorator returns it unchanged, so tests
  call it directly. Only the variables it declares are fetched.
- The handler returns its output variables → complete. `BpmnError` → handleBpmnError (a business
  outcome the model catches). Any other exception → handleFailure with decreasing retries and
  exponential back-off; at zero retries the engine raises an incident (with message and stack
  trace) that operators see in Cockpit. Nothing is swallowed, nothing is left locked.
- Long handlers extend their lock (`task.extend_lock()`), or set `auto_extend=True`.
- SIGTERM/SIGINT: stop fetching, let running handlers finish, unlock what is fetched but not started.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .camunda import Camunda, CamundaError, LockedTask

log = logging.getLogger("appeals.worker")

# Tasks a worker locks ahead of its free handlers. One fetchAndLock costs the engine about as much for
# one task as for a hundred (it scans the topic's open tasks), so under a backlog large batches are
# what makes throughput (docs/benchmarks.md); a queued task's lock is renewed if it waits long.
DEFAULT_PREFETCH = 120


class BpmnError(Exception):
    """A business error the BPMN model catches with an error boundary event."""

    def __init__(self, code: str, message: str = "", variables: Mapping[str, Any] | None = None):
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.variables = dict(variables or {})


@dataclass
class Task:
    """What a handler receives: the locked task, its declared variables and a way to extend."""

    id: str
    topic: str
    process_instance_id: str
    business_key: str | None
    activity_id: str
    variables: dict[str, Any]
    retries: int | None = None
    activity_instance_id: str = ""
    _extend: Callable[[int], None] | None = field(default=None, repr=False)

    def extend_lock(self, duration_ms: int) -> None:
        if self._extend is not None:
            self._extend(duration_ms)

    def get(self, name: str, default: Any = None) -> Any:
        value = self.variables.get(name)
        return default if value is None else value


Handler = Callable[[Task], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Topic:
    name: str
    handler: Handler
    variables: tuple[str, ...]
    lock_duration_ms: int = 60_000
    retries: int = 3
    backoff_ms: int = 5_000
    max_backoff_ms: int = 300_000
    auto_extend: bool = False

    def retry_timeout(self, retries_left: int) -> int:
        attempt = max(self.retries - retries_left, 0)
        return min(self.backoff_ms * 2**attempt, self.max_backoff_ms)


class Router:
    """The registry of topics; `@router.topic(...)` registers a handler and returns it unchanged."""

    def __init__(self) -> None:
        self.topics: dict[str, Topic] = {}

    def topic(
        self,
        name: str,
        variables: Iterable[str] = (),
        lock_duration_ms: int = 60_000,
        retries: int = 3,
        backoff_ms: int = 5_000,
        auto_extend: bool = False,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if name in self.topics:
                raise ValueError(f"topic {name!r} registered twice")
            self.topics[name] = Topic(
                name, handler, tuple(variables), lock_duration_ms, retries, backoff_ms,
                auto_extend=auto_extend,
            )
            return handler

        return register


def _log_extra(task: LockedTask) -> dict[str, Any]:
    return {"business_key": task.business_key or "-", "topic": task.topic, "task_id": task.id}


class Worker:
    """Runs the handlers of a router against one engine until stopped."""

    def __init__(
        self,
        camunda: Camunda,
        router: Router,
        worker_id: str | None = None,
        max_tasks: int = 8,
        async_response_timeout_ms: int = 20_000,
        topics: Iterable[str] | None = None,
        lock_duration_ms: int | None = None,
        max_batch_wait_ms: int = 500,
        prefetch: int | None = None,
    ) -> None:
        self.camunda = camunda
        self.lock_duration_ms = lock_duration_ms
        self.router = router
        self.worker_id = worker_id or f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
        self.max_tasks = max_tasks
        self.async_response_timeout_ms = async_response_timeout_ms
        self.topic_names = list(topics) if topics else list(router.topics)
        unknown = set(self.topic_names) - set(router.topics)
        if unknown:
            raise ValueError(f"no handler for topics: {', '.join(sorted(unknown))}")
        self._stop = threading.Event()
        self.prefetch = DEFAULT_PREFETCH if prefetch is None else prefetch
        self.capacity = max_tasks + self.prefetch  # tasks locked by this worker at most (queued + running)
        self._slots = threading.Semaphore(self.capacity)
        self.max_batch_wait_ms = max_batch_wait_ms
        self._backlog = False  # the last fetch filled every free slot: more tasks are waiting
        self._pool = ThreadPoolExecutor(max_workers=max_tasks, thread_name_prefix="handler")
        # tasks fetched and not finished; those not yet started, with [lock ms, last renewal]
        self._guard = threading.Lock()
        self._active: set[str] = set()
        self._queued: dict[str, tuple[LockedTask, int, float]] = {}
        self.processed = 0
        self.failed = 0

    # lifecycle
    def stop(self, *_args: Any) -> None:
        if not self._stop.is_set():
            log.info("stopping: no new fetches; waiting for running handlers")
        self._stop.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run(self) -> None:
        """Fetch and handle until `stop()`; returns after running handlers have finished."""
        log.info("worker %s serving topics: %s", self.worker_id, ", ".join(self.topic_names))
        backoff = 1.0
        renewer = threading.Thread(target=self._renew_queued, daemon=True, name="lock-renewer")
        if self.prefetch:
            renewer.start()
        while not self._stop.is_set():
            free = self._acquire_free_slots()
            if free == 0:
                continue
            try:
                tasks = self.camunda.fetch_and_lock(
                    self.worker_id,
                    [self._topic_request(name) for name in list(self.topic_names)],
                    max_tasks=free,
                    async_response_timeout_ms=self.async_response_timeout_ms,
                )
                backoff = 1.0
            except Exception as exc:  # engine down or restarting: wait and try again
                self._release(free)
                log.warning("fetchAndLock failed (%s); retrying in %.0f s", exc, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            fetched_at = time.monotonic()
            self._backlog = len(tasks) == free
            self._release(free - len(tasks))
            for task in tasks:
                if self._enqueue(task, fetched_at):
                    self._pool.submit(self._execute, task)
                else:  # already queued or running here: the fetch only renewed its lock
                    self._release(1)
        self._pool.shutdown(wait=True)
        if renewer.is_alive():
            renewer.join(timeout=5)
        log.info("worker %s stopped after %d tasks (%d failed)", self.worker_id, self.processed, self.failed)

    def _acquire_free_slots(self) -> int:
        if not self._slots.acquire(timeout=0.5):
            return 0
        free = 1
        while free < self.capacity and self._slots.acquire(blocking=False):
            free += 1
        batch = max(self.capacity // 2, 1)
        if self._backlog and free < batch:
            # Tasks are waiting, and a fetchAndLock costs the engine about the same whether it locks
            # one task or fifty (it grows with the number of open tasks). Rather than fetching for
            # the few slots free now, let the handlers work through the queue until half the slots
            # are free (no longer than max_batch_wait_ms) and fetch one batch.
            deadline = time.monotonic() + self.max_batch_wait_ms / 1000
            while free < batch and not self._stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._slots.acquire(timeout=remaining):
                    break
                free += 1
        return free

    def _release(self, count: int) -> None:
        for _ in range(count):
            self._slots.release()

    def _topic_request(self, name: str) -> tuple[str, int, list[str]]:
        topic = self.router.topics[name]
        return (name, self._lock_ms(topic), list(topic.variables))

    def pause(self, topic: str) -> None:
        """Stop fetching a topic (from the next poll on)."""
        self.topic_names = [name for name in self.topic_names if name != topic]

    def resume(self, topic: str) -> None:
        if topic not in self.topic_names:
            self.topic_names = [*self.topic_names, topic]

    def _unlock(self, task: LockedTask) -> None:
        try:
            self.camunda.post(f"/external-task/{task.id}/unlock")
        except CamundaError as exc:
            log.warning("could not unlock %s: %s", task.id, exc, extra=_log_extra(task))

    # the queue of prefetched tasks
    def _enqueue(self, locked: LockedTask, fetched_at: float) -> bool:
        topic = self.router.topics[locked.topic]
        with self._guard:
            new = locked.id not in self._active
            if new or locked.id in self._queued:  # a task fetched again while queued: its lock is fresh
                self._queued[locked.id] = (locked, self._lock_ms(topic), fetched_at)
            self._active.add(locked.id)
            return new

    def _lock_ms(self, topic: Topic) -> int:
        return self.lock_duration_ms or topic.lock_duration_ms

    def _renew_queued(self) -> None:
        """Extend the locks of queued tasks every half lock duration, until the worker stops."""
        while not self._stop.wait(0.5):
            now = time.monotonic()
            with self._guard:
                due = [(task, lock_ms) for task, lock_ms, renewed in self._queued.values()
                       if (now - renewed) * 1000 > lock_ms / 2]
            for task, lock_ms in due:
                try:
                    self.camunda.extend_lock(task.id, self.worker_id, lock_ms)
                except Exception as exc:  # the check before the handler starts decides
                    log.warning("could not renew the lock of a queued task: %s", exc, extra=_log_extra(task))
                    continue
                with self._guard:
                    if task.id in self._queued:
                        self._queued[task.id] = (task, lock_ms, now)

    # one task
    def _execute(self, locked: LockedTask) -> None:
        topic = self.router.topics[locked.topic]
        extra = _log_extra(locked)
        with self._guard:
            _, _, renewed = self._queued.pop(locked.id, (None, 0, None))
        try:
            if self._ready_to_start(locked, topic, renewed):
                self._run_handler(locked, topic, extra)
        finally:
            with self._guard:
                self._active.discard(locked.id)
            self._release(1)

    def _run_handler(self, locked: LockedTask, topic: Topic, extra: dict[str, Any]) -> None:
        keeper = _LockKeeper(self, locked, topic) if topic.auto_extend else None
        task = Task(
            id=locked.id,
            topic=locked.topic,
            process_instance_id=locked.process_instance_id,
            business_key=locked.business_key,
            activity_id=locked.activity_id,
            variables=dict(locked.variables),
            retries=locked.retries,
            activity_instance_id=locked.activity_instance_id,
            _extend=lambda ms: self.camunda.extend_lock(locked.id, self.worker_id, ms),
        )
        try:
            if keeper:
                keeper.start()
            try:
                result = topic.handler(task) or {}
            finally:
                if keeper:
                    keeper.stop()
            self.camunda.complete_external(locked.id, self.worker_id, result)
            self.processed += 1
            log.info("completed %s", locked.activity_id, extra=extra)
        except BpmnError as err:
            code, message, variables = err.code, err.message, err.variables
            self._report(lambda: self.camunda.bpmn_error(locked.id, self.worker_id, code, message, variables), locked)
            self.processed += 1
            log.info("business error %s: %s", code, message, extra=extra)
        except CamundaError as exc:
            if "OptimisticLockingException" not in str(exc):
                self._fail(locked, topic, exc, extra)
            else:  # another transaction changed the instance first: not a failure, run it again
                log.info("concurrent update; retrying at once", extra=extra)
                retries = locked.retries if locked.retries is not None else topic.retries
                self._report(lambda: self.camunda.failure(locked.id, self.worker_id, "concurrent update",
                                                          "", retries, 200), locked)
        except Exception as exc:
            self._fail(locked, topic, exc, extra)

    def _ready_to_start(self, locked: LockedTask, topic: Topic, renewed_at: float | None) -> bool:
        """False for a queued task that must not run: the worker is stopping, or its lock is lost."""
        if self._stop.is_set():
            self._unlock(locked)
            return False
        lock_ms = self._lock_ms(topic)
        if renewed_at is not None and (time.monotonic() - renewed_at) * 1000 > lock_ms / 2:
            try:  # it waited long in the queue: renew the lock before the handler starts
                self.camunda.extend_lock(locked.id, self.worker_id, lock_ms)
            except CamundaError as exc:
                if exc.status in (400, 404, 500):  # another worker has it now, or the task is gone
                    log.warning("lock lost while queued (%s); the engine redelivers it", exc,
                                extra=_log_extra(locked))
                    return False
                log.warning("could not extend the lock (%s); running anyway", exc, extra=_log_extra(locked))
            except Exception as exc:  # connection trouble: the lock may still hold
                log.warning("could not extend the lock (%s); running anyway", exc, extra=_log_extra(locked))
        return True

    def _fail(self, locked: LockedTask, topic: Topic, exc: Exception, extra: dict[str, Any]) -> None:
        """handleFailure with one retry less and a growing back-off; at zero the engine raises an incident."""
        self.failed += 1
        retries_left = max((locked.retries if locked.retries is not None else topic.retries) - 1, 0)
        message = f"{type(exc).__name__}: {exc}"
        details = "".join(traceback.format_exception(exc))
        log.error("handler failed (%d retries left): %s", retries_left, message, extra=extra)
        self._report(
            lambda: self.camunda.failure(
                locked.id, self.worker_id, message, details, retries_left, topic.retry_timeout(retries_left),
            ),
            locked,
        )

    def _report(self, call: Callable[[], None], locked: LockedTask) -> None:
        """Tell the engine the outcome; if even that fails, the lock expires and it is redelivered."""
        for attempt in range(3):
            try:
                call()
                return
            except CamundaError as exc:
                if exc.status in (400, 404):  # lock lost or task gone: nothing more to report
                    log.warning("engine refused the report: %s", exc, extra=_log_extra(locked))
                    return
                error: Exception = exc
            except Exception as exc:  # connection trouble
                error = exc
            time.sleep(0.5 * (attempt + 1))
        log.error("could not report the outcome (%s); the lock will expire", error, extra=_log_extra(locked))


class _LockKeeper:
    """Extends a running task's lock every half lock duration until the handler returns."""

    def __init__(self, worker: Worker, locked: LockedTask, topic: Topic) -> None:
        self.worker, self.locked, self.topic = worker, locked, topic
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"lock-{locked.id[:8]}")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()

    def _run(self) -> None:
        interval = self.topic.lock_duration_ms / 2000
        while not self._done.wait(interval):
            try:
                self.worker.camunda.extend_lock(self.locked.id, self.worker.worker_id, self.topic.lock_duration_ms)
            except Exception as exc:
                log.warning("lock extension failed: %s", exc, extra=_log_extra(self.locked))


class _BusinessKeyDefault(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for name in ("business_key", "topic", "task_id"):
            if not hasattr(record, name):
                setattr(record, name, "-")
        return True


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(_BusinessKeyDefault())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(business_key)s %(topic)s] %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
