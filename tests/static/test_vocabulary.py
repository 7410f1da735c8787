"""The vocabulary (appeals.vocabulary) against the models: every code a BPMN condition compares a variable
with, every option a form offers and every status a handler sets is a member of its code list; the
label maps of each audience cover what they must."""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

import pytest

from appeals import vocabulary as v
from appeals.ledger import recording
from appeals.vocabulary import CODE_LISTS, AppealStatus

ROOT = Path(__file__).resolve().parents[2]
BPMN = sorted((ROOT / "bpmn").glob("*.bpmn"))
FORMS = sorted((ROOT / "forms").glob("*.form"))
HANDLERS = sorted((ROOT / "workers" / "appeals" / "handlers").glob("*.py"))

# `name == 'value'`, `name != 'value'` inside an expression
COMPARISON = re.compile(r"\b(\w+)\s*(?:==|!=)\s*['\"]([^'\"]*)['\"]")


def _expressions(path: Path) -> list[str]:
    text = html.unescape(path.read_text(encoding="utf-8"))
    return re.findall(r"\$\{(.*?)\}", text, flags=re.S)


def _bpmn_codes() -> list[tuple[str, str, str]]:
    found = []
    for path in BPMN:
        for expression in _expressions(path):
            for name, value in COMPARISON.findall(expression):
                found.append((path.name, name, value))
    return found


def _form_options() -> list[tuple[str, str, str]]:
    found = []

    def walk(component: dict, form: str) -> None:
        for child in component.get("components", []):
            for option in child.get("values") or []:
                found.append((form, child.get("key"), option["value"]))
            walk(child, form)

    for path in FORMS:
        walk(json.loads(path.read_text(encoding="utf-8")), path.name)
    return found


def test_the_models_compare_coded_variables():
    assert _bpmn_codes(), "no comparison found in bpmn/*.bpmn: the pattern no longer matches"
    assert _form_options(), "no option found in forms/*.form"


@pytest.mark.parametrize(("source", "variable", "value"), _bpmn_codes() + _form_options())
def test_every_code_in_the_models_is_in_the_vocabulary(source, variable, value):
    assert variable in CODE_LISTS, f"{source}: {variable} has no code list in appeals/vocabulary.py"
    members = {member.value for member in CODE_LISTS[variable]}
    assert value in members, f"{source}: {variable} = {value!r} is not one of {sorted(members)}"


def test_every_status_a_handler_sets_is_a_member():
    """Handlers write `appealStatus` only as AppealStatus members, never as string literals."""
    for path in HANDLERS:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                pairs = zip(node.keys, node.values, strict=True)
            elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
                pairs = [(node.targets[0].slice, node.value)]
            else:
                continue
            for key, value in pairs:
                if isinstance(key, ast.Constant) and key.value == "appealStatus":
                    assert not isinstance(value, ast.Constant), \
                        f"{path.name}:{value.lineno}: appealStatus set to a literal, use AppealStatus"


def test_staff_and_public_labels_cover_every_status():
    assert set(v.STAFF_STATUS_LABELS) == set(AppealStatus)
    assert set(v.PUBLIC_STATUS_LABELS) == set(AppealStatus)
    assert all(v.STAFF_STATUS_LABELS.values()) and all(v.PUBLIC_STATUS_LABELS.values())


@pytest.mark.parametrize(("labels", "codes"), [
    (v.CHANNEL_LABELS, v.Channel), (v.CATEGORY_LABELS, v.Category), (v.APPEAL_KIND_LABELS, v.AppealKind),
    (v.RESULT_CLASS_LABELS, v.ResultClass), (v.RESULT_CLASS_SHORT, v.ResultClass),
    (v.SATISFACTION_LABELS, v.Satisfaction), (v.PUBLIC_CLOSE_REASON_LABELS, v.CloseReason),
    (v.REPLY_METHOD_LABELS, v.ReplyMethod), (v.FOLLOW_UP_METHOD_LABELS, v.FollowUpMethod),
])
def test_complete_label_maps(labels, codes):
    assert set(labels) == set(codes)


def test_card_and_escalation_labels_cover_their_codes():
    assert set(v.CARD_LABELS) == set(v.Card) - {v.Card.NONE}
    assert set(v.ESCALATION_LABELS) == set(v.Escalation) == set(v.ESCALATION_OF_INTERVIEW.values())
    assert set(v.ESCALATION_OF_INTERVIEW) == set(v.Interview) - {v.Interview.NONE}


def test_partial_label_maps_hold_members_only():
    for labels, codes in ((v.HOTLINE_STATUS_LABELS, AppealStatus), (v.CLOSE_REASON_LABELS, v.CloseReason),
                          (v.LOOK_BACK_CLOSE_REASON_LABELS, v.CloseReason),
                          (v.HOTLINE_CLOSE_REASON_LABELS, v.CloseReason)):
        assert set(labels) <= set(codes)


def test_card_ladder_codes_are_members():
    """dmn/CardLadder.dmn: the previous card (input), the card and the interview (first two outputs)."""
    text = (ROOT / "dmn" / "CardLadder.dmn").read_text(encoding="utf-8")
    cells = re.findall(r'<(?:input|output)Entry id="Rule\d+_(In0|Out0|Out1)"><text>"(\w+)"</text>', text)
    assert len(cells) >= 9, "the CardLadder rules no longer match the pattern"
    lists = {"In0": v.Card, "Out0": v.Card, "Out1": v.Interview}
    for column, value in cells:
        assert value in {m.value for m in lists[column]}, f"CardLadder {column}: {value!r}"


def test_ledger_statuses_are_members():
    """Every status the ledger derives is an AppealStatus; the follow-up table covers every outcome."""
    assert set(recording.AFTER_FOLLOW_UP) == set(v.FollowUpOutcome)
    assert recording.derive_status({}) is AppealStatus.REGISTERED


def test_codes_are_the_strings_the_engine_stores():
    assert AppealStatus.CLOSED == "closed" and f"{AppealStatus.CLOSED}" == "closed"
    assert json.dumps({"s": AppealStatus.ON_SUPERVISION_LEDGER}) == '{"s": "on_supervision_ledger"}'
