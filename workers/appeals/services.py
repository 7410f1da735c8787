"""Shared services of the CLI and the handlers: settings, the application database, the org chart."""

from __future__ import annotations

from functools import cached_property, lru_cache

from sqlalchemy import select
from sqlalchemy.engine import Engine

from . import db
from .camunda import Camunda
from .org import OrgChart, parse
from .settings import Settings
from .workdays import WorkdayCalendar, load_calendar


class Services:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def db(self) -> Engine:
        """The application database, migrated to the newest schema when first opened."""
        db.upgrade(self.settings.ledger_url)
        return db.engine_for(self.settings.ledger_url)

    @cached_property
    def camunda(self) -> Camunda:
        """The engine, as the workers' technical user (decisions, history, messages)."""
        return Camunda(self.settings.engine_url, *self.settings.require_worker(), timeout=self.settings.http_timeout)

    def calendar(self) -> WorkdayCalendar:
        """The working-day calendar with the administrator's imported overrides (re-read each time)."""
        return load_calendar(self.db)

    def org_chart(self) -> OrgChart:
        """The chart last loaded by `appeals org sync` (read each time: admins may re-sync)."""
        with self.db.connect() as conn:
            content = conn.execute(
                select(db.OrgSnapshot.content).order_by(db.OrgSnapshot.id.desc()).limit(1)
            ).scalar_one_or_none()
        if content is None:
            raise LookupError("no org chart has been synced yet: run `appeals org sync FILE`")
        return parse(content)

    def save_org_chart(self, chart: OrgChart) -> None:
        with self.db.begin() as conn:
            last = conn.execute(
                select(db.OrgSnapshot.content).order_by(db.OrgSnapshot.id.desc()).limit(1)
            ).scalar_one_or_none()
            if last != chart.to_dict():
                conn.execute(db.OrgSnapshot.__table__.insert().values(content=chart.to_dict(), synced_at=db.utcnow()))


@lru_cache(maxsize=1)
def services() -> Services:
    return Services(Settings.from_env())
