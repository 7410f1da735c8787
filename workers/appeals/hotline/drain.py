"""The drain: registry rows with something to do are claimed (a lease, so two syncs never act on the
same row), then the appeal is started by correlating `AppealSubmitted` (business key `12345-<order no>`;
an instance already holding that key, running or finished, is linked instead), and 催单
(`HotlineReminder`), the survey (`SurveyAnswered`, when the appeal waits at the follow-up) and the
withdrawal (`HotlineOrderWithdrawn`) are forwarded."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..camunda import Camunda, CamundaError
from ..context import home_county_code
from ..db import utcnow
from ..db.hotline_models import HotlineOrder
from ..vocabulary import Channel, FollowUpMethod
from .records import iso
from .registry import claim_many, release_many
from .report import SyncReport

log = logging.getLogger("appeals.hotline")

PROCESS_KEY = "EnterpriseAppeal"


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
CHUNK = 100
"""Registry rows claimed, looked up in the engine and acted on together."""

DRAIN_WORKERS = 4
"""Rows of a chunk acted on at once (bounded: the engine has a small pool of its own)."""


def find_appeals(camunda: Camunda, keys: Iterable[str]) -> dict[str, str]:
    """The appeals holding these business keys, running or finished, by key (one history query).

    The engine writes an instance's history row in the transaction that starts it (history level
    full, engine/src/main/resources/application.yaml), so history alone knows every appeal."""
    return {key: pid for key, (pid, _) in appeals_by_key(camunda, keys).items()}


def appeals_by_key(camunda: Camunda, keys: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    """`find_appeals` with each appeal's tenant: key → (process instance id, tenant id or None)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    found = camunda.post("/history/process-instance", {"processDefinitionKey": PROCESS_KEY,
                                                        "processInstanceBusinessKeyIn": wanted}) or []
    by_key: dict[str, list[dict[str, Any]]] = {}
    for instance in found:
        by_key.setdefault(instance.get("businessKey"), []).append(instance)
    appeals: dict[str, tuple[str, str | None]] = {}
    for key, instances in by_key.items():
        active = [p for p in instances if p.get("state") in (None, "ACTIVE", "SUSPENDED")]
        chosen = (active or instances)[0]
        appeals[key] = (chosen["id"], chosen.get("tenantId"))
    return appeals


def drain(db: Engine, camunda: Camunda, report: SyncReport, order_ids: Iterable[int] | None = None,
          workers: int = DRAIN_WORKERS, county: str | None = "*") -> None:
    """Act on every registry row that needs it (or on the given rows): start, forward events.

    `county`: only the rows of that county (a tenant; None: the chart's own county's; "*": every county's).
    Each row's appeal starts in the row's county whichever sync drains it.

    Rows are claimed a chunk at a time (one UPDATE), the chunk's new orders are looked up in the
    engine by business key with one query (an appeal already holding the key is linked, never
    started again: an earlier sync may have started it and stopped before it wrote the row), and
    up to `workers` rows are acted on at once, each in its own transaction; the leases are given
    back at the end of the chunk. Two syncs never act on the same row (the lease), so one order
    gets one appeal however many syncs and workers run."""
    query = select(HotlineOrder.id).where(HotlineOrder.needs_action.is_(True)).order_by(HotlineOrder.id)
    if county != "*":
        query = query.where(HotlineOrder.county.is_(None) if county is None else HotlineOrder.county == county)
    ids = list(order_ids) if order_ids is not None else None
    if ids is not None:
        if not ids:
            return
        query = query.where(HotlineOrder.id.in_(ids))
    with Session(db) as session:
        pending = list(session.scalars(query))
    pool = ThreadPoolExecutor(max(workers, 1), thread_name_prefix="hotline-drain") if workers > 1 else None
    try:
        for start in range(0, len(pending), CHUNK):
            claimed = claim_many(db, pending[start:start + CHUNK])
            if not claimed:
                continue
            try:
                _act_on_chunk(db, camunda, claimed, report, pool)
            finally:
                release_many(db, claimed)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)


