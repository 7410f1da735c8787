"""Accuracy of a suggestion model on labelled examples: top-1, top-3, per-category precision and
recall, and the confusion counts (true → suggested) the office cares about."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .model import CategoryModel, Example

# pairs that are easy to confuse (issue 16): both directions are counted
CONFUSABLE = (("policy", "labor"), ("land", "project"), ("financing", "policy"), ("talent", "labor"))


@dataclass
class Evaluation:
    """Counts over `total` examples; fractions 0–1."""

    total: int
    top1: float
    top3: float
    per_category: dict[str, dict[str, float]] = field(default_factory=dict)
    confusions: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"examples": self.total, "top1": round(self.top1, 4), "top3": round(self.top3, 4),
                "per_category": self.per_category, "confusions": self.confusions, "errors": self.errors}


def evaluate(model: CategoryModel, examples: Sequence[Example]) -> Evaluation:
    """Evaluate `model` on `examples` (at least one)."""
    if not examples:
        raise ValueError("no examples to evaluate")
    probs = model.probabilities([e.text for e in examples])
    classes = np.array(model.categories)
    ranked = classes[np.argsort(-probs, axis=1)[:, :3]]
    truth = [e.category for e in examples]
    predicted = [str(r[0]) for r in ranked]
    top1 = sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(examples)
    top3 = sum(t in r for t, r in zip(truth, ranked, strict=True)) / len(examples)
    pairs = Counter(zip(truth, predicted, strict=True))
    per_category = {}
    for category in sorted(set(truth) | set(predicted)):
        tp = pairs[(category, category)]
        suggested = sum(n for (t, p), n in pairs.items() if p == category)
        actual = sum(n for (t, p), n in pairs.items() if t == category)
        per_category[category] = {"support": actual,
                                  "precision": round(tp / suggested, 4) if suggested else 0.0,
                                  "recall": round(tp / actual, 4) if actual else 0.0}
    confusions = {}
    for a, b in CONFUSABLE:
        confusions[f"{a}→{b}"] = pairs[(a, b)]
        confusions[f"{b}→{a}"] = pairs[(b, a)]
    errors = [{"category": t, "suggested": p, "problem": e.problem[:60]}
              for e, t, p in zip(examples, truth, predicted, strict=True) if t != p]
    return Evaluation(len(examples), top1, top3, per_category, confusions, errors)
