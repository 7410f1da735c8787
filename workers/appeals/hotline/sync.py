"""The hotline sync: work orders → appeals, hotline events → messages, status → hotline.

1. **ingest**: every record of a source goes into the registry (`hotline_order`, keyed by the
   order number) or the quarantine (`hotline_quarantine`, with a Chinese reason). A known order
   only adds its new events (withdrawal, 催单, the hotline's survey).
2. **drain**: registry rows with something to do are claimed (a lease, so two syncs never act on
   the same row), then: start the appeal by correlating `AppealSubmitted` (business key
   `12345-<order no>`; an instance already holding that key, running or finished, is linked
   instead), forward 催单 (`HotlineReminder`), the survey (`SurveyAnswered`, when the appeal waits
   at the follow-up) and the withdrawal (`HotlineOrderWithdrawn`).
3. **push**: status updates (`push_status`, called at the milestones) go through the outbox
   `hotline_update`; what could not be delivered is retried by the next sync.

The same order never creates two appeals; a record is never dropped (the quarantine keeps what
cannot be an appeal); the hotline being down ends a sync with `HotlineUnavailable` after retries,
and the next sync continues from the same watermark.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..camunda import Camunda, CamundaError
from ..db import utcnow
from ..db.hotline_models import HotlineFeed, HotlineOrder, HotlineQuarantine, HotlineUpdate
from ..vocabulary import HOTLINE_CLOSE_REASON_LABELS, RESULT_CLASS_SHORT, CloseReason, DispatchSituation
from . import (
    MILESTONES,
    HotlineError,
    HotlineUnavailable,
    Intake,
    OrderSource,
    Rejected,
    StatusSink,
    StatusUpdate,
    WorkOrder,
)
from .config import HotlineConfig
from .records import FIELDS, build_order, fingerprint, iso, jsonable, parse_datetime

log = logging.getLogger("appeals.hotline")

LEASE = dt.timedelta(minutes=10)
#: The appeal variables `push_status` reads: declare them on the topics that call it.
PUSH_VARIABLES = (
    "externalId", "channel", "registrationNumber", "leadDepartmentName", "handlerGroupName", "dispatchSituation",
    "dispatchNumber", "transferNumber", "dispatchCount", "handlerName", "resultClass", "replyText", "closeReason",
    "outOfScopeReason", "lastSatisfaction", "closedAt", "handlingRound",
)
PROCESS_KEY = "EnterpriseAppeal"


# --------------------------------------------------------------------------- reports
@dataclass
class SyncReport:
    """What one sync, import or resubmission did."""

    source: str
    origin: str
    records: int = 0
    pages: int = 0
    new: int = 0
    known: int = 0
    updated: int = 0
    quarantined: int = 0
    quarantine_known: int = 0
    withdrawn_before_intake: int = 0
    started: int = 0
    linked: int = 0
    start_failed: int = 0
    withdrawals: int = 0
    reminders: int = 0
    surveys: int = 0
    pushes_delivered: int = 0
    pushes_failed: int = 0
    blank_rows: int = 0
    errors: list[str] = field(default_factory=list)
    order_ids: list[int] = field(default_factory=list, repr=False)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("order_ids")
        return data

    def summary(self) -> str:
        parts = [f"读取{self.records}条", f"新工单{self.new}件", f"启动诉求{self.started}件"]
        for label, value in (("关联已有诉求", self.linked), ("已知工单", self.known), ("有更新", self.updated),
                             ("隔离", self.quarantined), ("已在隔离区", self.quarantine_known),
                             ("立案前已撤回", self.withdrawn_before_intake), ("启动失败", self.start_failed),
                             ("转入撤回", self.withdrawals), ("转入催单", self.reminders),
                             ("转入回访结果", self.surveys), ("推送状态", self.pushes_delivered),
                             ("推送失败", self.pushes_failed), ("空行", self.blank_rows)):
            if value:
                parts.append(f"{label}{value}件" if label != "空行" else f"{label}{value}行")
        text = "，".join(parts)
        if self.errors:
            text += "；问题：" + "；".join(self.errors[:5])
        return text


@dataclass
class PushResult:
    """The outcome of `push_status`: delivered now, or waiting in the outbox for the next sync."""

    delivered: bool
    pending: int = 0
    skipped: bool = False
    note: str = ""


# --------------------------------------------------------------------------- time helpers
def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(dt.UTC) if moment else None


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored time as aware UTC (SQLite gives naive UTC back)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


# --------------------------------------------------------------------------- ingest
def _reminder_json(reminder: Any) -> dict[str, Any]:
    return {"id": reminder.id, "at": iso(reminder.at), "text": reminder.text, "forwardedAt": None, "note": None}


def _survey_json(order: WorkOrder) -> dict[str, Any] | None:
    survey = order.survey
    if survey is None:
        return None
    return {"satisfaction": survey.satisfaction, "reallySolved": survey.really_solved, "note": survey.note,
            "at": iso(survey.at), "forwardedAt": None, "result": None}


def _same_survey(stored: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    return bool(stored) and all(stored.get(k) == new.get(k) for k in ("satisfaction", "reallySolved", "at"))


def quarantine(db: Engine, rejected: Rejected, origin: str | None) -> tuple[int, bool]:
    """Keep a record that cannot be an appeal; the same record is kept once. (id, newly created)."""
    raw = rejected.raw_text if rejected.raw_text is not None else {"fields": rejected.fields, "raw": rejected.raw}
    print_ = fingerprint(raw)
    with Session(db) as session:
        existing = session.scalar(select(HotlineQuarantine).where(
            HotlineQuarantine.source == rejected.source, HotlineQuarantine.fingerprint == print_))
        if existing is not None:
            return existing.id, False
        row = HotlineQuarantine(
            source=rejected.source, origin=origin, order_number=rejected.order_number, fingerprint=print_,
            raw_record=None if rejected.raw_text is not None else jsonable(raw), raw_text=rejected.raw_text,
            reason=rejected.reason,
        )
        session.add(row)
        try:
            session.commit()
        except IntegrityError:  # the same record quarantined at the same moment by another sync
            session.rollback()
            existing = session.scalar(select(HotlineQuarantine).where(
                HotlineQuarantine.source == rejected.source, HotlineQuarantine.fingerprint == print_))
            return (existing.id if existing else 0), False
        log.warning("quarantined a %s record (%s): %s", rejected.source, rejected.order_number or "no number",
                    rejected.reason)
        return row.id, True


def ingest(db: Engine, record: Intake, origin: str | None) -> tuple[str, int | None]:
    """Put one record into the registry or the quarantine.

    Returns (outcome, order id): outcome is one of new, known, updated, withdrawn_before_intake,
    quarantined, quarantine_known (the names of `SyncReport`'s counters).
    """
    if isinstance(record, Rejected):
        _, created = quarantine(db, record, origin)
        return ("quarantined" if created else "quarantine_known"), None
    order = record
    with Session(db) as session:
        row = session.scalar(select(HotlineOrder).where(HotlineOrder.order_number == order.order_number))
        if row is None:
            row = HotlineOrder(
                order_number=order.order_number, source=order.source, origin=origin,
                state="withdrawn_before_intake" if order.withdrawn else "new",
                business_key=order.business_key, registration=order.registration, raw_payload=order.raw,
                received_at=_utc(order.received_at), remote_updated_at=_utc(order.updated_at),
                needs_action=not order.withdrawn, start_attempts=0,
                reminders=[_reminder_json(r) for r in order.reminders], survey=_survey_json(order),
                withdraw_reason=order.withdraw_reason, withdrawn_at=_utc(order.withdrawn_at or order.updated_at)
                if order.withdrawn else None,
                push_attempts=0,
            )
            session.add(row)
            try:
                session.commit()
            except IntegrityError:  # another sync inserted it a moment ago: merge below
                session.rollback()
            else:
                _resolve_quarantined(db, order.order_number, order.business_key)
                if order.notes:
                    log.info("order %s: %s", order.order_number, "；".join(order.notes))
                return ("withdrawn_before_intake" if order.withdrawn else "new"), row.id
        order_id = session.scalar(select(HotlineOrder.id).where(HotlineOrder.order_number == order.order_number))
    assert order_id is not None
    if not _claim(db, order_id):
        return "known", order_id  # another sync works on it now; its events come again next time
    try:
        changed = _merge(db, order_id, order)
    finally:
        _release(db, order_id)
    return ("updated" if changed else "known"), order_id


def _merge(db: Engine, order_id: int, order: WorkOrder) -> bool:
    """Add a known order's new events; True when there was something new."""
    with Session(db) as session:
        row = session.get(HotlineOrder, order_id)
        assert row is not None
        changed = False
        updated = _utc(order.updated_at)
        if updated and (row.remote_updated_at is None or updated > _aware(row.remote_updated_at)):
            row.remote_updated_at = updated
        if row.state == "new" and not order.withdrawn:
            row.registration, row.raw_payload = order.registration, order.raw  # not started yet: newest data
        if order.withdrawn and row.withdraw_reason is None:
            row.withdraw_reason = order.withdraw_reason
            row.withdrawn_at = _utc(order.withdrawn_at or order.updated_at) or utcnow()
            if row.state == "new":
                row.state = "withdrawn_before_intake"
            changed = True
        known = {r.get("id") for r in row.reminders or []}
        fresh = [_reminder_json(r) for r in order.reminders if r.id not in known]
        if fresh:
            row.reminders = [*(row.reminders or []), *fresh]
            changed = True
        survey = _survey_json(order)
        if survey and not _same_survey(row.survey, survey):
            row.survey = survey
            changed = True
        if changed and row.state == "started":
            row.needs_action = True
        if row.state == "withdrawn_before_intake":
            row.needs_action = False
        session.commit()
        return changed


def _resolve_quarantined(db: Engine, order_number: str, key: str) -> None:
    """Open quarantine entries of an order that has now arrived in good shape are resolved."""
    with db.begin() as conn:
        conn.execute(update(HotlineQuarantine)
                     .where(HotlineQuarantine.order_number == order_number, HotlineQuarantine.resolved_at.is_(None))
                     .values(resolved_at=utcnow(), resubmitted_as=key))


# --------------------------------------------------------------------------- leases
def _claim(db: Engine, order_id: int) -> bool:
    now = utcnow()
    with db.begin() as conn:
        result = conn.execute(
            update(HotlineOrder)
            .where(HotlineOrder.id == order_id,
                   or_(HotlineOrder.claimed_until.is_(None), HotlineOrder.claimed_until < now))
            .values(claimed_until=now + LEASE)
        )
    return result.rowcount == 1


def _release(db: Engine, order_id: int) -> None:
    with db.begin() as conn:
        conn.execute(update(HotlineOrder).where(HotlineOrder.id == order_id).values(claimed_until=None))


# --------------------------------------------------------------------------- the engine side
def find_appeal(camunda: Camunda, key: str) -> str | None:
    """The appeal holding this business key, running or finished (history), if there is one."""
    found = camunda.get("/history/process-instance", processInstanceBusinessKey=key,
                        processDefinitionKey=PROCESS_KEY) or []
    if not found:
        found = camunda.get("/process-instance", businessKey=key, processDefinitionKey=PROCESS_KEY) or []
    if not found:
        return None
    active = [p for p in found if p.get("state") in (None, "ACTIVE", "SUSPENDED")]
    return (active or found)[0]["id"]


def _ended(camunda: Camunda, process_instance_id: str | None) -> bool:
    if not process_instance_id:
        return False
    try:
        history = camunda.get(f"/history/process-instance/{process_instance_id}")
    except CamundaError as exc:
        if exc.status == 404:
            return True
        raise
    return history.get("state") not in ("ACTIVE", "SUSPENDED")


def _correlate(camunda: Camunda, row: HotlineOrder, message: str, variables: Mapping[str, Any]) -> str:
    """ok, ended (the appeal is over), or the reason it cannot be delivered yet."""
    try:
        camunda.correlate(message, business_key=row.business_key, variables=variables,
                          process_instance_id=row.process_instance_id)
        return "ok"
    except CamundaError as exc:
        if _ended(camunda, row.process_instance_id):
            return "ended"
        return f"{message}: {exc.message or exc}"


# --------------------------------------------------------------------------- drain
def drain(db: Engine, camunda: Camunda, report: SyncReport, order_ids: Iterable[int] | None = None) -> None:
    """Act on every registry row that needs it (or on the given rows): start, forward events."""
    query = select(HotlineOrder.id).where(HotlineOrder.needs_action.is_(True)).order_by(HotlineOrder.id)
    ids = list(order_ids) if order_ids is not None else None
    if ids is not None:
        if not ids:
            return
        query = query.where(HotlineOrder.id.in_(ids))
    with Session(db) as session:
        pending = list(session.scalars(query))
    for order_id in pending:
        if not _claim(db, order_id):
            continue
        try:
            _act(db, camunda, order_id, report)
        finally:
            _release(db, order_id)


def _act(db: Engine, camunda: Camunda, order_id: int, report: SyncReport) -> None:
    with Session(db) as session:
        row = session.get(HotlineOrder, order_id)
        if row is None or not row.needs_action:
            return
        if row.state == "new":
            if not _start(camunda, row, report):
                session.commit()
                return
        if row.state == "started":
            problems = _forward_events(camunda, row, report)
            row.last_error = "；".join(problems) if problems else None
            row.needs_action = _has_pending_events(row)
        else:
            row.needs_action = False
        session.commit()


def _start(camunda: Camunda, row: HotlineOrder, report: SyncReport) -> bool:
    """Start the appeal (or link the one that already exists); False when the engine refused."""
    existing = find_appeal(camunda, row.business_key)
    if existing:
        row.process_instance_id = existing
        row.state = "started"
        report.linked += 1
        log.info("order %s already has appeal %s", row.order_number, existing)
        return True
    variables = {k: v for k, v in (row.registration or {}).items()}
    variables.update(channel="hotline", externalId=row.order_number)
    try:
        result = camunda.correlate("AppealSubmitted", business_key=row.business_key, variables=variables)
    except CamundaError as exc:
        row.start_attempts = (row.start_attempts or 0) + 1
        row.last_error = f"启动诉求失败（第{row.start_attempts}次）：{exc}"
        report.start_failed += 1
        report.errors.append(f"{row.order_number}: {row.last_error}")
        log.error("could not start the appeal of order %s: %s", row.order_number, exc)
        return False
    instance = (result or {}).get("processInstance") or {}
    row.process_instance_id = instance.get("id") or find_appeal(camunda, row.business_key)
    row.state = "started"
    row.start_attempts = (row.start_attempts or 0) + 1
    row.last_error = None
    report.started += 1
    log.info("order %s → appeal %s", row.order_number, row.process_instance_id)
    return True


def _forward_events(camunda: Camunda, row: HotlineOrder, report: SyncReport) -> list[str]:
    """催单, then the survey, then the withdrawal; returns what could not be forwarded yet."""
    problems: list[str] = []
    now = iso(utcnow())
    reminders = [dict(r) for r in row.reminders or []]
    for reminder in reminders:
        if reminder.get("forwardedAt"):
            continue
        outcome = _correlate(camunda, row, "HotlineReminder",
                             {"hotlineReminderText": reminder.get("text") or "12345平台催单"})
        if outcome in ("ok", "ended"):
            reminder["forwardedAt"] = now
            reminder["note"] = None if outcome == "ok" else "诉求已结束，催单未转入"
            if outcome == "ok":
                report.reminders += 1
        else:
            problems.append(f"催单待转入：{outcome}")
            break
    row.reminders = reminders
    if row.survey and not row.survey.get("forwardedAt"):
        survey = dict(row.survey)
        outcome = _correlate(camunda, row, "SurveyAnswered", {
            "satisfaction": survey["satisfaction"], "reallySolved": survey["reallySolved"],
            "followUpNote": survey.get("note") or "12345平台回访", "followUpMethod": "hotline",
        })
        if outcome in ("ok", "ended"):
            survey["forwardedAt"] = now
            survey["result"] = "已转入回访" if outcome == "ok" else "诉求已结束，回访结果未转入"
            if outcome == "ok":
                report.surveys += 1
        else:  # the appeal does not wait at the follow-up yet: keep it for a later sync
            survey["result"] = "等待诉求进入回访环节"
        row.survey = survey
    if row.withdraw_reason and not row.withdrawal_forwarded_at:
        outcome = _correlate(camunda, row, "HotlineOrderWithdrawn", {"withdrawReason": row.withdraw_reason})
        if outcome in ("ok", "ended"):
            row.withdrawal_forwarded_at = utcnow()
            if outcome == "ok":
                report.withdrawals += 1
        else:
            problems.append(f"撤回待转入：{outcome}")
    return problems


def _has_pending_events(row: HotlineOrder) -> bool:
    if row.withdraw_reason and not row.withdrawal_forwarded_at:
        return True
    if any(not r.get("forwardedAt") for r in row.reminders or []):
        return True
    return bool(row.survey and not row.survey.get("forwardedAt"))


# --------------------------------------------------------------------------- sources → registry
def run_source(db: Engine, camunda: Camunda, source: OrderSource, origin: str,
               report: SyncReport | None = None, drain_all: bool = False) -> SyncReport:
    """Ingest every record of a source, then act on what it brought (or on everything pending)."""
    report = report or SyncReport(source=source.source, origin=origin)
    touched: list[int] = []
    for record in source.records():
        report.records += 1
        outcome, order_id = ingest(db, record, origin)
        report.count(outcome)
        if order_id is not None:
            touched.append(order_id)
    report.order_ids = touched
    drain(db, camunda, report, None if drain_all else touched)
    return report


def _services() -> Any:
    from ..services import services

    return services()


def sync(config: HotlineConfig | None = None, *, db: Engine | None = None, camunda: Camunda | None = None,
         client: Any = None) -> SyncReport:
    """One pull from the Open311 endpoint: new orders → appeals, events → messages, pending pushes.

    Raises HotlineUnavailable (after the client's retries) or HotlineError when the pull could not
    finish; what was pulled before is kept and acted on, and `exc.report` says what was done.
    """
    from .open311 import Open311Client, Open311Source

    config = config or HotlineConfig.from_env()
    if not config.configured:
        raise HotlineError("未配置12345接口地址（APPEALS_HOTLINE_URL）")
    if db is None or camunda is None:
        svc = _services()
        db = db or svc.db
        camunda = camunda or svc.camunda
    own_client = client is None
    client = client or Open311Client(config)
    report = SyncReport(source="open311", origin=config.feed)
    started_at = utcnow()
    feed = _feed(db, config.feed)
    watermark = _aware(feed.watermark) if feed else None
    since = (watermark - dt.timedelta(minutes=config.overlap_minutes) if watermark
             else started_at - dt.timedelta(days=config.lookback_days))
    source = Open311Source(client, since)
    error: HotlineError | None = None
    try:
        try:
            for record in source.records():
                report.records += 1
                outcome, _ = ingest(db, record, config.feed)
                report.count(outcome)
        except HotlineError as exc:
            error = exc
        report.pages = source.pages
        drain(db, camunda, report)
        if error is None:
            deliver_pending(db, client, report=report)
    finally:
        if own_client:
            client.close()
    _record_feed(db, config.feed, started_at, report, error, source.newest if source.complete else None)
    if error is not None:
        report.errors.append(str(error))
        error.report = report
        raise error
    log.info("hotline sync: %s", report.summary())
    return report


def _feed(db: Engine, key: str) -> HotlineFeed | None:
    with Session(db) as session:
        return session.get(HotlineFeed, key)


def _record_feed(db: Engine, key: str, started_at: dt.datetime, report: SyncReport, error: Exception | None,
                 newest: dt.datetime | None) -> None:
    with Session(db) as session:
        feed = session.get(HotlineFeed, key)
        if feed is None:
            feed = HotlineFeed(feed=key)
            session.add(feed)
        feed.last_run_at = started_at
        feed.last_report = report.as_dict()
        if error is None:
            feed.last_success_at = started_at
            feed.last_error = None
        else:
            feed.last_error = str(error)
        if newest is not None and (feed.watermark is None or _utc(newest) > _aware(feed.watermark)):
            feed.watermark = _utc(newest)
        try:
            session.commit()
        except IntegrityError:  # a concurrent first sync created the row: its record will do
            session.rollback()


def feeds(db: Engine) -> list[HotlineFeed]:
    with Session(db) as session:
        return list(session.scalars(select(HotlineFeed).order_by(HotlineFeed.feed)))


# --------------------------------------------------------------------------- quarantine
def quarantined(db: Engine, include_resolved: bool = False) -> list[HotlineQuarantine]:
    with Session(db) as session:
        query = select(HotlineQuarantine).order_by(HotlineQuarantine.id)
        if not include_resolved:
            query = query.where(HotlineQuarantine.resolved_at.is_(None))
        return list(session.scalars(query))


def quarantine_entry(db: Engine, entry_id: int) -> HotlineQuarantine | None:
    with Session(db) as session:
        return session.get(HotlineQuarantine, entry_id)


def resubmit(entry_id: int, overrides: Mapping[str, Any] | None = None, *, db: Engine | None = None,
             camunda: Camunda | None = None) -> SyncReport:
    """Resubmit a quarantined record with corrections (field names of records.FIELDS).

    Raises LookupError (no such entry), ValueError (already resolved, unknown field) or HotlineError
    (still not an appeal: the reasons).
    """
    if db is None or camunda is None:
        svc = _services()
        db = db or svc.db
        camunda = camunda or svc.camunda
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(FIELDS))
    if unknown:
        raise ValueError(f"不认识的字段：{', '.join(unknown)}（可用：{', '.join(FIELDS)}）")
    entry = quarantine_entry(db, entry_id)
    if entry is None:
        raise LookupError(f"隔离区没有编号为{entry_id}的记录")
    if entry.resolved_at is not None:
        raise ValueError(f"隔离记录{entry_id}已处理（{entry.resubmitted_as or '已解决'}）")
    stored = entry.raw_record or {}
    fields = dict(stored.get("fields") or {})
    fields.update(overrides)
    record = build_order(fields, entry.source, raw=stored.get("raw") or {"raw_text": entry.raw_text},
                         allow_serial=entry.source == "xlsx")
    if isinstance(record, Rejected):
        raise HotlineError(f"修改后仍不能登记为诉求：{record.reason}")
    report = SyncReport(source=entry.source, origin=f"quarantine#{entry_id}")
    outcome, order_id = ingest(db, record, f"quarantine#{entry_id}")
    report.records = 1
    report.count(outcome)
    if order_id is not None:
        drain(db, camunda, report, [order_id])
    with db.begin() as conn:
        conn.execute(update(HotlineQuarantine).where(HotlineQuarantine.id == entry_id)
                     .values(resolved_at=utcnow(), resubmitted_as=record.business_key))
    return report


