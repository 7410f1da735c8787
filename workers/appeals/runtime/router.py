"""Topics and what they declare: the router of the external-task handlers (pyzeebe's task router).

A topic declares, next to its handler:
- `variables`: the process variables it reads (the only ones fetched, plus its milestone's);
- `milestone`: the appeal milestone it reaches (`Milestone`), which the router's after-hooks act on
  once the handler has returned (the ledger update and the 12345 status push, see
  `appeals.milestones`), fetching only that milestone's variables;
- `retry`: its `RetryPolicy` — how often and how patiently a failure is retried, and which
  exceptions (`throws`) are modelling errors that go to an incident at once.

The decorator returns the handler unchanged, so tests call it directly. A handler takes the task,
and the application context as a second argument when it declares one:
`def handler(task: Task, ctx: AppContext) -> dict | None`.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .task import Task

Handler = Callable[..., Mapping[str, Any] | None]
# after-hook: (topic, task, output, context) → None; runs after a successful handler, before complete
AfterHook = Callable[["Topic", Task, Mapping[str, Any], Any], None]


@dataclass(frozen=True)
class Milestone:
    """The milestone a topic reaches when its handler succeeds.

    `name`: a ledger milestone (`appeals.ledger.milestones.MILESTONES`). `when(output)`: for a
    topic that reaches it only in some outcomes — the after-hook asks it with the handler's output
    (None: always). `at(task, ctx)`: the milestone's time when no variable holds it (None: the
    milestone's own time variable, else now)."""

    name: str
    when: Callable[[Mapping[str, Any]], bool] | None = None
    at: Callable[[Task, Any], dt.datetime | None] | None = None

    def reached(self, output: Mapping[str, Any]) -> bool:
        return self.when is None or bool(self.when(output))


class ConflictPolicy:
    """Optimistic-locking conflicts (engine error type `OptimisticLockingException`).

    Another transaction changed the process instance first; the handler's work is rolled back by
    the engine and the task is handed out again after `backoff_ms` WITHOUT using up a retry — at
    most `max_conflicts` times in a row per task and worker; after that a conflict counts as an
    ordinary failure."""


    def __init__(self, max_conflicts: int = 5, backoff_ms: int = 200) -> None:
        self.max_conflicts = max_conflicts
        self.backoff_ms = backoff_ms

    @staticmethod
    def is_conflict(exc: BaseException) -> bool:
        """True for the engine's optimistic-locking error, recognised by its REST error `type`
        (`CamundaError.is_conflict`, the same test the client's message correlation uses)."""
        from ..camunda import CamundaError

        return isinstance(exc, CamundaError) and exc.is_conflict


@dataclass(frozen=True)
class RetryPolicy:
    """How a failing handler is retried (Dramatiq's Retries options).

    `max_retries`: handleFailure retries before the incident; `min_backoff_ms` doubling up to
    `max_backoff_ms`; `throws`: exception types that are not retried (modelling errors: the
    incident is raised at once, retries 0); `retry_when(exc)`: None → retry every other exception."""

    max_retries: int = 3
    min_backoff_ms: int = 5_000
    max_backoff_ms: int = 300_000
    throws: tuple[type[BaseException], ...] = ()
    retry_when: Callable[[BaseException], bool] | None = None

    def retryable(self, exc: BaseException) -> bool:
        if isinstance(exc, self.throws):
            return False
        return self.retry_when is None or bool(self.retry_when(exc))

    def backoff_ms(self, retries_left: int) -> int:
        attempt = max(self.max_retries - retries_left, 0)
        return min(self.min_backoff_ms * 2**attempt, self.max_backoff_ms)


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
    milestone: Milestone | None = None
    throws: tuple[type[BaseException], ...] = ()
    takes_context: bool = field(default=False)

    @property
    def retry(self) -> RetryPolicy:
        return RetryPolicy(self.retries, self.backoff_ms, self.max_backoff_ms, self.throws)

    def retry_timeout(self, retries_left: int) -> int:
        return self.retry.backoff_ms(retries_left)

    def call(self, task: Task, context: Any) -> Mapping[str, Any]:
        """Run the handler; its output variables (never None)."""
        result = self.handler(task, context) if self.takes_context else self.handler(task)
        return result or {}


def _takes_context(handler: Handler) -> bool:
    params = [p for p in inspect.signature(handler).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(params) >= 2


class Router:
    """The registry of topics; `@router.topic(...)` registers a handler and returns it unchanged.

    `milestone_variables(name)`: the variables a milestone's after-hook reads; they are added to
    the fetch of every topic that declares that milestone. `after(hook)` adds an after-hook."""

    def __init__(self, milestone_variables: Callable[[str], Iterable[str]] | None = None) -> None:
        self.topics: dict[str, Topic] = {}
        self.after_hooks: list[AfterHook] = []
        self._milestone_variables = milestone_variables

    def after(self, hook: AfterHook) -> AfterHook:
        """Register a hook run after every successful handler (before the task is completed)."""
        self.after_hooks.append(hook)
        return hook

    def topic(
        self,
        name: str,
        variables: Iterable[str] = (),
        lock_duration_ms: int = 60_000,
        retries: int = 3,
        backoff_ms: int = 5_000,
        auto_extend: bool = False,
        milestone: Milestone | str | None = None,
        throws: Iterable[type[BaseException]] = (),
    ) -> Callable[[Handler], Handler]:
        if isinstance(milestone, str):
            milestone = Milestone(milestone)
        fetched = list(variables)
        if milestone is not None and self._milestone_variables is not None:
            fetched += list(self._milestone_variables(milestone.name))

        def register(handler: Handler) -> Handler:
            if name in self.topics:
                raise ValueError(f"topic {name!r} registered twice")
            self.topics[name] = Topic(
                name, handler, tuple(dict.fromkeys(fetched)), lock_duration_ms, retries, backoff_ms,
                auto_extend=auto_extend, milestone=milestone, throws=tuple(throws),
                takes_context=_takes_context(handler),
            )
            return handler

        return register

    def run_after_hooks(self, topic: Topic, task: Task, output: Mapping[str, Any], context: Any) -> None:
        for hook in self.after_hooks:
            hook(topic, task, output, context)
