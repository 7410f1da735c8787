"""The application database: number sequences, org snapshot, calendar, ledger, 12345 orders, public
submissions, the notification outbox.

SQLAlchemy 2.0 typed models; schema changes only through the Alembic migrations in `migrations/`.
SQLite under the data folder by default, PostgreSQL by APPEALS_DATABASE_URL.

- `models`: the declarative base (naming convention) and the core tables; each capability's tables
  are in `<capability>_models`, all on `Base.metadata`;
- `engine`: `engine_for(url)`, one engine per URL; it never migrates;
- `migrate`: `upgrade(url)`, the explicit migration every entry point runs at startup.
"""

from __future__ import annotations

# The capabilities' models, each in its own module, all on Base.metadata (Alembic sees them here).
from . import hotline_models, ledger_models, outbox_models, public_models  # noqa: F401
from .engine import engine_for, make_engine
from .migrate import MIGRATIONS, alembic_config, sqlite_length_triggers, upgrade
from .models import (
    NAMING_CONVENTION,
    Base,
    CalendarDay,
    CalendarYear,
    IssuedNumber,
    NumberSequence,
    OrgSnapshot,
    utcnow,
)

__all__ = [
    "MIGRATIONS", "NAMING_CONVENTION", "Base", "CalendarDay", "CalendarYear", "IssuedNumber", "NumberSequence",
    "OrgSnapshot", "alembic_config", "engine_for", "make_engine", "sqlite_length_triggers", "upgrade", "utcnow",
]
