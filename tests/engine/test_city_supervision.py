"""Supervision at the city (临沧 第十八条: the city handles with a county's supervision rules): an overdue city
department gets the city's 催办函, numbered in the city's 催 series and signed by the city's office, and a
card from dmn/CardLadder.dmn at level `city`, whose interviews go to the city's groups; the card is the
city's in the ledger, never in a county's figures. Timers fired by executing their jobs through REST."""

from __future__ import annotations

import datetime as dt
import io
import re

import docx
from click.testing import CliRunner

from appeals.cli import main
from appeals.context import AppContext
from appeals.handlers.notifications import card_extra
from appeals.ledger.cards import cards
from appeals.ledger.counties import County
from appeals.ledger.figures import figures
from appeals.ledger.periods import Period
from appeals.notify import Recipient, render
from appeals.workdays import SHANGHAI

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal
from .test_city import approve_at_city, escalated_to_city, propose_at_city
from .test_supervision import at_handling

SERIAL = re.compile(r"（(\d{4})）第(\d+)号$")


def overdue_at_city(workers: EngineHandle, key: str, lead: str, handler: str) -> tuple[Appeal, Appeal, dict]:
    """A county appeal escalated to the city, dispatched to one city department (approved by the city office
    director), signed; then its handling deadline passes: the variables once the card is chosen."""
    county, city = escalated_to_city(workers, key)
    propose_at_city(city, lead, "single")
    approve_at_city(city, "city-director")
    city.complete("Task_SignCityDispatch", handler, signDecision="sign", handlerName="赵六", enterpriseContacted=True)
    city.task("Task_HandleCityAppeal", handler)
    city.fire_timer("BoundaryEvent_CityHandlingOverdue")
    # the letter is numbered, the card chosen and recorded, the letter rendered and sent: then the variables
    wait_for(lambda: workers.admin.get("/history/activity-instance", processInstanceId=city.id,
                                       activityId="Event_NotifyCityOverdue", finished="true"),
             message=f"the city's 催办函 sent (city at {city.waiting_at()})")
    variables = city.variables()
    return county, city, variables


def serial(number: str) -> tuple[int, int]:
    year, value = SERIAL.search(number).groups()
    return int(year), int(value)


def document_text(workers: EngineHandle, appeal: Appeal, name: str) -> str:
    found = wait_for(lambda: workers.admin.get("/history/variable-instance", processInstanceId=appeal.id,
                                               variableName=name), message=name)
    assert found[0]["type"] == "File"
    content = workers.admin.request("GET", f"/history/variable-instance/{found[0]['id']}/data")
    document = docx.Document(io.BytesIO(content))
    return "\n".join(p.text for p in document.paragraphs)


def test_an_overdue_city_department_gets_the_citys_letter_and_a_city_card(workers: EngineHandle) -> None:
    county, city, variables = overdue_at_city(workers, "CITY-OVERDUE-1", "city-dept-natural-resources",
                                              "city-land-handler")
    number = variables["reminderNumber"]
    assert number.startswith("某市服企办催（"), "the city's 催 series, not the county's"
    assert (variables["cardKind"], variables["interview"]) == ("yellow", "none")
    assert variables["cardLabel"] == "黄牌", "the interview form prints the label, not the code"
    # the card's messages name the level that issued it: the city's government, not a county's
    assert variables["cardLevel"] == "city"
    mail = render("card", Recipient("handler", "email", "land@city.example.gov.cn", "市自然资源局"),
                  {**variables, "interview": "leader"}, card_extra(variables))
    assert "由市政府领导约谈其主要负责人" in mail.body and "县政府" not in mail.body
    assert "Task_HandleCityAppeal" in city.waiting_at(), "the letter does not interrupt the handling"
    assert "appealStatus" not in variables, "the county's status is the county's"

    # the card is the city's, recorded against the county's appeal the city handles
    [card] = wait_for(lambda: cards(AppContext().db, department="city-dept-natural-resources"), message="the card")
    assert (card.kind, card.level, card.process_instance_id) == ("yellow", "city", county.id)
    assert card.source_key == number and card.department_name == "市自然资源局"
    assert card.reason.startswith(variables["registrationNumber"])  # the city's 收 number
    # the 催办函 is the city office's: its name as issuing organ, the city's number, the city department
    text = document_text(workers, city, "reminderLetterDocument")
    assert "某市企业服务中心" in text and number in text and "市自然资源局" in text
    assert "县服务企业发展领导小组办公室" not in text

    # no county's figures count it: not the county whose appeal it is, not the chart's own county
    chart = AppContext().org_chart()
    month = Period.parse(f"{dt.datetime.now(SHANGHAI):%Y-%m}")
    for tenant in ("mouxian", "yixian"):
        report = figures(AppContext().db, month, county=County.of(chart, tenant))
        assert card.id not in {c.id for c in report.cards}, tenant
        assert "city-dept-natural-resources" not in {d.code for d in report.departments}, tenant
    assert card.id not in {c.id for c in figures(AppContext().db, month).cards}, "nor the whole ledger's"
    # the city's comparison lists it
    output = CliRunner().invoke(main, ["city-report", "--period", f"{dt.datetime.now(SHANGHAI):%Y-%m}"],
                                catch_exceptions=False).output
    assert "市直部门超期催办亮牌情况" in output and "| 市自然资源局 |" in output and number in output


