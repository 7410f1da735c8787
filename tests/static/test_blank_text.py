"""One rule for blank-looking characters in three languages (tester 3, N1): the workers'
`appeals.validation.BLANK_CHARACTER` (Python, the `regex` module's Unicode properties), the engine's
`BlankText` (Java: FormTextPlugin trims form text and refuses a blank required field with it) and
Tasklist's `scripts/form-messages-zh.js` (JavaScript: a field of only such characters is flagged in the
form) must call the same code points blank. Each definition is run by its own language over every code
point; they are compared on the code points the engine's Java knows (its Unicode version is the oldest),
and Java's table of Default_Ignorable_Code_Point must be Unicode's exactly."""

from __future__ import annotations

import json
import random
import re
import subprocess
from pathlib import Path

import regex

from appeals.validation import BLANK_CHARACTER, CJK_RANGES, normalize_text

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


# What people paste into a one-line field: letters, full-width forms, every kind of space and line break,
# format characters, controls, the blank-looking letters, variation selectors.
ONE_LINE_POOL = (list("张三ab1（）-〇，ア한Ａ") + ["\U00020000"] + ["\u3000", " ", "\u00a0", "\u2002", "\u202f", "\t", "\n", "\r", "\r\n",
                                          "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x01", "\x7f", "\u200b",
                                          "\u200d", "\u200e", "\ufeff", "\u00ad", "\u2060", "\u3164", "\u115f",
                                          "\uffa0", "\u2800", "\ufe0f", "❤", "\U0001f600", "\u034f"])


def test_the_engine_makes_one_line_of_text_as_the_workers_do() -> None:
    """Tester 5, F10: a one-line form field (具体承办人 `张\\u3000三`, names) kept an inner U+3000 or U+200B in
    the engine while the intake worker collapses it. The engine's `BlankText.oneLine` (FormTextPlugin,
    every editable textfield) and the workers' `normalize_text(fold=False)` give the same line."""
    chance = random.Random(5)
    texts = ["张\u3000三", " 张\u200b三 \n", "\u3000某县\u00a0\u00a0工信局\t", "❤\ufe0f", "a\u3164b", "\u2800",
             *("".join(chance.choice(ONE_LINE_POOL) for _ in range(chance.randint(0, 12))) for _ in range(3000))]
    given = "".join(" ".join(f"{ord(c):x}" for c in text) + "\n" for text in texts)
    out = subprocess.run(["java", str(JAVA), "one-line"], input=given, capture_output=True, text=True, check=True,
                         timeout=120).stdout.split("\n")
    java = ["".join(chr(int(h, 16)) for h in line.split()) for line in out[:len(texts)]]
    differ = [(t, j, normalize_text(t, fold=False)) for t, j in zip(texts, java, strict=True) if j != normalize_text(t, fold=False)]
    assert differ == []
    assert java[:2] == ["张三", "张三"]


def test_java_and_python_call_the_same_characters_cjk() -> None:
    """The one-line rule drops a blank run between two CJK characters (tester 6, N7); BlankText.CJK is
    the workers' CJK_RANGES, range for range."""
    table = re.search(r"int\[\] CJK = \{([^}]*)\}", JAVA.read_text(encoding="utf-8")).group(1)
    bounds = [int(x, 16) for x in re.findall(r"0x([0-9A-Fa-f]+)", table)]
    assert list(zip(bounds[::2], bounds[1::2], strict=True)) == list(CJK_RANGES)
