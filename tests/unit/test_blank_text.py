"""Blank-looking characters (tester 3, N1): text made only of characters that show nothing is blank on
every channel, whatever the characters' Unicode category.

The kind: Unicode White_Space, controls, format characters, every Default_Ignorable_Code_Point (the
Hangul fillers U+115F, U+1160, U+3164, U+FFA0, variation selectors …) and U+2800 BRAILLE PATTERN BLANK
(`appeals.validation.BLANK_CHARACTER`). The engine's and Tasklist's definitions are the same set
(tests/static/test_blank_text.py); the engine's refusal is in tests/engine/test_input.py."""

from __future__ import annotations

import unicodedata

import regex
from hypothesis import example, given
from hypothesis import strategies as st

from appeals.documents.values import text as document_text
from appeals.hotline import WorkOrder
from appeals.hotline.records import build_order
from appeals.ledger.recording import _text as ledger_text
from appeals.validation import (
    BLANK_CHARACTER,
    CJK_RANGES,
    is_blank,
    normalize_free_text,
    normalize_text,
    strip_blank,
    validate_registration,
)

from .test_public import VALID, make_app, post_form

BLANK_CODE_POINTS = [chr(c) for c in range(0x110000)
                     if not 0xD800 <= c <= 0xDFFF and BLANK_CHARACTER.match(chr(c))]
REPORTED = ["\u3164", "\u2800", "\u115f", "\u1160", "\uffa0"]
blanks = st.text(alphabet=st.sampled_from(BLANK_CODE_POINTS), min_size=1, max_size=8)
visible = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30).filter(
    lambda t: not is_blank(t))


def test_the_reported_characters_and_their_kind_are_blank() -> None:
    assert set(REPORTED) <= set(BLANK_CODE_POINTS)
    assert {"\u200b", "\u3000", "\u00a0", "\ufeff", "\u2060", "\u180e", "\u034f", "\ufe0f"} <= set(BLANK_CODE_POINTS)
    assert not {"a", "中", "·", "_", "\u3001", "\u2801", "\u3131"} & set(BLANK_CODE_POINTS), "a visible sign is text"


@given(blanks)
@example("\u3164\u3164")
@example("\u2800")
@example("\u115f\u1160")
def test_text_of_only_blank_looking_characters_is_blank_on_every_channel(typed: str) -> None:
    assert is_blank(typed)
    assert normalize_text(typed) == normalize_text(typed, fold=False) == normalize_free_text(typed) == ""
    assert document_text(typed) == "" and ledger_text(typed) is None
    result = validate_registration({**VALID, "channel": "online", "enterpriseName": typed,
                                    "problemDescription": typed, "contactName": typed})
    for message in ("缺少企业名称", "缺少主要困难和问题", "缺少联系人"):
        assert message in result.errors, message


@given(blanks, visible, blanks.filter(lambda t: unicodedata.category(t[0]) != "Mn"))
def test_blank_looking_characters_at_both_ends_are_trimmed_and_the_text_between_kept(before, typed, after) -> None:
    """(A mark right after the last visible character — U+FE0F after ❤ — is that character's: the next test.)"""
    core = normalize_free_text(typed)
    assert normalize_free_text(before + typed + after) == core
    assert normalize_text(before + typed + after, fold=False) == normalize_text(typed, fold=False)
    assert not BLANK_CHARACTER.match(strip_blank(before + typed)[:1] or "x")


def test_a_hangul_filler_between_words_is_a_space_and_an_emojis_variation_selector_stays() -> None:
    assert normalize_text("Hengda\u3164Jixie", fold=False) == "Hengda Jixie"
    assert normalize_text("恒达\u3164机械", fold=False) == "恒达机械", "no space between Chinese characters (N7)"
    assert normalize_free_text("谢谢\u2764\ufe0f\u3164") == "谢谢\u2764\ufe0f"
    assert normalize_text("\ufe0f葛\U000e0100", fold=False) == "葛\U000e0100", "an ideographic variant stays"


