"""A department handler works a task in the real Tasklist with headless Chromium (Playwright).

The screenshots are kept in test-artifacts/ for people to look at.
"""

from __future__ import annotations

from appeals.settings import PROJECT_ROOT

from ..conftest import DEMO_PASSWORD, EngineHandle, wait_for
from ..scenario import Appeal, dispatch_to

ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def login(browser, engine: EngineHandle, user: str, first_ms: int = 60_000, step_ms: int = 30_000,
          width: int = 1400, height: int = 1100):
    """Tasklist as `user` in a `width` × `height` px window; the first page may take long on a loaded
    machine (`first_ms`, then `step_ms` a step)."""
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page.set_default_timeout(first_ms)
    page.goto(f"{engine.base_url}/camunda/app/tasklist/")
    page.get_by_placeholder("用户名").fill(user)
    page.get_by_placeholder("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("本单位待办").first.wait_for()
    page.set_default_timeout(step_ms)
    return page



def open_task(page, engine: EngineHandle, task_id: str, title: str) -> None:
    """Tasklist's page of one task, waited for until its name `title` shows."""
    page.goto(f"{engine.base_url}/camunda/app/tasklist/#/?task={task_id}")
    page.get_by_text(title).first.wait_for()

def test_department_handler_completes_the_handling_form_in_tasklist(workers: EngineHandle, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    appeal = Appeal.start(workers, "BROWSER-1")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    task = appeal.task("Task_HandleAppeal", "industry-handler")

    page = login(browser, workers, "industry-handler")
    page.get_by_text("本单位待办").click()
    page.get_by_text("办理诉求并答复企业").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "tasklist-department-list.png"))
    page.goto(f"{workers.base_url}/camunda/app/tasklist/#/?task={task['id']}")
    page.get_by_text("办理诉求并答复企业").first.wait_for()
    page.get_by_text("认领", exact=True).click()
    page.get_by_label("报送办理结果").check()
    page.get_by_label("A类（已经解决或基本解决）").check()
    page.get_by_label("答复企业内容（面复或书面答复）").fill("经协调，供电公司已完成增容，企业已恢复生产。")
    page.get_by_label("答复方式").locator("xpath=..").click()  # form-js: the hidden input sits in the visible select
    page.get_by_text("书面答复", exact=True).click()
    page.screenshot(path=str(ARTIFACTS / "tasklist-handling-form.png"), full_page=True)
    page.get_by_role("button", name="完成").click()

    def done():
        history = workers.admin.get("/history/task", taskId=task["id"])
        return history and history[0].get("endTime")
    wait_for(done, message="the task completed from the browser")
    appeal.task("Task_FollowUp", "office-clerk")
    variables = appeal.variables()
    assert variables["resultClass"] == "A"
    assert variables["replyText"] == "经协调，供电公司已完成增容，企业已恢复生产。"
    assert variables["replyMethod"] == "written"
    page.screenshot(path=str(ARTIFACTS / "tasklist-after-complete.png"))
    page.close()


def test_another_department_does_not_see_the_task_in_tasklist(workers: EngineHandle, browser) -> None:
    appeal = Appeal.start(workers, "BROWSER-2")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    number = appeal.variables()["registrationNumber"]
    page = login(browser, workers, "finance-handler")
    page.get_by_text("本单位待办").click()
    page.wait_for_timeout(1500)
    assert page.get_by_text(number).count() == 0
    page.screenshot(path=str(ARTIFACTS / "tasklist-other-department.png"))
    page.close()
