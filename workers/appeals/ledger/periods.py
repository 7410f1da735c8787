"""Report periods: a month, a quarter, a half year or a year, as a half-open range of Asia/Shanghai days.

    Period.parse("2026-10")            # 2026年10月: [2026-10-01, 2026-11-01)
    Period.parse("2026-10", "quarter")  # the quarter containing October: 2026年第四季度
    Period.parse("2026-Q3"), Period.parse("2026-H1"), Period.parse("2026")
    Period.parse("2026-10-09..2026-10-21")  # any days: [2026-10-09, 2026-10-21), a DateRange
    Period.parse("2026年11月"), Period.parse("2026年第三季度"), Period.parse("2026年10月9日至20日")
    (every spelling: `parse_period`; errors are PeriodError, in Chinese)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..validation import normalize_text
from ..workdays import SHANGHAI

KINDS = ("month", "quarter", "half", "year")
RANGE = "range"
_MONTHS_PER = {"month": 1, "quarter": 3, "half": 6, "year": 12}
_QUARTERS = "一二三四"


class _HalfOpenDays:
    """[start, end) in Asia/Shanghai, for anything with `start` and `end` dates."""

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), tzinfo=SHANGHAI)

    @property
    def end_at(self) -> dt.datetime:
        return dt.datetime.combine(self.end, dt.time(), tzinfo=SHANGHAI)

    def contains(self, moment: dt.datetime) -> bool:
        return self.start_at <= moment < self.end_at


@dataclass(frozen=True, order=True)
class Period(_HalfOpenDays):
    year: int
    first_month: int
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"period kind {self.kind!r}; one of {', '.join(KINDS)}")
        if (self.first_month - 1) % _MONTHS_PER[self.kind]:
            raise ValueError(f"a {self.kind} cannot start in month {self.first_month}")

    # -- construction
    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(year, month, "month")

    @classmethod
    def containing(cls, day: dt.date, kind: str = "month") -> Period:
        size = _MONTHS_PER[kind]
        return cls(day.year, (day.month - 1) // size * size + 1, kind)

    @classmethod
    def parse(cls, text: str, kind: str | None = None) -> Period | DateRange:
        """A period as people type it (`parse_period`); with `kind` a month, quarter or half becomes
        the quarter/half/year containing it. Raises PeriodError (a ValueError, Chinese text)."""
        found = parse_period(text)
        if kind is not None and isinstance(found, Period) and kind != found.kind:
            return cls.containing(found.start, kind)
        return found

    # -- bounds
    @property
    def months(self) -> int:
        return _MONTHS_PER[self.kind]

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.date:
        """The first day after the period (exclusive bound)."""
        index = self.year * 12 + self.first_month - 1 + self.months
        return dt.date(index // 12, index % 12 + 1, 1)


    # -- navigation
    def previous(self) -> Period:
        return Period.containing(self.start - dt.timedelta(days=1), self.kind)

    def next(self) -> Period:
        return Period.containing(self.end, self.kind)

    def month_periods(self) -> list[Period]:
        return [Period.month(self.year, self.first_month + i) for i in range(self.months)]

    def quarters(self) -> list[Period]:
        return [Period(self.year, m, "quarter") for m in range(self.first_month, self.first_month + self.months, 3)]

    # -- names
    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.year}-{self.first_month:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{(self.first_month - 1) // 3 + 1}"
        if self.kind == "half":
            return f"{self.year}-H{(self.first_month - 1) // 6 + 1}"
        return str(self.year)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.year}年{self.first_month}月"
        if self.kind == "quarter":
            return f"{self.year}年第{_QUARTERS[(self.first_month - 1) // 3]}季度"
        if self.kind == "half":
            return f"{self.year}年{'上' if self.first_month == 1 else '下'}半年"
        return f"{self.year}年度"

    @property
    def short_label(self) -> str:
        if self.kind == "month":
            return f"{self.year % 100:02d}年{self.first_month}月"
        return self.label

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True)
class DateRange(_HalfOpenDays):
    """Any half-open range of Asia/Shanghai days, [start, end): the figures of an arbitrary period."""

    start: dt.date
    end: dt.date
    kind: str = RANGE

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"an empty range: {self.start} .. {self.end}")

    @property
    def year(self) -> int:
        return self.start.year


    @property
    def key(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def label(self) -> str:
        last = self.end - dt.timedelta(days=1)
        return f"{self.start.year}年{self.start.month}月{self.start.day}日至{last.year}年{last.month}月{last.day}日"

    short_label = label

    def __str__(self) -> str:
        return self.key


MIN_YEAR, MAX_YEAR = 2000, 2100  # periods outside are typing errors (9999-12 has no following month)
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}
_YEAR = r"(?P<y>\d{4})\s*(?:年度?)?"
_FORMS = (
    ("month", re.compile(r"(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<n>\d{1,2})\s*月?(?:份)?")),
    ("month", re.compile(r"(?P<y>\d{4})(?P<n>\d{2})")),
    ("quarter", re.compile(r"(?P<y>\d{4})\s*(?:[-/.]|年)?\s*(?:Q|第)\s*(?P<n>[1-4一二三四])\s*(?:季度?)?")),
    ("quarter", re.compile(r"(?P<y>\d{4})\s*年?\s*(?P<n>[1-4一二三四])\s*季度")),
    ("half", re.compile(r"(?P<y>\d{4})\s*(?:[-/.]|年)?\s*H\s*(?P<n>[12])")),
    ("half", re.compile(r"(?P<y>\d{4})\s*年?\s*(?P<n>[上下])\s*半年")),
    ("year", re.compile(_YEAR)),
)
_RANGE = re.compile(r"(?P<a>.+?)\s*(?P<sep>\.{2,3}|…|至|到|~)\s*(?P<b>.+)")
SPELLINGS = {
    "month": ("{y}-{m:02d}", "{y}年{m}月", "{y}/{m}"),
    "quarter": ("{y}-Q{q}", "{y}年第{qc}季度"),
    "half": ("{y}-H{h}", "{y}年{hc}半年"),
    "year": ("{y}", "{y}年"),
    RANGE: ("{y}-10-09..{y}-10-21", "{y}年10月9日至10月20日"),
}
"""What the hints show, per kind: format strings of `spell` (y year, m month, q/qc quarter as a digit or
in Chinese, h/hc half as a digit or 上/下); every one is read by `parse_period` (tests/unit/test_periods.py)."""
_SPELLING_NOTES = {RANGE: ("（末日不含）", "（含末日）")}


def spell(spelling: str, period: Period | None = None) -> str:
    """One of SPELLINGS for `period` (default the hints' example, 2026年11月 / 第三季度 / 上半年)."""
    year, month = (period.year, period.first_month) if period is not None else (2026, 11)
    quarter = (month - 1) // 3 + 1 if period is not None else 3
    half = (month - 1) // 6 + 1 if period is not None else 1
    return spelling.format(y=year, m=month, q=quarter, qc=_QUARTERS[quarter - 1], h=half, hc="上下"[half - 1])


def period_help(kinds: tuple[str, ...] = (*KINDS, RANGE)) -> str:
    """The Chinese hint for a channel that reads `kinds`: exactly the spellings it accepts."""
    parts = []
    for kind in kinds:
        notes = _SPELLING_NOTES.get(kind, ("",) * len(SPELLINGS[kind]))
        shown = [spell(spelling) + note for spelling, note in zip(SPELLINGS[kind], notes, strict=True)]
        parts.append("日期段 " + "、".join(shown) if kind == RANGE else f"{shown[0]}（或 {'、'.join(shown[1:])}）")
    return "请写作 " + "、".join(parts)


PERIOD_HELP = period_help()
MONTH_HELP = period_help(("month",))


class PeriodError(ValueError):
    """A period that cannot be read or is out of range; the text is Chinese, for the user."""


def parse_period(text: str) -> Period | DateRange:
    """A month, quarter, half year, year or range of days from what people type.

    After NFKC (full-width digits count) and trimming, case-insensitive:
    - month: 2026-11, 2026-1, 2026/11, 2026.11, 2026年11月, 2026年11月份, 202611
    - quarter: 2026-Q3, 2026Q3, 2026年第三季度, 2026年第3季度, 2026年3季度
    - half: 2026-H1, 2026H2, 2026年上半年, 2026年下半年
    - year: 2026, 2026年, 2026年度
    - days: A..B (B excluded, as `DateRange.key` writes it) or A至B / A到B / A~B (B included, as the
      label reads); A and B in any spelling of `appeals.hotline.timeparse` (2026-10-09, 2026/10/9,
      2026年10月9日, 20261009); B may leave off the year (and the month): 2026年10月9日至20日.
    Years from MIN_YEAR to MAX_YEAR. Anything else raises PeriodError with a Chinese message."""
    typed = normalize_text(text)
    raw = typed.upper()
    if not raw:
        raise PeriodError("请填写期间：" + PERIOD_HELP)
    shown = typed if len(typed) <= 40 else typed[:40] + "…"
    if found := _RANGE.fullmatch(raw):
        return _range(found, shown)
    for kind, pattern in _FORMS:
        if found := pattern.fullmatch(raw):
            year = _year(int(found["y"]))
            if kind == "year":
                return Period(year, 1, "year")
            part = found["n"]
            number = _CHINESE_DIGITS.get(part) or {"上": 1, "下": 2}.get(part) or int(part)
            if kind == "month" and not 1 <= number <= 12:
                raise PeriodError(f"“{shown}”：没有 {number} 月。" + PERIOD_HELP)
            return Period(year, (number - 1) * _MONTHS_PER[kind] + 1, kind)
    raise PeriodError(f"无法识别的期间“{shown}”。" + PERIOD_HELP)


def parse_month(text: str, where: str = "此处") -> Period:
    """A month (`parse_period`) for a channel that shows months only (`where`: the dashboard, "看板");
    anything else, a quarter or a range included, raises PeriodError whose hint lists only the month
    spellings (MONTH_HELP), never one the channel then refuses (tester 2: 2026-Q3 hinted, refused)."""
    try:
        period = parse_period(text)
    except PeriodError as exc:
        raise PeriodError(str(exc).replace(PERIOD_HELP, MONTH_HELP)) from None
    if not isinstance(period, Period) or period.kind != "month":
        raise PeriodError(f"{where}按月显示：请选一个月份（不是“{period.label}”）。" + MONTH_HELP)
    return period


def _year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"年份 {year} 超出范围：期间须在 {MIN_YEAR} 年至 {MAX_YEAR} 年之间。")
    return year


