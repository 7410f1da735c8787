"""Status back to the hotline: `push_status` (called at the milestones) puts each update into the outbox
`hotline_update` and tries to deliver it; what could not be delivered is retried by the next sync
(`deliver_pending`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import utcnow
from ..db.hotline_models import HotlineOrder, HotlineUpdate
from ..settings import HotlineConfig
from ..vocabulary import HOTLINE_CLOSE_REASON_LABELS, RESULT_CLASS_SHORT, CloseReason, DispatchSituation
from . import (
    MILESTONES,
    HotlineError,
    HotlineUnavailable,
    StatusSink,
    StatusUpdate,
)
from .records import iso, parse_datetime
from .registry import LEASE
from .report import PushResult, SyncReport

log = logging.getLogger("appeals.hotline")

#: The appeal variables `push_status` reads: declare them on the topics that call it.
PUSH_VARIABLES = (
    "externalId", "channel", "registrationNumber", "leadDepartmentName", "handlerGroupName", "dispatchSituation",
    "dispatchNumber", "transferNumber", "dispatchCount", "handlerName", "resultClass", "replyText", "closeReason",
    "outOfScopeReason", "lastSatisfaction", "closedAt", "handlingRound",
)


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
                key: str | None = None, db: Engine, client: StatusSink | None = None,
                config: HotlineConfig, attempts: int = 1,
                feeds: Callable[[str | None], HotlineConfig] | None = None) -> PushResult:
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

    The update goes to the feed of the order's county: `feeds(county)` (`Settings.hotline_for`) when given;
    else `config`, and only for an order of `config`'s county — another county's order waits in the outbox
    for its own county's sync.
    """
    if milestone not in MILESTONES:
        raise ValueError(f"unknown milestone {milestone!r} (one of {', '.join(MILESTONES)})")
    if not order_number:
        return PushResult(False, skipped=True, note="不是12345工单，无需推送")
    with Session(db) as session:
        found = session.execute(select(HotlineOrder.id, HotlineOrder.county)
                                .where(HotlineOrder.order_number == order_number)).first()
    if found is None:
        return PushResult(False, skipped=True, note=f"登记簿中没有工单{order_number}，无需推送")
    order_id, county = found
    if feeds is not None:
        config = feeds(county)
    update_ = status_update(order_number, milestone, variables or {}, key)
    with Session(db) as session:
        session.add(HotlineUpdate(order_id=order_id, token=update_.token, milestone=milestone,
                                  payload=_payload(update_), attempts=0))
        try:
            session.commit()
        except IntegrityError:  # the same milestone again (a redelivered task): nothing new
            session.rollback()
    if client is None:
        if not config.configured or config.county != county:
            return PushResult(False, pending=_pending(db, order_id),
                              note="未配置本县的12345接口，状态更新留在待推送队列")
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


ALL_COUNTIES = "*"
"""`deliver_pending(county=ALL_COUNTIES)`, `drain(county=ALL_COUNTIES)`: the orders of every county."""


def deliver_pending(db: Engine, client: StatusSink, report: SyncReport | None = None,
                    county: str | None = ALL_COUNTIES) -> tuple[int, str | None]:
    """Retry every undelivered status update, oldest first, per order in order: of the orders of
    `county` (a tenant; None: the chart's own county's; `ALL_COUNTIES`: every order), since a feed takes
    the updates of its own county's orders only."""
    delivered, error = _deliver(db, client, None, county)
    if report is not None:
        report.pushes_delivered += delivered
        if error:
            report.pushes_failed += 1
            report.errors.append(error)
    return delivered, error


def _deliver(db: Engine, client: StatusSink, order_id: int | None,
             county: str | None = ALL_COUNTIES) -> tuple[int, str | None]:
    query = select(HotlineUpdate.id, HotlineUpdate.order_id).where(HotlineUpdate.delivered_at.is_(None))
    if order_id is not None:
        query = query.where(HotlineUpdate.order_id == order_id)
    if county != ALL_COUNTIES:
        query = query.join(HotlineOrder, HotlineOrder.id == HotlineUpdate.order_id).where(
            HotlineOrder.county.is_(None) if county is None else HotlineOrder.county == county)
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
