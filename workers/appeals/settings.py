"""Settings from environment variables: ONE frozen, typed object, the only code that reads them.

`Settings.from_env()` reads the environment once (the CLI's `AppContext` holds the result and hands
it down); every other module receives `Settings` or one of its sections and never reads
`os.environ`. The sections and their variables (README, "Configuration"):

    engine    APPEALS_ENGINE_URL, CAMUNDA_ADMIN_USER/_PASSWORD, APPEALS_WORKER_USER/_PASSWORD,
              APPEALS_HTTP_TIMEOUT, APPEALS_ENGINE_NODES (a cluster's nodes, docs/cluster.md)
    database  APPEALS_DATABASE_URL (default: SQLite in APPEALS_DATA_DIR)
    smtp      APPEALS_SMTP_HOST, _PORT, _USER, _PASSWORD, _FROM, _STARTTLS
    sms       APPEALS_SMS_URL, APPEALS_SMS_TOKEN
    pdf       APPEALS_PDF
    reports   APPEALS_CHART_FONT
    public    APPEALS_PUBLIC_* (docs/public-pages.md); `survey_days` is the one validity of survey
              links, enforced by the page and quoted by the SMS that sends the link; APPEALS_PUBLIC_PORT
    hotline   APPEALS_HOTLINE_* (docs/hotline.md), APPEALS_HOTLINE_SIMULATOR_PORT
    counties  any APPEALS_PUBLIC_* or APPEALS_HOTLINE_* with the suffix `__<TENANT>` (APPEALS_HOTLINE_URL__YIXIAN):
              that county's own 12345 feed and public site (`Settings.hotline_feeds`, `Settings.public_for`);
              docs/city-level.md, "How each channel picks the county"
    notify    APPEALS_NOTIFY_RETRY_SECONDS
    org       APPEALS_INITIAL_PASSWORD, APPEALS_ORG_PREFIX (an override only: the county and its
              number prefix come from the synced org chart)
    dashboard APPEALS_DASHBOARD_SECRET, APPEALS_DASHBOARD_PORT (docs/dashboard.md)
    cluster   DB_URL, DB_USERNAME, DB_PASSWORD, APPEALS_CLUSTER_PG_PORT (`appeals up --cluster`)

No secret has a default here. The demo passwords are applied only by `make run` (the Makefile's
`DEMO_ENV`) and documented in the README as local-demo values.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MIN_SECRET_LENGTH = 32


class SettingsError(RuntimeError):
    """A required setting is missing or invalid."""


class _Env:
    """Typed reads of one environment mapping; empty values count as unset."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.environ.get(name)
        return value if value not in (None, "") else default

    def port(self, name: str, default: int) -> int:
        """A TCP port, 1-65535."""
        value = self.int(name, default)
        if not 1 <= value <= 65535:
            raise SettingsError(f"{name} must be a port from 1 to 65535, not {value}")
        return value

    def int(self, name: str, default: int) -> int:
        raw = self.str(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None

    def float(self, name: str, default: float) -> float:
        raw = self.str(name)
        if raw is None:
            return default
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, not {raw!r}") from None

    def flag(self, name: str, default: bool, *, false: tuple[str, ...] = ("0", "off", "false", "no")) -> bool:
        raw = self.str(name)
        return default if raw is None else raw.lower() not in false


# ----------------------------------------------------------------------------- sections
@dataclass(frozen=True)
class EngineSettings:
    """The engine's REST API and the users the CLI and the workers log in as."""

    url: str = "http://localhost:8080/engine-rest"
    admin_user: str = "admin"
    admin_password: str | None = None
    worker_user: str = "appeals-worker"
    worker_password: str | None = None
    http_timeout: float = 10.0  # seconds per REST call (the long poll adds its own wait)
    # APPEALS_ENGINE_NODES: the REST URLs of every engine node of a cluster, comma-separated; the workers
    # long-poll each node (a long poll is woken only by tasks created in its own JVM) and send
    # everything else to `url`, the balancer (docs/cluster.md). Empty: one engine.
    nodes: tuple[str, ...] = ()

    def require_admin(self) -> tuple[str, str]:
        if not self.admin_password:
            raise SettingsError(
                "CAMUNDA_ADMIN_PASSWORD is not set: the admin credentials come from the "
                "environment (see README, 'Demo logins')."
            )
        return self.admin_user, self.admin_password

    def require_worker(self) -> tuple[str, str]:
        if not self.worker_password:
            raise SettingsError(
                "APPEALS_WORKER_PASSWORD is not set: the workers' technical user needs its "
                "password from the environment."
            )
        return self.worker_user, self.worker_password


@dataclass(frozen=True)
class ClusterSettings:
    """`appeals up --cluster` (docs/cluster.md): the engine database the nodes share, as the engine
    reads it (DB_URL, DB_USERNAME, DB_PASSWORD; a PostgreSQL URL, else a PostgreSQL of the data
    folder is started on APPEALS_CLUSTER_PG_PORT)."""

    db_url: str | None = None
    db_user: str | None = None
    db_password: str | None = None
    local_postgres_port: int = 55432


@dataclass(frozen=True)
class DatabaseSettings:
    """The application database (numbers, org snapshot, outbox, ledger, hotline registry)."""

    url: str | None = None  # SQLAlchemy URL; None: SQLite in the data folder


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None = None  # None: e-mail is not sent, recorded as skipped
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = "fuqiban@county.example.gov.cn"
    starttls: bool = False


@dataclass(frozen=True)
class SmsSettings:
    url: str | None = None  # the gateway takes HTTP POST {phone, text, key}
    token: str | None = None


@dataclass(frozen=True)
class PdfSettings:
    enabled: bool = True  # also a PDF of every document, when LibreOffice is installed


@dataclass(frozen=True)
class ReportSettings:
    chart_font: str | None = None  # a font file with Chinese glyphs for the bulletin's charts


@dataclass(frozen=True)
class NotifySettings:
    retry_seconds: float = 30.0  # a message that failed is tried again after this long


@dataclass(frozen=True)
class OrgSettings:
    initial_password: str | None = None  # for users `appeals org sync` creates; None: generated
    # The county and its number prefix are facts of the org chart (`county`, `number_prefix`);
    # APPEALS_ORG_PREFIX overrides the prefix the public pages accept in a 登记编号, nothing else.
    prefix_override: str | None = None


@dataclass(frozen=True)
class DashboardSettings:
    """The 专班看板 (docs/dashboard.md)."""

    secret: str | None = None  # signs the session cookie; None: a new one per start (sessions end)
    port: int = 8091  # `appeals dashboard serve` and `appeals up` (APPEALS_DASHBOARD_PORT)


@dataclass(frozen=True)
class PublicSettings:
    """The public web pages (docs/public-pages.md)."""

    secret: str | None = None  # signs sessions, CSRF tokens and survey links
    user: str = "appeals-public"
    password: str | None = None
    base_url: str = "http://localhost:8090"  # default: http://localhost:<port>
    port: int = 8090  # `appeals public serve` and `appeals up` (APPEALS_PUBLIC_PORT)
    # the county (tenant) this site serves: None → the chart's own county (and every county without a site
    # of its own); `appeals public serve --county yixian` or APPEALS_PUBLIC_COUNTY
    county: str | None = None
    # Flask-Limiter notation ("5 per minute;20 per hour"), per client IP
    rate_submit: str = "5 per minute;30 per hour"  # accepted submissions
    rate_submit_refused: str = "20 per minute;100 per hour"  # submissions refused (typos), counted apart
    rate_lookup: str = "10 per minute;60 per hour"
    rate_survey: str = "10 per minute;30 per hour"
    rate_default: str = "120 per minute"
    rate_storage: str = "memory://"
    rate_enabled: bool = True
    trusted_proxies: int = 0
    survey_days: int = 30  # a survey link is valid this many days (the page checks, the SMS says so)
    max_request_bytes: int = 256 * 1024
    registration_wait_seconds: float = 10.0
    delivery_seconds: float = 10.0  # kept submissions (engine down): how often `public serve` delivers them
    help_phone: str = "12345"
    secure_cookies: bool | None = None  # None: only when base_url is https

    @property
    def cookies_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.base_url.startswith("https://")

    def require_secret(self) -> str:
        return require_secret(self.secret)

    def require_credentials(self) -> tuple[str, str]:
        if not self.password:
            raise SettingsError(
                "APPEALS_PUBLIC_PASSWORD is not set: the public pages talk to the engine as the "
                f"technical user '{self.user}', created by `appeals org sync` when that variable is set."
            )
        return self.user, self.password


def require_secret(secret: str | None) -> str:
    """The public pages' signing secret; SettingsError when unset or shorter than 32 characters."""
    if not secret:
        raise SettingsError(
            "APPEALS_PUBLIC_SECRET is not set: it signs the sessions, CSRF tokens and survey links "
            "of the public pages (generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    if len(secret) < MIN_SECRET_LENGTH:
        raise SettingsError(f"APPEALS_PUBLIC_SECRET must have at least {MIN_SECRET_LENGTH} characters")
    return secret


@dataclass(frozen=True)
class HotlineConfig:
    """How to reach the 12345 platform's Open311 endpoint and how patiently (docs/hotline.md)."""

    url: str | None = None  # base URL, e.g. https://12345.example.gov.cn/open311/v2
    api_key: str | None = None
    jurisdiction: str | None = None  # Open311 jurisdiction_id of our county, when the platform needs it
    format: str = "xml"  # xml (required by Open311) | json
    page_size: int = 100
    timeout: float = 10.0  # seconds per HTTP call
    attempts: int = 4  # tries per call before giving up (tenacity stop_after_attempt)
    retry_wait: float = 1.0  # first back-off in seconds, doubling up to retry_wait_max
    retry_wait_max: float = 30.0
    retry_deadline: float = 120.0  # seconds per call, all tries together (tenacity stop_after_delay)
    lookback_days: int = 30  # the first pull asks for orders updated in the last N days
    overlap_minutes: int = 60  # each pull starts this long before the last one's newest update
    verify_tls: bool | str = True  # False, True or a CA bundle path
    max_calls: int = 500  # requests per sync at most (pages and windows together): every sync ends
    window_days: int = 90  # a server that does not page: read the orders received in the last N days
    drain_workers: int = 4  # appeals started at once by a sync (bounded; docs/benchmarks.md, "Intake at volume")
    simulator_port: int = 8311  # `appeals hotline simulator` and `appeals up --demo` (APPEALS_HOTLINE_SIMULATOR_PORT)
    # the county (tenant) whose feed this is: None → the chart's own county (APPEALS_HOTLINE_URL); a county
    # of the chart's `counties` for APPEALS_HOTLINE_URL__<TENANT>
    county: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.url)

    @property
    def feed(self) -> str:
        """The key of this endpoint's watermark in `hotline_feed`."""
        return f"{self.url}|{self.jurisdiction or ''}"


# ----------------------------------------------------------------------------- per county
COUNTY_SUFFIX = re.compile(r"^(?P<name>APPEALS_(?:HOTLINE|PUBLIC)_[A-Z0-9_]+?)__(?P<tenant>[A-Z][A-Z0-9_]{1,63})$")
"""`APPEALS_HOTLINE_URL__YIXIAN`: the variable APPEALS_HOTLINE_URL for the county of tenant `yixian`
(upper case, `-` written `_`)."""

COUNTY_OWN = {
    "APPEALS_HOTLINE_": ("APPEALS_HOTLINE_URL", "APPEALS_HOTLINE_API_KEY", "APPEALS_HOTLINE_JURISDICTION"),
    "APPEALS_PUBLIC_": ("APPEALS_PUBLIC_BASE_URL", "APPEALS_PUBLIC_PORT", "APPEALS_PUBLIC_COUNTY"),
}
"""What a county never takes over from the chart's own county: its feed's address and key, its site's
address (a county without APPEALS_HOTLINE_URL__<TENANT> has no feed; two counties never read one feed)."""


def tenant_of_suffix(suffix: str) -> str:
    return suffix.lower().replace("_", "-")


def suffix_of_tenant(tenant: str) -> str:
    return tenant.upper().replace("-", "_")


def _county_envs(environ: Mapping[str, str], section: str) -> dict[str, dict[str, str]]:
    """Per tenant named by a `__<TENANT>` variable of the section (APPEALS_HOTLINE_ / APPEALS_PUBLIC_): the
    environment that county reads — the section's variables of the chart's own county, without those it
    never takes over (`COUNTY_OWN`), overridden by its own."""
    overrides: dict[str, dict[str, str]] = {}
    for name, value in environ.items():
        match = COUNTY_SUFFIX.match(name)
        if match and match["name"].startswith(section) and value not in (None, ""):
            overrides.setdefault(tenant_of_suffix(match["tenant"]), {})[match["name"]] = value
    shared = {k: v for k, v in environ.items() if "__" not in k and k not in COUNTY_OWN[section]}
    return {tenant: {**shared, **own} for tenant, own in overrides.items()}


def _hotline(env: _Env, county: str | None = None) -> HotlineConfig:
    d = HotlineConfig
    verify: bool | str = env.str("APPEALS_HOTLINE_CA_BUNDLE") or env.flag(
        "APPEALS_HOTLINE_VERIFY_TLS", True, false=("0", "false", "no"))
    fmt = (env.str("APPEALS_HOTLINE_FORMAT", d.format) or d.format).lower()
    if fmt not in ("xml", "json"):
        raise ValueError(f"APPEALS_HOTLINE_FORMAT must be xml or json, not {fmt!r}")
    return HotlineConfig(
        url=(env.str("APPEALS_HOTLINE_URL") or "").rstrip("/") or None,
        api_key=env.str("APPEALS_HOTLINE_API_KEY"),
        jurisdiction=env.str("APPEALS_HOTLINE_JURISDICTION"),
        format=fmt,
        page_size=env.int("APPEALS_HOTLINE_PAGE_SIZE", d.page_size),
        timeout=env.float("APPEALS_HOTLINE_TIMEOUT", d.timeout),
        attempts=env.int("APPEALS_HOTLINE_ATTEMPTS", d.attempts),
        retry_wait=env.float("APPEALS_HOTLINE_RETRY_WAIT", d.retry_wait),
        retry_deadline=env.float("APPEALS_HOTLINE_RETRY_DEADLINE", d.retry_deadline),
        lookback_days=env.int("APPEALS_HOTLINE_LOOKBACK_DAYS", d.lookback_days),
        overlap_minutes=env.int("APPEALS_HOTLINE_OVERLAP_MINUTES", d.overlap_minutes),
        verify_tls=verify,
        max_calls=env.int("APPEALS_HOTLINE_MAX_CALLS", d.max_calls),
        window_days=env.int("APPEALS_HOTLINE_WINDOW_DAYS", d.window_days),
        drain_workers=max(1, env.int("APPEALS_HOTLINE_DRAIN_WORKERS", d.drain_workers)),
        simulator_port=env.port("APPEALS_HOTLINE_SIMULATOR_PORT", d.simulator_port),
        county=county,
    )


def _public(env: _Env, county: str | None = None) -> PublicSettings:
    p = PublicSettings
    return PublicSettings(
        secret=env.str("APPEALS_PUBLIC_SECRET"),
        user=env.str("APPEALS_PUBLIC_USER", p.user),
        password=env.str("APPEALS_PUBLIC_PASSWORD"),
        base_url=env.str("APPEALS_PUBLIC_BASE_URL",
                         f"http://localhost:{env.port('APPEALS_PUBLIC_PORT', p.port)}").rstrip("/"),
        port=env.port("APPEALS_PUBLIC_PORT", p.port),
        county=county or env.str("APPEALS_PUBLIC_COUNTY"),
        rate_submit=env.str("APPEALS_PUBLIC_RATE_SUBMIT", p.rate_submit),
        rate_submit_refused=env.str("APPEALS_PUBLIC_RATE_SUBMIT_REFUSED", p.rate_submit_refused),
        rate_lookup=env.str("APPEALS_PUBLIC_RATE_LOOKUP", p.rate_lookup),
        rate_survey=env.str("APPEALS_PUBLIC_RATE_SURVEY", p.rate_survey),
        rate_default=env.str("APPEALS_PUBLIC_RATE_DEFAULT", p.rate_default),
        rate_storage=env.str("APPEALS_PUBLIC_RATE_STORAGE", p.rate_storage),
        trusted_proxies=env.int("APPEALS_PUBLIC_TRUSTED_PROXIES", p.trusted_proxies),
        survey_days=env.int("APPEALS_PUBLIC_SURVEY_DAYS", p.survey_days),
        help_phone=env.str("APPEALS_PUBLIC_HELP_PHONE", p.help_phone),
        delivery_seconds=env.float("APPEALS_PUBLIC_DELIVERY_SECONDS", p.delivery_seconds),
        registration_wait_seconds=env.float("APPEALS_PUBLIC_REGISTRATION_WAIT_SECONDS",
                                            p.registration_wait_seconds),
    )


def _county_publics(environ: Mapping[str, str]) -> tuple[PublicSettings, ...]:
    """The other counties' public sites."""
    return tuple(_public(_Env(county_env), tenant) for tenant, county_env in sorted(
        _county_envs(environ, "APPEALS_PUBLIC_").items()))


def _county_hotlines(environ: Mapping[str, str]) -> tuple[HotlineConfig, ...]:
    """The other counties' feeds; SettingsError when two feeds (the own county's included) are one
    endpoint and jurisdiction: every order of a feed belongs to one county."""
    feeds = [_hotline(_Env(county_env), tenant) for tenant, county_env in sorted(
        _county_envs(environ, "APPEALS_HOTLINE_").items())]
    seen = {_hotline(_Env(environ)).feed} if _Env(environ).str("APPEALS_HOTLINE_URL") else set()
    for config in feeds:
        if config.configured and config.feed in seen:
            raise SettingsError(f"APPEALS_HOTLINE_URL__{suffix_of_tenant(config.county or '')} names a 12345 feed "
                                "(address and jurisdiction) another county reads already: each county needs its own "
                                "feed or its own APPEALS_HOTLINE_JURISDICTION__<TENANT>")
        seen.add(config.feed)
    return tuple(feeds)


# ----------------------------------------------------------------------------- the object
@dataclass(frozen=True)
class Settings:
    """Runtime configuration of the CLI, the workers and the public pages, by section."""

    data_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "data")
    engine: EngineSettings = field(default_factory=EngineSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    sms: SmsSettings = field(default_factory=SmsSettings)
    pdf: PdfSettings = field(default_factory=PdfSettings)
    reports: ReportSettings = field(default_factory=ReportSettings)
    public: PublicSettings = field(default_factory=PublicSettings)
    hotline: HotlineConfig = field(default_factory=HotlineConfig)
    notify: NotifySettings = field(default_factory=NotifySettings)
    org: OrgSettings = field(default_factory=OrgSettings)
    dashboard: DashboardSettings = field(default_factory=DashboardSettings)
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    # the other counties' own 12345 feeds and public sites (`__<TENANT>` variables), by tenant
    county_hotlines: tuple[HotlineConfig, ...] = ()
    county_publics: tuple[PublicSettings, ...] = ()

    def hotline_feeds(self) -> list[HotlineConfig]:
        """Every configured 12345 feed: the chart's own county's (`county` None) first, then each other
        county's (`county` its tenant); an empty list when none is configured."""
        return [c for c in (self.hotline, *self.county_hotlines) if c.configured]

    def hotline_for(self, county: str | None) -> HotlineConfig:
        """The feed of a county (its tenant; None → the chart's own county's). A county without a feed of
        its own gets an unconfigured one (`configured` False), never another county's."""
        if county is None:
            return self.hotline
        for config in self.county_hotlines:
            if config.county == county:
                return config
        return HotlineConfig(county=county)

    def public_for(self, county: str | None) -> PublicSettings:
        """The public site of a county (its tenant): its own (`APPEALS_PUBLIC_*__<TENANT>`), else the chart's
        own county's site, which serves every county without a site of its own."""
        for site in self.county_publics:
            if county is not None and site.county == county:
                return site
        return self.public

    def with_counties(self, extra: Mapping[str, str]) -> Settings:
        """These settings with the other counties' feeds and sites read again from the environment with
        `extra` on top (`appeals up --demo` adds each county's simulator and site)."""
        environ = {**os.environ, **extra}
        return replace(self, county_hotlines=_county_hotlines(environ), county_publics=_county_publics(environ))

    @property
    def public_sites(self) -> frozenset[str]:
        """The counties (tenants) with a public site of their own."""
        return frozenset(site.county for site in self.county_publics if site.county)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every setting from `environ` (default: the process environment), once."""
        env = _Env(os.environ if environ is None else environ)
        e, s = EngineSettings, SmtpSettings
        return cls(
            data_dir=Path(env.str("APPEALS_DATA_DIR", str(PROJECT_ROOT / "data"))).resolve(),
            engine=EngineSettings(
                url=env.str("APPEALS_ENGINE_URL", e.url).rstrip("/"),
                admin_user=env.str("CAMUNDA_ADMIN_USER", e.admin_user),
                admin_password=env.str("CAMUNDA_ADMIN_PASSWORD"),
                worker_user=env.str("APPEALS_WORKER_USER", e.worker_user),
                worker_password=env.str("APPEALS_WORKER_PASSWORD"),
                http_timeout=env.float("APPEALS_HTTP_TIMEOUT", e.http_timeout),
                nodes=tuple(url.strip().rstrip("/") for url in (env.str("APPEALS_ENGINE_NODES") or "").split(",")
                            if url.strip()),
            ),
            database=DatabaseSettings(url=env.str("APPEALS_DATABASE_URL")),
            smtp=SmtpSettings(
                host=env.str("APPEALS_SMTP_HOST"),
                port=env.int("APPEALS_SMTP_PORT", s.port),
                user=env.str("APPEALS_SMTP_USER"),
                password=env.str("APPEALS_SMTP_PASSWORD"),
                sender=env.str("APPEALS_SMTP_FROM", s.sender),
                starttls=(env.str("APPEALS_SMTP_STARTTLS") or "false").lower() in ("1", "true", "yes"),
            ),
            sms=SmsSettings(url=env.str("APPEALS_SMS_URL"), token=env.str("APPEALS_SMS_TOKEN")),
            pdf=PdfSettings(enabled=env.flag("APPEALS_PDF", True)),
            reports=ReportSettings(chart_font=env.str("APPEALS_CHART_FONT")),
            public=_public(env),
            hotline=_hotline(env),
            county_hotlines=_county_hotlines(environ if environ is not None else os.environ),
            county_publics=_county_publics(environ if environ is not None else os.environ),
            notify=NotifySettings(retry_seconds=env.float("APPEALS_NOTIFY_RETRY_SECONDS", NotifySettings.retry_seconds)),
            org=OrgSettings(initial_password=env.str("APPEALS_INITIAL_PASSWORD"),
                            prefix_override=env.str("APPEALS_ORG_PREFIX")),
            dashboard=DashboardSettings(secret=env.str("APPEALS_DASHBOARD_SECRET"),
                                        port=env.port("APPEALS_DASHBOARD_PORT", DashboardSettings.port)),
            cluster=ClusterSettings(db_url=env.str("DB_URL"), db_user=env.str("DB_USERNAME"),
                                    db_password=env.str("DB_PASSWORD"),
                                    local_postgres_port=env.int("APPEALS_CLUSTER_PG_PORT",
                                                                ClusterSettings.local_postgres_port)),
        )

    @property
    def ledger_url(self) -> str:
        """SQLAlchemy URL of the application database (sequences, outbox, ledger)."""
        return self.database.url or f"sqlite:///{self.data_dir / 'appeals.sqlite'}"
