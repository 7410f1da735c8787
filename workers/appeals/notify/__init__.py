"""Notifications (spec §7–§12, §18): e-mail over SMTP, SMS through an HTTP gateway, group webhooks.

- Who is told what is a table (`EVENTS`): an event names its audience and its Jinja2 template.
- Recipients come from the org chart: a group's e-mail and webhook, its members' e-mail and phone;
  the enterprise's contact data only for messages to the enterprise and to the lead department that
  handles the appeal (spec §18: no contact data to parties who do not need it, never to group chats).
- Every message goes through the outbox (`outbox_message`), keyed by the external task's activity
  instance, event, channel and recipient: a redelivered task sends nothing twice, and of two
  deliveries of the same key running at once (two workers, two nodes, a task handed out again after
  its lock lapsed) only the one whose conditional UPDATE claimed the row sends; the other waits for
  its outcome (`deliver`).
- Outbound calls are retried with tenacity inside a time budget that stays within the task's lock;
  what still fails is raised, so the task is retried by the engine. A group robot that answers
  HTTP 200 with a non-zero `errcode` (DingTalk, WeCom) has refused the message: that is a failure,
  never "sent". An address the mail server cannot take (a non-ASCII local part without SMTPUTF8)
  is `Undeliverable` at once. What cannot be delivered after the engine's retries does not hold the
  appeal: the handler hands it to the office as a task (appeals.notify.undelivered).
"""

from __future__ import annotations

import datetime as dt
import email.policy
import os
import secrets
import smtplib
import socket
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any

import requests
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from ..db.outbox_models import OutboxMessage
from ..org import OrgChart
from ..settings import Settings
from ..validation import is_mobile
from ..vocabulary import CARD_LABELS

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "notify"

# event → (audience, template). Audiences: lead, assisting, handler, office, approver, enterprise,
# supervision, deputy, county_head, city_center, escalation_target
EVENTS: dict[str, tuple[tuple[str, ...], str]] = {
    "dispatched": (("lead", "assisting"), "dispatched"),
    "reminder": (("handler",), "reminder"),
    "overdue_notice": (("handler", "office"), "overdue_notice"),
    "card": (("handler", "office", "deputy"), "card"),
    "escalated": (("escalation_target", "office"), "escalated"),
    "supervision": (("supervision", "office"), "supervision"),
    "reply_to_enterprise": (("enterprise",), "reply_to_enterprise"),
    "survey_link": (("enterprise",), "survey_link"),
    "out_of_scope": (("enterprise",), "out_of_scope"),
    "merged": (("enterprise",), "merged"),
    "consultation_answer": (("enterprise",), "consultation_answer"),
    "hotline_reminder": (("handler",), "hotline_reminder"),
    "bulletin_ready": (("office",), "bulletin_ready"),
}
CONTACT_AUDIENCES = {"enterprise", "lead"}


class Undeliverable(RuntimeError):
    """This message can never be delivered this way (retrying does not help)."""


class WebhookRefused(RuntimeError):
    """A group robot answered HTTP 200 with a non-zero errcode: the message was not posted."""

    def __init__(self, errcode: Any, errmsg: str) -> None:
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass(frozen=True)
class Failure:
    """One message that was not delivered: to whom, why, and whether retrying could help."""

    message: Rendered
    key: str
    error: str
    permanent: bool


class NotificationError(RuntimeError):
    """Messages could not be delivered within the retry budget (`failures` says which)."""

    def __init__(self, text: str, failures: list[Failure] | None = None) -> None:
        super().__init__(text)
        self.failures = list(failures or [])

    @property
    def permanent(self) -> bool:
        """Every failure is one that no retry can mend."""
        return bool(self.failures) and all(f.permanent for f in self.failures)


# failures worth retrying: the network, the server, a refusing robot; anything else is permanent
TRANSIENT = (OSError, smtplib.SMTPException, requests.RequestException, WebhookRefused)


