"""An enterprise on a phone: the questionnaire, the receipt, the office's Tasklist, the survey link.

Headless Chromium (Playwright) with a phone-sized viewport against the public app served by
werkzeug in a background thread, on the session's real engine. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from appeals import stack
from appeals.org import DEMO_ORG, IdentitySync, load
from appeals.public import create_app, follow_up_round, survey_link
from appeals.settings import PROJECT_ROOT

from ..conftest import DEMO_PASSWORD, EngineHandle
from ..scenario import Appeal, dispatch_to, report
from ..unit.test_public import PUBLIC_PASSWORD, SECRET, VALID, public_settings

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture(scope="module")
def public_url(workers: EngineHandle) -> Iterator[str]:
    """The public app on a free port, in a thread, as the technical user `appeals-public`."""
    counties = [c.tenant for c in load(DEMO_ORG).all_counties()]  # the pages serve the counties' tenants
    IdentitySync(workers.admin).ensure_public_channel(PUBLIC_PASSWORD, tenants=counties)
    port = stack.free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(public_settings(workers.settings, base_url=url))
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="public-app")
    thread.start()
    yield url
    server.shutdown()
    thread.join(timeout=10)


def fill_questionnaire(page) -> None:
    for label, name in (("企业名称", "enterpriseName"), ("统一社会信用代码", "creditCode"), ("企业地址", "enterpriseAddress"),
                        ("联系人", "contactName"), ("职务", "contactPosition"), ("联系电话", "contactPhone"),
                        ("电子邮箱", "contactEmail"), ("主要困难和问题", "problemDescription"),
                        ("希望协调解决的具体事项", "requestedHelp")):
        page.get_by_label(re.compile(rf"^{label}\*?$")).fill(VALID[name])
    page.get_by_label(re.compile(r"^问题类别\*?$")).select_option("power")
    page.get_by_label("求助", exact=True).check()
    page.get_by_label("我已阅读并同意个人信息使用说明").check()


def find_in_tasklist(browser, engine: EngineHandle, number: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page.set_default_timeout(20_000)
    page.goto(f"{engine.base_url}/camunda/app/tasklist/")
    page.get_by_placeholder("用户名").fill("office-clerk")
    page.get_by_placeholder("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("本单位待办").click()
    page.get_by_text(number, exact=True).first.wait_for()
    entry = page.locator("li").filter(has=page.get_by_text(number, exact=True)).last
    entry.get_by_text("核实诉求并判定受理范围").click()  # the office's task of the online appeal
    page.get_by_text("认领", exact=True).wait_for()
    page.get_by_role("heading", name="核实诉求并判定受理范围").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "public-tasklist.png"))
    page.close()


def test_enterprise_submits_on_a_phone_and_answers_the_survey_once(workers: EngineHandle, browser,
                                                                   public_url: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    phone = browser.new_context(**PHONE)
    phone.set_default_timeout(30_000)
    page = phone.new_page()
    page.goto(f"{public_url}/")
    page.get_by_role("link", name="在线反映诉求").click()
    page.get_by_role("heading", name="企业诉求在线填报").wait_for()
    fill_questionnaire(page)
    page.screenshot(path=str(ARTIFACTS / "public-intake.png"), full_page=True)
    page.get_by_role("button", name="提交诉求").click()
    number = page.locator("#registration-number").inner_text()
    token = page.locator("#receipt-token").inner_text()
    assert number.startswith("某县服企办收（")
    page.screenshot(path=str(ARTIFACTS / "public-receipt.png"), full_page=True)

    # the office sees the new appeal in its Tasklist list, by its registration number
    find_in_tasklist(browser, workers, number)

    # the progress lookup works from the phone with the receipt token
    page.get_by_role("link", name="查询办理进度").click()
    page.get_by_label("联系电话").fill(VALID["contactPhone"])
    page.get_by_role("button", name="查询").click()
    page.locator("#progress-status").wait_for()
    assert page.locator("#progress-number").inner_text() == number

    # handled and reported: the survey link of the follow-up is opened twice, answered once
    pid = workers.admin.get("/process-instance", businessKey=f"WEB-{token}")[0]["id"]
    appeal = Appeal(workers, pid)
    dispatch_to(appeal, "dept-power-supply", "power-handler")
    report(appeal, "power-handler")
    appeal.task("Task_FollowUp", "office-clerk")
    link = survey_link(pid, follow_up_round(appeal.variables()), public_url, secret=SECRET)
    first, second = phone.new_page(), phone.new_page()
    for tab in (first, second):
        tab.goto(link)
        tab.get_by_label("是，问题已真实解决").check()
        tab.get_by_label("非常满意").check()
    first.get_by_label("意见建议").fill("供电公司上门服务，三天完成增容。")
    first.get_by_role("button", name="提交评价").click()
    first.locator("#survey-thanks").wait_for()
    with second.expect_response(lambda r: r.request.method == "POST") as answer:
        second.get_by_role("button", name="提交评价").click()
    assert answer.value.status == 409
    second.get_by_text("已评价，感谢").first.wait_for()
    second.screenshot(path=str(ARTIFACTS / "public-survey-refused.png"), full_page=True)
    first.goto(link)
    first.get_by_text("已评价，感谢").first.wait_for()
    appeal.wait_until_ended()
    phone.close()


def test_the_lookup_takes_a_landline_with_its_extension_as_typed(workers: EngineHandle, browser,
                                                                 public_url: str) -> None:
    """Tester 5, F3: the lookup's phone field kept 20 characters, so “(0356) 6012345 分机 801” became
    “…分机 80” and the appeal was not found. The field takes what the questionnaire takes
    (validation.TYPED_LIMITS); typed key by key, the whole spelling reaches the server and finds it."""
    appeal = Appeal.start(workers, "T5-LOOKUP-EXT", contactPhone="0356-6012345 转 801")
    appeal.task("Task_VerifyAppeal", "office-clerk")
    number = appeal.variables()["registrationNumber"]
    phone = browser.new_context(**PHONE)
    phone.set_default_timeout(30_000)
    page = phone.new_page()
    for typed in ("(0356) 6012345 分机 801", "+86 356 6012345 转 801", "+86 (0356) 601 2345 分机号 801"):
        page.goto(f"{public_url}/lookup")
        page.get_by_label("登记编号或回执号").fill(number)
        field = page.get_by_label("联系电话")
        field.press_sequentially(typed)
        assert field.input_value() == typed, "nothing is cut"
        page.get_by_role("button", name="查询").click()
        page.locator("#progress-status").wait_for()
        assert page.locator("#progress-number").inner_text() == number
    page.screenshot(path=str(ARTIFACTS / "public-lookup-extension.png"), full_page=True)
    phone.close()
