"""Tasklist's notices in Chinese only and a 完成 clear of the page footer, in the real Tasklist (headless
Chromium; scripts/task-messages-zh.js, scripts/task-form-notices.js).

- A task page reloaded after the task is gone said “该任务已不存在 : <task> <- No matching task with id …”: the
  engine's English message; now a Chinese explanation only.
- A 完成 the engine refused said “提交任务表单时发生错误 : Cannot submit task form <id>: …”: now the server's
  Chinese reason only (FormTextPlugin's refusal), without Camunda's English wrapping.
- Camunda's footer lay over the lower part of 完成 when the form pane was scrolled to its end: the button is
  now wholly above it and takes a click at every point.

Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import re

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, dispatch_to, report
from .test_input import claimed_handling_form
from .test_tasklist import ARTIFACTS, login, open_task

NOTICE = ".page-notifications .alert-danger"
LATIN = re.compile(r"[A-Za-z]")


def _message(page, title: str) -> str:
    notice = page.locator(NOTICE).filter(has_text=title).first
    notice.wait_for()
    # the script rewrites the message as it appears: wait until it no longer changes
    wait_for(lambda: not LATIN.search(notice.locator(".message").inner_text()),
             message=f"a Chinese message ({notice.inner_text()!r})", timeout=10)
    return notice.locator(".message").inner_text().strip()


def test_a_task_reloaded_after_it_is_gone_says_so_in_chinese_only(workers: EngineHandle, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    appeal = Appeal.start(workers, "BROWSER-MESSAGES-GONE")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    task = appeal.task("Task_HandleAppeal", "industry-handler")
    page = login(browser, workers, "industry-handler")
    open_task(page, workers, task["id"], "办理诉求并答复企业")
    report(appeal, "industry-handler")  # a colleague completed it meanwhile
    page.reload()
    message = _message(page, "该任务已不存在")
    page.screenshot(path=str(ARTIFACTS / "tasklist-task-gone.png"), full_page=True)
    assert message == "此任务可能已由他人办理完成或已撤销。请刷新任务列表。", message
    assert "No matching task" not in page.locator(".page-notifications").inner_text()
    page.close()


def _points_on(page, locator) -> list[str]:
    """What takes a click at five points of `locator` (its middle and corners, 2px inside): the tag and
    class of the topmost element where it is not the button or inside it."""
    return page.evaluate("""(element) => {
        const box = element.getBoundingClientRect();
        const points = [[box.left + box.width / 2, box.top + box.height / 2], [box.left + 2, box.top + 2],
                        [box.right - 2, box.top + 2], [box.left + 2, box.bottom - 2], [box.right - 2, box.bottom - 2]];
        return points.map(([x, y]) => document.elementFromPoint(x, y))
            .filter((top) => !(top && (top === element || element.contains(top))))
            .map((top) => top ? `${top.tagName}.${top.className}` : 'nothing');
    }""", locator.element_handle())


def test_a_refused_complete_shows_the_servers_reason_and_the_button_is_clear_of_the_footer(
        workers: EngineHandle, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    appeal, task, page = claimed_handling_form(browser, workers, "BROWSER-MESSAGES-REFUSED")
    page.get_by_label("报送办理结果").check()
    page.get_by_label("答复企业内容（面复或书面答复）").fill("已书面答复企业")
    page.get_by_label("A类（已经解决或基本解决）").check()
    page.get_by_label("答复方式").locator("xpath=..").click()
    page.get_by_text("书面答复", exact=True).click()

    # the form pane scrolled to its end: 完成 wholly above Camunda's footer, every point of it takes the click
    done = page.get_by_role("button", name="完成")
    page.evaluate("(element) => { const pane = element.closest('.three-cols-layout-cell');"
                  " pane.scrollTop = pane.scrollHeight; }", done.element_handle())
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "tasklist-complete-above-footer.png"))
    footer = page.locator("footer").bounding_box()
    button = done.bounding_box()
    assert button["y"] + button["height"] <= footer["y"], (button, footer)
    assert _points_on(page, done) == []

    # the engine refuses what the form sent (a reply of blanks only, as an older browser could send): the
    # notice says the server's reason in Chinese, without Camunda's English wrapping
    def blank_reply(route):
        body = json.loads(route.request.post_data)
        body["variables"]["replyText"] = {"value": "\u3000\u3000"}
        route.continue_(post_data=json.dumps(body))
    page.route(re.compile(r".*/task/[^/]+/submit-form$"), blank_reply)
    done.click()
    message = _message(page, "提交任务表单时发生错误")
    page.screenshot(path=str(ARTIFACTS / "tasklist-refused-reason.png"))
    assert message == "“答复企业内容（面复或书面答复）”为必填项，不能为空或只填空格", message
    assert not workers.admin.get("/history/task", taskId=task["id"])[0].get("endTime"), "refused: the task stays"
    page.close()
