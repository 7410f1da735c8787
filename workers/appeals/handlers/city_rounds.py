"""The way back to the city (issue 19, domain §12, docs/city-level.md "After the follow-up: back to the city").

A transferred appeal (by escalation or by the dispatch decision 转报市级) comes back from the city with the
city department's result; the county replies, follows up (回访) and closes. When the enterprise is
dissatisfied, what follows is the city department's work, at the city, not the county's:

- the county's SubProcess_FollowUp takes, for an appeal with `cityHandlerGroup` (written by
  `returnCityResult`), the flow to Task_SendFollowUpToCity instead of its own Task_ReworkAppeal,
  Task_FillDissatisfactionReview or Task_SpecialSupervision; the flow sets `cityRoundKind`
  (`vocabulary.CityRoundKind`: `rework`, `review_form`, `supervision`); the county's rules decide which and
  how often (`${handlingRound < 2}`, the county office's review) as for any appeal;
- `startCityRound` starts a **new** `CityAppeal` instance by its message start `CityRoundRequested`
  (tenant `city`, one instance per round) for the city department that handled the appeal;
- at the city, `prepareCityRound` gives the round its due date (dmn/AppealDeadlines.dmn) and the task
  labels; the department works Task_ReworkCityAppeal, Task_FillCityDissatisfactionReview or
  Task_CitySpecialSupervision with the county's forms;
- `returnCityRound` correlates `CityRoundReturned` to the county's instance waiting at
  Event_CityRoundReturned, with what the form produced; the county follows up again (or, for the review
  form, renders it and its office reviews).

Neither topic declares a milestone: the county's ledger counts the round at the county's own
`applyFollowUpOutcome` (`followed_up`, `handlingRound`), as for a county-only rework.
"""

from __future__ import annotations

from typing import Any

from ..context import AppContext
from ..deadlines import deadline_variables, now
from ..runtime import ModelError, Task
from ..tasklabels import task_label_variables
from ..vocabulary import CityRoundKind
from . import chart_of, router
from .city import ATTACHED_DOCUMENTS, CITY_PROCESS, PUBLIC_HANDLER_VARIABLES, start_at_city, tell_county

ROUND_DOCUMENTS = (*ATTACHED_DOCUMENTS, "handlingFeedbackDocument", "handlingFeedbackDocumentPdf",
                   "dissatisfactionReviewDocument", "dissatisfactionReviewDocumentPdf")
"""What a round carries from the county's instance, whichever it holds: the transfer's documents and what the
county's 回访 form links besides (办理情况反馈表, 不满意诉求审核反馈表, with their PDF copies), so the city's
round form links the same documents as the county's (tester 4 F7)."""

ROUND_MESSAGE = "CityRoundRequested"
ROUND_RETURNED_MESSAGE = "CityRoundReturned"

ROUND_VARIABLES = (
    "cityRoundKind", "cityRoundCount", "cityProcessInstanceId", "cityHandlerGroup", "cityHandlerGroupName",
    "cityRegistrationNumber", "cityDispatchNumber", "registrationNumber", "enterpriseName", "creditCode",
    "contactName", "contactPhone", "contactEmail", "problemDescription", "requestedHelp", "category", "channel",
    "followUpNote", "lastSatisfaction", "handlingRound", "reviewOpinion", "resultClass", "replyText", "replyMethod",
)
"""What the county's follow-up hands to the city's round (the forms show the enterprise, the problem, why it
is dissatisfied, the round, the county office's review opinion, and pre-fill the last reply)."""

ROUND_DUE_STEP = {CityRoundKind.REWORK: "rework", CityRoundKind.REVIEW_FORM: "reviewForm",
                  CityRoundKind.SUPERVISION: "supervision"}
"""Each round's step of dmn/AppealDeadlines.dmn, as for the county's own task."""

ROUND_RESULTS = {
    CityRoundKind.REWORK: ("resultClass", "replyText"),
    CityRoundKind.REVIEW_FORM: ("reviewExplanation", "departmentHeadName", "headSigned"),
    CityRoundKind.SUPERVISION: ("resultClass", "replyText"),
}
"""What each round's form (ReworkAppealForm, DissatisfactionReviewForm, SpecialSupervisionForm) gives back."""


def _kind(value: Any) -> CityRoundKind:
    try:
        return CityRoundKind(str(value))
    except ValueError:
        raise ModelError(f"unknown cityRoundKind {value!r} (set by the follow-up's flows to the city)") from None


def _round_instance(ctx: AppContext, key: str) -> str | None:
    found = ctx.camunda.get("/process-instance", processDefinitionKey=CITY_PROCESS, variables=f"cityRoundKey_eq_{key}")
    return found[0]["id"] if found else None


