"""Tester 5's messy input, by kind and on every channel (public page, Tasklist/REST intake via
`validate_registration`, 12345 import and sync via `build_order`): a refused value stays as typed (F1),
extensions in every spelling (F2), the forms' limits from one definition (F3), credit codes with
separators (F10). The intake worker on the real engine: tests/engine/test_input.py."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from appeals.hotline import WorkOrder
from appeals.hotline.records import build_order
from appeals.public.submissions import INTAKE_FIELDS, LOOKUP_LIMITS, read_intake, same_phone
from appeals.validation import (
    PHONE_MESSAGE,
    PHONE_MOBILE_EXTENSION_MESSAGE,
    PHONE_SEVERAL_MESSAGE,
    PHONE_WORDS_MESSAGE,
    TYPED_LIMITS,
    as_typed,
    check_credit_code,
    check_phone,
    normalize_text,
    validate_registration,
)

from .test_input_rules import TYPED_AS, VALID_PHONES, credit_codes, invisible, sprinkle

BASE = {"enterpriseName": "某县恒达机械制造有限公司", "contactName": "王经理", "problemDescription": "厂区停电",
        "channel": "visit", "creditCode": "91140525MA0K2U7X4L", "contactPhone": "13912345678"}
PHONE_ERRORS = {PHONE_MESSAGE, PHONE_SEVERAL_MESSAGE, PHONE_WORDS_MESSAGE, PHONE_MOBILE_EXTENSION_MESSAGE}


def digits(text: str | None) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text or ""))


def full_width(text: str) -> str:
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-()"})


# --------------------------------------------------------------------------- F1: a refused value stays as typed
def test_the_testers_two_numbers_stay_in_the_field_the_correction_shows() -> None:
    """F1: “13912345670 / 0356-6012345” was rewritten to 13912345670 before the office was asked to
    correct it; the second number was lost."""
    checked = validate_registration({**BASE, "contactPhone": "13912345670 / 0356-6012345"})
    assert checked.errors == [PHONE_SEVERAL_MESSAGE]
    assert checked.normalized["contactPhone"] == "13912345670 / 0356-6012345"


@st.composite
def refused_phones(draw) -> str:
    first, second = draw(VALID_PHONES), draw(VALID_PHONES)
    kind = draw(st.sampled_from(["two", "words_after", "words_before", "mobile_extension", "no_number"]))
    typed = {
        "two": TYPED_AS[first] + draw(st.sampled_from([" / ", "、", "，", ";", " 或 ", "  "])) + TYPED_AS[second],
        "words_after": f"{TYPED_AS[first]}（{draw(st.sampled_from(['王经理', '办公室', '白天']))}）",
        "words_before": f"{draw(st.sampled_from(['电话：', '王经理 ', 'Tel ']))}{TYPED_AS[first]}",
        "mobile_extension": f"139 1234 5678 {draw(st.sampled_from(['转', '分机', '（分机', 'ext']))}12",
        "no_number": draw(st.sampled_from(["6012345", "12345", "0356-12", "138-0000-000a"])),
    }[kind]
    if draw(st.booleans()):
        typed = full_width(typed)
    return typed


@settings(deadline=None)  # several channels per example; the machine may be busy
@given(refused_phones(), st.data())
@example("13912345670 / 0356-6012345", None)
def test_a_refused_phone_stays_as_typed_and_is_refused_again_as_stored(typed: str, data) -> None:
    """The kind: any normalisation that overwrote what was typed when the value was then refused. The
    intake (Tasklist/REST) stores the refused text as typed — every digit of it — and what it stores
    is refused again with the same message (the correction form shows what the message is about)."""
    if data is not None:
        typed = sprinkle(typed, data, invisible)
    checked = validate_registration({**BASE, "contactPhone": typed})
    refused = [e for e in checked.errors if e in PHONE_ERRORS]
    assert len(refused) == 1, (typed, checked.errors)
    stored = checked.normalized["contactPhone"]
    assert stored == as_typed(typed) == normalize_text(typed, fold=False)
    assert digits(stored) == digits(typed), "nothing typed is lost"
    again = validate_registration({**BASE, "contactPhone": stored})
    assert [e for e in again.errors if e in PHONE_ERRORS] == refused and again.normalized["contactPhone"] == stored


@settings(deadline=None)  # several channels per example; the machine may be busy
@given(refused_phones())
def test_the_other_channels_lose_nothing_of_a_refused_phone(typed: str) -> None:
    """The public page shows the field as typed with the message; the 12345 import keeps every number
    (the first as the contact phone, the others in otherContactPhones) or, when it cannot be read,
    the text as typed for the office's correction — one rule: nothing typed is lost."""
    result = read_intake({**BASE, "contactPhone": typed, "channel": "online"})
    assert result.values["contactPhone"] == typed and result.errors.get("contactPhone")
    order = build_order({"orderNumber": "GD-T5", "problemDescription": "厂区停电", "contactName": "王经理",
                         "contactPhone": typed}, "xlsx")
    assert isinstance(order, WorkOrder)
    registration = order.registration
    kept = (registration["contactPhone"], registration["otherContactPhones"], registration["importNotes"])
    assert any(digits(typed) in digits(text) for text in kept), (typed, registration)


