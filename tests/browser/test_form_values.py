"""Tester 2's findings 4, 5 and 9 in the real Tasklist (headless Chromium): a form shows nothing, not
form-js's template error "{{⚠}}", for a value the path into the task did not set; a fraction typed
as 申请延长工作日数 is refused, not read as ten times the number; the city's first form shows its due
date and links the county's 转报单 and 登记表.

Screenshots go to test-artifacts/."""

from __future__ import annotations

from ..conftest import EngineHandle, wait_for
from ..engine.test_city import escalated_to_city, propose_at_city
from ..scenario import Appeal, dispatch_to, report
from .test_tasklist import ARTIFACTS, login

TEMPLATE_ERROR = "{{⚠}}"


def open_task(browser, engine: EngineHandle, user: str, task: dict, title: str):
    """The task's form in Tasklist as `user`; the office's first page may take long on a loaded machine
    after a whole suite of appeals (2 minutes)."""
    page = login(browser, engine, user, first_ms=120_000, step_ms=60_000)
    page.goto(f"{engine.base_url}/camunda/app/tasklist/#/?task={task['id']}")
    page.get_by_text(title).first.wait_for()
    page.locator(".fjs-form").first.wait_for()
    page.wait_for_timeout(1000)  # the templates render after the variables arrive
    return page


def refused(page, days, field) -> None:
    """The field says why and Tasklist's 完成 stays disabled (form-js reports the error)."""
    days.press("Tab")
    field.locator(".fjs-form-field-error").first.wait_for()
    page.wait_for_timeout(300)
    assert page.get_by_role("button", name="完成").is_disabled()


def test_a_fraction_of_extension_days_is_refused_and_a_whole_number_goes_through(workers: EngineHandle,
                                                                                  browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    appeal = Appeal.start(workers, "BROWSER-DAYS")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    task = appeal.task("Task_HandleAppeal", "industry-handler")
    page = open_task(browser, workers, "industry-handler", task, "办理诉求并答复企业")
    page.get_by_text("认领", exact=True).click()
    page.get_by_label("申请延期").check()
    page.get_by_label("延期理由").fill("需等待上级部门批复用地指标")
    days = page.get_by_label("申请延长工作日数")
    field = page.locator(".fjs-form-field-number")
    for typed, shown in (("1.5", "1.5"), ("2,5", "2,5"), ("0.5", "0.5")):
        days.fill("")
        days.press_sequentially(typed)  # key by key, as a person types (form-js filters key presses)
        assert days.input_value() == shown, f"{typed!r} is shown as typed, not {days.input_value()!r}"
        refused(page, days, field)
        page.screenshot(path=str(ARTIFACTS / f"tasklist-extension-days-{typed}.png"), full_page=True)
    # an input method's characters arrive as input, not as key presses (full-width digits are read as
    # ASCII by scripts/form-messages-zh.js: tests/browser/test_input.py)
    for typed in ("三", "二十"):
        days.fill(typed)
        refused(page, days, field)
    assert not workers.admin.get("/history/task", taskId=task["id"])[0].get("endTime"), "nothing was submitted"

    days.fill("")
    days.press_sequentially("3")
    page.get_by_role("button", name="完成").click()

    def done():
        history = workers.admin.get("/history/task", taskId=task["id"])
        return history and history[0].get("endTime")
    wait_for(done, message="the task completed from the browser")
    appeal.task("Task_ApproveExtension", "office-clerk")
    assert appeal.variables()["extensionDays"] == 3
    page.close()


def test_the_follow_up_form_shows_no_template_error_for_an_unset_value(workers: EngineHandle, browser) -> None:
    """`consultationAnswer` is set only for a consultation, `surveyLinkUndelivered` only when no channel
    delivered the link: a department's reply reaches 回访 without either. The result class reads by its
    name (vocabulary RESULT_CLASS_NAMES)."""
    appeal = Appeal.start(workers, "BROWSER-FOLLOWUP", category="power")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    report(appeal, "industry-handler")
    task = appeal.task("Task_FollowUp", "office-clerk")
    page = open_task(browser, workers, "office-clerk", task, "回访企业并评价满意度")
    page.get_by_text("已协调解决并书面答复企业").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "tasklist-follow-up-unset-values.png"), full_page=True)
    shown = page.locator(".fjs-form").inner_text()
    assert TEMPLATE_ERROR not in shown
    # the class by its name, as the rework form and the documents name it (tester 5 F10: “办理结果：A”)
    assert "办理结果：A类（已经解决或基本解决）" in shown, shown
    page.close()


def test_the_city_forms_show_the_category_due_date_and_county_documents(workers: EngineHandle, browser) -> None:
    county, city = escalated_to_city(workers, "BROWSER-CITY")
    task = city.task("Task_ProposeCityDispatch", "city-officer")
    page = open_task(browser, workers, "city-officer", task, "拟定市级交办意见")
    form = page.locator(".fjs-form")
    page.get_by_text("本环节时限").first.wait_for()
    for label in ("转报单（Word）", "登记表（Word）"):
        link = form.get_by_role("link", name=label)
        href = link.get_attribute("href")
        assert href and href.endswith("/data"), label
        response = page.request.get(page.url.split("#")[0] + href)  # relative to Tasklist, as a click
        assert response.ok and response.body()[:2] == b"PK", f"{label} downloads the county's Word file"
    assert TEMPLATE_ERROR not in form.inner_text()
    page.screenshot(path=str(ARTIFACTS / "tasklist-city-proposal.png"), full_page=True)
    page.close()

    propose_at_city(city, "city-dept-natural-resources", "single")
    task = city.task("Task_ApproveCityDispatch", "city-director")
    page = open_task(browser, workers, "city-director", task, "审批市级交办方案")
    form = page.locator(".fjs-form")
    page.get_by_text("用地审批").first.wait_for()
    assert TEMPLATE_ERROR not in form.inner_text()
    page.screenshot(path=str(ARTIFACTS / "tasklist-city-approval.png"), full_page=True)
    page.close()
