"""Static checks of what the Camunda Forms (forms/*.form) accept and show, one test per kind of input
(breaker report 2026-11-30; docs/input-rules.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appeals.settings import PROJECT_ROOT

FORM_FILES = sorted((PROJECT_ROOT / "forms").glob("*.form"))

# Variables the engine and the workers make themselves (ids, due dates, the task's documents); a text
# view (Markdown) may interpolate only these. Every other value may have come from outside.
SYSTEM_VARIABLES = {"taskId", "taskDocuments", "taskDue", "taskDueDay", "workdays", "item"}
FEEL_WORDS = {"if", "and", "or", "null", "not", "true", "false", "then", "else", "for", "in", "return",
              "some", "every", "satisfies", "between", "instance", "of"}


def components(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from components(item.get("components", []))


def template_variables(template: str) -> set[str]:
    """The variable names a form-js template (`{{ … }}`, FEEL inside) reads."""
    names: set[str] = set()
    for expression in re.findall(r"\{\{[#/]?(.*?)\}\}", template, flags=re.S):
        expression = re.sub(r'"(?:[^"\\]|\\.)*"', "", expression)
        for match in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", expression):
            if expression[match.end():].lstrip().startswith("("):
                continue  # a FEEL function
            if match.group() not in FEEL_WORDS:
                names.add(match.group())
    return names


def form(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def test_template_variables_reads_names_not_functions_or_literals() -> None:
    assert template_variables('**企业：** {{enterpriseName}}{{#if contains(taskDocuments, "x")}}a{{/if}}') == {
        "enterpriseName", "taskDocuments"}


# --------------------------------------------------------------------------- kind 1: outside text shown literally
@pytest.mark.parametrize("path", FORM_FILES, ids=lambda p: p.stem)
def test_no_text_view_renders_an_outside_value_as_markdown(path: Path) -> None:
    """form-js's text view renders its template's result as Markdown with raw HTML (links, images:
    an outsider's `![](http://…)` made the staff's browser load it). Outside values go through an HTML
    view, whose templating escapes every inserted value (form-js `escapeHTML`)."""
    for component in components(form(path)["components"]):
        if component.get("type") == "text":
            outside = template_variables(component["text"]) - SYSTEM_VARIABLES
            assert not outside, f"{component['id']} renders {sorted(outside)} as Markdown"
        if component.get("type") == "html":
            assert "content" in component and "text" not in component, component["id"]


# --------------------------------------------------------------------------- kind 3: e-mail addresses
def test_no_form_refuses_an_internationalised_email() -> None:
    """form-js's `validationType: email` refuses 王经理@example.com ("Field must be a valid email."),
    though docs/input-rules.md accepts it: the worker checks addresses (validation.check_email)."""
    for path in FORM_FILES:
        for component in components(form(path)["components"]):
            rules = component.get("validate", {})
            assert rules.get("validationType") != "email", f"{path.stem}: {component.get('key')}"
            if "email" in str(component.get("key", "")).lower() and "pattern" in rules:
                assert re.search(rules["pattern"], "王经理@example.com"), f"{path.stem}: {component['key']}"


# --------------------------------------------------------------------------- kind 4: blank required text
def _required_text_fields():
    for path in FORM_FILES:
        for component in components(form(path)["components"]):
            if component.get("type") in ("textfield", "textarea") and not component.get("readonly") \
                    and component.get("validate", {}).get("required") is True:
                yield path, component


def test_every_required_text_field_refuses_only_spaces() -> None:
    """form-js's `required` accepts "   "; its `minLength` counts the trimmed value (JavaScript's
    String.trim, which also removes U+3000 and no-break spaces), so minLength 1 refuses a blank."""
    fields = list(_required_text_fields())
    assert len(fields) > 30
    for path, component in fields:
        assert component["validate"].get("minLength", 0) >= 1, f"{path.stem}: {component['key']}"


# --------------------------------------------------------------------------- kind 7: what a limit counts
@given(st.text(max_size=60), st.integers(min_value=1, max_value=80))
def test_the_forms_limit_never_lets_through_what_the_server_refuses(text: str, limit: int) -> None:
    """form-js's maxLength counts UTF-16 code units (JavaScript's String.length of the trimmed value):
    an emoji or a rare CJK character (outside the BMP) counts 2; the server (validation.LIMITS,
    TEXT_LIMIT) counts characters. With the same number the form is the stricter one, never the
    laxer; the forms say so in the field's description (breaker report finding 7)."""
    form_length = len(text.strip().encode("utf-16-le")) // 2
    if form_length <= limit:
        assert len(text.strip()) <= limit


