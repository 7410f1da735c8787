"""The org chart: a file of groups and users, loaded into Camunda identity through REST.

The chart is data (spec §1): departments, the deputy county heads and the departments each one
oversees, the county head, the office and its director, the city service center, supervision and
administrators. `sync` is idempotent: groups, users, memberships, authorizations and Tasklist
filters are created or updated to match the file; running it twice changes nothing.

A department sees only what is dispatched to it: department groups get no global permission on
tasks or instances. The engine grants a candidate group READ and TASK_WORK on exactly the tasks
it is a candidate for (engine setting `defaultUserPermissionNameForTask: TASK_WORK`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .camunda import Camunda, CamundaError

KINDS = (
    "office",
    "office-director",
    "county-head",
    "deputy-head",
    "city-center",
    "supervision",
    "department",
    "admin",
)
ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,63}$")
WORKER_GROUP = "workers"
PUBLIC_GROUP = "public-channel"
CAMUNDA_ADMIN_GROUP = "camunda-admin"

# Camunda resource types (org.camunda.bpm.engine.authorization.Resources)
APPLICATION, USER, GROUP, FILTER = 0, 1, 2, 5
PROCESS_DEFINITION, TASK, PROCESS_INSTANCE, DEPLOYMENT, DECISION_DEFINITION = 6, 7, 8, 9, 10
HISTORIC_TASK, HISTORIC_PROCESS_INSTANCE = 19, 20
GLOBAL, GRANT = 0, 1

Grant = tuple[int, str, tuple[str, ...]]  # resource type, resource id, permissions

_STAFF: tuple[Grant, ...] = (
    (APPLICATION, "tasklist", ("ACCESS",)),
    (USER, "*", ("READ",)),
    (GROUP, "*", ("READ",)),
    # Definitions hold no enterprise data; Tasklist needs them to show names and forms.
    (PROCESS_DEFINITION, "*", ("READ",)),
    (DECISION_DEFINITION, "*", ("READ",)),
)
_OVERSIGHT: tuple[Grant, ...] = (
    (APPLICATION, "cockpit", ("ACCESS",)),
    (PROCESS_DEFINITION, "*", ("READ", "READ_INSTANCE", "READ_HISTORY", "READ_TASK")),
    (PROCESS_INSTANCE, "*", ("READ",)),
    (TASK, "*", ("READ",)),
    (HISTORIC_TASK, "*", ("READ",)),
    (HISTORIC_PROCESS_INSTANCE, "*", ("READ",)),
    (DEPLOYMENT, "*", ("READ",)),
)
GRANTS: dict[str, tuple[Grant, ...]] = {
    # The office registers, dispatches, supervises and closes: it sees every appeal and starts them.
    "office": _STAFF
    + _OVERSIGHT
    + (
        (PROCESS_DEFINITION, "*", ("READ", "READ_INSTANCE", "READ_HISTORY", "READ_TASK", "CREATE_INSTANCE", "TASK_ASSIGN")),
        (PROCESS_INSTANCE, "*", ("READ", "CREATE")),
        (TASK, "*", ("READ", "TASK_ASSIGN")),
    ),
    "office-director": _STAFF + _OVERSIGHT,
    "county-head": _STAFF + _OVERSIGHT,
    "supervision": _STAFF + _OVERSIGHT,
    "deputy-head": _STAFF,
    "city-center": _STAFF,
    "department": _STAFF,
    "admin": (),  # members join camunda-admin, which holds every permission
}
WORKER_GRANTS: tuple[Grant, ...] = (
    (PROCESS_DEFINITION, "*", ("READ", "READ_INSTANCE", "UPDATE_INSTANCE", "CREATE_INSTANCE", "READ_HISTORY", "READ_TASK")),
    (PROCESS_INSTANCE, "*", ("READ", "UPDATE", "CREATE")),
    (DECISION_DEFINITION, "*", ("READ", "CREATE_INSTANCE")),
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

# Tasklist filters every staff member can use (names shown in Chinese).
# Tasklist filters every staff member can use (names shown in Chinese; the unit's tasks first).
_LIST_VARIABLES = [
    {"name": "registrationNumber", "label": "登记编号"},
    {"name": "enterpriseName", "label": "企业"},
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


class OrgChartError(ValueError):
    """The org chart file is invalid; the message says where and why."""


@dataclass(frozen=True)
class OrgGroup:
    id: str
    kind: str
    name: str
    oversees: tuple[str, ...] = ()
    email: str | None = None
    phone: str | None = None
    webhook: str | None = None


@dataclass(frozen=True)
class OrgUser:
    id: str
    name: str
    groups: tuple[str, ...]
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class OrgChart:
    county: str
    number_prefix: str
    groups: tuple[OrgGroup, ...]
    users: tuple[OrgUser, ...]
    _by_id: dict[str, OrgGroup] = field(default_factory=dict, compare=False, repr=False)

    def group(self, group_id: str) -> OrgGroup:
        return self._by_id[group_id]

    def of_kind(self, kind: str) -> list[OrgGroup]:
        return [g for g in self.groups if g.kind == kind]

    def deputy_for(self, department_id: str) -> OrgGroup | None:
        """The deputy county head overseeing a department (spec §7, §10)."""
        for group in self.of_kind("deputy-head"):
            if department_id in group.oversees:
                return group
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "county": self.county,
            "number_prefix": self.number_prefix,
            "groups": [{**g.__dict__, "oversees": list(g.oversees)} for g in self.groups],
            "users": [{**u.__dict__, "groups": list(u.groups)} for u in self.users],
        }


def _text(entry: dict[str, Any], key: str, where: str, required: bool = True) -> str | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise OrgChartError(f"{where}: '{key}' is missing")
        return None
    if not isinstance(value, (str, int)) or str(value).strip() == "":
        raise OrgChartError(f"{where}: '{key}' must be a non-empty text")
    return str(value).strip()


def parse(data: Any) -> OrgChart:
    """Validate a loaded org chart and return it; raise OrgChartError naming the first problem."""
    if not isinstance(data, dict):
        raise OrgChartError("the org chart must be a mapping with 'groups' and 'users'")
    county = _text(data, "county", "org chart")
    prefix = _text(data, "number_prefix", "org chart", required=False) or county
    raw_groups = data.get("groups")
    raw_users = data.get("users")
    if not isinstance(raw_groups, list) or not raw_groups:
        raise OrgChartError("org chart: 'groups' must be a non-empty list")
    if not isinstance(raw_users, list):
        raise OrgChartError("org chart: 'users' must be a list")

    groups: list[OrgGroup] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw_groups):
        where = f"groups[{index}]"
        if not isinstance(entry, dict):
            raise OrgChartError(f"{where}: must be a mapping")
        gid = _text(entry, "id", where)
        where = f"group '{gid}'"
        if not ID_PATTERN.match(gid):
            raise OrgChartError(f"{where}: id must be lower-case ASCII letters, digits and '-'")
        if gid in seen or gid in (WORKER_GROUP, PUBLIC_GROUP, CAMUNDA_ADMIN_GROUP):
            raise OrgChartError(f"{where}: id is used twice or reserved")
        seen.add(gid)
        kind = _text(entry, "kind", where)
        if kind not in KINDS:
            raise OrgChartError(f"{where}: kind '{kind}' is not one of {', '.join(KINDS)}")
        if kind == "department" and not gid.startswith("dept-"):
            raise OrgChartError(f"{where}: department ids start with 'dept-'")
        if kind == "deputy-head" and not gid.startswith("deputy-head-"):
            raise OrgChartError(f"{where}: deputy head ids start with 'deputy-head-'")
        oversees = entry.get("oversees") or []
        if kind != "deputy-head" and oversees:
            raise OrgChartError(f"{where}: only a deputy head oversees departments")
        if not isinstance(oversees, list):
            raise OrgChartError(f"{where}: 'oversees' must be a list of department ids")
        groups.append(
            OrgGroup(
                id=gid,
                kind=kind,
                name=_text(entry, "name", where),
                oversees=tuple(str(d) for d in oversees),
                email=_text(entry, "email", where, required=False),
                phone=_text(entry, "phone", where, required=False),
                webhook=_text(entry, "webhook", where, required=False),
            )
        )
    by_id = {g.id: g for g in groups}
    for kind in ("office", "office-director", "county-head", "city-center", "supervision"):
        if len([g for g in groups if g.kind == kind]) != 1:
            raise OrgChartError(f"org chart: exactly one group of kind '{kind}' is required")
    overseer: dict[str, str] = {}
    for group in groups:
        for dept in group.oversees:
            if dept not in by_id or by_id[dept].kind != "department":
                raise OrgChartError(f"group '{group.id}': oversees '{dept}', which is not a department")
            if dept in overseer:
                raise OrgChartError(
                    f"department '{dept}' is overseen by both '{overseer[dept]}' and '{group.id}'"
                )
            overseer[dept] = group.id
    for group in groups:
        if group.kind == "department" and group.id not in overseer:
            raise OrgChartError(f"department '{group.id}' has no deputy head overseeing it")

    users: list[OrgUser] = []
    user_ids: set[str] = set()
    for index, entry in enumerate(raw_users):
        where = f"users[{index}]"
        if not isinstance(entry, dict):
            raise OrgChartError(f"{where}: must be a mapping")
        uid = _text(entry, "id", where)
        where = f"user '{uid}'"
        if not ID_PATTERN.match(uid) or uid in user_ids:
            raise OrgChartError(f"{where}: id must be unique lower-case ASCII letters, digits and '-'")
        user_ids.add(uid)
        member_of = entry.get("groups")
        if not isinstance(member_of, list) or not member_of:
            raise OrgChartError(f"{where}: 'groups' must list at least one group")
        for gid in member_of:
            if gid not in by_id:
                raise OrgChartError(f"{where}: group '{gid}' is not defined in 'groups'")
        users.append(
            OrgUser(
                id=uid,
                name=_text(entry, "name", where),
                groups=tuple(member_of),
                email=_text(entry, "email", where, required=False),
                phone=_text(entry, "phone", where, required=False),
            )
        )
    return OrgChart(county, prefix, tuple(groups), tuple(users), by_id)


def load(path: Path | str) -> OrgChart:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OrgChartError(f"{path}: no such file") from None
    except yaml.YAMLError as exc:
        raise OrgChartError(f"{path}: not valid YAML: {exc}") from None
    return parse(data)


DEMO_ORG = Path(__file__).parent / "data" / "demo-org.yaml"


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    new_passwords: dict[str, str] = field(default_factory=dict)

    def note(self, changed: str | None, what: str) -> None:
        if changed == "created":
            self.created.append(what)
        elif changed == "updated":
            self.updated.append(what)
        else:
            self.unchanged += 1


def _contains(stored: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """The engine adds empty defaults to a stored filter query; compare only what we set."""
    return all(stored.get(key) == value for key, value in wanted.items())


class IdentitySync:
    """Makes Camunda identity match an org chart; every step is idempotent."""

    def __init__(self, camunda: Camunda, initial_password: str | None = None) -> None:
        self.camunda = camunda
        self.initial_password = initial_password
        self.report = SyncReport()

    # groups, users, memberships
    def ensure_group(self, group_id: str, name: str, type_: str) -> None:
        body = {"id": group_id, "name": name, "type": type_}
        try:
            current = self.camunda.get(f"/group/{group_id}")
        except CamundaError as exc:
            if exc.status != 404:
                raise
            self.camunda.post("/group/create", body)
            self.report.note("created", f"group {group_id}")
            return
        if current.get("name") != name or current.get("type") != type_:
            self.camunda.put(f"/group/{group_id}", body)
            self.report.note("updated", f"group {group_id}")
        else:
            self.report.note(None, "")

    def ensure_user(self, user_id: str, name: str, email: str | None, password: str | None = None) -> None:
        profile = {"id": user_id, "firstName": name, "lastName": "", "email": email or ""}
        try:
            current = self.camunda.get(f"/user/{user_id}/profile")
        except CamundaError as exc:
            if exc.status != 404:
                raise
            password = password or self.initial_password or secrets.token_urlsafe(12)
            if not self.initial_password:
                self.report.new_passwords[user_id] = password
            self.camunda.post("/user/create", {"profile": profile, "credentials": {"password": password}})
            self.report.note("created", f"user {user_id}")
            return
        if any((current.get(k) or "") != (v or "") for k, v in profile.items()):
            self.camunda.put(f"/user/{user_id}/profile", profile)
            self.report.note("updated", f"user {user_id}")
        else:
            self.report.note(None, "")

    def ensure_memberships(self, user_id: str, wanted: Iterable[str], managed: set[str]) -> None:
        wanted = set(wanted)
        current = {g["id"] for g in self.camunda.get("/group", member=user_id)}
        for gid in sorted(wanted - current):
            self.camunda.put(f"/group/{gid}/members/{user_id}")
            self.report.note("created", f"membership {user_id}→{gid}")
        for gid in sorted((current & managed) - wanted):
            self.camunda.delete(f"/group/{gid}/members/{user_id}")
            self.report.note("updated", f"membership {user_id}✗{gid}")

    # authorizations
    def ensure_grant(
        self, resource_type: int, resource_id: str, permissions: Iterable[str], *,
        group_id: str | None = None, user_id: str | None = None,
    ) -> None:
        wanted = sorted(set(permissions))
        query: dict[str, Any] = {"resourceType": resource_type, "resourceId": resource_id}
        if group_id is not None:
            query["groupIdIn"] = group_id
            auth_type = GRANT
        else:
            query["userIdIn"] = user_id
            auth_type = GLOBAL if user_id == "*" else GRANT
        query["type"] = auth_type
        existing = self.camunda.get("/authorization", **query)
        body = {
            "type": auth_type,
            "permissions": wanted,
            "userId": user_id,
            "groupId": group_id,
            "resourceType": resource_type,
            "resourceId": resource_id,
        }
        who = group_id or user_id
        if not existing:
            self.camunda.post("/authorization/create", body)
            self.report.note("created", f"grant {who} {resource_type}/{resource_id} {','.join(wanted)}")
            return
        current = existing[0]
        have = sorted(p for p in current.get("permissions") or [] if p not in ("NONE",))
        if "ALL" in have or set(wanted) <= set(have):
            self.report.note(None, "")
            return
        body["permissions"] = sorted(set(have) | set(wanted))
        self.camunda.put(f"/authorization/{current['id']}", body)
        self.report.note("updated", f"grant {who} {resource_type}/{resource_id}")

    def ensure_grants(self, group_id: str, grants: Iterable[Grant]) -> None:
        merged: dict[tuple[int, str], set[str]] = {}
        for resource_type, resource_id, permissions in grants:
            merged.setdefault((resource_type, resource_id), set()).update(permissions)
        for (resource_type, resource_id), permissions in merged.items():
            self.ensure_grant(resource_type, resource_id, permissions, group_id=group_id)

    # Tasklist filters
    def ensure_filters(self) -> None:
        existing = {f["name"]: f for f in self.camunda.get("/filter", resourceType="Task")}
        for spec in FILTERS:
            body = {"resourceType": "Task", "name": spec["name"], "owner": None,
                    "query": spec["query"], "properties": spec["properties"]}
            current = existing.get(spec["name"])
            if current is None:
                current = self.camunda.post("/filter/create", body)
                self.report.note("created", f"filter {spec['name']}")
            elif not _contains(current.get("query") or {}, spec["query"]) or current.get("properties") != spec["properties"]:
                self.camunda.put(f"/filter/{current['id']}", body)
                self.report.note("updated", f"filter {spec['name']}")
            else:
                self.report.note(None, "")
            self.ensure_grant(FILTER, current["id"], ("READ",), user_id="*")

    # the whole chart
    def sync(self, chart: OrgChart, worker_password: str | None = None, worker_user: str = "appeals-worker",
             public_password: str | None = None, public_user: str = "appeals-public") -> SyncReport:
        managed = {g.id for g in chart.groups}
        for group in chart.groups:
            self.ensure_group(group.id, group.name, "SYSTEM" if group.kind == "admin" else "WORKFLOW")
            self.ensure_grants(group.id, GRANTS[group.kind])
        for user in chart.users:
            self.ensure_user(user.id, user.name, user.email)
            wanted = set(user.groups)
            if any(chart.group(g).kind == "admin" for g in user.groups):
                wanted.add(CAMUNDA_ADMIN_GROUP)
            self.ensure_memberships(user.id, wanted, managed | {CAMUNDA_ADMIN_GROUP})
        self.ensure_filters()
        if worker_password:
            self.ensure_group(WORKER_GROUP, "外部任务处理程序", "SYSTEM")
            self.ensure_grants(WORKER_GROUP, WORKER_GRANTS)
            self.ensure_user(worker_user, "外部任务处理程序", None, password=worker_password)
            self.ensure_memberships(worker_user, {WORKER_GROUP}, {WORKER_GROUP})
        if public_password:
            self.ensure_public_channel(public_password, public_user)
        return self.report

    def ensure_public_channel(self, password: str, user: str = "appeals-public") -> None:
        """The public pages' technical user in the group `public-channel` (PUBLIC_GRANTS)."""
        self.ensure_group(PUBLIC_GROUP, "企业诉求公众服务页面", "SYSTEM")
        self.ensure_grants(PUBLIC_GROUP, PUBLIC_GRANTS)
        self.ensure_user(user, "企业诉求公众服务页面", None, password=password)
        self.ensure_memberships(user, {PUBLIC_GROUP}, {PUBLIC_GROUP})
