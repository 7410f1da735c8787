"""The working-day calendar (spec §17): real 2025/2026 schedules, the 18:00 rule, the fallback and
administrator overrides. No engine needed.

The 2025 and 2026 cases are the State Council's notices (国务院办公厅关于2025年/2026年部分节假日安排
的通知); the 2031 schedule used for the import tests is MADE UP, for a year no data exists for.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from appeals.db import CalendarDay, CalendarYear, alembic_config, engine_for, upgrade
from appeals.settings import PROJECT_ROOT
from appeals.workdays import (
    PACKAGE_YEARS,
    SHANGHAI,
    Deadline,
    OverrideFileError,
    WorkdayCalendar,
    YearSource,
    import_overrides,
    load_calendar,
    parse_overrides,
    read_override_file,
)
from appeals.workdays.cli import calendar

UNKNOWN = 2031  # a year neither chinesecalendar nor anyone has data for
UTC = dt.UTC


def at(y: int, m: int, d: int, h: int = 9, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=SHANGHAI)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def days(first: str, last: str) -> list[dt.date]:
    a, b = day(first), day(last)
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


@pytest.fixture
def cal() -> WorkdayCalendar:
    return WorkdayCalendar()


@pytest.fixture
def db(tmp_path, fresh_database_url):
    upgrade(fresh_database_url)
    return engine_for(fresh_database_url)


# ----------------------------------------------------------------------------- official data
def test_installed_chinesecalendar_covers_2025_and_2026_but_not_the_test_year() -> None:
    assert 2025 in PACKAGE_YEARS and 2026 in PACKAGE_YEARS
    assert UNKNOWN not in PACKAGE_YEARS, "pick a later UNKNOWN year for these tests"


OFF_2025 = days("2025-01-28", "2025-02-04") + days("2025-10-01", "2025-10-08")
ON_2025 = [day("2025-01-26"), day("2025-02-08"), day("2025-09-28"), day("2025-10-11"), day("2025-10-09")]
OFF_2026 = (
    days("2026-01-01", "2026-01-03")
    + days("2026-02-15", "2026-02-23")
    + days("2026-04-04", "2026-04-06")
    + days("2026-05-01", "2026-05-05")
    + days("2026-06-19", "2026-06-21")
    + days("2026-09-25", "2026-09-27")
    + days("2026-10-01", "2026-10-07")
    + [day("2026-10-11")]
)
# make-up working days (调休): Sun 4 Jan, Sat 14 + Sat 28 Feb, Sat 9 May, Sun 20 Sep, Sat 10 Oct
ON_2026 = [
    day(d) for d in ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10")
]
ON_2026 += [day("2026-02-24"), day("2026-10-08")]  # first days back


@pytest.mark.parametrize("off", OFF_2025 + OFF_2026, ids=str)
def test_official_days_off(cal: WorkdayCalendar, off: dt.date) -> None:
    assert not cal.is_workday(off)


@pytest.mark.parametrize("on", ON_2025 + ON_2026, ids=str)
def test_official_working_days_including_make_up_weekends(cal: WorkdayCalendar, on: dt.date) -> None:
    assert cal.is_workday(on)


@pytest.mark.parametrize("year", [2025, 2026])
def test_a_year_has_248_working_days(cal: WorkdayCalendar, year: int) -> None:
    # 365 days - 104 weekend days - 13 statutory holidays; the make-up days only move days
    info = cal.year_info(year)
    assert info.working_days == 248
    assert info.source is YearSource.OFFICIAL
    assert cal.working_days_between(dt.date(year - 1, 12, 31), dt.date(year, 12, 31)) == 248


# ----------------------------------------------------------------------------- working-day deadlines
@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # National Day / Mid-Autumn 2025: 1–8 Oct off, Sun 28 Sep and Sat 11 Oct on
        (at(2025, 9, 30, 10), 1, "2025-10-09"),
        (at(2025, 9, 30, 10), 3, "2025-10-11"),
        (at(2025, 9, 26, 10), 1, "2025-09-28"),
        (at(2025, 9, 26, 10), 2, "2025-09-29"),
        # Spring Festival 2025: 28 Jan – 4 Feb off, Sun 26 Jan and Sat 8 Feb on
        (at(2025, 1, 24), 1, "2025-01-26"),
        (at(2025, 1, 24), 3, "2025-02-05"),
        (at(2025, 1, 24), 6, "2025-02-08"),
        # Spring Festival 2026: 15–23 Feb off, Sat 14 and Sat 28 Feb on
        (at(2026, 2, 13), 1, "2026-02-14"),
        (at(2026, 2, 13), 2, "2026-02-24"),
        (at(2026, 2, 13), 6, "2026-02-28"),
        # National Day 2026: 1–7 Oct off, Sun 20 Sep and Sat 10 Oct on; Mid-Autumn 25–27 Sep
        (at(2026, 9, 18), 1, "2026-09-20"),
        (at(2026, 9, 24), 1, "2026-09-28"),
        (at(2026, 9, 30, 11), 2, "2026-10-09"),
        (at(2026, 9, 30, 11), 5, "2026-10-13"),
        # Labour Day 2026: 1–5 May off, Sat 9 May on
        (at(2026, 4, 30), 1, "2026-05-06"),
        (at(2026, 5, 8), 1, "2026-05-09"),
        # across the year end: 1–3 Jan 2026 off, Sun 4 Jan on
        (at(2025, 12, 29), 5, "2026-01-06"),
    ],
)
def test_working_day_deadlines(cal: WorkdayCalendar, start: dt.datetime, n: int, due: str) -> None:
    deadline = cal.add_working_days(start, n)
    assert deadline.due == dt.datetime.combine(day(due), dt.time(18), tzinfo=SHANGHAI)
    assert deadline.working_days == n
    assert deadline.fallback_years == () and not deadline.uses_fallback
    assert cal.working_days_between(start, deadline.due) == n


def test_deadline_is_iso_8601_with_the_shanghai_offset(cal: WorkdayCalendar) -> None:
    deadline = cal.add_working_days(at(2026, 9, 30, 11), 2)
    assert deadline.iso() == "2026-10-09T18:00:00+08:00"
    assert deadline.due.tzinfo == SHANGHAI
    assert deadline.due == dt.datetime(2026, 10, 9, 10, tzinfo=UTC)


def test_received_friday_2300_counts_from_the_next_day_and_ends_at_1800(cal: WorkdayCalendar) -> None:
    friday_night = at(2026, 3, 6, 23)
    assert friday_night.strftime("%a") == "Fri"
    deadline = cal.add_working_days(friday_night, 1)
    assert deadline.iso() == "2026-03-09T18:00:00+08:00"  # Monday, close of office
    # the hour of the start day does not matter
    assert cal.add_working_days(at(2026, 3, 6, 8), 1) == deadline
    # a naive datetime is Shanghai time
    assert cal.add_working_days(dt.datetime(2026, 3, 6, 23), 1) == deadline
    # the same moment in UTC (15:00) is the same Friday in Shanghai
    assert cal.add_working_days(dt.datetime(2026, 3, 6, 15, tzinfo=UTC), 1) == deadline


def test_the_start_day_is_the_shanghai_day_not_the_utc_day(cal: WorkdayCalendar) -> None:
    thursday_utc = dt.datetime(2026, 3, 5, 17, tzinfo=UTC)  # Friday 01:00 in Shanghai
    assert cal.add_working_days(thursday_utc, 1).iso() == "2026-03-09T18:00:00+08:00"


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (at(2026, 3, 6, 10), "2026-03-06"),  # a working day before 18:00: today
        (at(2026, 3, 6, 17, 59), "2026-03-06"),
        (at(2026, 3, 6, 18), "2026-03-09"),  # office closed: the next working day
        (at(2026, 3, 6, 23), "2026-03-09"),
        (at(2026, 3, 7, 10), "2026-03-09"),  # Saturday
        (at(2025, 10, 1, 10), "2025-10-09"),  # National Day
        (at(2026, 2, 14, 10), "2026-02-14"),  # a make-up Saturday is a working day
    ],
)
def test_zero_working_days_is_the_same_working_day_never_before_the_start(
    cal: WorkdayCalendar, start: dt.datetime, due: str
) -> None:
    deadline = cal.add_working_days(start, 0)
    assert deadline.due == dt.datetime.combine(day(due), dt.time(18), tzinfo=SHANGHAI)
    assert deadline.due > start
    assert deadline.working_days == 0


def test_office_close_is_configurable() -> None:
    deadline = WorkdayCalendar(office_close=dt.time(17, 30)).add_working_days(at(2025, 9, 30), 1)
    assert deadline.iso() == "2025-10-09T17:30:00+08:00"


def test_negative_periods_are_rejected(cal: WorkdayCalendar) -> None:
    for method in (cal.add_working_days, cal.add_calendar_days, cal.add_months):
        with pytest.raises(ValueError, match=">= 0"):
            method(at(2026, 3, 6), -1)


# ----------------------------------------------------------------------------- calendar-day periods
def test_seven_days_ending_on_a_holiday_move_to_the_next_working_day(cal: WorkdayCalendar) -> None:
    deadline = cal.add_calendar_days(at(2025, 9, 27, 10), 7)  # 4 Oct 2025, National Day
    assert deadline.iso() == "2025-10-09T18:00:00+08:00"
    assert deadline.working_days == 4  # Sun 28, Mon 29, Tue 30 Sep, then the holiday, then 9 Oct
    assert deadline.working_days == cal.working_days_between(at(2025, 9, 27), deadline.due)
    plain = cal.add_calendar_days(at(2025, 9, 27, 10), 7, roll_forward=False)
    assert plain.iso() == "2025-10-04T18:00:00+08:00"


def test_seven_days_in_an_ordinary_week(cal: WorkdayCalendar) -> None:
    deadline = cal.add_calendar_days(at(2026, 3, 2, 15), 7)
    assert deadline.iso() == "2026-03-09T18:00:00+08:00"
    assert deadline.working_days == 5


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (at(2025, 8, 31), "2025-09-30"),  # no 31 September: the last day of the month
        (at(2026, 1, 31), "2026-02-28"),  # Sat 28 Feb 2026 is a make-up working day: stays
        (at(2025, 9, 5), "2025-10-09"),  # 5 Oct 2025 is National Day: moves on
        (at(2025, 12, 15), "2026-01-15"),
    ],
)
def test_one_month(cal: WorkdayCalendar, start: dt.datetime, due: str) -> None:
    assert cal.add_months(start, 1).due == dt.datetime.combine(day(due), dt.time(18), tzinfo=SHANGHAI)


# ----------------------------------------------------------------------------- working_days_between
@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (at(2025, 9, 30, 10), at(2025, 10, 9, 17), 1),
        (at(2025, 9, 26), at(2025, 9, 30), 3),  # Sat 27 off, Sun 28 on, 29, 30
        (at(2025, 9, 30, 8), at(2025, 9, 30, 23), 0),  # same day
        (at(2025, 10, 9), at(2025, 9, 30), -1),  # done a working day before the deadline
        (at(2025, 12, 29), at(2026, 1, 6), 5),
        (dt.date(2026, 2, 13), dt.date(2026, 2, 28), 6),
        # 23:30 UTC on Mon 29 Sep is already Tue 30 Sep in Shanghai
        (dt.datetime(2025, 9, 29, 23, 30, tzinfo=UTC), at(2025, 10, 9), 1),
    ],
)
def test_working_days_between(cal: WorkdayCalendar, start, end, expected: int) -> None:
    assert cal.working_days_between(start, end) == expected
    assert cal.working_days_between(end, start) == -expected


# ----------------------------------------------------------------------------- fallback
def test_unknown_year_falls_back_to_monday_to_friday_with_one_warning(
    cal: WorkdayCalendar, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="appeals.workdays"):
        first = cal.add_working_days(at(UNKNOWN - 1, 12, 31), 1)
        second = cal.add_working_days(at(UNKNOWN, 1, 2), 1)  # Thu → Fri 3 Jan
    assert first.iso() == f"{UNKNOWN}-01-01T18:00:00+08:00"  # New Year's Day, but nobody knows yet
    assert second.iso() == f"{UNKNOWN}-01-03T18:00:00+08:00"
    assert first.fallback_years == second.fallback_years == (UNKNOWN,)
    assert first.uses_fallback
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, "one warning per year"
    assert str(UNKNOWN) in warnings[0].getMessage() and "Monday–Friday" in warnings[0].getMessage()
    assert cal.fallback_years == (UNKNOWN,)
    assert not cal.is_workday(dt.date(UNKNOWN, 1, 4))  # a Saturday
    assert cal.year_info(UNKNOWN).source is YearSource.FALLBACK


def test_only_the_years_actually_used_are_flagged(cal: WorkdayCalendar) -> None:
    assert cal.add_working_days(at(2026, 12, 30), 1).fallback_years == ()  # due 31 Dec 2026
    assert cal.add_working_days(at(UNKNOWN, 3, 3), 1).fallback_years == (UNKNOWN,)
    assert cal.working_days_between(at(2026, 1, 1), at(2026, 12, 31)) == 248
    assert cal.fallback_years == (UNKNOWN,)


def test_overrides_in_memory_win_and_a_complete_year_is_not_a_fallback(caplog) -> None:
    schedule = {dt.date(UNKNOWN, 1, 1): False, dt.date(2026, 10, 8): False}
    partial = WorkdayCalendar(schedule)
    assert not partial.is_workday(dt.date(2026, 10, 8))  # an override beats chinesecalendar
    deadline = partial.add_working_days(at(UNKNOWN - 1, 12, 31), 1)
    assert deadline.iso() == f"{UNKNOWN}-01-02T18:00:00+08:00"
    assert deadline.fallback_years == (UNKNOWN,)  # 2 Jan was still a guess

    complete = WorkdayCalendar(schedule, complete_years=[UNKNOWN])
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="appeals.workdays"):
        deadline = complete.add_working_days(at(UNKNOWN - 1, 12, 31), 1)
    assert deadline == Deadline(at(UNKNOWN, 1, 2, 18), 1, ())
    assert not caplog.records


# ----------------------------------------------------------------------------- override files
SCHEDULE_2031 = f"""\
# {UNKNOWN}年部分节假日安排 — MADE-UP data for the tests
date,type,name
{UNKNOWN},complete,国办发明电〔{UNKNOWN - 1}〕N号（虚构）
{UNKNOWN}-01-01,holiday,元旦
{UNKNOWN}-01-02,holiday,元旦
{UNKNOWN}-01-03,holiday,元旦