# the enterprise's contact data: only the audiences in CONTACT_AUDIENCES get it (spec §18); Tasklist
# hides the same from the assisting departments' task (bpmn hiddenVariables, TaskVariableScreenPlugin)
CONTACT_VARIABLES = ("contactPhone", "otherContactPhones", "contactEmail", "contactName", "contactPosition",
                     "creditCode")


@dataclass(frozen=True)
class Recipient:
    audience: str
    channel: str  # email | sms | webhook
    address: str
    name: str

    @property
    def may_see_contact(self) -> bool:
        return self.audience in CONTACT_AUDIENCES and self.channel != "webhook"


@dataclass(frozen=True)
class Rendered:
    recipient: Recipient
    subject: str
    body: str
    attachments: tuple[Any, ...] = ()  # notify.attachments.Attachment, e-mail only


_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                   autoescape=False, keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True)
# the cards' names as every other text names them (vocabulary.CARD_LABELS): `card_labels[v.cardKind]`
_env.globals["card_labels"] = CARD_LABELS


def _group_ids(audience: str, variables: Mapping[str, Any], chart: OrgChart) -> list[str]:
    def kind(k: str) -> list[str]:
        return [g.id for g in chart.of_kind(k)]

    if audience == "lead":
        return [variables["leadDepartment"]] if variables.get("leadDepartment") else []
    if audience == "assisting":
        return list(variables.get("assistingDepartments") or [])
    if audience == "handler":
        return [variables["handlerGroup"]] if variables.get("handlerGroup") else []
    if audience == "approver":
        return [variables["approverGroup"]] if variables.get("approverGroup") else []
    if audience == "escalation_target":
        return [variables["escalationGroup"]] if variables.get("escalationGroup") else []
    if audience == "deputy":
        lead = variables.get("leadDepartment")
        deputy = chart.deputy_for(lead) if lead else None
        return [deputy.id] if deputy else []
    return {"office": kind("office"), "supervision": kind("supervision"), "county_head": kind("county-head"),
            "city_center": kind("city-center")}.get(audience, [])


def recipients(event: str, variables: Mapping[str, Any], chart: OrgChart) -> list[Recipient]:
    """Everyone who gets this event, on every channel they have; no address twice. SMS goes only to
    Chinese mobile numbers (`validation.is_mobile`): a landline (0356-6012345-801) gets none."""
    audiences, _template = EVENTS[event]
    found: dict[tuple[str, str], Recipient] = {}

    def add(audience: str, channel: str, address: str | None, name: str) -> None:
        if channel == "sms" and not is_mobile(address):
            return  # a landline or service number cannot receive SMS; the other channels still go out
        if address and (channel, address) not in found:
            found[(channel, address)] = Recipient(audience, channel, address, name)

    known = {g.id for g in chart.groups}
    for audience in audiences:
        if audience == "enterprise":
            name = variables.get("contactName") or variables.get("enterpriseName") or "企业"
            add(audience, "sms", variables.get("contactPhone"), name)
            add(audience, "email", variables.get("contactEmail"), name)
            continue
        for group_id in _group_ids(audience, variables, chart):
            if group_id not in known:
                continue
            group = chart.group(group_id)
            add(audience, "email", group.email, group.name)
            add(audience, "webhook", group.webhook, group.name)
            for user in chart.users:
                if group_id in user.groups:
                    add(audience, "email", user.email, user.name)
                    add(audience, "sms", user.phone, user.name)
    return list(found.values())


def render(event: str, recipient: Recipient, variables: Mapping[str, Any], extra: Mapping[str, Any]) -> Rendered:
    """Subject and body of one message; values are data, never template code."""
    _audiences, name = EVENTS[event]
    template = _env.get_template(f"{name}.txt.j2")
    context = {key: value for key, value in variables.items()}
    if not recipient.may_see_contact:
        for key in CONTACT_VARIABLES:
            context[key] = "（不提供）"
    context.update(extra)
    context.setdefault("now", dt.datetime.now(dt.UTC))
    context["recipient"] = recipient
    context["v"] = _Lenient(context)
    text = template.render(**context).strip()
    subject, _, body = text.partition("\n")
    return Rendered(recipient, subject.removeprefix("主题：").strip(), body.strip())


