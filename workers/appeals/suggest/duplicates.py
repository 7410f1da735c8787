"""Duplicates at intake (issue 16): the same enterprise restating an appeal it already has open or
closed recently — by another channel, in other words — is flagged before dispatch.

Candidates are the ledger's appeals of the same enterprise (same credit code, or the same name and
phone) that are still open or were closed within `WINDOW_DAYS`; each is compared with the new
appeal by the cosine of their character-bigram TF vectors. A candidate is a probable duplicate when
the texts are close (`THRESHOLD`), or fairly close (`THRESHOLD_SAME_CATEGORY`) and of the same
suggested category. The office decides: merge (this appeal is closed as `merged`, linked to the
other, and the enterprise told) or keep both. Recall and precision on planted pairs:
docs/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sklearn.preprocessing import normalize
from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Engine

from ..db.ledger_models import LedgerAppeal
from ..validation import normalize_credit_code, normalize_text
from ..vocabulary import CATEGORY_LABELS as CATEGORY_NAMES
from ..vocabulary import CHANNEL_LABELS, CloseReason
from .model import CategoryModel
from .text import appeal_text

WINDOW_DAYS = 60
THRESHOLD = 0.35
THRESHOLD_SAME_CATEGORY = 0.2
NOT_A_DUPLICATE_TARGET = (CloseReason.MERGED, CloseReason.OUT_OF_SCOPE, CloseReason.WITHDRAWN)



@dataclass(frozen=True)
class Candidate:
    """An earlier appeal of the same enterprise and how close its text is (0–1)."""

    process_instance_id: str
    registration_number: str | None
    channel: str | None
    category: str | None
    suggested_category: str | None
    status: str | None
    received_at: dt.datetime | None
    closed_at: dt.datetime | None
    problem: str
    similarity: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"processInstanceId": self.process_instance_id, "registrationNumber": self.registration_number,
                "channel": self.channel, "category": self.category, "status": self.status,
                "receivedOn": self.received_at.date().isoformat() if self.received_at else None,
                "closed": self.closed_at is not None, "similarity": round(self.similarity, 3)}


def similarities(model: CategoryModel, text: str, others: list[str]) -> list[float]:
    """Cosines (0–1) of `text` with each of `others` in the model's feature space."""
    if not text or not others:
        return [0.0] * len(others)
    matrix = normalize(model.features.transform([text, *others]))
    return [float(x) for x in (matrix[1:] @ matrix[0].T).toarray().ravel()]


def is_duplicate(score: float, same_category: bool) -> bool:
    return score >= THRESHOLD or (same_category and score >= THRESHOLD_SAME_CATEGORY)


def candidates(engine: Engine, process_instance_id: str, variables: Mapping[str, Any],
               now: dt.datetime | None = None) -> list[Candidate]:
    """The same enterprise's open or recently closed appeals (not this one), newest first."""
    code = normalize_credit_code(variables.get("creditCode")) or None
    name = normalize_text(variables.get("enterpriseName"), fold=False) or None
    phone = normalize_text(variables.get("contactPhone")) or None
    same = []
    if code:
        same.append(LedgerAppeal.credit_code == code)
    if name and phone:
        same.append(and_(LedgerAppeal.enterprise_name == name, LedgerAppeal.contact_phone == phone))
    if not same:
        return []
    since = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=WINDOW_DAYS)
    a = LedgerAppeal
    query = (select(a.process_instance_id, a.registration_number, a.channel, a.category, a.suggested_category,
                    a.status, a.received_at, a.closed_at, a.problem_description, a.requested_help, a.close_reason)
             .where(or_(*same), a.process_instance_id != process_instance_id,
                    or_(a.closed_at.is_(None), a.closed_at >= since))
             .order_by(a.received_at.desc()).limit(50))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [Candidate(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], appeal_text(r[8], r[9]))
            for r in rows if r[10] not in NOT_A_DUPLICATE_TARGET]


def find_duplicates(engine: Engine, model: CategoryModel, process_instance_id: str, variables: Mapping[str, Any],
                    suggested_category: str | None = None, now: dt.datetime | None = None) -> list[Candidate]:
    """The probable duplicates of the appeal being registered, most similar first."""
    text = appeal_text(variables.get("problemDescription"), variables.get("requestedHelp"))
    found = []
    earlier = candidates(engine, process_instance_id, variables, now)
    for candidate, score in zip(earlier, similarities(model, text, [c.problem for c in earlier]), strict=True):
        category = candidate.suggested_category or candidate.category
        if is_duplicate(score, bool(suggested_category) and category == suggested_category):
            found.append(Candidate(**{**candidate.__dict__, "similarity": score}))
    return sorted(found, key=lambda c: -c.similarity)


def duplicate_text(found: list[Candidate]) -> str | None:
    """One line for the verification form, or None."""
    if not found:
        return None
    parts = []
    for c in found[:3]:
        when = c.received_at.date().isoformat() if c.received_at else ""
        state = "已办结" if c.closed_at else "办理中"
        channel = CHANNEL_LABELS.get(c.channel or "", c.channel or "")
        category = CATEGORY_NAMES.get(c.category or "", "")
        parts.append(f"{c.registration_number or c.process_instance_id}（{channel}，{when}受理，{category}，{state}，"
                     f"内容相似度{c.similarity * 100:.0f}%）")
    return "同一企业已有相似诉求：" + "；".join(parts) + "。请核实是否为重复反映：可合并办理，或保留两件分别办理"


def duplicate_variables(engine: Engine, model: CategoryModel, process_instance_id: str,
                        variables: Mapping[str, Any], suggested_category: str | None) -> dict[str, Any]:
    """`possibleDuplicate`, `duplicateCandidates` (Json), `duplicateOf`, `duplicateOfNumber` and
    `duplicateText` (null when there is none)."""
    found = find_duplicates(engine, model, process_instance_id, variables, suggested_category)
    return {"possibleDuplicate": bool(found), "duplicateCandidates": [c.as_dict() for c in found],
            "duplicateOf": found[0].process_instance_id if found else None,
            "duplicateOfNumber": found[0].registration_number if found else None,
            # pre-fills the verification form's 合并到的诉求 (the office may merge into another one)
            "mergeInto": found[0].registration_number if found else None,
            "duplicateText": duplicate_text(found)}
