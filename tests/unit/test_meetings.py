"""Meetings (spec §11): the item lines of the minutes are parsed and bad lines reported.
Topics, agenda and items that become appeals on the real engine: tests/engine/test_meetings.py."""

from __future__ import annotations

from appeals.handlers.meetings import parse_items


def test_item_lines_are_parsed_and_bad_lines_reported() -> None:
    items, errors = parse_items("甲公司｜91140525MA0K2U7X4L｜张三｜13900000000｜用电增容｜供电公司｜是\n"
                                "乱写的一行\n乙公司|91140525MA0H8C3E25|李四|13900000001|招工难")
    assert [i["enterpriseName"] for i in items] == ["甲公司", "乙公司"]
    assert items[0]["settled"] is True and items[1]["settled"] is False and items[1]["lead"] == ""
    assert len(errors) == 1 and "第2行" in errors[0]
