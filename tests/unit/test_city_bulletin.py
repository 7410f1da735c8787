"""The city's own monthly bulletin without the engine (issue 19, docs/city-level.md 'Figures at both levels'):
the city departments' figures from the transfers (`ledger.city.city_report`, pure) and the document, rendered
by the county bulletin's `render_bulletin` at the city's level. Against the real engine and the
MonthlyBulletin timer: tests/engine/test_city_bulletin.py."""

from __future__ import annotations

import datetime as dt
import io

from docx import Document

from appeals.documents.fields import Org, city_issuer_of
from appeals.ledger import Period
from appeals.ledger.bulletin import city_summary_text, county_rows, render_bulletin, title_of
from appeals.ledger.cards import Card
from appeals.ledger.city import CityCase, CityFollowUp, CountyLine, CountyTransfers, city_report
from appeals.ledger.counties import County
from appeals.ledger.figures import Rates, Report
from appeals.org import DEMO_ORG, load
from appeals.workdays import SHANGHAI

NOVEMBER = Period.parse("2026-11")
AS_OF = dt.datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI)


def at(day: int, hour: int = 10, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


CASES = [
    # 某县: received, dispatched, signed on time, reported on time (A), returned; the county followed up twice
    CityCase("c1", "某县", at(2), "k1", "city-dept-industry", "市工信局", "某市服企办收（2026）第1号", "甲公司",
             dispatched_at=at(3), sign_due=at(4), signed_at=at(3, 15), handling_due=at(20), reported_at=at(10),
             reported_due=at(20), result_class="A", returned_at=at(10, 11)),
    # 乙县: signed late, reported late (B), returned
    CityCase("c2", "乙县", at(5), "k2", "city-dept-industry", "市工信局", "某市服企办收（2026）第2号", "乙公司",
             dispatched_at=at(5), sign_due=at(6), signed_at=at(9), handling_due=at(12), reported_at=at(16),
             reported_due=at(12), result_class="B", returned_at=at(16, 11)),
    # 乙县: transferred in October, handled by 市自然资源局 in November on time (C)
    CityCase("c3", "乙县", at(20, month=10), "k3", "city-dept-natural-resources", "市自然资源局",
             dispatched_at=at(21, month=10), sign_due=at(22, month=10), signed_at=at(21, 16, month=10),
             handling_due=at(25), reported_at=at(24), reported_due=at(25), result_class="C", returned_at=at(24, 12)),
    # 某县: dispatched, never signed (sign deadline passed), overdue at the cut-off
    CityCase("c4", "某县", at(23), "k4", "city-dept-natural-resources", "市自然资源局", "某市服企办收（2026）第4号",
             "丁公司", dispatched_at=at(23), sign_due=at(24), handling_due=at(27)),
    # 某县: received on the last day, not yet dispatched
    CityCase("c5", "某县", at(30, 20), "k5"),
    # 乙县: reported in December (after the cut-off): not November's
    CityCase("c6", "乙县", at(26), "k6", "city-dept-industry", "市工信局", dispatched_at=at(26), sign_due=at(27),
             signed_at=at(26, 15), handling_due=at(10, month=12), reported_at=at(1, month=12),
             reported_due=at(10, month=12), result_class="A", returned_at=at(1, 11, month=12)),
]
FOLLOW_UPS = [
    CityFollowUp("k1", at(1).astimezone(dt.UTC), "satisfied"),  # before the city's result: the county's own
    CityFollowUp("k1", at(12).astimezone(dt.UTC), "dissatisfied"),  # → rework
    CityFollowUp("k1", at(18).astimezone(dt.UTC), "satisfied"),
    CityFollowUp("k2", at(17).astimezone(dt.UTC), "basically_satisfied"),
    CityFollowUp("unknown", at(17).astimezone(dt.UTC), "dissatisfied"),  # not a transferred appeal
]
CARDS = [Card(1, "city-dept-industry", "市工信局", "yellow", at(15).astimezone(dt.UTC), None, "某市服企办收（2026）第2号",
              "乙公司", "超期", None, "card-1"),
         Card(2, "city-dept-industry", "市工信局", "red", at(2, month=12).astimezone(dt.UTC), None, None, None, "超期",
              None, "card-2")]  # after the cut-off
INTERVIEWED = Card(3, "city-dept-industry", "市工信局", "red", at(25).astimezone(dt.UTC), None, "某市服企办收（2026）第2号",
                   "乙公司", "超期", "deputy_interview", "card-3")


def test_the_city_departments_figures_count_each_event_in_its_month() -> None:
    city = city_report(CASES, FOLLOW_UPS, NOVEMBER, AS_OF, cards=CARDS)
    report, o = city.report, city.report.overall
    assert report.received == 5  # c3 reached the city in October
    assert report.closed == 3  # results returned in November: c1, c2, c3
    assert (o.dispatched, o.sign_decided, o.signed_on_time) == (4, 4, 2)  # c1 c2 c4 c6; c1 and c6 on time
    assert (o.handled, o.handled_on_time, o.solved) == (3, 2, 1)
    assert (o.follow_ups, o.satisfied) == (3, 2)
    assert (o.overdue, o.yellow_cards, o.red_cards) == (1, 1, 0)
    assert [i.registration_number for i in report.overdue] == ["某市服企办收（2026）第4号"]

    industry, resources = city.handling["city-dept-industry"], city.handling["city-dept-natural-resources"]
    assert (industry.on_time, industry.late, industry.classes, industry.rework) == (1, 1, {"A": 1, "B": 1, "C": 0}, 1)
    assert (resources.on_time, resources.late, resources.classes["C"]) == (1, 0, 1)
    total = city.handling[None]
    assert (total.on_time, total.late, total.classes, total.rework) == (2, 1, {"A": 1, "B": 1, "C": 1}, 1)


def test_the_city_departments_are_ranked_by_the_county_formula() -> None:
    report = city_report(CASES, FOLLOW_UPS, NOVEMBER, AS_OF, cards=CARDS).report
    by_code = {d.code: d for d in report.departments}
    assert set(by_code) == {"city-dept-industry", "city-dept-natural-resources"}
    assert all(d.rank is not None for d in report.departments)
    assert [d.code for d in report.ranking] == sorted(by_code, key=lambda c: -by_code[c].score)
    assert by_code["city-dept-industry"].name == "市工信局"
    # 市工信局: response 2/3, on time 1/2, resolution 1/2, satisfaction 2/3; one yellow card
    expected = 100 * (20 * 2 / 3 + 30 * 0.5 + 30 * 0.5 + 20 * 2 / 3) / 100 - 2
    assert by_code["city-dept-industry"].score == round(expected, 2)


def test_no_transfers_no_rates() -> None:
    city = city_report([], [], NOVEMBER, AS_OF)
    assert city.report.departments == [] and city.report.overall.on_time_rate is None
    assert "转报市级企业诉求0件" in city_summary_text(city.report, city.handling, [])


def _county_report(received: int, dispatched: int, handled: int, on_time: int) -> Report:
    overall = Rates(dispatched=dispatched, sign_decided=dispatched, signed_on_time=dispatched, handled=handled,
                    handled_on_time=on_time, solved=handled)
    return Report(NOVEMBER, AS_OF, NOVEMBER.end_at, overall, [], received=received)


def test_the_citys_bulletin_is_the_county_bulletin_at_the_citys_level() -> None:
    chart = load(DEMO_ORG)
    org = city_issuer_of(chart)
    assert Org.of(org).office_full_name == "某市企业服务中心"
    city = city_report(CASES, FOLLOW_UPS, NOVEMBER, AS_OF, cards=[*CARDS, INTERVIEWED])
    transfers = [CountyTransfers("乙县", ["c2", "c6"], ["c2", "c6"], ["c6"]),
                 CountyTransfers("某县", ["c1", "c4", "c5"], ["c1"], ["c1"])]
    lines = [CountyLine(County.of(chart, "mouxian"), _county_report(7, 5, 4, 3), transfers[1]),
             CountyLine(County.of(chart, "yixian"), _county_report(3, 2, 2, 2), transfers[0])]
    assert county_rows(lines)[-1][:3] == ["合计", 10, 7]
    content = render_bulletin(city.report, [], org=org, issued_on=dt.date(2026, 12, 1), city=transfers,
                              counties=lines, handling=city.handling)
    doc = Document(io.BytesIO(content))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == title_of(NOVEMBER, Org.of(org)) == "某市企业诉求办理情况通报"
    assert paragraphs[2].startswith("某市企业服务中心") and paragraphs[2].endswith("2026年12月1日")
    headings = [p for p in paragraphs if p[:2] in {f"{n}、" for n in "一二三四五六七八"}]
    assert headings == ["一、总体情况", "二、各县（区）办理情况", "三、各县（区）转报市级情况", "四、市直部门办理情况",
                        "五、市直部门排名", "六、亮牌情况", "七、超期未办结诉求"]
    assert "各县（区）转报市级企业诉求5件（乙县2件、某县3件）" in paragraphs[4]
    tables = [[[c.text for c in row.cells] for row in table.rows] for table in doc.tables]
    counties = next(t for t in tables if t[0][0] == "县（区）" and t[0][1] == "受理")
    assert [r[:3] for r in counties[1:]] == [["某县", "7", "5"], ["乙县", "3", "2"], ["合计", "10", "7"]]
    moves = next(t for t in tables if t[0][:2] == ["县（区）", "转报件数"])
    assert moves[1:] == [["乙县", "2", "2", "0", "50.0%"], ["某县", "3", "1", "2", "100.0%"],
                         ["合计", "5", "3", "2", "66.7%"]]
    handling = next(t for t in tables if t[0][-1] == "不满意返工")
    assert handling[1:] == [["市工信局", "2", "1", "1", "1", "1", "0", "1"], ["市自然资源局", "1", "1", "0", "0", "0", "1", "0"]]
    ranking = next(t for t in tables if t[0][:2] == ["名次", "市直部门"])
    assert {r[1] for r in ranking[1:]} == {"市工信局", "市自然资源局"}
    assert not any("分类统计" in p for p in paragraphs)
    cards = next(t for t in tables if t[0][-1] == "后续措施")
    assert [(r[2], r[-1]) for r in cards[1:]] == [("黄牌", ""), ("红牌", "约谈分管负责人")], "Chinese, not the codes"


def test_the_county_bulletin_keeps_its_sections() -> None:
    report = _county_report(3, 2, 1, 1)
    doc = Document(io.BytesIO(render_bulletin(report, [], city=[])))
    headings = [p.text for p in doc.paragraphs if p.text[:2] in {f"{n}、" for n in "一二三四五六七八九"}]
    assert headings == ["一、总体情况", "二、各承办单位办理情况", "三、承办单位排名", "四、亮牌情况", "五、超期未办结诉求",
                        "六、分类统计", "七、市级转报办理情况（各县比较）"]
