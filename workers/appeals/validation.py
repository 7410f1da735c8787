"""Validation of registration data (spec §4): credit code, phone, e-mail, required fields, sizes.

Used by the intake worker, the public intake page, the 12345 import and the meeting minutes; messages
are Chinese, for the office and the enterprise. Every value goes through one normalisation before it
is checked (`normalize_text`, `normalize_free_text`, `normalize_identifier`: invisible format
characters removed, NFKC for codes and numbers, whitespace collapsed); the rules are listed in
docs/input-rules.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import phonenumbers
import regex
from email_validator import EmailNotValidError, validate_email
from stdnum.cn import uscc

from .vocabulary import AppealKind, Category, Channel

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# One limit for every free text of every channel (docs/input-rules.md); the engine keeps longer
# Strings whole (engine/…/LongTextSerializer.java), so this is the product's rule, not a column's.
TEXT_LIMIT = 5000
LIMITS = {"enterpriseName": ("企业名称", 100), "enterpriseAddress": ("详细地址", 200),
          "contactName": ("联系人", 50), "contactPosition": ("职务", 50), "externalId": ("来源编号", 64),
          "problemDescription": ("主要困难和问题", TEXT_LIMIT),
          "requestedHelp": ("希望协调解决的具体事项", TEXT_LIMIT)}
# How many characters a field takes as typed, where its check (not a length) decides the rest: room
# for a landline with area code and extension written as people do ("+86 (0356) 601 2345 分机号 801"),
# a credit code with separators. One definition for every form that asks for them: the public
# questionnaire and progress lookup, Tasklist's registration form (tests/static/test_forms.py).
TYPED_LIMITS = {"creditCode": 40, "contactPhone": 40, "contactEmail": 254}
REQUIRED = {"enterpriseName": "企业名称", "contactName": "联系人", "contactPhone": "联系电话",
            "problemDescription": "主要困难和问题"}


@dataclass
class ValidationResult:
    normalized: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


MULTILINE = {"problemDescription", "requestedHelp"}
FREE_TEXT = {"enterpriseName", "enterpriseAddress", "contactName", "contactPosition", "problemDescription",
             "requestedHelp"}


# Characters that never belong in what people meant to type: C0/C1 controls (keeping tab and line
# breaks in free text) and every format character (Unicode category Cf: zero-width space U+200B,
# left-to-right mark U+200E, byte-order mark U+FEFF, soft hyphen U+00AD, …) that web pages and
# phones paste along invisibly.
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
_SPACES = re.compile(r"[^\S\n]+")

# Characters that look blank (docs/input-rules.md "Blank-looking characters"): Unicode White_Space,
# controls (Cc), format characters (Cf), every Default_Ignorable_Code_Point (the Hangul fillers
# U+115F, U+1160, U+3164, U+FFA0, variation selectors, …) and U+2800 BRAILLE PATTERN BLANK, which
# renders as an empty cell. A text made only of them is blank (a required field left empty); they are
# trimmed from both ends of every text. One definition per language, kept equal on every code point
# by tests/static/test_blank_text.py: this one, the engine's BlankText.java (FormTextPlugin) and
# Tasklist's scripts/form-messages-zh.js.
# Of those, the ones that take the room of a letter (Hangul fillers, the Braille blank): inside a
# text they are a space, like U+3000.
_BLANK_LETTERS = regex.compile(r"[[\p{Default_Ignorable_Code_Point}&&\p{L}]\u2800]", regex.V1)
_BLANK = r"\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800"
BLANK_CHARACTER = regex.compile(rf"[{_BLANK}]")
_BLANK_START = regex.compile(rf"^[{_BLANK}]+")
# at the end, a variation selector or other blank mark right after a visible character is that
# character's (❤ + U+FE0F is the red heart) and stays
_BLANK_END = regex.compile(rf"(?P<kept>[[{_BLANK}]&&\p{{Mn}}]*)[{_BLANK}]*$", regex.V1)

# Characters written without spaces between them (Chinese, Japanese kana, bopomofo and their full-width
# punctuation): a space, line break or U+3000 between two of them in a one-line field is a paste or
# layout artefact, not part of the name (tester 6, N7: `某县浏览器\n粘贴有限公司`, `王\u3000五`). Blocks,
# not scripts, so that the engine's BlankText.CJK (Java) is the same set on every Unicode version;
# Hangul is not in it (Korean writes spaces between words), nor are full-width letters and digits.
CJK_RANGES = ((0x2E80, 0x2FDF), (0x3001, 0x303F), (0x3040, 0x30FF), (0x3100, 0x312F), (0x3190, 0x31FF),
              (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF01, 0xFF0F),
              (0xFF1A, 0xFF20), (0xFF3B, 0xFF40), (0xFF5B, 0xFF65), (0x20000, 0x3FFFF))
_CJK = "[" + "".join(f"\\U{start:08x}-\\U{end:08x}" for start, end in CJK_RANGES) + "]"
_CJK_GAP = regex.compile(f"(?<={_CJK}) (?={_CJK})")


def is_blank(value: Any) -> bool:
    """Whether `value` shows nothing: None, "" or only blank-looking characters (BLANK_CHARACTER:
    spaces, U+3000, zero-width and other format characters, U+3164 HANGUL FILLER, U+2800 …)."""
    return value is None or not strip_blank(str(value))


def strip_blank(text: str) -> str:
    """`text` without blank-looking characters (BLANK_CHARACTER) at both ends; the rest as typed
    (a variation selector right after the last visible character is kept with it)."""
    text = _BLANK_START.sub("", text)
    found = _BLANK_END.search(text)
    return text[:found.start()] + found["kept"] if found else text


def _strip_invisible(text: str, keep_lines: bool) -> str:
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cf":
            continue
        if category == "Cc" and not (keep_lines and char in "\n\t"):
            kept.append(" " if char in "\t\n" else "")
            continue
        kept.append(char)
    return "".join(kept)


def normalize_text(value: Any, fold: bool = True) -> str:
    """One line of text as every channel stores it: format characters (Cf) and controls removed,
    blank-looking letters (U+3164, U+2800 …) read as spaces, whitespace runs (incl. line breaks, U+3000 and
    no-break spaces) collapsed to one space — none at all between two Chinese characters or full-width
    punctuation (CJK_RANGES: `李\n经理` → `李经理`, `Li\nMing` → `Li Ming`) —, blank-looking characters
    trimmed from both ends; `fold`: NFKC
    as well (full-width digits and letters → ASCII), for codes and numbers only: names keep their
    full-width brackets. None → ""."""
    if value is None:
        return ""
    text = _LINE_BREAKS.sub("\n", strip_blank(str(value)))  # a mark after a removed control is no letter's
    if fold:
        text = unicodedata.normalize("NFKC", text)
    text = _BLANK_LETTERS.sub(" ", _strip_invisible(text, keep_lines=False))
    return _CJK_GAP.sub("", strip_blank(_SPACES.sub(" ", text.replace("\n", " "))))


def normalize_free_text(value: Any) -> str:
    """Free text (descriptions, replies, minutes) as every channel stores it: line breaks unified to
    \n, format characters and controls removed, blank-looking letters (U+3164, U+2800 …) read as
    spaces, spaces at the end of lines and blank-looking characters and lines at both ends dropped; the words themselves and full-width punctuation untouched (no NFKC). None → ""."""
    if value is None:
        return ""
    text = _BLANK_LETTERS.sub(" ", _strip_invisible(_LINE_BREAKS.sub("\n", strip_blank(str(value))), keep_lines=True))
    return strip_blank("\n".join(line.rstrip() for line in text.split("\n")))


_WORKDAY_UNIT = re.compile(r"\s*(?:个)?(?:工作日|天|日)$")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def whole_workdays(value: Any) -> int:
    """A number of working days as a whole number ≥ 1, the one the deadline moves by and the office
    reads: 3, 3.0, "3", "３", "3天", "3个工作日" → 3; a fraction is rounded half up (2.5 → 3, 2.4 → 2);
    0, negatives and None → 1. Raises ValueError (Chinese message) for anything not a number written
    with digits and at most one point (1e1, 0x3, 1_0, "1 2" included: never read as another number)."""
    if value is None or value == "":
        return 1
    if isinstance(value, bool):
        raise ValueError(f"工作日数应为整数（现为“{value}”）")
    text = _WORKDAY_UNIT.sub("", normalize_text(value))
    if not isinstance(value, (int, float, Decimal)) and not _PLAIN_NUMBER.fullmatch(text):
        # Decimal (like JavaScript's Number) would read 1e1, 1_0 or 0x3 as another number (tester 3, N2)
        raise ValueError(f"工作日数应为整数（现为“{str(value)[:20]}”）")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"工作日数应为整数（现为“{str(value)[:20]}”）") from None
    if not number.is_finite():
        raise ValueError(f"工作日数应为整数（现为“{str(value)[:20]}”）")
    return max(int(number.to_integral_value(rounding=ROUND_HALF_UP)), 1)


def normalize_identifier(value: Any) -> str:
    """An identifier (credit code, order number, receipt token): NFKC, invisible characters and all
    whitespace removed, upper case."""
    return re.sub(r"\s", "", normalize_text(value)).upper()


# GB 32100-2015 统一社会信用代码: 登记管理部门代码 (1 机构编制, 5 民政, 9 市场监管/工商, A–G, N 农业农村,
# Y 其他), 机构类别代码 (1–9), 登记管理机关行政区划码 (6 digits), 主体标识码 (9 characters) and the check
# character; characters from the standard's alphabet of 31 (no I, O, Z, S, V).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_AUTHORITIES = "123456789ABCDEFGNY"
_USCC = re.compile(rf"^[{USCC_AUTHORITIES}][1-9]\d{{6}}[{USCC_ALPHABET}]{{10}}$")


# What licences and people put between the groups of a code (tester 5, F10: 91140525-MA0K2U7X-4L):
# every dash (Unicode Pd: - ‐ ‑ – — ― －, the minus sign), dots (. 。 · ・ ．) besides the spaces
# normalize_identifier removes; none of them is a character of the standard's alphabet.
_CODE_SEPARATORS = regex.compile(r"[\p{Pd}\u2212.。·・‧]")


def normalize_credit_code(value: Any) -> str:
    """A 统一社会信用代码 as every channel reads it: normalize_identifier (NFKC, invisible characters
    and whitespace removed, upper case), and the separators people write between its groups removed
    (`_CODE_SEPARATORS`)."""
    return _CODE_SEPARATORS.sub("", normalize_identifier(value))


def check_credit_code(value: Any) -> tuple[str, str | None]:
    """The normalised 统一社会信用代码 (normalize_credit_code) and an error message, or None if it is
    valid (GB 32100-2015: every registration-authority code the standard allows; the check character
    per its weights)."""
    code = normalize_credit_code(value)
    if not code:
        return code, "缺少统一社会信用代码"
    if len(code) != 18:
        return code, f"统一社会信用代码应为18位（现为{len(code)}位）"
    if any(char in "IOZSV" for char in code):
        return code, "统一社会信用代码含有不允许的字符（不使用I、O、Z、S、V）"
    if code[0] not in USCC_AUTHORITIES:
        return code, "统一社会信用代码第1位（登记管理部门代码）应为1–9、A–G、N或Y"
    if not _USCC.match(code):
        return code, "统一社会信用代码格式不正确（第2位为1–9，第3–8位为行政区划码）"
    if uscc.calc_check_digit(code[:17]) != code[17]:
        return code, "统一社会信用代码校验位不正确，请与企业核对"
    return code, None


# The words that start an extension, as people write them (traditional forms too): 转801, 分机801,
# 分机号：801, ext.801, extension 801, x801, #801; in brackets of any shape and width or none
# ((分机801), （转801）, [ext 801], 【分机801】), with or without spaces (tester 5, F2).
_EXTENSION_WORD = r"(?:转|轉|分机号?|分機號?|ext(?:ension)?\.?|x|#)"
_EXTENSION = re.compile(rf"^(?P<main>.+?)\s*{_EXTENSION_WORD}\s*:?\s*(?P<ext>\d{{1,6}})$", re.IGNORECASE)
_BRACKETED_EXTENSION = re.compile(rf"[(\[【〔〖{{]\s*({_EXTENSION_WORD})\s*:?\s*(\d{{1,6}})\s*[)\]】〕〗}}]",
                                  re.IGNORECASE)
_TRAILING_EXTENSION = re.compile(r"^(?P<main>.+?\d)\s*-\s*(?P<ext>\d{1,6})$")
PHONE_MESSAGE = "联系电话应为手机号或带区号的座机号（如 139 1234 5678、0356-6012345 转 801）"


# What a number itself is written with; phonenumbers would also read "王经理 13912345678" (it skips
# text before the number), so anything else beside the number is the caller's to find (split_phones).
_PHONE_CHARACTERS = re.compile(r"[+\d\s().\-]+")


def _parse_phone(text: str) -> tuple[phonenumbers.PhoneNumber | None, str | None]:
    candidates = [(text, None)]
    for pattern in (_EXTENSION, _TRAILING_EXTENSION):
        found = pattern.match(text)
        if found:
            candidates.append((found["main"], found["ext"]))
    for main, extension in candidates:
        if not _PHONE_CHARACTERS.fullmatch(main):
            continue
        try:
            number = phonenumbers.parse(main, "CN")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number, extension or number.extension
    return None, None


def canonical_phone(number: phonenumbers.PhoneNumber, extension: str | None = None) -> str:
    """One stored form (≤ 32 characters): a Chinese mobile as 11 digits (13912345678), a Chinese
    landline as 0area-number[-extension] (0356-6012345-801), a service number as its digits
    (4008108888), any other country's number as E.164 (+16502530000[-ext])."""
    suffix = f"-{extension}" if extension else ""
    if number.country_code != 86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) + suffix
    national = phonenumbers.national_significant_number(number)
    area = phonenumbers.length_of_geographical_area_code(number)
    if area:
        return f"0{national[:area]}-{national[area:]}{suffix}"
    return national + suffix


