"""December 回头看 (spec §13, 泽州 一): re-check the year's closed appeals; re-open what came back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..context import AppContext
from ..deadlines import deadline_variables, now
from ..runtime import Task
from ..vocabulary import LOOK_BACK_CLOSE_REASON_LABELS, REGISTRATION_FIELDS
from ..workdays import SHANGHAI
from . import router

RECHECKED = frozenset(LOOK_BACK_CLOSE_REASON_LABELS)


def _history_values(ctx: AppContext, process_instance_ids: list[str], names: str) -> dict[str, dict[str, Any]]:
    camunda = ctx.camunda
    values: dict[str, dict[str, Any]] = {}
    for start in range(0, len(process_instance_ids), 50):
        chunk = ",".join(process_instance_ids[start:start + 50])
        for var in camunda.post("/history/variable-instance?deserializeValues=false",
                                {"processInstanceIdIn": chunk.split(","), "variableNameIn": names.split(",")}):
            values.setdefault(var["processInstanceId"], {})[var["name"]] = var.get("value")
    return values


@router.topic("selectLookBackAppeals", variables=())
def select_look_back_appeals(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Appeals closed this year (not out of scope, not withdrawn): one re-check each.

    `lookBackDue` from dmn/AppealDeadlines.dmn (step `review`) on the working-day calendar.
    """
    year_start = dt.datetime(now().year, 1, 1, tzinfo=SHANGHAI)
    finished = ctx.camunda.get(
        "/history/process-instance", processDefinitionKey="EnterpriseAppeal", finished="true",
        finishedAfter=year_start.strftime("%Y-%m-%dT%H:%M:%S.000%z"), maxResults=5000)
    ids = [p["id"] for p in finished]
    values = _history_values(ctx, ids, "closeReason,registrationNumber,enterpriseName,handlerGroupName")
    items = []
    for pid in ids:
        v = values.get(pid, {})
        if v.get("closeReason") not in RECHECKED:
            continue
        items.append({"processInstanceId": pid, "registrationNumber": v.get("registrationNumber") or "",
                      "enterpriseName": v.get("enterpriseName") or "", "department": v.get("handlerGroupName") or "",
                      "closeReason": LOOK_BACK_CLOSE_REASON_LABELS.get(v.get("closeReason"), v.get("closeReason"))})
    items.sort(key=lambda i: i["registrationNumber"])
    output: dict[str, Any] = {"lookBackItems": items, "lookBackCount": len(items), "lookBackYear": now().year}
    output.update(deadline_variables("lookBackDue", ctx.deadlines().due("review")))
    return output


@router.topic("recordLookBack", variables=("lookBackYear",))
def record_look_back(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Appeals whose problem came back start again (business key LOOKBACK-<original>), once."""
    camunda = ctx.camunda
    answers: dict[str, dict[str, Any]] = {}
    for var in camunda.get("/history/variable-instance", processInstanceId=task.process_instance_id,
                           variableNameIn="lookBackPid,lookBackSolved,lookBackNote", deserializeValues="false"):
        answers.setdefault(var["executionId"], {})[var["name"]] = var.get("value")
    reopened = []
    for answer in answers.values():
        if answer.get("lookBackSolved") != "no" or not answer.get("lookBackPid"):
            continue
        original = answer["lookBackPid"]
        key = f"LOOKBACK-{original}"
        if camunda.get("/history/process-instance", processInstanceBusinessKey=key):
            reopened.append(key)
            continue
        fields = _history_values(ctx, [original], ",".join(REGISTRATION_FIELDS)).get(original, {})
        fields = {k: v for k, v in fields.items() if v is not None}
        fields["channel"] = "self_report"
        fields["externalId"] = original
        county = (camunda.get(f"/history/process-instance/{original}") or {}).get("tenantId")
        if county:  # the reopened appeal stays in the original's county
            fields["countyCode"] = county
        fields["problemDescription"] = f"【回头看发现问题反弹】{answer.get('lookBackNote') or ''}\n原诉求：{fields.get('problemDescription', '')}"
        camunda.correlate("AppealSubmitted", business_key=key, variables=fields)
        reopened.append(key)
    return {"lookBackReopened": reopened, "lookBackReviewed": len(answers)}
