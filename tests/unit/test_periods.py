"""Report periods as people type them (breaker finding 5): one parser (`appeals.ledger.periods.parse_period`)
for every channel — the dashboard's ?period=, `appeals report --period`, `appeals city-report --period` —
that reads the common spellings and refuses anything else with a Chinese message, never a traceback."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from appeals.cli import main
from appeals.dashboard.board import Query
from appeals.ledger.periods import (
    KINDS,
    MAX_YEAR,
    MIN_YEAR,
    SPELLINGS,
    DateRange,
    Period,
    PeriodError,
    parse_month,
    parse_period,
    spell,
)

TODAY = dt.date(2026, 11, 30)
# strings near the forms: digits, separators, 年月日, Q/H, 季度, 半年, 至, dots
NEAR = st.text(alphabet="0123456789-/.年月日季度第上下半QHqh至到~ ２０１", max_size=24)
ANYTHING = st.one_of(st.text(max_size=40), NEAR)


@pytest.mark.parametrize(("typed", "key"), [
    ("2026-11", "2026-11"), ("2026年11月", "2026-11"), ("2026/11", "2026-11"), ("2026.11", "2026-11"),
    ("2026-1", "2026-01"), ("２０２６年１１月", "2026-11"), ("202611", "2026-11"), (" 2026年11月份 ", "2026-11"),
    ("2026-Q3", "2026-Q3"), ("2026q3", "2026-Q3"), ("2026年第三季度", "2026-Q3"), ("2026年第3季度", "2026-Q3"),
    ("2026-H1", "2026-H1"), ("2026年下半年", "2026-H2"), ("2026", "2026"), ("2026年", "2026"), ("2026年度", "2026"),
    ("2026-10-09..2026-10-21", "2026-10-09..2026-10-21"), ("2026年10月9日至20日", "2026-10-09..2026-10-21"),
    ("2026/10/9~10/20", "2026-10-09..2026-10-21"), ("2026年10月9日至11月2日", "2026-10-09..2026-11-03"),
])
def test_the_spellings_people_type(typed: str, key: str) -> None:
    assert parse_period(typed).key == key


@pytest.mark.parametrize(("typed", "says"), [
    ("9999-12", "超出范围"), ("1999", "超出范围"), ("2026-13", "没有 13 月"), ("", "请填写期间"), ("abc", "无法识别"),
    ("2026-10-09..2026-10-09", "是空的"), ("2026年10月32日至11月1日", "无法识别日期段"),
])
def test_what_is_refused_says_why_in_chinese(typed: str, says: str) -> None:
    with pytest.raises(PeriodError, match=says):
        parse_period(typed)


@given(ANYTHING)
@example("9999-12")
@example("2100-12")
@example("2100-12-31..2100-12-31")
@settings(max_examples=400)
def test_any_text_is_a_period_that_works_or_a_period_error(text: str) -> None:
    try:
        period = parse_period(text)
    except PeriodError as exc:
        assert str(exc) and "Traceback" not in str(exc)
        return
    assert MIN_YEAR <= period.start.year and period.end > period.start
    assert period.start_at < period.end_at and period.label and period.key
    assert parse_period(period.key) == period
    if isinstance(period, Period):
        assert period.next().start == period.end and period.previous().end == period.start


@given(st.integers(MIN_YEAR, MAX_YEAR), st.integers(1, 12), st.sampled_from(KINDS))
def test_a_period_reads_back_from_its_key_and_its_label(year: int, month: int, kind: str) -> None:
    period = Period.containing(dt.date(year, month, 1), kind)
    assert parse_period(period.key) == period == parse_period(period.label)


@given(st.dates(dt.date(MIN_YEAR, 1, 1), dt.date(MAX_YEAR, 12, 30)), st.integers(1, 400))
def test_a_range_of_days_reads_back_from_its_key_and_its_label(start: dt.date, days: int) -> None:
    end = min(start + dt.timedelta(days=days), dt.date(MAX_YEAR, 12, 31))
    days_range = DateRange(start, end)
    assert parse_period(days_range.key) == days_range == parse_period(days_range.label)


@given(ANYTHING)
@example("9999-12")
@settings(max_examples=300)
def test_the_dashboard_query_is_a_month_or_a_chinese_value_error(text: str) -> None:
    try:
        query = Query.parse({"period": text}, today=TODAY)
    except ValueError as exc:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc)), str(exc)
        return
    assert query.period.kind == "month"


def test_the_dashboard_takes_a_month_in_any_spelling() -> None:
    for typed in ("2026年11月", "2026/11", "2026-11", "2026-1"):
        assert Query.parse({"period": typed}, today=TODAY).period.kind == "month"
    with pytest.raises(ValueError, match="看板按月显示"):
        Query.parse({"period": "2026年第三季度"}, today=TODAY)


def refused(text: str) -> bool:
    try:
        parse_period(text)
    except PeriodError:
        return True
    return False


@given(ANYTHING.filter(refused))
@example("9999-12")
@settings(max_examples=60, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow], deadline=None)
def test_the_cli_refuses_a_bad_period_with_a_usage_error_not_a_traceback(text: str) -> None:
    for command in ("report", "city-report"):
        result = CliRunner().invoke(main, [command, "--period", text], catch_exceptions=False)
        assert result.exit_code == 2, result.output
        assert "--period" in result.output and "Traceback" not in result.output


# --------------------------------------------------------------------------- tester 2: a hint shows only what is read
def dashboard_period(text: str) -> Period:
    return Query.parse({"period": text}, today=TODAY).period


CHANNEL_READERS = {"report": parse_period, "dashboard": dashboard_period, "month": parse_month}


def hinted_spellings(message: str) -> list[str]:
    """The example periods a refusal's hint shows (after 请写作; what was typed, in “…”, left out)."""
    hint = re.sub(r"“[^”]*”", "", message).partition("请写作")[2]
    return re.findall(r"\d{4}[0-9A-Za-z年月日第季度一二三四上下半/.\-至]*", hint)


