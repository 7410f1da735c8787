"""Supervision and escalation (spec §9–§10): 催办函, the card ladder, the chain up to the city."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..context import AppContext, home_county_code
from ..deadlines import deadline_variables, now
from ..ledger.cards import cards, record_card
from ..runtime import ModelError, Task
from ..vocabulary import CARD_LABELS, ESCALATION_OF_INTERVIEW, AppealStatus, Card, Interview
from ..workdays import SHANGHAI
from . import chart_of, router
from .levels import COUNTY_LEVEL, Level, escalation_start, interview_group, reminder_number, transfer_record

ESCALATION_RECORD = ESCALATION_OF_INTERVIEW
"""CardLadder's `interview` → the escalation code the card ledger records."""


def previous_card(ctx: AppContext, department: str, level: Level = COUNTY_LEVEL) -> str:
    """The department's last card this year (Asia/Shanghai) at `level`: the ladder counts consecutive cards."""
    year_start = dt.datetime(now().year, 1, 1, tzinfo=SHANGHAI)
    issued = cards(ctx.db, department=department, since=year_start, level=level.name)
    return issued[-1].kind if issued else Card.NONE


def overdue_notice(task: Task, ctx: AppContext, level: Level) -> dict[str, Any]:
    """The 催办函 of an overdue department at `level` (临沧 第十八条): its number in the level's 催 series
    (`levels.reminder_number`, one per handling overdue: owner = the timer's activity instance), the time,
    the department's name and its last card this year at that level (`previousCard`: `none` / `yellow` /
    `red`), the input of Task_DetermineCard (dmn/CardLadder.dmn with the model's `supervisionLevel`)."""
    chart = chart_of(task, ctx)
    department = task.get("handlerGroup")
    owner = f"{task.process_instance_id}#{task.activity_instance_id or task.id}"
    name = chart.group(department).name if department in {g.id for g in chart.groups} else department
    return {
        "reminderNumber": reminder_number(ctx, chart, owner, level),
        "reminderIssuedAt": now().isoformat(timespec="seconds"),
        "overdueDays": 0,
        "previousCard": previous_card(ctx, department, level),
        "cardDepartmentName": name,
    }


def card_record(task: Task, ctx: AppContext, level: Level, *, appeal: str | None, county: str | None,
                number: str | None) -> dict[str, Any]:
    """Record the card Task_DetermineCard chose at `level` against `appeal` (the county appeal's process
    instance; `county` its tenant; `number` the appeal's number the reason names), idempotent: keyed by
    the 催办函 number. An interview gets its group (`levels.interview_group`: the table's group, or the
    level's deputy overseeing the department) and its due date from dmn/AppealDeadlines.dmn (step
    `interview`) on the working-day calendar; `cardLevel` names the level (`SupervisionLevel`) for the card's
    messages. Raises ValueError for a card kind the card ledger does not
    know, ModelError for an interview group the org chart lacks."""
    department = task.get("handlerGroup")
    interview = task.get("interview") or Interview.NONE
    output: dict[str, Any] = {"cardLabel": CARD_LABELS.get(task.get("cardKind"), task.get("cardKind")),
                              "cardLevel": str(level.name)}
    if interview != Interview.NONE:  # resolved before the card is recorded: a model error records nothing
        output["interviewGroup"] = interview_group(chart_of(task, ctx), str(task.get("interviewGroup")),
                                                   department, level)
    record_card(ctx.db, department, task.get("cardKind"), process_instance_id=appeal,
                reason=f"{number}超过办理时限（{str(task.get('handlingDue'))[:10]}）未反馈",
                escalation=ESCALATION_RECORD.get(interview), source_key=task.get("reminderNumber"),
                department_name=task.get("cardDepartmentName"), county=county, level=level.name)
    if interview != Interview.NONE:
        output.update(deadline_variables("interviewDue", ctx.deadlines().due("interview")))
    return output


@router.topic("issueOverdueNotice", variables=("handlerGroup",))
def issue_overdue_notice(task: Task, ctx: AppContext) -> dict[str, Any]:
    """At the handling deadline without a report: the county's 催办函 number and the department's last
    card (`overdue_notice` at the county level); the appeal's status becomes overdue.

    `previousCard` (`none` / `yellow` / `red`) is the input of the next task, Task_DetermineCard, which
    evaluates dmn/CardLadder.dmn in the model (`cardKind`, `interview`, `interviewGroup`, `interviewTitle`).
    """
    return {**overdue_notice(task, ctx, COUNTY_LEVEL), "appealStatus": AppealStatus.OVERDUE}


@router.topic("recordCard",
              variables=("handlerGroup", "cardDepartmentName", "registrationNumber", "handlingDue", "reminderNumber",
                         "cardKind", "interview", "interviewGroup"),
              throws=(ModelError,))
def record_card_handler(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Record the card Task_DetermineCard chose in the county's ledger (`card_record` at the county level,
    against this appeal)."""
    return card_record(task, ctx, COUNTY_LEVEL, appeal=task.process_instance_id,
                       county=task.tenant_id or home_county_code(ctx.db), number=task.get("registrationNumber"))


@router.topic("prepareEscalation",
              variables=("leadDepartment", "handlerGroup", "handlerGroupName", "handlingAction", "escalationReason"))
def prepare_escalation(task: Task, ctx: AppContext) -> dict[str, Any]:
    """The department cannot resolve it, or it stayed overdue too long: up to the deputy head overseeing
    the lead department, then the county head, then the city (`levels.escalation_start` at the county
    level; the three coordination due dates from dmn/AppealDeadlines.dmn, step `coordination`)."""
    output = escalation_start(task, ctx, COUNTY_LEVEL, task.get("leadDepartment") or task.get("handlerGroup") or "",
                              ("deputyCoordinationDue", "countyCoordinationDue", "cityCoordinationDue"))
    output.update(escalationDeputyGroup=output["escalationGroup"], escalatedAt=now().isoformat(timespec="seconds"),
                  appealStatus=AppealStatus.ESCALATED)
    return output


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
