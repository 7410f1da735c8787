"""The application context: what the CLI commands and the external-task handlers share.

One `AppContext` is made per process from `Settings.from_env()` (the `appeals` command group does it,
`appeals worker` hands it to every handler as its second argument). It holds the settings and makes
the clients on first use: the application database, the engine as the workers' technical user (and
as the admin, for the CLI), the working-day calendar and the synced org chart. Tests hand handlers a
small fake with the same attributes instead.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import click
from sqlalchemy import select
from sqlalchemy.engine import Engine

from . import db
from .camunda import Camunda
from .settings import Settings

if TYPE_CHECKING:
    from .deadlines import DeadlineService
    from .org import OrgChart
    from .workdays import WorkdayCalendar

DEFAULT_PREFIX = "某县"


def latest_org_chart(engine: Engine) -> OrgChart:
    """The chart last loaded by `appeals org sync`; LookupError when none has been synced."""
    from .org import parse

    with engine.connect() as conn:
        content = conn.execute(
            select(db.OrgSnapshot.content).order_by(db.OrgSnapshot.id.desc()).limit(1)
        ).scalar_one_or_none()
    if content is None:
        raise LookupError("no org chart has been synced yet: run `appeals org sync FILE`")
    return parse(content)


def home_county_code(engine: Engine) -> str | None:
    """The tenant of the chart's own county (where the 12345 feed and the public pages deliver, and whose
    an appeal without tenant is), or None without tenants or before the first sync. One small query (the
    chart's `tenant` key, not the chart): the ledger asks it for every milestone of such an appeal."""
    with engine.connect() as conn:
        tenant = conn.execute(
            select(db.OrgSnapshot.content["tenant"].as_string()).order_by(db.OrgSnapshot.id.desc()).limit(1)
        ).scalar_one_or_none()
    return tenant or None


class AppContext:
    """Settings, and the clients made from them on first use."""

    def __init__(self, settings: Settings | None = None) -> None:
        # None only where a process starts: click's `ensure_object` for a sub-group invoked on its own
        self.settings = settings if settings is not None else Settings.from_env()
        self._admin: Camunda | None = None

    @classmethod
    def from_env(cls) -> AppContext:
        """The context of a process's entry point (the CLI group, a test): Settings.from_env()."""
        return cls(Settings.from_env())

    # clients
    @cached_property
    def db(self) -> Engine:
        """The application database, migrated to the newest schema when first opened."""
        db.upgrade(self.settings.ledger_url)
        return db.engine_for(self.settings.ledger_url)

    @cached_property
    def camunda(self) -> Camunda:
        """The engine, as the workers' technical user (decisions, history, messages)."""
        engine = self.settings.engine
        return Camunda(engine.url, *engine.require_worker(), timeout=engine.http_timeout)

    def admin(self) -> Camunda:
        """The engine as the administrator (deploy, org sync, status)."""
        if self._admin is None:
            engine = self.settings.engine
            self._admin = Camunda(engine.url, *engine.require_admin(), timeout=engine.http_timeout)
        return self._admin

    def worker_client(self) -> Camunda:
        """A client of its own for the worker runtime (a larger connection pool)."""
        engine = self.settings.engine
        return Camunda(engine.url, *engine.require_worker(), timeout=engine.http_timeout, pool_size=32)

    # data that administrators change while the workers run: read each time
    def calendar(self) -> WorkdayCalendar:
        """The working-day calendar with the administrator's imported overrides."""
        from .workdays import load_calendar

        return load_calendar(self.db)

    def org_chart(self, tenant: str | None = None) -> OrgChart:
        """The chart last loaded by `appeals org sync` (LookupError before the first sync); with a
        tenant, the chart of that county (`OrgChart.for_tenant`; LookupError for an unknown tenant)."""
        chart = latest_org_chart(self.db)
        return chart.for_tenant(tenant) if tenant else chart

    def save_org_chart(self, chart: OrgChart) -> None:
        """Keep `chart` as the current snapshot (nothing new when it is unchanged)."""
        with self.db.begin() as conn:
            last = conn.execute(
                select(db.OrgSnapshot.content).order_by(db.OrgSnapshot.id.desc()).limit(1)
            ).scalar_one_or_none()
            if last != chart.to_dict():
                conn.execute(db.OrgSnapshot.__table__.insert().values(content=chart.to_dict(), synced_at=db.utcnow()))

    def document_org(self, tenant: str | None = None, *, city: bool = False) -> dict[str, str]:
        """The issuing organisation of documents and reports, from the synced org chart (of the
        county whose tenant is `tenant`, when given); with `city`, the city's office (`city_issuer_of`)."""
        from .documents.fields import city_issuer_of, issuer_of

        return (city_issuer_of if city else issuer_of)(self.org_chart(tenant))

    def deadlines(self) -> DeadlineService:
        """Due dates from the AppealDeadlines table on the current working-day calendar."""
        from .deadlines import DeadlineService

        return DeadlineService(self.camunda, self.calendar())


# click's examples/repo pattern: every command takes the root group's AppContext; a sub-group invoked on
# its own (tests, `CliRunner().invoke(hotline, …)`) makes one from the environment
pass_app = click.make_pass_decorator(AppContext, ensure=True)


def current_app() -> AppContext:
    """The AppContext of the running click command (see `pass_app`)."""
    return click.get_current_context().ensure_object(AppContext)
