"""Engines for the application database (SQLite under the data folder, or PostgreSQL).

Getting an engine never changes the schema: `migrate.upgrade(url)` does, called once at startup
(the CLI's commands, the workers' services, the public pages)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """A new engine for `url` (SQLite: WAL, a 30 s busy timeout, foreign keys on)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One shared engine per URL per process. The schema is whatever `migrate.upgrade` left."""
    return make_engine(url)
