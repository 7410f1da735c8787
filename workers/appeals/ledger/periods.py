"""Report periods: a month, a quarter, a half year or a year, as a half-open range of Asia/Shanghai days.

    Period.parse("2026-10")            # 2026年10月: [2026-10-01, 2026-11-01)
    Period.parse("2026-10", "quarter")  # the quarter containing October: 2026年第四季度
    Period.parse("2026-Q3"), Period.parse("2026-H1"), Period.parse("2026")
    Period.parse("2026-10-09..2026-10-21")  # any days: [2026-10-09, 2026-10-21), a DateRange
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

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
        """'2026-10' (a month; with `kind` the quarter/half/year containing it), '2026-Q3', '2026-H1',
        '2026', or any days '2026-10-09..2026-10-21' (the end day excluded)."""
        raw = text.strip().upper()
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", raw):
            return DateRange(dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2]))
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", raw):
            year, month = int(m[1]), int(m[2])
            if not 1 <= month <= 12:
                raise ValueError(f"no month {month} in {text!r}")
            return cls.containing(dt.date(year, month, 1), kind or "month")
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", raw):
            found = cls(int(m[1]), (int(m[2]) - 1) * 3 + 1, "quarter")
        elif m := re.fullmatch(r"(\d{4})-H([12])", raw):
            found = cls(int(m[1]), (int(m[2]) - 1) * 6 + 1, "half")
        elif m := re.fullmatch(r"(\d{4})", raw):
            found = cls(int(m[1]), 1, "year")
        else:
            raise ValueError(f"period {text!r}: use 2026-10, 2026-Q3, 2026-H1 or 2026")
        if kind is not None and kind != found.kind:
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


def trailing_months(period: Period | DateRange, count: int) -> list[Period]:
    """The `count` months ending with the last month of `period`, oldest first."""
    last = Period.containing(period.end - dt.timedelta(days=1), "month")
    months = [last]
    while len(months) < count:
        months.append(months[-1].previous())
    return list(reversed(months))


AnyPeriod = Period | DateRange
"""A calendar period (month, quarter, half, year) or any range of days."""
