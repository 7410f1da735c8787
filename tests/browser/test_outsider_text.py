"""Text that came from outside (enterprise, 12345, departments, office notes) is shown literally in
Tasklist's forms: no Markdown link, image or HTML of it is rendered, and the staff's browser makes no
request to an address it names (breaker report finding 1). The static half is
tests/static/test_forms.py::test_no_text_view_renders_an_outside_value_as_markdown.
"""

from __future__ import annotations

from ..conftest import EngineHandle
from ..scenario import Appeal, register_and_accept
from .test_staff import open_task, shot, tasklist

TRACKER = "http://127.0.0.1:9"  # nothing listens; the test records the browser's requests
ENTERPRISE = f"某县[点击核实]({TRACKER}/a)**加急**有限公司<b>粗体</b><img src={TRACKER}/i>"  # ≤ 100
CONTACT = f"![t]({TRACKER}/c)李"  # ≤ 50 characters
NOTE = f"建议交办![]({TRACKER}/note.png)\n第二行<img src={TRACKER}/raw.png>"


def test_outside_markdown_and_html_are_shown_literally_and_load_nothing(workers: EngineHandle, browser) -> None:
    appeal = Appeal.start(workers, "MD-1", enterpriseName=ENTERPRISE, contactName=CONTACT)
    variables = appeal.variables()
    assert variables["enterpriseName"] == ENTERPRISE and variables["contactName"] == CONTACT
    register_and_accept(appeal)
    appeal.complete("Task_ProposeDispatch", "office-clerk", leadDepartment="dept-industry",
                    assistingDepartments=["dept-energy"], dispatchSituation="multi", dispatchNote=NOTE)
    task = appeal.task("Task_ApproveDispatch", "deputy-industry")

    page = tasklist(browser, workers, "deputy-industry")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    open_task(page, workers, task["id"], "审批交办方案")
    page.locator(".fjs-form").get_by_text("第二行", exact=False).first.wait_for()
    form = page.locator(".fjs-form")
    text = form.inner_text()
    shot(page, "outsider-text")
    assert ENTERPRISE in text, text  # the brackets, asterisks and <b> as typed, nothing lost
    assert CONTACT in text, text
    assert "建议交办![]" in text and f"<img src={TRACKER}/raw.png>" in text
    assert form.locator("a[href*='127.0.0.1:9']").count() == 0
    assert form.locator("img").count() == 0
    assert form.locator("b, strong", has_text="加急").count() == 0
    assert form.locator("b", has_text="粗体").count() == 0
    page.wait_for_timeout(500)
    assert not [url for url in requested if url.startswith(TRACKER)], requested
    page.close()
