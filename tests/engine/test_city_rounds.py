"""The way back to the city (issue 19, domain §12, docs/city-level.md): a transferred appeal whose enterprise
is dissatisfied at the county's follow-up goes back to the city department that handled it — in a new
CityAppeal instance of tenant `city`, under the city's deadlines — and the city's new result comes back to
the county's appeal, which follows up again; after the last round the city department fills the review form
and does the special supervision. The county's staff, and the other county's, never see the city's round."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from docx import Document
from sqlalchemy import select

from appeals.db import engine_for
from appeals.db.ledger_models import LedgerAppeal
from appeals.deploy import deploy
from appeals.ledger.city import city_figures
from appeals.settings import PROJECT_ROOT
from appeals.workdays import SHANGHAI

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, approve, follow_up, propose, register_and_accept, report
from .test_city import city_instance_of, escalated_to_city, handled_at_city
from .test_diagram_migration import _models
from .test_tenancy import invisible_to, refused_to

A = LedgerAppeal.__table__
BEFORE = Path(__file__).resolve().parents[1] / "fixtures" / "EnterpriseAppeal-before-city-rounds.bpmn"
"""EnterpriseAppeal as it was before the way back to the city: the rework of a direct transfer in the
county's process, for `handlerGroup` = city-center."""


def city_round_of(workers: EngineHandle, county: Appeal, count: int) -> Appeal:
    """The `count`-th CityAppeal round the county appeal's follow-up started (exactly one)."""
    found = wait_for(lambda: workers.admin.get("/process-instance", processDefinitionKey="CityAppeal",
                                               variables=f"cityRoundKey_eq_{county.id}#{count}"),
                     message=f"the city's round {count} (county at {county.waiting_at()})")
    assert len(found) == 1
    return Appeal(workers, found[0]["id"])


def ledger_row(workers: EngineHandle, appeal: Appeal) -> dict:
    with engine_for(workers.settings.ledger_url).connect() as conn:
        rows = conn.execute(select(A).where(A.c.process_instance_id == appeal.id)).mappings().all()
    return dict(rows[0]) if rows else {}


def test_a_dissatisfied_enterprise_sends_the_rework_of_an_escalated_appeal_back_to_the_city(
        workers: EngineHandle) -> None:
    county, city = escalated_to_city(workers, "CITY-REWORK")
    city_number = city.variables()["registrationNumber"]
    handled_at_city(city, "市里统筹调剂用地指标，已书面答复企业")
    county.task("Task_HandleAppeal", "land-handler")
    report(county, "land-handler", "A")
    follow_up(county, satisfaction="dissatisfied", solved="no")

    # the rework goes to the city department that handled it, in a new CityAppeal instance of tenant city
    rework = city_round_of(workers, county, 1)
    assert workers.admin.get(f"/process-instance/{rework.id}")["tenantId"] == "city"
    task = rework.task("Task_ReworkCityAppeal", "city-land-handler")
    assert task["due"], "under the city's deadline (AppealDeadlines rework)"
    wait_for(lambda: county.waiting_at() == ["Event_CityRoundReturned"], message="the county waiting for the city")
    variables = rework.variables()
    assert variables["registrationNumber"] == city_number, "the city's own number"
    assert variables["countyRegistrationNumber"] == county.variables()["registrationNumber"]
    assert (variables["cityRoundKind"], variables["handlingRound"]) == ("rework", 2)
    assert variables["followUpNote"] == "电话回访企业" and variables["categoryLabel"] == "用地审批"
    # not in the county's process: no task of the county's instance for the city center or anyone
    assert not county.tasks_of("admin") and not county.tasks_of("city-officer")
    # the county's staff and the other county's neither see nor work it; the city's office sees it
    for user in ("land-handler", "office-clerk", "yx-office-clerk", "yx-land-handler"):
        refused_to(rework, user, "Task_ReworkCityAppeal")
    for user in ("office-clerk", "yx-office-clerk", "yx-county-head"):
        invisible_to(rework, user)
    assert rework.user("city-officer").get("/process-instance", processInstanceIds=rework.id)
    # the city's comparison counts the transfer once: a round is no new transfer
    today = dt.datetime.now(SHANGHAI)
    lines = {line.county: line for line in city_figures(workers.admin, today - dt.timedelta(days=1),
                                                          today + dt.timedelta(days=1))}
    assert city.id in lines["某县"].transferred and rework.id not in lines["某县"].transferred

    rework.complete("Task_ReworkCityAppeal", "city-land-handler", revisedResultClass="A",
                    revisedReplyText="市自然资源局重新协调，指标已下达，已再次书面答复企业")
    rework.wait_until_ended()

    # back in the county: it follows up again, satisfied, 销号
    county.task("Task_FollowUp", "office-clerk")
    again = county.variables()
    assert again["replyText"] == "市自然资源局重新协调，指标已下达，已再次书面答复企业"
    assert again["cityRoundHandlerGroupName"] == "市自然资源局" and again["handlingRound"] == 2
    follow_up(county)
    county.wait_until_ended()
    assert county.variables_history("appealStatus") == "closed"
    visited = {a["activityId"] for a in workers.admin.get("/history/activity-instance", processInstanceId=county.id)}
    assert "Task_SendFollowUpToCity" in visited and "Task_ReworkAppeal" not in visited

    # the county's ledger counts the rework round as for a county-only rework
    def closed() -> dict:
        row = ledger_row(workers, county)
        return row if row.get("status") == "closed" else {}
    row = wait_for(closed, message="the appeal closed in the ledger")
    assert (row["follow_up_rounds"], row["handling_round"], row["county"]) == (2, 2, "mouxian")


