"""Similar past cases (issue 16): the closed appeals most like the one in hand, with their result
class and the reply given — without the other enterprises' names or contact data (L 第四条).

Texts are compared as TF-IDF vectors of character bigrams and trigrams (no vocabulary to fit: a
hashing vectorizer, so the index grows without refitting), by cosine similarity: a sparse
matrix-vector product restricted to the query's n-grams, a few milliseconds for 100,000 appeals
(docs/benchmarks.md).
The index of the ledger's closed appeals is built on first use in a worker process and rebuilt when
appeals were closed since (`SimilarCases.of_ledger`).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from ..db.ledger_models import LedgerAppeal
from ..vocabulary import CATEGORY_LABELS as CATEGORY_NAMES
from ..vocabulary import RESULT_CLASS_NAMES, CloseReason
from .text import appeal_text

# closed without a handling result worth showing: not in scope, withdrawn, merged into another appeal
NO_RESULT = (CloseReason.OUT_OF_SCOPE, CloseReason.WITHDRAWN, CloseReason.MERGED)
RESULT_NAMES = RESULT_CLASS_NAMES
MIN_SIMILARITY = 0.12

PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
CREDIT_CODE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ENTERPRISE = re.compile(r"[\u4e00-\u9fa5（）()]{2,30}?(?:有限责任公司|股份有限公司|有限公司)")


@dataclass(frozen=True)
class ClosedAppeal:
    """A closed appeal as the index keeps it (the names only to be scrubbed from its texts)."""

    id: str
    registration_number: str | None
    category: str | None
    problem: str
    requested_help: str
    result_class: str | None
    reply: str | None
    closed_at: dt.datetime | None
    enterprise_name: str | None = None
    contact_name: str | None = None
    credit_code: str | None = None


@dataclass(frozen=True)
class SimilarCase:
    """A similar past case as the office and the departments see it (no enterprise, no contact)."""

    registration_number: str | None
    category: str | None
    result_class: str | None
    problem: str
    reply: str
    closed_on: str | None
    similarity: float

    def as_dict(self) -> dict[str, Any]:
        return {"registrationNumber": self.registration_number, "category": self.category,
                "resultClass": self.result_class, "problem": self.problem, "reply": self.reply,
                "closedOn": self.closed_on, "similarity": round(self.similarity, 3)}


def scrub(text: str | None, case: ClosedAppeal, limit: int) -> str:
    """`text` without the enterprise's name, its contact person, credit codes, phones and e-mails
    (any enterprise name, not only the case's own: a reply may name a supplier), cut to `limit`."""
    out = text or ""
    for name, placeholder in ((case.enterprise_name, "某企业"), (case.contact_name, "某联系人"),
                              (case.credit_code, "[信用代码]")):
        if name and len(name) >= 2:
            out = out.replace(name, placeholder)
    out = CREDIT_CODE.sub("[信用代码]", out)
    out = EMAIL.sub("[邮箱]", out)
    out = PHONE.sub("[电话]", out)
    out = ENTERPRISE.sub("某企业", out)
    out = re.sub(r"\s+", " ", out).strip()
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _vectorizer() -> HashingVectorizer:
    return HashingVectorizer(analyzer="char_wb", ngram_range=(2, 3), n_features=2**20, alternate_sign=False,
                             norm=None)


class SimilarCases:
    """An index of closed appeals; `search` finds the most similar ones to a text."""

    def __init__(self, cases: Sequence[ClosedAppeal]) -> None:
        self.cases = list(cases)
        self._hasher = _vectorizer()
        self._tfidf = TfidfTransformer(sublinear_tf=True)
        if self.cases:
            counts = self._hasher.transform([appeal_text(c.problem, c.requested_help) for c in self.cases])
            # column-major: a query touches only the columns of its own n-grams (about 100), so
            # slicing those columns and summing them is ~30x faster than a sparse matrix product
            self.matrix = self._tfidf.fit_transform(counts).tocsc()
        else:
            self.matrix = None
        self.stamp: tuple[Any, ...] = ()

    def __len__(self) -> int:
        return len(self.cases)

    def search(self, problem: str | None, requested_help: str | None = None, *, limit: int = 5,
               exclude: Iterable[str] = (), min_similarity: float = MIN_SIMILARITY) -> list[SimilarCase]:
        """The `limit` most similar closed appeals (cosine ≥ `min_similarity`), best first."""
        text = appeal_text(problem, requested_help)
        if self.matrix is None or not text:
            return []
        query = self._tfidf.transform(self._hasher.transform([text])).tocsr()
        scores = np.asarray(self.matrix[:, query.indices] @ query.data).ravel()
        skip = set(exclude)
        take = min(len(scores), limit + len(skip))
        best = np.argpartition(-scores, take - 1)[:take] if take < len(scores) else np.arange(len(scores))
        best = best[np.argsort(-scores[best])]
        found = []
        for index in best:
            case = self.cases[int(index)]
            if case.id in skip or scores[index] < min_similarity:
                continue
            found.append(SimilarCase(
                case.registration_number, case.category, case.result_class,
                scrub(case.problem, case, 80), scrub(case.reply, case, 150),
                case.closed_at.astimezone(dt.UTC).date().isoformat() if case.closed_at else None,
                float(scores[index])))
            if len(found) == limit:
                break
        return found

    # ------------------------------------------------------------------ the ledger
    @staticmethod
    def _stamp(engine: Engine) -> tuple[Any, ...]:
        a = LedgerAppeal
        with engine.connect() as conn:
            return tuple(conn.execute(select(func.count(), func.max(a.closed_at)).where(a.closed_at.is_not(None))).one())

    @classmethod
    def load(cls, engine: Engine) -> SimilarCases:
        """An index of the ledger's closed appeals that have a handling result."""
        a = LedgerAppeal
        query = (select(a.process_instance_id, a.registration_number, a.category, a.problem_description,
                        a.requested_help, a.result_class, a.reply_text, a.closed_at, a.enterprise_name,
                        a.contact_name, a.credit_code)
                 .where(a.closed_at.is_not(None), a.problem_description.is_not(None),
                        func.coalesce(a.close_reason, "").not_in([str(r) for r in NO_RESULT])))
        with engine.connect() as conn:
            cases = [ClosedAppeal(r[0], r[1], r[2], r[3] or "", r[4] or "", r[5], r[6], r[7], r[8], r[9], r[10])
                     for r in conn.execute(query)]
        return cls(cases)

    _lock = threading.Lock()
    _indexes: dict[str, SimilarCases] = {}

    @classmethod
    def of_ledger(cls, engine: Engine) -> SimilarCases:
        """The process's index of the ledger at `engine`, rebuilt when appeals were closed since."""
        stamp = cls._stamp(engine)
        key = str(engine.url)
        with cls._lock:
            index = cls._indexes.get(key)
            if index is None or index.stamp != stamp:
                index = cls.load(engine)
                index.stamp = stamp
                cls._indexes[key] = index
            return index


def similar_text(cases: Sequence[SimilarCase]) -> str:
    """The cases as numbered lines for the forms (≤ about 2,000 characters)."""
    if not cases:
        return "暂无相似的已办结诉求。"
    lines = []
    for number, case in enumerate(cases, start=1):
        category = CATEGORY_NAMES.get(case.category or "", case.category or "未分类")
        result = RESULT_NAMES.get(case.result_class or "", "无办理结果")
        lines.append(f"{number}. 【{category}·{result}·相似度{case.similarity * 100:.0f}%】"
                     f"{case.registration_number or ''} {case.closed_on or ''}\n   问题：{case.problem}\n"
                     f"   答复：{case.reply or '（无）'}")
    return "\n".join(lines)


def similar_variables(engine: Engine, process_instance_id: str, variables: Mapping[str, Any]) -> dict[str, Any]:
    """`similarCases` (Json) and `similarCasesText` (String) for the appeal in hand."""
    cases = SimilarCases.of_ledger(engine).search(variables.get("problemDescription"),
                                                  variables.get("requestedHelp"), exclude=[process_instance_id])
    return {"similarCases": [c.as_dict() for c in cases], "similarCasesText": similar_text(cases)}
