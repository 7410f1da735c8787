"""Rebuilding the ledger from the engine's history (`appeals ledger rebuild`).

For every historic EnterpriseAppeal instance: its final variables (historic variable instances),
the times of the milestones that have no time variable (historic activity instances:
Task_RegisterAppeal end = registered when `registeredAt` is absent; the last completed
Task_SignDispatch end = signed), and the first value of `resultReportedAt` (historic variable
updates, history level full). The milestones that happened are then applied, in the order they
happened, through the same mapping and merge as `record_milestone`, so the rebuilt ledger equals
the one kept step by step (tests/engine/test_ledger.py compares them row by row).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy.engine import Engine

from ..camunda import Camunda, from_variable
from ..context import home_county_code
from ..vocabulary import SignDecision
from .recording import APPEALS, FOLLOW_UPS, apply_facts, facts_for, utc

log = logging.getLogger(__name__)

PROCESS_KEY = "EnterpriseAppeal"
PAGE = 500
BATCH = 50


def signed_time(camunda: Camunda, process_instance_id: str) -> dt.datetime | None:
    """When the lead department signed: the end of the last completed Task_SignDispatch (UTC, s).

    The handler that records the `signed` milestone passes this as `at`; the rebuild uses it too."""
    return _last_end(camunda.get("/history/activity-instance", processInstanceId=process_instance_id,
                                 activityId="Task_SignDispatch", finished="true"))


def _last_end(instances: Iterable[dict[str, Any]]) -> dt.datetime | None:
    ends = [utc(a["endTime"]) for a in instances if a.get("endTime") and not a.get("canceled")]
    return max(ends) if ends else None


def _pages(camunda: Camunda, path: str, **params: Any) -> Iterator[dict[str, Any]]:
    first = 0
    while True:
        page = camunda.get(path, firstResult=first, maxResults=PAGE, **params)
        yield from page
        if len(page) < PAGE:
            return
        first += PAGE


def historic_instances(camunda: Camunda, since: dt.datetime | None = None) -> list[dict[str, Any]]:
    """EnterpriseAppeal instances: all, or those started or finished since `since`, and all unfinished."""
    base = {"processDefinitionKey": PROCESS_KEY, "sortBy": "startTime", "sortOrder": "asc"}
    if since is None:
        return list(_pages(camunda, "/history/process-instance", **base))
    stamp = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    found: dict[str, dict[str, Any]] = {}
    for params in ({"startedAfter": stamp}, {"finishedAfter": stamp}, {"unfinished": "true"}):
        for instance in _pages(camunda, "/history/process-instance", **base, **params):
            found[instance["id"]] = instance
    return sorted(found.values(), key=lambda i: i["startTime"])


def _variables(camunda: Camunda, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Final process-level variables of the instances (local variables of inner scopes ignored)."""
    out: dict[str, dict[str, Any]] = {i: {} for i in ids}
    ids_of_var: dict[str, dict[str, str]] = {i: {} for i in ids}
    for var in _pages(camunda, "/history/variable-instance", processInstanceIdIn=",".join(ids),
                      deserializeValues="false"):
        pid = var["processInstanceId"]
        if var.get("activityInstanceId") not in (pid, None) and var.get("executionId") != pid:
            continue  # local to a task or multi-instance body
        if var.get("type") in ("File", "Bytes", "Object"):
            continue
        if var.get("state") == "DELETED":
            continue
        out[pid][var["name"]] = from_variable(var)
        ids_of_var[pid][var["name"]] = var["id"]
    for pid in ids:
        out[pid]["_variableIds"] = ids_of_var[pid]
    return out


def _activity_ends(camunda: Camunda, activity_id: str, ids: set[str]) -> dict[str, dt.datetime]:
    ends: dict[str, list[dict[str, Any]]] = {}
    for instance in _pages(camunda, "/history/activity-instance", activityId=activity_id, finished="true",
                           processDefinitionKey=PROCESS_KEY):
        if instance["processInstanceId"] in ids:
            ends.setdefault(instance["processInstanceId"], []).append(instance)
    return {pid: end for pid, found in ends.items() if (end := _last_end(found)) is not None}


def _first_value(camunda: Camunda, variable_instance_id: str) -> Any:
    updates = camunda.get("/history/detail", variableInstanceId=variable_instance_id, variableUpdates="true",
                          deserializeValues="false", sortBy="time", sortOrder="asc")
    values = [utc(u.get("value")) for u in updates if u.get("value")]
    values = [v for v in values if v is not None]
    return min(values) if values else None


