"""What a handler receives, and the business error it may raise."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class BpmnError(Exception):
    """A business error the BPMN model catches with an error boundary event."""

    def __init__(self, code: str, message: str = "", variables: Mapping[str, Any] | None = None):
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.variables = dict(variables or {})


class ModelError(ValueError):
    """The BPMN model asks for something the code does not know (an unknown event, a missing input
    parameter, an org chart without a required group). Declared in a topic's `throws`, it raises the
    incident at once: retrying cannot help, an operator or modeller must."""


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
    lock_ms: int | None = None  # the lock this worker holds, in ms (the engine may hand the task out after it)
    tenant_id: str | None = None
    """The instance's tenant: its county, or `city` (docs/city-level.md); None in a chart without counties."""
    _extend: Callable[[int], None] | None = field(default=None, repr=False)

    def extend_lock(self, duration_ms: int) -> None:
        if self._extend is not None:
            self._extend(duration_ms)

    def get(self, name: str, default: Any = None) -> Any:
        value = self.variables.get(name)
        return default if value is None else value
