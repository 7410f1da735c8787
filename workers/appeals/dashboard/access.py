"""Who may open the dashboard, checked against the engine's own identity (the Tasklist login).

    verify(engine_url, user, password) -> Viewer        (raises Refused / EngineUnavailable)
    viewer_of(user_id, group_ids, chart) -> Viewer      (raises Refused for a department user)

There is no second password: the user name and password are the ones of Tasklist. They are checked by
asking the engine's REST API, as that user, for the user's own groups (`GET /identity/groups?userId=`,
HTTP Basic): a wrong password is answered 401 by the engine (with its login throttling), a right one
returns the groups, from which the org chart tells the role. The password is not stored.

Admitted (group kinds of the org chart): a county's office (专班), its director, the deputy county heads,
the county head, supervision and administrators — each sees their own county's figures (the county of the
chart that lists the user: `Viewer.tenant`), never another county's; the city's service center, its
director and leaders (city kinds) see the city's comparison of the counties (`Viewer.city`: per county
the totals and rates and the transfers to the city, no county's appeals one by one, as the engine shows
the city's staff no county appeal either). Administrators see the chart's own county and may choose
another. Departments (the county's and the city's) are refused (403).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..camunda import Camunda, CamundaError
from ..org import OrgChart

ADMITTED_KINDS = ("office", "office-director", "deputy-head", "county-head", "supervision", "admin")
CITY_ADMITTED_KINDS = ("city-center", "city-office-director", "city-leader", "city-deputy-leader")
REFUSAL = "专班看板仅供服企办、分管县领导、县长和督查室使用（市级：市企业服务中心和市领导看各县比较）"
CAMUNDA_ADMIN_GROUP = "camunda-admin"
ROLE_LABELS = {"office": "服企办", "office-director": "服企办主任", "deputy-head": "分管副县长",
               "county-head": "县长", "supervision": "督查室", "admin": "系统管理员",
               "city-center": "市企业服务中心", "city-office-director": "市服企办主任", "city-leader": "市长",
               "city-deputy-leader": "分管副市长"}


class Refused(PermissionError):
    """Wrong credentials (`status` 401) or a user whose groups may not see the dashboard (403)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class EngineUnavailable(RuntimeError):
    """The engine did not answer; the login cannot be checked."""


@dataclass(frozen=True)
class Viewer:
    user_id: str
    groups: tuple[str, ...]
    kinds: tuple[str, ...]
    oversees: tuple[str, ...]  # departments a deputy head oversees (shown first)
    tenant: str | None = None  # the county whose figures the viewer sees (None: a chart without tenants)
    city: bool = False  # the city's staff: the comparison of the counties

    @property
    def role(self) -> str:
        return "、".join(ROLE_LABELS[k] for k in self.kinds if k in ROLE_LABELS)

    @property
    def admin(self) -> bool:
        return "admin" in self.kinds


def _county_of_user(user_id: str, chart: OrgChart) -> OrgChart:
    """The county whose chart lists the user (the chart's own county for its users and the city's)."""
    for county in chart.counties:
        if user_id in {u.id for u in county.users}:
            return county
    return chart


def viewer_of(user_id: str, group_ids: list[str] | tuple[str, ...], chart: OrgChart) -> Viewer:
    """Who the user is on the board: their county (from the chart listing them) and roles there.
    Raises Refused (403) for a user none of whose groups may see the board."""
    county = _county_of_user(user_id, chart)
    known = {g.id: g for g in county.groups}  # the groups are the roles; who oversees what is the county's
    mine = [known[g] for g in group_ids if g in known]
    kinds = tuple(dict.fromkeys(g.kind for g in mine))
    if CAMUNDA_ADMIN_GROUP in group_ids and "admin" not in kinds:
        kinds = (*kinds, "admin")
    county_roles = any(k in ADMITTED_KINDS for k in kinds)
    if not county_roles and any(k in CITY_ADMITTED_KINDS for k in kinds):
        return Viewer(user_id, tuple(group_ids), kinds, (), chart.city_tenant, city=True)
    if not county_roles:
        raise Refused(403, REFUSAL)
    oversees = tuple(dict.fromkeys(d for g in mine if g.kind == "deputy-head" for d in g.oversees))
    return Viewer(user_id, tuple(group_ids), kinds, oversees, county.tenant)


def groups_of(engine_url: str, user: str, password: str, timeout: float = 10.0) -> list[str]:
    """The user's group ids, asked of the engine with the user's own credentials."""
    client = Camunda(engine_url, user, password, timeout=timeout, explain_refusal=False)  # a person's login
    try:
        answer = client.get("/identity/groups", userId=user)
    except CamundaError as exc:
        if exc.status in (401, 403):
            raise Refused(401, "用户名或密码不正确") from None
        raise EngineUnavailable(str(exc)) from exc
    except OSError as exc:
        raise EngineUnavailable(str(exc)) from exc
    finally:
        client.close()
    return [g["id"] for g in answer.get("groups") or []]


def verify(engine_url: str, user: str, password: str, chart: OrgChart, timeout: float = 10.0) -> Viewer:
    if not user or not password:
        raise Refused(401, "请输入用户名和密码")
    return viewer_of(user, groups_of(engine_url, user, password, timeout), chart)
