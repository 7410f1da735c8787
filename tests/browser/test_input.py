"""Issue 12 in the real Tasklist (headless Chromium): a text longer than Camunda's String column
is shown and submitted whole through a Camunda Form, the form states the limit and refuses more,
and a date-time field takes a time that reaches the process variable (the meeting timer).

Screenshots go to test-artifacts/."""

from __future__ import annotations

import datetime as dt

from appeals.validation import TEXT_LIMIT
from appeals.workdays import SHANGHAI

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, dispatch_to
from .test_tasklist import ARTIFACTS, login

LONG = ("经协调，供电公司已完成增容，企业已恢复生产。" * 300)[:4500]


def claimed_handling_form(browser, workers: EngineHandle, business_key: str, **overrides):
    """An appeal dispatched to 工信局, its 办理诉求并答复企业 opened and claimed in Tasklist by industry-handler:
    (appeal, task, page)."""
    appeal = Appeal.start(workers, business_key, **overrides)
    dispatch_to(appeal, "dept-industry", "industry-handler")
    task = appeal.task("Task_HandleAppeal", "industry-handler")
    page = login(browser, workers, "industry-handler")
    page.goto(f"{workers.base_url}/camunda/app/tasklist/#/?task={task['id']}")
    page.get_by_text("办理诉求并答复企业").first.wait_for()
    page.get_by_text("认领", exact=True).click()
    return appeal, task, page


def test_a_4500_character_reply_goes_through_the_tasklist_form_whole(workers: EngineHandle, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    description = ("新厂房增容报装两个月未接电，" * 400)[:4500]
    appeal, task, page = claimed_handling_form(browser, workers, "BROWSER-LONG", problemDescription=description)
    shown = page.get_by_label("主要困难和问题").input_value()
    assert shown == description, "the long text is read from the engine whole"
    page.get_by_label("报送办理结果").check()
    page.get_by_label("A类（已经解决或基本解决）").check()
    reply = page.get_by_label("答复企业内容（面复或书面答复）")
    reply.fill(LONG + "多" * (TEXT_LIMIT + 1 - len(LONG)))
    page.get_by_text(f"不能超过{TEXT_LIMIT}字（表情符号等少数字符按2字计）。").wait_for()
    page.get_by_text(f"不超过{TEXT_LIMIT}字").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "tasklist-text-over-limit.png"), full_page=True)
    reply.fill(LONG)
    page.get_by_label("答复方式").locator("xpath=..").click()
    page.get_by_text("书面答复", exact=True).click()
    page.get_by_role("button", name="完成").click()
    page.wait_for_timeout(3000)
    page.screenshot(path=str(ARTIFACTS / "tasklist-long-reply-completed.png"), full_page=True)

    def done():
        history = workers.admin.get("/history/task", taskId=task["id"])
        return history and history[0].get("endTime")

    wait_for(done, message="the task completed from the browser")
    assert appeal.variables()["replyText"] == LONG, "4,500 characters, not cut at 4,000"
    page.close()


