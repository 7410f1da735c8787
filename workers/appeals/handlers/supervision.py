"""Supervision and escalation (spec §9–§10): 催办函, the card ladder, the chain up to the city."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..deadlines import deadline_variables, now
from ..ledger.cards import cards, record_card
from ..numbering import issue_number
from ..runtime import Task
from ..services import services
from ..workdays import SHANGHAI
from . import router
from .intake import deadline_service

INTERVIEW_GROUP_KIND = {"task_force": "office", "leader": "county-head"}
INTERVIEW_NAMES = {"task_force": "专班约谈分管负责人", "leader": "县政府领导约谈主要负责人"}
ESCALATION_RECORD = {"task_force": "deputy_interview", "leader": "principal_interview"}


def previous_card(department: str) -> str:
    """The department's last card this year (Asia/Shanghai): the ladder counts consecutive cards."""
    year_start = dt.datetime(now().year, 1, 1, tzinfo=SHANGHAI)
    issued = cards(services().db, department=department, since=year_start)
    return issued[-1].kind if issued else "none"


@router.topic("issueOverdueNotice",
              variables=("handlerGroup", "handlerGroupName", "registrationNumber", "handlingDue", "dispatchNumber"))
def issue_overdue_notice(task: Task) -> dict[str, Any]:
    """At the handling deadline without a report: a 催办函 and a card from the CardLadder table."""
    svc = services()
    chart = svc.org_chart()
    department = task.get("handlerGroup")
    owner = f"{task.process_instance_id}#{task.activity_instance_id or task.id}"
    number = issue_number(svc.db, "reminder", owner, chart.number_prefix)
    ladder = svc.camunda.evaluate_decision("CardLadder", {"previousCard": previous_card(department)})
    card, interview = ladder[0]["card"], ladder[0].get("interview") or "none"
    name = chart.group(department).name if department in {g.id for g in chart.groups} else department
    record_card(svc.db, department, card, process_instance_id=task.process_instance_id,
                reason=f"{task.get('registrationNumber')}超过办理时限（{str(task.get('handlingDue'))[:10]}）未反馈",
                escalation=ESCALATION_RECORD.get(interview), source_key=owner, department_name=name)
    output: dict[str, Any] = {
        "reminderNumber": number,
        "reminderIssuedAt": now().isoformat(timespec="seconds"),
        "overdueDays": 0,
        "cardKind": card,
        "cardDepartmentName": name,
        "interview": interview,
        "interviewGroup": chart.of_kind(INTERVIEW_GROUP_KIND[interview])[0].id if interview != "none" else None,
        "interviewTitle": INTERVIEW_NAMES.get(interview),
        "appealStatus": "overdue",
    }
    if interview != "none":
        output.update(deadline_variables("interviewDue", deadline_service().due("interview")))
    return output


@router.topic("prepareEscalation",
              variables=("leadDepartment", "handlerGroup", "handlerGroupName", "handlingAction", "escalationReason"))
def prepare_escalation(task: Task) -> dict[str, Any]:
    """The department cannot resolve it, or it stayed overdue too long: up to the deputy head."""
    chart = services().org_chart()
    lead = task.get("leadDepartment") or task.get("handlerGroup")
    deputy = chart.deputy_for(lead) if lead else None
    deputy_group = deputy.id if deputy else chart.of_kind("county-head")[0].id
    deadlines = deadline_service()
    deputy_due = deadlines.due("coordination")
    county_due = deadlines.due("coordination", deputy_due.due)
    city_due = deadlines.due("coordination", county_due.due)
    timed_out = task.get("handlingAction") != "escalate"
    output: dict[str, Any] = {
        "escalationDeputyGroup": deputy_group,
        "escalationGroup": deputy_group,
        "escalationLevelName": chart.group(deputy_group).name,
        "escalationReason": "超过办理时限仍未办结，提级协调" if timed_out else task.get("escalationReason"),
        "escalationTrigger": "overdue" if timed_out else "department",
        "escalatedAt": now().isoformat(timespec="seconds"),
        "handlingAction": None,
        "coordinationDecision": None,
        "appealStatus": "escalated",
    }
    output.update(deadline_variables("deputyCoordinationDue", deputy_due))
    output.update(deadline_variables("countyCoordinationDue", county_due))
    output.update(deadline_variables("cityCoordinationDue", city_due))
    output["coordinationDue"] = output["deputyCoordinationDue"]
    return output


@router.topic("transferToCity", variables=("registrationNumber",))
def transfer_to_city(task: Task) -> dict[str, Any]:
    """Beyond the county's powers: the 转报单 number, and the city service center takes over."""
    svc = services()
    chart = svc.org_chart()
    number = issue_number(svc.db, "transfer", f"{task.process_instance_id}#city", chart.number_prefix)
    city = chart.of_kind("city-center")[0]
    return {
        "transferNumber": number,
        "transferredAt": now().isoformat(timespec="seconds"),
        "escalationGroup": city.id,
        "escalationLevelName": city.name,
        "coordinationDecision": None,
        "appealStatus": "transferred_to_city",
    }
