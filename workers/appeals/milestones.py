"""Milestones of an appeal, reported from the workers that reach them.

At each milestone the 12345 platform hears about an appeal that came from it (status push-back,
spec §16) and the reporting ledger is brought up to date (spec §14). Both are idempotent: a
redelivered task repeats nothing. The workers declare `MILESTONE_VARIABLES` so that both see the
variables they need.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .hotline.sync import PUSH_VARIABLES, push_status
from .runtime import Task

log = logging.getLogger(__name__)

MILESTONE_VARIABLES: tuple[str, ...] = tuple(dict.fromkeys(PUSH_VARIABLES))


def reached(task: Task, milestone: str, output: Mapping[str, Any]) -> None:
    """`milestone` is reached with the task's variables as updated by `output`."""
    variables = {**task.variables, **output}
    if variables.get("channel") == "hotline":
        result = push_status(variables.get("externalId"), milestone, variables,
                             key=f"{task.process_instance_id}:{task.activity_instance_id or task.id}:{milestone}")
        if not result.delivered and not result.skipped:
            log.warning("12345 status %s for %s queued for the next sync: %s", milestone,
                        variables.get("externalId"), result.note)
