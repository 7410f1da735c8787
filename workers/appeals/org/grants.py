"""What each kind of group may do in Camunda: authorizations per group kind, the workers' and the
public pages' technical groups, and the Tasklist filters every staff member gets.

A department sees only what is dispatched to it: department groups get no global permission on
tasks or instances. The engine grants a candidate group READ and TASK_WORK on exactly the tasks
it is a candidate for (engine setting `defaultUserPermissionNameForTask: TASK_WORK`).
"""

from __future__ import annotations

from typing import Any

# Camunda resource types (org.camunda.bpm.engine.authorization.Resources)
APPLICATION, USER, GROUP, FILTER, TENANT = 0, 1, 2, 5, 11
PROCESS_DEFINITION, TASK, PROCESS_INSTANCE, DEPLOYMENT, DECISION_DEFINITION = 6, 7, 8, 9, 10
HISTORIC_TASK, HISTORIC_PROCESS_INSTANCE = 19, 20
GLOBAL, GRANT = 0, 1

Grant = tuple[int, str, tuple[str, ...]]  # resource type, resource id, permissions

# Definitions hold no enterprise data; Tasklist needs them to show names and forms. Each level reads its
# own (below), never every definition.
_DEPARTMENT: tuple[Grant, ...] = (
    (APPLICATION, "tasklist", ("ACCESS",)),
    (GROUP, "*", ("READ",)),
)
# a department reads the users of its own group only (org/directory.py), every other staff group all
_STAFF: tuple[Grant, ...] = _DEPARTMENT + ((USER, "*", ("READ",)),)
# The two levels see their own processes only (docs/city-level.md): a county's oversight reaches the
# county's process definitions, the city's the city's. Instance and task permissions are granted per
# definition (READ_INSTANCE, READ_TASK, READ_HISTORY), never on every instance.
COUNTY_PROCESSES = ("EnterpriseAppeal", "MeetingSession", "MonthlyBulletin", "YearEndLookBack", "HotlineSync")
CITY_PROCESSES = ("CityAppeal",)
# The definitions (bpmn/ and dmn/ files: process and decision ids) each level's staff read: the processes
# whose tasks they work or oversee and the decisions those evaluate. tests/static/test_grants.py checks that
# every model file is named here, and no city-only one at the county.
COUNTY_DEFINITIONS = COUNTY_PROCESSES + ("NotificationUndelivered",)
COUNTY_DECISIONS = ("AppealBatch", "AppealDeadlines", "AppealRouting", "CardLadder", "DispatchApproval")
CITY_DEFINITIONS = CITY_PROCESSES
CITY_DECISIONS = ("AppealDeadlines", "CardLadder", "CityDispatchApproval")
# The city's monthly bulletin is an instance of the counties' MonthlyBulletin in the tenant `city`; its review
# task (Task_ReviewCityBulletin) goes to the city's office, whose Tasklist shows the task's process by the
# definition's name: READ on that definition, no permission on its instances or tasks (the engine grants the
# candidate group its task).
CITY_OFFICE_DEFINITIONS = CITY_DEFINITIONS + ("MonthlyBulletin",)


def _reads(processes: tuple[str, ...], decisions: tuple[str, ...]) -> tuple[Grant, ...]:
    return tuple((PROCESS_DEFINITION, key, ("READ",)) for key in processes) + tuple(
        (DECISION_DEFINITION, key, ("READ",)) for key in decisions)


def _county_level(grants: tuple[Grant, ...]) -> tuple[Grant, ...]:
    """`grants` with READ on the county's definitions (docs/city-level.md, "Cockpit: counts and counties"):
    Cockpit lists every definition its user reads, so reading every definition listed the city's
    `CityAppeal` (with no instance) for a county's operators. Nothing a county's staff do reads the city's
    definitions: the county's instance keeps the city's numbers as variables, its forms and history are
    the county process's, and no task of `CityAppeal` goes to a county's group."""
    return grants + _reads(COUNTY_DEFINITIONS, COUNTY_DECISIONS)


def _city_level(grants: tuple[Grant, ...], processes: tuple[str, ...] = CITY_DEFINITIONS) -> tuple[Grant, ...]:
    """`grants` with READ on the city's definitions instead of every definition (docs/city-level.md,
    "Cockpit: counts and counties"). The city's staff belong to the counties' tenants too (a county task the city
    service center is a candidate for), so the tenant check lets every county's instances through
    for them; Camunda's statistics (Cockpit's process list and dashboard, REST
    /process-definition/statistics, the diagram's counts) check READ on the definition only and count
    all its instances. Reading the county's definitions would show the city every county's numbers."""
    return grants + _reads(processes, CITY_DECISIONS)


def _oversight(processes: tuple[str, ...], *extra: str) -> tuple[Grant, ...]:
    # READ on tenants: Cockpit names each instance's county (engine/…/cockpit/scripts/county.js); a
    # tenant is a county's or the city's name, nothing of its appeals
    return ((APPLICATION, "cockpit", ("ACCESS",)), (DEPLOYMENT, "*", ("READ",)), (TENANT, "*", ("READ",))) + tuple(
        (PROCESS_DEFINITION, key, ("READ", "READ_INSTANCE", "READ_HISTORY", "READ_TASK", *extra)) for key in processes)


