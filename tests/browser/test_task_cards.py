"""The task list's cards show the 登记编号's distinguishing number (tester 6, N3): with many tasks of the
same enterprise and type the cards were identical, cut to “某县服企办收（2026）第...”. Headless Chromium at
the widths the office uses (1400 and 1920 px)."""

from __future__ import annotations

import pytest

from ..conftest import EngineHandle
from ..scenario import Appeal
from .test_tasklist import ARTIFACTS, login


@pytest.mark.parametrize("width", [1400, 1920])
def test_every_card_shows_the_registration_number_whole(workers: EngineHandle, browser, width: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    appeal = Appeal.start(workers, f"BROWSER-CARD-{width}")
    appeal.task("Task_VerifyAppeal", "office-clerk")
    number = appeal.variables()["registrationNumber"]
    assert "第" in number and number.endswith("号")

    page = login(browser, workers, "office-clerk", step_ms=60_000, width=width, height=1000)
    page.get_by_text("本单位待办").first.click()
    card = page.locator("[cam-tasklist-variables]").filter(has_text=number[-8:]).first
    card.wait_for()
    (ARTIFACTS / f"task-card-{width}.html").write_text(card.evaluate("n => n.outerHTML"), encoding="utf-8")
    value = card.get_by_text(number, exact=True)
    value.wait_for()
    # shown whole: not cut by an ellipsis, not clipped by the card's folded height
    cut = value.evaluate("""n => {
        const box = n.getBoundingClientRect();
        let clipped = false;
        for (let p = n.parentElement; p; p = p.parentElement) {
          const style = getComputedStyle(p);
          if (style.overflow !== 'visible' || style.overflowY !== 'visible') {
            const outer = p.getBoundingClientRect();
            if (box.bottom > outer.bottom + 1 || box.right > outer.right + 1) clipped = true;
          }
        }
        return {scroll: n.scrollWidth, client: n.clientWidth, clipped};
    }""")
    page.screenshot(path=str(ARTIFACTS / f"task-list-{width}.png"))
    assert cut["scroll"] <= cut["client"] and not cut["clipped"], cut
    assert value.is_visible()
    page.close()
