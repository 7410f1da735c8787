"""The registry of work orders: every record of a source goes into `hotline_order` (keyed by the order
number) or the quarantine (`hotline_quarantine`, with a Chinese reason); a known order only adds its
new events (withdrawal, 催单, the hotline's survey). Queries of both."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import utcnow
from ..db.hotline_models import HotlineOrder, HotlineQuarantine
from . import (
    Intake,
    Rejected,
    WorkOrder,
)
from .records import fingerprint, iso, jsonable
from .report import stored_utc, to_utc

log = logging.getLogger("appeals.hotline")

LEASE = dt.timedelta(minutes=10)
"""How long a sync owns a registry row or an outbox entry it acts on."""


# --------------------------------------------------------------------------- leases
def claim(db: Engine, order_id: int) -> bool:
    """Take the lease of a registry row for `LEASE`; False when another sync holds it."""
    now = utcnow()
    with db.begin() as conn:
        result = conn.execute(
            update(HotlineOrder)
            .where(HotlineOrder.id == order_id,
                   or_(HotlineOrder.claimed_until.is_(None), HotlineOrder.claimed_until < now))
            .values(claimed_until=now + LEASE)
        )
    return result.rowcount == 1


def release(db: Engine, order_id: int) -> None:
    with db.begin() as conn:
        conn.execute(update(HotlineOrder).where(HotlineOrder.id == order_id).values(claimed_until=None))


def claim_many(db: Engine, order_ids: list[int]) -> list[int]:
    """Take the leases of those rows no other sync holds, in one statement; the ids taken, in order."""
    if not order_ids:
        return []
    now = utcnow()
    with db.begin() as conn:
        taken = set(conn.scalars(
            update(HotlineOrder)
            .where(HotlineOrder.id.in_(order_ids),
                   or_(HotlineOrder.claimed_until.is_(None), HotlineOrder.claimed_until < now))
            .values(claimed_until=now + LEASE)
            .returning(HotlineOrder.id)
        ))
    return [order_id for order_id in order_ids if order_id in taken]


def release_many(db: Engine, order_ids: list[int]) -> None:
    if order_ids:
        with db.begin() as conn:
            conn.execute(update(HotlineOrder).where(HotlineOrder.id.in_(order_ids)).values(claimed_until=None))


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


def quarantine(db: Engine, rejected: Rejected, origin: str | None, county: str | None = None) -> tuple[int, bool]:
    """Keep a record that cannot be an appeal; the same record is kept once. (id, newly created).
    `county`: the tenant of the county whose feed or import brought it (None: the chart's own)."""
    raw = rejected.raw_text if rejected.raw_text is not None else {"fields": rejected.fields, "raw": rejected.raw}
    print_ = fingerprint(raw)
    with Session(db) as session:
        existing = session.scalar(select(HotlineQuarantine).where(
            HotlineQuarantine.source == rejected.source, HotlineQuarantine.fingerprint == print_))
        if existing is not None:
            return existing.id, False
        row = HotlineQuarantine(
            source=rejected.source, origin=origin, county=county, order_number=rejected.order_number,
            fingerprint=print_,
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
        # named by where it came from (the imported file: dates.csv, the feed's address), not by the channel
        # code: every export kind, CSV included, is channel "xlsx" (tester 6, N8); Chinese like the CLI's
        # own lines, since `appeals hotline import` prints it
        log.warning("已隔离 12345 工单记录（%s，来自 %s）：%s", rejected.order_number or "无编号",
                    origin or rejected.source, rejected.reason)
        return row.id, True


def _other_county(order: WorkOrder, row_county: str | None, county: str | None) -> Rejected:
    """A feed brought an order number another county's feed registered first: it stays that county's
    order, and this record is quarantined for the office to clear with the 12345 platform."""
    def name(tenant: str | None) -> str:
        return f"县（{tenant}）" if tenant else "本县"

    return Rejected(source=order.source, order_number=order.order_number, fields=order.fields, raw=order.raw,
                    reason=f"工单编号“{order.order_number}”已由{name(row_county)}的12345接口登记，{name(county)}的接口"
                           "又送来同一编号：不转入其他县的诉求，请与12345平台核实")


def ingest(db: Engine, record: Intake, origin: str | None, county: str | None = None) -> tuple[str, int | None]:
    """Put one record into the registry or the quarantine.

    `county`: the tenant of the county whose feed or import brought it, written on a new row (None: the
    chart's own county). A known order of another county is not touched: the record is quarantined
    (`_other_county`), so a feed's record never reaches another county's appeal.

    Returns (outcome, order id): outcome is one of new, known, updated, withdrawn_before_intake,
    quarantined, quarantine_known (the names of `SyncReport`'s counters).
    """
    if isinstance(record, Rejected):
        _, created = quarantine(db, record, origin, county)
        return ("quarantined" if created else "quarantine_known"), None
    order = record
    with Session(db) as session:
        row = session.scalar(select(HotlineOrder).where(HotlineOrder.order_number == order.order_number))
        if row is not None and row.county != county:
            _, created = quarantine(db, _other_county(order, row.county, county), origin, county)
            return ("quarantined" if created else "quarantine_known"), None
        if row is None:
            row = _new_row(order, origin, county)
            session.add(row)
            try:
                session.commit()
            except IntegrityError:  # another sync inserted it a moment ago: merge below
                session.rollback()
            else:
                _resolve_quarantined(db, order.order_number, order.business_key, county)
                if order.notes:
                    log.info("order %s: %s", order.order_number, "；".join(order.notes))
                return ("withdrawn_before_intake" if order.withdrawn else "new"), row.id
        order_id = session.scalar(select(HotlineOrder.id).where(HotlineOrder.order_number == order.order_number))
    assert order_id is not None
    if not claim(db, order_id):
        return "known", order_id  # another sync works on it now; its events come again next time
    try:
        changed = _merge(db, order_id, order)
    finally:
        release(db, order_id)
    return ("updated" if changed else "known"), order_id


def ingest_many(db: Engine, records: list[Intake], origin: str | None,
                county: str | None = None) -> list[tuple[str, int | None]]:
    """`ingest` for a batch (a page of a source), with the same outcomes, in order.

    Orders never seen before are looked up with one query and inserted in one transaction (their
    open quarantine entries resolved in one statement); everything else — rejected records, known
    orders, a number twice in the batch, an insert that met another sync's — goes through `ingest`
    one by one."""
    outcomes: list[tuple[str, int | None] | None] = [None] * len(records)
    fresh: dict[str, int] = {}  # order number → index in records, first occurrence of an unknown order
    numbers = {r.order_number for r in records if isinstance(r, WorkOrder)}
    if numbers:
        with Session(db) as session:
            known = {row.order_number: row for row in session.scalars(
                select(HotlineOrder).where(HotlineOrder.order_number.in_(numbers)))}
            seen: set[str] = set()
            for index, record in enumerate(records):
                if not isinstance(record, WorkOrder):
                    continue
                row = known.get(record.order_number)
                if row is None and record.order_number not in fresh:
                    fresh[record.order_number] = index
                elif (row is not None and record.order_number not in seen and row.county == county
                      and _nothing_new(row, record)):
                    outcomes[index] = "known", row.id  # read again (the sync's overlap): nothing to write
                seen.add(record.order_number)
    if fresh:
        rows = {number: _new_row(records[index], origin, county)  # type: ignore[arg-type]
                for number, index in fresh.items()}
        with Session(db, expire_on_commit=False) as session:  # ids and keys stay readable after the commit
            session.add_all(rows.values())
            try:
                session.commit()
            except IntegrityError:  # another sync inserted some of them a moment ago: one by one below
                session.rollback()
                rows = {}
            else:
                ids = {number: row.id for number, row in rows.items()}
        if rows:
            with Session(db) as session:  # quarantined before, now arrived in good shape: resolved
                waiting = set(session.scalars(select(HotlineQuarantine.order_number).where(
                    HotlineQuarantine.order_number.in_(list(rows)), HotlineQuarantine.resolved_at.is_(None))))
            for number in sorted(waiting):
                _resolve_quarantined(db, number, rows[number].business_key, county)
            for number, index in fresh.items():
                order = records[index]
                assert isinstance(order, WorkOrder)
                if order.notes:
                    log.info("order %s: %s", number, "；".join(order.notes))
                outcomes[index] = ("withdrawn_before_intake" if order.withdrawn else "new"), ids[number]
    for index, record in enumerate(records):
        if outcomes[index] is None:
            outcomes[index] = ingest(db, record, origin, county)
    return [o for o in outcomes if o is not None]


def _nothing_new(row: HotlineOrder, order: WorkOrder) -> bool:
    """The record of a known order brings nothing `_merge` would store (not newer, no new event)."""
    updated = to_utc(order.updated_at)
    if updated is None or row.remote_updated_at is None or updated > stored_utc(row.remote_updated_at):
        return False
    if order.withdrawn and row.withdraw_reason is None:
        return False
    known = {r.get("id") for r in row.reminders or []}
    if any(r.id not in known for r in order.reminders):
        return False
    survey = _survey_json(order)
    return not (survey and not _same_survey(row.survey, survey))


def _new_row(order: WorkOrder, origin: str | None, county: str | None = None) -> HotlineOrder:
    return HotlineOrder(
        order_number=order.order_number, source=order.source, origin=origin, county=county,
        state="withdrawn_before_intake" if order.withdrawn else "new",
        business_key=order.business_key, registration=order.registration, raw_payload=order.raw,
        received_at=to_utc(order.received_at), remote_updated_at=to_utc(order.updated_at),
        needs_action=not order.withdrawn, start_attempts=0,
        reminders=[_reminder_json(r) for r in order.reminders], survey=_survey_json(order),
        withdraw_reason=order.withdraw_reason, withdrawn_at=to_utc(order.withdrawn_at or order.updated_at)
        if order.withdrawn else None,
        push_attempts=0,
    )


def _merge(db: Engine, order_id: int, order: WorkOrder) -> bool:
    """Add a known order's new events; True when there was something new."""
    with Session(db) as session:
        row = session.get(HotlineOrder, order_id)
        assert row is not None
        changed = False
        updated = to_utc(order.updated_at)
        if updated and (row.remote_updated_at is None or updated > stored_utc(row.remote_updated_at)):
            row.remote_updated_at = updated
        if row.state == "new" and not order.withdrawn:
            row.registration, row.raw_payload = order.registration, order.raw  # not started yet: newest data
        if order.withdrawn and row.withdraw_reason is None:
            row.withdraw_reason = order.withdraw_reason
            row.withdrawn_at = to_utc(order.withdrawn_at or order.updated_at) or utcnow()
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


def _resolve_quarantined(db: Engine, order_number: str, key: str, county: str | None = None) -> None:
    """Open quarantine entries of an order that has now arrived in good shape (from the same county's
    feed or import) are resolved."""
    same = HotlineQuarantine.county.is_(None) if county is None else HotlineQuarantine.county == county
    with db.begin() as conn:
        conn.execute(update(HotlineQuarantine)
                     .where(HotlineQuarantine.order_number == order_number, HotlineQuarantine.resolved_at.is_(None),
                            same)
                     .values(resolved_at=utcnow(), resubmitted_as=key))


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


# --------------------------------------------------------------------------- registry queries
def order(db: Engine, order_number: str) -> HotlineOrder | None:
    with Session(db) as session:
        return session.scalar(select(HotlineOrder).where(HotlineOrder.order_number == order_number))


def orders(db: Engine, since: dt.datetime | None = None, county: str | None = "*") -> list[HotlineOrder]:
    """The registry's orders (received or first seen since `since`), of one county (a tenant; None: the
    chart's own county; "*": every county)."""
    with Session(db) as session:
        query = select(HotlineOrder).order_by(HotlineOrder.id)
        if county != "*":
            query = query.where(HotlineOrder.county.is_(None) if county is None else HotlineOrder.county == county)
        if since is not None:
            query = query.where(or_(HotlineOrder.received_at >= to_utc(since),
                                    HotlineOrder.first_seen_at >= to_utc(since)))
        return list(session.scalars(query))
