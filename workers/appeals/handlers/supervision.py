"""Supervision and escalation (spec §9–§10): 催办函, the card ladder, the chain up to the city."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..context import AppContext, home_county_code
from ..deadlines import deadline_variables, now
from ..ledger.cards import cards, record_card
from ..numbering import issue_number
from ..org import OrgChart
from ..runtime import Task
from ..vocabulary import AppealStatus, Card, Interview
from ..workdays import SHANGHAI
from . import chart_of, router

ESCALATION_RECORD = {"task_force": "deputy_interview", "leader": "principal_interview"}
"""CardLadder's `interview` → the escalation code the card ledger records."""


def previous_card(ctx: AppContext, department: str) -> str:
    """The department's last card this year (Asia/Shanghai): the ladder counts consecutive cards."""
    year_start = dt.datetime(now().year, 1, 1, tzinfo=SHANGHAI)
    issued = cards(ctx.db, department=department, since=year_start)
    return issued[-1].kind if issued else Card.NONE


@router.topic("issueOverdueNotice", variables=("handlerGroup",))
def issue_overdue_notice(task: Task, ctx: AppContext) -> dict[str, Any]:
    """At the handling deadline without a report: the 催办函 number and the department's last card.

    `previousCard` (`none` / `yellow` / `red`) is the input of the next task, Task_DetermineCard, which
    evaluates dmn/CardLadder.dmn in the model (`cardKind`, `interview`, `interviewGroup`, `interviewTitle`).
    """
    chart = chart_of(task, ctx)
    department = task.get("handlerGroup")
    owner = f"{task.process_instance_id}#{task.activity_instance_id or task.id}"
    number = issue_number(ctx.db, "reminder", owner, chart.number_prefix, series=chart.number_series)
    name = chart.group(department).name if department in {g.id for g in chart.groups} else department
    return {
        "reminderNumber": number,
        "reminderIssuedAt": now().isoformat(timespec="seconds"),
        "overdueDays": 0,
        "previousCard": previous_card(ctx, department),
        "cardDepartmentName": name,
        "appealStatus": AppealStatus.OVERDUE,
    }


@router.topic("recordCard",
              variables=("handlerGroup", "cardDepartmentName", "registrationNumber", "handlingDue", "reminderNumber",
                         "cardKind", "interview"))
def record_card_handler(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Record the card Task_DetermineCard chose (idempotent: keyed by the 催办函 number).

    An interview gets its due date from dmn/AppealDeadlines.dmn (step `interview`) on the working-day
    calendar. Raises ValueError for a card kind the card ledger does not know.
    """
    department = task.get("handlerGroup")
    interview = task.get("interview") or Interview.NONE
    record_card(ctx.db, department, task.get("cardKind"), process_instance_id=task.process_instance_id,
                reason=f"{task.get('registrationNumber')}超过办理时限（{str(task.get('handlingDue'))[:10]}）未反馈",
                escalation=ESCALATION_RECORD.get(interview), source_key=task.get("reminderNumber"),
                department_name=task.get("cardDepartmentName"), county=task.tenant_id or home_county_code(ctx.db))
    if interview == Interview.NONE:
        return {}
    return deadline_variables("interviewDue", ctx.deadlines().due("interview"))


@router.topic("prepareEscalation",
              variables=("leadDepartment", "handlerGroup", "handlerGroupName", "handlingAction", "escalationReason"))
def prepare_escalation(task: Task, ctx: AppContext) -> dict[str, Any]:
    """The department cannot resolve it, or it stayed overdue too long: up to the deputy head.

    The deputy is the org chart's (`deputy_for` the lead department); the three coordination due dates
    from dmn/AppealDeadlines.dmn (step `coordination`) on the working-day calendar.
    """
    chart = chart_of(task, ctx)
    lead = task.get("leadDepartment") or task.get("handlerGroup")
    deputy = chart.deputy_for(lead) if lead else None
    deputy_group = deputy.id if deputy else chart.of_kind("county-head")[0].id
    deadlines = ctx.deadlines()
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
        "appealStatus": AppealStatus.ESCALATED,
    }
    output.update(deadline_variables("deputyCoordinationDue", deputy_due))
    output.update(deadline_variables("countyCoordinationDue", county_due))
    output.update(deadline_variables("cityCoordinationDue", city_due))
    output["coordinationDue"] = output["deputyCoordinationDue"]
    return output


def transfer_record(ctx: AppContext, chart: OrgChart, owner: str) -> dict[str, Any]:
    """The 转报单 of a transfer to the city (临沧 第三条; L 转报单): its number in the county's 报 series
    (`{county}服企办报（年）第N号`, idempotent per `owner`), the transfer time (ISO 8601, Asia/Shanghai) and
    the status. Both ways to the city use it: the escalation chain (`transferToCity`) and the dispatch
    decision 转报市级 (`dispatchAppeal`); `startCityAppeal` then sends it."""
    number = issue_number(ctx.db, "transfer", owner, chart.number_prefix, series=chart.number_series)
    return {"transferNumber": number, "transferredAt": now().isoformat(timespec="seconds"),
            "appealStatus": AppealStatus.TRANSFERRED_TO_CITY}


@router.topic("transferToCity", variables=("registrationNumber",))
def transfer_to_city(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Beyond the county's powers: the 转报单 (`transfer_record`), and the city service center takes over."""
    chart = chart_of(task, ctx)
    city = chart.of_kind("city-center")[0]
    return {
        **transfer_record(ctx, chart, f"{task.process_instance_id}#city"),
        "escalationGroup": city.id,
        "escalationLevelName": city.name,
        "coordinationDecision": None,
    }
