"""Schema changes: the Alembic migrations in `migrations/`, run explicitly at startup.

`upgrade(url)` brings the database to the newest migration (nothing to do: Alembic only reads the
version table) and, on SQLite, installs the declared-length triggers; each entry point calls it once
before it opens the database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, String, inspect, text
from sqlalchemy.engine import Engine

from .engine import make_engine
from .models import Base

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


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
    existing = set(inspect(engine).get_table_names())
    with engine.begin() as conn:
        for table, statement in sqlite_length_triggers(Base.metadata):
            if table in existing:
                conn.execute(text(statement))


def upgrade(url: str) -> None:
    """Bring the database at `url` to the newest migration; on SQLite, with the length triggers."""
    command.upgrade(alembic_config(url), "heads")
    if url.startswith("sqlite"):
        engine = make_engine(url)
        try:
            _install_sqlite_length_triggers(engine)
        finally:
            engine.dispose()
