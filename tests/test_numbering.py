"""Registration numbers: gap-free per year and kind, unique under concurrent intake."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from appeals.db import engine_for
from appeals.numbering import SHANGHAI, issue_number


def test_concurrent_intake_gets_gap_free_unique_numbers(tmp_path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'seq.sqlite'}")
    when = dt.datetime(2026, 5, 1, 9, tzinfo=SHANGHAI)
    owners = [f"pi-{i}" for i in range(120)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(lambda o: issue_number(engine, "registration", o, "某县", when), owners))
    serials = sorted(int(n.split("第")[1].rstrip("号")) for n in numbers)
    assert serials == list(range(1, 121))
    assert all(n.startswith("某县服企办收（2026）第") for n in numbers)


def test_same_owner_keeps_its_number_and_kinds_and_years_count_apart(tmp_path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'seq.sqlite'}")
    may = dt.datetime(2026, 5, 1, tzinfo=SHANGHAI)
    first = issue_number(engine, "registration", "pi-a", "某县", may)
    assert issue_number(engine, "registration", "pi-a", "某县", may) == first == "某县服企办收（2026）第1号"
    assert issue_number(engine, "dispatch", "pi-a", "某县", may) == "某县服企办交（2026）第1号"
    assert issue_number(engine, "registration", "pi-b", "某县", may) == "某县服企办收（2026）第2号"
    # New Year's Eve 23:30 in Shanghai is still 2026; 00:30 on 1 January is 2027
    eve = dt.datetime(2026, 12, 31, 15, 30, tzinfo=dt.UTC)
    new_year = dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)
    assert issue_number(engine, "registration", "pi-c", "某县", eve) == "某县服企办收（2026）第3号"
    assert issue_number(engine, "registration", "pi-d", "某县", new_year) == "某县服企办收（2027）第1号"
