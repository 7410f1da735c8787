"""Who reads and changes which users (breaker finding 13, appeals.org.directory), on the real engine with
the demo org chart: a department reads its own members only, the office every user; a user may change
their own password but not delete themselves, and the org chart's name and e-mail win at the next sync."""

from __future__ import annotations

import pytest

from appeals.camunda import CamundaError
from appeals.org import DEMO_ORG, IdentitySync, load
from appeals.org.grants import USER

from ..conftest import EngineHandle

CHART = load(DEMO_ORG)
USERS = {u.id: u for county in CHART.all_counties() for u in county.users}  # a shared group spans counties


def members(group_id: str) -> set[str]:
    return {u.id for u in USERS.values() if group_id in u.groups}


LIMITED = {g.id for county in CHART.all_counties() for g in county.groups if g.kind in ("department", "city-department")}


def colleagues(user_id: str) -> set[str]:
    """The members of the user's departments in the user's own county (or the city), the user included."""
    county = next(c for c in CHART.all_counties() if any(u.id == user_id for u in c.users))
    groups = set(USERS[user_id].groups) & LIMITED
    return {u.id for u in county.users if groups & set(u.groups)} | {user_id}


DEPARTMENT_USERS = sorted(u for u in USERS if set(USERS[u].groups) & LIMITED)


def test_a_department_reads_only_its_own_county_members_user_by_user(deployed: EngineHandle) -> None:
    """Tester 2: yx-land-handler (乙县) listed 某县's land-handler, both in `dept-natural-resources`."""
    assert "yx-land-handler" in DEPARTMENT_USERS and "city-land-handler" in DEPARTMENT_USERS
    assert colleagues("yx-land-handler") == {"yx-land-handler"}
    for user in DEPARTMENT_USERS:
        client = deployed.client(user)
        readable = {u["id"] for u in client.get("/user", maxResults=1000)}
        assert readable == colleagues(user), f"{user}: its county's colleagues and itself, nobody else"
        assert client.get("/user/count")["count"] == len(readable), user
    client = deployed.client("yx-land-handler")
    for outsider in ("land-handler", "city-land-handler", "office-clerk"):
        with pytest.raises(CamundaError) as refused:
            client.get(f"/user/{outsider}/profile")
        assert refused.value.status in (403, 404), outsider


def test_the_office_and_leaders_read_every_user(deployed: EngineHandle) -> None:
    everyone = set(USERS)
    for kind in ("office", "county-head", "deputy-head"):
        user = sorted(members(CHART.of_kind(kind)[0].id))[0]
        assert everyone <= {u["id"] for u in deployed.client(user).get("/user", maxResults=1000)}, kind


def test_a_user_changes_their_password_not_their_existence_and_the_chart_wins(deployed: EngineHandle) -> None:
    user = next(u for u in CHART.users if "dept-industry" in u.groups)
    client = deployed.client(user.id)
    with pytest.raises(CamundaError) as refused:
        client.delete(f"/user/{user.id}")
    assert refused.value.status == 403
    for other in sorted(members("dept-industry") - {user.id}):  # a colleague, or another county's 工信局
        with pytest.raises(CamundaError) as refused:
            client.put(f"/user/{other}/profile", {"id": other, "firstName": "假冒", "lastName": "", "email": ""})
        assert refused.value.status == (403 if other in colleagues(user.id) else 404), \
            f"{other}: a colleague's profile is not theirs to change, another county's user not theirs to see"
    client.put(f"/user/{user.id}/profile", {"id": user.id, "firstName": "县长", "lastName": "", "email": "x@evil.example"})
    new_password = "changed-" + user.id
    client.put(f"/user/{user.id}/credentials", {"password": new_password, "authenticatedUserPassword": client.session.auth[1]})
    try:
        assert deployed.client(user.id, new_password).get(f"/user/{user.id}/profile")["firstName"] == "县长"
        IdentitySync(deployed.admin).sync(CHART)
        profile = deployed.admin.get(f"/user/{user.id}/profile")
        assert (profile["firstName"], profile["email"] or None) == (user.name, user.email), "the chart wins"
    finally:
        deployed.client(user.id, new_password).put(
            f"/user/{user.id}/credentials", {"password": client.session.auth[1], "authenticatedUserPassword": new_password})


def test_a_second_sync_changes_no_user_grant(deployed: EngineHandle) -> None:
    IdentitySync(deployed.admin).sync(CHART)
    again = IdentitySync(deployed.admin).sync(CHART)
    assert not [c for c in again.created + again.updated if f" {USER}/" in c], again
