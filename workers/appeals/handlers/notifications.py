"""sendNotification: tell the people of an event (spec §7–§12), each message once (outbox)."""

from __future__ import annotations

import os
from typing import Any

from ..notify import EVENTS, Channels, deliver, recipients, render
from ..runtime import Task
from ..services import services
from . import router

TEMPLATE_VARIABLES = (
    "registrationNumber", "enterpriseName", "contactName", "contactPhone", "contactEmail", "problemDescription",
    "requestedHelp", "leadDepartment", "leadDepartmentName", "assistingDepartments", "assistingDepartmentNames",
    "handlerGroup", "handlerGroupName", "approverGroup", "dispatchNumber", "signDue", "assistDue", "handlingDue",
    "replyText", "resultClass", "outOfScopeReason", "consultationAnswer", "reminderNumber", "cardKind",
    "cardDepartmentName", "interview", "escalationGroup", "escalationLevelName", "escalationReason",
    "coordinationDue", "hotlineReminderCount", "hotlineReminderText", "bulletinPeriod", "handlingRound",
    "followUpHistory",
)
SURVEY_VALID_DAYS = 30


def survey_link(process_instance_id: str, variables: dict[str, Any]) -> str:
    """The signed survey link of the public pages, for the follow-up round now open."""
    from ..public.links import follow_up_round
    from ..public.links import survey_link as make_link  # the public pages own the token format

    return make_link(process_instance_id, follow_up_round(variables), services().settings.public_base_url)


@router.topic("sendNotification", variables=(*TEMPLATE_VARIABLES, "notificationEvent"),
              lock_duration_ms=90_000, retries=3, backoff_ms=2_000)
def send_notification(task: Task) -> dict[str, Any]:
    event = str(task.get("notificationEvent") or "")
    if event not in EVENTS:
        raise ValueError(f"unknown notificationEvent '{event}' (one of {', '.join(EVENTS)})")
    svc = services()
    chart = svc.org_chart()
    extra: dict[str, Any] = {}
    if event == "survey_link":
        extra = {"surveyLink": survey_link(task.process_instance_id, task.variables),
                 "surveyValidDays": SURVEY_VALID_DAYS}
    messages = [render(event, r, task.variables, extra) for r in recipients(event, task.variables, chart)]
    retry_seconds = float(os.environ.get("APPEALS_NOTIFY_RETRY_SECONDS", "30"))
    report = deliver(svc.db, Channels(svc.settings), task.activity_instance_id or task.id,
                     task.process_instance_id, event, messages, retry_seconds=retry_seconds)
    return {"lastNotification": f"{event}: {report.sent} sent, {report.already_sent} already sent, "
                                f"{len(report.skipped or [])} without channel"}