class _Lenient(dict):
    """`v.name` in templates: a missing variable prints as empty, not an error."""

    def __getattr__(self, name: str) -> Any:
        value = self.get(name)
        return "" if value is None else value


# ----------------------------------------------------------------------------- channels
class Channels:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.session = requests.Session()

    def available(self, channel: str) -> bool:
        return {"email": bool(self.settings.smtp.host), "sms": bool(self.settings.sms.url),
                "webhook": True}[channel]

    def send(self, message: Rendered, key: str) -> None:
        getattr(self, f"_{message.recipient.channel}")(message, key)

    def _email(self, message: Rendered, key: str) -> None:
        address = message.recipient.address
        international = not address.isascii()
        with smtplib.SMTP(self.settings.smtp.host, self.settings.smtp.port, timeout=10) as smtp:
            smtp.ehlo()
            if self.settings.smtp.starttls:
                smtp.starttls()
                smtp.ehlo()
            if self.settings.smtp.user:
                smtp.login(self.settings.smtp.user, self.settings.smtp.password or "")
            if international and not smtp.has_extn("smtputf8"):
                raise Undeliverable(f"邮件服务器不支持SMTPUTF8，无法投递到含非ASCII字符的地址 {address}")
            # RFC 6531/6532: an internationalised address travels as UTF-8 in the envelope and headers
            mail = EmailMessage(policy=email.policy.SMTPUTF8 if international else email.policy.SMTP)
            mail["From"] = formataddr(("企业诉求服务平台", self.settings.smtp.sender))
            # Address from its parts: formataddr and addr_spec= both refuse a non-ASCII local part
            local, _, domain = address.rpartition("@")
            mail["To"] = Address(display_name=message.recipient.name, username=local, domain=domain)
            mail["Subject"] = message.subject
            mail["Message-ID"] = make_msgid(idstring=key.replace(":", ".")[:60], domain="appeals.local")
            mail["X-Appeals-Key"] = key
            mail.set_content(message.body, charset="utf-8")
            for item in message.attachments:
                mail.add_attachment(item.content, maintype=item.maintype, subtype=item.subtype,
                                    filename=item.filename)
            smtp.send_message(mail)

    def _sms(self, message: Rendered, key: str) -> None:
        headers = {"Idempotency-Key": key}
        if self.settings.sms.token:
            headers["Authorization"] = f"Bearer {self.settings.sms.token}"
        response = self.session.post(self.settings.sms.url, json={
            "phone": message.recipient.address, "text": f"【企业诉求】{message.subject}：{message.body}"[:500],
            "key": key,
        }, headers=headers, timeout=10)
        response.raise_for_status()

    def _webhook(self, message: Rendered, key: str) -> None:
        # WeCom / DingTalk group robots both accept a markdown message of this shape
        response = self.session.post(message.recipient.address, json={
            "msgtype": "markdown", "markdown": {"title": message.subject,
                                                 "content": f"**{message.subject}**\n{message.body}"},
        }, timeout=10)
        response.raise_for_status()
        check_robot_answer(response)


def check_robot_answer(response: requests.Response) -> None:
    """DingTalk and WeCom robots answer HTTP 200 and say in the body whether they posted the
    message: {"errcode": 0, "errmsg": "ok"} is success; any other errcode (keyword or signature
    mismatch, rate limit, invalid key) is a refusal. A body without errcode (another kind of hook)
    counts as accepted by its HTTP status."""
    try:
        answer = response.json()
    except ValueError:
        return
    if isinstance(answer, dict) and "errcode" in answer and str(answer["errcode"]) != "0":
        raise WebhookRefused(answer["errcode"], str(answer.get("errmsg") or "")[:200])


# ----------------------------------------------------------------------------- outbox
@dataclass
class DeliveryReport:
    sent: int = 0
    already_sent: int = 0
    skipped: list[str] | None = None


