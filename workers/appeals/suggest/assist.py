"""The suggestion as process variables (issue 16), computed when an appeal is registered.

The office sees the top three categories with their confidence and the words that weighed most on
the verification and dispatch forms. The suggestion pre-fills `category` — the input of the routing
table `AppealRouting` — when the registration left it open (no category, or 其它): a category the
enterprise or the clerk chose explicitly is not replaced, the form shows both and flags a
disagreement. What the office finally chose is `category`; `categorySuggestionAccepted` (set when
the dispatch is prepared) and the ledger's `suggested_category` record how often the suggestion was
right.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..vocabulary import CATEGORY_LABELS as CATEGORY_NAMES
from .model import CategoryModel

SUGGEST_VARIABLES = ("problemDescription", "requestedHelp", "category", "registeredCategory", "suggestedCategory",
                     "creditCode", "enterpriseName", "contactPhone")
OPEN_CATEGORIES = (None, "", "other")  # a registration that leaves the category to the office


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def suggestion_text(suggestion: dict[str, Any], registered: str | None) -> str:
    """One line for the forms: `用电保障 86%（依据：停电、供电）；其次：项目推动 6%、其它 3%`."""
    top = suggestion["top3"]
    first = top[0]
    words = "、".join(w["word"] for w in suggestion["words"][:4])
    line = f"{CATEGORY_NAMES.get(first['category'], first['category'])} {_pct(first['confidence'])}"
    if words:
        line += f"（依据：{words}）"
    others = "、".join(f"{CATEGORY_NAMES.get(t['category'], t['category'])} {_pct(t['confidence'])}"
                      for t in top[1:] if t["confidence"] >= 0.01)  # a 0% alternative says nothing
    if others:
        line += f"；其次：{others}"
    if registered not in OPEN_CATEGORIES and registered != first["category"]:
        line += f"。登记类别为“{CATEGORY_NAMES.get(registered, registered)}”，与建议不一致，请核实后选择"
    return line


def suggestion_variables(model: CategoryModel, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The suggestion variables for an appeal being registered (idempotent: a redelivered task gets
    the same values; the registered category is kept from the first delivery)."""
    registered = variables.get("registeredCategory") if "registeredCategory" in variables \
        and variables.get("suggestedCategory") else variables.get("category")
    suggestion = model.suggest(variables.get("problemDescription"), variables.get("requestedHelp")).as_dict()
    output: dict[str, Any] = {
        "registeredCategory": registered or None,
        "suggestedCategory": suggestion["category"],
        "suggestedCategoryConfidence": suggestion["confidence"],
        "categorySuggestions": [{**t, "label": CATEGORY_NAMES.get(t["category"], t["category"])}
                                for t in suggestion["top3"]],
        "suggestionWords": "、".join(w["word"] for w in suggestion["words"]),
        "categorySuggestionText": suggestion_text(suggestion, registered),
    }
    if registered in OPEN_CATEGORIES:
        output["category"] = suggestion["category"]
    return output


def accepted_variables(variables: Mapping[str, Any]) -> dict[str, Any]:
    """Whether the office kept the suggested category (None: the appeal had no suggestion), and the
    name of the category it chose (for the dispatch forms)."""
    suggested = variables.get("suggestedCategory")
    category = variables.get("category")
    return {"categorySuggestionAccepted": None if not suggested else category == suggested,
            "categoryName": CATEGORY_NAMES.get(category, category) if category else None}
