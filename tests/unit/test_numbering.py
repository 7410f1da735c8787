"""Registration numbers: gap-free per year and kind, unique under concurrent intake."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appeals.db import engine_for, upgrade
from appeals.numbering import (
    KINDS,
    SERIES_KEY_LENGTH,
    SERIES_TENANT_LENGTH,
    SHANGHAI,
    issue_number,
    series_kind,
)
from appeals.org import DEMO_ORG, OrgChartError, load, parse

TENANTS = st.from_regex(r"[a-z][a-z0-9-]{1,80}", fullmatch=True)


def test_concurrent_intake_gets_gap_free_unique_numbers(tmp_path, fresh_database_url) -> None:
    upgrade(fresh_database_url)
    engine = engine_for(fresh_database_url)
    when = dt.datetime(2026, 5, 1, 9, tzinfo=SHANGHAI)
    owners = [f"pi-{i}" for i in range(120)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(lambda o: issue_number(engine, "registration", o, "某县", when), owners))
    serials = sorted(int(n.split("第")[1].rstrip("号")) for n in numbers)
    assert serials == list(range(1, 121))
    assert all(n.startswith("某县服企办收（2026）第") for n in numbers)


def test_same_owner_keeps_its_number_and_kinds_and_years_count_apart(tmp_path, fresh_database_url) -> None:
    upgrade(fresh_database_url)
    engine = engine_for(fresh_database_url)
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


def test_migration_0007_widens_the_kind_and_keeps_numbers_issued(fresh_database_url) -> None:
    """A county that deployed before 0007 upgrades in place: its numbers stay, `registration` fits."""
    from alembic import command
    from sqlalchemy import create_engine, select

    from appeals.db import IssuedNumber, alembic_config

    config = alembic_config(fresh_database_url)
    command.upgrade(config, "0006")
    raw = create_engine(fresh_database_url)
    with raw.begin() as conn:  # what a 0006 database could hold: the kinds of ≤ 8 characters
        conn.exec_driver_sql("INSERT INTO number_sequence (year, kind, last_value) VALUES (2026, 'dispatch', 7)")
        conn.exec_driver_sql(
            "INSERT INTO issued_number (kind, year, serial, number, owner_key, issued_at) "
            "VALUES ('dispatch', 2026, 7, '某县服企办交（2026）第7号', 'pi-old', '2026-05-01 09:00:00+08')")
    raw.dispose()
    command.upgrade(config, "head")
    engine = engine_for(fresh_database_url)
    may = dt.datetime(2026, 5, 2, tzinfo=SHANGHAI)
    assert issue_number(engine, "dispatch", "pi-old", "某县", may) == "某县服企办交（2026）第7号"
    assert issue_number(engine, "dispatch", "pi-new", "某县", may) == "某县服企办交（2026）第8号"
    assert issue_number(engine, "registration", "pi-new", "某县", may) == "某县服企办收（2026）第1号"
    with engine.connect() as conn:
        kinds = conn.execute(select(IssuedNumber.kind).where(IssuedNumber.owner_key == "pi-new")).scalars().all()
    assert sorted(kinds) == ["dispatch", "registration"]


@settings(deadline=None)  # parsing the demo chart takes ~100 ms on a loaded machine
@given(TENANTS)
def test_every_county_tenant_the_chart_accepts_keys_every_series_it_numbers_in(tenant: str) -> None:
    """A county's series key is `kind@tenant` in `number_sequence.kind`: every tenant id the chart accepts
    (Camunda's 64 characters, TENANT_PATTERN) fits beside every kind; a longer one is refused at load."""
    raw = load(DEMO_ORG).to_dict()
    raw["counties"][0]["tenant"] = tenant
    if len(tenant) <= 64:
        series = parse(raw).for_tenant(tenant).number_series
        assert all(len(series_kind(kind, series)) <= SERIES_KEY_LENGTH for kind in KINDS)
    else:
        with pytest.raises(OrgChartError, match="tenant"):
            parse(raw)
    assert SERIES_TENANT_LENGTH >= 64
    with pytest.raises(ValueError, match="longer than"):
        series_kind(max(KINDS, key=len), "t" * (SERIES_TENANT_LENGTH + 1))


def test_a_county_with_the_longest_tenant_id_numbers_in_its_own_series(fresh_database_url) -> None:
    upgrade(fresh_database_url)
    engine = engine_for(fresh_database_url)
    tenant = "shuangjiangxian-" + "l" * 48  # 64 characters
    when = dt.datetime(2026, 5, 1, tzinfo=SHANGHAI)
    for kind in KINDS:
        assert issue_number(engine, kind, "pi-1", "双江县", when, series=tenant).endswith("（2026）第1号")
