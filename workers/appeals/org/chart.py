"""The org chart as data (spec §1): a YAML file of groups and users, parsed and checked.

Departments, the deputy county heads and the departments each one oversees, the county head, the
office and its director, the city service center, supervision and administrators.

The city level (临沧 第三条、第十三条) is part of the same chart: `city` names the city (and its number
prefix, `city_number_prefix`), the city service center (`city-center`) is the city's office, and the
kinds `city-office-director`, `city-leader`, `city-deputy-leader` (ids `city-deputy-…`, overseeing city
departments) and `city-department` (ids `city-dept-…`) describe the rest of it. docs/city-level.md.

Several counties under one city (Camunda multi-tenancy): `tenant` names the chart's own county's tenant,
`city_tenant` the city's, and `counties` lists the city's other counties, each with its `county`,
`number_prefix`, `tenant`, its own groups (office, director, head, deputy heads, departments,
supervision) and users. A group id names a role: the same id in two counties is one Camunda group (the
diagrams name `office`, `county-head` literally), and the tenant confines each county's staff to the
county's instances. `OrgChart.for_tenant` gives a county's own chart (with the city's groups). Such a
shared group's Camunda name is its role without any county (`role_name`, `OrgChart.camunda_group_name`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..numbering import SERIES_TENANT_LENGTH

KINDS = (
    "office",
    "office-director",
    "county-head",
    "deputy-head",
    "city-center",
    "supervision",
    "department",
    "admin",
    "city-office-director",
    "city-leader",
    "city-deputy-leader",
    "city-department",
)
CITY_KINDS = ("city-center", "city-office-director", "city-leader", "city-deputy-leader", "city-department")
"""The groups of the city level; every other kind is the county's."""
ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,63}$")
WORKER_GROUP = "workers"
PUBLIC_GROUP = "public-channel"
CAMUNDA_ADMIN_GROUP = "camunda-admin"


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
    role_name: str | None = None
    """The name Tasklist and Admin show for a group several counties share (one Camunda group): the
    role without any county's name, e.g. 自然资源局 (OrgChart.camunda_group_name)."""


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
    city: str = "市"
    city_prefix: str = "市"
    _by_id: dict[str, OrgGroup] = field(default_factory=dict, compare=False, repr=False)
    tenant: str | None = None
    """The county's Camunda tenant; None in a chart without tenants (one county, no tenant check)."""
    city_tenant: str | None = None
    counties: tuple[OrgChart, ...] = ()
    """The city's other counties, each a chart of its own (with the city's groups, without `counties`)."""
    home: bool = True
    """False for a county of `counties`: its number series are keyed by its tenant."""

    @property
    def number_series(self) -> str | None:
        """The key of this county's number series (appeals.numbering): None for the chart's own county
        (the series it always had), the tenant for the other counties."""
        return None if self.home else self.tenant

    def for_tenant(self, tenant: str | None) -> OrgChart:
        """The chart of the county whose tenant is `tenant`; this chart for None, its own tenant or the
        city's. Raises LookupError for a tenant the chart does not name."""
        if tenant is None or tenant in (self.tenant, self.city_tenant):
            return self
        for county in self.counties:
            if county.tenant == tenant:
                return county
        raise LookupError(f"the org chart names no county with tenant '{tenant}'")

    def all_counties(self) -> list[OrgChart]:
        """This county and the city's other counties, in the chart's order."""
        return [self, *self.counties]

    def tenants(self) -> dict[str, str]:
        """Tenant id → name: each county's and the city's (empty in a chart without tenants)."""
        found = {c.tenant: c.county for c in self.all_counties() if c.tenant}
        if self.city_tenant:
            found[self.city_tenant] = self.city
        return found

    def county_of_tenant(self, tenant: str | None) -> str:
        """The name of the county (or the city) of a tenant; the chart's county for None."""
        return self.tenants().get(tenant or "", self.county)

    def group(self, group_id: str) -> OrgGroup:
        return self._by_id[group_id]

    def camunda_group_name(self, group_id: str) -> str:
        """The name of the Camunda group `group_id` (what Tasklist shows as a task's candidate group).

        A county's group that one county lists: its name. A county's group several counties list (a
        role: `office`, `dept-natural-resources`) is one Camunda group whose candidates are each county's
        staff on their county's tasks, so its name must not be one county's: the `role_name` of the
        first county that gives one, else the first county's name with that county's name taken out
        (某县自然资源局 → 自然资源局). The county still shows on every task (its registration number and
        the tenant); documents, e-mails and the dashboard keep each county's own name. Raises KeyError
        for a group the chart does not list."""
        entries = [(c, c._by_id[group_id]) for c in self.all_counties() if group_id in c._by_id]
        if not entries:
            raise KeyError(group_id)
        first_county, first = entries[0]
        if len(entries) == 1 or first.kind in CITY_KINDS:
            return first.name
        for _, group in entries:
            if group.role_name:
                return group.role_name
        return first.name.replace(first_county.county, "").strip() or first.name

    def of_kind(self, kind: str) -> list[OrgGroup]:
        return [g for g in self.groups if g.kind == kind]

    def deputy_for(self, department_id: str) -> OrgGroup | None:
        """The deputy county head overseeing a department (spec §7, §10)."""
        for group in self.of_kind("deputy-head"):
            if department_id in group.oversees:
                return group
        return None

    def city_deputy_for(self, department_id: str) -> OrgGroup | None:
        """The city's deputy leader (副市长) overseeing a city department (临沧 第十三条)."""
        for group in self.of_kind("city-deputy-leader"):
            if department_id in group.oversees:
                return group
        return None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "county": self.county,
            "number_prefix": self.number_prefix,
            "city": self.city,
            "city_number_prefix": self.city_prefix,
            "groups": [{**g.__dict__, "oversees": list(g.oversees)} for g in self.groups
                       if self.home or g.kind not in CITY_KINDS],
            "users": [{**u.__dict__, "groups": list(u.groups)} for u in self.users],
        }
        if self.tenant:
            data["tenant"] = self.tenant
        if self.home and self.city_tenant:
            data["city_tenant"] = self.city_tenant
        if self.counties:
            data["counties"] = [c.to_dict() for c in self.counties]
        if not self.home:
            for key in ("city", "city_number_prefix"):
                data.pop(key)
        return data