def test_the_citys_reminder_numbers_are_gap_free_and_apart_from_the_countys(workers: EngineHandle) -> None:
    _c1, _city1, first = overdue_at_city(workers, "CITY-OVERDUE-2", "city-dept-market-regulation",
                                         "city-market-handler")
    county = at_handling(workers, "CITY-OVERDUE-COUNTY", "dept-finance", "finance-handler")
    county.fire_timer("BoundaryEvent_HandlingOverdue")
    in_county = wait_for(lambda: (v := county.variables()).get("reminderNumber") and v, message="county 催办函")
    _c2, _city2, second = overdue_at_city(workers, "CITY-OVERDUE-3", "city-dept-market-regulation",
                                          "city-market-handler")
    assert in_county["reminderNumber"].startswith("某县服企办催（"), "the county keeps its own series"
    year, value = serial(first["reminderNumber"])
    assert serial(second["reminderNumber"]) == (year, value + 1), "the county's letter took no city number"
    # the second overdue of the same city department: the ladder counts the city's cards only
    assert (first["cardKind"], second["cardKind"], second["interview"]) == ("yellow", "red", "task_force")
    county_cards = wait_for(lambda: cards(AppContext().db, department="dept-finance"), message="the county's card")
    assert [c.level for c in county_cards] == ["county"]


def test_the_city_card_ladder_reaches_the_citys_groups(workers: EngineHandle) -> None:
    outcomes = []
    for index in range(3):
        county, city, variables = overdue_at_city(workers, f"CITY-LADDER-{index}", "city-dept-industry",
                                                  "city-industry-handler")
        outcomes.append((variables["cardKind"], variables["interview"], variables.get("interviewGroup")))
        if variables["interview"] == "task_force":  # 市级专班: the city office director
            task = city.task("Task_CityInterview", "city-director")
            assert task["due"] and variables["interviewTitle"] == "市级专班约谈分管负责人"
            for county_user in ("office-clerk", "office-director", "county-head", "supervisor", "yx-office-clerk"):
                assert city.refused(county_user, "Task_CityInterview"), county_user
                assert not county.user(county_user).tasks(processInstanceId=city.id), county_user
            assert city.refused("city-industry-handler", "Task_CityInterview"), "not the carded department"
            city.complete("Task_CityInterview", "city-director", interviewedPerson="市工信局分管副局长",
                          interviewNote="约谈并提出整改要求")
        if variables["interview"] == "leader":  # 市政府领导: the deputy leader overseeing the department
            assert city.task("Task_CityInterview", "vice-mayor-industry")["due"]
            assert variables["interviewTitle"] == "市政府领导约谈主要负责人"
            for user in ("county-head", "office-director", "vice-mayor-resources"):
                assert city.refused(user, "Task_CityInterview"), user
    assert outcomes == [("yellow", "none", None), ("red", "task_force", "city-office-director"),
                        ("red", "leader", "city-deputy-industry")]
    issued = wait_for(lambda: len(found := cards(AppContext().db, department="city-dept-industry")) >= 3 and found,
                      message="three city cards")
    assert [(c.kind, c.level, c.escalation) for c in issued] == [
        ("yellow", "city", None), ("red", "city", "deputy_interview"), ("red", "city", "principal_interview")]
