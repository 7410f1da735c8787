"""China's official working days and the deadlines counted in them (spec §17, docs/calendar.md).

Weekends and public holidays are off, make-up working days (调休) are on; the time zone is
Asia/Shanghai. A deadline of N working days ends at the close of office (default 18:00) of the Nth
working day after the start day: the start day itself never counts, whatever the hour (民法典
第二百零一条: 开始的当日不计入), and the last day ends when the office closes (第二百零三条).

Where a day's status comes from, first match wins:

1. an override imported by an administrator (`import_overrides`, stored in the database);
2. a year imported as *complete*: days it does not list follow Monday–Friday, as official data;
3. the `chinesecalendar` package, for the years its installed version covers (`PACKAGE_YEARS`);
4. otherwise Monday–Friday as a **fallback**: logged as a WARNING once per year and calendar, and
   the year is reported in `Deadline.fallback_years`, so a caller can flag the deadline as provisional.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import enum
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger("appeals.workdays")  # one logger for the calendar, whichever module logs

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_OFFICE_CLOSE = dt.time(18, 0)

PACKAGE_VERSION: str = getattr(chinese_calendar, "__version__", "unknown")
_PACKAGE_DAYS = list(chinese_calendar.holidays) + list(chinese_calendar.workdays)
PACKAGE_YEARS = range(min(d.year for d in _PACKAGE_DAYS), max(d.year for d in _PACKAGE_DAYS) + 1)
"""Years the installed chinesecalendar has the official schedule for (1.11.0: 2004–2026)."""

_CHINESE_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
_WEEKDAYS_ZH = "一二三四五六日"


def weekday_zh(day: dt.date) -> str:
    """周一 … 周日."""
    return "周" + _WEEKDAYS_ZH[day.weekday()]


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Deadline:
    """A computed deadline.

    `working_days` is N for `add_working_days`; for periods counted in calendar days or months it
    is the number of working days the period contains (after the start day, up to and including
    the due day). `fallback_years` lists the years whose days were decided by the Monday–Friday
    fallback during the computation; empty when every day came from official or imported data.
    """

    due: dt.datetime
    working_days: int
    fallback_years: tuple[int, ...] = ()

    @property
    def uses_fallback(self) -> bool:
        return bool(self.fallback_years)

    def iso(self) -> str:
        """ISO 8601 with offset, e.g. '2026-10-09T18:00:00+08:00'.

        For a timer's `timeDate`, a user task's `camunda:dueDate` or a String variable: Camunda 7
        parses these with Joda's ISODateTimeFormat.dateTimeParser(), which reads the offset (a
        string without one would be taken in the engine JVM's zone). A typed Date variable over
        REST needs the REST format ('…T18:00:00.000+0800'); pass `due` itself to the Camunda
        wrapper, which encodes datetimes that way.
        """
        return self.due.isoformat(timespec="seconds")


class YearSource(enum.StrEnum):
    """Where the status of a year's days comes from."""

    IMPORTED = "imported"  # an override file declared the year complete
    OFFICIAL = "official"  # chinesecalendar covers it (imported days, if any, take precedence)
    PARTIAL = "partial"  # some days imported, the rest Monday–Friday fallback
    FALLBACK = "fallback"  # nothing known: Monday–Friday fallback


@dataclass(frozen=True)
class SpecialDay:
    """A holiday or make-up working day of a year's schedule."""

    day: dt.date
    is_workday: bool
    name: str
    source: str  # "chinesecalendar" or "imported"


@dataclass(frozen=True)
class YearInfo:
    """What `appeals calendar show YEAR` prints."""

    year: int
    source: YearSource
    special_days: tuple[SpecialDay, ...]
    working_days: int


