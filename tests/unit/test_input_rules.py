"""Real-world input (issue 12), without the engine: one normalisation for every entry, credit
codes of every registration authority GB 32100-2015 allows, phones as people write them, one text
limit, dates as Chinese exports write them. Each kind: the issue's example with its right value,
and generated variants."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from appeals.documents.values import text as document_text
from appeals.hotline import WorkOrder
from appeals.hotline.records import build_order
from appeals.ledger.recording import _text as ledger_text
from appeals.validation import (
    PHONE_SEVERAL_MESSAGE,
    PHONE_WORDS_MESSAGE,
    TEXT_LIMIT,
    USCC_ALPHABET,
    USCC_AUTHORITIES,
    check_credit_code,
    check_phone,
    normalize_free_text,
    normalize_identifier,
    normalize_text,
    split_phones,
    validate_registration,
)

ROOT = Path(__file__).resolve().parents[2]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad", "\u202a", "\u202c",
             "\u2066", "\u2069"]
assert all(unicodedata.category(c) == "Cf" for c in INVISIBLE)
invisible = st.sampled_from(INVISIBLE)
spaces = st.sampled_from([" ", "\u3000", "\u00a0", "\t", "  "])


def sprinkle(text: str, data: st.DataObject, pool=invisible) -> str:
    """The text with invisible characters inserted at random places."""
    chars = list(text)
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        chars.insert(data.draw(st.integers(min_value=0, max_value=len(chars))), data.draw(pool))
    return "".join(chars)


# --------------------------------------------------------------------------- kind 3: invisible characters
def test_issue_example_credit_code_with_zero_width_space_and_phone_with_lrm_are_accepted() -> None:
    assert check_credit_code("91140525\u200bMA0K2U7X4L") == ("91140525MA0K2U7X4L", None)
    assert check_phone("\u200e13812345678") == ("13812345678", None)


@given(st.data())
def test_format_characters_never_survive_any_normalisation(data) -> None:
    text = data.draw(st.text(min_size=0, max_size=40))
    dirty = sprinkle(text, data)
    for cleaned in (normalize_text(dirty), normalize_text(dirty, fold=False), normalize_free_text(dirty),
                    normalize_identifier(dirty)):
        assert not any(unicodedata.category(c) in ("Cf", "Cc") and c not in "\n\t" for c in cleaned)
    assert normalize_text(dirty) == normalize_text(text), "invisible characters change nothing else"


@given(st.data())
def test_codes_and_phones_with_pasted_invisibles_and_spaces_are_the_same_value(data) -> None:
    code = data.draw(credit_codes())
    assert check_credit_code(sprinkle(code, data, invisible | spaces)) == (code, None)
    phone = "139" + "".join(data.draw(st.lists(st.sampled_from("0123456789"), min_size=8, max_size=8)))
    assert check_phone(sprinkle(phone, data, invisible | st.sampled_from([" ", "-", "\u3000"]))) == (phone, None)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_one_line_text_has_single_spaces_and_free_text_keeps_its_lines(text) -> None:
    line = normalize_text(text, fold=False)
    assert "  " not in line and "\n" not in line and line == line.strip()
    free = normalize_free_text(text)
    assert "\r" not in free and free == free.strip()
    assert normalize_free_text(free) == free, "idempotent"


def test_full_width_identifiers_fold_but_names_keep_their_brackets() -> None:
    assert normalize_identifier("９１１４０５２５ｍａ０ｋ２ｕ７ｘ４ｌ") == "91140525MA0K2U7X4L"
    checked = validate_registration({"enterpriseName": "\ufeff某县（山西）鑫源\u3000\u3000铸造有限公司\u200b",
                                     "contactName": "赵\u200d经理", "contactPhone": "13812345678",
                                     "problemDescription": "第一行\r\n第二行\u2028第三行  ", "channel": "online",
                                     "creditCode": "91140525MA0K2U7X4L"})
    assert checked.valid, checked.errors
    assert checked.normalized["enterpriseName"] == "某县（山西）鑫源铸造有限公司"
    assert checked.normalized["contactName"] == "赵经理"
    assert checked.normalized["problemDescription"] == "第一行\n第二行\n第三行"


# --------------------------------------------------------------------------- kind 4: credit codes
@st.composite
def credit_codes(draw, authorities: str = USCC_AUTHORITIES) -> str:
    body = (draw(st.sampled_from(authorities)) + draw(st.sampled_from("123456789"))
            + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=6, max_size=6)))
            + "".join(draw(st.lists(st.sampled_from(USCC_ALPHABET), min_size=9, max_size=9))))
    return body + uscc.calc_check_digit(body)


def test_issue_example_village_collective_code_is_valid() -> None:
    assert check_credit_code("N2140525MF3R8K1W7B") == ("N2140525MF3R8K1W7B", None)
    assert check_credit_code("n2140525mf3r8k1w7b") == ("N2140525MF3R8K1W7B", None)
    code, error = check_credit_code("N2140525MF3R8K1W7C")
    assert error == "统一社会信用代码校验位不正确，请与企业核对"


@pytest.mark.parametrize("authority", list(USCC_AUTHORITIES))
def test_every_registration_authority_of_the_standard_is_accepted(authority: str) -> None:
    body = f"{authority}1140525MA0K2U7X4"
    assert check_credit_code(body + uscc.calc_check_digit(body)) == (body + uscc.calc_check_digit(body), None)


@given(credit_codes(), st.integers(min_value=0, max_value=17), st.sampled_from(USCC_ALPHABET))
def test_valid_codes_pass_and_one_changed_character_is_refused_with_the_right_message(code, position, char) -> None:
    assert check_credit_code(code) == (code, None)
    changed = code[:position] + char + code[position + 1:]
    if changed == code:
        return
    _value, error = check_credit_code(changed)
    assert error is not None, "GB 32100's check character catches every single substitution"
    if position == 17 or (position >= 8 and position < 17):
        assert error == "统一社会信用代码校验位不正确，请与企业核对"


@given(credit_codes(), st.sampled_from("IOZSV"), st.integers(min_value=0, max_value=17))
def test_letters_the_standard_excludes_get_the_alphabet_message(code, letter, position) -> None:
    _value, error = check_credit_code(code[:position] + letter + code[position + 1:])
    assert error == "统一社会信用代码含有不允许的字符（不使用I、O、Z、S、V）"


@given(credit_codes(authorities="HJKLMPQRTUWX"))
def test_an_authority_code_the_standard_does_not_have_gets_its_own_message(code) -> None:
    assert check_credit_code(code)[1] == "统一社会信用代码第1位（登记管理部门代码）应为1–9、A–G、N或Y"


# --------------------------------------------------------------------------- kind 5: phones
@pytest.mark.parametrize("typed, stored", [
    ("+86-139 1234 5678", "13912345678"),  # the issue's example
    ("0086 139-1234-5678", "13912345678"),
    ("(+86) 139.1234.5678", "13912345678"),
    ("１３９１２３４５６７８", "13912345678"),
    ("0356-6012345", "0356-6012345"),
    ("(0356)6012345", "0356-6012345"),
    ("（0356）601 2345", "0356-6012345"),
    ("0356 6012345 转 801", "0356-6012345-801"),
    ("0356-6012345-801", "0356-6012345-801"),
    ("0356-6012345分机801", "0356-6012345-801"),
    ("010-12345678 ext. 12", "010-12345678-12"),
    ("+86 10 1234 5678", "010-12345678"),
    ("400-810-8888", "4008108888"),
    ("+1 650 253 0000", "+16502530000"),
])
def test_phones_as_people_write_them_are_stored_in_one_form(typed: str, stored: str) -> None:
    assert check_phone(typed) == (stored, None)
    assert len(stored) <= 32, "fits the ledger's contact_phone VARCHAR(32)"


@pytest.mark.parametrize("typed", ["12345", "1391234567", "139123456789", "0356-12", "电话", "138-0000-000a"])
def test_what_is_no_phone_number_is_refused_with_a_message(typed: str) -> None:
    assert check_phone(typed)[1] and "手机号或带区号的座机号" in check_phone(typed)[1]


@given(prefix=st.sampled_from(["13", "15", "17", "18", "19"]), rest=st.text("0123456789", min_size=9, max_size=9),
       country=st.sampled_from(["", "+86", "+86 ", "0086", "+86-", "(+86)"]),
       sep=st.sampled_from(["", " ", "-", ".", "\u3000"]))
def test_any_mobile_in_any_notation_is_the_11_digits(prefix, rest, country, sep) -> None:
    digits = prefix + rest
    typed = country + sep.join([digits[:3], digits[3:7], digits[7:]])
    phone, error = check_phone(typed)
    # phonenumbers knows which mobile prefixes are allocated; any notation of one is the 11 digits
    allocated = phonenumbers.is_valid_number(phonenumbers.parse(digits, "CN"))
    assert (error is None) == allocated, typed
    if allocated:
        assert phone == digits


@given(area=st.sampled_from(["10", "21", "351", "356", "755", "471"]), number=st.text("2345678", min_size=7,
                                                                                       max_size=7),
       extension=st.one_of(st.none(), st.text("0123456789", min_size=1, max_size=5)),
       style=st.sampled_from(["0{a}-{n}", "(0{a}){n}", "0{a} {n}", "+86 {a} {n}", "0{a}{n}"]),
       ext_style=st.sampled_from([" 转{e}", "-{e}", "转{e}", " 分机 {e}", " ext {e}", "#{e}"]))
def test_any_landline_with_area_code_and_extension_keeps_all_three(area, number, extension, style, ext_style) -> None:
    if area in ("10", "21", "755"):  # cities with 8-digit numbers
        number = number + "8"
    typed = style.format(a=area, n=number) + (ext_style.format(e=extension) if extension else "")
    phone, error = check_phone(typed)
    assert error is None, typed
    assert phone == f"0{area}-{number}" + (f"-{extension}" if extension else "")
    assert check_phone(phone) == (phone, None), "the stored form reads back as itself"


# --------------------------------------------------------------------------- kind 1: one text limit
def test_the_limit_is_the_same_at_the_edge_for_every_free_text_field() -> None:
    base = {"enterpriseName": "企业", "contactName": "人", "contactPhone": "13812345678", "channel": "visit",
            "creditCode": "91140525MA0K2U7X4L"}
    for name, label in (("problemDescription", "主要困难和问题"), ("requestedHelp", "希望协调解决的具体事项")):
        ok = validate_registration({**base, "problemDescription": "x", name: "难" * TEXT_LIMIT})
        assert ok.valid and len(ok.normalized[name]) == TEXT_LIMIT
        over = validate_registration({**base, "problemDescription": "x", name: "难" * (TEXT_LIMIT + 1)})
        assert f"{label}超过{TEXT_LIMIT}字" in over.errors


LIST_FIELDS = {"topics", "minutesText", "decidedItems"}


def _fields(components):
    for component in components:
        yield component
        yield from _fields(component.get("components", []))


@pytest.mark.parametrize("path", sorted((ROOT / "forms").glob("*.form")), ids=lambda p: p.stem)
def test_every_editable_text_area_states_the_documented_limit(path: Path) -> None:
    form = json.loads(path.read_text(encoding="utf-8"))
    for field in _fields(form["components"]):
        if field.get("type") != "textarea" or field.get("readonly"):
            continue
        limit = 20_000 if field["key"] in LIST_FIELDS else TEXT_LIMIT
        assert field["validate"]["maxLength"] == limit, field["key"]
        assert f"不超过{limit}字" in field["description"], field["key"]


# --------------------------------------------------------------------------- kind 10: date-times in forms
@pytest.mark.parametrize("path", sorted((ROOT / "forms").glob("*.form")), ids=lambda p: p.stem)
def test_every_date_time_field_states_its_subtype(path: Path) -> None:
    form = json.loads(path.read_text(encoding="utf-8"))
    for field in _fields(form["components"]):
        if field.get("type") == "datetime":
            assert field.get("subtype") in ("date", "time", "datetime"), field["key"]
            if field["subtype"] != "date":
                assert field.get("timeSerializingFormat") == "utc_offset", "a time means Beijing time, stated"


def test_the_meeting_time_is_a_date_and_a_time() -> None:
    form = json.loads((ROOT / "forms" / "MeetingPlanForm.form").read_text(encoding="utf-8"))
    meeting_at = next(f for f in _fields(form["components"]) if f.get("key") == "meetingAt")
    assert meeting_at["subtype"] == "datetime"


@settings(max_examples=30)
@given(st.text(max_size=30))
def test_normalisation_never_raises(text) -> None:
    check_phone(text)
    check_credit_code(text)


# --------------------------------------------------------------------------- the CLI: org chart phones
def test_org_chart_phones_are_read_as_people_write_them() -> None:
    from appeals.org import DEMO_ORG, OrgChartError, load, parse

    raw = load(DEMO_ORG).to_dict()
    raw["users"][0]["phone"] = "\u200e+86 138-0000-0001"
    assert parse(raw).users[0].phone == "13800000001"
    raw["users"][0]["phone"] = "12345"
    with pytest.raises(OrgChartError, match="手机号或带区号的座机号"):
        parse(raw)


# --------------------------------------------------------------------------- kind 4: text typed in Tasklist
BLANKS = st.text(alphabet=" \t\n\r\u3000\u00a0\u200b\ufeff", max_size=6)


@given(BLANKS, st.text(max_size=30).map(normalize_free_text), BLANKS)
def test_text_typed_in_a_form_reaches_documents_and_the_ledger_trimmed(before, typed, after) -> None:
    """Breaker report finding 4: 具体承办人 "  张 三（副科长）😀 " and 退回理由 "   " were kept as typed.
    The forms refuse a blank required field (tests/static/test_forms.py); whatever still arrives
    (an optional field, REST) is trimmed where the workers print or record it."""
    assert document_text(before + typed + after) == document_text(typed)
    assert ledger_text(before + typed + after) == (typed or None)
    assert document_text(before + after) == ""
    assert ledger_text(before + after) is None, "a blank reason is no reason"


def test_the_breakers_handler_name_is_stored_trimmed() -> None:
    assert ledger_text("  张 三（副科长）😀 ", 50) == "张 三（副科长）😀"


# --------------------------------------------------------------------------- kind 9: two numbers in one field
VALID_PHONES = st.sampled_from(["13912345678", "13812345678", "0356-6012345", "0356-6012345-801", "4008108888",
                                "15003561234"])
TYPED_AS = {"13912345678": "139 1234 5678", "13812345678": "+86 138-1234-5678", "0356-6012345": "(0356)6012345",
            "0356-6012345-801": "0356 6012345 转 801", "4008108888": "400-810-8888", "15003561234": "150 0356 1234"}


@given(first=VALID_PHONES, second=VALID_PHONES, separator=st.sampled_from(["/", " / ", "、", "，", ",", "；", ";",
                                                                          " 或 ", "  ", "|"]),
       typed=st.booleans())
def test_two_valid_numbers_joined_by_a_separator_are_refused_saying_so_and_split(first, second, separator,
                                                                               typed) -> None:
    """Breaker report finding 9: "13912345678/13812345678" was refused with the message for a wrong
    number. The public page and the intake say: only one number; the 12345 import keeps the first."""
    text = (TYPED_AS[first] + separator + TYPED_AS[second]) if typed else first + separator + second
    assert check_phone(text) == (first, PHONE_SEVERAL_MESSAGE), text
    assert split_phones(text) == ([first, second], "")


@pytest.mark.parametrize(("typed", "phone", "words"), [
    ("139 1234 5678（王经理）", "13912345678", "王经理"), ("13912345678 王经理", "13912345678", "王经理"),
    ("0356-6012345(办公室)", "0356-6012345", "办公室")])
def test_a_name_beside_the_number_is_refused_saying_so(typed: str, phone: str, words: str) -> None:
    assert check_phone(typed) == (phone, PHONE_WORDS_MESSAGE)
    assert split_phones(typed) == ([phone], words)


def test_the_public_page_tells_why_two_numbers_are_refused() -> None:
    result = validate_registration({"enterpriseName": "某县恒达机械制造有限公司", "contactName": "王经理",
                                    "contactPhone": "0356-6012345，13912345678", "problemDescription": "x",
                                    "channel": "online", "creditCode": "91140525MA0K2U7X4L"})
    assert PHONE_SEVERAL_MESSAGE in result.errors


@pytest.mark.parametrize("typed", ["13912345678/13812345678", "0356-6012345，13912345678", "139 1234 5678（王经理）"])
def test_a_12345_order_with_two_numbers_keeps_the_first_and_shows_the_whole_text(typed: str) -> None:
    order = build_order({"orderNumber": "GD9", "problemDescription": "厂区停电", "contactPhone": typed,
                         "contactName": "王经理"}, "xlsx")
    assert isinstance(order, WorkOrder), "the order is never lost"
    first = split_phones(typed)[0][0]
    assert order.registration["contactPhone"] == first
    assert f"12345工单联系电话为“{typed}”" in order.registration["importNotes"]
    assert not any("联系电话" in error and "只填" in error for error in order.notes[-1:]), order.notes


# --------------------------------------------------------------------------- tester 2: a name before the number
# words people put beside a number: names, titles, labels (no digits, no separator of two numbers)
WORDS = st.sampled_from(["王经理", "王", "张总", "电话：", "手机", "Tel", "联系人王经理：", "办公室", "Mr Wang"])


@given(phone=VALID_PHONES, words=WORDS, space=st.sampled_from(["", " ", "\u3000"]), before=st.booleans(),
       bracket=st.booleans())
def test_words_beside_the_number_are_refused_alike_before_or_after_it(phone, words, space, before, bracket) -> None:
    """Tester 2: "13912345678 王" was refused but "王经理 13912345678" accepted silently (phonenumbers
    skips text before a number). Before, after, or in brackets, every channel gets the same answer:
    the public page and Tasklist's intake refuse it saying why, the 12345 import keeps the number."""
    shown = f"（{words}）" if bracket else words
    typed = f"{shown}{space}{TYPED_AS[phone]}" if before else f"{TYPED_AS[phone]}{space}{shown}"
    assert check_phone(typed) == (phone, PHONE_WORDS_MESSAGE), typed
    found, remark = split_phones(typed)
    assert found == [phone] and remark.strip(":：") == words.strip(":："), (typed, found, remark)
    result = validate_registration({"enterpriseName": "某县恒达机械制造有限公司", "contactName": "王经理",
                                    "contactPhone": typed, "problemDescription": "x", "channel": "online",
                                    "creditCode": "91140525MA0K2U7X4L"})
    assert PHONE_WORDS_MESSAGE in result.errors
    order = build_order({"orderNumber": "GD10", "problemDescription": "厂区停电", "contactPhone": typed,
                         "contactName": "王经理"}, "xlsx")
    assert isinstance(order, WorkOrder) and order.registration["contactPhone"] == phone
    assert "12345工单联系电话为" in order.registration["importNotes"]