PHONE_MOBILE_EXTENSION_MESSAGE = "联系电话为手机号时不带分机号，请只填11位手机号（分机号只用于座机，如 0356-6012345 转 801）"


def _is_mobile_number(number: phonenumbers.PhoneNumber) -> bool:
    return phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE


PHONE_SEVERAL_MESSAGE = "联系电话只填一个号码（手机号或带区号的座机号），其他号码请写在问题描述中"
PHONE_WORDS_MESSAGE = "联系电话只填号码，不要写姓名或说明（姓名填在“联系人”）"
# Between two numbers people write / 、 , ， ; ； | 或 or spaces; a bracket without digits is a name
# or a remark ((0356)6012345 keeps its area code).
_PHONE_SEPARATOR = re.compile(r"\s*(?:[/、,，;；|]|或)\s*")
_PHONE_REMARK = re.compile(r"\(([^()\d]*)\)")
# words, then the number (which may end in an extension: 转801), then words: "王经理 13912345678",
# "电话：0356-6012345 转 801", "13912345678 王经理"
_WORDS_AROUND = re.compile(r"^(?P<before>[^\d+(]*?)\s*(?P<number>[+(\d].*\d)\s*(?P<after>[^\d]*)$")


def _phone_text(value: Any) -> str:
    text = normalize_text(value).replace("（", "(").replace("）", ")").replace("—", "-").replace("－", "-")
    return _BRACKETED_EXTENSION.sub(r" \1\2", text).strip()  # "0356 6012345（分机801）" → "… 分机801"


