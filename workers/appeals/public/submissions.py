"""The fields of the public pages and their checks.

Every rule comes from `appeals.validation` (the same checks the intake worker runs): this module
only decides which of its messages belongs next to which field, and which fields the public
questionnaire requires on top (address, category, kind, requested help, the consent box).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..validation import (
    LIMITS,
    REQUIRED,
    TYPED_LIMITS,
    check_phone,
    normalize_free_text,
    normalize_text,
    validate_registration,
)
from ..vocabulary import APPEAL_KIND_LABELS, CATEGORY_LABELS, SATISFACTION_LABELS, Channel, FollowUpMethod

CHANNEL = Channel.ONLINE


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, tel, email, textarea, select, radio
    required: bool = False
    max_length: int | None = None
    hint: str = ""
    autocomplete: str = "off"
    inputmode: str | None = None
    choices: tuple[tuple[str, str], ...] = ()


def _limit(name: str) -> int | None:
    """The field's maxlength: the one definition in appeals.validation (LIMITS, TYPED_LIMITS)."""
    return LIMITS[name][1] if name in LIMITS else TYPED_LIMITS.get(name)


# The extra required fields of the public questionnaire (a staff member is not there to ask).
PUBLIC_REQUIRED = {"enterpriseAddress": "企业地址", "category": "问题类别", "appealKind": "诉求类型",
                   "requestedHelp": "希望协调解决的具体事项"}
_REQUIRED = set(REQUIRED) | set(PUBLIC_REQUIRED) | {"creditCode"}

INTAKE_FIELDS: tuple[Field, ...] = (
    Field("enterpriseName", "企业名称", max_length=_limit("enterpriseName"), autocomplete="organization",
          hint="与营业执照一致"),
    Field("creditCode", "统一社会信用代码", max_length=_limit("creditCode"), hint="营业执照上的18位代码", autocomplete="off"),
    Field("enterpriseAddress", "企业地址", max_length=_limit("enterpriseAddress"), autocomplete="street-address"),
    Field("contactName", "联系人", max_length=_limit("contactName"), autocomplete="name"),
    Field("contactPosition", "职务", max_length=_limit("contactPosition"), autocomplete="organization-title"),
    Field("contactPhone", "联系电话", kind="tel", max_length=_limit("contactPhone"), autocomplete="tel", inputmode="tel",
          hint="手机号，或带区号的座机号，如 139 1234 5678、0356-6012345 转 801"),
    Field("contactEmail", "电子邮箱", max_length=_limit("contactEmail"), autocomplete="email", inputmode="email",
          hint="选填"),
    Field("category", "问题类别", kind="select", choices=tuple(CATEGORY_LABELS.items())),
    Field("appealKind", "诉求类型", kind="radio", choices=tuple(APPEAL_KIND_LABELS.items())),
    Field("problemDescription", "主要困难和问题", kind="textarea", max_length=_limit("problemDescription"),
          hint="请写明发生了什么、影响多大、已向哪些单位反映过"),
    Field("requestedHelp", "希望协调解决的具体事项", kind="textarea", max_length=_limit("requestedHelp")),
)
INTAKE_FIELDS = tuple(replace(f, required=f.name in _REQUIRED) for f in INTAKE_FIELDS)
FIELD_NAMES = tuple(f.name for f in INTAKE_FIELDS)

# The label that starts each message of validate_registration, and the field it belongs to.
_LABELS = {label: name for name, (label, _limit_) in LIMITS.items()}
_LABELS.update({label: name for name, label in REQUIRED.items()})
_LABELS.update({"统一社会信用代码": "creditCode", "联系电话": "contactPhone", "电子邮箱": "contactEmail",
                "问题类别": "category", "诉求类型": "appealKind"})
_BY_LENGTH = sorted(_LABELS, key=len, reverse=True)


def _field_of(message: str) -> str | None:
    text = message.removeprefix("缺少")
    for label in _BY_LENGTH:
        if text.startswith(label):
            return _LABELS[label]
    return None


@dataclass
class IntakeResult:
    values: dict[str, str]  # as typed (shown again on error)
    variables: dict[str, Any] = field(default_factory=dict)  # normalised, for the engine
    errors: dict[str, list[str]] = field(default_factory=dict)
    form_errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors and not self.form_errors


def read_intake(form: Mapping[str, Any]) -> IntakeResult:
    """Check a submitted questionnaire with appeals.validation; messages per field."""
    values = {name: str(form.get(name) or "")[:20_000] for name in FIELD_NAMES}
    result = IntakeResult(values=values)
    checked = validate_registration({**values, "channel": CHANNEL})
    for message in checked.errors:
        name = _field_of(message)
        if name is None:
            result.form_errors.append(message)
        else:
            result.errors.setdefault(name, []).append(message)
    for name, label in PUBLIC_REQUIRED.items():
        if not normalize_text(values.get(name)) and name not in result.errors:
            result.errors[name] = [f"缺少{label}"]
    if not form.get("agree"):
        result.errors["agree"] = ["请阅读并同意个人信息使用说明后提交"]
    result.variables = {k: v for k, v in checked.normalized.items() if k in FIELD_NAMES or k == "channel"}
    return result


