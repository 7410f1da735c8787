"""Follow-up and closing (spec §12): satisfaction, rework, review, 销号."""

from __future__ import annotations

from typing import Any

from ..deadlines import deadline_variables, now
from ..milestones import MILESTONE_VARIABLES, reached
from ..runtime import Task
from . import router
from .intake import deadline_service

SATISFIED = {"very_satisfied", "satisfied", "basically_satisfied"}


@router.topic("recordFollowUp",
              variables=("reallySolved", "satisfaction", "followUpNote", "followUpMethod", "handlingRound",
                         "followUpHistory"))
def record_follow_up(task: Task) -> dict[str, Any]:
    """Record the enterprise's answer: `satisfied` is true when really solved and satisfied.

    What follows is the model's: Gateway_Satisfied, then Gateway_DissatisfiedRounds
    (`${handlingRound < 2}`: rework, else review) set `followUpOutcome` for Task_ApplyFollowUpOutcome.
    """
    satisfaction = task.get("satisfaction")
    solved = task.get("reallySolved") == "yes"
    history = list(task.get("followUpHistory") or [])
    history.append({
        "round": int(task.get("handlingRound") or 1), "at": now().isoformat(timespec="seconds"),
        "reallySolved": solved, "satisfaction": satisfaction, "method": task.get("followUpMethod"),
        "note": task.get("followUpNote"),
    })
    return {
        "followUpHistory": history,
        "satisfied": solved and satisfaction in SATISFIED,
        "lastSatisfaction": satisfaction,
        # the next follow-up starts with blank answers
        "satisfaction": None,
        "reallySolved": None,
    }


@router.topic("applyFollowUpOutcome", variables=(*MILESTONE_VARIABLES, "followUpOutcome", "handlingRound"))
def apply_follow_up_outcome(task: Task) -> dict[str, Any]:
    """The due dates and status of the outcome the model chose (`close`, `rework` or `review`).

    Due dates from dmn/AppealDeadlines.dmn (steps `rework`, `followUp`; `reviewForm`, `review`,
    `supervision`, `followUp`) on the working-day calendar. Raises ValueError for another outcome.
    """
    outcome = task.get("followUpOutcome")
    output: dict[str, Any] = {}
    deadlines = deadline_service()
    if outcome == "rework":
        output["handlingRound"] = int(task.get("handlingRound") or 1) + 1
        rework = deadlines.due("rework")
        output.update(deadline_variables("reworkDue", rework))
        output.update(deadline_variables("followUpDue", deadlines.due("followUp", rework.due)))
        output["appealStatus"] = "rework"
    elif outcome == "review":
        form_due = deadlines.due("reviewForm")
        review_due = deadlines.due("review", form_due.due)
        supervision_due = deadlines.due("supervision", review_due.due)
        output.update(deadline_variables("reviewFormDue", form_due))
        output.update(deadline_variables("reviewDue", review_due))
        output.update(deadline_variables("supervisionDue", supervision_due))
        output.update(deadline_variables("followUpDue", deadlines.due("followUp", supervision_due.due)))
        output["appealStatus"] = "under_review"
    elif outcome != "close":
        raise ValueError(f"unknown follow-up outcome {outcome!r} (set by the model's follow-up gateways)")
    reached(task, "followed_up", output)
    return output


def close_reason(variables: dict[str, Any]) -> str:
    if variables.get("withdrawReason") is not None:
        return "withdrawn"
    if variables.get("settledAtMeeting") is True:
        return "settled_at_meeting"
    if variables.get("scopeDecision") == "out_of_scope":
        return "out_of_scope"
    if variables.get("reviewDecision") == "close_with_explanation":
        return "explained_after_review"
    if variables.get("recheckDecision") == "explained":
        return "explained"
    return "satisfied"


@router.topic("closeAppeal", variables=(*MILESTONE_VARIABLES, "scopeDecision", "reviewDecision", "recheckDecision",
                                        "withdrawReason", "settledAtMeeting"))
def close_appeal(task: Task) -> dict[str, Any]:
    """销号: the appeal leaves the ledger of open appeals."""
    output = {
        "closedAt": now().isoformat(timespec="seconds"),
        "closeReason": close_reason(task.variables),
        "appealStatus": "closed",
    }
    reached(task, "closed", output)
    return output
