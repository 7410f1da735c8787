"""Supervision at the city without the engine (临沧 第十八条; docs/city-level.md 'The city's process'): the
levels name their interviewing groups, number the 催办函 in their own series, the city's cards stay out of
every county's figures, and the city's office signs the city's letter."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from appeals.db import engine_for, upgrade
from appeals.documents import render_document
from appeals.documents.fields import Org, city_issuer_of
from appeals.handlers.levels import CITY_LEVEL, COUNTY_LEVEL, interview_group, reminder_number
from appeals.ledger import figures
from appeals.ledger.cards import cards, record_card
from appeals.ledger.city import city_cards, city_cards_table
from appeals.ledger.counties import County
from appeals.ledger.workbook import render_workbook
from appeals.org import DEMO_ORG, load
from appeals.runtime import ModelError
from appeals.workdays import SHANGHAI

from .test_ledger_figures import AS_OF, CALENDAR, OCTOBER, _migrated, build_ledger

CHART = load(DEMO_ORG)


def test_each_level_names_its_own_interviewing_groups() -> None:
    assert interview_group(CHART, "office", "dept-industry", COUNTY_LEVEL) == "office"
    assert interview_group(CHART, "county-head", "dept-industry", COUNTY_LEVEL) == "county-head"
    assert interview_group(CHART, "city-office-director", "city-dept-industry", CITY_LEVEL) == "city-office-director"
    # the deputy leader overseeing the city department, as for the city's approval; else the city leader
    assert interview_group(CHART, "city-deputy-leader", "city-dept-industry", CITY_LEVEL) == "city-deputy-industry"
    assert interview_group(CHART, "city-deputy-leader", "city-dept-market-regulation",
                           CITY_LEVEL) == "city-deputy-resources"
    assert interview_group(CHART, "city-deputy-leader", "city-dept-nobody-oversees", CITY_LEVEL) == "city-leader"
    with pytest.raises(ModelError, match="CardLadder output interviewGroup"):
        interview_group(CHART, "city-task-force", "city-dept-industry", CITY_LEVEL)
    assert (COUNTY_LEVEL.name, CITY_LEVEL.name) == ("county", "city")


def test_each_level_numbers_its_letters_in_its_own_series(fresh_database_url: str) -> None:
    upgrade(fresh_database_url)
    ctx = SimpleNamespace(db=engine_for(fresh_database_url))
    year = dt.datetime.now(SHANGHAI).year
    assert reminder_number(ctx, CHART, "city-1#a", CITY_LEVEL) == f"某市服企办催（{year}）第1号"
    assert reminder_number(ctx, CHART, "county-1#a", COUNTY_LEVEL) == f"某县服企办催（{year}）第1号"
    yixian = CHART.for_tenant("yixian")
    assert reminder_number(ctx, yixian, "yixian-1#a", COUNTY_LEVEL) == f"乙县服企办催（{year}）第1号"
    # the city's series is one per city, whichever county's chart the task read
    assert reminder_number(ctx, yixian, "city-2#a", CITY_LEVEL) == f"某市服企办催（{year}）第2号"
    assert reminder_number(ctx, CHART, "city-1#a", CITY_LEVEL) == f"某市服企办催（{year}）第1号", "redelivered"
    assert reminder_number(ctx, CHART, "county-2#a", COUNTY_LEVEL) == f"某县服企办催（{year}）第2号"


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    engine = _migrated(f"sqlite:///{tmp_path_factory.mktemp('city-cards') / 'ledger.sqlite'}")
    build_ledger(engine)
    return engine


def test_the_citys_cards_are_in_no_countys_figures(ledger: Engine) -> None:
    home = County.of(CHART)
    before = (figures(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR),
              figures(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR, county=home))
    sheet = load_workbook(io.BytesIO(render_workbook(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR)))["亮牌记录"]
    rows = sheet.max_row
    # a city department carded by the city for the county's appeal P3 (transferred to the city)
    card = record_card(ledger, "city-dept-industry", "red", dt.datetime(2026, 10, 29, 9, tzinfo=SHANGHAI),
                       process_instance_id="P3", reason="某市服企办收（2026）第1号超过办理时限（2026-10-28）未反馈",
                       escalation="deputy_interview", source_key="某市服企办催（2026）第1号",
                       department_name="市工信局", level="city")
    assert card.level == "city" and card.registration_number  # the county's appeal it concerns
    after = (figures(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR),
             figures(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR, county=home))
    for old, new in zip(before, after, strict=True):
        assert [c.id for c in new.cards] == [c.id for c in old.cards]
        assert new.overall == old.overall and "city-dept-industry" not in {d.code for d in new.departments}
    sheet = load_workbook(io.BytesIO(render_workbook(ledger, OCTOBER, as_of=AS_OF, calendar=CALENDAR)))["亮牌记录"]
    assert sheet.max_row == rows
    # the ladder reads each level's own cards; the city's comparison lists the city's
    assert [c.id for c in cards(ledger, department="city-dept-industry", level="city")] == [card.id]
    assert not cards(ledger, level="city", department="dept-industry")
    start = dt.datetime(2026, 10, 1, tzinfo=SHANGHAI)
    departments, issued = city_cards(ledger, start, start + dt.timedelta(days=31))
    assert [c.id for c in issued] == [card.id]
    assert [(d.name, d.yellow, d.red) for d in departments] == [("市工信局", 0, 1)]
    assert "| 市工信局 | 0 | 1 |" in city_cards_table(departments)
    with pytest.raises(ValueError, match="card level"):
        record_card(ledger, "city-dept-industry", "yellow", level="province")


def test_the_citys_letter_is_signed_by_the_citys_office() -> None:
    issuer = city_issuer_of(CHART)
    assert issuer == {"county": "某市", "number_prefix": "某市", "office_name": "市企业服务中心"}
    assert Org.of(issuer).office_full_name == "某市企业服务中心"
    letter = render_document("reminder_letter", {"reminderNumber": "某市服企办催（2026）第1号",
                                                 "leadDepartmentName": "市自然资源局", "enterpriseName": "某某公司"},
                             org=issuer)
    text = "\n".join(p.text for p in Document(io.BytesIO(letter.content)).paragraphs)
    assert "某市企业服务中心" in text and "某市服企办催（2026）第1号" in text and "县服务企业" not in text