# --------------------------------------------------------------------------- lookup
# The year of a 登记编号 as people write it (tester 3, N5): in brackets of any shape or width (（2026）,
# [2026], 【2026】, 〔2026〕, 〖2026〗, one of the pair left off) or between dashes (-2026-, 2026-21), or
# followed by 年 or 第; then the serial, 第 and 号 optional. Anything else — a year not of 4 digits,
# digits run together (202621) — is refused, never guessed.
_OPEN = r"(?:[(\[{<【〔〖「『《〈]|[-‐‑‒–—―_])"
_CLOSE = r"(?:[)\]}>】〕〗」』》〉]|[-‐‑‒–—―_]|年|(?=第))"
_NUMBER = re.compile(rf"^(?P<prefix>.*?)(?:服企办收)?{_OPEN}?(?P<year>\d{{4}}){_CLOSE}第?(?P<serial>\d{{1,7}})号?$")
_TOKEN = re.compile(r"^(?:WEB-?)?(?P<token>[0-9A-F]{16})$")
# The lookup form's maxlength per field: a 登记编号 or receipt token (parse_lookup_key reads up to 64
# characters), the phone as the questionnaire takes it (tester 5, F3: 20 cut "(0356) 6012345 分机 801").
LOOKUP_LIMITS = {"number": 64, "phone": TYPED_LIMITS["contactPhone"]}
LOOKUP_READ = 200  # what the server reads of a lookup field: more than any form lets through


@dataclass(frozen=True)
class LookupKey:
    registration_number: str | None = None
    business_key: str | None = None


def parse_lookup_key(raw: Any, prefix: str) -> LookupKey | None:
    """A 登记编号 or a receipt token. The number's year may stand in brackets of any shape and width or
    between dashes (乙县服企办收【2026】第21号, [2026], -2026-, 2026-21: `_NUMBER`), the county prefix and
    服企办收 may be left out (`prefix` is the site's county's). None for anything else."""
    text = re.sub(r"\s", "", normalize_text(raw))
    if not text or len(text) > LOOKUP_LIMITS["number"]:
        return None
    token = _TOKEN.match(text.upper())
    if token:
        return LookupKey(business_key=f"WEB-{token['token']}")
    number = _NUMBER.match(text)
    if not number:
        return None
    given = number["prefix"].removesuffix("服企办收")
    if re.search(r"\d$", given):  # digits run into the year (12026-21): which is the year?
        return None
    if given and given != prefix:
        prefix = given
    return LookupKey(registration_number=f"{prefix}服企办收（{number['year']}）第{int(number['serial'])}号")


def phone_digits(value: Any) -> str:
    phone, _error = check_phone(value)
    return re.sub(r"\D", "", phone)


def phone_line(value: Any) -> tuple[str, str]:
    """(the number's digits without extension, the extension or "") of a phone as anyone writes it,
    read through `check_phone`'s stored form (0356-6012345-801: a landline keeps its area hyphen, any
    other number has none, so one more hyphen starts the extension). ("", "") for no valid phone."""
    phone, error = check_phone(value)
    if error or not phone:
        return "", ""
    if phone.count("-") == (2 if phone.startswith("0") else 1):
        main, extension = phone.rsplit("-", 1)
    else:
        main, extension = phone, ""
    return re.sub(r"\D", "", main), extension


def same_phone(typed: Any, stored: Any) -> bool:
    """Whether the phone typed at a lookup names the line stored with the appeal: the same number,
    and the same extension where both give one (an extension left off on either side still matches:
    0356-6012345 finds 0356-6012345 转 801 and the other way round; 转 801 never finds 转 802)."""
    typed_main, typed_extension = phone_line(typed)
    stored_main, stored_extension = phone_line(stored)
    if not typed_main or not stored_main:
        return False
    same_main = hmac.compare_digest(typed_main.encode(), stored_main.encode())
    return same_main and (not typed_extension or not stored_extension or typed_extension == stored_extension)


# --------------------------------------------------------------------------- survey
SURVEY_NOTE_LIMIT = 500
SOLVED_CHOICES = (("yes", "是，问题已真实解决"), ("no", "否，问题没有真正解决"))
SATISFACTION_CHOICES = tuple(SATISFACTION_LABELS.items())


@dataclass
class SurveyResult:
    values: dict[str, str]
    variables: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


def read_survey(form: Mapping[str, Any]) -> SurveyResult:
    values = {name: str(form.get(name) or "")[:20_000] for name in ("reallySolved", "satisfaction", "note")}
    result = SurveyResult(values=values)
    solved = normalize_text(values["reallySolved"])
    satisfaction = normalize_text(values["satisfaction"])
    note = normalize_free_text(values["note"])  # the enterprise's words as typed (no NFKC)
    if solved not in dict(SOLVED_CHOICES):
        result.errors["reallySolved"] = ["请选择问题是否真实解决"]
    if satisfaction not in SATISFACTION_LABELS:
        result.errors["satisfaction"] = ["请选择满意度"]
    if len(note) > SURVEY_NOTE_LIMIT:
        result.errors["note"] = [f"意见建议超过{SURVEY_NOTE_LIMIT}字"]
    result.variables = {"reallySolved": solved, "satisfaction": satisfaction,
                        "followUpNote": note, "followUpMethod": FollowUpMethod.ONLINE}
    return result