@given(st.integers(MIN_YEAR, MAX_YEAR), st.integers(1, 12), st.sampled_from(KINDS))
def test_every_spelling_the_hints_show_reads_as_its_period_for_every_period(year: int, month: int, kind: str) -> None:
    """Tester 2: the hint showed 2026-Q3; every quarter (2026-Q4 too), month, half and year in every
    spelling SPELLINGS shows is read; a month also by the dashboard."""
    period = Period.containing(dt.date(year, month, 1), kind)
    for spelling in SPELLINGS[kind]:
        assert parse_period(spell(spelling, period)) == period, spell(spelling, period)
        if kind == "month":
            assert dashboard_period(spell(spelling, period)) == period


@given(ANYTHING)
@example("2026-W47")
@example("2026-Q4")
@example("2026年10月9日至20日")
@settings(max_examples=300, deadline=None)
def test_a_refusal_hints_only_spellings_the_same_channel_reads(text: str) -> None:
    for channel, read in CHANNEL_READERS.items():
        try:
            read(text)
        except ValueError as exc:
            shown = hinted_spellings(str(exc))
            assert shown or "超出范围" in str(exc) or "是空的" in str(exc), f"{channel}: {exc}"
            for spelling in shown:
                read(spelling)  # raises if the channel refuses what its own hint shows


def test_the_dashboard_refuses_a_quarter_hinting_months_only() -> None:
    for typed in ("2026-Q4", "2026-Q3", "2026年第四季度", "2026-W47", "2026-10-09..2026-10-21"):
        with pytest.raises(ValueError) as refused:
            dashboard_period(typed)
        assert "2026-11" in str(refused.value) and "Q" not in str(refused.value).partition("请写作")[2]
    assert hinted_spellings(str(pytest.raises(ValueError, dashboard_period, "abc").value)) == [
        "2026-11", "2026年11月", "2026/11"]
