"""Every DMN table evaluated through the engine's REST API, with a case for every rule."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from appeals.settings import PROJECT_ROOT

from ..conftest import EngineHandle

ROUTING = [
    ("policy", "dept-industry", "dept-finance"),
    ("contract", "dept-finance", "dept-justice"),
    ("land", "dept-natural-resources", "dept-approval"),
    ("power", "dept-power-supply", "dept-energy"),
    ("financing", "dept-finance-office", None),
    ("talent", "dept-hr", None),
    ("labor", "dept-hr", None),
    ("project", "dept-development-reform", "dept-approval,dept-natural-resources"),
    ("environment", "dept-business-environment", "dept-market-regulation"),
    ("other", None, None),
]
APPROVAL = [
    ("single", "office-director", False),
    ("multi", "deputy-head", False),
    ("major", "county-head", True),
    ("city", "county-head", False),
    ("meeting", "office", False),
]
DEADLINES = [  # step, situation, multi department → amount, unit
    ("correction", "", False, 1, "workday"),
    ("verify", "", False, 1, "workday"),
    ("dispatch", "single", False, 2, "workday"),
    ("dispatch", "meeting", False, 1, "workday"),
    ("dispatch", "multi", True, 3, "workday"),
    ("sign", "single", False, 1, "workday"),
    ("assist", "multi", True, 3, "workday"),
    ("handling", "meeting", True, 15, "day"),
    ("handling", "meeting", False, 7, "day"),
    ("handling", "single", False, 5, "workday"),
    ("handlingCap", "major", False, 1, "month"),
    ("handlingCap", "single", False, 15, "workday"),
    ("extensionReview", "", False, 1, "workday"),
    ("followUp", "", False, 5, "workday"),
    ("rework", "", False, 3, "workday"),
    ("reviewForm", "", False, 3, "workday"),
    ("review", "", False, 5, "workday"),
    ("supervision", "", False, 10, "workday"),
    ("recheck", "", False, 20, "workday"),
    ("recheckReview", "", False, 2, "workday"),
    ("reminderBefore", "", False, 1, "workday"),
    ("escalateAfter", "", False, 5, "workday"),
    ("coordination", "", False, 5, "workday"),
    ("interview", "", False, 5, "workday"),
    ("meetingTopics", "", False, 3, "workday"),
    ("meetingAgenda", "", False, 1, "workday"),
    ("meetingMinutes", "", False, 1, "workday"),
]
CARDS = [("county", "none", "yellow", "none", None, None),
         ("county", "yellow", "red", "task_force", "office", "专班约谈分管负责人"),
         ("county", "red", "red", "leader", "county-head", "县政府领导约谈主要负责人"),
         ("city", "none", "yellow", "none", None, None),
         ("city", "yellow", "red", "task_force", "city-office-director", "市级专班约谈分管负责人"),
         ("city", "red", "red", "leader", "city-deputy-leader", "市政府领导约谈主要负责人")]
BATCHES = [(1, 1, "第一批"), (3, 1, "第一批"), (4, 2, "第二批"), (6, 2, "第二批"), (7, 3, "第三批"), (8, 3, "第三批"),
           (9, 4, "第四批"), (11, 4, "第四批"), (12, 5, "回头看期间")]


def rule_count(name: str) -> int:
    root = ET.parse(PROJECT_ROOT / "dmn" / f"{name}.dmn").getroot()
    return len(root.findall(".//{https://www.omg.org/spec/DMN/20191111/MODEL/}rule"))


def test_the_cases_cover_every_rule() -> None:
    assert rule_count("AppealRouting") == len(ROUTING)
    assert rule_count("DispatchApproval") == len(APPROVAL)
    assert rule_count("AppealDeadlines") == len(DEADLINES)
    assert rule_count("CardLadder") == len(CARDS)
    assert rule_count("AppealBatch") == len({name for _m, _b, name in BATCHES})


@pytest.mark.parametrize(("category", "lead", "assisting"), ROUTING)
def test_routing(deployed: EngineHandle, category: str, lead: str | None, assisting: str | None) -> None:
    result = deployed.admin.evaluate_decision("AppealRouting", {"category": category})
    assert len(result) == 1, "exactly one rule matches (hit policy UNIQUE)"
    # an empty output entry is left out of the REST answer; the BPMN mapping reads it as null
    assert (result[0].get("lead"), result[0].get("assisting")) == (lead, assisting)


def test_routing_unknown_category_matches_nothing(deployed: EngineHandle) -> None:
    assert deployed.admin.evaluate_decision("AppealRouting", {"category": "weather"}) == []


@pytest.mark.parametrize(("situation", "role", "meeting"), APPROVAL)
def test_dispatch_approval(deployed: EngineHandle, situation: str, role: str, meeting: bool) -> None:
    result = deployed.admin.evaluate_decision("DispatchApproval", {"dispatchSituation": situation})
    assert result == [{"approverRole": role, "specialMeeting": meeting}]


@pytest.mark.parametrize(("step", "situation", "multi", "amount", "unit"), DEADLINES)
def test_deadlines(deployed: EngineHandle, step: str, situation: str, multi: bool, amount: int, unit: str) -> None:
    result = deployed.admin.evaluate_decision(
        "AppealDeadlines", {"step": step, "dispatchSituation": situation, "multiDepartment": multi})
    assert result[0] == {"amount": amount, "unit": unit}


@pytest.mark.parametrize(("level", "previous", "card", "interview", "group", "title"), CARDS)
def test_card_ladder(deployed: EngineHandle, level: str, previous: str, card: str, interview: str, group: str | None,
                     title: str | None) -> None:
    """The same ladder at both levels (临沧 第十八条), each naming its own groups (`supervisionLevel`)."""
    result = deployed.admin.evaluate_decision("CardLadder", {"previousCard": previous, "supervisionLevel": level})
    # an empty output entry is left out of the REST answer; the BPMN mapping reads it as null
    expected = {"card": card, "interview": interview, "interviewGroup": group, "interviewTitle": title}
    assert result == [{k: v for k, v in expected.items() if v is not None}]


@pytest.mark.parametrize(("month", "batch", "name"), BATCHES)
def test_batches(deployed: EngineHandle, month: int, batch: int, name: str) -> None:
    result = deployed.admin.evaluate_decision("AppealBatch", {"receivedMonth": month})
    assert result == [{"batch": batch, "batchName": name}]