def test_the_meeting_time_entered_in_tasklist_is_in_the_variable(workers: EngineHandle, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    day = (dt.datetime.now(SHANGHAI) + dt.timedelta(days=20)).date()
    page = login(browser, workers, "office-clerk")
    page.get_by_text("发起流程").first.click()
    page.get_by_text("恳谈会和接待日").first.click()
    page.get_by_label("会议类型").locator("xpath=..").click()
    page.get_by_text("亲清政企恳谈会", exact=True).click()
    page.get_by_label("会议名称").fill("浏览器测试恳谈会")
    page.get_by_label("召开日期").fill(f"{day.year}/{day.month}/{day.day}")  # the zh-CN date format
    page.get_by_label("召开日期").press("Enter")
    page.get_by_label("召开时间").fill("15:20")
    page.get_by_label("召开时间").press("Enter")
    page.get_by_label("主持领导").fill("县长")
    page.screenshot(path=str(ARTIFACTS / "tasklist-meeting-time.png"), full_page=True)
    page.get_by_role("button", name="发起").click()

    def started():
        found = workers.admin.get("/history/variable-instance", variableName="meetingTitle")
        return [v for v in found if v.get("value") == "浏览器测试恳谈会"]

    variable = wait_for(started, message="the meeting started from the browser")[0]
    meeting_at = workers.admin.get("/history/variable-instance", variableName="meetingAt",
                                   processInstanceId=variable["processInstanceId"])[0]["value"]
    moment = dt.datetime.fromisoformat(meeting_at)
    assert moment.astimezone(SHANGHAI).replace(tzinfo=None) == dt.datetime.combine(day, dt.time(15, 20)), meeting_at
    starts = wait_for(lambda: workers.admin.variables(variable["processInstanceId"]).get("meetingStartsAt"),
                      message="the workers plan the meeting")
    assert starts.startswith(f"{day.isoformat()}T15:20"), "the meeting is at 15:20, not at midnight"
    page.close()


def complete_with_four_days(page, appeal: Appeal) -> None:
    """完成 once no form error is left: the extension request goes to the office with 4 days."""
    wait_for(lambda: page.locator(".fjs-form-field-error li").count() == 0,
             message=f"no form errors left ({page.locator('.fjs-form-field-error li').all_inner_texts()})")
    page.get_by_role("button", name="完成").click()
    appeal.task("Task_ApproveExtension", "office-clerk")
    assert appeal.variables()["extensionDays"] == 4
    page.close()


def test_the_forms_messages_are_chinese_and_a_number_field_takes_full_width_digits(workers: EngineHandle,
                                                                                  browser) -> None:
    """form-js writes its validation messages in English and reads a full-width digit as NaN; Tasklist's
    script scripts/form-messages-zh.js (config.js customScripts) shows them in Chinese and turns ３ into 3."""
    import re

    ARTIFACTS.mkdir(exist_ok=True)
    appeal, task, page = claimed_handling_form(browser, workers, "BROWSER-ZH-MESSAGES")
    page.get_by_label("申请延期").check()
    days = page.get_by_label("申请延长工作日数")
    days.click()
    page.keyboard.insert_text("３")  # as a Chinese input method types it: an input event, no key press
    assert days.input_value() == "3"
    reason = page.get_by_label("延期理由")
    reason.fill("\u3000 ")
    reason.blur()  # form-js shows a field's errors once it was left or the form submitted
    page.get_by_text("此项为必填项，不能只填空格。").wait_for()
    reason.fill("")
    reason.blur()
    page.get_by_text("此项为必填项。").wait_for()
    days.fill("25")
    days.blur()
    page.get_by_text("不能大于20。").wait_for()
    assert page.get_by_text(re.compile(r"Field (is|must)|Value is")).count() == 0, "an English message is left"
    page.screenshot(path=str(ARTIFACTS / "tasklist-chinese-form-messages.png"), full_page=True)

    days.fill("")
    days.click()
    page.keyboard.insert_text("４")
    days.blur()
    reason.fill("需等待省级政策答复")
    reason.blur()
    assert (days.input_value(), reason.input_value()) == ("4", "需等待省级政策答复")
    complete_with_four_days(page, appeal)


# typed into 申请延长工作日数 → (what the field shows once left, the message or None): a refusal keeps what
# was typed (never form-js's "NaN"); a comma is a thousands separator where it is one, refused elsewhere
NOT_A_NUMBER, BAD_SEPARATOR = "请填写数字（如 3）。", "逗号只能作千位分隔符（如 1,000），小数点请用“.”。"
NUMBER_TYPED = [
    ("1e1", "1e1", NOT_A_NUMBER), ("2E0", "2E0", NOT_A_NUMBER), ("1 2", "1 2", NOT_A_NUMBER),
    ("0x3", "0x3", NOT_A_NUMBER), ("Infinity", "Infinity", NOT_A_NUMBER), ("三", "三", NOT_A_NUMBER),
    ("1,5", "1,5", BAD_SEPARATOR), ("2,50", "2,50", BAD_SEPARATOR), ("1、000", "1、000", BAD_SEPARATOR),
    ("1,000", "1000", "不能大于20。"), ("1，000", "1000", "不能大于20。"), ("１，０００", "1000", "不能大于20。"),
    ("１０００", "1000", "不能大于20。"), ("1,000.0", "1000", "不能大于20。"),
    ("4.0", "4", None), ("4.", "4", None), ("０", "0", "不能小于1。"),
    ("７", "7", None), ("１２", "12", None), ("+4", "4", None), ("-3", "-3", "不能小于1。"), ("21", "21", "不能大于20。"),
    ("３．５", "3.5", "数值无效，最接近的两个有效值是3和4。"), ("-", "-", NOT_A_NUMBER),
]


def test_a_number_field_reads_what_was_typed_or_refuses_it(workers: EngineHandle, browser) -> None:
    """Tester 3, N2: form-js's number field dropped keys silently and read the rest with Number(): `1e1`
    became 11, `2E0` 20 (stored and approved), `1 2` 12, `0x3` 3; `4.0` and `０` emptied the field.
    Session 14: `1,000` typed key by key became 1 (form-js reads a comma as a point), a refusal showed "NaN".
    scripts/form-messages-zh.js: typed key by key or inserted at once (an input method), a number is read
    as typed (full-width as ASCII, 4.0 as 4, 1,000 as 1000) or refused with a Chinese message that keeps
    what was typed, never another number. Also N8: the selects' placeholder is Chinese."""
    ARTIFACTS.mkdir(exist_ok=True)
    appeal, task, page = claimed_handling_form(browser, workers, "BROWSER-NUMBER-KIND")
    page.get_by_label("报送办理结果").check()
    page.locator(".fjs-select-display").first.wait_for()
    assert page.locator(".fjs-select-display").all_inner_texts() == ["请选择"], "N8: no English “Select”"
    page.get_by_label("申请延期").check()
    days, reason = page.get_by_label("申请延长工作日数"), page.get_by_label("延期理由")
    errors = page.locator(".fjs-form-field-number .fjs-form-field-error li")
    seen = []
    for how in ("type", "insert"):
        for typed, shown, message in NUMBER_TYPED:
            days.fill("")
            days.click()
            page.keyboard.type(typed) if how == "type" else page.keyboard.insert_text(typed)
            reason.click()
            expected = [message] if message else []
            try:
                wait_for(lambda s=shown, e=expected: days.input_value() == s and errors.all_inner_texts() == e,
                         timeout=5)
            except AssertionError:
                seen.append((how, typed, days.input_value(), errors.all_inner_texts()))
    assert seen == [], "typed, shown, messages"
    page.screenshot(path=str(ARTIFACTS / "tasklist-number-refused.png"), full_page=True)

    days.fill("")
    days.click()
    page.keyboard.type("4.0")
    reason.fill("需等待省级政策答复")
    reason.blur()
    assert days.input_value() == "4"
    complete_with_four_days(page, appeal)


def test_the_start_form_flags_invisible_only_required_text_and_speaks_chinese(workers: EngineHandle, browser) -> None:
    """Tester 3, N9/N1: the start form 企业反映困难问题登记表 let 企业名称 “\\u3000\\u200b” and 主要困难和问题
    “\\u2060\\u200b” through (spaces were flagged); U+3164 likewise. N8: 反映形式 showed “Select”."""
    page = login(browser, workers, "office-clerk")
    page.get_by_text("发起流程").first.click()
    page.get_by_text("企业诉求办理").first.click()
    page.get_by_label("企业名称").wait_for()
    assert "请选择" in page.locator(".fjs-select-display").all_inner_texts()
    assert "Select" not in page.locator(".fjs-form").inner_text()
    for label, typed in (("企业名称", "\u3000\u200b"), ("主要困难和问题", "\u2060\u200b"), ("联系人", "\u3164")):
        field = page.get_by_label(label)
        field.click()
        page.keyboard.insert_text(typed)
        field.blur()
        container = page.locator(".fjs-form-field", has=field)
        wait_for(lambda c=container: "此项为必填项，不能只填空格。" in c.locator(".fjs-form-field-error li").all_inner_texts(),
                 timeout=5, message=f"{label} flagged")
    page.screenshot(path=str(ARTIFACTS / "tasklist-start-form-invisible.png"), full_page=True)
    page.close()
