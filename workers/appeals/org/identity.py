"""Camunda identity made to match an org chart, through REST (`IdentitySync`).

Idempotent: groups, users, memberships, authorizations and Tasklist filters are created or updated
to match the chart; running it twice changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..camunda import Camunda, CamundaError
from .chart import CAMUNDA_ADMIN_GROUP, CITY_KINDS, PUBLIC_GROUP, WORKER_GROUP, OrgChart
from .directory import limit_user_directory
from .grants import (
    FILTER,
    FILTERS,
    GLOBAL,
    GRANT,
    GRANTS,
    PUBLIC_GRANTS,
    RETIRED_GRANTS,
    WORKER_GRANTS,
    Grant,
)


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
        current = {g["id"] for g in self.camunda.get("/group", member=user_id)}
        self._reconcile(f"membership {user_id}", current, set(wanted), managed,
                        lambda gid: f"/group/{gid}/members/{user_id}")

    # tenants (docs/city-level.md): one per county and one for the city
    def ensure_tenant(self, tenant_id: str, name: str) -> None:
        try:
            current = self.camunda.get(f"/tenant/{tenant_id}")
        except CamundaError as exc:
            if exc.status != 404:
                raise
            self.camunda.post("/tenant/create", {"id": tenant_id, "name": name})
            self.report.note("created", f"tenant {tenant_id}")
            return
        if current.get("name") != name:
            self.camunda.put(f"/tenant/{tenant_id}", {"id": tenant_id, "name": name})
            self.report.note("updated", f"tenant {tenant_id}")
        else:
            self.report.note(None, "")

    def ensure_tenant_memberships(self, member: str, wanted: Iterable[str], managed: set[str], *,
                                  group: bool = False) -> None:
        """Make the tenants of a user (or a group) among `managed` exactly `wanted`."""
        kind = "group-members" if group else "user-members"
        query = {"groupMember": member} if group else {"userMember": member}
        current = {t["id"] for t in self.camunda.get("/tenant", **query)}
        self._reconcile(f"tenant membership {member}", current, set(wanted), managed,
                        lambda tid: f"/tenant/{tid}/{kind}/{member}")

    def _reconcile(self, label: str, current: set[str], wanted: set[str], managed: set[str],
                   path: Callable[[str], str]) -> None:
        """Add the memberships `wanted` lacks and remove those among `managed` it no longer names
        (a membership the chart does not manage is left alone); `path(id)` is its REST resource."""
        for target in sorted(wanted - current):
            self.camunda.put(path(target))
            self.report.note("created", f"{label}→{target}")
        for target in sorted((current & managed) - wanted):
            self.camunda.delete(path(target))
            self.report.note("updated", f"{label}✗{target}")

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

    def ensure_grants(self, group_id: str, grants: Iterable[Grant],
                      retired: Iterable[tuple[int, str]] = ()) -> None:
        """Grant `grants` to the group, and delete its grant on each `retired` (resource type, resource
        id) that `grants` no longer names (a grant an earlier version of the chart's kinds gave)."""
        merged: dict[tuple[int, str], set[str]] = {}
        for resource_type, resource_id, permissions in grants:
            merged.setdefault((resource_type, resource_id), set()).update(permissions)
        for (resource_type, resource_id), permissions in merged.items():
            self.ensure_grant(resource_type, resource_id, permissions, group_id=group_id)
        for resource_type, resource_id in retired:
            if (resource_type, resource_id) in merged:
                continue
            for stale in self.camunda.get("/authorization", resourceType=resource_type, resourceId=resource_id,
                                          groupIdIn=group_id, type=GRANT):
                self.camunda.delete(f"/authorization/{stale['id']}")
                self.report.note("updated", f"grant {group_id} {resource_type}/{resource_id} removed")

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
        """Groups, users, memberships, grants, filters; with counties also the tenants: each county's
        users in its tenant, the city's users in the city's and the counties' (their permissions reach
        only the city's process and the county tasks they are candidates for), the workers' group in
        every tenant, the public pages' in the counties'. Administrators join camunda-admin, which the
        engine's tenant check lets through."""
        counties = chart.all_counties()
        tenants = chart.tenants()
        managed = {g.id for c in counties for g in c.groups}
        for tid, name in tenants.items():
            self.ensure_tenant(tid, name)
        synced: set[str] = set()
        for county in counties:
            for group in county.groups:
                if group.id in synced:
                    continue
                synced.add(group.id)
                # a role two counties share is one group: named without either county (docs/city-level.md)
                self.ensure_group(group.id, chart.camunda_group_name(group.id),
                                  "SYSTEM" if group.kind == "admin" else "WORKFLOW")
                self.ensure_grants(group.id, GRANTS[group.kind], RETIRED_GRANTS)
        for county in counties:
            for user in county.users:
                self.ensure_user(user.id, user.name, user.email)
                kinds = {county.group(g).kind for g in user.groups}
                wanted = set(user.groups)
                if "admin" in kinds:
                    wanted.add(CAMUNDA_ADMIN_GROUP)
                self.ensure_memberships(user.id, wanted, managed | {CAMUNDA_ADMIN_GROUP})
                if tenants:
                    member_of = set()
                    if kinds & set(CITY_KINDS):
                        # the city's tenant, and the counties' for a task a county dispatches straight
                        # to the city (交办情形 city): the city's grants reach only the CityAppeal
                        # definition and the tasks its groups are candidates for
                        member_of.add(chart.city_tenant)
                        member_of.update(c.tenant for c in counties if c.tenant)
                    if kinds - set(CITY_KINDS) - {"admin"}:
                        member_of.add(county.tenant)
                    self.ensure_tenant_memberships(user.id, member_of, set(tenants))
        self.ensure_filters()
        if worker_password:
            self.ensure_group(WORKER_GROUP, "外部任务处理程序", "SYSTEM")
            self.ensure_grants(WORKER_GROUP, WORKER_GRANTS, RETIRED_GRANTS)
            self.ensure_user(worker_user, "外部任务处理程序", None, password=worker_password)
            self.ensure_memberships(worker_user, {WORKER_GROUP}, {WORKER_GROUP})
            if tenants:
                self.ensure_tenant_memberships(WORKER_GROUP, set(tenants), set(tenants), group=True)
        if public_password:  # the public pages serve every county (the city's process is not theirs)
            self.ensure_public_channel(public_password, public_user, {c.tenant for c in counties if c.tenant})
        limit_user_directory(self, chart, [u for u, p in ((worker_user, worker_password), (public_user, public_password)) if p])
        return self.report

    def ensure_public_channel(self, password: str, user: str = "appeals-public",
                              tenants: Iterable[str] | None = None) -> None:
        """The public pages' technical user in the group `public-channel` (PUBLIC_GRANTS), the group a
        member of exactly the counties' tenants `tenants` (None: tenant memberships left as they are)."""
        self.ensure_group(PUBLIC_GROUP, "企业诉求公众服务页面", "SYSTEM")
        self.ensure_grants(PUBLIC_GROUP, PUBLIC_GRANTS)
        self.ensure_user(user, "企业诉求公众服务页面", None, password=password)
        self.ensure_memberships(user, {PUBLIC_GROUP}, {PUBLIC_GROUP})
        if tenants is not None:
            every = {t["id"] for t in self.camunda.get("/tenant")}
            self.ensure_tenant_memberships(PUBLIC_GROUP, set(tenants), every, group=True)
