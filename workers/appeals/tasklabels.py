"""What a task shows about itself in Tasklist (issue 13): the category in Chinese and the working days
ahead, for the task lists and the forms.

    category_label("power") -> "用电保障"
    workday_list(calendar, start=2026-11-30) -> "2026-11-30,2026-12-01,…"   (WORKDAYS_AHEAD days)

The engine copies `registrationNumber`, `enterpriseName` and `categoryLabel` into task-local variables
when a task is created (engine/…/TaskSummaryPlugin.java), so that a department's filter list can show
them. `workdays` lets a form count the working days left to a due date at the moment it is opened
(FEEL in the form: the working days after today up to and including the due day), on the project's
own calendar (workdays.py) rather than the browser's idea of a week.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .vocabulary import CATEGORY_LABELS
from .workdays import SHANGHAI, WorkdayCalendar, YearSource

# 200 working days (about nine and a half months) as ISO dates fit a Camunda String variable
# (4000 characters) with room to spare; due dates lie well inside that range.
WORKDAYS_AHEAD = 200


def category_label(code: Any) -> str | None:
    """The staff label of a category code (None for none; an unknown code is shown as it is)."""
    if code in (None, ""):
        return None
    return CATEGORY_LABELS.get(str(code), str(code))


def workday_list(calendar: WorkdayCalendar, start: dt.date | None = None, count: int = WORKDAYS_AHEAD) -> str:
    """The next `count` working days from `start` (inclusive; default today in Asia/Shanghai) as
    comma-separated ISO dates, e.g. '2026-11-30,2026-12-01'."""
    day = start or dt.datetime.now(SHANGHAI).date()
    days: list[str] = []
    while len(days) < count:
        # a year without official data counts Monday–Friday, as the deadlines do (they carry the
        # warning, `deadlineWarning`); asking the calendar would log that warning at every appeal
        if calendar.year_source(day.year) == YearSource.FALLBACK:
            working = day.weekday() < 5
        else:
            working = calendar.is_workday(day)
        if working:
            days.append(day.isoformat())
        day += dt.timedelta(days=1)
    return ",".join(days)


def task_label_variables(calendar: WorkdayCalendar, category: Any = None) -> dict[str, Any]:
    """`workdays` and, when a category is known, `categoryLabel`: process variables for the tasks."""
    values: dict[str, Any] = {"workdays": workday_list(calendar)}
    label = category_label(category)
    if label is not None:
        values["categoryLabel"] = label
    return values
