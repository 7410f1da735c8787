"""Document numbers of spec §4: gap-free serials per year and type, unique under concurrency.

收 registration: {prefix}服企办收（2026）第12号; 交 dispatch; 报 city transfer. The city numbers what the
counties transfer in its own series (`city_registration` 收, `city_dispatch` 交, prefix = the city): one
serial per city and year, whichever county the appeal came from (临沧 第十三条); its 催办函 to an overdue
city department likewise (`city_reminder` 催: {city}服企办催（2026）第1号, 临沧 第十八条).

Each county has its own series of 收 / 交 / 报 / 催 (docs/city-level.md): the chart's own county keeps
the plain kinds, another county's series is keyed `{kind}@{tenant}` (`series`), with its own prefix.

The serial is incremented and issued in one database transaction keyed by the owner (the process
instance), so a redelivered external task gets the number it already has, and a failed attempt
rolls its increment back: no gaps, no duplicates.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .db import IssuedNumber, NumberSequence

SHANGHAI = ZoneInfo("Asia/Shanghai")
KINDS = {"registration": "收", "dispatch": "交", "transfer": "报", "reminder": "催",
         "city_registration": "收", "city_dispatch": "交", "city_reminder": "催"}


SERIES_KEY_LENGTH: int = NumberSequence.__table__.c.kind.type.length
"""Characters a series key (`series_kind`) may have: the `number_sequence.kind` column's length."""
SERIES_TENANT_LENGTH: int = SERIES_KEY_LENGTH - len("@") - max(map(len, KINDS))
"""The longest tenant id whose series keys fit every kind (`OrgChart` refuses a longer one)."""


def format_number(prefix: str, kind: str, year: int, serial: int) -> str:
    return f"{prefix}服企办{KINDS[kind]}（{year}）第{serial}号"


def series_kind(kind: str, series: str | None) -> str:
    """The key of a number series: the kind, and for another county than the chart's own `@tenant`.

    Raises ValueError for a key longer than the column holds (`SERIES_KEY_LENGTH`)."""
    key = f"{kind}@{series}" if series else kind
    if len(key) > SERIES_KEY_LENGTH:
        raise ValueError(f"number series {key!r} is longer than {SERIES_KEY_LENGTH} characters; "
                         f"a tenant id may have at most {SERIES_TENANT_LENGTH}")
    return key


def _insert_ignore(engine: Engine, year: int, kind: str):
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(NumberSequence).values(year=year, kind=kind, last_value=0).on_conflict_do_nothing()


def issue_number(
    engine: Engine, kind: str, owner_key: str, prefix: str, when: dt.datetime | None = None,
    series: str | None = None,
) -> str:
    """The number of `kind` for `owner_key`, issuing the next serial of the year if it has none.

    `series` keys another county's series (its tenant, `OrgChart.number_series`); None is the chart's
    own county's (and the city's). Raises ValueError for an unknown kind."""
    if kind not in KINDS:
        raise ValueError(f"unknown number kind {kind!r}; one of {', '.join(KINDS)}")
    label = KINDS[kind]
    kind = series_kind(kind, series)
    year = (when or dt.datetime.now(SHANGHAI)).astimezone(SHANGHAI).year
    for _attempt in range(5):
        try:
            with engine.begin() as conn:
                # A write first, so SQLite takes its write lock before any read.
                conn.execute(_insert_ignore(engine, year, kind))
                existing = conn.execute(
                    select(IssuedNumber.number).where(
                        IssuedNumber.kind == kind, IssuedNumber.owner_key == owner_key
                    )
                ).scalar_one_or_none()
                if existing is not None:
                    return existing
                serial = conn.execute(
                    update(NumberSequence)
                    .where(NumberSequence.year == year, NumberSequence.kind == kind)
                    .values(last_value=NumberSequence.last_value + 1)
                    .returning(NumberSequence.last_value)
                ).scalar_one()
                number = f"{prefix}服企办{label}（{year}）第{serial}号"
                conn.execute(
                    insert(IssuedNumber).values(
                        kind=kind, year=year, serial=serial, number=number, owner_key=owner_key,
                        issued_at=dt.datetime.now(dt.UTC),
                    )
                )
                return number
        except IntegrityError:
            continue  # the same owner got its number concurrently: read it on the next pass
    raise RuntimeError(f"could not issue a {kind} number for {owner_key}")