def test_every_limited_text_area_says_how_emoji_count() -> None:
    for path in FORM_FILES:
        for component in components(form(path)["components"]):
            if component.get("type") == "textarea" and "maxLength" in component.get("validate", {}):
                assert "按2字计" in component.get("description", ""), f"{path.stem}: {component['key']}"


# --------------------------------------------------------------------------- kind 8: a value not set when the task opens
RESULT_CLASS_VIEW = re.compile(r"\{\{if (\w+) = \"A\" then .* else \1\}\}")
"""The shape of result_class_view (test_the_result_class_has_one_name_in_every_form checks it whole)."""
HTML_TOKEN = re.compile(r"\{\{(#if |/if|)(.*?)\}\}", re.S)
NOT_NULL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*) != null")


def render_html_view(template: str, values: dict[str, Any]) -> str:
    """An HTML view's text as form-js renders it (the feelers templating of @bpmn-io/form-js 1.x in
    Camunda 7.24's Tasklist): every insert `{{name}}` goes through `string(name)` and then through the
    view's `escapeHTML`, which throws on null, so a variable that is missing or null shows " {{⚠}} ".
    A `{{#if name != null}}…{{/if}}` block is left out when the name is missing or null. Any other
    construct raises: this model knows only what the forms use."""
    out: list[str] = []
    skipping: list[bool] = []
    position = 0
    for match in HTML_TOKEN.finditer(template):
        if not any(skipping):
            out.append(template[position:match.start()])
        position = match.end()
        kind, body = match.group(1), match.group(2).strip()
        if kind == "#if ":
            guard = NOT_NULL.fullmatch(body)
            assert guard, f"unknown condition {body!r}"
            skipping.append(values.get(guard.group(1)) is None)
        elif kind == "/if":
            skipping.pop()
        elif not any(skipping):
            named = RESULT_CLASS_VIEW.fullmatch("{{" + body + "}}")
            if named:  # the result class by its name (result_class_view): FEEL's if-then-else
                from appeals.vocabulary import RESULT_CLASS_NAMES
                value = values.get(named.group(1))
                value = RESULT_CLASS_NAMES.get(value, value) if isinstance(value, str) else value
                out.append(" {{⚠}} " if value is None else str(value))
                continue
            assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", body), f"unknown insert {body!r}"
            value = values.get(body)
            out.append(" {{⚠}} " if value is None else str(value))
    assert not skipping, "an unclosed {{#if}}"
    out.append(template[position:])
    return "".join(out)


def test_the_html_view_model_shows_the_warning_for_a_bare_missing_value() -> None:
    assert "{{⚠}}" in render_html_view("答复：{{replyText}}{{consultationAnswer}}", {"replyText": "已解决"})
    guarded = "{{#if categoryLabel != null}}{{categoryLabel}}{{/if}}"
    assert render_html_view(guarded, {}) == ""
    assert render_html_view(guarded, {"categoryLabel": "用地审批"}) == "用地审批"


HTML_VIEWS = [(path.stem, component) for path in FORM_FILES for component in components(form(path)["components"])
              if component.get("type") == "html"]


@pytest.mark.parametrize(("stem", "component"), HTML_VIEWS, ids=[f"{s}-{c['id']}" for s, c in HTML_VIEWS])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_no_html_view_shows_a_template_error_whatever_is_unset(stem: str, component: dict[str, Any], data) -> None:
    """Tester 2's finding 4: "类别： {{⚠}}" on the city's forms (CityAppeal had no `categoryLabel`) and
    "答复：… {{⚠}}" on every 回访 form (`consultationAnswer` is set only for a consultation). Which
    variables are set depends on the path into a task (county or city, consultation or handling,
    channel), so every value an HTML view inserts is guarded: missing, null, empty or set, the view
    never shows the warning."""
    names = sorted(template_variables(component["content"]))
    values = {name: data.draw(st.one_of(st.none(), st.just(""), st.text(min_size=1, max_size=5)), label=name)
              for name in names if data.draw(st.booleans(), label=f"{name} set")}
    rendered = render_html_view(component["content"], values)
    assert "{{⚠}}" not in rendered, f"{stem} {component['id']}: {rendered}"
    for name, value in values.items():
        if value:
            assert value in rendered or "&" in value or "<" in value, f"{stem}: {name} not shown"


