"""Static checks of bpmn/, dmn/ and forms/: seconds, no engine.

The files are the source of the models (tools/README.md): they are edited in Camunda Modeler, so every
file must look like one the Modeler saved, and no code in the repository may write them.
"""

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
MODEL_DIRS = ("bpmn", "dmn", "forms")
NOT_SOURCE = {".venv", ".git", "node_modules", "target", "data"}
WRITES_FILE = re.compile(r"\.write_(?:text|bytes)\(|\bopen\([^)]*[\"'][wax]b?\+?[\"']|\bto_xml\(")
# the repository's model folders (anchored at the project root or this file), or a model file written next
# to a module; a test writing a model into its tmp_path names neither
NAMES_MODEL_DIR = re.compile(
    r"(?:ROOT|parents\[\d+\]|parent)\s*/\s*[\"'](?:bpmn|dmn|forms)[\"']"
    r"|[\"'](?:\.\./)*(?:bpmn|dmn|forms)/[^\"']*\.(?:bpmn|dmn|form)[\"']"
    r"|with_name\(\s*[\"'][^\"']+\.(?:bpmn|dmn|form)[\"']")
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


def _python_files() -> list[Path]:
    return [p for p in PROJECT_ROOT.rglob("*.py") if not NOT_SOURCE & set(p.relative_to(PROJECT_ROOT).parts)]


def test_no_code_in_the_repository_writes_the_models() -> None:
    """One source per diagram: a generator that writes bpmn/, dmn/ or forms/ would fork the Modeler's edits."""
    assert not (PROJECT_ROOT / "tools" / "models").exists(), "tools/README.md: the model files are the source"
    files = _python_files()
    assert any(p.name == "test_models.py" and p.parent.name == "static" for p in files)
    offenders = [str(p.relative_to(PROJECT_ROOT)) for p in files
                 if p != Path(__file__).resolve() and WRITES_FILE.search(text := p.read_text(encoding="utf-8")) and NAMES_MODEL_DIR.search(text)]
    assert not offenders, f"code that writes {'/'.join(MODEL_DIRS)} (edit the files in Camunda Modeler): {offenders}"


def test_the_generator_check_recognises_a_generator() -> None:
    generator = (
        'FORMS_DIR = Path(__file__).resolve().parents[2] / "forms"\n'
        'path = FORMS_DIR / "X.form"\npath.write_text(json.dumps(definition), encoding="utf-8")\n'
    )
    assert WRITES_FILE.search(generator) and NAMES_MODEL_DIR.search(generator)
    fixture = 'target = Path(__file__).with_name("RuntimeProbe.bpmn")\ntarget.write_text(p.to_xml())\n'
    assert WRITES_FILE.search(fixture) and NAMES_MODEL_DIR.search(fixture)
    reader = 'BPMN_FILES = sorted((PROJECT_ROOT / "bpmn").glob("*.bpmn"))\n'
    assert not WRITES_FILE.search(reader)
    scratch = '(root / "bpmn").mkdir()\n(root / "bpmn" / "Probe.bpmn").write_text(xml)\n'
    assert not NAMES_MODEL_DIR.search(scratch), "a test's own folder of models is not the repository's"


@pytest.mark.parametrize("path", BPMN_FILES + [PROJECT_ROOT / "tests" / "fixtures" / name
                                              for name in ("RuntimeProbe.bpmn", "ConflictProbe.bpmn")],
                         ids=lambda p: p.name)