def test_after_the_last_round_the_city_department_fills_the_review_form_and_is_supervised(
        workers: EngineHandle) -> None:
    """A direct transfer (转报市级): dissatisfied twice → the city department's review form → the county
    office's review → special supervision by the city department → follow-up → 销号."""
    county = Appeal.start(workers, "CITY-REVIEW", category="land")
    register_and_accept(county)
    propose(county, "dept-natural-resources", situation="city")
    approve(county, "county-head", comment="超出县级权限，同意转报市级")
    handled_at_city(city_instance_of(workers, county), "市里统筹调剂用地指标，已书面答复企业")
    follow_up(county, satisfaction="dissatisfied", solved="no")

    rework = city_round_of(workers, county, 1)
    rework.complete("Task_ReworkCityAppeal", "city-land-handler", revisedResultClass="B", revisedReplyText="正在协调，分步解决")
    follow_up(county, satisfaction="dissatisfied", solved="no")

    # after two rounds: the city department fills the 不满意诉求审核反馈表, the county office reviews
    review = city_round_of(workers, county, 2)
    assert review.variables()["cityRoundKind"] == "review_form"
    refused_to(review, "yx-office-clerk", "Task_FillCityDissatisfactionReview")
    review.complete("Task_FillCityDissatisfactionReview", "city-land-handler",
                    reviewExplanation="指标调剂须省级批准，已向企业说明", departmentHeadName="王五", headSigned=True)
    county.task("Task_ReviewDissatisfaction", "office-clerk")
    assert county.variables()["reviewExplanation"] == "指标调剂须省级批准，已向企业说明"
    typed = workers.admin.get(f"/process-instance/{county.id}/variables/dissatisfactionReviewDocument",
                              deserializeValue="false")
    assert typed["type"] == "File", "the county renders the city department's review form"
    data = workers.admin.request("GET", f"/process-instance/{county.id}/variables/dissatisfactionReviewDocument/data")
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "填报单位（盖章）：市自然资源局" in text.replace(" ", ""), "filled in by the city department"
    county.complete("Task_ReviewDissatisfaction", "office-clerk", reviewDecision="special_supervision",
                    reviewOpinion="请市自然资源局专项督办")

    # special supervision by the city department, under the city's deadline
    supervision = city_round_of(workers, county, 3)
    assert supervision.variables()["reviewOpinion"] == "请市自然资源局专项督办"
    assert supervision.task("Task_CitySpecialSupervision", "city-land-handler")["due"]
    refused_to(supervision, "office-clerk", "Task_CitySpecialSupervision")
    supervision.complete("Task_CitySpecialSupervision", "city-land-handler", revisedResultClass="A",
                         revisedReplyText="省级批准指标，已落实")
    county.task("Task_FollowUp", "office-clerk")
    follow_up(county)
    county.wait_until_ended()
    assert county.variables_history("appealStatus") == "closed"
    visited = {a["activityId"] for a in workers.admin.get("/history/activity-instance", processInstanceId=county.id)}
    assert not visited & {"Task_ReworkAppeal", "Task_FillDissatisfactionReview", "Task_SpecialSupervision"}
    assert {"Task_RenderReviewForm", "Task_ReviewDissatisfaction"} <= visited


def test_a_rework_already_at_the_city_center_in_the_county_process_still_finishes(
        workers: EngineHandle, tmp_path: Path) -> None:
    """An appeal of the older version waiting in Task_ReworkAppeal for city-center (the old way) migrates
    with `appeals deploy` and the city officer finishes it there, as before."""
    admin = workers.admin
    admin.deploy("city-rounds-before", [(p.name, p.read_bytes()) for p in
                                        sorted(_models(tmp_path / "old", BEFORE).rglob("*.*"))], changed_only=False)
    old_definition = admin.get("/process-definition/key/EnterpriseAppeal")["id"]
    county = Appeal.start(workers, "CITY-OLD-REWORK", category="land")
    register_and_accept(county)
    propose(county, "dept-natural-resources", situation="city")
    approve(county, "county-head", comment="同意转报市级")
    handled_at_city(city_instance_of(workers, county), "市里统筹调剂用地指标，已书面答复企业")
    follow_up(county, satisfaction="dissatisfied", solved="no")
    county.task("Task_ReworkAppeal", "city-officer")  # the old way: city-center inside the county's process
    assert admin.get(f"/process-instance/{county.id}")["definitionId"] == old_definition

    result = deploy(admin, _models(tmp_path / "new", PROJECT_ROOT / "bpmn" / "EnterpriseAppeal.bpmn"),
                    name="city-rounds-after")
    assert result.created
    [moved] = [m for m in result.migrations if m.source == f"EnterpriseAppeal:{old_definition.split(':')[1]}"]
    assert moved.error is None and moved.instances >= 1, moved
    assert admin.get(f"/process-instance/{county.id}")["definitionId"] != old_definition

    county.complete("Task_ReworkAppeal", "city-officer", revisedResultClass="A", revisedReplyText="市企业服务中心重新协调，已答复企业")
    follow_up(county)
    county.wait_until_ended()
    assert county.variables_history("appealStatus") == "closed"