@given(first=VALID_PHONES, second=VALID_PHONES)
def test_a_12345_order_keeps_every_number_it_gave_for_the_lookup(first, second) -> None:
    order = build_order({"orderNumber": "GD11", "problemDescription": "厂区停电", "contactName": "王经理",
                         "contactPhone": f"{TYPED_AS[first]} 或 {TYPED_AS[second]}"}, "xlsx")
    assert order.registration["contactPhone"] == first
    assert order.registration["otherContactPhones"] == second
    single = build_order({"orderNumber": "GD12", "problemDescription": "厂区停电", "contactName": "王经理",
                          "contactPhone": TYPED_AS[first]}, "xlsx")
    assert single.registration["otherContactPhones"] is None


# --------------------------------------------------------------------------- tester 3: a mobile with an extension
EXTENSION_STYLES = st.sampled_from([" 转 {e}", "转{e}", "-{e}", " 分机 {e}", " ext {e}", "#{e}", " x{e}"])


@given(prefix=st.sampled_from(["137", "139", "150", "186", "199"]), rest=st.text("0123456789", min_size=8, max_size=8),
       country=st.sampled_from(["", "+86 ", "0086"]), full_width=st.booleans(),
       extension=st.text("0123456789", min_size=1, max_size=6), ext_style=EXTENSION_STYLES)
