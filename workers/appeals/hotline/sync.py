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

The steps live in `registry` (1), `drain` (2) and `outbox` (3), the counters in `report`; this module
runs them (`sync`, `run_source`, `resubmit`) and keeps each feed's watermark. The names other modules
use are re-exported here.

The same order never creates two appeals; a record is never dropped (the quarantine keeps what
cannot be an appeal); the hotline being down ends a sync with `HotlineUnavailable` after retries,
and the next sync continues from the same watermark.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..camunda import Camunda
from ..db import utcnow
from ..db.hotline_models import HotlineFeed, HotlineQuarantine
from ..settings import HotlineConfig
from . import (
    HotlineError,
    Intake,
    OrderSource,
    Rejected,
)
from .drain import DRAIN_WORKERS, drain, find_appeal, find_appeals
from .outbox import PUSH_VARIABLES, deliver_pending, pending_updates, push_status, status_update
from .records import FIELDS, build_order
from .registry import ingest, ingest_many, order, orders, quarantine, quarantine_entry, quarantined
from .report import PushResult, SyncReport, stored_utc, to_utc

log = logging.getLogger("appeals.hotline")

__all__ = [
    "PUSH_VARIABLES", "PushResult", "SyncReport", "deliver_pending", "drain", "feeds", "find_appeal", "find_appeals", "ingest", "ingest_many",
    "order", "orders", "pending_updates", "push_status", "quarantine", "quarantine_entry", "quarantined",
    "check_county", "resubmit", "run_source", "status_update", "sync", "sync_all",
]


# --------------------------------------------------------------------------- sources → registry
def run_source(db: Engine, camunda: Camunda, source: OrderSource, origin: str,
               report: SyncReport | None = None, drain_all: bool = False, county: str | None = None) -> SyncReport:
    """Ingest every record of a source, then act on what it brought (or on everything pending).
    `county`: the tenant of the county the records belong to (None: the chart's own county)."""
    if county is not None:
        check_county(db, county)
    report = report or SyncReport(source=source.source, origin=origin)
    touched: list[int] = []
    for record in source.records():
        report.records += 1
        outcome, order_id = ingest(db, record, origin, county)
        report.count(outcome)
        if order_id is not None:
            touched.append(order_id)
    report.order_ids = touched
    drain(db, camunda, report, None if drain_all else touched, workers=DRAIN_WORKERS)
    return report


def sync(config: HotlineConfig, *, db: Engine, camunda: Camunda,
         client: Any = None) -> SyncReport:
    """One pull from the Open311 endpoint: new orders → appeals, events → messages, pending pushes.

    Raises HotlineUnavailable (after the client's retries) or HotlineError when the pull could not
    finish; what was pulled before is kept and acted on, and `exc.report` says what was done.
    """
    from .open311 import Open311Client, Open311Source

    if not config.configured:
        raise HotlineError("未配置12345接口地址（APPEALS_HOTLINE_URL）")
    county = config.county
    if county is not None:
        check_county(db, county)
    own_client = client is None
    client = client or Open311Client(config)
    report = SyncReport(source="open311", origin=config.feed)
    started_at = utcnow()
    feed = _feed(db, config.feed)
    watermark = stored_utc(feed.watermark) if feed else None
    since = (watermark - dt.timedelta(minutes=config.overlap_minutes) if watermark
             else started_at - dt.timedelta(days=config.lookback_days))
    source = Open311Source(client, since)
    error: HotlineError | None = None
    try:
        batch: list[Intake] = []
        try:
            for record in source.records():
                report.records += 1
                batch.append(record)
                if len(batch) >= INGEST_BATCH:
                    _ingest(db, batch, config.feed, report, county)
        except HotlineError as exc:
            error = exc
        _ingest(db, batch, config.feed, report, county)  # what came before an error is kept too
        report.pages = source.pages
        if source.incomplete:  # bounded or capped: the rest comes next time
            report.errors.append(source.incomplete)
        drain(db, camunda, report, workers=config.drain_workers, county=county)
        if error is None:
            deliver_pending(db, client, report=report, county=county)
    finally:
        if own_client:
            client.close()
    _record_feed(db, config.feed, started_at, report, error, source.newest if source.resumable else None)
    if error is not None:
        report.errors.append(str(error))
        error.report = report
        raise error
    log.info("hotline sync: %s", report.summary())
    return report


INGEST_BATCH = 100
"""Records put into the registry together (`registry.ingest_many`)."""


def check_county(db: Engine, county: str) -> None:
    """A feed or import of another county (`county`, a tenant) needs that county in the synced org chart;
    HotlineError otherwise (its orders would start appeals in no county's tenant)."""
    from ..context import latest_org_chart

    try:
        chart = latest_org_chart(db)
    except LookupError:
        raise HotlineError(f"尚未同步组织架构，无法确定租户“{county}”对应的县") from None
    if county == chart.tenant:
        raise HotlineError(f"租户“{county}”是组织架构的本县：其12345接口用 APPEALS_HOTLINE_URL 配置（不加县后缀）")
    if county not in {c.tenant for c in chart.counties}:
        raise HotlineError(f"组织架构中没有租户为“{county}”的县（counties），其12345工单无法登记")


def sync_all(feeds: list[HotlineConfig], *, db: Engine, camunda: Camunda) -> list[tuple[HotlineConfig, SyncReport,
                                                                                        HotlineError | None]]:
    """One sync of each feed in turn (`Settings.hotline_feeds`): each county's orders become appeals in
    that county. One feed's failure does not keep the others from syncing: every feed's (config, report,
    error or None), in the order given."""
    outcomes: list[tuple[HotlineConfig, SyncReport, HotlineError | None]] = []
    for config in feeds:
        try:
            outcomes.append((config, sync(config, db=db, camunda=camunda), None))
        except HotlineError as exc:
            report = exc.report or SyncReport(source="open311", origin=config.feed)
            outcomes.append((config, report, exc))
    return outcomes


def _ingest(db: Engine, batch: list[Intake], origin: str, report: SyncReport, county: str | None = None) -> None:
    """Put a batch of records into the registry (and empty the batch)."""
    for outcome, _ in ingest_many(db, batch, origin, county):
        report.count(outcome)
    batch.clear()


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
        if newest is not None and (feed.watermark is None or to_utc(newest) > stored_utc(feed.watermark)):
            feed.watermark = to_utc(newest)
        try:
            session.commit()
        except IntegrityError:  # a concurrent first sync created the row: its record will do
            session.rollback()


def feeds(db: Engine) -> list[HotlineFeed]:
    with Session(db) as session:
        return list(session.scalars(select(HotlineFeed).order_by(HotlineFeed.feed)))


def resubmit(entry_id: int, overrides: Mapping[str, Any] | None = None, *, db: Engine,
             camunda: Camunda) -> SyncReport:
    """Resubmit a quarantined record with corrections (field names of records.FIELDS).

    Raises LookupError (no such entry), ValueError (already resolved, unknown field) or HotlineError
    (still not an appeal: the reasons).
    """
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
    outcome, order_id = ingest(db, record, f"quarantine#{entry_id}", entry.county)
    report.records = 1
    report.count(outcome)
    if order_id is not None:
        drain(db, camunda, report, [order_id])
    with db.begin() as conn:
        conn.execute(update(HotlineQuarantine).where(HotlineQuarantine.id == entry_id)
                     .values(resolved_at=utcnow(), resubmitted_as=record.business_key))
    return report
