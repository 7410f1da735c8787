"""sendNotification: tell the people of an event (spec §7–§12), each message once (outbox)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..camunda import Transient
from ..context import AppContext
from ..notify import EVENTS, Channels, NotificationError, deliver, mark_undelivered, recipients, render
from ..notify.attachments import APPROVAL_VARIABLES, attachments_for
from ..notify.undelivered import hand_to_office
from ..runtime import ModelError, Task
from . import chart_of, router
from .levels import level_named

TEMPLATE_VARIABLES = (
    "registrationNumber", "enterpriseName", "contactName", "contactPhone", "contactEmail", "problemDescription",
    "requestedHelp", "leadDepartment", "leadDepartmentName", "assistingDepartments", "assistingDepartmentNames",
    "handlerGroup", "handlerGroupName", "approverGroup", "dispatchNumber", "signDue", "assistDue", "handlingDue",
    "replyText", "resultClass", "outOfScopeReason", "consultationAnswer", "reminderNumber", "cardKind",
    "cardDepartmentName", "cardLevel", "interview", "escalationGroup", "escalationLevelName", "escalationReason",
    "coordinationDue", "hotlineReminderCount", "hotlineReminderText", "bulletinPeriod", "handlingRound",
    "followUpHistory", "mergeInto", *APPROVAL_VARIABLES,
)
RETRIES = 3  # the engine's attempts; after the last one, what is undelivered goes to the office


def survey_link(process_instance_id: str, variables: dict[str, Any], base_url: str, secret: str | None) -> str:
    """The signed survey link of the public pages, for the follow-up round now open."""
    from ..public.links import follow_up_round
    from ..public.links import survey_link as make_link  # the public pages own the token format

    return make_link(process_instance_id, follow_up_round(variables), base_url, secret=secret)


def card_extra(variables: dict[str, Any]) -> dict[str, Any]:
    """The card e-mail's `level`: the `levels.Level` of the card's `cardLevel` (`county`, `city`; none: the
    county), whose words its interview sentence uses (由县政府领导 / 由市政府领导约谈, 专班 / 市级专班).
    Raises ModelError for an unknown level."""
    return {"level": level_named(variables.get("cardLevel"))}


OLD_SURVEY_LINK = "surveyLinkUndelivered"
"""The process variable in which instances started before the link became the follow-up task's own (an
older model version; `appeals deploy` migrated them) may still keep an undelivered survey link."""


def drop_old_survey_link(task: Task, ctx: AppContext) -> None:
    """Remove the process-level `surveyLinkUndelivered` of an instance started before the link became the
    follow-up task's own variable: every department working the appeal could read it, and it would stand for
    a link of an earlier round. Nothing for an instance that has none (the task fetched no such variable);
    the task-local one of an open Task_FollowUp is not the process's and stays."""
    if OLD_SURVEY_LINK in task.variables:
        ctx.camunda.delete(f"/process-instance/{task.process_instance_id}/variables/{OLD_SURVEY_LINK}")


@router.topic("sendNotification", variables=(*TEMPLATE_VARIABLES, "notificationEvent", OLD_SURVEY_LINK),
              lock_duration_ms=90_000, retries=RETRIES, backoff_ms=2_000, throws=(ModelError,))
def send_notification(task: Task, ctx: AppContext) -> dict[str, Any]:
    event = str(task.get("notificationEvent") or "")
    if event not in EVENTS:
        raise ModelError(f"unknown notificationEvent '{event}' (one of {', '.join(EVENTS)})")
    chart = chart_of(task, ctx)
    extra: dict[str, Any] = card_extra(task.variables) if event == "card" else {}
    if event == "survey_link":
        drop_old_survey_link(task, ctx)  # the new round's link, if undelivered, is the follow-up task's own
        # the site of the appeal's county (its own, else the chart's own county's); one validity: the page
        # enforces it, the message quotes it
        public = ctx.settings.public_for(task.tenant_id)
        extra = {"surveyLink": survey_link(task.process_instance_id, task.variables, public.base_url,
                                                 public.secret),
                 "surveyValidDays": public.survey_days}
    messages = [render(event, r, task.variables, extra) for r in recipients(event, task.variables, chart)]
    if any(m.recipient.may_see_contact and m.recipient.channel == "email" for m in messages):
        files = tuple(attachments_for(ctx.camunda, task.process_instance_id, event, task.variables))
        messages = [replace(m, attachments=files) if m.recipient.may_see_contact and m.recipient.channel == "email"
                    else m for m in messages]
    try:
        # the claim of a message holds as long as our lock: after it the engine may hand the task to
        # another worker, which then takes the message over (appeals.notify.deliver)
        report = deliver(ctx.db, Channels(ctx.settings), task.activity_instance_id or task.id,
                         task.process_instance_id, event, messages, retry_seconds=ctx.settings.notify.retry_seconds,
                         lease_seconds=task.lock_ms / 1000 if task.lock_ms else None)
    except NotificationError as exc:
        last_attempt = (task.retries if task.retries is not None else RETRIES) <= 1
        if not (last_attempt or exc.permanent):
            raise  # the engine retries the task with back-off
        # do not hold the appeal: the office passes the message on, the loop goes on
        office_task = hand_to_office(ctx.camunda, ctx.calendar(), task.activity_instance_id or task.id, event,
                                     exc.failures, task.variables, task.process_instance_id)
        mark_undelivered(ctx.db, exc.failures)
        return {"lastNotification": f"{event}: {len(exc.failures)} undelivered, handed to the office "
                                    f"(process instance {office_task})"}
    output: dict[str, Any] = {"lastNotification": f"{event}: {report.sent} sent, {report.already_sent} already "
                                                  f"sent, {len(report.skipped or [])} without channel"}
    if event == "survey_link" and not (report.sent or report.already_sent):
        # No channel took the link (no SMTP/SMS configured, no address): the office's 回访 form shows it,
        # to be passed on by phone or WeChat. The link signs the enterprise into the survey, so it never
        # becomes a process variable a department could read: a transient variable hands it to the
        # create listener of Task_FollowUp, which keeps it local to the office's task
        # (surveyLinkUndelivered). A delivered link is not repeated in the process at all.
        output["undeliveredSurveyLink"] = Transient(extra["surveyLink"])
    return output