# --------------------------------------------------------------------------- status back to the hotline
def status_update(order_number: str, milestone: str, variables: Mapping[str, Any],
                  token: str | None = None) -> StatusUpdate:
    """The update for a milestone, from the appeal's variables (docs/data-dictionary.md)."""
    if milestone not in MILESTONES:
        raise ValueError(f"unknown milestone {milestone!r} (one of {', '.join(MILESTONES)})")
    v = {k: val for k, val in variables.items() if val not in (None, "")}
    lead = v.get("leadDepartmentName") or v.get("handlerGroupName")
    if milestone == "registered":
        notes = f"已受理，登记编号{v['registrationNumber']}" if v.get("registrationNumber") else "已受理"
    elif milestone == "dispatched":
        if v.get("dispatchSituation") == DispatchSituation.CITY:
            notes = "已转报市企业服务中心协调办理"
            number = v.get("transferNumber") or v.get("dispatchNumber")
        else:
            notes = f"已交办{lead or '承办单位'}办理"
            number = v.get("dispatchNumber")
        if number:
            notes += f"（{number}）"
    elif milestone == "signed":
        notes = f"{v.get('handlerGroupName') or lead or '承办单位'}已签收"
        if v.get("handlerName"):
            notes += f"，承办人{v['handlerName']}"
    elif milestone == "replied":
        notes = f"办理结果：{RESULT_CLASS_SHORT.get(v.get('resultClass', ''), '已答复')}"
        if v.get("replyText"):
            notes += f"。答复内容：{v['replyText']}"
    else:
        notes = HOTLINE_CLOSE_REASON_LABELS.get(v.get("closeReason", ""), "已办结")
        if v.get("closeReason") == CloseReason.OUT_OF_SCOPE and v.get("outOfScopeReason"):
            notes += f"：{v['outOfScopeReason']}"
    extra = {
        "registration_number": v.get("registrationNumber"), "dispatch_number": v.get("dispatchNumber"),
        "result_class": v.get("resultClass"), "reply": v.get("replyText"), "close_reason": v.get("closeReason"),
        "satisfaction": v.get("lastSatisfaction"),
    }
    round_ = v.get("handlingRound") or 1
    return StatusUpdate(
        order_number=order_number,
        milestone=milestone,
        status="closed" if milestone == "closed" else "open",
        status_notes=notes,
        updated_at=parse_datetime(v.get("closedAt") if milestone == "closed" else None) or utcnow(),
        token=token or f"{order_number}:{milestone}:{round_}:{v.get('dispatchCount') or 0}",
        agency_responsible=lead,
        extra={k: str(val) for k, val in extra.items() if val not in (None, "")},
    )


