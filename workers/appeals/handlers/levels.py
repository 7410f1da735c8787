"""The two levels, county and city (临沧 第三条、第十二—十三条; domain §7, §10), and the hand-over between them.

Each level approves its dispatches and escalates what its departments cannot solve by the same pattern,
with its own groups: a `Level` names them. `approver_group` is who approves a dispatch at a level,
`escalation_start` the first step up a level's chain (county: 分管副县长 → 县长 → the city; city: 分管副市长
→ 市长), `reminder_number` the 催办函's number in the level's 催 series and `interview_group` who interviews
a carded department (dmn/CardLadder.dmn, 临沧 第十八条: the city supervises its departments as a county does),
and `transfer_record` the county's 转报单 to the city, whichever way the appeal goes there (the
escalation chain or the dispatch decision 转报市级). This module registers no topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..context import AppContext
from ..deadlines import deadline_variables, now
from ..numbering import issue_number
from ..org import OrgChart
from ..runtime import ModelError, Task
from ..vocabulary import AppealStatus, SupervisionLevel
from . import chart_of


@dataclass(frozen=True)
class Level:
    """One level's groups: the decision table's role for "the deputy overseeing the lead department",
    the org-chart lookup of that deputy, the group kind above it and the level's approval table; its
    name (`supervisionLevel` of dmn/CardLadder.dmn and the card ledger's `level`) and the number kind of
    its 催办函; the words by which a message names the level's government and task force (the card e-mail's
    interview sentence: 县政府领导 / 市政府领导, 专班 / 市级专班, as dmn/CardLadder.dmn's `interviewTitle`)."""
    deputy_role: str
    deputy_lookup: str  # an OrgChart method: department group id -> the overseeing deputy's group or None
    top_kind: str
    table: str
    name: SupervisionLevel = SupervisionLevel.COUNTY
    reminder_kind: str = "reminder"  # numbering.KINDS
    government: str = "县政府"
    task_force: str = "专班"


COUNTY_LEVEL = Level("deputy-head", "deputy_for", "county-head", "DispatchApproval")  # L 第十二条
CITY_LEVEL = Level("city-deputy-leader", "city_deputy_for", "city-leader", "CityDispatchApproval",  # L 第十三条
                   SupervisionLevel.CITY, "city_reminder", government="市政府", task_force="市级专班")
LEVELS = {level.name: level for level in (COUNTY_LEVEL, CITY_LEVEL)}


def level_named(name: str | None) -> Level:
    """The level whose `name` (`SupervisionLevel`: `county`, `city`) a process variable carries (`cardLevel`);
    none (a card recorded before the variable existed) is the county's. Raises ModelError for another name."""
    if not name:
        return COUNTY_LEVEL
    try:
        return LEVELS[SupervisionLevel(name)]
    except ValueError:
        raise ModelError(f"unknown supervision level '{name}' (one of {', '.join(LEVELS)})") from None

OVERDUE_REASON = "超过办理时限仍未办结，提级协调"
"""The escalation reason when the long-overdue timer, not the department, pushed the appeal up."""


def approver_group(chart: OrgChart, role: str, lead: str, level: Level = COUNTY_LEVEL,
                   source: str | None = None) -> str:
    """The group that approves a dispatch: the level's decision table (dmn/DispatchApproval.dmn,
    dmn/CityDispatchApproval.dmn) names it as `approverRole`.

    The level's deputy role stands for the deputy overseeing the lead department, an org-chart fact
    (`deputy_for`, `city_deputy_for`); a department nobody oversees goes to the group of the level's top
    kind (county head, city leader). Raises ModelError when the table names a group the chart does not have
    (`source` names the table's output in the message; default: the level's approval table's `approverRole`).
    """
    if role == level.deputy_role:
        deputy = getattr(chart, level.deputy_lookup)(lead)
        return deputy.id if deputy is not None else chart.of_kind(level.top_kind)[0].id
    if role not in {g.id for g in chart.groups}:
        raise ModelError(f"the org chart has no group '{role}' ({source or f'{level.table} output approverRole'})")
    return role


def interview_group(chart: OrgChart, role: str, department: str, level: Level) -> str:
    """The group that interviews a carded department (约谈, 临沧 第十八条; 滕州 二(四)2): dmn/CardLadder.dmn's
    `interviewGroup` for the level — a group of the chart (county: `office`, `county-head`; city:
    `city-office-director`), or the level's deputy role (`city-deputy-leader`), which stands for the deputy
    overseeing the department, as in `approver_group`. Raises ModelError for a group the chart lacks."""
    return approver_group(chart, role, department, level, source="CardLadder output interviewGroup")


def reminder_number(ctx: AppContext, chart: OrgChart, owner: str, level: Level) -> str:
    """The 催办函's number (临沧 第十八条), gap-free per year in the level's 催 series: the county's
    `{county}服企办催（年）第N号` (each county its own, `numbering.series_kind`), the city's
    `{city}服企办催（年）第N号` (one per city, whichever county transferred). Idempotent per `owner`."""
    if level.name == SupervisionLevel.CITY:
        return issue_number(ctx.db, level.reminder_kind, owner, chart.city_prefix)
    return issue_number(ctx.db, level.reminder_kind, owner, chart.number_prefix, series=chart.number_series)


def escalation_start(task: Task, ctx: AppContext, level: Level, department: str,
                     due_names: tuple[str, ...]) -> dict[str, Any]:
    """The first step up `level`'s chain (domain §10): a department cannot resolve it
    (`handlingAction = escalate`, its `escalationReason`), or it stayed overdue too long (the timer).

    The group is the deputy overseeing `department` at that level, or the level's top group
    (`approver_group` with the level's deputy role); one due date per level of the chain, named by
    `due_names` in order, each `coordination` step of dmn/AppealDeadlines.dmn after the one before, on
    the working-day calendar; `coordinationDue` is the first. Returns the process variables.
    """
    chart = chart_of(task, ctx)
    group = approver_group(chart, level.deputy_role, department, level)
    timed_out = task.get("handlingAction") != "escalate"
    output: dict[str, Any] = {
        "escalationGroup": group,
        "escalationLevelName": chart.group(group).name,
        "escalationReason": OVERDUE_REASON if timed_out else task.get("escalationReason"),
        "escalationTrigger": "overdue" if timed_out else "department",
        "handlingAction": None,
        "coordinationDecision": None,
    }
    deadlines = ctx.deadlines()
    previous = None
    for name in due_names:
        previous = deadlines.due("coordination", previous.due if previous else None)
        output.update(deadline_variables(name, previous))
    output["coordinationDue"] = output[due_names[0]]
    return output


def transfer_record(ctx: AppContext, chart: OrgChart, owner: str) -> dict[str, Any]:
    """The 转报单 of a transfer to the city (临沧 第三条; L 转报单): its number in the county's 报 series
    (`{county}服企办报（年）第N号`, idempotent per `owner`), the transfer time (ISO 8601, Asia/Shanghai) and
    the status. Both ways to the city use it: the escalation chain (`transferToCity`) and the dispatch
    decision 转报市级 (`dispatchAppeal`); `startCityAppeal` then sends it."""
    number = issue_number(ctx.db, "transfer", owner, chart.number_prefix, series=chart.number_series)
    return {"transferNumber": number, "transferredAt": now().isoformat(timespec="seconds"),
            "appealStatus": AppealStatus.TRANSFERRED_TO_CITY}
