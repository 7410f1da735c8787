"""The org chart as data (spec §1): a YAML file of groups and users, parsed and checked.

Departments, the deputy county heads and the departments each one oversees, the county head, the
office and its director, the city service center, supervision and administrators.

The city level (临沧 第三条、第十三条) is part of the same chart: `city` names the city (and its number
prefix, `city_number_prefix`), the city service center (`city-center`) is the city's office, and the
kinds `city-office-director`, `city-leader`, `city-deputy-leader` (ids `city-deputy-…`, overseeing city
departments) and `city-department` (ids `city-dept-…`) describe the rest of it. docs/city-level.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

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

    def city_deputy_for(self, department_id: str) -> OrgGroup | None:
        """The city's deputy leader (副市长) overseeing a city department (临沧 第十三条)."""
        for group in self.of_kind("city-deputy-leader"):
            if department_id in group.oversees:
                return group
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "county": self.county,
            "number_prefix": self.number_prefix,
            "city": self.city,
            "city_number_prefix": self.city_prefix,
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


def parse(data: Any) -> OrgChart:
    """Validate a loaded org chart and return it; raise OrgChartError naming the first problem."""
    if not isinstance(data, dict):
        raise OrgChartError("the org chart must be a mapping with 'groups' and 'users'")
    county = _text(data, "county", "org chart")
    prefix = _text(data, "number_prefix", "org chart", required=False) or county
    city = _text(data, "city", "org chart", required=False) or "市"
    city_prefix = _text(data, "city_number_prefix", "org chart", required=False) or city
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
            )
        )
    by_id = {g.id: g for g in groups}
    for kind in ("office", "office-director", "county-head", "city-center", "supervision"):
        if len([g for g in groups if g.kind == kind]) != 1:
            raise OrgChartError(f"org chart: exactly one group of kind '{kind}' is required")
    if any(g.kind == "city-department" for g in groups):
        for kind in ("city-office-director", "city-leader"):
            if len([g for g in groups if g.kind == kind]) != 1:
                raise OrgChartError(f"org chart: a city with departments needs exactly one group of kind '{kind}'")
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
    return OrgChart(county, prefix, tuple(groups), tuple(users), city, city_prefix, by_id)


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
