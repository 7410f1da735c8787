"""The way back to the city without the engine (handlers/city_rounds.py): a redelivered task repeats nothing,
and a round the county does not wait for is a modelling error. Against the real engine:
tests/engine/test_city_rounds.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from appeals.handlers.city_rounds import return_city_round, start_city_round
from appeals.runtime import ModelError, Task


class FakeCamunda:
    """Answers GETs from a table of path → rows and records every POST and correlation."""

    def __init__(self, answers: dict[str, list[dict[str, Any]]]) -> None:
        self.answers = answers
        self.posted: list[tuple[str, Any]] = []
        self.correlated: list[tuple[str, dict[str, Any]]] = []

    def get(self, path: str, **params: Any) -> list[dict[str, Any]]:
        return self.answers.get(path, [])

    def post(self, path: str, body: Any) -> Any:
        self.posted.append((path, body))
        return []

    def correlate(self, message: str, process_instance_id: str | None = None, **kwargs: Any) -> dict[str, Any]:
        self.correlated.append((message, {"processInstanceId": process_instance_id, **kwargs}))
        return {}


class FakeContext:
    def __init__(self, camunda: FakeCamunda) -> None:
        self.camunda = camunda


def _task(topic: str, **variables: Any) -> Task:
    return Task(id="t1", topic=topic, process_instance_id="county-1", business_key="BK", activity_id="Task_X",
                variables=variables)


def test_a_redelivered_start_finds_the_round_it_started() -> None:
    camunda = FakeCamunda({"/process-instance": [{"id": "round-1"}]})
    output = start_city_round(_task("startCityRound", cityRoundKind="rework", cityHandlerGroup="city-dept-land",
                                    cityHandlerGroupName="市自然资源局"), FakeContext(camunda))
    assert output == {"cityRoundCount": 1, "cityRoundProcessInstanceId": "round-1",
                      "cityHandlingDepartmentName": "市自然资源局", "cityHandlingDue": None}
    assert not camunda.posted, "no second instance"


def test_a_round_needs_the_city_department_and_a_known_kind() -> None:
    ctx = FakeContext(FakeCamunda({}))
    with pytest.raises(ModelError, match="cityHandlerGroup"):
        start_city_round(_task("startCityRound", cityRoundKind="rework"), ctx)
    with pytest.raises(ModelError, match="cityRoundKind"):
        start_city_round(_task("startCityRound", cityRoundKind="close", cityHandlerGroup="city-dept-land"), ctx)


def test_a_redelivered_return_repeats_nothing_and_an_unexpected_one_is_refused() -> None:
    task = _task("returnCityRound", cityRoundKind="rework", cityRoundKey="county-1#1",
                 roundCountyProcessInstanceId="county-1", resultClass="A", replyText="已重新答复")
    delivered = FakeCamunda({"/history/variable-instance": [{"value": "county-1#1"}]})
    assert "cityRoundReturnedAt" in return_city_round(task, FakeContext(delivered))
    assert not delivered.correlated
    elsewhere = FakeCamunda({"/history/variable-instance": [{"value": "county-1#0"}]})
    with pytest.raises(ModelError, match="does not wait"):
        return_city_round(task, FakeContext(elsewhere))


def test_a_waiting_county_gets_what_the_round_form_produced() -> None:
    camunda = FakeCamunda({"/execution": [{"id": "e1"}]})
    task = _task("returnCityRound", cityRoundKind="review_form", cityRoundKey="county-1#2",
                 roundCountyProcessInstanceId="county-1", reviewExplanation="须省级批准", departmentHeadName="王五",
                 headSigned=True, resultClass="B", handlerGroupName="市自然资源局")
    return_city_round(task, FakeContext(camunda))
    [(message, sent)] = camunda.correlated
    variables = sent["variables"]
    assert message == "CityRoundReturned" and sent["processInstanceId"] == "county-1"
    assert (variables["reviewExplanation"], variables["departmentHeadName"], variables["headSigned"]) == (
        "须省级批准", "王五", True)
    assert "resultClass" not in variables, "a review form does not change the reply"
    assert variables["cityRoundReturnedKey"] == "county-1#2"


def test_a_round_carries_the_documents_the_countys_follow_up_form_links() -> None:
    """Tester 4 F7: the city's rework form linked the Word 登记表 and 转报单 only, the county's 回访 form the PDF
    copies and the 办理情况反馈表 too. The round carries whichever of them the county's instance holds."""
    from appeals.camunda import CamundaError
    from appeals.handlers.city_rounds import ROUND_DOCUMENTS
    from appeals.org import DEMO_ORG, load

    held = {"transferDocument", "transferDocumentPdf", "registrationDocument", "registrationDocumentPdf",
            "handlingFeedbackDocument", "handlingFeedbackDocumentPdf"}
    assert held < set(ROUND_DOCUMENTS)
    forms = (Path(__file__).parents[2] / "forms" / "ReworkAppealForm.form").read_text(encoding="utf-8")
    assert all(f"/variables/{name}/data" in forms for name in ROUND_DOCUMENTS), "the round's form links each"

    class DocumentsCamunda(FakeCamunda):
        def get(self, path: str, **params: Any) -> Any:
            if "/variables/" not in path:
                return super().get(path, **params)
            if path.rsplit("/", 1)[1] not in held:
                raise CamundaError(404, "no such variable")
            return {"type": "File", "valueInfo": {"filename": "x", "mimeType": "application/x"}}

        def request(self, method: str, path: str) -> bytes:
            return b"content"

        def post(self, path: str, body: Any) -> Any:
            super().post(path, body)
            return [{"processInstance": {"id": "round-1"}}]

    chart = load(DEMO_ORG)
    camunda = DocumentsCamunda({})
    ctx = FakeContext(camunda)
    ctx.org_chart = lambda tenant=None: chart.for_tenant(tenant) if tenant else chart  # type: ignore[attr-defined]
    output = start_city_round(_task("startCityRound", cityRoundKind="rework", cityHandlerGroup="city-dept-land"), ctx)
    assert output["cityRoundProcessInstanceId"] == "round-1"
    sent = camunda.posted[0][1]["processVariables"]
    assert {name for name in ROUND_DOCUMENTS if name in sent} == held