def _text(entry: dict[str, Any], key: str, where: str, required: bool = True) -> str | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise OrgChartError(f"{where}: '{key}' is missing")
        return None
    if not isinstance(value, (str, int)) or str(value).strip() == "":
        raise OrgChartError(f"{where}: '{key}' must be a non-empty text")
    return str(value).strip()


def _phone(entry: dict[str, Any], where: str) -> str | None:
    """A phone as people write it, stored in the one canonical form (appeals.validation.check_phone)."""
    from ..validation import check_phone

    value = _text(entry, "phone", where, required=False)
    if value is None:
        return None
    phone, error = check_phone(value)
    if error:
        raise OrgChartError(f"{where}: phone {value!r}: {error}")
    return phone


TENANT_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,63}$")


def _tenant(data: dict[str, Any], key: str, where: str) -> str | None:
    value = _text(data, key, where, required=False)
    if value is not None and not TENANT_PATTERN.match(value):
        raise OrgChartError(f"{where}: '{key}' must be lower-case ASCII letters, digits and '-'")
    if value is not None and len(value) > SERIES_TENANT_LENGTH:
        raise OrgChartError(f"{where}: '{key}' has {len(value)} characters; at most {SERIES_TENANT_LENGTH}, "
                            "so that the county's number series keys fit (numbering.SERIES_KEY_LENGTH)")
    return value


def parse(data: Any) -> OrgChart:
    """Validate a loaded org chart and return it; raise OrgChartError naming the first problem.

    With `counties`, every county needs a `tenant`, and so does the chart's own county and the city
    (`tenant`, `city_tenant`); tenant, user and county names are unique across the counties; a group
    id two counties share has the same kind in both; a county's groups are not of the city's kinds.
    """
    if not isinstance(data, dict):
        raise OrgChartError("the org chart must be a mapping with 'groups' and 'users'")
    home = _parse_one(data, "org chart")
    raw_counties = data.get("counties") or []
    if not isinstance(raw_counties, list):
        raise OrgChartError("org chart: 'counties' must be a list")
    if not raw_counties:
        return home
    if not home.tenant or not home.city_tenant:
        raise OrgChartError("org chart: with 'counties', 'tenant' and 'city_tenant' are required")
    city_groups = [g for g in data["groups"] if isinstance(g, dict) and g.get("kind") in CITY_KINDS]
    counties: list[OrgChart] = []
    tenants = {home.tenant, home.city_tenant}
    user_ids = {u.id for u in home.users}
    names = {home.county}
    kinds = {g.id: g.kind for g in home.groups}
    for index, entry in enumerate(raw_counties):
        where = f"counties[{index}]"
        if not isinstance(entry, dict):
            raise OrgChartError(f"{where}: must be a mapping")
        if entry.get("counties"):
            raise OrgChartError(f"{where}: a county lists no counties of its own")
        raw_groups = entry.get("groups")
        if not isinstance(raw_groups, list):
            raise OrgChartError(f"{where}: 'groups' must be a list")
        for group in raw_groups:
            if isinstance(group, dict) and group.get("kind") in CITY_KINDS + ("admin",):
                raise OrgChartError(f"{where}: group '{group.get('id')}' is the city's or an administrator's; "
                                    "list it at the top of the chart")
        county = _parse_one({**entry, "city": home.city, "city_number_prefix": home.city_prefix,
                             "city_tenant": home.city_tenant, "groups": [*raw_groups, *city_groups]},
                            f"{where} ({entry.get('county')})")
        if not county.tenant or county.tenant in tenants:
            raise OrgChartError(f"{where}: 'tenant' is missing or used twice")
        if county.county in names:
            raise OrgChartError(f"{where}: county '{county.county}' is listed twice")
        for user in county.users:
            if user.id in user_ids:
                raise OrgChartError(f"{where}: user '{user.id}' is defined in two counties")
            user_ids.add(user.id)
        for group in county.groups:
            if kinds.setdefault(group.id, group.kind) != group.kind:
                raise OrgChartError(f"{where}: group '{group.id}' is a {kinds[group.id]} elsewhere, a {group.kind} here")
        tenants.add(county.tenant)
        names.add(county.county)
        counties.append(county.__class__(**{**county.__dict__, "home": False}))
    return home.__class__(**{**home.__dict__, "counties": tuple(counties)})


