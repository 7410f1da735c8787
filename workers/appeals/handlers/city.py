"""The city level (临沧 第三条、第十三条、第十五—十八条): what a county transfers, the city handles.

The county's appeal (bpmn/EnterpriseAppeal.bpmn) reaches the city by one step, `startCityAppeal`, from
two places: at the top of its escalation chain (Task_SendToCity, the county waits at
Event_CityResultReturned) and when the county's dispatch decision is 转报市级 (`dispatchSituation = city`,
Task_SendDispatchToCity, the county waits at Event_DispatchResultReturned). It starts bpmn/CityAppeal.bpmn
by the message `CityAppealTransferred`, with the county's 转报单 and 登记表 attached. The city
registers it in its own number series, proposes the dispatch, has it approved at the level
dmn/CityDispatchApproval.dmn names, dispatches it to a city department (市直部门), which handles it
under the county's rules (sign, the assisting city departments' opinions, handle, at most two
extensions, results A/B/C, reminder and long-overdue timers, escalation to the city's deputy leader and
the city leader, and at the deadline the city's 催办函 and card ladder: `issueCityOverdueNotice`,
`recordCityCard`). `returnCityResult`
correlates `CityResultReturned` to the county's instance with the result: after an escalation it goes back
to the county's department like any coordination outcome of its chain (it replies and reports); after a
direct transfer the county records the city's result; then the office follows up and closes (销号).

City topics declare no milestone: the county's ledger counts the appeal once, in the county's instance.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

from ..camunda import CamundaError, to_variables
from ..context import AppContext
from ..deadlines import deadline_variables, now
from ..numbering import issue_number
from ..org import OrgChart
from ..runtime import ModelError, Task
from ..tasklabels import task_label_variables
from ..variables import as_list
from ..vocabulary import AppealStatus, CitySituation, DispatchSituation
from . import chart_of, router
from .handling import apply_extension_decision, collect_assist_opinions
from .levels import CITY_LEVEL, approver_group, escalation_start
from .supervision import card_record, overdue_notice

log = logging.getLogger(__name__)

CITY_PROCESS = "CityAppeal"
TRANSFERRED_MESSAGE = "CityAppealTransferred"
RESULT_MESSAGE = "CityResultReturned"

TRANSFERRED_VARIABLES = (
    "registrationNumber", "enterpriseName", "creditCode", "contactName", "contactPhone", "contactEmail",
    "problemDescription", "requestedHelp", "category", "channel", "transferNumber", "transferredAt",
    "transferReason", "transferOpinion", "handlerGroupName", "leadDepartmentName", "receivedAt",
)
"""What the county hands over (besides its two documents); the city renames what it numbers itself.

