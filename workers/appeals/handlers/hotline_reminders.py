"""Events from the intake channels during handling (spec §3, §16): 12345 reminders (催单)."""

from __future__ import annotations

from typing import Any

from ..context import AppContext
from ..deadlines import now
from ..runtime import Task
from . import router


@router.topic("recordHotlineReminder", variables=("hotlineReminderText",))
def record_hotline_reminder(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Count the 12345 platform's reminders.

    Reminders can arrive together and run in parallel, so the count is read from the engine's history
    (one event subprocess per reminder) rather than incremented: no lost update, same on redelivery.
    """
    count = ctx.camunda.get("/history/activity-instance/count", processInstanceId=task.process_instance_id,
                                   activityId="StartEvent_HotlineReminder")["count"]
    return {"hotlineReminderCount": count, "lastHotlineReminderAt": now().isoformat(timespec="seconds")}
