"""The external-task worker runtime, in small rooms (house style §7–§9):

- `router`: topics declare their variables, milestone and retry policy; after-hooks;
- `poller`: long-poll fetchAndLock, batching, prefetch;
- `executor`: run the handler and after-hooks, outcome → complete / bpmnError / failure;
- `locks`: the lock keeper — one lock duration per topic, from one place, and its renewal;
- `worker`: the three wired together, with stop and signal handling.

SIGTERM/SIGINT: stop fetching, let running handlers finish, unlock what is fetched but not started.
Long handlers extend their lock (`task.extend_lock()`), or declare `auto_extend=True`.
"""

from __future__ import annotations

import logging

from .router import ConflictPolicy, Handler, Milestone, RetryPolicy, Router, Topic
from .task import BpmnError, ModelError, Task
from .worker import DEFAULT_PREFETCH, Worker

__all__ = ["DEFAULT_PREFETCH", "BpmnError", "ConflictPolicy", "Handler", "Milestone", "ModelError", "RetryPolicy", "Router",
           "Task", "Topic", "Worker", "configure_logging"]


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
