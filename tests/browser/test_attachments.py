"""A department attaches its 书面答复函 in the real Tasklist (tab 附件) and the office finds it at 回访
(docs/attachments.md; headless Chromium via Playwright). Screenshots in test-artifacts/."""

from __future__ import annotations

from appeals.settings import PROJECT_ROOT

from ..conftest import EngineHandle
from ..scenario import Appeal, dispatch_to, report
from .test_tasklist import login

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + "关于恒达机械用电增容的书面答复".encode() * 20


def open_tab(page, engine: EngineHandle, task_id: str, title: str) -> None:
    page.goto(f"{engine.base_url}/camunda/app/tasklist/#/?task={task_id}")
    page.get_by_text(title).first.wait_for()


def test_the_handler_attaches_a_pdf_in_tasklist_and_the_office_sees_it(workers: EngineHandle, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    appeal = Appeal.start(workers, "BROWSER-ATTACH")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    task = appeal.task("Task_HandleAppeal", "industry-handler")

    page = login(browser, workers, "industry-handler")
    open_tab(page, workers, task["id"], "办理诉求并答复企业")
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
    open_tab(office, workers, follow["id"], "回访企业并评价满意度")
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
