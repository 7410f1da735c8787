"""Dispatch (spec §6–§7): who approves, the 交办单 number, the department that handles it."""

from __future__ import annotations

from typing import Any

from ..context import AppContext
from ..deadlines import deadline_variables, now
from ..numbering import issue_number
from ..org import OrgChart
from ..runtime import BpmnError, ModelError, Task
from ..tasklabels import task_label_variables
from ..variables import as_list
from ..vocabulary import AppealStatus, DispatchSituation
from . import chart_of, router
from .levels import approver_group, transfer_record


def _names(chart: OrgChart, group_ids: list[str]) -> str:
    return "、".join(chart.group(g).name for g in group_ids) or "无"


@router.topic("resolveApprover",
              variables=("leadDepartment", "assistingDepartments", "dispatchSituation", "approverRole",
                         "approvalComment"),
              throws=(ModelError,))
def resolve_approver(task: Task, ctx: AppContext) -> dict[str, Any]:
    """The approving group (`approverGroup`) and the dispatch due date for Task_ApproveDispatch.

    The group comes from Task_DetermineApprovalLevel (dmn/DispatchApproval.dmn) through
    `approver_group`; the due date from dmn/AppealDeadlines.dmn (step `dispatch`, by situation) on the
    working-day calendar. BpmnError `Err_InvalidLead` when the lead is not a department of the org chart
    (a department merged or renamed since the options were loaded): BoundaryEvent_InvalidLead takes the
    appeal back to 拟定交办意见, whose form shows `leadRefusal` (tester 6, N1); the next round clears it.
    """
    chart = chart_of(task, ctx)
    lead = task.get("leadDepartment")
    departments = {g.id for g in chart.of_kind("department")}
    if lead not in departments:
        refusal = f"牵头单位“{lead}”不在组织架构中（可能已撤并或改名），请从选项中重新选择"
        raise BpmnError("Err_InvalidLead", refusal, {"leadRefusal": refusal})
    assisting = [d for d in as_list(task.get("assistingDepartments")) if d in departments and d != lead]
    situation = task.get("dispatchSituation")
    group = approver_group(chart, task.get("approverRole"), lead)
    output: dict[str, Any] = {
        "assistingDepartments": assisting,
        "approverGroup": group,
        "approverName": chart.group(group).name,
        "leadDepartmentName": chart.group(lead).name,
        "assistingDepartmentNames": _names(chart, assisting),
        # a new round of approval starts blank; the last comment stays readable
        "approvalDecision": None,
        "previousApprovalComment": task.get("approvalComment"),
        "approvalComment": None,
        "appealStatus": AppealStatus.AWAITING_APPROVAL,
        "leadRefusal": None,
    }
    output.update(deadline_variables("dispatchDue", ctx.deadlines().due("dispatch", situation=situation)))
    return output


@router.topic("dispatchAppeal",
              variables=("leadDepartment", "assistingDepartments", "dispatchSituation", "dispatchCount",
                         "returnReason"),
              milestone="dispatched")
def dispatch_appeal(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Issue the 交办单 number and start the handling clock; for 转报市级 (`dispatchSituation = city`) the
    转报单 (`levels.transfer_record`, the escalation's too), which Task_SendDispatchToCity sends to the city.

    Due dates from dmn/AppealDeadlines.dmn (steps `sign`, `assist`, `handling`, `reminderBefore`,
    `escalateAfter`) on the working-day calendar.
    """
    chart = chart_of(task, ctx)
    situation = task.get("dispatchSituation")
    lead = task.get("leadDepartment")
    assisting = as_list(task.get("assistingDepartments"))
    count = int(task.get("dispatchCount") or 0) + 1
    to_city = situation == DispatchSituation.CITY
    owner = f"{task.process_instance_id}#{count}"
    if to_city:
        transfer = transfer_record(ctx, chart, owner)
        number = transfer["transferNumber"]
    else:
        transfer = {"transferNumber": None, "appealStatus": AppealStatus.DISPATCHED}
        number = issue_number(ctx.db, "dispatch", owner, chart.number_prefix, series=chart.number_series)
    handler = chart.of_kind("city-center")[0].id if to_city else lead
    start = now()
    deadlines = ctx.deadlines()
    output: dict[str, Any] = {
        "dispatchCount": count,
        "dispatchNumber": number,
        **transfer,
        "dispatchedAt": start.isoformat(timespec="seconds"),
        "handlerGroup": handler,
        "handlerGroupName": chart.group(handler).name,
        "assistingDepartments": [] if to_city else assisting,
        "extensionCount": 0,
        "extensionNotice": None,
        "signDecision": None,
        "previousReturnReason": task.get("returnReason"),
        "returnReason": None,
        "handlingAction": None,
        "assistOpinionsText": None,
    }
    output.update(deadline_variables("signDue", deadlines.due("sign", start)))
    output.update(deadline_variables("assistDue", deadlines.due("assist", start)))
    handling = deadlines.due("handling", start, situation=situation, multi_department=bool(assisting))
    output.update(deadline_variables("handlingDue", handling))
    output.update(deadlines.handling_timers(handling))
    output.update(task_label_variables(deadlines.calendar))
    return output
