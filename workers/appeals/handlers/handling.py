"""Handling (spec §8): assisting opinions, extensions, the reported result."""

from __future__ import annotations

from typing import Any

from ..context import AppContext
from ..deadlines import deadline_variables, due_label, now, parse_time
from ..ledger.history import signed_time
from ..runtime import Milestone, Task
from ..validation import whole_workdays
from ..vocabulary import SUPERVISED_RESULT_CLASSES, AppealStatus, ExtensionDecision
from . import chart_of, router


def _signed_at(task: Task, ctx: AppContext):
    """The milestone time of `signed`: the end of the department's sign task."""
    return signed_time(ctx.camunda, task.process_instance_id)


# the first step after the department signed the 交办单 records the `signed` milestone
@router.topic("collectAssistOpinions", variables=("dispatchedAt",), milestone=Milestone("signed", at=_signed_at))
def collect_assist_opinions(task: Task, ctx: AppContext) -> dict[str, Any]:
    """The assisting departments' opinions of this dispatch, for the lead department's form."""
    chart = chart_of(task, ctx)
    since = parse_time(task.get("dispatchedAt"))
    history = ctx.camunda.get("/history/variable-instance", processInstanceId=task.process_instance_id,
                              variableNameIn="assistOpinion,assistDepartment", deserializeValues="false")
    by_scope: dict[str, dict[str, Any]] = {}
    for var in history:
        created = parse_time(var.get("createTime"))
        if since and created and created < since:
            continue  # an earlier dispatch round
        by_scope.setdefault(var["executionId"], {})[var["name"]] = var.get("value")
    opinions = []
    for scope in by_scope.values():
        department = scope.get("assistDepartment")
        if not department or not scope.get("assistOpinion"):
            continue
        name = chart.group(department).name if department in {g.id for g in chart.groups} else department
        opinions.append({"department": department, "departmentName": name, "opinion": scope["assistOpinion"]})
    opinions.sort(key=lambda o: o["department"])
    text = "\n\n".join(f"**{o['departmentName']}：** {o['opinion']}" for o in opinions)
    output = {"assistOpinions": opinions, "assistOpinionsText": text or None, "appealStatus": AppealStatus.HANDLING}
    return output


def _extension_cap(deadlines, task: Task):
    dispatched = parse_time(task.get("dispatchedAt")) or now()
    return deadlines.due("handlingCap", dispatched, situation=task.get("dispatchSituation"))


@router.topic("registerExtensionRequest",
              variables=("extensionDays", "handlingDue", "dispatchedAt", "dispatchSituation"))
def register_extension_request(task: Task, ctx: AppContext) -> dict[str, Any]:
    """The office's review deadline, the latest date the rules of spec §8 allow, and the days asked
    for as a whole number (`validation.whole_workdays`: 2.5 → 3), so that the office approves the
    days the deadline will move by.

    Both from dmn/AppealDeadlines.dmn (steps `extensionReview`, `handlingCap`) on the working-day calendar.
    """
    deadlines = ctx.deadlines()
    cap = _extension_cap(deadlines, task)
    output: dict[str, Any] = {"extensionCapDue": cap.iso(), "extensionCapDueLabel": due_label(cap.due),
                              "appealStatus": AppealStatus.EXTENSION_REQUESTED,
                              # the whole days the office approves are the days the deadline moves by
                              "extensionDays": whole_workdays(task.get("extensionDays"))}
    output.update(deadline_variables("extensionReviewDue", deadlines.due("extensionReview")))
    return output


@router.topic("applyExtensionDecision",
              variables=("extensionDecision", "extensionDays", "extensionCount", "extensionComment", "handlingDue",
                         "dispatchedAt", "dispatchSituation"),
              milestone="extension")  # granted or refused, the request is counted in the ledger
def apply_extension_decision(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Count the request; if granted, move the handling deadline within the limits of spec §8.

    The limits from dmn/AppealDeadlines.dmn (steps `handlingCap`, `reminderBefore`, `escalateAfter`);
    the count rule (at most two) is the model's gateway `${extensionCount < 2}`.
    """
    count = int(task.get("extensionCount") or 0) + 1
    output: dict[str, Any] = {"extensionCount": count, "handlingAction": None, "extensionDecision": None,
                              "appealStatus": AppealStatus.HANDLING}
    if task.get("extensionDecision") != ExtensionDecision.APPROVE:
        output["extensionNotice"] = f"第{count}次延期申请未获同意：{task.get('extensionComment') or ''}".rstrip("：")
        return output
    deadlines = ctx.deadlines()
    current = parse_time(task.get("handlingDue")) or now()
    days = whole_workdays(task.get("extensionDays"))
    wanted = deadlines.add(current, days, "workday")
    cap = _extension_cap(deadlines, task)
    granted = wanted if wanted.due <= cap.due else cap
    output.update(deadline_variables("handlingDue", granted))
    output.update(deadlines.handling_timers(granted))
    capped = "（已按延期上限核定）" if granted is cap and wanted.due > cap.due else ""
    output["extensionNotice"] = f"第{count}次延期已同意，办结时限延至{granted.due:%Y年%m月%d日 %H:%M}{capped}"
    return output


@router.topic("recordResult", variables=("handlingDue", "resultClass"), milestone="result_reported")
def record_result(task: Task, ctx: AppContext) -> dict[str, Any]:
    """The department reported its result: schedule the follow-up, and the re-check for B and C.

    Due dates from dmn/AppealDeadlines.dmn (steps `followUp`, `recheck`, `recheckReview`) on the
    working-day calendar.
    """
    deadlines = ctx.deadlines()
    reported = now()
    output: dict[str, Any] = {
        "resultReportedAt": reported.isoformat(timespec="seconds"),
        "recheckDecision": None,
        "appealStatus": AppealStatus.RESULT_REPORTED,
    }
    due = parse_time(task.get("handlingDue"))
    output["reportedOnTime"] = bool(due is None or reported <= due)
    output.update(deadline_variables("followUpDue", deadlines.due("followUp", reported)))
    if task.get("resultClass") in SUPERVISED_RESULT_CLASSES:
        recheck = deadlines.due("recheck", reported)
        output.update(deadline_variables("recheckDue", recheck))
        output.update(deadline_variables("recheckReviewDue", deadlines.due("recheckReview", recheck.due)))
        output["appealStatus"] = AppealStatus.ON_SUPERVISION_LEDGER
    return output
