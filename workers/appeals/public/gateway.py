"""What the public pages ask of the engine, as the technical user `appeals-public`.

Every call is one the `public-channel` group is granted (see `appeals.org.PUBLIC_GRANTS`): start
an appeal by the message `AppealSubmitted`, read a whitelisted set of an appeal's variables and
whether it waits at the follow-up from history, and correlate `SurveyAnswered`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..camunda import Camunda, CamundaError, from_variable

PROCESS_KEY = "EnterpriseAppeal"
SURVEY_MESSAGE = "SurveyAnswered"
SUBMIT_MESSAGE = "AppealSubmitted"
FOLLOW_UP_TASK = "Task_FollowUp"  # BoundaryEvent_SurveyAnswered is attached to it

# The only variables the public pages ever read (the phones only to compare, never shown).
PUBLIC_VARIABLES = (
    "registrationNumber", "registrationValid", "contactPhone", "otherContactPhones", "appealStatus", "receivedAt",
    "dispatchedAt", "handlerGroupName", "handlingDue", "reworkDue", "resultReportedAt", "resultClass",
    "replyText", "scopeDecision", "consultationAnswer", "outOfScopeReason", "closedAt", "closeReason",
    "followUpHistory", "cityHandlingDepartmentName", "cityHandlingDue",
)


class EngineUnavailable(RuntimeError):
    """The engine could not be reached or answered with a server error."""


class NotWaiting(RuntimeError):
    """The appeal does not wait for the survey answer (any more)."""


def _call(fn, *args, **kwargs):
    import requests

    try:
        return fn(*args, **kwargs)
    except requests.RequestException as exc:
        raise EngineUnavailable(type(exc).__name__) from None
    except CamundaError as exc:
        if exc.status >= 500 or exc.status in (401, 403):
            raise EngineUnavailable(f"HTTP {exc.status}") from exc
        raise


class EngineGateway:
    def __init__(self, camunda: Camunda) -> None:
        self.camunda = camunda

    # --- intake -------------------------------------------------------------------------------
    def submit(self, business_key: str, variables: Mapping[str, Any]) -> str:
        """Start an appeal by correlating AppealSubmitted; returns its process instance id."""
        result = _call(self.camunda.correlate, SUBMIT_MESSAGE, business_key=business_key, variables=variables)
        instance = result.get("processInstance") or {}
        if not instance.get("id"):
            raise EngineUnavailable("the message started no process instance")
        return instance["id"]

    def find_by_business_key(self, business_key: str) -> str | None:
        found = _call(self.camunda.post, "/history/process-instance",
                      {"processDefinitionKey": PROCESS_KEY, "processInstanceBusinessKey": business_key})
        return found[0]["id"] if found else None

    def find_by_registration_number(self, number: str) -> str | None:
        found = _call(self.camunda.post, "/history/process-instance", {
            "processDefinitionKey": PROCESS_KEY,
            "variables": [{"name": "registrationNumber", "operator": "eq", "value": number}],
        })
        return found[0]["id"] if len(found) == 1 else None

    # --- reading ------------------------------------------------------------------------------
    def instance(self, process_instance_id: str) -> dict[str, Any] | None:
        """State and start time of an appeal (from history), or None."""
        found = _call(self.camunda.post, "/history/process-instance",
                      {"processDefinitionKey": PROCESS_KEY, "processInstanceId": process_instance_id})
        return found[0] if found else None

    def variables(self, process_instance_id: str, names: Iterable[str] = PUBLIC_VARIABLES) -> dict[str, Any]:
        """The named process-level variables of an appeal, running or ended (history)."""
        wanted = [n for n in names if n in PUBLIC_VARIABLES]
        rows = _call(self.camunda.get, "/history/variable-instance", processInstanceId=process_instance_id,
                     variableNameIn=",".join(wanted), deserializeValues="false")
        values: dict[str, Any] = {}
        for row in rows or []:
            name = row.get("name")
            if name not in wanted:
                continue
            # a process-level variable lives in the instance's own scope; prefer it over local ones
            if name in values and row.get("activityInstanceId") != process_instance_id:
                continue
            values[name] = from_variable(row)
        return values

    # --- survey -------------------------------------------------------------------------------
    def waits_for_survey(self, process_instance_id: str) -> bool:
        """The appeal waits at Task_FollowUp, whose boundary event takes SurveyAnswered (history
        is written in the same transaction as the runtime, so it is current)."""
        open_follow_ups = _call(self.camunda.get, "/history/activity-instance", processInstanceId=process_instance_id,
                                activityId=FOLLOW_UP_TASK, unfinished="true")
        return bool(open_follow_ups)

    def answer_survey(self, process_instance_id: str, variables: Mapping[str, Any]) -> None:
        try:
            _call(self.camunda.correlate, SURVEY_MESSAGE, process_instance_id=process_instance_id,
                  variables=variables)
        except CamundaError as exc:
            if exc.status in (400, 404, 409):  # MismatchingMessageCorrelation: nothing waits
                raise NotWaiting(exc.type or f"HTTP {exc.status}") from exc
            raise