def _two_numbers(text: str) -> list[str]:
    """Two valid numbers separated by one space (the only space a normalised text has left)."""
    tokens = text.split(" ")
    for cut in range(1, len(tokens)):
        left, right = _parse_phone(" ".join(tokens[:cut])), _parse_phone(" ".join(tokens[cut:]))
        if left[0] is not None and right[0] is not None:
            return [canonical_phone(*left), canonical_phone(*right)]
    return []


def split_phones(value: Any) -> tuple[list[str], str]:
    """The valid phones in a contact-phone text that holds more than one number or words besides
    the number, before or after it ("13912345678/13812345678", "0356-6012345，13912345678",
    "139 1234 5678（王经理）", "王经理 13912345678"):
    each in its stored form (canonical_phone), in the order written, and the words that are not a
    number ("王经理"), joined by a space. ([], "") for a text without any valid number."""
    text = _phone_text(value)
    words = [w.strip() for w in _PHONE_REMARK.findall(text) if w.strip()]
    text = _PHONE_REMARK.sub(" ", text)
    phones: list[str] = []
    for part in filter(None, (p.strip() for p in _PHONE_SEPARATOR.split(text))):
        around = _WORDS_AROUND.match(part)
        if around is None:
            words.append(part)
            continue
        number, extension = _parse_phone(around["number"])
        if number is not None and extension and _is_mobile_number(number):  # "13912345678 转 12"
            phones.append(canonical_phone(number))
            words.append(f"转{extension}")
        elif number is not None:
            phones.append(canonical_phone(number, extension))
        elif halves := _two_numbers(around["number"]):  # "13912345678 13812345678"
            phones.extend(halves)
        else:
            words.append(part)
            continue
        words.extend(w for w in (around["before"].strip(), around["after"].strip()) if w)
    return (phones, " ".join(words)) if phones else ([], "")


