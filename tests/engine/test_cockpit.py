"""Cockpit at two levels (docs/city-level.md, "Cockpit: counts and counties"): its counts are the
user's, and every instance names its county.

Cockpit's process list and dashboard count running instances and incidents per process definition
(the cockpit plugin's `/camunda/api/cockpit/plugin/base/default/process-definition/statistics`, and the
engine's `/process-definition/statistics` its diagrams and dashboard call). Both check READ on the
definition and the tenant check, never a permission on each instance: a county's staff count their
county's instances, and the city's staff — members of the counties' tenants for the county tasks the
city service center is a candidate for — count only the city's process, whose definitions alone they
read. Each count equals the instances the same user finds in the instance list.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from appeals.org import DEMO_ORG, load
from appeals.org.grants import GRANT, PROCESS_DEFINITION

from ..conftest import DEMO_PASSWORD, EngineHandle
from ..scenario import Appeal
from .test_tenancy import start_in_b

COUNTY_A, COUNTY_B = "county-head", "yx-county-head"
CITY_USERS = ("city-officer", "city-director", "city-mayor")
CITY_KEYS = {"CityAppeal"}
# the city's office reads the MonthlyBulletin definition too: Tasklist names its review of the city's bulletin
CITY_OFFICE_KEYS = {"city-officer": {"MonthlyBulletin"}, "city-director": {"MonthlyBulletin"}}


class Webapp:
    """A webapp session (Cockpit unless `app` says another: tasklist, admin) as the browser has it (cookie and
    CSRF token), for the webapps' own REST paths."""

    def __init__(self, engine: EngineHandle, user: str, password: str = DEMO_PASSWORD, app: str = "cockpit") -> None:
        self.base = engine.base_url
        self.app = app
        self.session = requests.Session()
        first = self.session.get(f"{self.base}/camunda/app/{app}/default/", timeout=30)
        self.token = first.headers.get("X-XSRF-TOKEN") or self.session.cookies.get("XSRF-TOKEN") or ""
        login = self.session.post(f"{self.base}/camunda/api/admin/auth/user/default/login/{app}",
                                  data={"username": user, "password": password},
                                  headers={"X-XSRF-TOKEN": self.token}, timeout=30)
        assert login.status_code == 200, (user, login.status_code, login.text[:200])
        self.token = login.headers.get("X-XSRF-TOKEN") or self.session.cookies.get("XSRF-TOKEN") or self.token

    def get(self, path: str, **params: Any) -> Any:
        answer = self.session.get(self.base + path, params=params, headers={"X-XSRF-TOKEN": self.token}, timeout=30)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        return answer.json()

    def close(self) -> None:
        self.session.close()


def cockpit_statistics(web: Webapp) -> dict[str, tuple[int, int]]:
    """Cockpit's process list: key → (running instances, incidents), latest version per key."""
    rows = web.get("/camunda/api/cockpit/plugin/base/default/process-definition/statistics")
    count = web.get("/camunda/api/cockpit/plugin/base/default/process-definition/statistics-count")["count"]
    assert count == len(rows)
    return {row["key"]: (row["instances"], row["incidents"]) for row in rows}


def engine_statistics(web: Webapp) -> dict[str, tuple[int, int]]:
    """The engine's statistics (Cockpit's dashboard and diagrams): key → (instances, incidents), all versions."""
    found: dict[str, tuple[int, int]] = {}
    for row in web.get("/camunda/api/engine/engine/default/process-definition/statistics", incidents="true"):
        key = row["definition"]["key"]
        instances, incidents = found.get(key, (0, 0))
        found[key] = (instances + row["instances"], incidents + sum(i["incidentCount"] for i in row["incidents"]))
    return found


def visible(web: Webapp, key: str) -> tuple[int, int]:
    """What the same user finds in the lists: running instances and incidents of `key`."""
    instances = web.get("/camunda/api/engine/engine/default/process-instance/count", processDefinitionKey=key)
    incidents = web.get("/camunda/api/engine/engine/default/incident/count", processDefinitionKeyIn=key)
    return instances["count"], incidents["count"]


def tenants_listed(web: Webapp, key: str) -> set[str | None]:
    return {i.get("tenantId") for i in web.get("/camunda/api/engine/engine/default/process-instance",
                                               processDefinitionKey=key)}


