"""No filtering by the enterprise's contact data for users who may not read it (VariableFilterGuardPlugin,
docs/domain-notes.md "Who sees what"): an assisting department would otherwise learn a hidden phone number
piece by piece by filtering its own tasks with `contactPhone_like_%139%`. User by user over REST."""

from __future__ import annotations

import pytest

from appeals.camunda import CamundaError

from ..conftest import EngineHandle
from ..scenario import Appeal, approve, propose, register_and_accept, sign

PHONE = "13955557777"
LIKE = [{"name": "contactPhone", "operator": "like", "value": "%139%"}]


def _forbidden(call) -> str:
    with pytest.raises(CamundaError) as refused:
        call()
    assert refused.value.status == 403, refused.value.message
    assert "无权按以下变量筛选" in refused.value.message
    return refused.value.message


def test_a_department_cannot_filter_by_contact_data_and_the_office_can(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "VF-ASSIST", category="project", contactPhone=PHONE)
    register_and_accept(appeal)
    propose(appeal, "dept-development-reform", situation="multi", assisting=["dept-approval"])
    approve(appeal, "deputy-industry")
    sign(appeal, "reform-handler")
    task = appeal.task("Task_ProvideAssistOpinion", "approval-handler")
    assisting = appeal.user("approval-handler")

    message = _forbidden(lambda: assisting.get("/task", processVariables="contactPhone_like_%139%"))
    assert "contactPhone" in message
    _forbidden(lambda: assisting.post("/task", {"processVariables": LIKE}))
    _forbidden(lambda: assisting.post("/task", {"taskVariables": LIKE}))
    _forbidden(lambda: assisting.post("/task", {"caseInstanceVariables": LIKE}))
    _forbidden(lambda: assisting.post("/task", {"orQueries": [{"processVariables": LIKE}]}))
    _forbidden(lambda: assisting.post("/task", {"processVariables": [{**LIKE[0], "name": "CONTACTPHONE"}],
                                                "variableNamesIgnoreCase": True}))
    _forbidden(lambda: assisting.get("/task/count", processVariables="creditCode_like_%91%"))
    _forbidden(lambda: assisting.get("/history/task", processVariables="contactPhone_like_%139%"))
    _forbidden(lambda: assisting.get("/process-instance", variables="contactPhone_like_%139%"))
    _forbidden(lambda: assisting.get("/variable-instance", variableValues=f"contactPhone_eq_{PHONE}"))
    _forbidden(lambda: assisting.get("/history/variable-instance", variableName="contactPhone", variableValue=PHONE))
    _forbidden(lambda: assisting.get("/history/process-instance", variables="contactEmail_like_%"))

    # its own work, by the variables it may read, and Tasklist's saved filters keep working
    found = assisting.get("/task", processVariables="category_eq_project", processInstanceId=appeal.id)
    assert [t["id"] for t in found] == [task["id"]]
    filters = {f["name"]: f["id"] for f in assisting.get("/filter", resourceType="Task")}
    listed = assisting.post(f"/filter/{filters['本单位待办']}/list", {})
    assert task["id"] in [t["id"] for t in listed]
    _forbidden(lambda: assisting.post(f"/filter/{filters['本单位待办']}/list", {"processVariables": LIKE}))

    # the office reads the appeal whole, so it filters by it too
    office = appeal.user("office-clerk")
    by_phone = office.get("/process-instance", variables=f"contactPhone_eq_{PHONE}")
    assert [p["id"] for p in by_phone] == [appeal.id]
    assert task["id"] in [t["id"] for t in office.post("/task", {"processVariables": LIKE})]
    assert workers.admin.get("/task", processVariables=f"contactPhone_eq_{PHONE}")