def check_phone(value: Any) -> tuple[str, str | None]:
    """The phone as stored (see canonical_phone) and an error message, or None. Accepts what
    people write: +86 / 0086, spaces, hyphens, dots, brackets around the area code, full-width
    digits, invisible characters, an extension after 转/分机/分机号/ext/extension/x/# (a colon, brackets
    of any width around it: “（分机801）”) or a trailing hyphen (a landline's
    only: a mobile with one is refused, PHONE_MOBILE_EXTENSION_MESSAGE, and returned without it). Two
    numbers in one field, or a name beside the number, are refused with a message that says so
    (PHONE_SEVERAL_MESSAGE, PHONE_WORDS_MESSAGE); the value returned then is the first number."""
    text = _phone_text(value)
    if not text:
        return "", None
    phones, _words = split_phones(text)
    if len(phones) > 1:  # before the whole text: phonenumbers reads "…;139…" as an extension
        return phones[0], PHONE_SEVERAL_MESSAGE
    number, extension = _parse_phone(text)
    if number is not None and extension and _is_mobile_number(number):  # a mobile has no extension
        return canonical_phone(number), PHONE_MOBILE_EXTENSION_MESSAGE
    if number is not None:
        return canonical_phone(number, extension), None
    if phones:
        return phones[0], PHONE_WORDS_MESSAGE
    return text[:32], PHONE_MESSAGE