@pytest.fixture(scope="module")
def two_counties(workers: EngineHandle):
    """One running appeal in 某县 with an incident, one in 乙县; both deleted afterwards."""
    a = Appeal.start(workers, "COCKPIT-A")
    b = start_in_b(workers, "COCKPIT-B")
    a.task("Task_VerifyAppeal", "office-clerk")
    b.task("Task_VerifyAppeal", "yx-office-clerk")
    incident = workers.admin.post(f"/execution/{a.id}/create-incident",
                                  {"incidentType": "appealsCockpitProbe", "message": "测试用事件"})
    yield a, b
    workers.admin.delete(f"/incident/{incident['id']}")
    for appeal in (a, b):
        workers.admin.delete(f"/process-instance/{appeal.id}?skipCustomListeners=true")


def test_cockpit_counts_what_each_user_may_see(workers: EngineHandle, two_counties) -> None:
    a, b = two_counties
    admin_user, admin_password = workers.settings.engine.require_admin()
    admin = Webapp(workers, admin_user, admin_password)
    sessions = {user: Webapp(workers, user) for user in (COUNTY_A, COUNTY_B, *CITY_USERS)}
    try:
        all_a = workers.admin.get("/process-instance/count", processDefinitionKey="EnterpriseAppeal",
                                  tenantIdIn="mouxian")["count"]
        all_b = workers.admin.get("/process-instance/count", processDefinitionKey="EnterpriseAppeal",
                                  tenantIdIn="yixian")["count"]
        assert all_a >= 1 and all_b >= 1
        for user, web in {**sessions, "admin": admin}.items():
            for statistics in (cockpit_statistics(web), engine_statistics(web)):
                for key, counted in statistics.items():
                    if key in CITY_OFFICE_KEYS.get(user, ()):
                        # a definition read for Tasklist's name only: Camunda counts every tenant's running
                        # instances the user is a member of; the list shows none (docs/city-level.md)
                        assert visible(web, key) == (0, 0), (user, key)
                        continue
                    assert counted == visible(web, key), (user, key, counted)
        # a county's operator: its county's appeals (and those without tenant), never the other county's
        a_counts = cockpit_statistics(sessions[COUNTY_A])["EnterpriseAppeal"]
        b_counts = cockpit_statistics(sessions[COUNTY_B])["EnterpriseAppeal"]
        assert tenants_listed(sessions[COUNTY_A], "EnterpriseAppeal") <= {"mouxian", None}
        assert tenants_listed(sessions[COUNTY_B], "EnterpriseAppeal") <= {"yixian", None}
        untenanted = workers.admin.get("/process-instance/count", processDefinitionKey="EnterpriseAppeal",
                                       withoutTenantId="true")["count"]
        assert a_counts[0] == all_a + untenanted and b_counts[0] == all_b + untenanted
        assert a_counts[1] >= 1 and b_counts[1] == visible(sessions[COUNTY_B], "EnterpriseAppeal")[1]
        assert engine_statistics(sessions[COUNTY_A])["EnterpriseAppeal"][1] == a_counts[1]
        # the city: its own process only, none of the counties' counts
        for user in CITY_USERS:
            for statistics in (cockpit_statistics(sessions[user]), engine_statistics(sessions[user])):
                assert set(statistics) == CITY_KEYS | CITY_OFFICE_KEYS.get(user, set()), (user, statistics)
        # the administrator: every county's
        total = workers.admin.get("/process-instance/count", processDefinitionKey="EnterpriseAppeal")["count"]
        assert cockpit_statistics(admin)["EnterpriseAppeal"][0] == total >= all_a + all_b
    finally:
        for web in (admin, *sessions.values()):
            web.close()


def test_the_engine_rest_statistics_are_per_user_too(workers: EngineHandle, two_counties) -> None:
    """/engine-rest (HTTP Basic), the path scripts and other tools use."""
    def keys(user: str) -> dict[str, int]:
        rows = workers.client(user).get("/process-definition/statistics")
        found: dict[str, int] = {}
        for row in rows:
            found[row["definition"]["key"]] = found.get(row["definition"]["key"], 0) + row["instances"]
        return found

    for user in CITY_USERS + ("city-land-handler",):
        assert set(keys(user)) <= CITY_KEYS | CITY_OFFICE_KEYS.get(user, set()), user
    a_count = keys(COUNTY_A)["EnterpriseAppeal"]
    b_count = keys(COUNTY_B)["EnterpriseAppeal"]
    assert a_count == workers.client(COUNTY_A).get("/process-instance/count",
                                                   processDefinitionKey="EnterpriseAppeal")["count"]
    assert b_count == workers.client(COUNTY_B).get("/process-instance/count",
                                                   processDefinitionKey="EnterpriseAppeal")["count"]


