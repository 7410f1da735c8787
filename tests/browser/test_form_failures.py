"""A task form Tasklist cannot load says why, in Chinese (session 14), in the real Tasklist (headless Chromium).

Tasklist shows “表单错误：” followed by the HTTP reason phrase of the failed form fetch; the engine's Tomcat
sends none, so the alert ended in nothing. Tasklist's scripts/form-load-reasons-zh.js gives the reason for
the status, and the reason for the form's variables (their English engine message before). Cases meet the
real engine where it can answer (the task completed by someone else between Tasklist's loading the task
and its fetching the form or its variables: the race users met, made certain by completing it while the
browser's request waits; the session gone); the other statuses are answered by the test (with Playwright's
English reason phrase, as a proxy would send one), and a form fetch that reaches no server. (A task handed
on to another department meanwhile still reads: the department keeps reading its process's tasks.)

Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ..conftest import EngineHandle
from ..scenario import Appeal, dispatch_to, report
from .test_tasklist import ARTIFACTS, login

# status → the start of the reason Tasklist shows (scripts/form-load-reasons-zh.js, FORM_LOAD_REASONS)
REASONS = {
    401: "登录已失效。请重新登录后再打开此任务。",
    403: "您无权打开此表单：任务可能已交由其他人员或部门办理。",
    404: "此任务已不存在：可能已由他人办理完成或已撤销。",
    500: "服务器出错，表单未能加载：此任务可能已由他人办理完成或已撤销。",
    503: "服务器暂时无法访问，表单未能加载。",
}
NO_CONNECTION = "无法连接服务器，表单未能加载。请检查网络后刷新页面。"
VARIABLES_REFUSED = "无法加载变量"


def completed_meanwhile(workers, appeal, task):
    def meanwhile(route):
        report(appeal, "industry-handler")  # the colleague's browser, a moment earlier
        route.continue_()
    return meanwhile


def session_gone(workers, appeal, task):
    def meanwhile(route):
        route.request.frame.page.context.clear_cookies()  # the session ends (expired, or logged out elsewhere)
        route.continue_()
    return meanwhile


def answered(status):
    def by_the_test(workers, appeal, task):
        return lambda route: route.fulfill(status=status, body="")  # Playwright adds the English reason phrase
    return by_the_test


def no_connection(workers, appeal, task):
    return lambda route: route.abort("connectionrefused")


CASES = [
    ("completed", completed_meanwhile, (404, 500)),
    ("unauthorized", answered(401), (401,)),
    ("forbidden", answered(403), (403,)),
    ("not-found", answered(404), (404,)),
    ("unavailable", answered(503), (503,)),
    ("offline", no_connection, (None,)),
]


def test_a_form_that_cannot_be_loaded_says_why_in_chinese(workers: EngineHandle, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = login(browser, workers, "industry-handler")
    seen = []
    for name, meanwhile, statuses in CASES:
        appeal = Appeal.start(workers, f"BROWSER-FORM-{name.upper()}")
        dispatch_to(appeal, "dept-industry", "industry-handler")
        task = appeal.task("Task_HandleAppeal", "industry-handler")
        page.route(re.compile(r".*/deployed-form\b.*"), meanwhile(workers, appeal, task))
        responses: list[int] = []

        def listener(response, responses=responses):
            if "/deployed-form" in response.url:
                responses.append(response.status)
        page.on("response", listener)
        page.goto(f"{workers.base_url}/camunda/app/tasklist/#/?task={task['id']}")
        alert = page.locator(".alert-danger").filter(has_text="表单错误：")
        try:
            alert.wait_for()
            message = alert.locator(".message").inner_text().strip()
        except PlaywrightTimeout:
            message = f"no alert: {page.locator('.page-notifications').inner_text()!r}"
        page.screenshot(path=str(ARTIFACTS / f"tasklist-form-failure-{name}.png"), full_page=True)
        page.remove_listener("response", listener)
        page.unroute(re.compile(r".*/deployed-form\b.*"))
        status = responses[0] if responses else None
        expected = (REASONS[status] if status else NO_CONNECTION) if status in statuses else None
        if expected is None or not message.startswith(expected) or (status and not message.endswith(f"（HTTP {status}）")):
            seen.append((name, status, message))

    # the form's variables cannot be read (the task completed meanwhile): Tasklist's note says why in Chinese
    appeal = Appeal.start(workers, "BROWSER-FORM-VARIABLES")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    task = appeal.task("Task_HandleAppeal", "industry-handler")
    page.route(re.compile(r".*/form-variables\b.*"), completed_meanwhile(workers, appeal, task))
    page.goto(f"{workers.base_url}/camunda/app/tasklist/#/?task={task['id']}")
    note = page.locator(".page-notifications .alert").filter(has_text=VARIABLES_REFUSED)
    note.wait_for()
    page.screenshot(path=str(ARTIFACTS / "tasklist-form-failure-variables.png"), full_page=True)
    reason = note.locator(".message").inner_text().strip()
    assert re.fullmatch(r"(表单未能加载：|此任务已不存在：|服务器出错，表单未能加载：)(此任务)?可能已由他人办理完成或已撤销。"
                        r".*（HTTP (400|404|500)）", reason), reason  # the engine answers 400

    # the session ended while the task was open (expired, or logged out elsewhere): the engine answers 401
    # and Tasklist asks to log in again, with no empty alert
    appeal = Appeal.start(workers, "BROWSER-FORM-SESSION")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    task = appeal.task("Task_HandleAppeal", "industry-handler")
    page.route(re.compile(r".*/deployed-form\b.*"), session_gone(workers, appeal, task))
    page.goto(f"{workers.base_url}/camunda/app/tasklist/#/?task={task['id']}")
    page.get_by_placeholder("用户名").wait_for()
    page.screenshot(path=str(ARTIFACTS / "tasklist-form-failure-session.png"), full_page=True)
    page.close()
    assert seen == [], "case, status, the alert's reason"