`transferReason` and `transferOpinion` are input parameters of the two send tasks: the escalation's
reason and last coordination opinion (Task_SendToCity), or the 拟办意见 and the county head's 批示 of a
direct transfer (Task_SendDispatchToCity)."""

LEGACY_TRANSFER_VARIABLES = {"transferReason": "escalationReason", "transferOpinion": "coordinationOpinion"}
"""Where an instance migrated while its Task_SendToCity was already open (no input parameters) keeps them."""

ATTACHED_DOCUMENTS = ("transferDocument", "transferDocumentPdf", "registrationDocument", "registrationDocumentPdf")
"""The county's 转报单 and 登记表 with their PDF copies when it has them (docs/documents.md), File variables of
the county's instance; the city's forms link whichever arrived (TaskSummaryPlugin's `taskDocuments`)."""

RESULT_VARIABLES = ("resultClass", "replyText", "replyMethod")
"""What the city's department reports, handed back to the county's appeal as its result."""

CITY_SITUATION_DEADLINES = {CitySituation.SINGLE: DispatchSituation.SINGLE, CitySituation.MULTI: DispatchSituation.MULTI,
                            CitySituation.COMPLEX: DispatchSituation.MULTI, CitySituation.MAJOR: DispatchSituation.MAJOR}
"""The city's dispatch situation → the row of dmn/AppealDeadlines.dmn its handling deadlines follow."""


def city_departments(chart: OrgChart) -> dict[str, str]:
    """City department id → name, in the chart's order."""
    return {g.id: g.name for g in chart.of_kind("city-department")}


def file_variable(ctx: AppContext, process_instance_id: str, name: str) -> dict[str, Any] | None:
    """A File variable of an instance as the typed REST value a correlation carries (None if absent)."""
    try:
        meta = ctx.camunda.get(f"/process-instance/{process_instance_id}/variables/{name}", deserializeValue="false")
    except CamundaError as exc:
        if exc.status == 404:
            return None
        raise
    content = ctx.camunda.request("GET", f"/process-instance/{process_instance_id}/variables/{name}/data")
    if isinstance(content, str):
        content = content.encode("utf-8")
    info = meta.get("valueInfo") or {}
    return {"value": base64.b64encode(content or b"").decode("ascii"), "type": "File",
            "valueInfo": {"filename": info.get("filename") or f"{name}.docx",
                          "mimeType": info.get("mimeType") or "application/octet-stream", "encoding": "UTF-8"}}


PUBLIC_HANDLER_VARIABLES = ("cityHandlingDepartmentName", "cityHandlingDue")
"""Who handles a county's appeal at the city now, and by when, kept on the county's instance for its public
progress lookup (the public pages read the county's instance only; tester 5 F6): the city's office
(市企业服务中心) from the transfer until the city dispatches, then the city department and its handling due
date; in a round after a dissatisfied follow-up, the city department and the round's due date. Both None
again when the city's result or round comes back (the county's department handles on)."""


def city_office_name(chart: OrgChart) -> str | None:
    """The city's office (kind `city-center`, 市企业服务中心) by name; None when the chart has none."""
    offices = chart.of_kind("city-center")
    return offices[0].name if offices else None


def tell_county(ctx: AppContext, county_instance_id: str | None, variables: dict[str, Any]) -> None:
    """Write `variables` (PUBLIC_HANDLER_VARIABLES) into the county's running instance; nothing when it has
    ended meanwhile (withdrawn: there is nobody left to tell). Other errors propagate (the task retries)."""
    if not county_instance_id:
        return
    try:
        ctx.camunda.post(f"/process-instance/{county_instance_id}/variables",
                         {"modifications": to_variables(variables)})
    except CamundaError as exc:
        if ctx.camunda.get("/process-instance/count", processInstanceId=county_instance_id)["count"]:
            raise
        log.info("county appeal %s has ended; not told %s (%s)", county_instance_id, sorted(variables), exc)


def _city_instance_of(ctx: AppContext, county_instance_id: str) -> str | None:
    found = ctx.camunda.get("/process-instance", processDefinitionKey=CITY_PROCESS,
                            variables=f"countyProcessInstanceId_eq_{county_instance_id}")
    return found[0]["id"] if found else None


def start_at_city(ctx: AppContext, task: Task, chart: OrgChart, message: str, business_key: str | None,
                  variables: dict[str, Any], documents: tuple[str, ...]) -> str | None:
    """Start a CityAppeal instance in the city's tenant by the message start `message` (a transfer or a
    round) with `variables` (None values left out), the county's File variables named by `documents`
    that the county instance has, and `business_key` (else the county instance's id).

    Returns the new instance's id, or None when the engine started nothing (the caller then looks for the
    instance an earlier delivery started). The city's tenant comes from `cityCode` (CountyTenantPlugin);
    `countyCode` names the sending county."""
    if chart.city_tenant:
        variables = {**variables, "cityCode": chart.city_tenant, "countyCode": task.tenant_id or chart.tenant}
    body: dict[str, Any] = {
        "messageName": message, "resultEnabled": True,
        "businessKey": business_key or task.process_instance_id,
        "processVariables": to_variables({k: v for k, v in variables.items() if v is not None}),
    }
    for name in documents:
        typed = file_variable(ctx, task.process_instance_id, name)
        if typed is not None:
            body["processVariables"][name] = typed
    results = ctx.camunda.post("/message", body)
    return results[0]["processInstance"]["id"] if results else None


@router.topic("startCityAppeal", variables=(*TRANSFERRED_VARIABLES, *LEGACY_TRANSFER_VARIABLES.values()))
def start_city_appeal(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Start the city's CityAppeal for this county appeal (message `CityAppealTransferred`): the one
    transfer step of both ways to the city (escalation chain, dispatch decision 转报市级; 临沧 第三条、第十三条).

    The city instance's business key is the county's registration number; it carries the county's
    instance id (`countyProcessInstanceId`, where the result goes back), the county, the reason and the
    county's opinion (`countyEscalationReason`, `countyCoordinationOpinion`, from the send task's
    `transferReason`, `transferOpinion`) and the 转报单 and 登记表 as File variables. Idempotent: a
    redelivered task finds the city instance it started.
    """
    existing = _city_instance_of(ctx, task.process_instance_id)
    if existing is None:
        chart = chart_of(task, ctx)
        variables: dict[str, Any] = {name: task.get(name) for name in TRANSFERRED_VARIABLES}
        for name, legacy in LEGACY_TRANSFER_VARIABLES.items():
            if name not in task.variables:
                variables[name] = task.get(legacy)
        variables["countyRegistrationNumber"] = variables.pop("registrationNumber")
        variables["countyCoordinationOpinion"] = variables.pop("transferOpinion")
        variables["countyEscalationReason"] = variables.pop("transferReason")
        variables["countyHandlerGroupName"] = variables.pop("handlerGroupName")
        variables["countyLeadDepartmentName"] = variables.pop("leadDepartmentName")
        variables.update(countyProcessInstanceId=task.process_instance_id, countyName=chart.county,
                         countyBusinessKey=task.business_key)
        started = start_at_city(ctx, task, chart, TRANSFERRED_MESSAGE, variables["countyRegistrationNumber"],
                                variables, ATTACHED_DOCUMENTS)
        existing = started or _city_instance_of(ctx, task.process_instance_id)
    return {"cityProcessInstanceId": existing, "cityHandlingDepartmentName": city_office_name(chart_of(task, ctx)),
            "cityHandlingDue": None}


@router.topic("registerCityAppeal", variables=("countyRegistrationNumber", "countyName", "category"))
def register_city_appeal(task: Task, ctx: AppContext) -> dict[str, Any]:
    """The city's 收 number (`{city}服企办收（年）第N号`, one series per city whichever county sent it),
    the city departments to choose from, the proposal's due date and what the city's task forms show
    about the task (`categoryLabel` of the county's category, `workdays`: tasklabels.py).

    The due date from dmn/AppealDeadlines.dmn (step `verify`) on the working-day calendar.
    """
    chart = chart_of(task, ctx)
    number = issue_number(ctx.db, "city_registration", task.process_instance_id, chart.city_prefix)
    departments = city_departments(chart)
    output: dict[str, Any] = {
        "registrationNumber": number,
        "cityRegistrationNumber": number,
        "cityName": chart.city,
        "cityRegisteredAt": now().isoformat(timespec="seconds"),
        "departmentOptions": [{"label": name, "value": gid} for gid, name in departments.items()],
        "assistingDepartments": [],
        "approvalComment": None,
        "returnReason": None,
    }
    deadlines = ctx.deadlines()
    output.update(deadline_variables("cityProposalDue", deadlines.due("verify")))
    output.update(task_label_variables(deadlines.calendar, task.get("category")))
    return output


@router.topic("resolveCityApprover",
              variables=("leadDepartment", "assistingDepartments", "approverRole", "approvalDays", "approvalComment"),
              throws=(ModelError,))
def resolve_city_approver(task: Task, ctx: AppContext) -> dict[str, Any]:
    """The approving group and its due date for Task_ApproveCityDispatch (临沧 第十三条).

    Group and number of working days (`approvalDays`: 2 for the office director, 3 above) come from
    Task_DetermineCityApprovalLevel (dmn/CityDispatchApproval.dmn); ModelError when the lead is not a
    city department (the form offers only those).
    """
    chart = chart_of(task, ctx)
    departments = city_departments(chart)
    lead = task.get("leadDepartment")
    if lead not in departments:
        raise ModelError(f"牵头单位“{lead}”不是组织架构中的市直部门")
    assisting = [d for d in as_list(task.get("assistingDepartments")) if d in departments and d != lead]
    group = approver_group(chart, str(task.get("approverRole")), lead, CITY_LEVEL)
    days = int(task.get("approvalDays") or 3)
    output: dict[str, Any] = {
        "assistingDepartments": assisting,
        "approverGroup": group,
        "approverName": chart.group(group).name,
        "leadDepartmentName": departments[lead],
        "assistingDepartmentNames": "、".join(departments[d] for d in assisting) or "无",
        "approvalDecision": None,
        "previousApprovalComment": task.get("approvalComment"),
        "approvalComment": None,
    }
    deadlines = ctx.deadlines()
    output.update(deadline_variables("cityApprovalDue", deadlines.add(now(), days, "workday")))
    return output


@router.topic("dispatchCityAppeal",
              variables=("leadDepartment", "assistingDepartments", "citySituation", "dispatchCount", "returnReason",
                         "countyProcessInstanceId"))
def dispatch_city_appeal(task: Task, ctx: AppContext) -> dict[str, Any]:
    """The city's 交 number and the city department's clock (the county's handling rules, 第十五—十八条);
    the county's instance learns the department and its due date (PUBLIC_HANDLER_VARIABLES, tell_county).

    Due dates from dmn/AppealDeadlines.dmn (steps `sign`, `assist`, `handling`, `reminderBefore`, `escalateAfter`;
    the city's situation read as the county row `CITY_SITUATION_DEADLINES` names) on the working-day calendar.
    """
    chart = chart_of(task, ctx)
    lead = task.get("leadDepartment")
    assisting = as_list(task.get("assistingDepartments"))
    count = int(task.get("dispatchCount") or 0) + 1
    situation = CITY_SITUATION_DEADLINES.get(str(task.get("citySituation")), DispatchSituation.MULTI)
    number = issue_number(ctx.db, "city_dispatch", f"{task.process_instance_id}#{count}", chart.city_prefix)
    start = now()
    deadlines = ctx.deadlines()
    output: dict[str, Any] = {
        "dispatchCount": count,
        "dispatchNumber": number,
        "cityDispatchNumber": number,
        "dispatchedAt": start.isoformat(timespec="seconds"),
        "dispatchSituation": situation,
        "handlerGroup": lead,
        "handlerGroupName": chart.group(lead).name,
        "extensionCount": 0,
        "extensionNotice": None,
        "signDecision": None,
        "previousReturnReason": task.get("returnReason"),
        "returnReason": None,
        "handlingAction": None,
        "coordinationOpinion": None,
        "assistOpinionsText": None,
    }
    output.update(deadline_variables("signDue", deadlines.due("sign", start)))
    output.update(deadline_variables("assistDue", deadlines.due("assist", start)))
    handling = deadlines.due("handling", start, situation=situation, multi_department=bool(assisting))
    output.update(deadline_variables("handlingDue", handling))
    output.update(deadlines.handling_timers(handling))
    tell_county(ctx, task.get("countyProcessInstanceId"), {
        "cityHandlingDepartmentName": output["handlerGroupName"], "cityHandlingDue": output["handlingDue"]})
    return output


@router.topic("collectCityAssistOpinions", variables=("dispatchedAt",))
def collect_city_assist_opinions(task: Task, ctx: AppContext) -> dict[str, Any]:
    """The assisting city departments' opinions for the lead city department's form (临沧 第十四条): the
    county's step (`handling.collect_assist_opinions`), without the county ledger's `signed` milestone and
    the county's status."""
    output = collect_assist_opinions(task, ctx)
    output.pop("appealStatus", None)
    return output


@router.topic("applyCityExtensionDecision",
              variables=("extensionDecision", "extensionDays", "extensionCount", "extensionComment", "handlingDue",
                         "dispatchedAt", "dispatchSituation"))
def apply_city_extension_decision(task: Task, ctx: AppContext) -> dict[str, Any]:
    """The county's extension rule for a city department (`handling.apply_extension_decision`), without
    the county ledger's `extension` milestone; the count rule is the gateway `${extensionCount < 2}`."""
    output = apply_extension_decision(task, ctx)
    output.pop("appealStatus", None)
    return output


@router.topic("prepareCityEscalation", variables=("handlerGroup", "handlingAction", "escalationReason"))
def prepare_city_escalation(task: Task, ctx: AppContext) -> dict[str, Any]:
    """A city department cannot resolve it, or it stayed overdue: up to the city's deputy leader overseeing
    the department, then the city leader (`levels.escalation_start` at the city level, the county's step;
    both due dates from dmn/AppealDeadlines.dmn, step `coordination`)."""
    output = escalation_start(task, ctx, CITY_LEVEL, task.get("handlerGroup") or "",
                              ("cityDeputyCoordinationDue", "cityLeaderCoordinationDue"))
    output["cityDeputyGroup"] = output["escalationGroup"]
    return output


@router.topic("issueCityOverdueNotice", variables=("handlerGroup",))
def issue_city_overdue_notice(task: Task, ctx: AppContext) -> dict[str, Any]:
    """A city department overdue (临沧 第十八条, the county's rule at the city): the city's 催办函 number
    (`{city}服企办催（年）第N号`, one gap-free series per city and year) and the department's last card at
    the city, the input of the city's Task_DetermineCityCard (dmn/CardLadder.dmn, `supervisionLevel` city).
    The county's `overdue_notice` at the city level; no appeal status (the county's appeal keeps its own)."""
    return overdue_notice(task, ctx, CITY_LEVEL)


@router.topic("recordCityCard",
              variables=("handlerGroup", "cardDepartmentName", "registrationNumber", "handlingDue", "reminderNumber",
                         "cardKind", "interview", "interviewGroup", "countyProcessInstanceId", "countyCode"),
              throws=(ModelError,))
def record_city_card(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Record the city's card (level `city`) against the county appeal the city handles
    (`countyProcessInstanceId`): a county's figures never count it, the city's comparison lists it. The
    interview goes to the city's group the table names (`city-office-director`) or to the deputy leader
    overseeing the city department (`city-deputy-leader`; the city leader when none does)."""
    return card_record(task, ctx, CITY_LEVEL, appeal=task.get("countyProcessInstanceId"),
                       county=task.get("countyCode"), number=task.get("registrationNumber"))


@router.topic("returnCityResult",
              variables=(*RESULT_VARIABLES, "countyProcessInstanceId", "cityRegistrationNumber", "cityDispatchNumber",
                         "handlerGroup", "handlerGroupName", "coordinationOpinion"))
def return_city_result(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Hand the city department's result back to the county's appeal (message `CityResultReturned`).

    The city's result is the county's coordination outcome (`coordinationOpinion`, with `resultClass`,
    `replyText`, `replyMethod` pre-filled on the county department's form): the county's instance
    (`countyProcessInstanceId`) goes back to its department, which replies to the enterprise and reports
    (Task_HandleAppeal), then follow-up and closing, as after any level of its chain. The county's
    `appealStatus` moves on from `transferred_to_city` to `handling` (its department handles again; after a
    direct transfer `recordResult` then sets `result_reported`). Idempotent: a redelivered task finds the county already past the wait with this city number.
    """
    county = task.get("countyProcessInstanceId")
    if not county:
        raise ModelError("the city appeal has no countyProcessInstanceId to return the result to")
    variables: dict[str, Any] = {name: task.get(name) for name in RESULT_VARIABLES}
    variables.update(
        coordinationDecision="resolved",
        coordinationOpinion=(f"市级办理结果（{task.get('cityRegistrationNumber')}，{task.get('handlerGroupName')}，"
                             f"{task.get('resultClass')}类）：{task.get('replyText') or ''}"),
        cityRegistrationNumber=task.get("cityRegistrationNumber"),
        cityDispatchNumber=task.get("cityDispatchNumber"),
        cityHandlerGroup=task.get("handlerGroup"),
        cityHandlerGroupName=task.get("handlerGroupName"),
        cityCoordinationOpinion=task.get("coordinationOpinion"),
        cityResultAt=now().isoformat(timespec="seconds"),
        cityProcessInstanceId=task.process_instance_id,
        appealStatus=AppealStatus.HANDLING,
        **dict.fromkeys(PUBLIC_HANDLER_VARIABLES),  # the county's department handles on
    )
    waiting = ctx.camunda.get("/execution", processInstanceId=county, messageEventSubscriptionName=RESULT_MESSAGE)
    if not waiting:
        delivered = ctx.camunda.get("/history/variable-instance", processInstanceId=county,
                                    variableName="cityResultAt")
        if delivered:
            return {"resultReturnedAt": delivered[0].get("value")}
        raise ModelError(f"the county appeal {county} does not wait for the city's result")
    ctx.camunda.correlate(RESULT_MESSAGE, process_instance_id=county, variables=variables)
    return {"resultReturnedAt": variables["cityResultAt"]}