def is_mobile(phone: str | None) -> bool:
    """A stored phone (canonical_phone) that can receive SMS: a Chinese mobile number."""
    return bool(phone and MOBILE.match(phone))


def check_email(value: Any) -> tuple[str, str | None]:
    """The normalised address and an error message, or None. Internationalised local parts
    (王经理@example.com) are accepted: they are delivered with SMTPUTF8 where the server offers it
    and otherwise become a task for the office (appeals.notify)."""
    email = normalize_text(value)
    if not email:
        return "", None
    try:
        return validate_email(email, check_deliverability=False).normalized, None
    except EmailNotValidError:
        return email, "电子邮箱格式不正确"


def as_typed(value: Any) -> str | None:
    """A refused value as the user typed it, for the correction (补正) to show: one line of text
    (normalize_text without NFKC: invisible characters gone, spaces collapsed, full-width kept), never
    its canonical form, the first of several numbers or a cut. None for a blank value."""
    return normalize_text(value, fold=False) or None


def validate_registration(values: Mapping[str, Any], require_credit_code: bool = True) -> ValidationResult:
    """The registration's values normalised (`normalized`) and the reasons it is refused (`errors`,
    Chinese, each starting with the field's label). One rule for every channel (tester 5, F1): a value
    that is accepted is stored in its canonical form (credit code upper case without separators, phone
    by canonical_phone, e-mail normalised); a value that is refused stays as typed (`as_typed`), so the
    office's correction form (补正登记信息) shows what was refused and nothing typed is lost — a second
    phone number included."""
    result = ValidationResult()
    for key, (label, limit) in LIMITS.items():
        text = normalize_free_text(values.get(key)) if key in MULTILINE else normalize_text(
            values.get(key), fold=key not in FREE_TEXT)
        if len(text) > limit:
            result.errors.append(f"{label}超过{limit}字")
        result.normalized[key] = text or None
    for key, label in REQUIRED.items():
        if not normalize_text(values.get(key)):
            result.errors.append(f"缺少{label}")
    code, error = check_credit_code(values.get("creditCode"))
    result.normalized["creditCode"] = code or None
    if error and (require_credit_code or code):
        result.errors.append(error)
        result.normalized["creditCode"] = as_typed(values.get("creditCode"))
    phone, error = check_phone(values.get("contactPhone"))
    result.normalized["contactPhone"] = phone or None
    if error and phone:
        result.errors.append(error)
        result.normalized["contactPhone"] = as_typed(values.get("contactPhone"))
    email, error = check_email(values.get("contactEmail"))
    result.normalized["contactEmail"] = email or None
    if error:
        result.errors.append(error)
        result.normalized["contactEmail"] = as_typed(values.get("contactEmail"))
    for key, allowed, label in (("channel", set(Channel), "反映形式"), ("category", set(Category), "问题类别"),
                                ("appealKind", set(AppealKind), "诉求类型")):
        value = normalize_text(values.get(key))
        result.normalized[key] = value or None
        if value and value not in allowed:
            result.errors.append(f"{label}“{value[:20]}”不在规定范围内")
            result.normalized[key] = as_typed(values.get(key))
    if not result.normalized.get("channel"):
        result.errors.append("缺少反映形式")
    return result