{UNKNOWN}-01-05,workday,元旦
"""


def test_parse_a_valid_file_with_bom_comments_and_quoted_names() -> None:
    text = '\ufeff# comment\ndate,type,name\n2031-05-01,holiday,"劳动节, 五一"\n  # indented comment\n'
    parsed = parse_overrides(text)
    assert [(e.day, e.is_workday, e.name, e.line) for e in parsed.entries] == [
        (dt.date(2031, 5, 1), False, "劳动节, 五一", 3)
    ]
    assert parsed.complete_years == {}
    parsed = parse_overrides(SCHEDULE_2031)
    assert parsed.complete_years == {UNKNOWN: f"国办发明电〔{UNKNOWN - 1}〕N号（虚构）"}
    assert parsed.years == (UNKNOWN,)
    assert [e.line for e in parsed.entries] == [4, 5, 6, 8]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: the file is empty"),
        ("# only a comment\n", "line 1: the file is empty"),
        ("day,kind,label\n2031-01-01,holiday,元旦\n", "line 1: the header must be 'date,type,name'"),
        ("date,type,name\n", "the file has a header but no rows"),
        ("date,type,name\n2031-01-01,holiday\n", "line 2: expected 3 fields"),
        ("date,type,name\n2031-01-01,holiday,元旦,x\n", "line 2: expected 3 fields"),
        ("date,type,name\n2031-01-01,vacation,元旦\n", "line 2: type 'vacation' is not one of"),
        ("date,type,name\n2031-02-30,holiday,春节\n", "line 2: '2031-02-30' is not a valid date"),
        ("date,type,name\n2031/01/01,holiday,元旦\n", "line 2: '2031/01/01' is not a valid date"),
        ("date,type,name\n2031-W01-3,holiday,元旦\n", "line 2: '2031-W01-3' is not a valid date"),
        ("date,type,name\n2031-01-01,holiday,\n", "line 2: the name is empty"),
        ("date,type,name\n1999-01-01,holiday,元旦\n", "line 2: year 1999 is outside"),
        (
            "date,type,name\n2031-01-01,holiday,元旦\n2031-01-01,workday,元旦\n",
            "line 3: 2031-01-01 is already listed on line 2",
        ),
        ("date,type,name\n2031-01-01,complete,通知\n", "line 2: a 'complete' row names a year"),
        (
            "date,type,name\n2031,complete,通知\n2031-01-05,workday,元旦\n",
            "line 2: year 2031 is declared complete but the file lists no holiday",
        ),
        (
            "date,type,name\n2031,complete,通知\n2031,complete,通知\n2031-01-01,holiday,元旦\n",
            "line 3: year 2031 is already declared complete on line 2",
        ),
        ('date,type,name\n2031-01-01,holiday,"元旦\n', "line 2: not valid CSV"),
        ("date,type,name\n2031-01-01,holiday," + "节" * 65 + "\n", "line 2: the name is longer than 64"),
    ],
)
def test_bad_files_name_the_line_and_the_reason(text: str, message: str) -> None:
    with pytest.raises(OverrideFileError) as info:
        parse_overrides(text, "2031.csv")
    assert message in str(info.value)
    assert str(info.value).startswith("2031.csv:")
    assert "nothing imported" in str(info.value)


def test_the_documented_example_is_the_official_2026_schedule(cal: WorkdayCalendar) -> None:
    doc = (PROJECT_ROOT / "docs" / "calendar.md").read_text(encoding="utf-8")
    example = doc.split("```csv\n", 1)[1].split("```", 1)[0]
    parsed = parse_overrides(example, "docs/calendar.md")
    assert parsed.complete_years.keys() == {2026}
    imported = WorkdayCalendar(
        {e.day: e.is_workday for e in parsed.entries}, complete_years=parsed.complete_years
    )
    for d in days("2026-01-01", "2026-12-31"):
        assert imported.is_workday(d) == cal.is_workday(d), d


def test_every_problem_is_reported_at_once() -> None:
    text = "# 2031\ndate,type,name\n2031-01-01,holiday,元旦\n2031-02-30,holiday,春节\n2031-03-01,vacation,x\n"
    with pytest.raises(OverrideFileError) as info:
        parse_overrides(text)
    assert [e.split(":")[0] for e in info.value.errors] == ["line 4", "line 5"]


def test_a_file_that_is_not_utf8_is_rejected_with_its_line(tmp_path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("date,type,name\n2031-01-01,holiday,元旦\n".encode("gbk"))
    with pytest.raises(OverrideFileError, match="line 2: not UTF-8"):
        read_override_file(path)


# ----------------------------------------------------------------------------- storage
def count_days(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(CalendarDay))


def test_imported_schedule_changes_results_and_clears_the_fallback_flag(db, tmp_path) -> None:
    start = at(UNKNOWN - 1, 12, 31, 10)
    before = load_calendar(db).add_working_days(start, 1)
    assert before.iso() == f"{UNKNOWN}-01-01T18:00:00+08:00" and before.fallback_years == (UNKNOWN,)

    path = tmp_path / f"{UNKNOWN}.csv"
    path.write_text(SCHEDULE_2031, encoding="utf-8")
    summary = import_overrides(db, path)
    assert (summary.holidays, summary.workdays, summary.years, summary.complete_years) == (
        3,
        1,
        (UNKNOWN,),
        (UNKNOWN,),
    )

    cal = load_calendar(db)
    after = cal.add_working_days(start, 1)
    assert after.iso() == f"{UNKNOWN}-01-05T18:00:00+08:00"  # 1–3 Jan off, Sun 5 Jan make-up day
    assert after.fallback_years == () and not after.uses_fallback
    assert cal.add_working_days(at(UNKNOWN, 6, 6), 1).fallback_years == ()  # unlisted day, complete year
    assert cal.fallback_years == ()
    assert cal.year_info(UNKNOWN).source is YearSource.IMPORTED
    assert [d.name for d in cal.year_info(UNKNOWN).special_days] == ["元旦"] * 4
    # chinesecalendar still answers the years it covers
    assert cal.add_working_days(at(2025, 9, 30), 1).iso() == "2025-10-09T18:00:00+08:00"


def test_a_broken_file_stores_nothing(db, tmp_path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(SCHEDULE_2031, encoding="utf-8")
    broken = tmp_path / "broken.csv"
    broken.write_text(
        f"date,type,name\n{UNKNOWN}-05-01,holiday,劳动节\n{UNKNOWN}-05-02,holiday,劳动节\n"
        f"{UNKNOWN}-05-32,holiday,劳动节\n",
        encoding="utf-8",
    )
    with pytest.raises(OverrideFileError, match=rf"line 4: '{UNKNOWN}-05-32' is not a valid date"):
        import_overrides(db, broken)
    assert count_days(db) == 0

    import_overrides(db, good)
    with pytest.raises(OverrideFileError):
        import_overrides(db, broken)
    assert count_days(db) == 4  # the good schedule, untouched
    assert load_calendar(db).is_workday(dt.date(UNKNOWN, 5, 1))  # Thursday, not a holiday


def test_reimporting_a_complete_year_replaces_it_and_a_partial_file_only_adds(db, tmp_path) -> None:
    first = tmp_path / "first.csv"
    first.write_text(
        f"date,type,name\n{UNKNOWN}-01-01,holiday,元旦\n{UNKNOWN}-03-03,holiday,写错了\n", encoding="utf-8"
    )
    assert import_overrides(db, first).complete_years == ()
    cal = load_calendar(db)
    assert cal.year_info(UNKNOWN).source is YearSource.PARTIAL
    assert cal.add_working_days(at(UNKNOWN - 1, 12, 31), 1).fallback_years == (UNKNOWN,)

    complete = tmp_path / "complete.csv"
    complete.write_text(SCHEDULE_2031, encoding="utf-8")
    assert import_overrides(db, complete).replaced == 1  # 3 March is not in the official schedule
    cal = load_calendar(db)
    assert cal.is_workday(dt.date(UNKNOWN, 3, 3))
    assert count_days(db) == 4

    supplement = tmp_path / "supplement.csv"
    supplement.write_text(f"date,type,name\n{UNKNOWN}-05-01,holiday,劳动节\n", encoding="utf-8")
    import_overrides(db, supplement)
    with Session(db) as session:
        year = session.get(CalendarYear, UNKNOWN)
        assert year.complete and year.notice.startswith("国办发明电") and year.source == "supplement.csv"
    assert count_days(db) == 5
    assert not load_calendar(db).is_workday(dt.date(UNKNOWN, 5, 1))


# ----------------------------------------------------------------------------- commands
def test_calendar_commands(db, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("APPEALS_DATABASE_URL", str(db.url))
    runner = CliRunner()

    result = runner.invoke(calendar, ["show", "2026"])
    assert result.exit_code == 0, result.output
    assert "2026: official data (chinesecalendar" in result.output
    assert "2026-02-14 周六  上班 workday  春节" in result.output
    assert "2026-10-01 周四  放假 holiday  国庆节" in result.output
    assert "248 working days in 2026" in result.output

    result = runner.invoke(calendar, ["show", str(UNKNOWN)])
    assert result.exit_code == 0 and "FALLBACK to Monday–Friday" in result.output

    broken = tmp_path / "broken.csv"
    broken.write_text("date,type,name\n2031-01-01,holliday,元旦\n", encoding="utf-8")
    result = runner.invoke(calendar, ["import", str(broken)])
    assert result.exit_code == 1
    assert "line 2: type 'holliday' is not one of holiday, workday, complete" in result.output

    path = tmp_path / f"{UNKNOWN}.csv"
    path.write_text(SCHEDULE_2031, encoding="utf-8")
    result = runner.invoke(calendar, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"3 holidays, 1 make-up working days for {UNKNOWN}" in result.output

    result = runner.invoke(calendar, ["show", str(UNKNOWN)])
    assert result.exit_code == 0, result.output
    assert f"{UNKNOWN}: imported official schedule (国办发明电" in result.output
    assert f"{UNKNOWN}-01-05 周日  上班 workday  元旦" in result.output


# ----------------------------------------------------------------------------- migrations
def test_migrations_match_the_models(tmp_path, fresh_database_url) -> None:
    config = alembic_config(fresh_database_url)
    command.upgrade(config, "head")
    command.check(config)  # raises if the models and the migrations differ
    command.downgrade(config, "0001")
    command.upgrade(config, "head")
