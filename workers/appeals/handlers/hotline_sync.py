"""The 12345 sync (spec §16): bpmn/HotlineSync.bpmn runs `pullHotlineOrders` every few minutes.

Not configured (no APPEALS_HOTLINE_URL): the task completes with a note — nothing to do, no
failure every five minutes. The hotline down: the sync raises after its retries and the engine
retries the task, then raises an incident; while one sync task is already failing, later ones
complete with a note instead of piling up more incidents (one incident per outage). Nothing is
lost either way: the next successful sync starts from the same watermark.
"""

from __future__ import annotations

from typing import Any

from ..camunda import Camunda
from ..context import AppContext
from ..hotline import HotlineError
from ..hotline.sync import sync
from ..runtime import Task
from . import router

TOPIC = "pullHotlineOrders"


def other_failing_sync(camunda: Camunda, task_id: str) -> str | None:
    """The id of another pullHotlineOrders task that already failed (retrying or an incident)."""
    for task in camunda.get("/external-task", topicName=TOPIC) or []:
        if task.get("id") != task_id and task.get("errorMessage"):
            return task["id"]
    return None


@router.topic(TOPIC, lock_duration_ms=120_000, retries=3, backoff_ms=30_000, auto_extend=True)
def pull_hotline_orders(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Pull new and changed 12345 orders into appeals, forward their events, retry pending pushes."""
    config = ctx.settings.hotline
    if not config.configured:
        return {"syncNote": "未配置12345接口（APPEALS_HOTLINE_URL），本次无需同步"}
    try:
        report = sync(config, db=ctx.db, camunda=ctx.camunda)
    except HotlineError as exc:
        failing = other_failing_sync(ctx.camunda, task.id)
        if failing:
            return {"syncNote": f"{exc}（同步任务{failing}已报告此故障，本次不重复报错）",
                    "syncReport": exc.report.as_dict() if exc.report else None}
        raise
    return {"syncNote": report.summary(), "syncReport": report.as_dict()}
