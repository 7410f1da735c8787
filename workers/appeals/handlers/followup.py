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
              variables=(*MILESTONE_VARIABLES, "reallySolved", "satisfaction", "followUpNote", "followUpMethod",
                         "handlingRound", "followUpHistory"))
def record_follow_up(task: Task) -> dict[str, Any]:
    """Satisfied and really solved → close; otherwise rework, and after two rounds the review."""
    satisfaction = task.get("satisfaction")
    solved = task.get("reallySolved") == "yes"
    satisfied = solved and satisfaction in SATISFIED
    rounds = int(task.get("handlingRound") or 1)
    history = list(task.get("followUpHistory") or [])
    history.append({
        "round": rounds, "at": now().isoformat(timespec="seconds"), "reallySolved": solved,
        "satisfaction": satisfaction, "method": task.get("followUpMethod"), "note": task.get("followUpNote"),
    })
    output: dict[str, Any] = {
        "followUpHistory": history,
        "satisfied": satisfied,
        "lastSatisfaction": satisfaction,
        # the next follow-up starts with blank answers
        "satisfaction": None,
        "reallySolved": None,
    }
    deadlines = deadline_service()
    if satisfied:
        output["followUpOutcome"] = "close"
    elif rounds < 2:
        output["followUpOutcome"] = "rework"
        output["handlingRound"] = rounds + 1
        rework = deadlines.due("rework")
        output.update(deadline_variables("reworkDue", rework))
        output.update(deadline_variables("followUpDue", deadlines.due("followUp", rework.due)))
        output["appealStatus"] = "rework"
    else:
        output["followUpOutcome"] = "review"
        form_due = deadlines.due("reviewForm")
        review_due = deadlines.due("review", form_due.due)
        supervision_due = deadlines.due("supervision", review_due.due)
        output.update(deadline_variables("reviewFormDue", form_due))
        output.update(deadline_variables("reviewDue", review_due))
        output.update(deadline_variables("supervisionDue", supervision_due))
        output.update(deadline_variables("followUpDue", deadlines.due("followUp", supervision_due.due)))
        output["appealStatus"] = "under_review"
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
