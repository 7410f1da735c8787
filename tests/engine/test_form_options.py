"""A field with fixed options takes only one of them (FormTextPlugin, StartFormVariablesPlugin,
docs/input-rules.md, tester 5 F5): completing a task or starting a process with a select, radio or checklist
value that is not among the field's options (static `values` of the form) is refused with HTTP 400 and a
Chinese message naming the field and its options, on REST's complete and submit-form alike; the task stays
open, nothing is started. The fields are read from forms/*.form here, so a new option field is covered."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import pytest

from appeals.camunda import Camunda, CamundaError, to_variables
from appeals.demo import DEMO_APPEALS

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, dispatch_to, register_and_accept

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms"
OPTION_TYPES = {"select", "radio", "checklist"}
BOGUS = "<b>bogus</b>"


def _components(node: dict[str, Any], hidden: bool = False) -> Iterator[tuple[dict[str, Any], bool]]:
    for component in node.get("components", []):
        conditional = hidden or bool((component.get("conditional") or {}).get("hide"))
        yield component, conditional
        yield from _components(component, conditional)


def option_fields(form: Path) -> list[dict[str, Any]]:
    """The editable fields of `form` with static options: key, type, label, options, required, conditional."""
    found = []
    for component, conditional in _components(json.loads(form.read_text(encoding="utf-8"))):
        if (component.get("type") in OPTION_TYPES and component.get("values") and component.get("key")
                and not component.get("valuesKey") and not component.get("valuesExpression")
                and not component.get("disabled") and not component.get("readonly")):
            found.append({"key": component["key"], "type": component["type"], "label": component.get("label", ""),
                          "options": [v["value"] for v in component["values"]],
                          "required": bool((component.get("validate") or {}).get("required")),
                          "conditional": conditional})
    return found


OPTION_FORMS = {form.stem: fields for form in sorted(FORMS.glob("*.form")) if (fields := option_fields(form))}


def start_forms() -> dict[str, str]:
    """Process key → the form of its start event, from bpmn/*.bpmn."""
    found = {}
    for model in sorted((ROOT / "bpmn").glob("*.bpmn")):
        text = model.read_text(encoding="utf-8")
        for process in re.finditer(r'<bpmn:process id="([^"]+)".*?</bpmn:process>', text, re.S):
            start = re.search(r'<bpmn:startEvent [^>]*camunda:formRef="([^"]+)"', process.group(0))
            if start:
                found[process.group(1)] = start.group(1)
    return found


def _probe_model() -> str:
    """One process with a user task per form that has option fields, all open at once (admin's)."""
    tasks, flows = [], []
    for index, form in enumerate(OPTION_FORMS):
        tasks.append(f'<bpmn:userTask id="Task_{form}" name={quoteattr(form)} camunda:formRef="{form}" '
                     'camunda:formRefBinding="deployment" camunda:assignee="admin" />')
        flows.append(f'<bpmn:sequenceFlow id="In_{index}" sourceRef="Fork" targetRef="Task_{form}" />'
                     f'<bpmn:sequenceFlow id="Out_{index}" sourceRef="Task_{form}" targetRef="End_{index}" />'
                     f'<bpmn:endEvent id="End_{index}" />')
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Probe" targetNamespace="http://appeals.test">'
            '<bpmn:process id="FormOptionProbe" isExecutable="true" camunda:historyTimeToLive="P1D">'
            '<bpmn:startEvent id="Start" /><bpmn:sequenceFlow id="ToFork" sourceRef="Start" targetRef="Fork" />'
            '<bpmn:parallelGateway id="Fork" />' + "".join(tasks) + "".join(flows) +
            "</bpmn:process></bpmn:definitions>")


@pytest.fixture(scope="module")
def probe(deployed: EngineHandle) -> Iterator[dict[str, str]]:
    """A throwaway deployment of the forms with option fields and FormOptionProbe, started once:
    form → its open task's id (the admin's). Deleted afterwards."""
    admin = deployed.admin
    resources = [(f"{form}.form", (FORMS / f"{form}.form").read_bytes()) for form in OPTION_FORMS]
    resources.append(("FormOptionProbe.bpmn", _probe_model().encode()))
    deployment = admin.deploy("form-option-probe", resources, changed_only=False)
    try:
        instance = admin.post("/process-definition/key/FormOptionProbe/start", {})
        tasks = admin.tasks(processInstanceId=instance["id"])
        yield {task["name"]: task["id"] for task in tasks}
    finally:
        admin.delete(f"/deployment/{deployment['id']}?cascade=true")


def _refused(attempt) -> str:
    with pytest.raises(CamundaError) as refused:
        attempt()
    assert refused.value.status == 400, refused.value
    return refused.value.message


def _checklist(value: Any) -> Any:
    return {"value": json.dumps(value), "type": "Json"}


def test_the_message_names_the_options_by_their_labels(probe: dict[str, str], deployed: EngineHandle) -> None:
    """Not the engine's ENGINE-02004 (HTTP 500) of a gateway without a matching flow (tester 5 F5).
    Runs before the next test completes the probe's tasks."""
    form = json.loads((FORMS / "VerifyAppealForm.form").read_text(encoding="utf-8"))
    scope = next(c for c, _ in _components(form) if c.get("key") == "scopeDecision")
    message = _refused(lambda: deployed.admin.post(f"/task/{probe['VerifyAppealForm']}/submit-form", {
        "variables": {"scopeDecision": {"value": "whatever"}}}))
    assert message.startswith(f"“{scope['label']}”的值“whatever”不是可选项（可选："), message
    for option in scope["values"]:
        assert option["label"] in message


def number_fields(form: Path) -> list[dict[str, Any]]:
    """The editable number fields of `form` with their `validate` limits."""
    return [{"key": c["key"], "label": c.get("label", ""), **(c.get("validate") or {})}
            for c, _ in _components(json.loads(form.read_text(encoding="utf-8")))
            if c.get("type") == "number" and c.get("key") and not c.get("disabled") and not c.get("readonly")]


NUMBER_FORMS = {form.stem: fields for form in sorted(FORMS.glob("*.form")) if (fields := number_fields(form))}


def test_every_number_field_refuses_a_number_beyond_its_limits(probe: dict[str, str], deployed: EngineHandle) -> None:
    """Tester 6, N4: `extensionDays=1000` over REST was stored and shown as “申请延长：1000 个工作日”, though
    Tasklist refuses it (“不能大于20。”). Every number field of every form, both REST channels: 400 in
    Chinese, the task stays open. Runs before the next test completes the probe's tasks."""
    admin = deployed.admin
    assert NUMBER_FORMS, "the forms' number fields were found"
    assert set(NUMBER_FORMS) <= set(probe), "every form with a number field is deployed by the probe"
    for form, fields in NUMBER_FORMS.items():
        task = probe[form]
        for field in fields:
            bad = [({"value": "1e1"}, "应填数字"), ({"value": True, "type": "Boolean"}, "应填数字")]
            if "max" in field:
                bad += [({"value": field["max"] + 1, "type": "Integer"}, f"不能大于{field['max']}"),
                        ({"value": field["max"] * 50, "type": "Long"}, f"不能大于{field['max']}"),
                        ({"value": f"{field['max'] + 1}天"}, f"不能大于{field['max']}")]
            if "min" in field:
                bad.append(({"value": field["min"] - 0.5, "type": "Double"}, f"不能小于{field['min']}"))
            for value, expected in bad:
                for path in ("complete", "submit-form"):
                    message = _refused(lambda path=path, body={"variables": {field["key"]: value}}, task=task:
                                       admin.post(f"/task/{task}/{path}", body))
                    assert message.startswith(f"“{field['label']}”") and expected in message, (form, value, message)
                    assert "Cannot" not in message, message
        assert admin.get(f"/task/{task}")["id"] == task, "the task stays open"


def test_every_option_field_refuses_a_value_not_among_its_options(probe: dict[str, str], deployed: EngineHandle) -> None:
    admin = deployed.admin
    assert len(OPTION_FORMS) >= 15, "the forms' option fields were found"
    for form, fields in OPTION_FORMS.items():
        task = probe[form]
        for field in fields:
            bad = [_checklist([field["options"][0], BOGUS])] if field["type"] == "checklist" else [
                {"value": BOGUS}, {"value": field["options"][0].upper() + " "}, {"value": 1, "type": "Integer"}]
            if field["required"] and not field["conditional"]:
                bad.append({"value": None})
            for value in bad:
                for path in ("complete", "submit-form"):
                    message = _refused(lambda path=path, body={"variables": {field["key"]: value}}, task=task:
                                       admin.post(f"/task/{task}/{path}", body))
                    assert f"“{field['label']}”" in message, (form, field["key"], message)
                    assert "只能从表单给出的选项中选择" in message and "Cannot" not in message, message
        assert admin.get(f"/task/{task}")["id"] == task, "the task stays open"
        # every field at one of its options: completed
        good = {f["key"]: _checklist(f["options"][:1]) if f["type"] == "checklist" else {"value": f["options"][-1]}
                for f in fields}
        admin.post(f"/task/{task}/submit-form", {"variables": good})
        with pytest.raises(CamundaError):
            admin.get(f"/task/{task}")


def test_the_office_cannot_store_a_category_outside_the_list(workers: EngineHandle) -> None:
    """Tester 5's steps: 核实诉求并判定受理范围 over REST with category “<b>tax</b>” (was 204, stored) and
    scopeDecision “whatever” (was HTTP 500 with Camunda's English ENGINE-02004)."""
    appeal = Appeal.start(workers, "FO-VERIFY")
    task = appeal.task("Task_VerifyAppeal", "office-clerk")
    office = appeal.user("office-clerk")
    office.claim(task["id"], "office-clerk")
    for variables in ({"scopeDecision": "accept", "category": "<b>tax</b>"}, {"scopeDecision": "whatever"},
                      {"scopeDecision": "accept", "category": "industry"}):
        message = _refused(lambda variables=variables: office.post(f"/task/{task['id']}/submit-form", {
            "variables": to_variables({"verifyNote": "已核实", **variables})}))
        assert "不是可选项" in message and "ENGINE" not in message, message
    assert appeal.task("Task_VerifyAppeal", "office-clerk")["id"] == task["id"], "the task stays open"
    assert appeal.variables()["category"] == DEMO_APPEALS[0]["category"], "nothing of the call is kept"
    office.post(f"/task/{task['id']}/submit-form", {"variables": to_variables(
        {"verifyNote": "已核实", "scopeDecision": "accept", "category": "policy"})})
    appeal.task("Task_ProposeDispatch", "office-clerk")
    assert appeal.variables()["category"] == "policy"


@pytest.mark.parametrize("process", sorted(start_forms()))
def test_a_start_forms_option_fields_take_only_their_options(workers: EngineHandle, process: str) -> None:
    """Every start form (bpmn/*.bpmn start events with camunda:formRef), every option field, both REST
    starts (Tasklist's 发起流程 is submit-form): 400, nothing started."""
    fields = OPTION_FORMS.get(start_forms()[process], [])
    clerk: Camunda = workers.client("office-clerk")
    base = DEMO_APPEALS[0] if process == "EnterpriseAppeal" else {}
    for field in fields:
        for path in ("start", "submit-form"):
            key = f"FO-{process}-{field['key']}-{path}"
            body = {"businessKey": key, "variables": {**to_variables(base), field["key"]: {"value": BOGUS}}}
            message = _refused(lambda path=path, body=body: clerk.post(
                f"/process-definition/key/{process}/{path}", body))
            assert f"“{field['label']}”的值“{BOGUS}”不是可选项" in message, message
            assert workers.admin.get("/process-instance/count", businessKey=key)["count"] == 0
    if process == "EnterpriseAppeal":
        # the form's own options: started and registered as before
        started = clerk.post("/process-definition/key/EnterpriseAppeal/submit-form", {
            "businessKey": "FO-START-OK", "variables": to_variables({**base, "category": "land"})})
        appeal = Appeal(workers, started["id"])
        wait_for(lambda: appeal.variables().get("registrationNumber"), message="registered")
        assert appeal.variables()["category"] == "land"


def test_an_extension_of_1000_days_is_refused_and_20_is_taken(workers: EngineHandle) -> None:
    """Tester 6's steps for N4, as the department's handler over REST."""
    appeal = Appeal.start(workers, "FO-EXT-1000")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    task = appeal.task("Task_HandleAppeal", "industry-handler")
    handler = appeal.user("industry-handler")
    handler.claim(task["id"], "industry-handler")
    message = _refused(lambda: handler.post(f"/task/{task['id']}/submit-form", {"variables": to_variables(
        {"handlingAction": "extension", "extensionDays": 1000, "extensionReason": "需等待省级政策答复"})}))
    assert message == "“申请延长工作日数”不能大于20（现为“1000”）", message
    assert "extensionDays" not in appeal.variables(), "nothing of the call is kept"
    # a text's maxLength alike, counted in characters of the trimmed text (an emoji is one)
    for text, expected in (("答" * 5001, "（现为5001字）"), ("😀" * 5001, "（现为5001字）")):
        message = _refused(lambda text=text: handler.post(f"/task/{task['id']}/complete", {"variables": to_variables(
            {"handlingAction": "report", "resultClass": "A", "replyText": text, "replyMethod": "written"})}))
        assert message == "“答复企业内容（面复或书面答复）”不能超过5000字" + expected, message
    handler.post(f"/task/{task['id']}/submit-form", {"variables": to_variables(
        {"handlingAction": "extension", "extensionDays": 20, "extensionReason": "需等待省级政策答复"})})
    appeal.task("Task_ApproveExtension", "office-clerk")
    assert appeal.variables()["extensionDays"] == 20


def test_a_label_sent_instead_of_its_code_is_named_as_such(workers: EngineHandle) -> None:
    """Tester 6, N5: “用地审批” was refused with a list of labels that named it as allowed."""
    appeal = Appeal.start(workers, "FO-LABEL")
    task = appeal.task("Task_VerifyAppeal", "office-clerk")
    office = appeal.user("office-clerk")
    office.claim(task["id"], "office-clerk")
    message = _refused(lambda: office.post(f"/task/{task['id']}/submit-form", {"variables": to_variables(
        {"verifyNote": "已核实", "scopeDecision": "accept", "category": "用地审批"})}))
    assert message.startswith("“问题类别”应填选项代码：“用地审批”请填 land（可选："), message
    assert "land（用地审批）" in message and "policy（" in message, message
    # a start alike (Tasklist's 发起流程 is submit-form)
    message = _refused(lambda: office.post("/process-definition/key/EnterpriseAppeal/submit-form", {
        "businessKey": "FO-LABEL-START", "variables": to_variables({**DEMO_APPEALS[0], "appealKind": "求助"})}))
    assert "“诉求类型”应填选项代码：“求助”请填 help（可选：consultation（咨询）、help（求助）" in message, message


def _at_proposal(workers: EngineHandle, key: str) -> tuple[Appeal, dict[str, Any], Camunda]:
    appeal = Appeal.start(workers, key)
    register_and_accept(appeal)
    task = appeal.task("Task_ProposeDispatch", "office-clerk")
    office = appeal.user("office-clerk")
    office.claim(task["id"], "office-clerk")
    return appeal, task, office


def _proposal(lead: str, assisting: list[str]) -> dict[str, Any]:
    return {"variables": {**to_variables({"leadDepartment": lead, "dispatchSituation": "single",
                                          "dispatchNote": "建议交办"}),
                          "assistingDepartments": _checklist(assisting)}}


def test_a_lead_department_outside_the_chart_is_refused(workers: EngineHandle) -> None:
    """Tester 6, N1 (a): `leadDepartment="dept-land"` over REST was taken (204), and the dispatch subprocess
    ended. The options of 牵头承办单位 and 配合办理单位 come from `departmentOptions` (form-js valuesKey);
    every channel checks them: 400, the task stays open."""
    appeal, task, office = _at_proposal(workers, "FO-LEAD")
    options = {o["value"]: o["label"] for o in appeal.variables()["departmentOptions"]}
    for path in ("submit-form", "complete"):
        for lead, assisting, expected in (
                ("dept-land", [], "“牵头承办单位”的值“dept-land”不是可选项"),
                ("dept-industry", ["dept-natural-resources", "dept-land"], "“配合办理单位”的值“dept-land”不是可选项"),
                (options["dept-natural-resources"], [],
                 f"“牵头承办单位”应填选项代码：“{options['dept-natural-resources']}”请填 dept-natural-resources")):
            body = _proposal(lead, assisting)
            message = _refused(lambda path=path, body=body: office.post(f"/task/{task['id']}/{path}", body))
            assert message.startswith(expected), message
            assert "dept-natural-resources（" in message and "只能从表单给出的选项中选择" in message, message
    assert appeal.task("Task_ProposeDispatch", "office-clerk")["id"] == task["id"], "the task stays open"
    office.post(f"/task/{task['id']}/submit-form", _proposal("dept-natural-resources", ["dept-industry"]))
    appeal.task("Task_ApproveDispatch", "office-director")
    assert appeal.variables()["assistingDepartments"] == ["dept-industry"]


def test_a_lead_department_gone_from_the_chart_comes_back_to_the_proposal(workers: EngineHandle) -> None:
    """Tester 6, N1 (b): a department removed from the org chart after the options were loaded still
    passes the form (it is among the task's options); resolveApprover's Err_InvalidLead now goes back to
    拟定交办意见 with the reason on the form (`leadRefusal`), never ends 交办和办理. The next proposal clears it."""
    appeal, task, office = _at_proposal(workers, "FO-LEAD-GONE")
    options = appeal.variables()["departmentOptions"]
    # what an org sync that removed 县土地局 leaves behind: the option loaded before (the admin may write it)
    workers.admin.put(f"/process-instance/{appeal.id}/variables/departmentOptions", {
        "value": json.dumps([*options, {"label": "县土地局", "value": "dept-land"}]), "type": "Json"})
    office.post(f"/task/{task['id']}/submit-form", _proposal("dept-land", []))
    again = wait_for(lambda: [t for t in office.tasks(processInstanceId=appeal.id, taskDefinitionKey="Task_ProposeDispatch")
                              if t["id"] != task["id"]], message="back at 拟定交办意见")[0]
    variables = appeal.variables()
    assert variables["leadRefusal"].startswith("牵头单位“dept-land”不在组织架构中"), variables["leadRefusal"]
    assert variables["appealStatus"] != "result_reported" and not appeal.incidents()
    assert "Task_ProposeDispatch" in appeal.waiting_at(), appeal.waiting_at()
    office.claim(again["id"], "office-clerk")
    office.post(f"/task/{again['id']}/submit-form", _proposal("dept-natural-resources", []))
    appeal.task("Task_ApproveDispatch", "office-director")
    assert appeal.variables().get("leadRefusal") is None
