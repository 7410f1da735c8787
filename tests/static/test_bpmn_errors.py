"""Every BPMN error is caught where it can be thrown (tester 6, N1).

A BPMN error that no boundary event or event subprocess catches makes Camunda end the scope “with none end
event semantics”: 交办和办理 simply ended for a lead department outside the org chart, and the appeal read
“已答复，待回访” without any department having handled it. So every error code a worker may raise
(`BpmnError("Err_…")` in the handler of a topic, or a function of its module the handler calls) and every
error end event must have a catching event — an error boundary event on the activity or on an enclosing
subprocess, or an error event subprocess in an enclosing scope — for the same code (or for every code) on
every activity that can throw it. A business outcome that nothing should catch is no BPMN error: it is an
incident (`ModelError`, a topic's `throws`) with a Chinese message.
"""

from __future__ import annotations

import ast
import inspect
import xml.etree.ElementTree as ET

from appeals.handlers import router
from appeals.settings import PROJECT_ROOT

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
BPMN_FILES = sorted((PROJECT_ROOT / "bpmn").glob("*.bpmn"))
SCOPES = {f"{BPMN}process", f"{BPMN}subProcess", f"{BPMN}transaction"}


def _codes_raised(function) -> set[str]:
    """The codes of `BpmnError(...)` raised by `function` or the functions of its module it calls by name
    (transitively). A code that is not a string literal fails: the check must see every code."""
    module = inspect.getmodule(function)
    tree = ast.parse(inspect.getsource(module))
    functions = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    codes: set[str] = set()
    seen: set[str] = set()
    todo = [function.__name__]
    while todo:
        name = todo.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        for node in ast.walk(functions[name]):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            if node.func.id == "BpmnError":
                code = node.args[0] if node.args else next(k.value for k in node.keywords if k.arg == "code")
                assert isinstance(code, ast.Constant) and isinstance(code.value, str), (
                    f"{module.__name__}.{name}: BpmnError with a code that is not a literal")
                codes.add(code.value)
            else:
                todo.append(node.func.id)
    return codes


def worker_errors() -> dict[str, set[str]]:
    """Topic → the BPMN error codes its handler may raise."""
    return {name: codes for name, topic in router.topics.items() if (codes := _codes_raised(topic.handler))}


def uncaught(name: str, text: str, raised: dict[str, set[str]]) -> list[str]:
    """Every (activity, code) of the model `text` (file `name`) where a thrown error has no catching event,
    as readable lines: external tasks with a topic of `raised`, and error end events."""
    root = ET.fromstring(text)
    parents = {child: parent for parent in root.iter() for child in parent}
    codes = {e.get("id"): e.get("errorCode") for e in root.iter(f"{BPMN}error")}
    boundaries: dict[str, list[ET.Element]] = {}
    for event in root.iter(f"{BPMN}boundaryEvent"):
        boundaries.setdefault(event.get("attachedToRef"), []).append(event)

    def catches(event: ET.Element, code: str) -> bool:
        for definition in event.findall(f"{BPMN}errorEventDefinition"):
            ref = definition.get("errorRef")
            if ref is None or codes.get(ref) in (None, code):
                return True
        return False

    def caught(element: ET.Element, code: str) -> bool:
        node = element
        while node is not None and node.tag != f"{BPMN}definitions":
            if any(catches(b, code) for b in boundaries.get(node.get("id"), [])):
                return True
            scope = parents.get(node)
            if scope is not None and scope.tag in SCOPES:
                for sub in scope.findall(f"{BPMN}subProcess"):
                    if sub.get("triggeredByEvent") == "true" and sub is not node:
                        starts = sub.findall(f"{BPMN}startEvent")
                        if any(catches(s, code) for s in starts):
                            return True
            if node.tag == f"{BPMN}process":
                return False
            node = scope
        return False

    missing = []
    for element in root.iter():
        topic = element.get(f"{CAMUNDA}topic")
        thrown = set(raised.get(topic, ())) if topic else set()
        if element.tag == f"{BPMN}endEvent":
            for definition in element.findall(f"{BPMN}errorEventDefinition"):
                thrown.add(codes.get(definition.get("errorRef")) or "(any)")
        for code in sorted(thrown):
            # an error end event is caught from its enclosing scope, an activity on itself or outward
            start = parents[element] if element.tag == f"{BPMN}endEvent" else element
            if not caught(start, code):
                missing.append(f"{name}: {element.get('id')} ({element.get('name')}) throws {code}, nothing catches it")
    return missing


def test_the_workers_bpmn_errors_are_found() -> None:
    """The check sees the codes (not vacuous): resolveApprover's Err_InvalidLead."""
    assert "Err_InvalidLead" in worker_errors().get("resolveApprover", set())


def test_every_bpmn_error_is_caught_where_it_can_be_thrown() -> None:
    raised = worker_errors()
    assert BPMN_FILES
    missing = [line for path in BPMN_FILES for line in uncaught(path.name, path.read_text(encoding="utf-8"), raised)]
    assert not missing, "\n".join(missing)


def test_the_check_finds_an_uncaught_error() -> None:
    """Err_InvalidLead thrown in a subprocess without a boundary event (the model before the fix) is found;
    a boundary on the subprocess or an error event subprocess catches it."""
    def model(catching: str) -> str:
        return (
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D">'
            '<bpmn:process id="P"><bpmn:subProcess id="Sub">'
            '<bpmn:serviceTask id="Task_Resolve" name="确定审批人" camunda:type="external" camunda:topic="resolveApprover" />'
            f'</bpmn:subProcess>{catching}</bpmn:process>'
            '<bpmn:error id="Error_Lead" errorCode="Err_InvalidLead" /><bpmn:error id="Error_Other" errorCode="Err_Other" />'
            '</bpmn:definitions>')

    raised = {"resolveApprover": {"Err_InvalidLead"}}
    assert uncaught("Probe.bpmn", model(""), raised) == [
        "Probe.bpmn: Task_Resolve (确定审批人) throws Err_InvalidLead, nothing catches it"]
    other = '<bpmn:boundaryEvent id="B" attachedToRef="Sub"><bpmn:errorEventDefinition errorRef="Error_Other" /></bpmn:boundaryEvent>'
    assert uncaught("Probe.bpmn", model(other), raised), "a boundary for another code catches nothing"
    boundary = '<bpmn:boundaryEvent id="B" attachedToRef="Sub"><bpmn:errorEventDefinition errorRef="Error_Lead" /></bpmn:boundaryEvent>'
    assert uncaught("Probe.bpmn", model(boundary), raised) == []
    event_sub = ('<bpmn:subProcess id="E" triggeredByEvent="true"><bpmn:startEvent id="S">'
                 '<bpmn:errorEventDefinition /></bpmn:startEvent></bpmn:subProcess>')
    assert uncaught("Probe.bpmn", model(event_sub), raised) == []
