"""Date-times as Chinese hotline exports and feeds write them (issue 12, kind 8c).

No maintained library reads these forms well: dateparser has no 时/分 forms and guesses
ambiguous orders. The forms are few and fixed, so this is one small parser, tested with generated
variants (tests/unit/test_input_rules.py). Accepted (after NFKC, so full-width digits and colons count):

- ISO 8601 / W3C: 2026-11-06T15:20:00+08:00, 2026-11-06 15:20, …Z, +0800
- year-month-day with -, /, . or 年月日, no or any spaces, an optional time after it (after 日 at once,
  else after a space or T: 2026/11/615:20 is ambiguous and refused):
  2026年11月6日15时20分, 2026年11月6日 15:20:05, 2026/11/6 15:20, 2026.11.06 下午3点20分, 2026-11-6 9:05
  (时/点 … 分 … 秒, or colons; 上午/下午/晚上/中午/凌晨 shift a 12-hour clock)
- compact digits: 20261106, 202611061520, 20261106152000
- Excel serial numbers (1900 date system), when the caller allows them: 46332.6388889
- Chinese numerals anywhere in these forms (tester 5, F9), read by the `cn2an` library:
  二〇二六年十一月二十六日, 二零二六年十一月二十六日下午三点二十分; 九点半 is 9:30; the short tens 廿 (20),
  卅 (30), 卌 (40) (2026年十一月廿九日, 十月卅一日) and the circles typed for 〇 (二○二六, ◯) (tester 6, N8)
- month and day without a year, with 月 and 日 (11月25日 9:30, 十一月二十五日): the latest year in which
  that moment is not after `now` (the import's time), so an export made in January reads 12月31日 as
  last year's

A value without an offset is Beijing time. Anything else is BadTime: the caller quarantines the
record with the text it could not read.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from typing import Any

import cn2an

from ..validation import normalize_text
from ..workdays import SHANGHAI

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_HALF_DAY = {"上午": 0, "凌晨": 0, "早上": 0, "中午": 12, "下午": 12, "晚上": 12}
_DATE_TIME = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?:\s*日|(?=\s|T|$))"
    r"(?:\s*T?\s*(?P<half>上午|下午|晚上|中午|凌晨|早上)?\s*(?P<H>\d{1,2})\s*(?:[:时点]\s*(?P<M>\d{1,2})?\s*分?"
    r"(?:\s*:?\s*(?P<S>\d{1,2}(?:\.\d+)?)\s*秒?)?)?)?$"
)
_NUMERALS = re.compile(r"[〇○◯零一二两三四五六七八九十廿卅卌]+")
# what cn2an's "normal" mode does not read, spelt as it does: the short tens and the circles for 〇
_SPELT_OUT = str.maketrans({"廿": "二十", "卅": "三十", "卌": "四十", "○": "〇", "◯": "〇"})
_HALF_HOUR = re.compile(r"(\d{1,2})\s*([点时])\s*半")
_WITHOUT_YEAR = re.compile(r"^(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日(?P<rest>.*)$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:[ T]?(\d{2})(\d{2})(\d{2})?)?$")


class BadTime(ValueError):
    """A date/time value that cannot be read."""


def parse_datetime(value: Any, allow_serial: bool = False, now: dt.datetime | None = None) -> dt.datetime | None:
    """An aware datetime from the forms above, a datetime/date, or an Excel serial.

    `now` (aware; default: the current time) places a month and day written without a year. Empty →
    None; unreadable → BadTime (its text is the value as given).
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=SHANGHAI)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if allow_serial and 1 <= value < 2958466:  # Excel's 1900 date system (up to 9999-12-31)
            moment = EXCEL_EPOCH + dt.timedelta(days=float(value))
            return (moment + dt.timedelta(microseconds=500_000)).replace(microsecond=0, tzinfo=SHANGHAI)
        raise BadTime(str(value))
    text = normalize_text(value)
    if not text:
        return None
    if allow_serial and re.fullmatch(r"\d{5}(\.\d+)?", text):
        return parse_datetime(float(text), allow_serial=True)
    try:
        read = _arabic(text)
        parsed = _iso(read) or _chinese(read) or _compact(read) or _without_year(read, now)
    except BadTime:
        parsed = None
    if parsed is None:
        raise BadTime(text)  # the text as given, not as read
    return parsed


def _arabic(text: str) -> str:
    """`text` with each run of Chinese numerals as Arabic digits (cn2an: 二〇二六 → 2026, 二十六 → 26,
    两 → 2; 廿九 → 29, 卅一 → 31, 二○二六 → 2026 spelt out first) and 九点半 as 9点30分; BadTime for a run cn2an cannot read."""
    def number(run: re.Match[str]) -> str:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return str(cn2an.cn2an(run[0].translate(_SPELT_OUT), "normal"))
        except ValueError as exc:
            raise BadTime(text) from exc

    return _HALF_HOUR.sub(r"\1\2 30分", _NUMERALS.sub(number, text))


def _without_year(text: str, now: dt.datetime | None) -> dt.datetime | None:
    found = _WITHOUT_YEAR.match(text)
    if not found:
        return None
    reference = (now or dt.datetime.now(SHANGHAI)).astimezone(SHANGHAI)
    for year in range(reference.year, reference.year - 8, -1):  # 2月29日 waits for a leap year
        try:
            moment = _chinese(f"{year}年{found['m']}月{found['d']}日{found['rest']}")
        except BadTime:
            continue
        if moment is None:
            return None
        if moment <= reference:
            return moment
    raise BadTime(text)


def _iso(text: str) -> dt.datetime | None:
    iso = text.replace("Z", "+00:00").replace("z", "+00:00")
    if re.search(r"[+-]\d{4}$", iso):
        iso = f"{iso[:-2]}:{iso[-2:]}"
    try:
        parsed = dt.datetime.fromisoformat(iso)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


def _build(text: str, *parts: int, second: float = 0.0) -> dt.datetime:
    try:
        whole = int(second)
        return dt.datetime(*parts, whole, int(round((second - whole) * 1_000_000)) % 1_000_000,
                           tzinfo=SHANGHAI)
    except ValueError as exc:
        raise BadTime(text) from exc


def _chinese(text: str) -> dt.datetime | None:
    found = _DATE_TIME.match(text)
    if not found:
        return None
    hour = int(found["H"] or 0)
    if found["half"]:
        if hour > 12:
            raise BadTime(text)
        hour = hour % 12 + _HALF_DAY[found["half"]]
    return _build(text, int(found["y"]), int(found["m"]), int(found["d"]), hour, int(found["M"] or 0),
                  second=float(found["S"] or 0))


def _compact(text: str) -> dt.datetime | None:
    found = _COMPACT.match(text)
    if not found:
        return None
    y, m, d, hour, minute, second = (int(p) if p else 0 for p in found.groups())
    return _build(text, y, m, d, hour, minute, second=second)