def _parse_one(data: dict[str, Any], where_chart: str) -> OrgChart:
    county = _text(data, "county", where_chart)
    prefix = _text(data, "number_prefix", "org chart", required=False) or county
    city = _text(data, "city", "org chart", required=False) or "市"
    city_prefix = _text(data, "city_number_prefix", "org chart", required=False) or city
    raw_groups = data.get("groups")
    raw_users = data.get("users")
    if not isinstance(raw_groups, list) or not raw_groups:
        raise OrgChartError(f"{where_chart}: 'groups' must be a non-empty list")
    if not isinstance(raw_users, list):
        raise OrgChartError(f"{where_chart}: 'users' must be a list")

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
        if kind == "city-department" and not gid.startswith("city-dept-"):
            raise OrgChartError(f"{where}: city department ids start with 'city-dept-'")
        if kind == "city-deputy-leader" and not gid.startswith("city-deputy-"):
            raise OrgChartError(f"{where}: city deputy leader ids start with 'city-deputy-'")
        oversees = entry.get("oversees") or []
        if kind not in ("deputy-head", "city-deputy-leader") and oversees:
            raise OrgChartError(f"{where}: only a deputy head or a city deputy leader oversees departments")
        if not isinstance(oversees, list):
            raise OrgChartError(f"{where}: 'oversees' must be a list of department ids")
        groups.append(
            OrgGroup(
                id=gid,
                kind=kind,
                name=_text(entry, "name", where),
                oversees=tuple(str(d) for d in oversees),
                email=_text(entry, "email", where, required=False),
                phone=_phone(entry, where),
                webhook=_text(entry, "webhook", where, required=False),
                role_name=_text(entry, "role_name", where, required=False),
            )
        )
    by_id = {g.id: g for g in groups}
    for kind in ("office", "office-director", "county-head", "city-center", "supervision"):
        if len([g for g in groups if g.kind == kind]) != 1:
            raise OrgChartError(f"{where_chart}: exactly one group of kind '{kind}' is required")
    if any(g.kind == "city-department" for g in groups):
        for kind in ("city-office-director", "city-leader"):
            if len([g for g in groups if g.kind == kind]) != 1:
                raise OrgChartError(f"{where_chart}: a city with departments needs exactly one group of kind '{kind}'")
    overseer: dict[str, str] = {}
    for group in groups:
        overseen_kind = "city-department" if group.kind == "city-deputy-leader" else "department"
        for dept in group.oversees:
            if dept not in by_id or by_id[dept].kind != overseen_kind:
                raise OrgChartError(f"group '{group.id}': oversees '{dept}', which is not a {overseen_kind}")
            if dept in overseer:
                raise OrgChartError(
                    f"department '{dept}' is overseen by both '{overseer[dept]}' and '{group.id}'"
                )
            overseer[dept] = group.id
    for group in groups:
        if group.kind in ("department", "city-department") and group.id not in overseer:
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
                phone=_phone(entry, where),
            )
        )
    return OrgChart(county, prefix, tuple(groups), tuple(users), city, city_prefix, by_id,
                    tenant=_tenant(data, "tenant", where_chart), city_tenant=_tenant(data, "city_tenant", where_chart))


def load(path: Path | str) -> OrgChart:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OrgChartError(f"{path}: no such file") from None
    except yaml.YAMLError as exc:
        raise OrgChartError(f"{path}: not valid YAML: {exc}") from None
    return parse(data)


DEMO_ORG = Path(__file__).parent.parent / "data" / "demo-org.yaml"
