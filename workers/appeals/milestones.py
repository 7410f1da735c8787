"""The milestone after-hook: the ledger update and the 12345 status push, in one place.

A topic declares the milestone it reaches (`@router.topic(..., milestone="dispatched")`, see
`appeals.runtime.router.Milestone`); after its handler has returned, and before the task is
completed, the runtime runs `record_milestone_hook`:

1. the reporting ledger is brought up to date (spec §14, `appeals.ledger.recording`);
2. an appeal that came from the 12345 hotline has its status pushed back (spec §16) for the
   milestones the platform knows (`HOTLINE_MILESTONES`).

Both are idempotent: the ledger merges facts, and the push is keyed on
`<process instance>:<activity instance or task id>:<hotline milestone>`, so a redelivered task
repeats nothing. A failure of either fails the task like a handler failure (retries, incident).
The topic fetches only its milestone's variables (`milestone_variables`) next to its own.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .hotline.outbox import PUSH_VARIABLES, push_status
from .ledger.recording import handler_variables, record_milestone
from .runtime import Task, Topic

log = logging.getLogger(__name__)

HOTLINE_MILESTONES = {"registered": "registered", "dispatched": "dispatched", "signed": "signed",
                      "result_reported": "replied", "closed": "closed"}


def milestone_variables(milestone: str) -> tuple[str, ...]:
    """The process variables the after-hook reads for `milestone` (the ledger's, and the push's)."""
    names = list(handler_variables(milestone))
    if milestone in HOTLINE_MILESTONES:
        names += PUSH_VARIABLES
    return tuple(dict.fromkeys(names))


def record_milestone_hook(topic: Topic, task: Task, output: Mapping[str, Any], ctx: Any) -> None:
    """After-hook: the topic's milestone, if it declares one and the output reaches it."""
    milestone = topic.milestone
    if milestone is None or not milestone.reached(output):
        return
    at = milestone.at(task, ctx) if milestone.at is not None else None
    # the appeal's county: the instance's tenant (without one, the ledger takes the chart's own county)
    variables = {**task.variables, **output, "businessKey": task.business_key, "tenantId": task.tenant_id}
    record_milestone(ctx.db, task.process_instance_id, milestone.name, variables, at=at)
    hotline_milestone = HOTLINE_MILESTONES.get(milestone.name)
    if hotline_milestone and variables.get("channel") == "hotline":
        result = push_status(variables.get("externalId"), hotline_milestone, variables,
                             key=f"{task.process_instance_id}:{task.activity_instance_id or task.id}:{hotline_milestone}",
                             db=ctx.db, config=ctx.settings.hotline, feeds=ctx.settings.hotline_for)
        if not result.delivered and not result.skipped:
            log.warning("12345 status %s for %s queued for the next sync: %s", hotline_milestone,
                        variables.get("externalId"), result.note)
