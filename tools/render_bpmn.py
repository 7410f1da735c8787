"""Render BPMN diagrams to PNG with bpmn-js (the library inside Camunda Modeler) in headless Chromium.

Usage:
  python tools/render_bpmn.py --all docs/diagrams/        every plane of every bpmn/*.bpmn (make diagrams)
  python tools/render_bpmn.py bpmn/EnterpriseAppeal.bpmn out.png   the process plane of one file

A plane is what a designer sees at once in the Modeler: the process, or the drill-down of a collapsed
subprocess. `--all` writes `<File>.png` for the process and `<File>-<SubProcessId>.png` for each drill-down,
at zoom 1 (what the Modeler shows at 100 %). It reads the models and writes pictures only.

Needs: bpmn-js from npm in tools/diagrams/node_modules (`make diagrams` installs it; or BPMN_JS_DIR), the
Debian chromium and a CJK font (fonts-wqy-microhei), Python playwright from the dev dependencies.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
BPMN_JS = Path(os.environ.get("BPMN_JS_DIR", ROOT / "tools" / "diagrams" / "node_modules" / "bpmn-js"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
MARGIN = 30
MAX_SIDE = 4000


def _page_html() -> str:
    dist = BPMN_JS / "dist"
    script = (dist / "bpmn-viewer.production.min.js").read_text(encoding="utf-8")
    css = "".join((dist / "assets" / name).read_text(encoding="utf-8") for name in ("diagram-js.css", "bpmn-js.css"))
    return f"""<html><head><meta charset="utf-8"><style>{css}
    html,body{{margin:0;background:#fff}} #c{{width:100vw;height:100vh}}
    .bjs-breadcrumbs,.bjs-powered-by,.bjs-drilldown{{display:none !important}}</style>
    <script>{script}</script></head><body><div id="c"></div></body></html>"""


def _import(page: Page, xml: str) -> list[str]:
    """Import the XML; the ids of the root elements, one per plane, process first."""
    page.evaluate("""xml => { window.viewer = new BpmnJS({container: '#c'});
        return window.viewer.importXML(xml); }""", xml)
    return page.evaluate("""() => window.viewer.get('canvas').getRootElements()
        .map(r => r.businessObject && r.businessObject.id).filter(Boolean)""")


def _shoot(page: Page, root_id: str, target: Path) -> None:
    size = page.evaluate("""id => {
        const canvas = window.viewer.get('canvas');
        const root = canvas.getRootElements().find(r => r.businessObject && r.businessObject.id === id);
        canvas.setRootElement(root);
        canvas.zoom(1.0);
        const inner = canvas.viewbox().inner;
        return {x: inner.x, y: inner.y, width: inner.width, height: inner.height};
    }""", root_id)
    width = min(int(size["width"]) + 2 * MARGIN, MAX_SIDE)
    height = min(int(size["height"]) + 2 * MARGIN, MAX_SIDE)
    page.set_viewport_size({"width": width, "height": height})
    page.evaluate("""([x, y, w, h]) => { const canvas = window.viewer.get('canvas');
        canvas.resized(); canvas.viewbox({x, y, width: w, height: h}); }""",
                  [size["x"] - MARGIN, size["y"] - MARGIN, width, height])
    page.screenshot(path=str(target))


def render(source: Path, target: Path, root_id: str | None = None) -> None:
    """One plane of `source` (the process unless `root_id` names a subprocess) to `target`."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.set_content(_page_html())
        roots = _import(page, source.read_text(encoding="utf-8"))
        _shoot(page, root_id or roots[0], target)
        browser.close()


def render_all(models: list[Path], folder: Path) -> list[Path]:
    """Every plane of every model into `folder`: `<File>.png` and `<File>-<SubProcessId>.png`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for source in models:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_content(_page_html())
            roots = _import(page, source.read_text(encoding="utf-8"))
            for index, root_id in enumerate(roots):
                name = source.stem if index == 0 else f"{source.stem}-{root_id}"
                target = folder / f"{name}.png"
                _shoot(page, root_id, target)
                written.append(target)
            page.close()
        browser.close()
    return written


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--all":
        for path in render_all(sorted((ROOT / "bpmn").glob("*.bpmn")), Path(sys.argv[2])):
            print(path)
    elif len(sys.argv) == 3:
        render(Path(sys.argv[1]), Path(sys.argv[2]))
    else:
        raise SystemExit(__doc__)