def test_org_sync_removes_the_citys_old_read_on_every_definition(workers: EngineHandle) -> None:
    """An installation synced before: the city's groups had READ on every definition; a sync removes it."""
    from click.testing import CliRunner

    from appeals.cli import main

    admin = workers.admin
    created = admin.post("/authorization/create", {"type": GRANT, "permissions": ["READ"], "groupId": "city-center",
                                                   "userId": None, "resourceType": PROCESS_DEFINITION,
                                                   "resourceId": "*"})
    assert "EnterpriseAppeal" in {r["definition"]["key"] for r in
                                  workers.client("city-officer").get("/process-definition/statistics")}
    result = CliRunner().invoke(main, ["org", "sync", str(DEMO_ORG)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not admin.get("/authorization", resourceType=PROCESS_DEFINITION, resourceId="*", groupIdIn="city-center")
    assert not [a for a in admin.get("/authorization", groupIdIn="city-center") if a["id"] == created["id"]]
    assert {r["definition"]["key"] for r in workers.client("city-officer").get("/process-definition/statistics")} \
        <= CITY_KEYS | CITY_OFFICE_KEYS["city-officer"]
    # the county's staff keep theirs: the county's definitions (Tasklist shows process names and forms from them)
    assert admin.get("/authorization", resourceType=PROCESS_DEFINITION, resourceId="EnterpriseAppeal", groupIdIn="office")


def test_a_yixian_user_sees_the_shared_groups_without_the_other_countys_name(workers: EngineHandle) -> None:
    """`office` and `dept-natural-resources` are one Camunda group for both counties: Tasklist shows a
    task's candidate group by the role's name, never 某县's own (县…) nor 乙县's."""
    chart = load(DEMO_ORG)
    b = start_in_b(workers, "COCKPIT-GROUPS")
    try:
        task = b.task("Task_VerifyAppeal", "yx-office-clerk")
        clerk = workers.client("yx-office-clerk")
        groups = [link["groupId"] for link in clerk.get(f"/task/{task['id']}/identity-links", type="candidate")]
        assert groups == ["office"]
        name = clerk.get("/group/office")["name"]
        assert name == "服务企业发展领导小组办公室（服企办）" == chart.camunda_group_name("office")
        for county in chart.all_counties():
            assert county.group("office").name != name  # neither county's own name
        land = workers.client("yx-land-handler").get("/group/dept-natural-resources")["name"]
        assert land == "自然资源局" and "县" not in land
        # a group only 某县 lists keeps its name; the city's keep theirs
        assert workers.admin.get("/group/dept-hr")["name"] == "县人社局"
        assert workers.admin.get("/group/city-center")["name"] == "市企业服务中心"
    finally:
        workers.admin.delete(f"/process-instance/{b.id}?skipCustomListeners=true")


COUNTY_USERS = ("office-clerk", "yx-office-clerk", COUNTY_A, COUNTY_B, "deputy-industry", "industry-handler",
                "yx-land-handler")


def test_a_countys_staff_read_no_definition_of_the_city(workers: EngineHandle, two_counties) -> None:
    """Cockpit listed the city's `CityAppeal` (0 instances) for a county's operators, who read every
    definition: now each county group reads the county's processes and decisions only, Cockpit's process
    and decision lists name none of the city's, and Tasklist still names the county's tasks by process."""
    from .test_city_bulletin import tasklist_process_names

    a, b = two_counties
    for user in COUNTY_USERS:
        client = workers.client(user)
        processes = {d["key"] for d in client.get("/process-definition")}
        decisions = {d["key"] for d in client.get("/decision-definition")}
        assert "EnterpriseAppeal" in processes and "CityAppeal" not in processes, (user, processes)
        assert "CardLadder" in decisions and "CityDispatchApproval" not in decisions, (user, decisions)
    for user in (COUNTY_A, COUNTY_B, "office-clerk"):
        web = Webapp(workers, user)
        try:
            assert "CityAppeal" not in cockpit_statistics(web) and "CityAppeal" not in engine_statistics(web)
            listed = {d["key"] for d in web.get("/camunda/api/engine/engine/default/decision-definition",
                                                latestVersion="true")}
            assert "DispatchApproval" in listed and "CityDispatchApproval" not in listed, (user, listed)
        finally:
            web.close()
    assert tasklist_process_names(workers, "office-clerk", a.id) == {"企业诉求办理"}
    assert tasklist_process_names(workers, "yx-office-clerk", b.id) == {"企业诉求办理"}
    # the city keeps its own
    assert {d["key"] for d in workers.client("city-mayor").get("/process-definition")} == CITY_KEYS
    assert "CityDispatchApproval" in {d["key"] for d in workers.client("city-land-handler").get("/decision-definition")}
