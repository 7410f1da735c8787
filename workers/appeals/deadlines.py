"""Due dates from the AppealDeadlines decision table on China's working-day calendar.

The durations are data (dmn/AppealDeadlines.dmn, editable by administrators); this module turns a
step and a start time into an ISO date-time that user tasks (`camunda:dueDate`) and timers
(`timeDate`) use. A due date computed for a year without official holiday data is marked as
provisional (the variable `deadlineWarning`), never a crash.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .camunda import Camunda
from .workdays import SHANGHAI, Deadline, WorkdayCalendar

DECISION = "AppealDeadlines"
OFFICE_OPEN = dt.time(9, 0)


class DeadlineRuleMissing(LookupError):
    """No rule of the decision table matches a step."""


def now() -> dt.datetime:
    return dt.datetime.now(SHANGHAI)


def parse_time(value: Any) -> dt.datetime | None:
    """A Camunda Date/ISO string variable as an aware datetime (None stays None)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
    text = str(value).replace("Z", "+00:00")
    if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":  # +0800 → +08:00
        text = f"{text[:-2]}:{text[-2:]}"
    parsed = dt.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


class DeadlineService:
    def __init__(self, camunda: Camunda, calendar: WorkdayCalendar) -> None:
        self.camunda = camunda
        self.calendar = calendar

    def rule(self, step: str, situation: str | None = None, multi_department: bool = False) -> tuple[int, str]:
        rows = self.camunda.evaluate_decision(
            DECISION, {"step": step, "dispatchSituation": situation or "", "multiDepartment": multi_department}
        )
        if not rows:
            raise DeadlineRuleMissing(f"{DECISION} has no rule for step '{step}'")
        return int(rows[0]["amount"]), str(rows[0]["unit"])

    def due(self, step: str, start: dt.datetime | None = None, situation: str | None = None,
            multi_department: bool = False) -> Deadline:
        amount, unit = self.rule(step, situation, multi_department)
        return self.add(start or now(), amount, unit)

    def before(self, due: dt.datetime, step: str) -> dt.datetime:
        """The opening of the office (09:00) N working days before `due` (for reminders)."""
        amount, _unit = self.rule(step)
        day = due.astimezone(SHANGHAI).date()
        while amount > 0:
            day -= dt.timedelta(days=1)
            if self.calendar.is_workday(day):
                amount -= 1
        return dt.datetime.combine(day, OFFICE_OPEN, SHANGHAI)

    def handling_timers(self, handling_due: Deadline) -> dict[str, Any]:
        """When the handling reminder fires and when an overdue appeal is pushed up the chain."""
        reminder = self.before(handling_due.due, "reminderBefore")
        return {
            "handlingReminderAt": max(reminder, now()).isoformat(timespec="seconds"),
            "escalateAt": self.due("escalateAfter", handling_due.due).iso(),
        }

    def add(self, start: dt.datetime, amount: int, unit: str) -> Deadline:
        if unit == "workday":
            return self.calendar.add_working_days(start, amount)
        if unit == "day":
            return self.calendar.add_calendar_days(start, amount)
        if unit == "month":
            return self.calendar.add_months(start, amount)
        raise ValueError(f"unknown deadline unit '{unit}' in {DECISION}")


def due_label(due: dt.datetime) -> str:
    """A due date as the staff read it: '2026年12月7日 18:00' (Asia/Shanghai)."""
    local = due.astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def deadline_variables(name: str, deadline: Deadline) -> dict[str, Any]:
    """`{name}` as ISO text and `{name}Label` in Chinese for the forms ('2026年12月7日 18:00'), plus a
    warning variable when the calendar had no official data."""
    values: dict[str, Any] = {name: deadline.iso(), f"{name}Label": due_label(deadline.due)}
    if deadline.uses_fallback:
        years = ", ".join(str(y) for y in deadline.fallback_years)
        values["deadlineWarning"] = f"{years}年节假日安排尚未导入，{name}按周一至周五推算，请管理员导入后核对"
    return values