@example(prefix="137", rest="00001111", country="", full_width=True, extension="12", ext_style=" 转 {e}")
def test_a_mobile_with_an_extension_is_refused_on_every_channel(prefix, rest, country, full_width, extension,
                                                                 ext_style) -> None:
    """Tester 3, N12: “１３７００００１１１１ 转 12” was stored as 13700001111-12. A mobile has no extension: the
    public page and Tasklist's intake (validate_registration) refuse it saying so; the 12345 import keeps
    the mobile without it and shows the operator's whole text to the office. Landlines keep theirs (the
    test above)."""
    from appeals.validation import PHONE_MOBILE_EXTENSION_MESSAGE

    mobile = prefix + rest
    typed = country + mobile + ext_style.format(e=extension)
    if full_width:
        typed = typed.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    assert check_phone(typed) == (mobile, PHONE_MOBILE_EXTENSION_MESSAGE), typed
    checked = validate_registration({"enterpriseName": "某县鑫源", "contactName": "赵", "contactPhone": typed,
                                     "problemDescription": "停电", "channel": "online"}, require_credit_code=False)
    assert PHONE_MOBILE_EXTENSION_MESSAGE in checked.errors
    order = build_order({"orderNumber": "GD-EXT-1", "problemDescription": "厂区停电", "contactPhone": typed,
                         "contactName": "王经理"}, "xlsx")
    assert isinstance(order, WorkOrder) and order.registration["contactPhone"] == mobile
    assert "12345工单联系电话为" in order.registration["importNotes"]


def test_the_public_page_refuses_a_mobile_with_an_extension_next_to_the_field(tmp_path) -> None:
    from ..unit.test_public import VALID, make_app, post_form

    app, gateway = make_app(tmp_path)
    response = post_form(app.test_client(), "/appeal", {**VALID, "contactPhone": "１３７００００１１１１ 转 12"})
    assert response.status_code == 400 and "联系电话为手机号时不带分机号" in response.get_data(as_text=True)
    assert gateway.started == []
