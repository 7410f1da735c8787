"""Tasklist's own 发起流程 still starts an appeal for the office (StartFormVariablesPlugin lets a staff user
start with the start form's fields only, and Tasklist sends exactly those).

Screenshots go to test-artifacts/."""

from __future__ import annotations

from appeals.demo import DEMO_APPEALS

from ..conftest import EngineHandle, wait_for
from .test_tasklist import ARTIFACTS, login


def test_the_office_starts_an_appeal_from_tasklists_start_dialog(workers: EngineHandle, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = login(browser, workers, "office-clerk")
    page.get_by_text("发起流程").first.click()
    page.get_by_text("企业诉求办理").first.click()
    page.get_by_label("企业名称").fill("某县浏览器发起测试有限公司")
    page.get_by_label("统一社会信用代码").fill(DEMO_APPEALS[0]["creditCode"])
    page.get_by_label("详细地址").fill("某县工业园区8号")
    page.get_by_label("联系人").fill("李经理")
    page.get_by_label("联系电话").fill("13700005555")
    for label, option in (("反映形式", "领导入企走访"), ("诉求类型", "求助")):
        page.get_by_label(label).locator("xpath=..").click()
        page.get_by_text(option, exact=True).click()
    page.get_by_label("主要困难和问题").fill("厂区道路破损，大货车无法进出。")
    page.get_by_label("希望协调解决的具体事项").fill("请协调修复道路。")
    page.screenshot(path=str(ARTIFACTS / "tasklist-start-appeal.png"), full_page=True)
    page.get_by_role("button", name="发起").click()

    found = wait_for(lambda: workers.admin.get("/process-instance", processDefinitionKey="EnterpriseAppeal",
                                               variables="enterpriseName_eq_某县浏览器发起测试有限公司"),
                     message="the appeal started from the browser", timeout=40)
    variables = workers.admin.variables(found[0]["id"])
    assert variables["enterpriseName"] == "某县浏览器发起测试有限公司"
    assert variables["receivedBy"] == "office-clerk"
    assert found[0]["tenantId"] == "mouxian"
    page.close()
