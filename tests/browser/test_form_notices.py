"""Tester 5 F8 in the real Tasklist (headless Chromium): after a refused 完成 the notice “提交任务表单时发生错误”
lay over the 完成 button until the user closed it. It sits above the buttons now and closes when the user
edits the form again (scripts/task-form-notices.js); a field's message goes as soon as the field is filled,
without leaving it.

Screenshots go to test-artifacts/."""

from __future__ import annotations

from ..conftest import EngineHandle, wait_for
from .test_input import claimed_handling_form
from .test_tasklist import ARTIFACTS

NOTICE = ".page-notifications .alert-danger"


def _under_notices(page, locator) -> bool:
    """Whether the notifications panel takes a click at any of five points of `locator` (its middle and
    corners): the panel lay over 完成 (Playwright: “notifications-panel intercepts pointer events”)."""
    return page.evaluate("""(element) => {
        const box = element.getBoundingClientRect();
        const points = [[0.5, 0.5], [0.1, 0.1], [0.9, 0.1], [0.1, 0.9], [0.9, 0.9]];
        return points.some(([x, y]) => {
            const top = document.elementFromPoint(box.left + box.width * x, box.top + box.height * y);
            return Boolean(top && top.closest('.page-notifications'));
        });
    }""", locator.element_handle())


def _overlaps(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_a_refused_complete_leaves_the_button_free_and_its_notice_goes_when_the_form_is_edited(
        workers: EngineHandle, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    appeal, task, page = claimed_handling_form(browser, workers, "BROWSER-NOTICES")
    done = page.get_by_role("button", name="完成")
    page.get_by_label("报送办理结果").check()
    done.click()  # nothing else filled: refused
    notice = page.locator(NOTICE).first
    notice.wait_for()
    assert "提交任务表单时发生错误" in notice.inner_text()
    done.scroll_into_view_if_needed()  # the form's buttons end its scrolling pane
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "tasklist-refused-notice.png"), full_page=True)
    assert not _overlaps(notice.bounding_box(), done.bounding_box()), "the notice lies over 完成"
    assert not _under_notices(page, done), "the notices panel takes the clicks on 完成"
    assert not _under_notices(page, page.get_by_role("button", name="保存"))

    # the user corrects the form: the notice goes, each field's message as soon as it is filled
    reply = page.get_by_label("答复企业内容（面复或书面答复）")
    reply.fill("\u3000 ")
    reply.blur()
    page.get_by_text("此项为必填项，不能只填空格。").wait_for()
    wait_for(lambda: page.locator(NOTICE).count() == 0, message="the refusal notice closed on editing")
    reply.click()
    page.keyboard.type("已书面答复企业")
    wait_for(lambda: page.get_by_text("此项为必填项，不能只填空格。").count() == 0,
             message="the blank message gone while the field still has the focus")
    page.get_by_label("A类（已经解决或基本解决）").check()
    page.get_by_label("答复方式").locator("xpath=..").click()
    page.get_by_text("书面答复", exact=True).click()
    wait_for(lambda: page.locator(".fjs-form-field-error li").count() == 0,
             message=f"no form errors left ({page.locator('.fjs-form-field-error li').all_inner_texts()})")
    done.click()  # Playwright refuses to click a covered button

    def completed():
        history = workers.admin.get("/history/task", taskId=task["id"])
        return history and history[0].get("endTime")
    wait_for(completed, message="the task completed from the browser")
    assert appeal.variables()["replyText"] == "已书面答复企业", "stored trimmed of the blank typed first"
    page.close()