def _payload(update_: StatusUpdate) -> dict[str, Any]:
    data = asdict(update_)
    data["updated_at"] = iso(update_.updated_at)
    return data


def _from_payload(payload: Mapping[str, Any]) -> StatusUpdate:
    data = dict(payload)
    data["updated_at"] = parse_datetime(data["updated_at"]) or utcnow()
    return StatusUpdate(**data)


def push_status(order_number: str | None, milestone: str, variables: Mapping[str, Any] | None = None, *,
                key: str | None = None, db: Engine | None = None, client: StatusSink | None = None,
                config: HotlineConfig | None = None, attempts: int = 1) -> PushResult:
    """Tell the hotline about a milestone of the appeal of a work order.

    `milestone`: registered, dispatched, signed, replied or closed; `variables`: the appeal's
    variables (registrationNumber, leadDepartmentName, dispatchNumber, handlerName, resultClass,
    replyText, closeReason, lastSatisfaction, closedAt, handlingRound, dispatchCount …); `key`: an
    idempotency key (default: order, milestone, handling round and dispatch count), so a redelivered
    milestone task sends nothing twice.

    Never raises for hotline trouble: an update that cannot be delivered now stays in the outbox
    and the next sync retries it (`PushResult.delivered` False). The call here makes `attempts`
    tries only (default 1, at most the configured timeout), so a milestone worker stays well inside
    its lock; the sync's retries are the patient ones. Orders unknown to the registry (not from the
    hotline) are skipped. Call it with the task's `externalId` as `order_number` (None → skipped).
    """
    if milestone not in MILESTONES:
        raise ValueError(f"unknown milestone {milestone!r} (one of {', '.join(MILESTONES)})")
    if not order_number:
        return PushResult(False, skipped=True, note="不是12345工单，无需推送")
    db = db or _services().db
    with Session(db) as session:
        order_id = session.scalar(select(HotlineOrder.id).where(HotlineOrder.order_number == order_number))
    if order_id is None:
        return PushResult(False, skipped=True, note=f"登记簿中没有工单{order_number}，无需推送")
    update_ = status_update(order_number, milestone, variables or {}, key)
    with Session(db) as session:
        session.add(HotlineUpdate(order_id=order_id, token=update_.token, milestone=milestone,
                                  payload=_payload(update_), attempts=0))
        try:
            session.commit()
        except IntegrityError:  # the same milestone again (a redelivered task): nothing new
            session.rollback()
    if client is None:
        config = config or HotlineConfig.from_env()
        if not config.configured:
            return PushResult(False, pending=_pending(db, order_id),
                              note="未配置12345接口，状态更新留在待推送队列")
        from .open311 import Open311Client

        sink = Open311Client(replace(config, attempts=max(attempts, 1)))
        try:
            delivered, error = _deliver(db, sink, order_id)
        finally:
            sink.close()
    else:
        delivered, error = _deliver(db, client, order_id)
    pending = _pending(db, order_id)
    return PushResult(delivered=pending == 0, pending=pending, note=error or f"已推送{delivered}条")


