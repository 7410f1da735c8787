"""The category suggestion as the office sees it in the real Tasklist (headless Chromium)."""

from __future__ import annotations

from ..conftest import EngineHandle
from ..engine.test_suggest import OUTAGE
from ..scenario import Appeal
from .test_tasklist import ARTIFACTS, login


def test_verification_form_shows_the_suggestion_and_preselects_it(workers: EngineHandle, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    appeal = Appeal.start(workers, "BROWSER-SUGGEST", category=None, **OUTAGE)
    task = appeal.task("Task_VerifyAppeal", "office-clerk")
    page = login(browser, workers, "office-clerk")
    page.goto(f"{workers.base_url}/camunda/app/tasklist/#/?task={task['id']}")
    page.get_by_text("核实诉求并判定受理范围").first.wait_for()
    page.get_by_text("系统建议类别").wait_for()
    suggestion = page.get_by_text("系统建议类别").locator("xpath=..").inner_text()
    assert "用电保障" in suggestion and "%" in suggestion and "依据" in suggestion, suggestion
    category = page.get_by_label("问题类别").locator("xpath=..").inner_text()
    assert "用电保障" in category, category
    page.screenshot(path=str(ARTIFACTS / "tasklist-category-suggestion.png"), full_page=True)
    page.close()
