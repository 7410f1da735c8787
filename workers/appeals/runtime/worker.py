"""The worker: a poller, an executor and a lock keeper, wired together (pyzeebe's worker)."""

from __future__ import annotations

import logging
import signal
import socket
import threading
import uuid
from collections.abc import Iterable
from typing import Any

from ..camunda import Camunda
from .executor import Executor
from .locks import LockKeeper
from .poller import Poller
from .router import ConflictPolicy, Router

log = logging.getLogger("appeals.worker")

# Tasks a worker locks ahead of its free handlers. One fetchAndLock costs the engine about as much for
# one task as for a hundred (it scans the topic's open tasks), so under a backlog large batches are
# what makes throughput (docs/benchmarks.md); a queued task's lock is renewed if it waits long.
DEFAULT_PREFETCH = 120


class Worker:
    """Runs the handlers of a router against one engine until stopped.

    `context`: what handlers that take a second argument receive (the `AppContext`), and the
    after-hooks; `lock_duration_ms`: one lock duration for every topic (else each topic's own)."""

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
        context: Any = None,
        conflicts: ConflictPolicy | None = None,
        fetch_camunda: Camunda | None = None,
    ) -> None:
        self.camunda = camunda
        # where the long poll goes (one engine node of a cluster); everything else goes to `camunda`
        # (the balancer), so a task fetched from a node that died is still completed (docs/cluster.md)
        self.fetch_camunda = fetch_camunda or camunda
        self.router = router
        self.worker_id = worker_id or f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
        names = list(topics) if topics else list(router.topics)
        unknown = set(names) - set(router.topics)
        if unknown:
            raise ValueError(f"no handler for topics: {', '.join(sorted(unknown))}")
        self.prefetch = DEFAULT_PREFETCH if prefetch is None else prefetch
        self._stop = threading.Event()
        self.locks = LockKeeper(camunda, self.worker_id, lock_duration_ms)
        self.executor = Executor(camunda, router, self.worker_id, self.locks, max_tasks=max_tasks,
                                 context=context, conflicts=conflicts, stopping=self._stop)
        self.poller = Poller(self.fetch_camunda, router, self.worker_id, self.locks, self.executor, topics=names,
                             capacity=max_tasks + self.prefetch,
                             async_response_timeout_ms=async_response_timeout_ms,
                             max_batch_wait_ms=max_batch_wait_ms, stopping=self._stop)

    @property
    def topic_names(self) -> list[str]:
        return self.poller.topic_names

    @property
    def processed(self) -> int:
        return self.executor.processed

    @property
    def failed(self) -> int:
        return self.executor.failed

    def stop(self, *_args: Any) -> None:
        if not self._stop.is_set():
            log.info("stopping: no new fetches; waiting for running handlers")
        self._stop.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def pause(self, topic: str) -> None:
        """Stop fetching a topic (from the next poll on)."""
        self.poller.topic_names = [name for name in self.poller.topic_names if name != topic]

    def resume(self, topic: str) -> None:
        if topic not in self.poller.topic_names:
            self.poller.topic_names = [*self.poller.topic_names, topic]

    def run(self) -> None:
        """Fetch and handle until `stop()`; returns after running handlers have finished.

        At stop: no new fetches, running handlers finish, fetched tasks not yet started are unlocked."""
        log.info("worker %s serving topics: %s (polling %s)", self.worker_id, ", ".join(self.topic_names),
                 self.fetch_camunda.url)
        renewer = threading.Thread(target=self.locks.renew_queued, args=(self._stop,), daemon=True,
                                   name="lock-renewer")
        if self.prefetch:
            renewer.start()
        self.poller.run()
        self.executor.shutdown()
        if renewer.is_alive():
            renewer.join(timeout=5)
        log.info("worker %s stopped after %d tasks (%d failed)", self.worker_id, self.processed, self.failed)