def test_a_refused_credit_code_and_e_mail_stay_as_typed() -> None:
    checked = validate_registration({**BASE, "creditCode": "９１１４０５２５-ma0k2u7x-4B", "contactEmail": "王@@例子"})
    assert "统一社会信用代码校验位不正确，请与企业核对" in checked.errors and "电子邮箱格式不正确" in checked.errors
    assert checked.normalized["creditCode"] == "９１１４０５２５-ma0k2u7x-4B"
    assert checked.normalized["contactEmail"] == "王@@例子"
    accepted = validate_registration({**BASE, "creditCode": "９１１４０５２５-ma0k2u7x-4L", "contactEmail": " A@Example.com"})
    assert accepted.valid and accepted.normalized["creditCode"] == "91140525MA0K2U7X4L"
    assert accepted.normalized["contactEmail"] == "A@example.com"


# --------------------------------------------------------------------------- F2: extensions in every spelling
EXTENSION_WORDS = ["转", "轉", "分机", "分机号", "分機", "ext", "ext.", "EXT", "Ext.", "extension", "x", "X", "#"]
BRACKETS = [("", ""), ("(", ")"), ("（", "）"), ("[", "]"), ("【", "】"), ("〔", "〕"), ("［", "］")]
LANDLINES = {"0356-6012345": ["0356 6012345", "0356-6012345", "(0356)6012345", "（0356） 601 2345",
                              "+86 356 6012345", "０３５６－６０１２３４５"],
             "010-12345678": ["010-12345678", "(010) 1234 5678", "+86 10 1234 5678"]}


@st.composite
def landlines_with_extension(draw) -> tuple[str, str]:
    canonical = draw(st.sampled_from(sorted(LANDLINES)))
    written = draw(st.sampled_from(LANDLINES[canonical]))
    word = draw(st.sampled_from(EXTENSION_WORDS))
    opening, closing = draw(st.sampled_from(BRACKETS))
    extension = draw(st.text("0123456789", min_size=1, max_size=5))
    space = st.sampled_from(["", " ", "\u3000"])
    colon = draw(st.sampled_from(["", ":", "："])) if word not in ("x", "X", "#") else ""
    shown_extension = full_width(extension) if draw(st.booleans()) else extension
    typed = (f"{written}{draw(space)}{opening}{draw(space)}{word}{colon}{draw(space)}{shown_extension}"
             f"{draw(space)}{closing}")
    return typed, f"{canonical}-{extension}"


