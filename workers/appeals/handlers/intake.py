"""Intake (spec §3–§5): validate the registration, number it, prepare the dispatch choices."""

from __future__ import annotations

from typing import Any

from ..context import AppContext
from ..deadlines import deadline_variables, now, parse_time
from ..numbering import issue_number
from ..runtime import Task
from ..suggest import current_model
from ..suggest.assist import SUGGEST_VARIABLES, accepted_variables, suggestion_variables
from ..suggest.duplicates import duplicate_variables
from ..suggest.similar import similar_variables
from ..tasklabels import category_label, task_label_variables
from ..validation import validate_registration
from ..variables import as_list
from ..vocabulary import REGISTRATION_FIELDS, AppealStatus
from ..workdays import SHANGHAI
from . import chart_of, router


@router.topic("validateRegistration", variables=REGISTRATION_FIELDS)
def validate_registration_handler(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Check the credit code's check character, the phone, the e-mail and the required fields.

    Valid: the normalised values. Invalid: the reasons, for the office to correct (补正), and
    `correctionDue` from dmn/AppealDeadlines.dmn (step `correction`) on the working-day calendar.
    """
    result = validate_registration(task.variables)
    output: dict[str, Any] = dict(result.normalized)
    output["registrationValid"] = result.valid
    output["registrationErrors"] = "；".join(result.errors) if result.errors else None
    if not result.valid:
        output.update(deadline_variables("correctionDue", ctx.deadlines().due("correction")))
    return output


@router.topic("registerAppeal", variables=("receivedAt", *SUGGEST_VARIABLES), milestone="registered")
def register_appeal(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Give the appeal its 登记编号 (the same one on every redelivery), its first due dates and the
    suggested category (appeals.suggest.assist).

    Due dates from dmn/AppealDeadlines.dmn (steps `verify`, `followUp`) on the working-day calendar;
    `receivedYear` / `receivedMonth` (Asia/Shanghai) feed the next task, Task_DetermineBatch
    (dmn/AppealBatch.dmn), which sets `batchNumber` and `batch`.
    """
    chart = chart_of(task, ctx)
    number = issue_number(ctx.db, "registration", task.process_instance_id, chart.number_prefix, series=chart.number_series)
    received = task.get("receivedAt") or now().isoformat(timespec="seconds")
    deadlines = ctx.deadlines()
    verify = deadlines.due("verify")
    output: dict[str, Any] = {
        "registrationNumber": number,
        "receivedAt": received,
        "handlerGroup": chart.of_kind("office")[0].id,
        "handlingRound": 1,
        "extensionCount": 0,
        # counters exist from the start, so concurrent increments meet the engine's optimistic lock
        "hotlineReminderCount": 0,
        "appealStatus": AppealStatus.REGISTERED,
        "registeredAt": now().isoformat(timespec="seconds"),
    }
    if task.tenant_id:  # the county the appeal belongs to (its tenant), by name for lists and documents
        output["countyName"] = chart.county
    # the batch (批次) follows from the month in the model: Task_DetermineBatch, dmn/AppealBatch.dmn
    received_at = (parse_time(received) or now()).astimezone(SHANGHAI)
    output["receivedYear"] = received_at.year
    output["receivedMonth"] = received_at.month
    output.update(deadline_variables("verifyDue", verify))
    model = current_model(ctx.settings.data_dir)
    output.update(suggestion_variables(model, task.variables))
    output.update(duplicate_variables(ctx.db, model, task.process_instance_id, task.variables,
                                      output["suggestedCategory"]))
    # a consultation goes straight to the follow-up: give it a due date from the start
    output.update(deadline_variables("followUpDue", deadlines.due("followUp", verify.due)))
    output.update(task_label_variables(deadlines.calendar, output.get("category", task.get("category"))))
    return output


@router.topic("prepareDispatchOptions",
              variables=("suggestedLead", "suggestedAssisting", "leadDepartment", "assistingDepartments",
                         "category", "suggestedCategory", "problemDescription", "requestedHelp"))
def prepare_dispatch_options(task: Task, ctx: AppContext) -> dict[str, Any]:
    """The departments of the org chart as choices, pre-set to the routing table's suggestion; whether
    the office kept the suggested category; the similar closed appeals (appeals.suggest.similar)."""
    chart = chart_of(task, ctx)
    departments = {g.id: g.name for g in chart.of_kind("department")}
    suggested_lead = task.get("suggestedLead")
    suggested_assisting = [d for d in as_list(task.get("suggestedAssisting")) if d in departments]
    output: dict[str, Any] = {
        "departmentOptions": [{"label": name, "value": gid} for gid, name in departments.items()],
        "suggestedLeadName": departments.get(suggested_lead, "无（请服企办选择）"),
        "suggestedAssistingNames": "、".join(departments[d] for d in suggested_assisting) or "无",
        "appealStatus": AppealStatus.ROUTING,
        "categoryLabel": category_label(task.get("category")),  # the category may change at verification
        **accepted_variables(task.variables),
        **similar_variables(ctx.db, task.process_instance_id, task.variables),
    }
    if not task.get("leadDepartment") and suggested_lead in departments:
        output["leadDepartment"] = suggested_lead
    if task.get("assistingDepartments") is None:
        output["assistingDepartments"] = suggested_assisting
    return output
