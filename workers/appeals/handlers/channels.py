"""Events from the intake channels during handling (spec §3, §16): 12345 reminders (催单)."""

from __future__ import annotations

from typing import Any

from ..deadlines import now
from ..runtime import Task
from . import router


@router.topic("recordHotlineReminder", variables=("hotlineReminderCount", "hotlineReminderText"))
def record_hotline_reminder(task: Task) -> dict[str, Any]:
    """Count the 12345 platform's reminder; the notification to the handler goes out with it."""
    count = int(task.get("hotlineReminderCount") or 0) + 1
    return {"hotlineReminderCount": count, "lastHotlineReminderAt": now().isoformat(timespec="seconds")}
