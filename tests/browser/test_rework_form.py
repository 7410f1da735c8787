"""The county's rework form (重新办理并答复企业, after the enterprise was dissatisfied) in the real Tasklist
(headless Chromium): it asks a new answer (`revisedResultClass`, `revisedReplyText`: empty, required) and
shows the rejected one read-only; 完成 is refused until both are filled; the new answer becomes the
appeal's `resultClass` / `replyText`.

Every step waits on what the form shows (a field editable, its validation message, `aria-invalid`, the
button's state), never on time: right after 认领 Tasklist renders the form again and enables 完成 before
form-js has validated anything (a previous attempt clicked into that moment)."""

from __future__ import annotations

from playwright.sync_api import expect

from appeals.vocabulary import RESULT_CLASS_NAMES, ResultClass

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, dispatch_to, follow_up, report
from .test_tasklist import ARTIFACTS, login

REJECTED = "已协调解决并书面答复企业"  # scenario.report's reply
REVISED = "重新协调后，供电公司已完成增容，企业恢复生产。"


def test_the_rework_form_refuses_completion_until_the_new_answer_is_given(workers: EngineHandle, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    appeal = Appeal.start(workers, "BROWSER-REWORK")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    report(appeal, "industry-handler", "A")
    follow_up(appeal, "dissatisfied")
    task = appeal.task("Task_ReworkAppeal", "industry-handler")

    page = login(browser, workers, "industry-handler")
    page.goto(f"{workers.base_url}/camunda/app/tasklist/#/?task={task['id']}")
    page.get_by_text("重新办理并答复企业").first.wait_for()
    page.get_by_text("认领", exact=True).click()
    form = page.locator(".fjs-form")
    reply = form.get_by_label("重新答复企业内容")
    result_a = form.get_by_label(RESULT_CLASS_NAMES[ResultClass.A])
    complete = page.get_by_role("button", name="完成")
    expect(page.get_by_text("认领", exact=True)).to_have_count(0)  # claimed: Tasklist names the assignee
    expect(reply).to_be_editable()  # the claimed task's form, rendered again after 认领 (disabled before)
    expect(result_a).to_be_enabled()

    # the rejected answer is shown, read-only; the new one starts empty
    expect(form.get_by_text("上次答复（企业不满意）：")).to_be_visible()
    expect(form.get_by_text(REJECTED)).to_be_visible()
    assert form.locator("textarea").filter(has_text=REJECTED).count() == 0, "the rejected reply is no input"
    assert reply.input_value() == ""
    assert not any(radio.is_checked() for radio in form.locator("input[type=radio]").all())

    def not_completed() -> None:
        assert not workers.admin.get("/history/task", taskId=task["id"])[0].get("endTime"), "nothing was submitted"

    # 完成 with nothing filled: form-js validates, both fields say why, and 完成 is refused from then on
    complete.click()
    expect(reply).to_have_attribute("aria-invalid", "true")
    expect(result_a).to_have_attribute("aria-invalid", "true")
    errors = form.locator(".fjs-form-field-error li")
    expect(errors).to_have_text(["此项为必填项。", "此项为必填项。"])
    expect(complete).to_be_disabled()
    refusal = page.locator(".page-notifications .alert")  # Tasklist's own note of the refused submission
    expect(refusal).to_contain_text("提交任务表单时发生错误")
    page.screenshot(path=str(ARTIFACTS / "tasklist-rework-refused.png"), full_page=True)
    refusal.get_by_role("button", name="×").click()  # as a user closes it: it lies over 完成
    expect(refusal).to_have_count(0)
    not_completed()

    # one of the two is not enough
    reply.fill(REVISED)
    expect(reply).to_have_attribute("aria-invalid", "false")
    expect(result_a).to_have_attribute("aria-invalid", "true")
    expect(complete).to_be_disabled()
    reply.fill("")
    result_a.check()
    expect(result_a).to_have_attribute("aria-invalid", "false")
    expect(reply).to_have_attribute("aria-invalid", "true")
    expect(complete).to_be_disabled()
    not_completed()

    reply.fill(REVISED)
    expect(reply).to_have_attribute("aria-invalid", "false")
    expect(errors).to_have_count(0)
    expect(complete).to_be_enabled()
    page.screenshot(path=str(ARTIFACTS / "tasklist-rework-filled.png"), full_page=True)
    complete.click()

    def done():
        history = workers.admin.get("/history/task", taskId=task["id"])
        return history and history[0].get("endTime")

    wait_for(done, message="the rework task completed from the browser")
    appeal.task("Task_FollowUp", "office-clerk")
    variables = appeal.variables()
    assert (variables["resultClass"], variables["replyText"]) == ("A", REVISED)
    assert "revisedReplyText" not in variables and "revisedResultClass" not in variables
    page.close()