_OVERSIGHT = _oversight(COUNTY_PROCESSES)
GRANTS: dict[str, tuple[Grant, ...]] = {
    # The office registers, dispatches, supervises and closes: it sees every appeal of the county and starts them.
    "office": _county_level(_STAFF)
    + _oversight(COUNTY_PROCESSES, "CREATE_INSTANCE", "TASK_ASSIGN")
    + ((PROCESS_INSTANCE, "*", ("CREATE",)),),
    "office-director": _county_level(_STAFF) + _OVERSIGHT,
    "county-head": _county_level(_STAFF) + _OVERSIGHT,
    "supervision": _county_level(_STAFF) + _OVERSIGHT,
    "deputy-head": _county_level(_STAFF),
    # the city's office (市企业服务中心) registers and dispatches what the counties transfer
    "city-center": _city_level(_STAFF, CITY_OFFICE_DEFINITIONS) + _oversight(CITY_PROCESSES, "TASK_ASSIGN"),
    "city-office-director": _city_level(_STAFF) + _oversight(CITY_PROCESSES),
    "city-leader": _city_level(_STAFF) + _oversight(CITY_PROCESSES),
    "city-deputy-leader": _city_level(_STAFF),
    "city-department": _city_level(_DEPARTMENT),
    "department": _county_level(_DEPARTMENT),
    "admin": (),  # members join camunda-admin, which holds every permission
}
# Grants a staff group or the workers' group of an earlier version had and may no longer have: `appeals org
# sync` deletes them where the group's grants do not name them (each level reads its own definitions only,
# the workers each of ours by its key).
RETIRED_GRANTS: tuple[tuple[int, str], ...] = ((PROCESS_DEFINITION, "*"), (DECISION_DEFINITION, "*"))
# The workers' technical group: every process and decision of bpmn/ and dmn/ by its key, never every
# definition ('*'). Camunda's job-definition list (REST /job-definition) checks READ on the definition of
# each row and lets a row of no definition (a batch's seed, monitor and batch job definitions: the engine's
# own) through a grant on '*'; no worker function needs a job definition, and the engine's own jobs are the
# administrators' (StandaloneJobGuardPlugin). `appeals org sync` removes the group's grants on '*'.
ALL_PROCESSES = tuple(dict.fromkeys(COUNTY_DEFINITIONS + CITY_DEFINITIONS))
ALL_DECISIONS = tuple(dict.fromkeys(COUNTY_DECISIONS + CITY_DECISIONS))
WORKER_GRANTS: tuple[Grant, ...] = tuple(
    (PROCESS_DEFINITION, key, ("READ", "READ_INSTANCE", "UPDATE_INSTANCE", "CREATE_INSTANCE", "READ_HISTORY",
                               "READ_TASK")) for key in ALL_PROCESSES) + (
    (PROCESS_INSTANCE, "*", ("READ", "UPDATE", "CREATE")),
) + tuple((DECISION_DEFINITION, key, ("READ", "CREATE_INSTANCE")) for key in ALL_DECISIONS) + (
    (TASK, "*", ("READ",)),
    (USER, "*", ("READ",)),
    (GROUP, "*", ("READ",)),
    (HISTORIC_PROCESS_INSTANCE, "*", ("READ",)),
    (HISTORIC_TASK, "*", ("READ",)),
    (DEPLOYMENT, "*", ("READ",)),
)
# The public pages' technical user (appeals.public): only what the questionnaire, the progress
# lookup and the survey link do, and only on EnterpriseAppeal. No task, user, group, deployment
# or decision permission; no permission on any other process.
PUBLIC_PROCESS = "EnterpriseAppeal"
PUBLIC_GRANTS: tuple[Grant, ...] = (
    # start an appeal by correlating AppealSubmitted to its message start event: the engine checks
    # CREATE on process instances (not narrowable to a definition) AND CREATE_INSTANCE on the definition
    (PROCESS_INSTANCE, "*", ("CREATE",)),
    (PROCESS_DEFINITION, PUBLIC_PROCESS, ("CREATE_INSTANCE",)),
    # the receipt's registration number, the progress lookup and the survey page read an appeal's
    # variables (whitelisted in appeals.public.gateway) and whether it waits at Task_FollowUp from
    # history: running and closed appeals alike, without any read permission on the runtime
    (PROCESS_DEFINITION, PUBLIC_PROCESS, ("READ_HISTORY",)),
    # correlating SurveyAnswered to the boundary event of Task_FollowUp updates that instance
    (PROCESS_DEFINITION, PUBLIC_PROCESS, ("UPDATE_INSTANCE",)),
)

# Tasklist filters every staff member can use (names shown in Chinese; the unit's tasks first).
# The list shows task-local copies the engine writes when a task is created (TaskSummaryPlugin.java):
# a department may read its own tasks' variables but not the appeal's, so the appeal's own
# variables would show empty in its list.
_LIST_VARIABLES = [
    {"name": "taskNumber", "label": "登记编号"},
    {"name": "taskEnterprise", "label": "企业"},
    {"name": "taskCategory", "label": "类别"},
    {"name": "taskDue", "label": "办理时限"},
]
FILTERS: tuple[dict[str, Any], ...] = (
    {
        "name": "本单位待办",
        "query": {"candidateGroupsExpression": "${currentUserGroups()}", "includeAssignedTasks": True},
        "properties": {"description": "交给我所在单位（组）的任务", "priority": -10, "color": "#2874a6",
                       "refresh": True, "variables": _LIST_VARIABLES},
    },
    {
        "name": "我的待办",
        "query": {"assigneeExpression": "${currentUser()}"},
        "properties": {"description": "已认领到我名下的任务", "priority": 0, "color": "#c0392b",
                       "refresh": True, "variables": _LIST_VARIABLES},
    },
)
