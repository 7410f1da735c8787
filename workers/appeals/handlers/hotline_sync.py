"""The 12345 sync (spec §16): bpmn/HotlineSync.bpmn runs `pullHotlineOrders` every few minutes.

Each county has its own feed (`Settings.hotline_feeds`: APPEALS_HOTLINE_URL for the chart's own county,
APPEALS_HOTLINE_URL__<TENANT> for the others): one task syncs every feed in turn, each county's orders
into appeals of that county (docs/city-level.md). The worker fans out rather than the engine (one
instance per county) because the process has no user task — nobody of a county sees it — and one
instance every five minutes keeps the history as it was; one county's platform being down fails the task
after the other feeds were synced, so it never holds them up.

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
from ..hotline.sync import sync_all
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
    """Pull new and changed 12345 orders of every county's feed into appeals of that county, forward
    their events, retry pending pushes. `syncReport`: the report of the chart's own county's feed when it
    is the only one, else {county: report} (the chart's own county under "")."""
    feeds = ctx.settings.hotline_feeds()
    if not feeds:
        return {"syncNote": "未配置12345接口（APPEALS_HOTLINE_URL），本次无需同步"}
    outcomes = sync_all(feeds, db=ctx.db, camunda=ctx.camunda)
    several = len(outcomes) > 1 or outcomes[0][0].county is not None

    try:
        chart = ctx.org_chart()
    except LookupError:
        chart = None

    def label(county: str | None, text: str) -> str:
        """The text with the feed's county (乙县; 本县 for the chart's own) when there are several feeds."""
        if not several:
            return text
        name = "本县" if county is None else (chart.county_of_tenant(county) if chart else county)
        return f"【{name}】{text}"

    notes = [label(config.county, str(error) if error else report.summary()) for config, report, error in outcomes]
    reports = ({config.county or "": report.as_dict() for config, report, _ in outcomes} if several
               else outcomes[0][1].as_dict())
    errors = [(config, error) for config, _, error in outcomes if error is not None]
    if errors:
        failing = other_failing_sync(ctx.camunda, task.id)
        if failing:
            return {"syncNote": "\n".join(notes) + f"（同步任务{failing}已报告此故障，本次不重复报错）",
                    "syncReport": reports}
        if not several:
            raise errors[0][1]
        raise HotlineError("；".join(label(config.county, str(error)) for config, error in errors))
    return {"syncNote": "\n".join(notes), "syncReport": reports}