# --------------------------------------------------------------------------- kind 2: numbers typed in a form
NUMBER_FIELDS = [(path.stem, component) for path in FORM_FILES for component in components(form(path)["components"])
                 if component.get("type") == "number"]


def test_no_number_field_drops_what_is_typed() -> None:
    """form-js's number field swallows keys (its onKeyPress): with `decimalDigits: 0` the decimal point,
    so 1.5 became 15 (tester 2's finding 5), and with `decimalDigits: n` every digit after the n-th
    decimal. Without it the point stays and `increment` refuses a fraction ("the two nearest valid
    values are 1 and 2"); the value stays a number (no `serializeToString`), min and max bound it."""
    assert NUMBER_FIELDS
    for stem, field in NUMBER_FIELDS:
        assert "decimalDigits" not in field, f"{stem}: {field['key']}"
        assert field.get("increment") == "1", f"{stem}: {field['key']} takes whole numbers only"
        assert not field.get("serializeToString"), f"{stem}: {field['key']}"
        assert {"min", "max", "required"} <= set(field.get("validate", {})), f"{stem}: {field['key']}"
        # Tasklist's scripts/form-messages-zh.js hands form-js no value for a refused entry (1e1, 2,5):
        # only `required` then keeps 完成 refused, with the refusal's own message
        assert field["validate"]["required"] is True, f"{stem}: {field['key']} must be required"


# --------------------------------------------------------------------------- the city's forms: due date and documents
def test_every_city_task_form_shows_its_due_date_and_links_the_county_documents() -> None:
    """Tester 2's finding 9: 拟定市级交办意见 pointed to Cockpit for the county's 转报单 and 登记表 and
    showed no 本环节时限. Every form of bpmn/CityAppeal.bpmn shows both, as the county's forms do (the
    assisting departments' form its due date only: their task hides the documents, test_models)
    (taskDue and taskDocuments: engine TaskSummaryPlugin)."""
    model = (PROJECT_ROOT / "bpmn" / "CityAppeal.bpmn").read_text(encoding="utf-8")
    tasks = re.findall(r"<bpmn:userTask [^>]*>", model)
    assert len(tasks) >= 6
    for task in tasks:
        name = re.search(r'formRef="(\w+)"', task).group(1)
        assert 'camunda:dueDate="' in task, name
        if name == "AssistOpinionForm":  # an assisting department gets no document carrying contact data (§18)
            continue
        shown = {c["id"]: c for c in components(form(PROJECT_ROOT / "forms" / f"{name}.form")["components"])}
        assert "{{taskDue}}" in shown["Text_TaskDue"]["text"], name
        links = shown["Text_Documents"]["text"]
        for document in ("transferDocument", "registrationDocument"):
            assert f"/variables/{document}/data" in links, f"{name}: {document}"
        assert "Cockpit" not in json.dumps(shown, ensure_ascii=False), f"{name} sends the user to Cockpit"


def test_no_view_prints_a_code_of_a_code_list() -> None:
    """A text or HTML view prints a code list's value (`cardKind`, `resultClass`, …) only through its Chinese
    label (a `…Label` variable the workers set from appeals.vocabulary, or for the result class the name
    of RESULT_CLASS_NAMES), never the code itself: the city's interview form printed "被亮red牌" (tester 4
    F2), the follow-up form "办理结果：A" (tester 5 F10)."""
    from appeals.vocabulary import CODE_LISTS
    shown = []
    for path in FORM_FILES:
        for component in components(form(path)["components"]):
            template = component.get("text") or component.get("content") or ""
            for name in re.findall(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}", template):
                if name in CODE_LISTS:
                    shown.append(f"{path.stem}/{component.get('id')}: {name}")
    assert not shown


