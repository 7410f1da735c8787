"""A notification that cannot be delivered becomes a task for the office (issue 12, kind 6).

`sendNotification` sits on the main path of the appeal: an incident there would hold the appeal
before 回访 for as long as nobody in Cockpit notices. So when the engine's last retry fails (or the
failure is one no retry can mend: an address the mail server cannot take), the handler completes
its task and starts `NotificationUndelivered`: one user task for the office, 电话告知未送达的通知,
listing what was not delivered, to whom, and why, with the enterprise's phone. The appeal goes on.

Idempotent: the office process has the business key `UNDELIVERED-<activity instance>`; a
redelivered task finds it (running or finished) and starts no second one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..camunda import Camunda
from ..deadlines import now
from ..workdays import WorkdayCalendar
from . import Failure

PROCESS_KEY = "NotificationUndelivered"
CHANNEL_NAMES = {"email": "电子邮件", "sms": "短信", "webhook": "工作群机器人"}
INFORM_WORKING_DAYS = 1


def business_key(activity_instance_id: str) -> str:
    return f"UNDELIVERED-{activity_instance_id}"[:255]


def describe(failures: Sequence[Failure]) -> str:
    """One line per undelivered message, for the office's task (Chinese)."""
    lines = []
    for failure in failures:
        recipient = failure.message.recipient
        lines.append(f"{CHANNEL_NAMES.get(recipient.channel, recipient.channel)} → {recipient.name}"
                     f"（{recipient.address}）：{failure.error[:300]}")
    return "\n".join(lines)


def hand_to_office(camunda: Camunda, calendar: WorkdayCalendar, activity_instance_id: str, event: str,
                   failures: Sequence[Failure], variables: Mapping[str, Any],
                   appeal_process_instance_id: str | None) -> str:
    """Start (once) the office's task for these undelivered messages; its process instance id."""
    key = business_key(activity_instance_id)
    found = camunda.post("/history/process-instance", {"processDefinitionKey": PROCESS_KEY,
                                                       "processInstanceBusinessKey": key})
    if found:
        return found[0]["id"]
    first = failures[0].message
    started = camunda.start_process(PROCESS_KEY, {
        "notificationEvent": event,
        "undeliveredSubject": first.subject,
        "undeliveredBody": first.body,
        "undeliveredTo": describe(failures),
        "undeliveredCount": len(failures),
        "appealProcessInstanceId": appeal_process_instance_id,
        "registrationNumber": variables.get("registrationNumber"),
        "enterpriseName": variables.get("enterpriseName"),
        "contactName": variables.get("contactName"),
        "contactPhone": variables.get("contactPhone"),
        "informDue": calendar.add_working_days(now(), INFORM_WORKING_DAYS).due.isoformat(timespec="seconds"),
    }, business_key=key)
    return started["id"]
