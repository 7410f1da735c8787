"""What a department reads over REST of an appeal it works on, user by user (spec §18): the lead
department contacts the enterprise and reads its contact data and the documents that carry it; an
assisting department (配合单位) gives its opinion to the lead and reads the appeal's matter, not the
enterprise's contact person, phone, e-mail or credit code (bpmn hiddenVariables, TaskVariableScreenPlugin)."""

from __future__ import annotations

import json

import pytest

from appeals.camunda import CamundaError

from ..conftest import EngineHandle
from ..scenario import Appeal, approve, propose, register_and_accept, sign

CONTACT = {"contactName": "钱经理", "contactPosition": "副总经理", "contactPhone": "13955556666",
           "contactEmail": "qian@example.com", "creditCode": "91140525MA0K2U7X4L"}


def readable(client, task_id: str, process_instance_id: str) -> str:
    """Everything `client` reads of the appeal through its task and the variable and history queries."""
    seen = [client.get(f"/task/{task_id}/variables", deserializeValues="false"),
            client.get(f"/task/{task_id}/form-variables", deserializeValues="false"),
            client.get("/variable-instance", processInstanceIdIn=process_instance_id, deserializeValues="false"),
            client.get("/history/variable-instance", processInstanceId=process_instance_id, deserializeValues="false"),
            client.get("/history/detail", processInstanceId=process_instance_id)]
    return json.dumps(seen, ensure_ascii=False)


def test_the_lead_reads_the_enterprises_contact_and_an_assisting_department_does_not(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "VA-ASSIST", category="project", **CONTACT)
    register_and_accept(appeal)
    propose(appeal, "dept-development-reform", situation="multi", assisting=["dept-approval"])
    approve(appeal, "deputy-industry")

    lead_task = appeal.task("Task_SignDispatch", "reform-handler")
    lead = appeal.user("reform-handler")
    lead_sees = lead.get(f"/task/{lead_task['id']}/form-variables", deserializeValues="false")
    assert {name: lead_sees[name]["value"] for name in CONTACT} == CONTACT
    assert lead_sees["registrationDocument"]["type"] == "File"
    assert "registrationDocument" in lead_sees["taskDocuments"]["value"]
    sign(appeal, "reform-handler")

    task = appeal.task("Task_ProvideAssistOpinion", "approval-handler")
    assisting = appeal.user("approval-handler")
    shown = assisting.get(f"/task/{task['id']}/form-variables", deserializeValues="false")
    # what it needs for its opinion
    assert shown["problemDescription"]["value"] and shown["requestedHelp"]["value"]
    assert shown["enterpriseName"]["value"] and shown["leadDepartmentName"]["value"] == "县发改局"
    # not the enterprise's contact, nor the documents carrying it, by any read it may make
    for name in (*CONTACT, "registrationDocument", "dispatchDocument"):
        assert shown[name]["value"] is None, name
        assert assisting.get(f"/task/{task['id']}/variables/{name}")["value"] is None, name
    assert not shown["taskDocuments"]["value"]
    everything = readable(assisting, task["id"], appeal.id)
    assert not [value for value in CONTACT.values() if value in everything], "an assisting department read contact data"
    for forbidden in (f"/process-instance/{appeal.id}/variables", f"/process-instance/{appeal.id}/variables/contactPhone"):
        with pytest.raises(CamundaError) as refused:
            assisting.get(forbidden)
        assert refused.value.status in (403, 404)
    assisting.claim(task["id"], "approval-handler")
    assisting.complete_task(task["id"], {"assistOpinion": "审批手续可并联办理"})

    handle = appeal.task("Task_HandleAppeal", "reform-handler")
    assert lead.get(f"/task/{handle['id']}/variables/contactPhone")["value"] == CONTACT["contactPhone"]
    assert {name: appeal.variables()[name] for name in CONTACT} == CONTACT