class DeliveryInProgress(RuntimeError):
    """Another delivery holds the claim of these messages and did not finish while this one waited:
    nothing was sent here; retrying later (the engine's retry) finds them sent or the claim lapsed."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(f"{len(keys)} message(s) being sent by another delivery: {', '.join(keys)[:300]}")
        self.keys = keys


# rows a delivery may take over: never sent, failed before, or handed to the office and sent again
CLAIMABLE = ("pending", "failed", "undelivered")
CLAIM_POLL_SECONDS = 0.2


def deliver(db: Engine, channels: Channels, key_prefix: str, process_instance_id: str | None,
            event: str, messages: Iterable[Rendered], retry_seconds: float = 30.0,
            lease_seconds: float | None = None) -> DeliveryReport:
    """Send each message at most once per key while its sender lives: record it, claim it, send it,
    mark it sent.

    key: `{key_prefix}:{event}:{channel}:{address}` (255 characters at most). The row is inserted once
    (INSERT … ON CONFLICT DO NOTHING), then claimed by one conditional UPDATE (`pending`/`failed`/
    `undelivered` → `sending`, or a `sending` row whose claim lapsed) whose row count says who won;
    only the winner sends. A delivery that finds the row `sent` counts it `already_sent`; one that
    finds it `sending` under a live claim waits (polling) until the other marks it or its claim
    lapses, for at most min(lease_seconds, retry_seconds + 20 s) in all, then raises DeliveryInProgress
    (retryable; nothing sent here).

    lease_seconds: how long a claim holds (the external task's lock duration: after it the engine may
    hand the task to another worker, which then takes the row over); renewed before each send attempt.
    Default: retry_seconds + 60. A sender that dies after the server accepted the message but before
    marking it `sent` leaves a `sending` row whose claim lapses: the next delivery sends it again
    (at least once across a crash, at most once otherwise; docs/cluster.md). A message is marked
    `sent` only after the channel accepted it, never when it was refused.

    Raises NotificationError (the failures, after the retry budget of `retry_seconds`), or
    DeliveryInProgress.
    """
    lease = dt.timedelta(seconds=lease_seconds if lease_seconds is not None else retry_seconds + 60.0)
    # another live sender is done within its retry budget and one channel timeout (10 s) or dead (its
    # claim lapses after its lease); one waiting budget for all messages of this call
    deadline = time.monotonic() + min(lease.total_seconds(), retry_seconds + 20.0)
    claimant = _claimant()
    report = DeliveryReport(skipped=[])
    failures: list[Failure] = []
    busy: list[str] = []
    for message in messages:
        recipient = message.recipient
        if not channels.available(recipient.channel):
            report.skipped.append(f"{recipient.channel}:{recipient.address} (channel not configured)")
            continue
        key = f"{key_prefix}:{event}:{recipient.channel}:{recipient.address}"[:255]
        _record(db, key, process_instance_id, event, message)
        state = _claim_or_wait(db, key, claimant, lease, deadline)
        if state == "sent":
            report.already_sent += 1
            continue
        if state == "busy":
            busy.append(key)
            continue
        try:
            for attempt in Retrying(stop=stop_after_delay(retry_seconds), reraise=True,
                                    wait=wait_exponential(multiplier=0.5, max=5),
                                    retry=retry_if_exception_type(TRANSIENT)):
                with attempt:
                    if not _renew(db, key, claimant, lease):
                        raise ClaimLost(key)
                    channels.send(message, key)
        except ClaimLost:
            busy.append(key)  # our claim lapsed and another delivery took the row over: it sends
            continue
        except Exception as exc:  # noqa: BLE001 - recorded, then raised for the engine's retries
            error = f"{type(exc).__name__}: {exc}"
            _release(db, key, claimant, "failed", error)
            failures.append(Failure(message, key, error, permanent=not isinstance(exc, TRANSIENT)))
            continue
        _mark_sent(db, key)
        report.sent += 1
    if busy:  # first: the task must not be finished (nor its failures handed on) while another run sends
        raise DeliveryInProgress(busy)
    if failures:
        raise NotificationError("; ".join(f"{f.message.recipient.channel} {f.message.recipient.address}: {f.error}"
                                          for f in failures), failures)
    return report


class ClaimLost(RuntimeError):
    """This delivery's claim of a row lapsed and another delivery holds it now."""