def milestone_plan(instance: dict[str, Any], variables: dict[str, Any], registered_end: dt.datetime | None,
                   signed_end: dt.datetime | None, first_result: dt.datetime | None, home: str | None = None
                   ) -> list[tuple[str, dict[str, Any], dt.datetime | None]]:
    """The milestones an instance went through, with the variables and time to apply each with
    (`home`: the chart's own county, the county of an instance without tenant)."""
    v = {**variables, "businessKey": instance.get("businessKey"), "tenantId": instance.get("tenantId") or home}
    plan: list[tuple[str, dict[str, Any], dt.datetime | None]] = []
    if v.get("registrationNumber"):
        plan.append(("registered", v, registered_end))
    if v.get("dispatchedAt"):
        plan.append(("dispatched", v, None))
    if v.get("signDecision") == SignDecision.SIGN and (v.get("signedAt") or signed_end):
        plan.append(("signed", v, signed_end))
    if v.get("signDecision") == SignDecision.RETURN:
        plan.append(("returned", v, None))
    if int(v.get("extensionCount") or 0) > 0:
        plan.append(("extension", v, None))
    if v.get("resultReportedAt"):
        if first_result is not None:
            plan.append(("result_reported", {**v, "resultReportedAt": first_result.isoformat()}, None))
        plan.append(("result_reported", v, None))
    if v.get("followUpHistory"):
        plan.append(("followed_up", v, None))
    if v.get("closedAt"):
        plan.append(("closed", v, None))
    return plan


@dataclass
class RebuildSummary:
    instances: int = 0
    appeals: int = 0


def rebuild_from_history(
    camunda: Camunda,
    engine: Engine,
    since: dt.datetime | None = None,
    *,
    process_instance_ids: Iterable[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RebuildSummary:
    """Rebuild the ledger rows of the EnterpriseAppeal instances from history.

    Without `since`, every instance; with it, those started or finished since then and all running
    ones. Each rebuilt appeal's row and follow-ups are replaced; cards are kept (they are not in the
    process history). `progress(n, total)` is called after each batch of n instances."""
    instances = historic_instances(camunda, since)
    if process_instance_ids is not None:
        wanted = set(process_instance_ids)
        instances = [i for i in instances if i["id"] in wanted]
    summary = RebuildSummary(instances=len(instances))
    home = home_county_code(engine)
    ids = {i["id"] for i in instances}
    registered_ends = _activity_ends(camunda, "Task_RegisterAppeal", ids) if ids else {}
    signed_ends = _activity_ends(camunda, "Task_SignDispatch", ids) if ids else {}
    for start in range(0, len(instances), BATCH):
        batch = instances[start:start + BATCH]
        variables = _variables(camunda, [i["id"] for i in batch])
        with engine.begin() as conn:
            for instance in batch:
                pid = instance["id"]
                v = variables[pid]
                var_ids = v.pop("_variableIds")
                first = _first_value(camunda, var_ids["resultReportedAt"]) if "resultReportedAt" in var_ids else None
                plan = milestone_plan(instance, v, registered_ends.get(pid), signed_ends.get(pid), first, home)
                conn.execute(delete(FOLLOW_UPS).where(FOLLOW_UPS.c.process_instance_id == pid))
                if not plan:
                    continue
                existing = conn.execute(APPEALS.select().where(APPEALS.c.process_instance_id == pid)).first()
                if existing is not None:  # replace the row's content; a row cards refer to stays
                    if _has_cards(conn, pid):
                        _reset(conn, pid)
                    else:
                        conn.execute(APPEALS.delete().where(APPEALS.c.process_instance_id == pid))
                facts = [facts_for(name, values, at) for name, values, at in plan]
                for fact in sorted(facts, key=lambda f: f.time):
                    apply_facts(conn, pid, fact)
                summary.appeals += 1
        if progress:
            progress(len(batch), len(instances))
    log.info("ledger rebuilt: %d instances, %d appeals", summary.instances, summary.appeals)
    return summary


def _has_cards(conn, pid: str) -> bool:
    from ..db.ledger_models import LedgerCard

    cards = LedgerCard.__table__
    return conn.execute(cards.select().where(cards.c.process_instance_id == pid).limit(1)).first() is not None


def _reset(conn, pid: str) -> None:
    """Blank every column of a row that cards refer to, so the rebuild fills it afresh."""
    blank = {c.name: None for c in APPEALS.columns if c.name != "process_instance_id" and c.nullable}
    blank.update({"dispatch_count": 0, "return_count": 0, "extension_count": 0, "follow_up_rounds": 0,
                  "status": "registered"})
    conn.execute(APPEALS.update().where(APPEALS.c.process_instance_id == pid).values(**blank))
