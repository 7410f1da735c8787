"""A department attaches its 书面答复函 in the real Tasklist (tab 附件) and the office finds it at 回访
(docs/attachments.md; headless Chromium via Playwright). Screenshots in test-artifacts/."""

from __future__ import annotations

from appeals.settings import PROJECT_ROOT

from ..conftest import EngineHandle
from ..scenario import Appeal, dispatch_to, report
from .test_tasklist import login, open_task

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + "关于恒达机械用电增容的书面答复".encode() * 20


def test_the_handler_attaches_a_pdf_in_tasklist_and_the_office_sees_it(workers: EngineHandle, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    appeal = Appeal.start(workers, "BROWSER-ATTACH")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    task = appeal.task("Task_HandleAppeal", "industry-handler")

    page = login(browser, workers, "industry-handler")
    open_task(page, workers, task["id"], "办理诉求并答复企业")
    page.get_by_text("认领", exact=True).click()
    page.locator(".nav-tabs").get_by_text("附件", exact=True).click()
    page.get_by_text("本诉求还没有附件。").wait_for()
    chooser = page.get_by_label("选择要上传的附件")
    chooser.set_input_files([
        {"name": "书面答复函.pdf", "mimeType": "application/pdf", "buffer": PDF},
        {"name": "说明.txt", "mimeType": "text/plain", "buffer": "文本".encode()},
        {"name": "伪装.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf at all"},
    ])
    page.get_by_text("已上传：书面答复函.pdf").wait_for()
    page.get_by_text("不支持的文件类型“说明.txt”").wait_for()
    page.get_by_text("文件“伪装.pdf”的内容不是扩展名所示的类型").wait_for()
    row = page.locator(".appeals-attachment-table tbody tr")
    row.first.wait_for()
    assert row.count() == 1
    assert "书面答复函.pdf" in row.first.inner_text() and "办理诉求并答复企业" in row.first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "tasklist-attachments-upload.png"), full_page=True)
    page.close()

    report(appeal, "industry-handler")
    follow = appeal.task("Task_FollowUp", "office-clerk")
    office = login(browser, workers, "office-clerk")
    open_task(office, workers, follow["id"], "回访企业并评价满意度")
    office.locator(".nav-tabs").get_by_text("附件", exact=True).click()
    link = office.get_by_role("link", name="书面答复函.pdf")
    link.wait_for()
    with office.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "书面答复函.pdf"
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == PDF
    office.screenshot(path=str(ARTIFACTS / "tasklist-attachments-follow-up.png"), full_page=True)
    office.close()


def test_the_handler_removes_a_wrong_file_after_an_in_page_confirmation(workers: EngineHandle, browser) -> None:
    """删除 asks in the row (确定 / 取消), not with window.confirm, which Camunda's sandboxed webapp ignores
    (tester 6, N2); files are chosen with a real 上传附件 button, and the 20 MB refusal names the file (N6)."""
    ARTIFACTS.mkdir(exist_ok=True)
    appeal = Appeal.start(workers, "BROWSER-ATTACH-DEL")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    task = appeal.task("Task_HandleAppeal", "industry-handler")

    page = login(browser, workers, "industry-handler")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_task(page, workers, task["id"], "办理诉求并答复企业")
    page.get_by_text("认领", exact=True).click()
    page.locator(".nav-tabs").get_by_text("附件", exact=True).click()
    page.get_by_text("本诉求还没有附件。").wait_for()
    assert not page.get_by_label("选择要上传的附件").is_visible()  # the browser's own "Choose Files" text is hidden
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="上传附件").click()
    chooser.value.set_files([
        {"name": "现场 照片1.pdf", "mimeType": "application/pdf", "buffer": PDF},
        {"name": "扫描件（全）.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-" + b"0" * (20 * 1024 * 1024)},
    ])
    page.get_by_text("已上传：现场 照片1.pdf").wait_for()
    page.get_by_text("文件“扫描件（全）.pdf”超过 20 MB，未上传").wait_for()
    rows = page.locator(".appeals-attachment-table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1

    # 取消 keeps the file
    rows.first.get_by_role("button", name="删除").click()
    ask = page.get_by_role("group", name="删除附件“现场 照片1.pdf”")
    ask.wait_for()
    assert "删除“现场 照片1.pdf”？" in ask.inner_text()
    page.screenshot(path=str(ARTIFACTS / "tasklist-attachments-confirm-delete.png"), full_page=True)
    ask.get_by_role("button", name="取消").click()
    rows.first.get_by_role("button", name="删除").wait_for()
    assert [a["name"] for a in workers.admin.get(f"/task/{task['id']}/attachment")] == ["现场 照片1.pdf"]

    # 确定 removes it
    rows.first.get_by_role("button", name="删除").click()
    page.get_by_role("group", name="删除附件“现场 照片1.pdf”").get_by_role("button", name="确定").click()
    page.get_by_text("已删除：现场 照片1.pdf").wait_for()
    page.get_by_text("本诉求还没有附件。").wait_for()
    assert workers.admin.get(f"/task/{task['id']}/attachment") == []
    assert dialogs == []
    page.close()
