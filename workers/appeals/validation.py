"""Validation of registration data (spec §4): credit code, phone, e-mail, required fields, sizes.

Used by the intake worker and the public intake page; messages are Chinese, for the office and the
enterprise. Values are normalised (full-width characters, spaces, case) before they are checked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc

from .vocabulary import AppealKind, Category, Channel

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LIMITS = {"enterpriseName": ("企业名称", 100), "enterpriseAddress": ("详细地址", 200),
          "contactName": ("联系人", 50), "contactPosition": ("职务", 50), "externalId": ("来源编号", 64),
          "problemDescription": ("主要困难和问题", 5000), "requestedHelp": ("希望协调解决的具体事项", 5000)}
REQUIRED = {"enterpriseName": "企业名称", "contactName": "联系人", "contactPhone": "联系电话",
            "problemDescription": "主要困难和问题"}


@dataclass
class ValidationResult:
    normalized: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


FREE_TEXT = {"enterpriseName", "enterpriseAddress", "contactName", "contactPosition", "problemDescription",
             "requestedHelp"}


def normalize_text(value: Any, fold: bool = True) -> str:
    """No control characters, trimmed; `fold`: NFKC as well (full-width digits and letters → ASCII),
    for codes and numbers only: free Chinese text keeps its full-width punctuation."""
    if value is None:
        return ""
    text = str(value)
    if fold:
        text = unicodedata.normalize("NFKC", text)
    return CONTROL.sub("", text).strip()


def check_credit_code(value: Any) -> tuple[str, str | None]:
    """The normalised 统一社会信用代码 and an error message, or None if it is valid."""
    code = re.sub(r"\s", "", normalize_text(value)).upper()
    if not code:
        return code, "缺少统一社会信用代码"
    try:
        return uscc.validate(code), None
    except stdnum_errors.InvalidLength:
        return code, f"统一社会信用代码应为18位（现为{len(code)}位）"
    except stdnum_errors.InvalidFormat:
        return code, "统一社会信用代码含有不允许的字符（不使用I、O、Z、S、V）"
    except stdnum_errors.InvalidChecksum:
        return code, "统一社会信用代码校验位不正确，请与企业核对"
    except stdnum_errors.ValidationError:
        return code, "统一社会信用代码无效"


def check_phone(value: Any) -> tuple[str, str | None]:
    phone = re.sub(r"[\s()（）]", "", normalize_text(value)).replace("—", "-")
    if phone.startswith("+86"):
        phone = phone[3:]
    if MOBILE.match(phone) or LANDLINE.match(phone):
        return phone, None
    return phone, "联系电话应为11位手机号或带区号的座机号"


def check_email(value: Any) -> tuple[str, str | None]:
    email = normalize_text(value)
    if not email:
        return "", None
    try:
        return validate_email(email, check_deliverability=False).normalized, None
    except EmailNotValidError:
        return email, "电子邮箱格式不正确"


def validate_registration(values: Mapping[str, Any], require_credit_code: bool = True) -> ValidationResult:
    result = ValidationResult()
    for key, (label, limit) in LIMITS.items():
        text = normalize_text(values.get(key), fold=key not in FREE_TEXT)
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
    phone, error = check_phone(values.get("contactPhone"))
    result.normalized["contactPhone"] = phone or None
    if error and phone:
        result.errors.append(error)
    email, error = check_email(values.get("contactEmail"))
    result.normalized["contactEmail"] = email or None
    if error:
        result.errors.append(error)
    for key, allowed, label in (("channel", set(Channel), "反映形式"), ("category", set(Category), "问题类别"),
                                ("appealKind", set(AppealKind), "诉求类型")):
        value = normalize_text(values.get(key))
        if value and value not in allowed:
            result.errors.append(f"{label}“{value[:20]}”不在规定范围内")
        result.normalized[key] = value or None
    if not result.normalized.get("channel"):
        result.errors.append("缺少反映形式")
    return result