def _act_on_chunk(db: Engine, camunda: Camunda, claimed: list[int], report: SyncReport,
                  pool: ThreadPoolExecutor | None) -> None:
    """Start the chunk's new orders (the engine calls at once, the rows written in one transaction),
    then forward the events of the rows that have some, each on its own."""
    with Session(db, expire_on_commit=False) as session:
        rows = list(session.scalars(select(HotlineOrder).where(HotlineOrder.id.in_(claimed))
                                    .order_by(HotlineOrder.id)))
        new = [row for row in rows if row.state == "new" and row.needs_action]
        if new:
            try:
                existing = appeals_by_key(camunda, [row.business_key for row in new])
            except CamundaError as exc:  # the engine refused the lookup: nothing is started without it
                report.start_failed += len(new)
                report.errors.append(f"查询已有诉求失败：{exc}")
                log.error("could not look up the appeals of %d orders: %s", len(new), exc)
                return
            home = home_county_code(db)
            jobs = [(row.business_key, row.order_number, dict(row.registration or {}), row.county or home)
                    for row in new]

            def start(job: tuple[str, str, dict[str, Any], str | None]) -> tuple[str | None, str | None, bool]:
                key, number, registration, county = job
                return _start_appeal(camunda, key, number, registration, existing, county)

            outcomes = list(pool.map(start, jobs)) if pool is not None else [start(job) for job in jobs]
            for row, outcome in zip(new, outcomes, strict=True):
                if _record_start(row, outcome, report) and not _has_pending_events(row):
                    row.needs_action = False
            session.commit()
        follow = [row.id for row in rows if row.needs_action and row.state != "new"]

    def one(order_id: int) -> SyncReport:
        own = SyncReport(source=report.source, origin=report.origin)
        _act(db, camunda, order_id, own)
        return own

    results = list(pool.map(one, follow)) if pool is not None else [one(order_id) for order_id in follow]
    for own in results:
        report.merge(own)


def _start_appeal(camunda: Camunda, key: str, order_number: str, registration: dict[str, Any],
                  existing: Mapping[str, tuple[str, str | None]] | None, county: str | None = None
                  ) -> tuple[str | None, str | None, bool]:
    """(process instance id, error, linked): start the appeal of an order in its county's tenant, or name
    the one holding its key — only when that one is in the same county (an appeal of another county is
    never linked: the order stays `new` with the error). Talks to the engine only (no database), so it
    may run in a pool."""
    if existing is not None:
        found = existing.get(key)
    else:
        pid = find_appeal(camunda, key)
        found = (pid, (camunda.get(f"/history/process-instance/{pid}") or {}).get("tenantId")) if pid else None
    if found:
        pid, tenant = found
        if county and tenant and tenant != county:
            return None, f"业务键{key}已属于其他县（{tenant}）的诉求，不转入{county}", False
        return pid, None, True
    variables = {**registration, "channel": Channel.HOTLINE, "externalId": order_number}
    if county:  # each county's feed starts appeals in its county (docs/city-level.md)
        variables["countyCode"] = county
    try:
        result = camunda.correlate("AppealSubmitted", business_key=key, variables=variables)
    except CamundaError as exc:
        return None, str(exc), False
    instance = (result or {}).get("processInstance") or {}
    return instance.get("id") or find_appeal(camunda, key), None, False


def _record_start(row: HotlineOrder, outcome: tuple[str | None, str | None, bool], report: SyncReport) -> bool:
    """Write what `_start_appeal` did into the registry row; False when the engine refused."""
    pid, error, linked = outcome
    if linked:
        row.process_instance_id = pid
        row.state = "started"
        report.linked += 1
        log.info("order %s already has appeal %s", row.order_number, pid)
        return True
    row.start_attempts = (row.start_attempts or 0) + 1
    if error is not None:
        row.last_error = f"启动诉求失败（第{row.start_attempts}次）：{error}"
        report.start_failed += 1
        report.errors.append(f"{row.order_number}: {row.last_error}")
        log.error("could not start the appeal of order %s: %s", row.order_number, error)
        return False
    row.process_instance_id = pid
    row.state = "started"
    row.last_error = None
    report.started += 1
    log.info("order %s → appeal %s", row.order_number, pid)
    return True


def _act(db: Engine, camunda: Camunda, order_id: int, report: SyncReport,
         existing: Mapping[str, tuple[str, str | None]] | None = None) -> None:
    with Session(db) as session:
        row = session.get(HotlineOrder, order_id)
        if row is None or not row.needs_action:
            return
        if row.state == "new":
            if not _start(camunda, row, report, existing, row.county or home_county_code(db)):
                session.commit()
                return
        if row.state == "started":
            problems = _forward_events(camunda, row, report)
            row.last_error = "；".join(problems) if problems else None
            row.needs_action = _has_pending_events(row)
        else:
            row.needs_action = False
        session.commit()


def _start(camunda: Camunda, row: HotlineOrder, report: SyncReport,
           existing: Mapping[str, tuple[str, str | None]] | None = None, county: str | None = None) -> bool:
    """Start the appeal (or link the one that already exists); False when the engine refused.

    `existing`: the appeals already found by business key (`appeals_by_key`); None → looked up here.
    `county`: the tenant the appeal belongs to (the row's county, else `home_county_code`), None without
    tenants."""
    outcome = _start_appeal(camunda, row.business_key, row.order_number, dict(row.registration or {}), existing,
                             county)
    return _record_start(row, outcome, report)


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
            "followUpNote": survey.get("note") or "12345平台回访", "followUpMethod": FollowUpMethod.HOTLINE,
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