@settings(deadline=None)  # several channels per example; the machine may be busy
@given(landlines_with_extension())
@example(("0356 6012345（分机801）", "0356-6012345-801"))
@example(("(0356) 6012345 分机 801", "0356-6012345-801"))
@example(("+86 356 6012345 转 801", "0356-6012345-801"))
def test_a_landline_with_an_extension_is_accepted_however_the_extension_is_written(case) -> None:
    """F2: “0356 6012345（分机801）” was refused as “a name beside the number” while stored canonical.
    Every spelling of an extension (转/分机/分机号/ext/extension/x/#, a colon, in brackets of any
    width or none, with or without spaces) is the landline with its extension on every channel, and
    the public lookup finds the appeal with it."""
    typed, stored = case
    assert check_phone(typed) == (stored, None), typed
    checked = validate_registration({**BASE, "contactPhone": typed})
    assert checked.valid and checked.normalized["contactPhone"] == stored, (typed, checked.errors)
    assert not read_intake({**BASE, "contactPhone": typed, "channel": "online"}).errors.get("contactPhone")
    order = build_order({"orderNumber": "GD-EXT", "problemDescription": "停电", "contactName": "王经理",
                         "contactPhone": typed}, "xlsx")
    assert order.registration["contactPhone"] == stored and order.registration["otherContactPhones"] is None
    assert "联系电话" not in (order.registration["importNotes"] or "")
    assert same_phone(typed, stored) and same_phone(stored, typed)


# --------------------------------------------------------------------------- F3: one definition of field limits
def test_every_public_field_takes_as_much_as_the_intake_accepts() -> None:
    """F3: the lookup's phone field had maxlength 20 while the questionnaire took 40, so “(0356)
    6012345 分机 801” was cut. Both come from appeals.validation (LIMITS, TYPED_LIMITS) now."""
    fields = {f.name: f.max_length for f in INTAKE_FIELDS}
    for name, limit in TYPED_LIMITS.items():
        assert fields[name] == limit, name
    assert LOOKUP_LIMITS["phone"] == TYPED_LIMITS["contactPhone"]
    for typed in ("(0356) 6012345 分机 801", "+86 356 6012345 转 801", "+86 (0356) 601 2345 分机号 801"):
        assert len(typed) <= LOOKUP_LIMITS["phone"] and check_phone(typed) == ("0356-6012345-801", None)


def test_the_lookup_page_states_the_limits_of_the_one_definition(tmp_path) -> None:
    from .test_public import make_app

    app, _gateway = make_app(tmp_path)
    page = app.test_client().get("/lookup").get_data(as_text=True)
    assert re.search(rf'id="phone"[^>]*maxlength="{TYPED_LIMITS["contactPhone"]}"', page), page
    assert re.search(rf'id="number"[^>]*maxlength="{LOOKUP_LIMITS["number"]}"', page)


# --------------------------------------------------------------------------- F10: credit codes with separators
SEPARATORS = ["-", "－", "‐", "–", "—", "−", ".", "．", "·", "・", "。", " ", "\u3000", "\u200b"]


@settings(deadline=None)  # several channels per example; the machine may be busy
@given(credit_codes(), st.lists(st.tuples(st.integers(min_value=1, max_value=17), st.sampled_from(SEPARATORS)),
                                min_size=1, max_size=3))
@example("91140525MA0K2U7X4L", [(8, "-"), (16, "-")])
def test_a_credit_code_with_separators_is_the_code_on_every_channel(code: str, cuts) -> None:
    """F10: “91140525-MA0K2U7X-4L” (as some licences print it) was refused as 20 characters while spaces
    were removed. Every separator (dashes of any width, dots, spaces, invisible characters) is removed
    the same way on every channel."""
    typed = code
    for position, separator in sorted(cuts, reverse=True):
        typed = typed[:position] + separator + typed[position:]
    assert check_credit_code(typed) == (code, None), typed
    checked = validate_registration({**BASE, "creditCode": typed})
    assert checked.valid and checked.normalized["creditCode"] == code
    assert not read_intake({**BASE, "creditCode": typed, "channel": "online"}).errors.get("creditCode")
    order = build_order({"orderNumber": "GD-CC", "problemDescription": "停电", "contactName": "王经理",
                         "contactPhone": "13912345678", "creditCode": typed}, "xlsx")
    assert order.registration["creditCode"] == code


@pytest.mark.parametrize("typed", ["91140525/MA0K2U7X4L", "91140525MA0K2U7X4L号", "9114O525MA0K2U7X4L"])
def test_what_is_no_separator_is_still_refused(typed: str) -> None:
    assert check_credit_code(typed)[1]