def result_class_view(variable: str) -> str:
    """The one FEEL expression a form's view prints the result class `variable` with: its RESULT_CLASS_NAMES."""
    from appeals.vocabulary import RESULT_CLASS_NAMES
    cases = " else ".join(f'if {variable} = "{code}" then "{name}"' for code, name in RESULT_CLASS_NAMES.items())
    return f"{{{{{cases} else {variable}}}}}"


def test_the_result_class_has_one_name_in_every_form() -> None:
    """Tester 5 F10: the follow-up form read “办理结果：A” where the rework form said “A类”. Every option of a
    result-class field (resultClass, revisedResultClass) is the class's name in appeals.vocabulary
    RESULT_CLASS_NAMES (A类（已经解决或基本解决）), as in the documents, and every view that mentions the
    class prints that name (result_class_view), never the letter or the letter with 类 only."""
    from appeals.vocabulary import CODE_LISTS, RESULT_CLASS_NAMES, ResultClass
    classes = {name for name, codes in CODE_LISTS.items() if codes is ResultClass}
    assert {"resultClass", "revisedResultClass"} <= classes
    options, views = 0, 0
    for path in FORM_FILES:
        for component in components(form(path)["components"]):
            if component.get("key") in classes and component.get("values"):
                assert {v["value"]: v["label"] for v in component["values"]} == RESULT_CLASS_NAMES, path.stem
                options += 1
            template = component.get("text") or component.get("content") or ""
            for name in classes:
                if not re.search(rf"\b{name}\b", template):
                    continue
                expressions = [e for e in re.findall(r"\{\{(?!#|/)(.*?)\}\}", template) if re.search(rf"\b{name}\b", e)]
                assert expressions, f"{path.stem}/{component.get('id')}"
                for expression in expressions:
                    assert "{{" + expression + "}}" == result_class_view(name), f"{path.stem}/{component.get('id')}"
                    views += 1
                assert not re.search(r"\}\}\s*类", template), f"{path.stem}/{component.get('id')}: 类 after the name"
    assert options >= 3 and views >= 4


def test_the_city_bulletin_review_form_says_whose_bulletin() -> None:
    """Tester 4 F6: Task_ReviewCityBulletin (审核并印发全市月度通报) opened a form titled 审核并印发月度通报. The
    one form shows the title of the bulletin's level (`bulletinLevel`, handlers/bulletin.py)."""
    model = (PROJECT_ROOT / "bpmn" / "MonthlyBulletin.bpmn").read_text(encoding="utf-8")
    for task, title in (("Task_ReviewBulletin", "审核并印发月度通报"), ("Task_ReviewCityBulletin", "审核并印发全市月度通报")):
        element = re.search(rf'<bpmn:userTask id="{task}" name="([^"]+)" camunda:formRef="(\w+)"', model)
        assert element and element.group(1) == title, task
    shown = {c["id"]: c for c in components(form(PROJECT_ROOT / "forms" / "ReviewBulletinForm.form")["components"])}
    titles = {shown[i]["text"]: shown[i]["conditional"]["hide"] for i in ("Text_Title", "Text_CityTitle")}
    assert titles == {"## 审核并印发月度通报": '=bulletinLevel = "city"',
                      "## 审核并印发全市月度通报": '=bulletinLevel = null or bulletinLevel != "city"'}


def test_the_registration_forms_limits_are_the_intakes_one_definition() -> None:
    """Tester 5, F3: every field of Tasklist's registration form (发起流程 and 补正登记信息) takes as much
    as the public questionnaire and the intake: appeals.validation's LIMITS and TYPED_LIMITS."""
    from appeals.validation import LIMITS, TYPED_LIMITS

    form = json.loads((PROJECT_ROOT / "forms" / "AppealRegistrationForm.form").read_text(encoding="utf-8"))
    limits = {c["key"]: c.get("validate", {}).get("maxLength") for c in components(form["components"]) if "key" in c}
    expected = {**{name: limit for name, (_label, limit) in LIMITS.items()}, **TYPED_LIMITS}
    for name, limit in expected.items():
        if name in limits:
            assert limits[name] == limit, name
    assert set(TYPED_LIMITS) <= set(limits)