def _pending(db: Engine, order_id: int | None = None) -> int:
    with Session(db) as session:
        query = select(func.count()).select_from(HotlineUpdate).where(HotlineUpdate.delivered_at.is_(None))
        if order_id is not None:
            query = query.where(HotlineUpdate.order_id == order_id)
        return session.scalar(query) or 0


def pending_updates(db: Engine) -> int:
    return _pending(db)


def deliver_pending(db: Engine, client: StatusSink, report: SyncReport | None = None) -> tuple[int, str | None]:
    """Retry every undelivered status update, oldest first, per order in order."""
    delivered, error = _deliver(db, client, None)
    if report is not None:
        report.pushes_delivered += delivered
        if error:
            report.pushes_failed += 1
            report.errors.append(error)
    return delivered, error


def _deliver(db: Engine, client: StatusSink, order_id: int | None) -> tuple[int, str | None]:
    query = select(HotlineUpdate.id, HotlineUpdate.order_id).where(HotlineUpdate.delivered_at.is_(None))
    if order_id is not None:
        query = query.where(HotlineUpdate.order_id == order_id)
    with Session(db) as session:
        pending = list(session.execute(query.order_by(HotlineUpdate.id)))
    delivered, last_error = 0, None
    blocked: set[int] = set()  # an order whose older update failed: its later ones wait (order matters)
    for update_id, owner in pending:
        if owner in blocked or not _claim_update(db, update_id):
            blocked.add(owner)
            continue
        with Session(db) as session:
            row = session.get(HotlineUpdate, update_id)
            assert row is not None
            now = utcnow()
            row.attempts += 1
            row.last_attempt_at = now
            order = session.get(HotlineOrder, row.order_id)
            try:
                remote_id = client.push(_from_payload(row.payload))
            except HotlineError as exc:
                row.last_error = str(exc)
                row.claimed_until = None
                if order is not None:
                    order.push_attempts = (order.push_attempts or 0) + 1
                    order.last_error = f"状态推送失败：{exc}"
                session.commit()
                last_error = f"状态推送失败（{row.milestone}，工单{order.order_number if order else '?'}）：{exc}"
                log.warning("%s", last_error)
                blocked.add(owner)
                if isinstance(exc, HotlineUnavailable):
                    break  # the hotline is down: the rest waits for the next sync
                continue
            row.delivered_at = now
            row.remote_update_id = remote_id
            row.last_error = None
            row.claimed_until = None
            if order is not None:
                order.status_pushed = row.milestone
                order.last_push_at = now
                order.push_attempts = 0
                if order.last_error and order.last_error.startswith("状态推送失败"):
                    order.last_error = None
            session.commit()
            delivered += 1
    return delivered, last_error


def _claim_update(db: Engine, update_id: int) -> bool:
    now = utcnow()
    with db.begin() as conn:
        result = conn.execute(
            update(HotlineUpdate)
            .where(HotlineUpdate.id == update_id, HotlineUpdate.delivered_at.is_(None),
                   or_(HotlineUpdate.claimed_until.is_(None), HotlineUpdate.claimed_until < now))
            .values(claimed_until=now + LEASE)
        )
    return result.rowcount == 1


# --------------------------------------------------------------------------- registry queries
def order(db: Engine, order_number: str) -> HotlineOrder | None:
    with Session(db) as session:
        return session.scalar(select(HotlineOrder).where(HotlineOrder.order_number == order_number))


def orders(db: Engine, since: dt.datetime | None = None) -> list[HotlineOrder]:
    with Session(db) as session:
        query = select(HotlineOrder).order_by(HotlineOrder.id)
        if since is not None:
            query = query.where(or_(HotlineOrder.received_at >= _utc(since),
                                    HotlineOrder.first_seen_at >= _utc(since)))
        return list(session.scalars(query))
