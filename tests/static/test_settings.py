"""Settings in one place: only appeals.settings reads the environment (a check of the package's code)."""

from __future__ import annotations

import re

from appeals.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "workers" / "appeals"
# stack builds the environment of the child processes it starts (the engine, `appeals worker`)
BUILDS_CHILD_ENVIRONMENTS = {PACKAGE / "stack.py"}


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "settings.py" or path in BUILDS_CHILD_ENVIRONMENTS:
            continue
        if re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text(encoding="utf-8")):
            readers.append(str(path.relative_to(PROJECT_ROOT)))
    assert readers == []