# ----------------------------------------------------------------------------- the calendar
class WorkdayCalendar:
    """Working days of the People's Republic of China, with administrator overrides.

    `overrides` maps a day to True (working day) or False (day off) and wins over everything else;
    `complete_years` are years whose official schedule was imported in full, so days they do not
    list follow Monday–Friday without being a fallback; `names` (optional) labels override days.
    Safe to share between worker threads.
    """

    def __init__(
        self,
        overrides: Mapping[dt.date, bool] | None = None,
        office_close: dt.time = DEFAULT_OFFICE_CLOSE,
        *,
        complete_years: Iterable[int] = (),
        names: Mapping[dt.date, str] | None = None,
    ) -> None:
        if office_close.tzinfo is not None:
            raise ValueError("office_close is a local Asia/Shanghai time without tzinfo")
        self.overrides: dict[dt.date, bool] = dict(overrides or {})
        self.office_close = office_close
        self.complete_years: frozenset[int] = frozenset(complete_years)
        self.names: dict[dt.date, str] = dict(names or {})
        self._override_years = frozenset(day.year for day in self.overrides)
        self._fallback_years: set[int] = set()
        self._lock = threading.Lock()

    # -- day status
    def is_workday(self, day: dt.date) -> bool:
        """Whether `day` (a datetime is taken at its Asia/Shanghai date) is a working day."""
        return self._status(_local_date(day))[0]

    @property
    def fallback_years(self) -> tuple[int, ...]:
        """Years this calendar has had to answer with the Monday–Friday fallback so far."""
        with self._lock:
            return tuple(sorted(self._fallback_years))

    def year_source(self, year: int) -> YearSource:
        if year in self.complete_years:
            return YearSource.IMPORTED
        if year in PACKAGE_YEARS:
            return YearSource.OFFICIAL
        if year in self._override_years:
            return YearSource.PARTIAL
        return YearSource.FALLBACK

    def _status(self, day: dt.date, *, warn: bool = True) -> tuple[bool, bool]:
        """(is it a working day, was it decided by the fallback)."""
        if day in self.overrides:
            return self.overrides[day], False
        if day.year in self.complete_years:
            return day.weekday() < 5, False
        if day.year in PACKAGE_YEARS:
            return chinese_calendar.is_workday(day), False
        if warn:
            with self._lock:
                first = day.year not in self._fallback_years
                self._fallback_years.add(day.year)
            if first:
                log.warning(
                    "no official holiday data for %d (chinesecalendar %s covers %d–%d, nothing imported): "
                    "assuming Monday–Friday; load the State Council's schedule with "
                    "`appeals calendar import FILE`",
                    day.year,
                    PACKAGE_VERSION,
                    PACKAGE_YEARS.start,
                    PACKAGE_YEARS.stop - 1,
                )
        return day.weekday() < 5, True

    def _days_after(self, day: dt.date, fallback: set[int]) -> Iterator[dt.date]:
        """The working days after `day`, in order; records fallback years into `fallback`."""
        while True:
            day += dt.timedelta(days=1)
            working, assumed = self._status(day)
            if assumed:
                fallback.add(day.year)
            if working:
                yield day

    # -- deadlines
    def add_working_days(self, start: dt.datetime | dt.date, n: int) -> Deadline:
        """Close of office of the Nth working day after the start day (spec §17).

        `start` is converted to Asia/Shanghai first (a naive datetime is taken as Shanghai time; a
        date as its midnight). The hour of the start does not matter for n >= 1: an appeal
        received on Friday at 23:00 with 1 working day is due on Monday at 18:00, as one received
        on Friday at 09:00. n == 0 ("the same working day") is the close of office of the start
        day if that is a working day and its office has not closed yet, else of the next working
        day: a deadline never lies before its start.
        """
        if n < 0:
            raise ValueError(f"a number of working days is >= 0, not {n}")
        local = _local_datetime(start)
        fallback: set[int] = set()
        if n == 0:
            working, assumed = self._status(local.date())
            if assumed:
                fallback.add(local.year)
            if working and local.time() < self.office_close:
                due_day = local.date()
            else:
                due_day = next(self._days_after(local.date(), fallback))
        else:
            days = self._days_after(local.date(), fallback)
            due_day = local.date()
            for _ in range(n):
                due_day = next(days)
        return Deadline(self._close(due_day), n, tuple(sorted(fallback)))

    def add_calendar_days(
        self, start: dt.datetime | dt.date, n: int, *, roll_forward: bool = True
    ) -> Deadline:
        """Close of office of the Nth calendar day after the start day ("within 7 days").

        If that day is not a working day the deadline moves to the next working day
        (民法典 第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日);
        `roll_forward=False` keeps the plain calendar day.
        """
        if n < 0:
            raise ValueError(f"a number of days is >= 0, not {n}")
        local = _local_datetime(start)
        return self._calendar_deadline(local, local.date() + dt.timedelta(days=n), roll_forward)

    def add_months(self, start: dt.datetime | dt.date, n: int, *, roll_forward: bool = True) -> Deadline:
        """Close of office of the same day N months later ("within 1 month").

        The corresponding day of the due month, or its last day if it has none (民法典 第二百零二条:
        31 January + 1 month = 28/29 February); then as `add_calendar_days`.
        """
        if n < 0:
            raise ValueError(f"a number of months is >= 0, not {n}")
        local = _local_datetime(start)
        month_index = local.year * 12 + (local.month - 1) + n
        year, month = divmod(month_index, 12)
        month += 1
        day = min(local.day, _calendar.monthrange(year, month)[1])
        return self._calendar_deadline(local, dt.date(year, month, day), roll_forward)

    def _calendar_deadline(self, local: dt.datetime, due_day: dt.date, roll_forward: bool) -> Deadline:
        fallback: set[int] = set()
        working, assumed = self._status(due_day)
        if assumed:
            fallback.add(due_day.year)
        if roll_forward and not working:
            due_day = next(self._days_after(due_day, fallback))
        if due_day == local.date() and local.time() >= self.office_close:
            # n == 0 received after office hours: never due before it started
            due_day = next(self._days_after(due_day, fallback))
        count = self._count(local.date(), due_day, fallback)
        return Deadline(self._close(due_day), count, tuple(sorted(fallback)))

    def working_days_between(self, start: dt.datetime | dt.date, end: dt.datetime | dt.date) -> int:
        """Working days after start's day up to and including end's day (both in Asia/Shanghai).

        For on-time statistics: a task handled on the day it arrived took 0 working days;
        `working_days_between(deadline, done)` is how many working days late (> 0) or early (< 0)
        it was. Antisymmetric: between(a, b) == -between(b, a).
        """
        first, last = _local_date(start), _local_date(end)
        if last < first:
            return -self._count(last, first, set())
        return self._count(first, last, set())

    def _count(self, first: dt.date, last: dt.date, fallback: set[int]) -> int:
        count = 0
        day = first
        while day < last:
            day += dt.timedelta(days=1)
            working, assumed = self._status(day)
            if assumed:
                fallback.add(day.year)
            count += working
        return count

    def _close(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.office_close, tzinfo=SHANGHAI)

    # -- reporting
    def year_info(self, year: int) -> YearInfo:
        """The holidays and make-up days of `year`, where they come from, and its working days.

        For reports: it logs no fallback warning and does not count towards `fallback_years`.
        """
        special: dict[dt.date, SpecialDay] = {}
        if year in PACKAGE_YEARS and year not in self.complete_years:
            for table, working in ((chinese_calendar.holidays, False), (chinese_calendar.workdays, True)):
                for day, name in table.items():
                    if day.year == year:
                        special[day] = SpecialDay(
                            day, working, _CHINESE_NAMES.get(name, name), "chinesecalendar"
                        )
        for day, working in self.overrides.items():
            if day.year == year:
                special[day] = SpecialDay(day, working, self.names.get(day, ""), "imported")
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        working_days = sum(
            self._status(first + dt.timedelta(days=i), warn=False)[0] for i in range((last - first).days + 1)
        )
        return YearInfo(
            year, self.year_source(year), tuple(special[d] for d in sorted(special)), working_days
        )


def _local_datetime(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value.astimezone(SHANGHAI)
    return dt.datetime.combine(value, dt.time(0), tzinfo=SHANGHAI)


def _local_date(value: dt.datetime | dt.date) -> dt.date:
    return _local_datetime(value).date() if isinstance(value, dt.datetime) else value


