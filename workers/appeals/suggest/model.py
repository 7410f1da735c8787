"""The category suggestion: TF-IDF over jieba words and character n-grams → logistic regression.

A linear model, so every suggestion can be explained: the weight of a word for a category is its
TF-IDF value in the appeal times the model's coefficient, and the words that weighed most for the
chosen category are shown to the office. Trained in seconds on a few thousand appeals; one suggestion
takes about a millisecond (docs/assisted-dispatch.md, docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from ..vocabulary import Category
from .text import appeal_text, words

FORMAT = 1
CATEGORIES = frozenset(str(c) for c in Category)


@dataclass(frozen=True)
class Example:
    """One labelled appeal: its two texts and the category (spec §6 code)."""

    category: str
    problem: str
    requested_help: str = ""

    @property
    def text(self) -> str:
        return appeal_text(self.problem, self.requested_help)


@dataclass(frozen=True)
class Suggestion:
    """A suggested category (spec §6 code), its probability (0–1), the three most likely categories
    with theirs, and the words that weighed most for the first one (word, weight)."""

    category: str
    confidence: float
    top: list[tuple[str, float]]
    words: list[tuple[str, float]]

    def as_dict(self) -> dict[str, Any]:
        return {"category": self.category, "confidence": round(self.confidence, 3),
                "top3": [{"category": c, "confidence": round(p, 3)} for c, p in self.top],
                "words": [{"word": w, "weight": round(x, 3)} for w, x in self.words]}


@dataclass
class CategoryModel:
    """A trained suggestion model and where its examples came from."""

    features: FeatureUnion
    classifier: LogisticRegression
    trained_at: str
    examples: int
    sources: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    _word_names: np.ndarray | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ training
    @classmethod
    def train(cls, examples: Sequence[Example], sources: dict[str, int] | None = None) -> CategoryModel:
        """Fit on `examples` (at least two categories; unknown category codes are refused: ValueError)."""
        unknown = {e.category for e in examples} - CATEGORIES
        if unknown:
            raise ValueError(f"unknown categories in the training examples: {sorted(unknown)}")
        if len({e.category for e in examples}) < 2:
            raise ValueError("the training examples need at least two categories")
        started = time.perf_counter()
        features = FeatureUnion([
            ("words", TfidfVectorizer(analyzer=words, sublinear_tf=True, min_df=1)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=2,
                                      max_features=60000)),
        ])
        matrix = features.fit_transform([e.text for e in examples])
        classifier = LogisticRegression(C=20.0, max_iter=2000)
        classifier.fit(matrix, [e.category for e in examples])
        return cls(features, classifier, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), len(examples),
                   dict(sources or {"examples": len(examples)}), time.perf_counter() - started)

    # ------------------------------------------------------------------ prediction
    @property
    def categories(self) -> list[str]:
        return [str(c) for c in self.classifier.classes_]

    def probabilities(self, texts: Iterable[str]) -> np.ndarray:
        """Rows of probabilities over `categories` (sum 1 per row)."""
        return self.classifier.predict_proba(self.features.transform(list(texts)))

    def suggest(self, problem: str | None, requested_help: str | None = None, *, top: int = 3,
                explain: int = 6) -> Suggestion:
        """The suggestion for one appeal; an empty text still gets one (the prior: low confidence)."""
        vector = self.features.transform([appeal_text(problem, requested_help)])
        probs = self.classifier.predict_proba(vector)[0]
        order = np.argsort(-probs)
        classes = self.categories
        ranked = [(classes[i], float(probs[i])) for i in order[:top]]
        best = int(order[0])
        return Suggestion(ranked[0][0], ranked[0][1], ranked, self._explain(vector, best, explain))

    def _explain(self, vector: Any, index: int, count: int) -> list[tuple[str, float]]:
        """The words (word features only: readable) with the largest positive contribution to class
        `index`, relative to the mean over the classes (a word that speaks for every class weighs 0)."""
        n_words = len(self._words())
        row = vector[:, :n_words].tocsr()
        if row.nnz == 0:
            return []
        coef = self.classifier.coef_
        if coef.shape[0] == 1:  # two classes: one row of coefficients for the second class
            relative = coef[0] if index == 1 else -coef[0]
        else:
            relative = coef[index] - coef.mean(axis=0)
        cols, values = row.indices, row.data
        weights = values * relative[cols]
        order = np.argsort(-weights)
        names = self._words()
        return [(str(names[cols[i]]).replace("|", ""), float(weights[i])) for i in order[:count * 2]
                if weights[i] > 0][:count]

    def _words(self) -> np.ndarray:
        if self._word_names is None:
            self._word_names = self.features.transformer_list[0][1].get_feature_names_out()
        return self._word_names

    # ------------------------------------------------------------------ files
    def save(self, path: Path) -> None:
        """Write the model to `path` (joblib, written to a temp file and renamed: readers never see half)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        joblib.dump({"format": FORMAT, "sklearn": sklearn.__version__, "model": self._replace_cache()}, tmp)
        tmp.replace(path)

    def _replace_cache(self) -> CategoryModel:
        return CategoryModel(self.features, self.classifier, self.trained_at, self.examples, self.sources,
                             self.seconds)

    @staticmethod
    def load(path: Path) -> CategoryModel:
        """Read a model written by `save`; ValueError when it is of another format or scikit-learn."""
        data = joblib.load(path)
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("sklearn") != sklearn.__version__:
            raise ValueError(f"{path}: a model of another format or scikit-learn version; train it again")
        return data["model"]

    def info(self) -> dict[str, Any]:
        return {"trained_at": self.trained_at, "examples": self.examples, "sources": self.sources,
                "seconds": round(self.seconds, 2), "categories": self.categories}
