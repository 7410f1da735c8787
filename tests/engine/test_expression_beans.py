"""Expressions in a deployed model see no Spring bean (ExpressionBeansPlugin): a BPMN expression or a JUEL
DMN expression naming `jdbcTemplate`, `dataSource` or the engine's configuration fails as an unknown name, and
the process does not start; the engine's own names and functions (`execution`, `now()`) still work. Our own
models run on the same engine throughout the suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from appeals.camunda import Camunda, CamundaError

from ..conftest import EngineHandle

BEANS = ("jdbcTemplate", "dataSource", "runtimeService")  # each resolved before (Camunda's Spring default)

_BPMN = ('<?xml version="1.0" encoding="UTF-8"?>'
         '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
         'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Probe_{key}" targetNamespace="http://appeals.test">'
         '<bpmn:process id="{key}" isExecutable="true" camunda:historyTimeToLive="P1D">'
         '<bpmn:startEvent id="Start" /><bpmn:sequenceFlow id="ToEval" sourceRef="Start" targetRef="Eval" />'
         '<bpmn:serviceTask id="Eval" camunda:expression="{expression}" camunda:resultVariable="result" />'
         '<bpmn:sequenceFlow id="ToWait" sourceRef="Eval" targetRef="Wait" />'
         '<bpmn:userTask id="Wait" camunda:assignee="admin" />'
         '<bpmn:sequenceFlow id="ToEnd" sourceRef="Wait" targetRef="End" /><bpmn:endEvent id="End" />'
         '</bpmn:process></bpmn:definitions>')

_DMN = ('<?xml version="1.0" encoding="UTF-8"?>'
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="ProbeDecisions" name="probe" '
        'namespace="http://appeals.test">'
        '<decision id="BeanProbe" name="probe"><decisionTable id="Table" hitPolicy="FIRST">'
        '<input id="In" label="in"><inputExpression id="InExpr" typeRef="string" expressionLanguage="juel">'
        '<text>${{{name}.toString()}}</text></inputExpression></input>'
        '<output id="Out" name="out" typeRef="string" />'
        '<rule id="Rule"><inputEntry id="Entry"><text></text></inputEntry>'
        '<outputEntry id="OutEntry"><text>"seen"</text></outputEntry></rule>'
        '</decisionTable></decision></definitions>')


def _key(name: str) -> str:
    return f"BeanProbe_{name}"


@pytest.fixture(scope="module")
def probes(deployed: EngineHandle) -> Iterator[Camunda]:
    """One throwaway deployment (the administrator's): per bean a process whose service task evaluates
    `${<bean>.getClass().getName()}`, a process evaluating the engine's own `now()` and `execution`, and a JUEL decision table."""
    admin = deployed.admin
    resources = [(f"{_key(name)}.bpmn", _BPMN.format(key=_key(name), expression=f"${{{name}.getClass().getName()}}").encode())
                 for name in BEANS]
    resources.append(("BeanProbe_engine.bpmn", _BPMN.format(
        key="BeanProbe_engine", expression="${execution.processBusinessKey.concat(now().toString())}").encode()))
    resources.append(("BeanProbe.dmn", _DMN.format(name="jdbcTemplate").encode()))
    deployment = admin.deploy("bean-probe", resources, changed_only=False)
    try:
        yield admin
    finally:
        admin.delete(f"/deployment/{deployment['id']}?cascade=true")


@pytest.mark.parametrize("name", BEANS)
def test_an_expression_naming_a_spring_bean_fails_and_starts_nothing(probes: Camunda, name: str) -> None:
    before = probes.get("/process-instance/count", processDefinitionKey=_key(name))["count"]
    with pytest.raises(CamundaError) as refused:
        probes.post(f"/process-definition/key/{_key(name)}/start", {})
    assert refused.value.status in (400, 500), refused.value
    assert "Cannot resolve identifier" in refused.value.message and name in refused.value.message, refused.value
    assert probes.get("/process-instance/count", processDefinitionKey=_key(name))["count"] == before


def test_a_juel_decision_naming_a_spring_bean_fails(probes: Camunda) -> None:
    with pytest.raises(CamundaError) as refused:
        probes.post("/decision-definition/key/BeanProbe/evaluate", {"variables": {}})
    assert refused.value.status == 500 and "Cannot evaluate decision" in refused.value.message, refused.value
    # the same table with a variable of that name evaluates: only the bean was missing
    given = {"variables": {"jdbcTemplate": {"value": "a variable", "type": "String"}}}
    assert probes.post("/decision-definition/key/BeanProbe/evaluate", given) == [
        {"out": {"type": "String", "value": "seen", "valueInfo": {}}}]


def test_the_engines_own_names_and_functions_still_resolve(probes: Camunda) -> None:
    instance = probes.post("/process-definition/key/BeanProbe_engine/start", {"businessKey": "probe-"})
    result = probes.get(f"/process-instance/{instance['id']}/variables/result")["value"]
    assert result.startswith("probe-") and len(result) > len("probe-")
