"""Cockpit names each instance's county (docs/city-level.md, "Cockpit: counts and counties"), and a
乙县 user's Tasklist shows the shared groups without 某县's name, in the real browser.

Screenshots: test-artifacts/cockpit-*.png.
"""

from __future__ import annotations

import pytest

from appeals.settings import PROJECT_ROOT

from ..conftest import DEMO_PASSWORD, EngineHandle, wait_for
from ..engine.test_tenancy import start_in_b
from ..scenario import Appeal
from .test_tasklist import login

ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def cockpit(browser, engine: EngineHandle, user: str, password: str = DEMO_PASSWORD):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page.set_default_timeout(60_000)
    page.goto(f"{engine.base_url}/camunda/app/cockpit/default/")
    page.get_by_placeholder("用户名").fill(user)
    page.get_by_placeholder("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_placeholder("密码").wait_for(state="detached")  # the dashboard replaced the login form
    page.set_default_timeout(30_000)
    return page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"cockpit-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def appeals(workers: EngineHandle):
    a = Appeal.start(workers, "COCKPIT-UI-A")
    b = start_in_b(workers, "COCKPIT-UI-B")
    a.task("Task_VerifyAppeal", "office-clerk")
    b.task("Task_VerifyAppeal", "yx-office-clerk")
    yield a, b
    for appeal in (a, b):
        workers.admin.delete(f"/process-instance/{appeal.id}?skipCustomListeners=true")


def open_county_tab(page, url: str) -> None:
    """Open a Cockpit view by its URL and click its 所属县（区） tab. The view is loaded afresh: a URL that differs
    only after '#' would keep the previous view (and its own 所属县（区） tab) on the page while the new one
    renders, and the click could land on the old one."""
    page.goto("about:blank")
    page.goto(url)
    page.get_by_text("所属县（区）", exact=True).first.click()


def county_tab(page, engine: EngineHandle, definition_id: str):
    open_county_tab(page, f"{engine.base_url}/camunda/app/cockpit/default/#/process-definition/{definition_id}/runtime")
    table = page.locator("table.appeals-county-table")
    table.wait_for()
    return table


def test_cockpit_shows_each_instance_county(workers: EngineHandle, browser, appeals) -> None:
    a, b = appeals
    definition_id = workers.admin.get(f"/process-instance/{a.id}")["definitionId"]
    assert workers.admin.get(f"/process-instance/{b.id}")["definitionId"] == definition_id

    admin_user, admin_password = workers.settings.engine.require_admin()
    page = cockpit(browser, workers, admin_user, admin_password)
    table = county_tab(page, workers, definition_id)
    row_a = table.locator(f"tr[data-instance-id='{a.id}']")
    row_b = table.locator(f"tr[data-instance-id='{b.id}']")
    assert row_a.locator("td.appeals-county").inner_text() == "某县"
    assert row_b.locator("td.appeals-county").inner_text() == "乙县"
    assert "COCKPIT-UI-B" in row_b.inner_text()
    shot(page, "county-admin")
    # the instance's own page names its county too
    open_county_tab(page, f"{workers.base_url}/camunda/app/cockpit/default/#/process-instance/{b.id}/runtime")
    page.locator("dd.appeals-county").wait_for()
    assert page.locator("dd.appeals-county").inner_text() == "乙县"
    shot(page, "county-instance")
    page.close()

    # 乙县's county head: 乙县's instance by name, nothing of 某县
    page = cockpit(browser, workers, "yx-county-head")
    table = county_tab(page, workers, definition_id)
    assert table.locator(f"tr[data-instance-id='{b.id}'] td.appeals-county").inner_text() == "乙县"
    assert table.locator(f"tr[data-instance-id='{a.id}']").count() == 0
    assert "某县" not in table.inner_text()
    shot(page, "county-yixian")
    page.close()


def test_cockpit_shows_every_appeals_registration_number(workers: EngineHandle, browser, appeals) -> None:
    """Tester 5 F7: the office's own registrations (Tasklist's 发起流程, REST) have no business key, and
    the 所属县（区） tab's 业务编号 read empty for them; each row shows the registration number now."""
    from appeals.demo import DEMO_APPEALS

    a, _ = appeals
    started = workers.client("office-clerk").start_process("EnterpriseAppeal", DEMO_APPEALS[1])
    own = Appeal(workers, started["id"])
    try:
        assert workers.admin.get(f"/process-instance/{own.id}")["businessKey"] is None
        number = wait_for(lambda: own.variables().get("registrationNumber"), message="registered")
        number_a = wait_for(lambda: a.variables().get("registrationNumber"), message="registered")
        definition_id = workers.admin.get(f"/process-instance/{own.id}")["definitionId"]
        page = cockpit(browser, workers, "county-head")
        table = county_tab(page, workers, definition_id)
        assert "登记编号" in table.locator("thead").inner_text()
        row = table.locator(f"tr[data-instance-id='{own.id}']")
        assert row.locator("td.appeals-registration-number").inner_text() == number
        assert number.startswith("某县服企办收（") and number.endswith("号")
        assert row.locator("td.appeals-business-key").inner_text() == "—"
        row_a = table.locator(f"tr[data-instance-id='{a.id}']")
        assert row_a.locator("td.appeals-registration-number").inner_text() == number_a
        assert row_a.locator("td.appeals-business-key").inner_text() == "COCKPIT-UI-A"
        for cell in table.locator("tbody td.appeals-registration-number").all_inner_texts():
            assert "服企办收" in cell or cell in ("待补正，尚未编号", "—"), cell
        shot(page, "county-registration-number")
        page.close()
    finally:
        workers.admin.delete(f"/process-instance/{own.id}?skipCustomListeners=true")


def test_cockpit_names_the_county_a_city_instance_came_from(workers: EngineHandle, browser) -> None:
    """Tester 4 F4: every CityAppeal row read 某市 (its tenant); it names the county that sent it too."""
    from ..engine.test_city import escalated_to_city

    county, city = escalated_to_city(workers, "COCKPIT-UI-CITY")
    try:
        definition_id = workers.admin.get(f"/process-instance/{city.id}")["definitionId"]
        page = cockpit(browser, workers, "city-officer")
        table = county_tab(page, workers, definition_id)
        assert table.locator(f"tr[data-instance-id='{city.id}'] td.appeals-county").inner_text() == "某市（某县转报）"
        shot(page, "county-city")
        open_county_tab(page, f"{workers.base_url}/camunda/app/cockpit/default/#/process-instance/{city.id}/runtime")
        page.locator("dd.appeals-county").wait_for()
        assert page.locator("dd.appeals-county").inner_text() == "某市（某县转报）"
        page.close()
    finally:
        for appeal in (city, county):
            workers.admin.delete(f"/process-instance/{appeal.id}?skipCustomListeners=true")


def test_a_countys_cockpit_lists_none_of_the_citys_definitions(workers: EngineHandle, browser, appeals) -> None:
    """Cockpit listed the city's 市级企业诉求办理（县级转报） (0 instances) and its decision to a county's operators."""
    for user in ("county-head", "yx-county-head"):
        page = cockpit(browser, workers, user)
        page.goto(f"{workers.base_url}/camunda/app/cockpit/default/#/processes")
        page.get_by_text("企业诉求办理", exact=True).first.wait_for()
        assert "市级企业诉求办理" not in page.locator("body").inner_text(), user
        shot(page, f"processes-{user}")
        page.goto(f"{workers.base_url}/camunda/app/cockpit/default/#/decisions")
        page.get_by_text("交办审批层级", exact=True).first.wait_for()
        assert "市级交办审批层级" not in page.locator("body").inner_text(), user
        page.close()
    page = cockpit(browser, workers, "city-mayor")
    page.goto(f"{workers.base_url}/camunda/app/cockpit/default/#/processes")
    page.get_by_text("市级企业诉求办理（县级转报）", exact=True).first.wait_for()
    assert "企业诉求办理情况月度通报" not in page.locator("body").inner_text()
    page.close()


def test_tasklist_shows_yixian_the_shared_group_by_its_role(workers: EngineHandle, browser, appeals) -> None:
    _, b = appeals
    task = b.task("Task_VerifyAppeal", "yx-office-clerk")
    page = login(browser, workers, "yx-office-clerk", step_ms=60_000, height=1000)
    page.goto(f"{workers.base_url}/camunda/app/tasklist/#/?task={task['id']}")
    page.get_by_text("服务企业发展领导小组办公室（服企办）").first.wait_for()
    assert page.get_by_text("县服务企业发展领导小组办公室").count() == 0
    shot(page, "tasklist-yixian-group")
    page.close()
