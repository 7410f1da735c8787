"""One rule for blank-looking characters in three languages (tester 3, N1): the workers'
`appeals.validation.BLANK_CHARACTER` (Python, the `regex` module's Unicode properties), the engine's
`BlankText` (Java: FormTextPlugin trims form text and refuses a blank required field with it) and
Tasklist's `scripts/form-messages-zh.js` (JavaScript: a field of only such characters is flagged in the
form) must call the same code points blank. Each definition is run by its own language over every code
point; they are compared on the code points the engine's Java knows (its Unicode version is the oldest),
and Java's table of Default_Ignorable_Code_Point must be Unicode's exactly."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import regex

from appeals.validation import BLANK_CHARACTER

ROOT = Path(__file__).resolve().parents[2]
JAVA = next(ROOT.glob("engine/src/main/java/**/BlankText.java"))
SCRIPT = next(ROOT.glob("engine/src/main/resources/**/tasklist/scripts/form-messages-zh.js"))


def _expand(ranges: str) -> set[int]:
    points: set[int] = set()
    for item in ranges.split():
        start, end = (int(x, 16) for x in item.split("-"))
        points.update(range(start, end + 1))
    return points


def _java() -> tuple[set[int], set[int]]:
    """The code points BlankText calls blank, and those the JDK does not know (source-file launch)."""
    out = subprocess.run(["java", str(JAVA)], capture_output=True, text=True, check=True, timeout=120).stdout
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    return _expand(lines["blank"]), _expand(lines["undefined"])


def _javascript() -> set[int]:
    literal = re.search(r"export const BLANK_CHARACTER = (/.*/u);", SCRIPT.read_text(encoding="utf-8")).group(1)
    program = (f"const re = {literal}; const out = [];"
               "for (let c = 0; c <= 0x10FFFF; c++) { if (re.test(String.fromCodePoint(c))) out.push(c); }"
               "console.log(JSON.stringify(out));")
    out = subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True, timeout=120).stdout
    return set(json.loads(out))


def _python() -> set[int]:
    return {c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and BLANK_CHARACTER.match(chr(c))}


def test_python_java_and_tasklist_call_the_same_characters_blank() -> None:
    java, unknown_to_java = _java()
    javascript, python = _javascript(), _python()
    surrogates = set(range(0xD800, 0xE000))
    compared = set(range(0x110000)) - unknown_to_java - surrogates
    assert {f"U+{c:04X}" for c in (python ^ java) & compared} == set()
    assert {f"U+{c:04X}" for c in (python ^ javascript) & compared} == set()
    assert {0x3164, 0x2800, 0x115F, 0x1160, 0xFFA0, 0x200B, 0x3000, 0xFEFF} <= python & java & javascript
    assert len(compared) > 250_000, "compared on every code point the JDK knows"


def test_javas_default_ignorable_table_is_unicodes() -> None:
    table = re.search(r"DEFAULT_IGNORABLE = \{([^}]*)\}", JAVA.read_text(encoding="utf-8")).group(1)
    bounds = [int(x, 16) for x in re.findall(r"0x([0-9A-Fa-f]+)", table)]
    java = {c for start, end in zip(bounds[::2], bounds[1::2], strict=True) for c in range(start, end + 1)}
    unicode = {c for c in range(0x110000) if regex.match(r"\p{Default_Ignorable_Code_Point}", chr(c))}
    assert java == unicode
