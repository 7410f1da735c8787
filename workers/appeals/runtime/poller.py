"""The poller: long-poll fetchAndLock, batching and prefetch.

One long poll per worker process (`asyncResponseTimeout`). A fetch may lock up to `prefetch` tasks
more than there are handler threads; they wait in the executor's queue (their locks kept by the
`LockKeeper`), so the next fetch runs while the handlers still have work. While a backlog waits
(the last fetch filled every free slot), the next fetch waits briefly until half the slots are free
and takes one larger batch: each fetchAndLock costs the engine a pass over the topic's open tasks,
whether it locks one task or fifty. A task the engine hands out again while it is queued or running
here (its lock had expired) is not queued twice.
"""

from __future__ import annotations

import logging
import threading
import time

from ..camunda import Camunda, LockedTask
from .executor import Executor
from .locks import LockKeeper
from .router import Router

log = logging.getLogger("appeals.worker")


class Poller:
    """Fetches tasks for the free slots of an executor until `stopping` is set."""

    def __init__(self, camunda: Camunda, router: Router, worker_id: str, locks: LockKeeper, executor: Executor, *,
                 topics: list[str], capacity: int, async_response_timeout_ms: int = 20_000,
                 max_batch_wait_ms: int = 500, stopping: threading.Event | None = None) -> None:
        self.camunda = camunda
        self.router = router
        self.worker_id = worker_id
        self.locks = locks
        self.executor = executor
        self.topic_names = topics
        self.capacity = capacity  # tasks locked by this worker at most (queued + running)
        self.async_response_timeout_ms = async_response_timeout_ms
        self.max_batch_wait_ms = max_batch_wait_ms
        self.stopping = stopping or threading.Event()
        self._slots = threading.Semaphore(capacity)
        self._backlog = False  # the last fetch filled every free slot: more tasks are waiting
        self._guard = threading.Lock()
        self._active: set[str] = set()  # fetched and not finished

    def run(self) -> None:
        backoff = 1.0
        while not self.stopping.is_set():
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
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            fetched_at = time.monotonic()
            self._backlog = len(tasks) == free
            self._release(free - len(tasks))
            for task in tasks:
                if self._enqueue(task, fetched_at):
                    self.executor.submit(task, self._finished)
                else:  # already queued or running here: the fetch only renewed its lock
                    self._release(1)

    def _topic_request(self, name: str) -> tuple[str, int, list[str]]:
        topic = self.router.topics[name]
        return (name, self.locks.duration(topic), list(topic.variables))

    def _enqueue(self, locked: LockedTask, fetched_at: float) -> bool:
        topic = self.router.topics[locked.topic]
        with self._guard:
            new = locked.id not in self._active
            if new or self.locks.is_queued(locked.id):  # fetched again while queued: its lock is fresh
                self.locks.queued(locked, topic, fetched_at)
            self._active.add(locked.id)
            return new

    def _finished(self, locked: LockedTask) -> None:
        with self._guard:
            self._active.discard(locked.id)
        self._release(1)

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
            while free < batch and not self.stopping.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._slots.acquire(timeout=remaining):
                    break
                free += 1
        return free

    def _release(self, count: int) -> None:
        for _ in range(count):
            self._slots.release()
