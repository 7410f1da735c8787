"""Registration validation (spec §4): credit code check character, phone, e-mail, hostile text."""

from __future__ import annotations

from decimal import ROUND_HALF_UP

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appeals.validation import (
    check_credit_code,
    check_email,
    check_phone,
    validate_registration,
    whole_workdays,
)

FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")

VALID = {
    "enterpriseName": "某县恒达机械制造有限公司", "creditCode": "91140525MA0K2U7X4L", "contactName": "王经理",
    "contactPhone": "13912345678", "problemDescription": "用电报装慢", "channel": "visit",
}


def test_credit_code_check_character() -> None:
    assert check_credit_code("91140525MA0K2U7X4L") == ("91140525MA0K2U7X4L", None)
    assert check_credit_code(" 91140525ma0k2u7x4l ")[1] is None, "case and spaces are normalised"
    assert check_credit_code("９１１４０５２５ＭＡ０Ｋ２Ｕ７Ｘ４Ｌ")[1] is None, "full-width characters are normalised"
    assert "校验位" in check_credit_code("91140525MA0K2U7X4B")[1]
    assert "18位" in check_credit_code("9114052")[1]
    assert check_credit_code("")[1] == "缺少统一社会信用代码"


def test_phone_and_email() -> None:
    assert check_phone("139 1234 5678") == ("13912345678", None)
    assert check_phone("0356-6012345")[1] is None
    assert check_phone("+8613912345678") == ("13912345678", None)
    assert check_phone("12345")[1]
    assert check_email("")[1] is None
    assert check_email("a@example.com")[1] is None
    assert check_email("not-an-email")[1] == "电子邮箱格式不正确"


def test_valid_registration_is_normalised() -> None:
    result = validate_registration({**VALID, "enterpriseName": "  某县公司\x00 "})
    assert result.valid, result.errors
    assert result.normalized["enterpriseName"] == "某县公司"


def test_invalid_registration_lists_every_reason() -> None:
    result = validate_registration({**VALID, "creditCode": "91140525MA0K2U7X4B", "contactName": "",
                                    "channel": "fax", "problemDescription": "x" * 5001})
    assert not result.valid
    joined = "；".join(result.errors)
    for reason in ("校验位", "缺少联系人", "反映形式“fax”", "主要困难和问题超过5000字"):
        assert reason in joined


def test_hostile_text_is_kept_literally() -> None:
    hostile = "<w:p>&{{ 7*7 }}<script>alert(1)</script>😀"
    result = validate_registration({**VALID, "problemDescription": hostile})
    assert result.valid
    assert result.normalized["problemDescription"] == hostile


def test_free_text_keeps_chinese_punctuation_but_codes_are_folded() -> None:
    result = validate_registration({**VALID, "problemDescription": "用电报装慢，已两个月（急）！",
                                    "externalId": "ＧＤ２０２６"})
    assert result.normalized["problemDescription"] == "用电报装慢，已两个月（急）！"
    assert result.normalized["externalId"] == "GD2026"


# --------------------------------------------------------------------------- working days (finding 6)
@given(st.decimals(min_value=0, max_value=60, places=2, allow_nan=False, allow_infinity=False))
def test_any_number_of_days_becomes_one_whole_number_rounded_half_up(days) -> None:
    expected = max(int(days.to_integral_value(rounding=ROUND_HALF_UP)), 1)
    assert whole_workdays(float(days)) == whole_workdays(format(days, "f")) == expected
    assert whole_workdays(format(days, "f").translate(FULL_WIDTH) + "天") == expected


@pytest.mark.parametrize(("asked", "days"), [(3, 3), (3.0, 3), (2.5, 3), (2.4, 2), ("３", 3), ("3个工作日", 3),
                                             (" 5 天", 5), (0, 1), (-2, 1), (None, 1)])
def test_whole_workdays_examples(asked, days) -> None:
    assert whole_workdays(asked) == days


@pytest.mark.parametrize("asked", ["三天", "NaN", "Infinity", True, "2-3", "1e1", "2E0", "1 2", "0x3", "1_0", "１e１"])
def test_whole_workdays_refuses_what_is_not_a_number(asked) -> None:
    with pytest.raises(ValueError, match="工作日数应为整数"):
        whole_workdays(asked)
