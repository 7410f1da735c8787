"""The staff's day in the real browser (issue 13): no migration banner; each task says what it is; the
documents where the work is, and only there; the 专班看板 for the office and the leaders.

Screenshots of every page go to test-artifacts/staff-*.png.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import quote

import pytest

from appeals.settings import PROJECT_ROOT

from ..conftest import DEMO_PASSWORD, EngineHandle, wait_for
from ..scenario import Appeal, approve, dispatch_to, propose, register_and_accept

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
ISO_DUE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
CHINESE_DUE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}，剩余\d+个工作日")


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"staff-{name}.png"), full_page=True)


def new_page(browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN", timezone_id="Asia/Shanghai",
                            accept_downloads=True)
    page.set_default_timeout(20_000)
    return page


def tasklist(browser, engine: EngineHandle, user: str, password: str = DEMO_PASSWORD):
    page = new_page(browser)
    page.goto(f"{engine.base_url}/camunda/app/tasklist/")
    page.get_by_placeholder("用户名").fill(user)
    page.get_by_placeholder("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    # Tasklist loads its scripts and the filters after the login: give a busy machine time
    page.get_by_text("本单位待办").first.wait_for(timeout=60_000)
    return page


def open_task(page, engine: EngineHandle, task_id: str, title: str) -> None:
    page.goto(f"{engine.base_url}/camunda/app/tasklist/#/?task={task_id}")
    page.locator(".fjs-form").get_by_text(title).first.wait_for()
    page.wait_for_timeout(500)  # form-js fills its templates after the first render


def task_api(engine: EngineHandle, task_id: str, name: str) -> str:
    return f"{engine.base_url}/camunda/api/engine/engine/default/task/{task_id}/variables/{name}/data"


# ----------------------------------------------------------------------------- banner
def test_no_migration_banner_in_the_webapps(deployed: EngineHandle, browser) -> None:
    admin_user, admin_password = deployed.settings.engine.require_admin()
    page = tasklist(browser, deployed, admin_user, admin_password)
    for app in ("tasklist", "cockpit", "admin", "welcome"):
        page.goto(f"{deployed.base_url}/camunda/app/{app}/default/")
        page.locator("[cam-widget-header]").first.wait_for()
        page.wait_for_timeout(1000)
        banner = page.locator(".ce-eol-banner")
        # the header still renders the element; the staff never see it
        assert banner.count() == 0 or not banner.first.is_visible(), app
        assert page.get_by_text("Camunda 8").count() == 0 or not page.get_by_text("Camunda 8").first.is_visible()
        shot(page, f"banner-{app}")
    page.close()


# ----------------------------------------------------------------------------- the department's day
@pytest.fixture(scope="module")
def two_department_appeal(workers: EngineHandle) -> Appeal:
    """Dispatched to 工信局 (lead) with 能源局 assisting, approved by the deputy head."""
    appeal = Appeal.start(workers, "STAFF-1")
    register_and_accept(appeal)
    propose(appeal, "dept-industry", situation="multi", assisting=["dept-energy"])
    appeal.task("Task_ApproveDispatch", "admin")
    assert appeal.variables()["approverGroup"] == "deputy-head-industry"  # the deputy overseeing the lead
    approve(appeal, "deputy-industry")
    appeal.task("Task_SignDispatch", "industry-handler")
    return appeal


def test_the_department_list_and_form_say_what_the_task_is(workers: EngineHandle, browser,
                                                           two_department_appeal: Appeal) -> None:
    appeal = two_department_appeal
    variables = appeal.variables()
    number, enterprise = variables["registrationNumber"], variables["enterpriseName"]
    task = appeal.task("Task_SignDispatch", "industry-handler")

    page = tasklist(browser, workers, "industry-handler")
    page.get_by_text("本单位待办").first.click()
    item = page.locator(".tasks-list li.task").filter(has_text=number)
    item.first.wait_for()
    assert enterprise in item.first.inner_text()
    shot(page, "department-list")

    open_task(page, workers, task["id"], "签收交办单并联系企业")
    form = page.locator(".fjs-form").inner_text()
    assert number in form and enterprise in form and "用电保障" in form
    assert variables["contactPhone"] in form and variables["contactName"] in form  # the lead calls the enterprise
    assert CHINESE_DUE.search(form), form
    assert not ISO_DUE.search(form), form
    shot(page, "department-sign-form")
    page.close()


def test_the_assisting_department_sees_no_contact_data(workers: EngineHandle, browser,
                                                       two_department_appeal: Appeal) -> None:
    appeal = two_department_appeal
    appeal.complete("Task_SignDispatch", "industry-handler", signDecision="sign", handlerName="张三",
                    enterpriseContacted=True)
    task = appeal.task("Task_ProvideAssistOpinion", "energy-handler")
    variables = appeal.variables()
    page = tasklist(browser, workers, "energy-handler")
    open_task(page, workers, task["id"], "提出配合办理意见")
    form = page.locator(".fjs-form").inner_text()
    assert variables["registrationNumber"] in form and variables["enterpriseName"] in form
    assert variables["contactPhone"] not in form and variables["contactName"] not in form
    assert "交办单" not in form  # the 交办单 and 登记表 carry the contact data
    shot(page, "assisting-form")
    page.close()


def test_the_dispatch_document_downloads_for_the_department_and_is_refused_to_another(
        workers: EngineHandle, browser) -> None:
    appeal = Appeal.start(workers, "STAFF-2")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    task = appeal.task("Task_HandleAppeal", "industry-handler")
    filename = appeal.engine.admin.get(f"/process-instance/{appeal.id}/variables/dispatchDocument",
                                       deserializeValue="false")["valueInfo"]["filename"]

    page = tasklist(browser, workers, "industry-handler")
    open_task(page, workers, task["id"], "办理诉求并答复企业")
    link = page.locator(".fjs-form a", has_text="交办单（Word）")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == filename
    content = download.value.path().read_bytes()
    assert content[:2] == b"PK"  # a .docx (zip)
    registration = page.locator(".fjs-form a", has_text="登记表（Word）")
    assert registration.count() == 1
    shot(page, "department-handle-form")
    page.close()

    # another department, logged in to Tasklist: neither the task nor its documents
    other = tasklist(browser, workers, "finance-handler")
    for name in ("dispatchDocument", "registrationDocument"):
        response = other.request.get(task_api(workers, task["id"], name))
        assert response.status in (403, 404), (name, response.status)
    other.goto(task_api(workers, task["id"], "dispatchDocument"))
    shot(other, "other-department-refused")
    other.close()


def test_the_bulletin_review_offers_the_bulletin_and_the_ledger(workers: EngineHandle, browser) -> None:
    admin = workers.admin
    # 某县's bulletin (without `countyCode` the operator's start makes one per county: test_county_figures.py)
    instance = admin.start_process("MonthlyBulletin", {"bulletinDate": "2026-11-02", "countyCode": "mouxian"})
    task = Appeal(workers, instance["id"]).task("Task_ReviewBulletin", "office-clerk", timeout=120)
    page = tasklist(browser, workers, "office-clerk")
    open_task(page, workers, task["id"], "审核并印发月度通报")
    with page.expect_download() as download:
        page.locator(".fjs-form a", has_text="月度通报（Word）").click()
    assert download.value.suggested_filename.endswith(".docx")
    with page.expect_download() as workbook:
        page.locator(".fjs-form a", has_text="问题台账（Excel）").click()
    assert workbook.value.suggested_filename.endswith(".xlsx")
    shot(page, "bulletin-review-form")
    assert "全市" not in page.locator(".fjs-form").inner_text()
    page.close()


def test_the_city_bulletin_review_form_says_it_is_the_citys(workers: EngineHandle, browser) -> None:
    """Tester 4 F6: the same form, titled for the city's bulletin at the city's level (`bulletinLevel`)."""
    instance = workers.admin.start_process("MonthlyBulletin", {"bulletinDate": "2026-11-02", "countyCode": "city"})
    task = Appeal(workers, instance["id"]).task("Task_ReviewCityBulletin", "city-officer", timeout=120)
    page = tasklist(browser, workers, "city-officer")
    open_task(page, workers, task["id"], "审核并印发全市月度通报")
    assert "审核并印发月度通报" not in page.locator(".fjs-form").inner_text(), "one title only"
    # the task names its process (the city's office reads the MonthlyBulletin definition), in the list too
    page.locator("h4.process-definition", has_text="企业诉求办理情况月度通报").first.wait_for()
    page.get_by_text("本单位待办").first.click()
    item = page.locator(".tasks-list li.task").filter(has_text="审核并印发全市月度通报")
    item.first.wait_for()
    assert "企业诉求办理情况月度通报" in item.first.inner_text()
    shot(page, "city-bulletin-review-form")
    page.close()


def test_an_interview_from_before_card_labels_names_its_card(workers: EngineHandle, browser) -> None:
    """An interview task created before the workers wrote `cardLabel`: after `appeals deploy` its form says
    which card (被亮红牌), as a new one does."""
    from click.testing import CliRunner

    from appeals.cli import main

    from ..engine.test_supervision import interview_without_label

    appeal, task, user = interview_without_label(workers, "STAFF-OLD-LABEL", "dept-finance-office",
                                                 "finance-office-handler")
    assert CliRunner().invoke(main, ["deploy"], catch_exceptions=False).exit_code == 0
    page = tasklist(browser, workers, user)
    open_task(page, workers, task["id"], "约谈承办单位负责人")
    card = page.locator(".fjs-form").inner_text()
    assert "县金融办被亮红牌（" in card, card
    shot(page, "interview-old-card")
    page.close()
    appeal.complete("Task_Interview", user, interviewedPerson="金融办分管副主任", interviewNote="约谈并提出整改要求")


# ----------------------------------------------------------------------------- the dashboard
def dashboard_login(browser, url: str, user: str):
    page = new_page(browser)
    page.goto(f"{url}/")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return page


def report_summary(period: str, tmp_path) -> str:
    from click.testing import CliRunner

    from appeals.cli import main

    result = CliRunner().invoke(main, ["report", "--period", period, "--out", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return next(line for line in result.output.splitlines() if line.startswith(f"{period_label(period)}，共受理"))


def period_label(period: str) -> str:
    year, month = period.split("-")
    return f"{int(year)}年{int(month)}月"


def test_the_dashboard_shows_the_figures_of_appeals_report(workers: EngineHandle, browser, dashboard: str,
                                                           tmp_path) -> None:
    from appeals.workdays import SHANGHAI

    appeal = Appeal.start(workers, "STAFF-4")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    period = dt.datetime.now(SHANGHAI).strftime("%Y-%m")
    page = dashboard_login(browser, dashboard, "county-head")
    page.locator("#summary-text").wait_for()

    def equal() -> bool:  # the workers may still be writing a milestone: compare a quiet moment
        expected = report_summary(period, tmp_path)
        page.goto(f"{dashboard}/?period={period}")  # on the 1st–3rd "/" opens on the month before
        return page.locator("#summary-text").inner_text().strip() == expected
    wait_for(equal, timeout=30, interval=1, message="the dashboard's summary to equal `appeals report`'s")
    assert page.locator("#departments tr[data-code='dept-industry']").count() == 1
    assert page.locator("#trend img").first.evaluate("img => img.naturalWidth") > 100
    shot(page, "dashboard-county-head")

    with page.expect_download() as download:
        page.locator("#export").click()
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert book.sheetnames == ["总体", "各单位", "超期诉求", "黄红牌", "趋势"]

    # filters: the category, then the batch the model gave the appeal (AppealBatch, e.g. 2026年第四批)
    batch = appeal.variables()["batch"]
    page.select_option("select[name=category]", "power")
    page.select_option("select[name=batch]", batch)
    page.get_by_role("button", name="查询").click()
    page.get_by_text("（已筛选）").wait_for()
    dispatched = int(page.locator("#overall tr").nth(1).locator("td").nth(1).inner_text())
    assert dispatched >= 1  # STAFF-4 (用电保障, this batch) is in
    shot(page, "dashboard-filtered")
    page.close()


def test_a_deputy_head_sees_the_departments_they_oversee_first(workers: EngineHandle, browser,
                                                               dashboard: str) -> None:
    appeal = Appeal.start(workers, "STAFF-5")
    dispatch_to(appeal, "dept-finance", "finance-handler")
    from appeals.workdays import SHANGHAI

    page = dashboard_login(browser, dashboard, "deputy-industry")
    page.goto(f"{dashboard}/?period={dt.datetime.now(SHANGHAI):%Y-%m}")  # STAFF-5's month (1st–3rd: "/" is the month before)
    rows = page.locator("#departments tr[data-code]")
    rows.first.wait_for()
    codes = [rows.nth(i).get_attribute("data-code") for i in range(rows.count())]
    overseen = {"dept-industry", "dept-power-supply", "dept-energy", "dept-development-reform"}
    assert codes and codes[0] in overseen, codes
    firsts = [c in overseen for c in codes]
    assert firsts == sorted(firsts, reverse=True), codes  # all overseen ones before the others
    shot(page, "dashboard-deputy-head")
    page.close()


def test_the_dashboard_reads_a_month_as_people_type_it_and_refuses_others_with_a_way_back(
        workers: EngineHandle, browser, dashboard: str) -> None:
    page = dashboard_login(browser, dashboard, "county-head")
    page.locator("#summary-text").wait_for()
    for typed in ("2026年11月", "2026/11", "2026-1"):
        assert page.goto(f"{dashboard}/?period={quote(typed)}").status == 200, typed
    for typed, says in (("9999-12", "超出范围"), ("2026年第三季度", "看板按月显示"), ("<b>x</b>", "无法识别")):
        response = page.goto(f"{dashboard}/?period={quote(typed)}")
        assert response.status == 400, typed
        assert page.get_by_text(says).first.is_visible(), typed
        page.get_by_role("link", name="返回看板（本月）").click()
        page.locator("#summary-text").wait_for()
    page.close()


@pytest.mark.parametrize("user", ["industry-handler", "city-industry-handler"])  # the city center: the comparison
def test_the_dashboard_refuses_departments(workers: EngineHandle, browser, dashboard: str, user: str) -> None:
    page = new_page(browser)
    page.goto(f"{dashboard}/")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(DEMO_PASSWORD)  # the right password: the role is refused, not the login
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="登录").click()
    assert answer.value.status == 403
    assert page.get_by_text("专班看板仅供服企办、分管县领导、县长和督查室使用").first.is_visible()
    assert page.locator("#summary-text").count() == 0
    for path in ("/", "/export.xlsx", "/chart/trend.png"):  # no session: back to the login, no figures
        response = page.request.get(f"{dashboard}{path}", max_redirects=0)
        assert response.status == 302 and "/login" in response.headers["location"], path
    shot(page, f"dashboard-refused-{user}")
    page.close()


def test_the_dashboard_refuses_a_wrong_password(workers: EngineHandle, browser, dashboard: str) -> None:
    page = new_page(browser)
    page.goto(f"{dashboard}/")
    page.get_by_label("用户名").fill("county-head")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("用户名或密码不正确").wait_for()
    assert page.request.get(f"{dashboard}/export.xlsx", max_redirects=0).status == 302
    page.close()
