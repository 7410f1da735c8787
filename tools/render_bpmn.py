"""Render a BPMN diagram to PNG with bpmn-js in headless Chromium (a layout check for humans).

Usage: python tools/render_bpmn.py bpmn/EnterpriseAppeal.bpmn out.png
Needs: npm package bpmn-js in BPMN_JS_DIR (default /tmp/bpmnview/node_modules/bpmn-js) and
Debian chromium; Python playwright from the dev dependencies.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BPMN_JS = Path(os.environ.get("BPMN_JS_DIR", "/tmp/bpmnview/node_modules/bpmn-js"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def render(source: Path, target: Path) -> None:
    xml = source.read_text(encoding="utf-8")
    script = (BPMN_JS / "dist" / "bpmn-viewer.production.min.js").read_text(encoding="utf-8")
    css = (BPMN_JS / "dist" / "assets" / "bpmn-js.css").read_text(encoding="utf-8")
    html = f"""<html><head><meta charset="utf-8"><style>{css} html,body,#c{{margin:0;width:100%;height:100%}}</style>
    <script>{script}</script></head><body><div id="c"></div><script>
    const viewer = new BpmnJS({{container: '#c'}});
    viewer.importXML({json.dumps(xml)}).then(() => {{
      const canvas = viewer.get('canvas'); canvas.zoom('fit-viewport'); window.done = true;
    }}).catch(e => {{ window.error = String(e); }});
    </script></body></html>"""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 3200, "height": 1800})
        page.set_content(html)
        page.wait_for_function("window.done || window.error", timeout=20000)
        error = page.evaluate("window.error")
        if error:
            raise SystemExit(error)
        page.screenshot(path=str(target))
        browser.close()


if __name__ == "__main__":
    render(Path(sys.argv[1]), Path(sys.argv[2]))
