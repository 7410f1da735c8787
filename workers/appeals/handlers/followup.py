"""Follow-up and closing (spec §12): satisfaction, rework, review, 销号."""

from __future__ import annotations

from typing import Any

from ..context import AppContext
from ..deadlines import deadline_variables, now
from ..runtime import ModelError, Task
from ..vocabulary import (
    SATISFIED_LEVELS,
    AppealStatus,
    CloseReason,
    FollowUpOutcome,
    RecheckDecision,
    ReviewDecision,
    ScopeDecision,
    YesNo,
)
from . import router
from .notifications import OLD_SURVEY_LINK, drop_old_survey_link


@router.topic("recordFollowUp",
              variables=("reallySolved", "satisfaction", "followUpNote", "followUpMethod", "handlingRound",
                         "followUpHistory", OLD_SURVEY_LINK))
def record_follow_up(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Record the enterprise's answer: `satisfied` is true when really solved and satisfied. An instance
    that still keeps an undelivered survey link at the process level (started before the link became the
    follow-up task's own) loses it here, before a rework hands the appeal to a department
    (`notifications.drop_old_survey_link`).

    What follows is the model's: Gateway_Satisfied, then Gateway_DissatisfiedRounds
    (`${handlingRound < 2}`: rework, else review) set `followUpOutcome` for Task_ApplyFollowUpOutcome.
    """
    drop_old_survey_link(task, ctx)
    satisfaction = task.get("satisfaction")
    solved = task.get("reallySolved") == YesNo.YES
    history = list(task.get("followUpHistory") or [])
    history.append({
        "round": int(task.get("handlingRound") or 1), "at": now().isoformat(timespec="seconds"),
        "reallySolved": solved, "satisfaction": satisfaction, "method": task.get("followUpMethod"),
        "note": task.get("followUpNote"),
    })
    return {
        "followUpHistory": history,
        "satisfied": solved and satisfaction in SATISFIED_LEVELS,
        "lastSatisfaction": satisfaction,
        # the next follow-up starts with blank answers
        "satisfaction": None,
        "reallySolved": None,
    }


@router.topic("applyFollowUpOutcome", variables=("followUpOutcome", "handlingRound"), milestone="followed_up",
              throws=(ModelError,))
def apply_follow_up_outcome(task: Task, ctx: AppContext) -> dict[str, Any]:
    """The due dates and status of the outcome the model chose (`close`, `rework` or `review`).

    Due dates from dmn/AppealDeadlines.dmn (steps `rework`, `followUp`; `reviewForm`, `review`,
    `supervision`, `followUp`) on the working-day calendar. Raises ModelError for another outcome.
    """
    outcome = task.get("followUpOutcome")
    output: dict[str, Any] = {}
    deadlines = ctx.deadlines()
    if outcome == FollowUpOutcome.REWORK:
        output["handlingRound"] = int(task.get("handlingRound") or 1) + 1
        rework = deadlines.due("rework")
        output.update(deadline_variables("reworkDue", rework))
        output.update(deadline_variables("followUpDue", deadlines.due("followUp", rework.due)))
        output["appealStatus"] = AppealStatus.REWORK
    elif outcome == FollowUpOutcome.REVIEW:
        form_due = deadlines.due("reviewForm")
        review_due = deadlines.due("review", form_due.due)
        supervision_due = deadlines.due("supervision", review_due.due)
        output.update(deadline_variables("reviewFormDue", form_due))
        output.update(deadline_variables("reviewDue", review_due))
        output.update(deadline_variables("supervisionDue", supervision_due))
        output.update(deadline_variables("followUpDue", deadlines.due("followUp", supervision_due.due)))
        output["appealStatus"] = AppealStatus.UNDER_REVIEW
    elif outcome != FollowUpOutcome.CLOSE:
        raise ModelError(f"unknown follow-up outcome {outcome!r} (set by the model's follow-up gateways)")
    return output


def close_reason(variables: dict[str, Any]) -> CloseReason:
    """Why the appeal is closed, first match wins: withdrawn, settled at a meeting, out of scope,
    merged (a duplicate), explained after the review, explained after the re-check, else satisfied."""
    if variables.get("withdrawReason") is not None:
        return CloseReason.WITHDRAWN
    if variables.get("settledAtMeeting") is True:
        return CloseReason.SETTLED_AT_MEETING
    if variables.get("scopeDecision") == ScopeDecision.OUT_OF_SCOPE:
        return CloseReason.OUT_OF_SCOPE
    if variables.get("scopeDecision") == ScopeDecision.MERGE:
        return CloseReason.MERGED
    if variables.get("reviewDecision") == ReviewDecision.CLOSE_WITH_EXPLANATION:
        return CloseReason.EXPLAINED_AFTER_REVIEW
    if variables.get("recheckDecision") == RecheckDecision.EXPLAINED:
        return CloseReason.EXPLAINED
    return CloseReason.SATISFIED


@router.topic("closeAppeal", variables=("scopeDecision", "reviewDecision", "recheckDecision", "withdrawReason",
                                        "settledAtMeeting"),
              milestone="closed")
def close_appeal(task: Task) -> dict[str, Any]:
    """销号: the appeal leaves the ledger of open appeals."""
    output = {
        "closedAt": now().isoformat(timespec="seconds"),
        "closeReason": close_reason(task.variables),
        "appealStatus": AppealStatus.CLOSED,
    }
    return output
