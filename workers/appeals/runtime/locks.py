"""The lock keeper: ONE lock duration per topic, from one place, and its renewal.

`duration(topic)` is the lock every fetch asks for and every extension renews: the worker's
`--lock-ms` when set, else the topic's declared `lock_duration_ms`. The keeper renews the locks of
prefetched tasks waiting in the queue (every half duration), renews a queued task's lock once more
before its handler starts if it waited long, and keeps the lock of a running `auto_extend` task.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..camunda import Camunda, CamundaError, LockedTask
from .router import Topic

log = logging.getLogger("appeals.worker")


def log_extra(task: LockedTask) -> dict[str, Any]:
    return {"business_key": task.business_key or "-", "topic": task.topic, "task_id": task.id}


class LockKeeper:
    """Lock durations and renewals of one worker."""

    def __init__(self, camunda: Camunda, worker_id: str, lock_duration_ms: int | None = None) -> None:
        self.camunda = camunda
        self.worker_id = worker_id
        self.lock_duration_ms = lock_duration_ms  # the worker's override (--lock-ms), or None
        self._guard = threading.Lock()
        self._queued: dict[str, tuple[LockedTask, int, float]] = {}  # id → (task, lock ms, last renewal)

    def duration(self, topic: Topic) -> int:
        """The lock duration of `topic` in ms: the worker's override, else the topic's."""
        return self.lock_duration_ms or topic.lock_duration_ms

    def extend(self, locked: LockedTask, duration_ms: int) -> None:
        self.camunda.extend_lock(locked.id, self.worker_id, duration_ms)

    # queued tasks
    def queued(self, locked: LockedTask, topic: Topic, fetched_at: float) -> None:
        """`locked` waits in the queue with a lock fresh as of `fetched_at` (monotonic seconds)."""
        with self._guard:
            self._queued[locked.id] = (locked, self.duration(topic), fetched_at)

    def is_queued(self, task_id: str) -> bool:
        with self._guard:
            return task_id in self._queued

    def dequeue(self, task_id: str) -> float | None:
        """The task leaves the queue; when its lock was last renewed (None: it was not queued)."""
        with self._guard:
            entry = self._queued.pop(task_id, None)
        return entry[2] if entry else None

    def renew_queued(self, stop: threading.Event, interval: float = 0.5) -> None:
        """Extend the locks of queued tasks every half lock duration, until `stop` is set."""
        while not stop.wait(interval):
            now = time.monotonic()
            with self._guard:
                due = [(task, lock_ms) for task, lock_ms, renewed in self._queued.values()
                       if (now - renewed) * 1000 > lock_ms / 2]
            for task, lock_ms in due:
                try:
                    self.extend(task, lock_ms)
                except Exception as exc:  # the check before the handler starts decides
                    log.warning("could not renew the lock of a queued task: %s", exc, extra=log_extra(task))
                    continue
                with self._guard:
                    if task.id in self._queued:
                        self._queued[task.id] = (task, lock_ms, now)

    def still_locked(self, locked: LockedTask, topic: Topic, renewed_at: float | None) -> bool:
        """Before a queued task's handler starts: renew a lock older than half its duration.

        False when the engine says the lock is lost (another worker has it, or the task is gone)."""
        lock_ms = self.duration(topic)
        if renewed_at is None or (time.monotonic() - renewed_at) * 1000 <= lock_ms / 2:
            return True
        try:
            self.extend(locked, lock_ms)
        except CamundaError as exc:
            if exc.status in (400, 404, 500):
                log.warning("lock lost while queued (%s); the engine redelivers it", exc, extra=log_extra(locked))
                return False
            log.warning("could not extend the lock (%s); running anyway", exc, extra=log_extra(locked))
        except Exception as exc:  # connection trouble: the lock may still hold
            log.warning("could not extend the lock (%s); running anyway", exc, extra=log_extra(locked))
        return True

    # running tasks
    @contextmanager
    def keep(self, locked: LockedTask, topic: Topic) -> Iterator[None]:
        """While the block runs, extend the task's lock every half of `duration(topic)`."""
        done = threading.Event()
        lock_ms = self.duration(topic)

        def run() -> None:
            while not done.wait(lock_ms / 2000):
                try:
                    self.extend(locked, lock_ms)
                except Exception as exc:
                    log.warning("lock extension failed: %s", exc, extra=log_extra(locked))

        thread = threading.Thread(target=run, daemon=True, name=f"lock-{locked.id[:8]}")
        thread.start()
        try:
            yield
        finally:
            done.set()