def mark_undelivered(db: Engine, failures: Iterable[Failure]) -> None:
    """The office has been given these messages to pass on: they are no longer retried (a row another
    delivery has meanwhile sent or is sending keeps its state)."""
    table = OutboxMessage.__table__
    for failure in failures:
        with db.begin() as conn:
            conn.execute(table.update().where(table.c.key == failure.key, table.c.status.in_(("pending", "failed")))
                         .values(status="undelivered", last_error=failure.error))


def _claimant() -> str:
    """Who claims: host, process and a random part (one per deliver call), at most 64 characters."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(8)}"


def _record(db: Engine, key: str, process_instance_id: str | None, event: str, message: Rendered) -> None:
    """The row of `key`, inserted if absent (racing inserts: one wins, the others do nothing)."""
    dialect = postgresql if db.dialect.name == "postgresql" else sqlite
    with db.begin() as conn:
        conn.execute(dialect.insert(OutboxMessage.__table__).values(
            key=key, process_instance_id=process_instance_id, event=event, channel=message.recipient.channel,
            recipient=message.recipient.address, subject=message.subject, body=message.body, status="pending",
            attempts=0, created_at=dt.datetime.now(dt.UTC)).on_conflict_do_nothing(index_elements=["key"]))


def _claim(db: Engine, key: str, claimant: str, lease: dt.timedelta) -> bool:
    """Take the row to `sending` for `claimant`: True for exactly one of any racing deliveries."""
    table = OutboxMessage.__table__
    now = dt.datetime.now(dt.UTC)
    with db.begin() as conn:
        result = conn.execute(table.update().where(
            table.c.key == key,
            or_(table.c.status.in_(CLAIMABLE),
                and_(table.c.status == "sending", or_(table.c.claimed_until.is_(None), table.c.claimed_until < now))),
        ).values(status="sending", claimed_by=claimant, claimed_until=now + lease))
    return result.rowcount == 1


def _claim_or_wait(db: Engine, key: str, claimant: str, lease: dt.timedelta, deadline: float) -> str:
    """"claimed" (send it), "sent" (someone did), or "busy" (another delivery still holds it at
    `deadline`, time.monotonic() seconds)."""
    table = OutboxMessage.__table__
    while True:
        if _claim(db, key, claimant, lease):
            return "claimed"
        with db.connect() as conn:
            status = conn.execute(select(table.c.status).where(table.c.key == key)).scalar_one()
        if status == "sent":
            return "sent"
        if time.monotonic() >= deadline:
            return "busy"
        time.sleep(CLAIM_POLL_SECONDS)  # `sending` under another's live claim: wait for its outcome


def _renew(db: Engine, key: str, claimant: str, lease: dt.timedelta) -> bool:
    """Count an attempt and extend our claim; False when the claim is no longer ours."""
    table = OutboxMessage.__table__
    with db.begin() as conn:
        result = conn.execute(table.update().where(
            table.c.key == key, table.c.status == "sending", table.c.claimed_by == claimant,
        ).values(attempts=table.c.attempts + 1, claimed_until=dt.datetime.now(dt.UTC) + lease))
    return result.rowcount == 1


def _release(db: Engine, key: str, claimant: str, status: str, error: str | None) -> None:
    """Give up our claim with `status` (only while it is still ours)."""
    table = OutboxMessage.__table__
    with db.begin() as conn:
        conn.execute(table.update().where(table.c.key == key, table.c.status == "sending",
                                          table.c.claimed_by == claimant)
                     .values(status=status, last_error=error, claimed_until=None))


def _mark_sent(db: Engine, key: str) -> None:
    """The channel accepted it: `sent`, whoever holds the claim now (it is true either way)."""
    table = OutboxMessage.__table__
    with db.begin() as conn:
        conn.execute(table.update().where(table.c.key == key).values(
            status="sent", last_error=None, sent_at=dt.datetime.now(dt.UTC), claimed_until=None))