@router.topic("startCityRound", variables=ROUND_VARIABLES, throws=(ModelError,))
def start_city_round(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Send a dissatisfied enterprise's rework, review form or special supervision (`cityRoundKind`) of a
    transferred appeal to the city department that handled it: a new `CityAppeal` instance (message start
    `CityRoundRequested`, tenant `city`, business key the county's registration number).

    The round's key `{county instance}#{n}` (`cityRoundCount` + 1) makes a redelivered task find the instance
    it started. Raises ModelError when the appeal has no city department (`cityHandlerGroup`).
    """
    kind = _kind(task.get("cityRoundKind"))
    department = task.get("cityHandlerGroup")
    if not department:
        raise ModelError("the appeal has no cityHandlerGroup: it was not handled at the city")
    count = int(task.get("cityRoundCount") or 0) + 1
    key = f"{task.process_instance_id}#{count}"
    existing = _round_instance(ctx, key)
    if existing is None:
        chart = chart_of(task, ctx)
        variables: dict[str, Any] = {
            "cityRoundKey": key, "cityRoundKind": str(kind), "cityRoundCount": count,
            "roundCountyProcessInstanceId": task.process_instance_id,
            "cityProcessInstanceIdOfTransfer": task.get("cityProcessInstanceId"),
            "countyRegistrationNumber": task.get("registrationNumber"), "countyName": chart.county,
            "countyBusinessKey": task.business_key,
            "registrationNumber": task.get("cityRegistrationNumber"),
            "cityRegistrationNumber": task.get("cityRegistrationNumber"),
            "dispatchNumber": task.get("cityDispatchNumber"), "cityDispatchNumber": task.get("cityDispatchNumber"),
            "handlerGroup": department, "handlerGroupName": task.get("cityHandlerGroupName"),
        }
        for name in ("enterpriseName", "creditCode", "contactName", "contactPhone", "contactEmail",
                     "problemDescription", "requestedHelp", "category", "channel", "followUpNote", "lastSatisfaction",
                     "handlingRound", "reviewOpinion", "resultClass", "replyText", "replyMethod"):
            variables[name] = task.get(name)
        started = start_at_city(ctx, task, chart, ROUND_MESSAGE, task.get("registrationNumber"), variables,
                                ROUND_DOCUMENTS)
        existing = started or _round_instance(ctx, key)
    return {"cityRoundCount": count, "cityRoundProcessInstanceId": existing,
            "cityHandlingDepartmentName": task.get("cityHandlerGroupName"), "cityHandlingDue": None}


@router.topic("prepareCityRound", variables=("cityRoundKind", "category", "roundCountyProcessInstanceId"),
              throws=(ModelError,))
def prepare_city_round(task: Task, ctx: AppContext) -> dict[str, Any]:
    """The city round's due date (`cityRoundDue`): the county's step of dmn/AppealDeadlines.dmn for the same
    task (`rework` 3, `reviewForm` 3, `supervision` 10 working days) from now, on the working-day calendar;
    and what the city's task forms show (`categoryLabel`, `workdays`). The county's instance learns the due
    date (`cityHandlingDue`, its public progress lookup: city.PUBLIC_HANDLER_VARIABLES)."""
    kind = _kind(task.get("cityRoundKind"))
    deadlines = ctx.deadlines()
    output: dict[str, Any] = {}
    output.update(deadline_variables("cityRoundDue", deadlines.due(ROUND_DUE_STEP[kind])))
    output.update(task_label_variables(deadlines.calendar, task.get("category")))
    tell_county(ctx, task.get("roundCountyProcessInstanceId"), {"cityHandlingDue": output["cityRoundDue"]})
    return output


@router.topic("returnCityRound",
              variables=("cityRoundKind", "cityRoundKey", "roundCountyProcessInstanceId", "handlerGroupName",
                         "resultClass", "replyText", "reviewExplanation", "departmentHeadName", "headSigned"),
              throws=(ModelError,))
def return_city_round(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Hand the city department's round back to the county's appeal (message `CityRoundReturned`): the new
    reply (`resultClass`, `replyText`) of a rework or special supervision, or the review form's
    `reviewExplanation`, `departmentHeadName`, `headSigned`; the county follows up again, or renders the
    review form for its office's review.

    Idempotent: a redelivered task finds the county past the wait with this round's key
    (`cityRoundReturnedKey`). ModelError when the county does not wait for this round.
    """
    kind = _kind(task.get("cityRoundKind"))
    county = task.get("roundCountyProcessInstanceId")
    key = task.get("cityRoundKey")
    if not county:
        raise ModelError("the city round has no roundCountyProcessInstanceId to return to")
    returned_at = now().isoformat(timespec="seconds")
    variables: dict[str, Any] = {name: task.get(name) for name in ROUND_RESULTS[kind]}
    variables.update(cityRoundReturnedKey=key, cityRoundReturnedAt=returned_at,
                     cityRoundHandlerGroupName=task.get("handlerGroupName"),
                     **dict.fromkeys(PUBLIC_HANDLER_VARIABLES))  # back with the county's office
    if kind == CityRoundKind.REVIEW_FORM:  # the 填报单位 of the county's 不满意诉求审核反馈表
        variables["reviewDepartmentName"] = task.get("handlerGroupName")
    waiting = ctx.camunda.get("/execution", processInstanceId=county, messageEventSubscriptionName=ROUND_RETURNED_MESSAGE)
    if not waiting:
        delivered = ctx.camunda.get("/history/variable-instance", processInstanceId=county,
                                    variableName="cityRoundReturnedKey")
        if any(v.get("value") == key for v in delivered):
            return {"cityRoundReturnedAt": returned_at}
        raise ModelError(f"the county appeal {county} does not wait for the city's round {key}")
    ctx.camunda.correlate(ROUND_RETURNED_MESSAGE, process_instance_id=county, variables=variables)
    return {"cityRoundReturnedAt": returned_at}
