"""Static checks of bpmn/, dmn/ and forms/: seconds, no engine."""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from appeals.deploy import model_files
from appeals.handlers import router
from appeals.settings import PROJECT_ROOT

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "dmndi": "https://www.omg.org/spec/DMN/20191111/DMNDI/",
}
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
MODELER = "{http://camunda.org/schema/modeler/1.0}"
BPMN_FILES = sorted((PROJECT_ROOT / "bpmn").glob("*.bpmn"))
DMN_FILES = sorted((PROJECT_ROOT / "dmn").glob("*.dmn"))
FORM_FILES = sorted((PROJECT_ROOT / "forms").glob("*.form"))
GENERATED_ID = re.compile(r"^(Activity|Gateway|Event|Flow|StartEvent|EndEvent|Task|SequenceFlow|DataObject|Participant|Lane)_[0-9a-z]{7}$")
FLOW_NODE_TAGS = {
    "startEvent", "endEvent", "task", "userTask", "serviceTask", "businessRuleTask", "scriptTask",
    "sendTask", "receiveTask", "callActivity", "subProcess", "exclusiveGateway", "parallelGateway",
    "inclusiveGateway", "eventBasedGateway", "intermediateCatchEvent", "intermediateThrowEvent",
    "boundaryEvent", "sequenceFlow",
}


def test_there_are_models() -> None:
    assert BPMN_FILES and FORM_FILES
    assert {p.name for p in model_files()} == {p.name for p in BPMN_FILES + DMN_FILES + FORM_FILES}


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_bpmn_is_executable_with_di_ttl_and_platform(path: Path) -> None:
    root = ET.parse(path).getroot()
    assert root.get(f"{MODELER}executionPlatform") == "Camunda Platform"
    assert root.get(f"{MODELER}executionPlatformVersion", "").startswith("7.24")
    processes = root.findall("bpmn:process", NS)
    assert processes
    assert path.stem in {p.get("id") for p in processes}, "file name = process id"
    di_elements = {el.get("bpmnElement") for el in root.iter() if el.get("bpmnElement")}
    for process in processes:
        assert process.get("isExecutable") == "true"
        assert re.fullmatch(r"P\d+D|\d+", process.get(f"{CAMUNDA}historyTimeToLive", "")), process.get("id")
        assert process.get("id") in di_elements, "the process has a BPMN plane"
        for element in process.iter():
            tag = element.tag.split("}")[1]
            if tag not in FLOW_NODE_TAGS:
                continue
            eid = element.get("id")
            assert eid in di_elements, f"{eid} has no diagram shape or edge"
            assert eid.isascii() and not GENERATED_ID.match(eid), f"{eid}: give it a meaningful id"
            outgoing = element.findall("bpmn:outgoing", NS)
            if tag.endswith("Gateway"):
                if len(outgoing) > 1:  # a splitting gateway asks a question; a join needs no label
                    assert element.get("name"), f"{eid} has no label"
            elif tag != "sequenceFlow":
                assert element.get("name"), f"{eid} has no label"


def _form_refs() -> list[tuple[str, str, str]]:
    refs = []
    for path in BPMN_FILES:
        for element in ET.parse(path).getroot().iter():
            ref = element.get(f"{CAMUNDA}formRef")
            if ref:
                refs.append((path.name, element.get("id"), ref))
                assert element.get(f"{CAMUNDA}formRefBinding") == "deployment", element.get("id")
    return refs


def test_every_referenced_form_exists() -> None:
    form_ids = {json.loads(p.read_text(encoding="utf-8"))["id"] for p in FORM_FILES}
    refs = _form_refs()
    assert refs
    missing = [(f, e, r) for f, e, r in refs if r not in form_ids]
    assert not missing, f"forms referenced but not in forms/: {missing}"


@pytest.mark.parametrize("path", FORM_FILES, ids=lambda p: p.name)
def test_form_is_valid_camunda_form(path: Path) -> None:
    form = json.loads(path.read_text(encoding="utf-8"))
    assert form["id"] == path.stem
    assert form["type"] == "default"
    assert form["executionPlatform"] == "Camunda Platform"
    assert form["schemaVersion"] <= 16, "Tasklist 7.24 renders form-js schema 16 at most"
    keys = [c["key"] for c in form["components"] if "key" in c]
    assert len(keys) == len(set(keys)), "duplicate field keys"
    for component in form["components"]:
        if "key" in component:
            assert component.get("label"), f"{component['key']} has no label"
            assert re.fullmatch(r"[a-z][A-Za-z0-9]*", component["key"])


def test_every_user_task_has_a_due_date_and_a_candidate_group() -> None:
    for path in BPMN_FILES:
        for task in ET.parse(path).getroot().iter(f"{{{NS['bpmn']}}}userTask"):
            assert task.get(f"{CAMUNDA}dueDate"), f"{path.name}: {task.get('id')} has no due date"
            assert task.get(f"{CAMUNDA}candidateGroups"), f"{path.name}: {task.get('id')} has no candidate group"


def test_every_topic_has_a_handler_and_every_handler_a_topic() -> None:
    topics = set()
    for path in BPMN_FILES:
        for element in ET.parse(path).getroot().iter():
            if element.get(f"{CAMUNDA}type") == "external":
                topics.add(element.get(f"{CAMUNDA}topic"))
    assert topics == set(router.topics)


def test_bpmnlint_passes(node_modules: Path) -> None:
    result = subprocess.run(
        ["node", str(node_modules.parent / "lint.mjs"), *map(str, BPMN_FILES)],
        capture_output=True, text=True, cwd=node_modules.parent,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    reports = json.loads(result.stdout)
    assert len(reports) == len(BPMN_FILES)
