"""Assisted dispatch (issue 16): the category suggested from the appeal's own words, similar past
cases, duplicates at intake.

- `model.CategoryModel`: jieba words + character n-grams → TF-IDF → logistic regression, explainable.
- `starter_examples()`: the labelled starter set shipped in `appeals/data/suggest-starter.tsv`.
- `ledger_examples(engine)`: the county's own closed appeals (ledger_appeal) as examples.
- `current_model(data_dir)`: the model of `data_dir/suggest-model.joblib` (reloaded when the file
  changes: `appeals suggest train` takes effect without restarting the workers); without that file,
  one trained on the starter set on first use (seconds) and saved there.

docs/assisted-dispatch.md describes the whole feature and how the starter set was made.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..db.ledger_models import LedgerAppeal
from ..vocabulary import CloseReason
from .model import CategoryModel, Example, Suggestion

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parents[1] / "data"
STARTER = DATA / "suggest-starter.tsv"
MODEL_FILE = "suggest-model.joblib"

__all__ = ["CategoryModel", "Example", "Suggestion", "current_model", "ledger_examples", "model_path",
           "read_examples", "starter_examples", "train"]


def read_examples(path: Path) -> list[Example]:
    """Examples from a TSV file: `category<TAB>problem<TAB>requested help` per line, `#` comments."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise ValueError(f"{path}:{number}: expected category<TAB>problem[<TAB>requested help]")
        examples.append(Example(parts[0].strip(), parts[1].strip(), parts[2].strip() if len(parts) > 2 else ""))
    return examples


def starter_examples() -> list[Example]:
    """The starter set that ships with the package (480 examples, 48 per category)."""
    return read_examples(STARTER)


def ledger_examples(engine: Engine, limit: int | None = None) -> list[Example]:
    """The county's closed appeals with a category and a description, newest first: the category is
    the one the office confirmed (the ledger keeps the latest), the best label there is."""
    a = LedgerAppeal
    query = (select(a.category, a.problem_description, a.requested_help)
             .where(a.closed_at.is_not(None), a.category.is_not(None), a.problem_description.is_not(None),
                    a.close_reason.is_distinct_from(str(CloseReason.MERGED)))
             .order_by(a.closed_at.desc()))
    if limit:
        query = query.limit(limit)
    with engine.connect() as conn:
        return [Example(c, p or "", h or "") for c, p, h in conn.execute(query)]


def train(examples: list[Example], ledger: list[Example] | None = None) -> CategoryModel:
    """A model of the starter `examples` plus the county's `ledger` examples."""
    ledger = ledger or []
    return CategoryModel.train([*examples, *ledger], {"starter": len(examples), "ledger": len(ledger)})


def model_path(data_dir: Path) -> Path:
    return Path(data_dir) / MODEL_FILE


_lock = threading.Lock()
_cache: dict[Path, tuple[float, CategoryModel]] = {}


def current_model(data_dir: Path) -> CategoryModel:
    """The model in `data_dir` (cached per process, reloaded when the file changes); trained from the
    starter set and saved there when there is none or it cannot be read (another scikit-learn)."""
    path = model_path(data_dir)
    with _lock:
        mtime = path.stat().st_mtime if path.exists() else None
        cached = _cache.get(path)
        if cached and mtime is not None and cached[0] == mtime:
            return cached[1]
        model = None
        if mtime is not None:
            try:
                model = CategoryModel.load(path)
            except Exception as exc:  # noqa: BLE001 - an unreadable model is replaced, said in the log
                log.warning("suggestion model %s unreadable (%s): training one from the starter set", path, exc)
        if model is None:
            model = train(starter_examples())
            try:
                model.save(path)
            except OSError as exc:
                log.warning("suggestion model not saved to %s: %s", path, exc)
        mtime = path.stat().st_mtime if path.exists() else 0.0
        _cache[path] = (mtime, model)
        return model