def _day(text: str, shown: str, like: dt.date | None = None) -> dt.date:
    from ..hotline.timeparse import parse_datetime

    if like is not None:  # the end of 2026年10月9日至20日 / 至11月2日 borrows the start's year (and month)
        if found := re.fullmatch(r"(\d{1,2})\s*日?", text):
            text = f"{like.year}年{like.month}月{found[1]}日"
        elif found := re.fullmatch(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text):
            text = f"{like.year}年{found[1]}月{found[2]}日"
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise PeriodError(f"无法识别日期段“{shown}”中的日期“{text}”。" + PERIOD_HELP)
    day = moment.date()
    _year(day.year)
    return day


def _range(found: re.Match[str], shown: str) -> DateRange:
    start = _day(found["a"], shown)
    end = _day(found["b"], shown, like=start)
    if found["sep"] in ("至", "到", "~"):
        end += dt.timedelta(days=1)  # 至 includes the last day, as the label reads
    if end <= start:
        raise PeriodError(f"日期段“{shown}”是空的：结束日须在开始日之后。")
    return DateRange(start, end)


def trailing_months(period: Period | DateRange, count: int) -> list[Period]:
    """The `count` months ending with the last month of `period`, oldest first."""
    last = Period.containing(period.end - dt.timedelta(days=1), "month")
    months = [last]
    while len(months) < count:
        months.append(months[-1].previous())
    return list(reversed(months))


AnyPeriod = Period | DateRange
"""A calendar period (month, quarter, half, year) or any range of days."""
