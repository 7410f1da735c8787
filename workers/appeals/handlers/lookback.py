"""December 回头看 (spec §13, 泽州 一): re-check the year's closed appeals; re-open what came back.

One look-back per county: the December timer's instance (no tenant) only starts each county's own
(`startCountyLookBacks`: message StartLookBack with the county's `countyCode`, so the instance is in the
county's tenant); that one re-checks the county's appeals only, and its tasks go to the county's office.
The engine fans out (an instance per county) rather than the worker, since the look-back has user tasks:
an instance without tenant would show every county's appeals to every county's office.
"""

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


LOOK_BACK_MESSAGE = "StartLookBack"


def look_back_key(year: int, tenant: str | None) -> str:
    """The business key of a county's look-back of a year (one per county and year)."""
    return f"LOOKBACK-{year}" + (f"-{tenant}" if tenant else "")


@router.topic("startCountyLookBacks", variables=())
def start_county_look_backs(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Start the look-back of each county of the chart in its tenant (once per county and year: a
    redelivered task finds the ones it started). Without tenants: one look-back without county."""
    try:
        chart = ctx.org_chart()
        tenants: list[str | None] = [c.tenant for c in chart.all_counties() if c.tenant] or [None]
    except LookupError:
        tenants = [None]
    year = now().year
    started: list[str] = []
    for tenant in tenants:
        key = look_back_key(year, tenant)
        if not ctx.camunda.get("/history/process-instance", processDefinitionKey="YearEndLookBack",
                               processInstanceBusinessKey=key):
            ctx.camunda.correlate(LOOK_BACK_MESSAGE, business_key=key,
                                  variables={"countyCode": tenant} if tenant else None)
        started.append(key)
    return {"countyLookBacks": started}


def _closed_this_year(ctx: AppContext, tenant: str | None, home: bool) -> list[dict[str, Any]]:
    """Appeals finished this year: of the county `tenant` (with those without tenant for the chart's own
    county, `home`), or of every county for None."""
    year_start = dt.datetime(now().year, 1, 1, tzinfo=SHANGHAI)
    query = {"processDefinitionKey": "EnterpriseAppeal", "finished": "true",
             "finishedAfter": year_start.strftime("%Y-%m-%dT%H:%M:%S.000%z"), "maxResults": 5000}
    if tenant is None:
        return ctx.camunda.get("/history/process-instance", **query) or []
    found = ctx.camunda.get("/history/process-instance", tenantIdIn=tenant, **query) or []
    if home:
        found += ctx.camunda.get("/history/process-instance", withoutTenantId="true", **query) or []
    return found


@router.topic("selectLookBackAppeals", variables=())
def select_look_back_appeals(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Appeals closed this year (not out of scope, not withdrawn) of the look-back's county (its
    tenant; an instance without tenant: the chart's own county, docs/city-level.md): one re-check each.

    `lookBackDue` from dmn/AppealDeadlines.dmn (step `review`) on the working-day calendar.
    """
    try:
        chart = ctx.org_chart()
        tenant = task.tenant_id or chart.tenant
        home = tenant == chart.tenant
    except LookupError:
        tenant, home = task.tenant_id, False
    finished = _closed_this_year(ctx, tenant, home)
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
