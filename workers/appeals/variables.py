"""Reading process variables whose shape varies with where they were set."""

from __future__ import annotations

from typing import Any


def as_list(value: Any) -> list[str]:
    """A multi-value variable as a list of strings: a list stays a list, "a, b" → ["a", "b"], None/"" → []."""
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]
