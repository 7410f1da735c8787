"""The application database: number sequences, org snapshot, outbox and (later) the ledger.

SQLAlchemy 2.0 typed models; schema changes only through the Alembic migrations in
`migrations/`. SQLite under the data folder by default, PostgreSQL by APPEALS_DATABASE_URL.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
MIGRATIONS = Path(__file__).parent / "migrations"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class NumberSequence(Base):
    """The last serial issued per year and number type (收 / 交 / 报)."""

    __tablename__ = "number_sequence"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)  # numbering.KINDS (0007: was 8)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class IssuedNumber(Base):
    """A number given to one appeal; the same appeal never gets a second number of a kind."""

    __tablename__ = "issued_number"
    __table_args__ = (
        UniqueConstraint("kind", "owner_key", name="uq_issued_number_kind_owner"),
        UniqueConstraint("kind", "year", "serial", name="uq_issued_number_kind_year_serial"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))  # numbering.KINDS (0007: was 8)
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(64))
    owner_key: Mapped[str] = mapped_column(String(128))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OrgSnapshot(Base):
    """The org chart as last synced into Camunda; workers read who oversees whom from it."""

    __tablename__ = "org_snapshot"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    synced_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)


class CalendarDay(Base):
    """One day of an imported holiday schedule (spec §17): a holiday or a make-up working day (调休).

    Overrides chinesecalendar for that day; see `appeals.workdays` and docs/calendar.md.
    """

    __tablename__ = "calendar_day"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CalendarYear(Base):
    """A year an override file touched; `complete` when the file declared the whole official schedule."""

    __tablename__ = "calendar_year"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    notice: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def sqlite_length_triggers(metadata: MetaData) -> list[tuple[str, str]]:
    """SQLite triggers that refuse what PostgreSQL refuses: a value longer than its column's
    declared `VARCHAR(n)` (SQLite itself ignores declared lengths, so without them a too-long value
    passes every test on SQLite and fails only in production). One BEFORE INSERT and one BEFORE
    UPDATE trigger per column, as (table name, `CREATE TRIGGER IF NOT EXISTS …`); the error text
    is PostgreSQL's."""
    statements = []
    for table in metadata.sorted_tables:
        checks = [
            (column.name, column.type.length) for column in table.columns
            if isinstance(column.type, String) and getattr(column.type, "length", None)
        ]
        if not checks:
            continue
        for event_name in ("INSERT", "UPDATE"):
            for name, length in checks:
                statements.append((table.name,
                    f'CREATE TRIGGER IF NOT EXISTS "lenck_{table.name}_{name}_{event_name.lower()}" '
                    f'BEFORE {event_name} ON "{table.name}" '
                    f'WHEN length(NEW."{name}") > {length} '
                    f"BEGIN SELECT RAISE(ABORT, 'value too long for type character varying({length}): "
                    f"{table.name}.{name}'); END"))
    return statements


def _install_sqlite_length_triggers(engine: Engine) -> None:
    from sqlalchemy import inspect, text

    existing = set(inspect(engine).get_table_names())
    with engine.begin() as conn:
        for table, statement in sqlite_length_triggers(Base.metadata):
            if table in existing:
                conn.execute(text(statement))


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the database to the newest migration."""
    command.upgrade(alembic_config(url), "heads")


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One migrated engine per URL per process (on SQLite with the declared-length triggers)."""
    upgrade(url)
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        _install_sqlite_length_triggers(engine)
    return engine


# The capabilities' models, each in its own module, all on Base.metadata (Alembic sees them here).
from . import hotline_models, ledger_models, outbox_models, public_models  # noqa: E402,F401
