"""Milestones of an appeal, reported from the workers that reach them.

At each milestone the reporting ledger is brought up to date (spec §14) and the 12345 platform hears
about an appeal that came from it (status push-back, spec §16). Both are idempotent: a redelivered
task repeats nothing. The milestone workers declare `MILESTONE_VARIABLES` so that both see the
variables they need.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from .hotline.outbox import PUSH_VARIABLES, push_status
from .ledger.recording import MILESTONES, handler_variables, record_milestone
from .runtime import Task
from .services import services

log = logging.getLogger(__name__)

MILESTONE_VARIABLES: tuple[str, ...] = tuple(dict.fromkeys(
    [*PUSH_VARIABLES, *(v for m in MILESTONES for v in handler_variables(m))]))
HOTLINE_MILESTONES = {"registered": "registered", "dispatched": "dispatched", "signed": "signed",
                      "result_reported": "replied", "closed": "closed"}


def reached(task: Task, milestone: str, output: Mapping[str, Any], at: dt.datetime | None = None) -> None:
    """`milestone` (a ledger milestone) is reached with the task's variables as updated by `output`."""
    variables = {**task.variables, **output, "businessKey": task.business_key}
    record_milestone(services().db, task.process_instance_id, milestone, variables, at=at)
    hotline_milestone = HOTLINE_MILESTONES.get(milestone)
    if hotline_milestone and variables.get("channel") == "hotline":
        result = push_status(variables.get("externalId"), hotline_milestone, variables,
                             key=f"{task.process_instance_id}:{task.activity_instance_id or task.id}:{hotline_milestone}")
        if not result.delivered and not result.skipped:
            log.warning("12345 status %s for %s queued for the next sync: %s", hotline_milestone,
                        variables.get("externalId"), result.note)