def test_the_public_site_refuses_an_invisible_enterprise_name_and_description(tmp_path) -> None:
    app, gateway = make_app(tmp_path)
    client = app.test_client()
    response = post_form(client, "/appeal", {**VALID, "enterpriseName": "\u3164\u3164", "problemDescription": "\u3164",
                                             "contactName": "\u2800", "requestedHelp": "\u115f\u1160"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("缺少企业名称", "缺少主要困难和问题", "缺少联系人"):
        assert message in body, message
    assert gateway.started == []


def test_a_12345_order_with_an_invisible_description_is_quarantined_and_a_blank_name_asks_for_correction() -> None:
    fields = {"orderNumber": "GD-BLANK-1", "receivedAt": "2026-11-30T09:00:00+08:00", "enterpriseName": "\u3164",
              "problemDescription": "\u2800\u3164", "contactName": "王经理", "contactPhone": "13912345678"}
    rejected = build_order(fields, "xlsx")
    assert not isinstance(rejected, WorkOrder) and "缺少诉求内容" in rejected.reason
    order = build_order({**fields, "problemDescription": "报装三个月未接电"}, "xlsx")
    assert isinstance(order, WorkOrder) and order.registration["enterpriseName"] is None
    assert "缺少企业名称" in order.notes


# --------------------------------------------------------------------------- tester 6, N7: breaks between CJK
CJK_CHARACTERS = st.sampled_from(list("某县浏览器粘贴有限公司李经理王五〇（）、，。：ア") + ["\U00020000", "\u3400"])
LATIN = st.sampled_from(list("aZ09ÀéБ한Ａ") + ["\uac00"])
GAPS = st.lists(st.sampled_from([" ", "\n", "\r\n", "\t", "\u3000", "\u00a0", "\u2028", "\u3164", "\u2800",
                                 "\u200b\u3000", "\x0b"]), min_size=1, max_size=4).map("".join).filter(
    lambda gap: regex.search(r"[\s\u3164\u2800]", gap) is not None)


@given(st.lists(st.tuples(st.one_of(CJK_CHARACTERS, LATIN), GAPS), min_size=1, max_size=6), st.one_of(CJK_CHARACTERS, LATIN))
@example([("李", "\n")], "经")
@example([("王", "\u3000")], "五")
@example([("某县浏览器", "\n")], "粘贴有限公司")
@example([("Li", "\n")], "Ming")
def test_a_blank_run_between_two_cjk_characters_disappears_and_elsewhere_is_one_space(parts, last) -> None:
    """Tester 6, N7: a line break or U+3000 pasted into a one-line field between two Chinese characters
    (`李\n经理`, `王\u3000五`) was stored as a space inside the name. A run of blanks (spaces, line breaks,
    U+3000, blank-looking letters) between two CJK characters (validation.CJK_RANGES) is dropped; next to a
    Latin letter, a digit, Hangul or a full-width letter it is one space. The engine's BlankText.oneLine
    gives the same line (tests/static/test_blank_text.py)."""
    typed = "".join(word + gap for word, gap in parts) + last
    words = [word for word, _ in parts] + [last]
    expected = words[0]
    for before, after in zip(words, words[1:], strict=False):
        cjk = all(any(start <= ord(c) <= end for start, end in CJK_RANGES) for c in (before[-1], after[0]))
        expected += ("" if cjk else " ") + after
    assert normalize_text(typed, fold=False) == expected


def test_the_testers_pasted_names_keep_their_registered_spelling() -> None:
    assert normalize_text("某县浏览器\n粘贴有限公司", fold=False) == "某县浏览器粘贴有限公司"
    assert normalize_text("李\n经理", fold=False) == "李经理"
    assert normalize_text("王\u3000五", fold=False) == "王五"
    assert normalize_text("  张\u3000三\r\n（工信局）\u200b ", fold=False) == "张三（工信局）"
    assert normalize_text("Shanxi Hengda\nJixie 有限公司", fold=False) == "Shanxi Hengda Jixie 有限公司"
    assert normalize_text("3号\n楼", fold=False) == "3号楼" and normalize_text("3\n号楼", fold=False) == "3 号楼"