def test_bpmn_is_saved_as_camunda_modeler_saves_it(path: Path) -> None:
    """Exporter attributes, and a shape with bounds for every node and an edge with waypoints for every flow."""
    root = ET.parse(path).getroot()
    assert root.get("exporter") == "Camunda Modeler" and root.get("exporterVersion"), path.name
    assert root.get(f"{MODELER}executionPlatform") == "Camunda Platform"
    assert root.get(f"{MODELER}executionPlatformVersion", "").startswith("7.24")
    shapes = {s.get("bpmnElement"): s for s in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge")}
    for element in root.iter():
        tag = element.tag.split("}")[1]
        if element.tag.split("}")[0][1:] != NS["bpmn"] or tag not in FLOW_NODE_TAGS:
            continue
        eid = element.get("id")
        if tag == "sequenceFlow":
            assert eid in edges, f"{path.name}: {eid} has no BPMNEdge"
            assert len(edges[eid].findall("{http://www.omg.org/spec/DD/20100524/DI}waypoint")) >= 2, eid
        else:
            assert eid in shapes, f"{path.name}: {eid} has no BPMNShape"
            assert shapes[eid].find("{http://www.omg.org/spec/DD/20100524/DC}Bounds") is not None, eid


@pytest.mark.parametrize("path", DMN_FILES, ids=lambda p: p.name)
def test_dmn_is_saved_as_camunda_modeler_saves_it(path: Path) -> None:
    root = ET.parse(path).getroot()
    assert root.get("exporter") == "Camunda Modeler" and root.get("exporterVersion"), path.name
    assert root.get(f"{MODELER}executionPlatform") == "Camunda Platform"
    assert root.get(f"{MODELER}executionPlatformVersion", "").startswith("7.24")
    shapes = {s.get("dmnElementRef") for s in root.iter(f"{{{NS['dmndi']}}}DMNShape")}
    decisions = root.findall("dmn:decision", NS)
    assert decisions
    for decision in decisions:
        assert decision.get("id") in shapes, f"{path.name}: {decision.get('id')} has no DMNShape"
        assert re.fullmatch(r"P\d+D|\d+", decision.get("{http://camunda.org/schema/1.0/dmn}historyTimeToLive", ""))


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
    assert form["executionPlatformVersion"].startswith("7.24")
    assert form.get("exporter", {}).get("name") == "Camunda Modeler", "the form is edited in Camunda Modeler"
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


def hidden_variables(path: Path, task_id: str) -> set[str]:
    """The names in the extension property `hiddenVariables` of a user task (TaskVariableScreenPlugin)."""
    task = ET.parse(path).getroot().find(f".//bpmn:userTask[@id='{task_id}']", NS)
    assert task is not None, task_id
    values = [p.get("value") for p in task.iter(f"{CAMUNDA}property") if p.get("name") == "hiddenVariables"]
    return {name.strip() for value in values for name in (value or "").split(",") if name.strip()}


def test_the_assisting_departments_task_hides_what_their_messages_leave_out() -> None:
    """Spec §18: what the notifications withhold from an assisting department (contact data, the
    documents carrying it) its Tasklist task does not show either; nothing in its form needs it."""
    from appeals.notify import CONTACT_VARIABLES
    from appeals.notify.attachments import ATTACHMENTS

    path = PROJECT_ROOT / "bpmn" / "EnterpriseAppeal.bpmn"
    form = json.loads((PROJECT_ROOT / "forms" / "AssistOpinionForm.form").read_text(encoding="utf-8"))
    shown = json.dumps(form, ensure_ascii=False)
    assisting = [(model, task.get("id")) for model in BPMN_FILES
                 for task in ET.parse(model).getroot().iter(f"{{{NS['bpmn']}}}userTask")
                 if task.get(f"{CAMUNDA}formRef") == "AssistOpinionForm"]
    assert {task_id for _, task_id in assisting} >= {"Task_ProvideAssistOpinion", "Task_ProvideCityAssistOpinion"}
    for model, task_id in assisting:  # the county's and the city's assisting departments alike
        hidden = hidden_variables(model, task_id)
        assert set(CONTACT_VARIABLES) | set(ATTACHMENTS["dispatched"]) | {"importNotes", "transferDocument"} <= hidden, \
            f"{model.name}: {task_id}"
        assert not [name for name in hidden if name in shown], "the assisting form shows a hidden variable"
    for task_id in ("Task_SignDispatch", "Task_HandleAppeal"):  # the lead department contacts the enterprise
        assert not hidden_variables(path, task_id) & set(CONTACT_VARIABLES), task_id


def test_the_engine_guards_filters_by_every_contact_variable() -> None:
    """VariableFilterGuardPlugin refuses department users' queries filtering by the contact data; its
    list is the notifications' CONTACT_VARIABLES (one rule, written in Java and in Python)."""
    from appeals.notify import CONTACT_VARIABLES

    java = next(PROJECT_ROOT.glob("engine/src/main/java/**/VariableFilterGuardPlugin.java")).read_text(encoding="utf-8")
    declared = re.search(r"GUARDED = Set\.of\(([^)]*)\)", java).group(1)
    assert set(re.findall(r'"(\w+)"', declared)) == {name.lower() for name in CONTACT_VARIABLES}


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


def test_every_decision_table_is_visible_in_the_model() -> None:
    """A table is evaluated by a business rule task, or the task whose worker evaluates it names it (docs/rules.md)."""
    decisions = {d.get("id") for path in DMN_FILES for d in ET.parse(path).getroot().findall("dmn:decision", NS)}
    called, named = set(), set()
    for path in BPMN_FILES:
        for element in ET.parse(path).getroot().iter():
            if element.tag == f"{{{NS['bpmn']}}}businessRuleTask":
                assert element.get(f"{CAMUNDA}decisionRef") in decisions, element.get("id")
                called.add(element.get(f"{CAMUNDA}decisionRef"))
            if element.tag == f"{{{NS['bpmn']}}}documentation":
                named |= {d for d in decisions if re.search(rf"\b{d}\b", element.text or "")}
    assert decisions <= called | named, f"tables nobody can see in a diagram: {decisions - called - named}"
    evaluating = sorted(str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "workers").rglob("*.py")
                        if ".evaluate_decision(" in p.read_text(encoding="utf-8"))
    assert evaluating == ["workers/appeals/deadlines.py"], "evaluate a table in the model (a business rule task)"


def test_the_engine_knows_the_technical_groups() -> None:
    """StartFormVariablesPlugin lets the technical users (workers, public pages) write variables and refuses
    every other user's writes outside a form; its groups are the org chart's WORKER_GROUP and PUBLIC_GROUP."""
    from appeals.org import PUBLIC_GROUP, WORKER_GROUP

    java = next(PROJECT_ROOT.glob("engine/src/main/java/**/StartFormVariablesPlugin.java")).read_text(encoding="utf-8")
    declared = re.search(r"TECHNICAL_GROUPS = Set\.of\(([^)]*)\)", java).group(1)
    assert set(re.findall(r'"([\w-]+)"', declared)) == {WORKER_GROUP, PUBLIC_GROUP}
