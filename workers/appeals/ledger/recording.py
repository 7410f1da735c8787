"""Keeping the ledger in step with the process: one idempotent upsert per milestone.

    record_milestone(engine, process_instance_id, "dispatched", variables)

`variables` are process variables (names of docs/data-dictionary.md): the handler's declared input
variables merged with its output (`{**task.variables, **output}`), plus the pseudo-variables
`businessKey` (the instance's business key) and `tenantId` (the appeal's county: the instance's tenant,
else the chart's own county; the row's `county`, by which each county's figures are counted). `MILESTONE_VARIABLES` lists what each milestone reads.

Merging (so the same milestone twice changes nothing, and late or repeated deliveries never move the
ledger backwards):

- milestone times (`registered_at`, `dispatched_at`, `signed_at`, `result_reported_at`,
  `followed_up_at`, `closed_at`) and `handling_due` keep the **latest** value; a redelivered handler
  that computed a new time agrees with what the engine finally stored.
  `first_result_reported_at` keeps the **earliest** (a B/C result re-reported after a re-check does
  not make the first report late);
- counters (`dispatch_count`, `return_count`, `extension_count`, `follow_up_rounds`,
  `handling_round`) keep the **largest** value;
- what belongs to a dispatch round (departments, situation, numbers, `sign_due`, the last return
  reason) is taken from the delivery of the newest round (`dispatchCount`), None included;
- other attributes are filled when empty and overwritten only by a delivery whose event time is not
  older than the newest milestone already recorded;
- `status` and the on-time flags are derived from the merged row (`derive`), never taken from the
  delivery, so they do not depend on the order deliveries arrive in.

Every time is stored in UTC and truncated to whole seconds: the step-by-step ledger and the one
rebuilt from history (`history.rebuild_from_history`) then hold the same values.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from ..context import home_county_code
from ..db.ledger_models import LedgerAppeal, LedgerDepartment, LedgerEnterprise, LedgerFollowUp
from ..deadlines import parse_time
from ..validation import normalize_free_text
from ..vocabulary import (
    SUPERVISED_RESULT_CLASSES,
    AppealStatus,
    CloseReason,
    DispatchSituation,
    FollowUpOutcome,
    SignDecision,
)
from .department_names import record_names

APPEALS = LedgerAppeal.__table__
FOLLOW_UPS = LedgerFollowUp.__table__
DEPARTMENTS = LedgerDepartment.__table__
ENTERPRISES = LedgerEnterprise.__table__

MILESTONES = ("registered", "dispatched", "signed", "extension", "returned", "result_reported",
              "followed_up", "closed")

MILESTONE_TIMES = ("registered_at", "dispatched_at", "signed_at", "result_reported_at", "followed_up_at",
                   "closed_at")
LATEST = frozenset({*MILESTONE_TIMES, "received_at", "handling_due"})
EARLIEST = frozenset({"first_result_reported_at"})
COUNTERS = frozenset({"dispatch_count", "return_count", "extension_count", "follow_up_rounds", "handling_round"})
ROUND = frozenset({"lead_department", "handler_group", "assisting_departments", "assisting_department_names",
                   "dispatch_situation", "dispatch_number", "transfer_number", "sign_due", "last_return_reason"})
DERIVED = frozenset({"status", "responded_on_time", "handled_on_time"})

# The appeal's own fields; every milestone that may see them after a change (verification changes
# category and kind) carries them.
_APPEAL_FIELDS = ("category", "appealKind", "businessKey")
_REGISTRATION = ("enterpriseName", "creditCode", "enterpriseAddress", "contactName", "contactPhone", "channel",
                 "externalId", "problemDescription", "requestedHelp", "receivedAt", "registrationNumber",
                 "registeredAt", "suggestedCategory")

MILESTONE_VARIABLES: dict[str, tuple[str, ...]] = {
    "registered": (*_REGISTRATION, *_APPEAL_FIELDS),
    "dispatched": ("dispatchedAt", "dispatchCount", "dispatchNumber", "transferNumber", "dispatchSituation",
                   "leadDepartment", "leadDepartmentName", "handlerGroup", "handlerGroupName",
                   "assistingDepartments", "assistingDepartmentNames", "signDue", "handlingDue",
                   "extensionCount", "previousReturnReason", *_APPEAL_FIELDS),
    "signed": ("signedAt", "signDecision", "handlerName", "dispatchCount", "businessKey"),
    "extension": ("handlingDue", "extensionCount", "businessKey"),
    "returned": ("signDecision", "dispatchCount", "returnReason", "businessKey"),
    "result_reported": ("resultReportedAt", "resultClass", "replyText", "replyMethod", "handlingDue",
                        "businessKey"),
    "followed_up": ("followUpHistory", "lastSatisfaction", "satisfied", "followUpOutcome", "handlingRound",
                    "resultClass", "replyText", "replyMethod", *_APPEAL_FIELDS),
    "closed": ("closedAt", "closeReason", "signDecision", "dispatchCount", "mergeInto", *_APPEAL_FIELDS),
}
"""The process variables each milestone reads (add them to the handler's declared variables)."""


PSEUDO_VARIABLES = frozenset({"businessKey", "tenantId"})
"""Not process variables: the instance's business key, and its county (`tenantId`: the instance's tenant,
else the chart's own county; stored as the row's `county`)."""


def handler_variables(milestone: str) -> tuple[str, ...]:
    """The process variables a handler recording `milestone` must declare (no pseudo-variables)."""
    return tuple(v for v in MILESTONE_VARIABLES[milestone] if v not in PSEUDO_VARIABLES)


class LedgerError(ValueError):
    """A milestone the ledger does not know, or variables it cannot read."""


# ----------------------------------------------------------------------------- values
def utc(value: Any) -> dt.datetime | None:
    """A Camunda ISO string / datetime as an aware UTC datetime truncated to the second."""
    if value in (None, ""):
        return None
    parsed = parse_time(value)
    return parsed.astimezone(dt.UTC).replace(microsecond=0) if parsed else None


def _text(value: Any, limit: int | None = None) -> str | None:
    if value is None:
        return None
    out = normalize_free_text(value)  # typed in Tasklist: trimmed as every channel (docs/input-rules.md)
    if not out:
        return None
    return out[:limit] if limit else out


def _int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


def _bool(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1")
    return bool(value)


def _list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return [str(v) for v in json.loads(text)]
        return [part.strip() for part in text.split(",") if part.strip()]
    return [str(v) for v in value]


def _history(value: Any) -> list[dict[str, Any]]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = json.loads(value)
    return [dict(entry) for entry in value]


# ----------------------------------------------------------------------------- facts
@dataclass
class Facts:
    """What one milestone delivery says about an appeal."""

    time: dt.datetime
    columns: dict[str, Any] = field(default_factory=dict)
    follow_ups: list[dict[str, Any]] = field(default_factory=list)
    enterprise: dict[str, Any] | None = None
    departments: dict[str, str | None] = field(default_factory=dict)


def _event_time(variables: Mapping[str, Any], name: str | None, at: dt.datetime | None) -> dt.datetime:
    """The milestone's time: its time variable, else `at`, else now."""
    value = utc(variables.get(name)) if name else None
    if value is None and at is not None:
        value = utc(at)
    return value or dt.datetime.now(dt.UTC).replace(microsecond=0)


def _appeal_fields(v: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "category": _text(v.get("category"), 16),
        "kind": _text(v.get("appealKind"), 16),
        "business_key": _text(v.get("businessKey"), 128),
    }


def registered(v: Mapping[str, Any], at: dt.datetime | None = None) -> Facts:
    """registerAppeal: the enterprise, the appeal, its number and when it came in."""
    when = _event_time(v, "registeredAt", at)
    code = _text(v.get("creditCode"), 18)
    code = code.upper() if code else None
    name = _text(v.get("enterpriseName"), 200)
    facts = Facts(when, {
        **_appeal_fields(v),
        "registration_number": _text(v.get("registrationNumber"), 64),
        "suggested_category": _text(v.get("suggestedCategory"), 16),
        "external_id": _text(v.get("externalId"), 64),
        "channel": _text(v.get("channel"), 16),
        "credit_code": code,
        "enterprise_name": name,
        "contact_name": _text(v.get("contactName"), 50),
        "contact_phone": _text(v.get("contactPhone"), 32),
        "problem_description": _text(v.get("problemDescription")),
        "requested_help": _text(v.get("requestedHelp")),
        "received_at": utc(v.get("receivedAt")) or when,
        "registered_at": when,
    })
    if code:
        facts.enterprise = {"credit_code": code, "name": name or code,
                            "address": _text(v.get("enterpriseAddress"), 200)}
    return facts


def dispatched(v: Mapping[str, Any], at: dt.datetime | None = None) -> Facts:
    """dispatchAppeal: a dispatch round (交办 or 转报) with its departments and deadlines."""
    when = _event_time(v, "dispatchedAt", at)
    count = _int(v.get("dispatchCount")) or 1
    lead = _text(v.get("leadDepartment"), 64)
    handler = _text(v.get("handlerGroup"), 64) or lead
    assisting = _list(v.get("assistingDepartments"))
    departments: dict[str, str | None] = {}
    if lead:
        departments[lead] = _text(v.get("leadDepartmentName"), 128)
    if handler and handler != lead:
        departments[handler] = _text(v.get("handlerGroupName"), 128)
    elif handler and not departments.get(handler):
        departments[handler] = _text(v.get("handlerGroupName"), 128)
    names = v.get("assistingDepartmentNames")
    if isinstance(names, (list, tuple)):
        names = "、".join(str(n) for n in names)
    names = _text(names, 500)
    return Facts(when, {
        **_appeal_fields(v),
        "dispatched_at": when,
        "dispatch_count": count,
        "return_count": count - 1,  # a round ends signed (and is the last) or returned
        "lead_department": lead,
        "handler_group": handler,
        "assisting_departments": assisting,
        "assisting_department_names": None if names == "无" else names,
        "dispatch_situation": _text(v.get("dispatchSituation"), 16),
        "dispatch_number": _text(v.get("dispatchNumber"), 64),
        "transfer_number": _text(v.get("transferNumber"), 64),
        "sign_due": utc(v.get("signDue")),
        "last_return_reason": _text(v.get("previousReturnReason")),
        "handling_due": utc(v.get("handlingDue")),
        "extension_count": _int(v.get("extensionCount")) or 0,
    }, departments=departments)


def signed(v: Mapping[str, Any], at: dt.datetime | None = None) -> Facts:
    """The lead department signed the 交办单 (time: `signedAt`, else `at` = the end of the last
    completed Task_SignDispatch, see `history.signed_time`)."""
    when = _event_time(v, "signedAt", at)
    decision = _text(v.get("signDecision"))
    if decision not in (None, SignDecision.SIGN):
        raise LedgerError(f"signed milestone with signDecision={decision!r}; a return is 'returned'")
    return Facts(when, {
        "business_key": _text(v.get("businessKey"), 128),
        "signed_at": when,
        "handler_name": _text(v.get("handlerName"), 50),
        "dispatch_count": _int(v.get("dispatchCount")),
    })


def extension(v: Mapping[str, Any], at: dt.datetime | None = None) -> Facts:
    """applyExtensionDecision: the count of decided requests and the (possibly extended) deadline."""
    return Facts(_event_time(v, None, at), {
        "business_key": _text(v.get("businessKey"), 128),
        "handling_due": utc(v.get("handlingDue")),
        "extension_count": _int(v.get("extensionCount")),
    })


def returned(v: Mapping[str, Any], at: dt.datetime | None = None) -> Facts:
    """The department returned the round `dispatchCount` (退回)."""
    columns: dict[str, Any] = {"business_key": _text(v.get("businessKey"), 128)}
    if _text(v.get("signDecision")) == SignDecision.RETURN:
        columns["return_count"] = _int(v.get("dispatchCount"))
    return Facts(_event_time(v, None, at), columns)


def result_reported(v: Mapping[str, Any], at: dt.datetime | None = None) -> Facts:
    """recordResult: the result class and the reply; the first report decides 'on time'."""
    when = _event_time(v, "resultReportedAt", at)
    return Facts(when, {
        "business_key": _text(v.get("businessKey"), 128),
        "result_reported_at": when,
        "first_result_reported_at": when,
        "result_class": _text(v.get("resultClass"), 1),
        "reply_text": _text(v.get("replyText")),
        "reply_method": _text(v.get("replyMethod"), 16),
        "handling_due": utc(v.get("handlingDue")),
    })


def followed_up(v: Mapping[str, Any], at: dt.datetime | None = None) -> Facts:
    """recordFollowUp: every round of `followUpHistory`, the last answer and the outcome."""
    history = _history(v.get("followUpHistory"))
    rows = []
    for seq, entry in enumerate(history, start=1):
        rows.append({
            "seq": seq,
            "at": utc(entry.get("at")) or _event_time(v, None, at),
            "handling_round": _int(entry.get("round")),
            "satisfaction": _text(entry.get("satisfaction"), 24),
            "really_solved": _bool(entry.get("reallySolved")),
            "method": _text(entry.get("method"), 16),
            "note": _text(entry.get("note")),
        })
    when = rows[-1]["at"] if rows else _event_time(v, None, at)
    last = _text(v.get("lastSatisfaction"), 24) or (rows[-1]["satisfaction"] if rows else None)
    return Facts(when, {
        **_appeal_fields(v),
        "followed_up_at": when,
        "follow_up_rounds": len(rows),
        "last_satisfaction": last,
        "satisfied": _bool(v.get("satisfied")),
        "follow_up_outcome": _text(v.get("followUpOutcome"), 16),
        "handling_round": _int(v.get("handlingRound")),
        "result_class": _text(v.get("resultClass"), 1),
        "reply_text": _text(v.get("replyText")),
        "reply_method": _text(v.get("replyMethod"), 16),
    }, follow_ups=rows)


def closed(v: Mapping[str, Any], at: dt.datetime | None = None) -> Facts:
    """closeAppeal: 销号, with its reason (also for out-of-scope and withdrawn appeals)."""
    when = _event_time(v, "closedAt", at)
    columns = {**_appeal_fields(v), "closed_at": when, "close_reason": _text(v.get("closeReason"), 32)}
    if columns["close_reason"] == CloseReason.MERGED:  # the appeal it was merged into (registration number)
        columns["merged_into"] = _text(v.get("mergeInto"), 64)
    if _text(v.get("signDecision")) == SignDecision.RETURN:  # withdrawn while a returned round waited
        columns["return_count"] = _int(v.get("dispatchCount"))
    return Facts(when, columns)


FACTS: dict[str, Callable[[Mapping[str, Any], dt.datetime | None], Facts]] = {
    "registered": registered,
    "dispatched": dispatched,
    "signed": signed,
    "extension": extension,
    "returned": returned,
    "result_reported": result_reported,
    "followed_up": followed_up,
    "closed": closed,
}

# ----------------------------------------------------------------------------- merge
_DEFAULTS = {"dispatch_count": 0, "return_count": 0, "extension_count": 0, "follow_up_rounds": 0}


AFTER_FOLLOW_UP: dict[FollowUpOutcome, AppealStatus] = {
    FollowUpOutcome.REWORK: AppealStatus.REWORK,
    FollowUpOutcome.REVIEW: AppealStatus.UNDER_REVIEW,
    FollowUpOutcome.CLOSE: AppealStatus.FOLLOWED_UP,
}
"""The status after a follow-up, by its outcome (the same as recordFollowUp sets, with FOLLOWED_UP for
a satisfied answer that waits for closeAppeal)."""


def derive_status(row: Mapping[str, Any]) -> AppealStatus:
    """The status of a merged ledger row, from its newest milestone (docs/figures.md, 'status').

    The same statuses the handlers set in `appealStatus`, read off the milestone times; the ledger
    alone tells RETURNED (every round returned) and FOLLOWED_UP (satisfied, not yet closed)."""
    closed_at, followed, reported = row.get("closed_at"), row.get("followed_up_at"), row.get("result_reported_at")
    signed_at, dispatched_at = row.get("signed_at"), row.get("dispatched_at")
    outcome = row.get("follow_up_outcome")
    if closed_at:
        return AppealStatus.CLOSED
    if followed and (reported is None or followed >= reported) and outcome in AFTER_FOLLOW_UP:
        return AFTER_FOLLOW_UP[FollowUpOutcome(outcome)]
    if reported:
        if row.get("result_class") in SUPERVISED_RESULT_CLASSES:
            return AppealStatus.ON_SUPERVISION_LEDGER
        return AppealStatus.RESULT_REPORTED
    if signed_at and (dispatched_at is None or signed_at >= dispatched_at):
        return AppealStatus.HANDLING
    if dispatched_at:
        if (row.get("return_count") or 0) >= (row.get("dispatch_count") or 0) > 0:
            return AppealStatus.RETURNED
        if row.get("dispatch_situation") == DispatchSituation.CITY:
            return AppealStatus.TRANSFERRED_TO_CITY
        return AppealStatus.DISPATCHED
    if followed:
        return AppealStatus.FOLLOWED_UP
    return AppealStatus.REGISTERED


def derive(row: dict[str, Any]) -> dict[str, Any]:
    """Status and on-time flags of a merged row (docs/figures.md, 'status')."""
    signed_at = row.get("signed_at")
    first = row.get("first_result_reported_at")
    due, sign_due = row.get("handling_due"), row.get("sign_due")
    return {
        "status": str(derive_status(row)),
        "responded_on_time": None if signed_at is None else (sign_due is None or signed_at <= sign_due),
        "handled_on_time": None if first is None else (due is None or first <= due),
    }


def merge(existing: Mapping[str, Any] | None, facts: Facts) -> dict[str, Any]:
    """The row after applying `facts` to `existing` (None: a new row)."""
    row: dict[str, Any] = dict(existing) if existing else dict(_DEFAULTS)
    newest = max((row[c] for c in MILESTONE_TIMES if row.get(c) is not None), default=None)
    newer = newest is None or facts.time >= newest
    incoming_round = facts.columns.get("dispatch_count")
    round_applies = "dispatched_at" in facts.columns and (
        incoming_round is None or incoming_round >= (row.get("dispatch_count") or 0))
    for column, value in facts.columns.items():
        current = row.get(column)
        if column in ROUND:
            if round_applies:
                row[column] = value
        elif value is None:
            continue
        elif column in LATEST:
            row[column] = value if current is None else max(current, value)
        elif column in EARLIEST:
            row[column] = value if current is None else min(current, value)
        elif column in COUNTERS:
            row[column] = value if current is None else max(current, value)
        elif current is None or newer:
            row[column] = value
    row.update(derive(row))
    return row


# ----------------------------------------------------------------------------- storage
def _ensure_departments(conn: Connection, departments: Mapping[str, str | None]) -> None:
    if not departments:
        return
    existing = dict(conn.execute(
        select(DEPARTMENTS.c.code, DEPARTMENTS.c.name).where(DEPARTMENTS.c.code.in_(list(departments)))).all())
    for code, name in departments.items():
        if code not in existing:
            conn.execute(DEPARTMENTS.insert().values(code=code, name=name or code))
        elif name and existing[code] != name:
            conn.execute(DEPARTMENTS.update().where(DEPARTMENTS.c.code == code).values(name=name))


def _ensure_enterprise(conn: Connection, enterprise: Mapping[str, Any] | None) -> None:
    if not enterprise:
        return
    code = enterprise["credit_code"]
    found = conn.execute(select(ENTERPRISES).where(ENTERPRISES.c.credit_code == code)).mappings().first()
    if found is None:
        conn.execute(ENTERPRISES.insert().values(**enterprise))
    elif any(enterprise.get(k) and found[k] != enterprise[k] for k in ("name", "address")):
        conn.execute(ENTERPRISES.update().where(ENTERPRISES.c.credit_code == code).values(
            **{k: v for k, v in enterprise.items() if v and k != "credit_code"}))


def _upsert_follow_ups(conn: Connection, process_instance_id: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    existing = {r.seq: dict(r._mapping) for r in conn.execute(
        select(FOLLOW_UPS).where(FOLLOW_UPS.c.process_instance_id == process_instance_id))}
    for row in rows:
        values = {"process_instance_id": process_instance_id, **row}
        if row["seq"] not in existing:
            conn.execute(FOLLOW_UPS.insert().values(**values))
        elif existing[row["seq"]] != values:
            conn.execute(FOLLOW_UPS.update().where(
                FOLLOW_UPS.c.process_instance_id == process_instance_id,
                FOLLOW_UPS.c.seq == row["seq"]).values(**values))


def apply_facts(conn: Connection, process_instance_id: str, facts: Facts) -> dict[str, Any]:
    """Merge one delivery into the ledger inside the caller's transaction; returns the row."""
    _ensure_departments(conn, {k: v for k, v in facts.departments.items() if k})
    _ensure_enterprise(conn, facts.enterprise)
    query = select(APPEALS).where(APPEALS.c.process_instance_id == process_instance_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    found = conn.execute(query).mappings().first()
    row = merge(found, facts)
    row["process_instance_id"] = process_instance_id
    record_names(conn, row.get("county"), facts.departments)
    if found is None:
        conn.execute(APPEALS.insert().values(**row))
    else:
        changed = {k: v for k, v in row.items() if found.get(k) != v}
        if changed:
            conn.execute(APPEALS.update().where(APPEALS.c.process_instance_id == process_instance_id)
                         .values(**changed))
    _upsert_follow_ups(conn, process_instance_id, facts.follow_ups)
    return row


def facts_for(milestone: str, variables: Mapping[str, Any], at: dt.datetime | None = None) -> Facts:
    try:
        build = FACTS[milestone]
    except KeyError:
        raise LedgerError(f"unknown milestone {milestone!r}; one of {', '.join(MILESTONES)}") from None
    facts = build(variables, at)
    county = _text(variables.get("tenantId"), 64)
    if county:
        facts.columns["county"] = county
    return facts


def record_milestone(
    engine: Engine,
    process_instance_id: str,
    milestone: str,
    variables: Mapping[str, Any],
    at: dt.datetime | None = None,
) -> None:
    """Record one milestone of an appeal in the ledger (idempotent; see the module docstring).

    `at` is the time of milestones that have no time variable (`signed`: the end of the sign task)
    and the fallback of the others; without either, now. Without `tenantId` (an instance without
    tenant) the appeal is the chart's own county's (`context.home_county_code`)."""
    if not variables.get("tenantId"):
        variables = {**variables, "tenantId": home_county_code(engine)}
    facts = facts_for(milestone, variables, at)
    for attempt in range(5):
        try:
            with engine.begin() as conn:
                apply_facts(conn, process_instance_id, facts)
            return
        except (IntegrityError, OperationalError):  # a concurrent first insert, or SQLite busy
            if attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))
