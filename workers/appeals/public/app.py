"""The Flask application of the public pages (spec §3 channel `online`, §12 survey by link).

Server-rendered Jinja2 templates, no JavaScript. Security measures (docs/public-pages.md):
CSRF tokens on every form (Flask-WTF), rate limits per client IP (Flask-Limiter), a honeypot field,
a maximum request size, a strict Content-Security-Policy and no caching of personal pages, Chinese
error pages without stack traces, and logs without personal data.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Flask, Response, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from ..camunda import Camunda
from ..context import DEFAULT_PREFIX, latest_org_chart
from ..db import engine_for, upgrade
from ..org import OrgChart
from ..settings import PublicSettings, Settings
from .gateway import EngineGateway, EngineUnavailable
from .store import Store

log = logging.getLogger("appeals.public")

EXTENSION = "appeals.public"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
ERROR_PAGES: dict[int, tuple[str, str]] = {
    400: ("请求无法处理", "提交的内容不完整或格式不正确，请返回上一页检查后重新提交。"),
    404: ("页面不存在", "您访问的页面不存在，请从首页重新进入。"),
    405: ("请求方式不正确", "请通过页面上的按钮和链接访问本服务。"),
    409: ("无法重复提交", "该内容已经提交过，无需重复提交。"),
    413: ("提交内容过大", "提交的内容超过了允许的大小，请精简文字后重新提交。"),
    429: ("操作过于频繁", "您的操作过于频繁，请稍后再试。如有急事，请拨打服务热线。"),
    500: ("系统出现问题", "系统暂时出现问题，我们会尽快处理，请稍后再试。"),
    503: ("系统繁忙", "系统暂时无法处理您的请求，请稍后再试。您填写的内容未丢失时可直接重新提交。"),
}


class Public:
    """What the views share: settings, the engine gateway and the database store."""

    ORG_TTL_SECONDS = 60.0

    def __init__(self, settings: Settings, gateway: EngineGateway, store: Store) -> None:
        self.settings = settings
        self.gateway = gateway
        self.store = store
        self.limiter: Limiter | None = None
        self._org: tuple[float, OrgChart | None] | None = None
        self._org_guard = threading.Lock()

    @property
    def county(self) -> str | None:
        """The tenant of the county this site serves (`--county`); None: the chart's own county."""
        return self.settings.public.county

    def chart(self) -> OrgChart | None:
        """The synced org chart (None before the first `appeals org sync`), re-read each minute."""
        with self._org_guard:
            if self._org is None or time.monotonic() - self._org[0] > self.ORG_TTL_SECONDS:
                try:
                    chart: OrgChart | None = latest_org_chart(self.store.engine)
                except LookupError:
                    chart = None
                self._org = (time.monotonic(), chart)
            return self._org[1]

    def org(self) -> tuple[str, str]:
        """(county name, 登记编号 prefix) of the county this site serves, from the synced org chart.

        APPEALS_ORG_PREFIX (`settings.org.prefix_override`) overrides both on the chart's own county's
        site; before the first `appeals org sync` both are 某县."""
        override = self.settings.org.prefix_override
        if override and self.county is None:
            return override, override
        chart = self.chart()
        if chart is None:
            return DEFAULT_PREFIX, DEFAULT_PREFIX
        try:
            own = chart.for_tenant(self.county)
        except LookupError:
            return DEFAULT_PREFIX, DEFAULT_PREFIX
        return own.county, own.number_prefix

    def county_code(self) -> str | None:
        """The tenant a submission on this site starts its appeal in (`countyCode`): the site's county,
        else the chart's own county's (None without tenants)."""
        if self.county is not None:
            return self.county
        chart = self.chart()
        return chart.tenant if chart is not None else None

    def serves(self, tenant: str | None) -> bool:
        """Whether an appeal of this tenant may be found (lookup, survey) on this site: a county's site
        only its county's; the chart's own county's site its own, those without a tenant and those of the
        counties without a site of their own (`Settings.public_sites`)."""
        if self.county is not None:
            return tenant == self.county
        if tenant is None:
            return True
        chart = self.chart()
        if chart is None:
            return True
        return tenant == chart.tenant or (
            tenant in {c.tenant for c in chart.counties} and tenant not in self.settings.public_sites)


def public() -> Public:
    from flask import current_app

    return current_app.extensions[EXTENSION]


SUBMIT_ENDPOINT = "public.appeal"


def _accepted(response: Any) -> bool:
    """A questionnaire the page accepted (303 to the receipt); a refused one (400: a field to correct,
    an expired form) counts against `rate_submit_refused` instead of `rate_submit`."""
    return response.status_code < 400


# POST of these endpoints has its own limit per client IP (GET pages only the default limit); the
# questionnaire's counts accepted and refused submissions apart (`SUBMIT_ENDPOINT`)
def _route_limits(settings: PublicSettings) -> dict[str, str]:
    return {"public.appeal": settings.rate_submit, "public.lookup": settings.rate_lookup,
            "public.survey": settings.rate_survey}


def create_app(base: Settings) -> Flask:
    """The public web application for `base` (the caller's Settings: `appeals public serve` passes the
    context's). Needs APPEALS_PUBLIC_SECRET and APPEALS_PUBLIC_PASSWORD."""
    settings = base.public
    secret = settings.require_secret()
    user, password = settings.require_credentials()

    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(
        SECRET_KEY=secret,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_request_bytes,
        MAX_FORM_PARTS=100,
        # one cookie per county's site: two sites on one host (ports) would otherwise share it
        SESSION_COOKIE_NAME="appeals_public" + (f"_{settings.county}" if settings.county else ""),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookies_secure,
        PERMANENT_SESSION_LIFETIME=4 * 3600,
        WTF_CSRF_TIME_LIMIT=4 * 3600,  # a long questionnaire on a phone may take a while
        TEMPLATES_AUTO_RELOAD=False,
        JSON_AS_ASCII=False,
    )
    if settings.trusted_proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies,
                                x_host=settings.trusted_proxies)  # type: ignore[method-assign]

    camunda = Camunda(base.engine.url, user, password, timeout=base.engine.http_timeout, pool_size=16)
    upgrade(base.ledger_url)  # the app's startup brings the database to the newest schema
    app.extensions[EXTENSION] = Public(base, EngineGateway(camunda), Store(engine_for(base.ledger_url), secret))

    # One limiter per app (in memory by default; APPEALS_PUBLIC_RATE_STORAGE=redis://… for several
    # processes). Its default limit runs before the CSRF check, so every request counts.
    limiter = Limiter(get_remote_address, app=app, default_limits=[settings.rate_default],
                      storage_uri=settings.rate_storage, headers_enabled=True, enabled=settings.rate_enabled)
    app.extensions[EXTENSION].limiter = limiter  # the route limits hold it weakly only
    CSRFProtect(app)
    # Flask-Limiter logs the client address of every breach at INFO: keep addresses out of the logs
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)

    from .views import bp

    app.register_blueprint(bp)
    for endpoint, rate in _route_limits(settings).items():
        if endpoint == SUBMIT_ENDPOINT:  # an enterprise correcting typos is not told "操作过于频繁"
            limit = limiter.limit(rate, methods=["POST"], deduct_when=_accepted)
            refused = limiter.limit(settings.rate_submit_refused, methods=["POST"], scope=f"{endpoint}.refused",
                                    deduct_when=lambda response: not _accepted(response))
            app.view_functions[endpoint] = refused(limit(app.view_functions[endpoint]))
            continue
        app.view_functions[endpoint] = limiter.limit(rate, methods=["POST"])(app.view_functions[endpoint])
    for endpoint in ("public.healthz", "static"):
        app.view_functions[endpoint] = limiter.exempt(app.view_functions[endpoint])
    _install_handlers(app)
    app.jinja_env.globals.update(help_phone=settings.help_phone)

    @app.context_processor
    def county() -> dict[str, str]:
        return {"county": public().org()[0]}

    return app


def error_page(status: int, message: str | None = None, title: str | None = None) -> tuple[str, int]:
    default_title, default_message = ERROR_PAGES.get(status, ERROR_PAGES[500])
    return render_template("error.html", status=status, title=title or default_title,
                           message=message or default_message), status


def too_large_page() -> tuple[str, int]:
    """The Chinese 413 page with the site's limit (MAX_CONTENT_LENGTH; the public server's own refusal
    before the app, `appeals.public.server`, shows the same page). Nothing of such a post is read, so
    nothing of it is kept: the page sends the enterprise back, where the browser still holds the form."""
    from flask import current_app

    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return error_page(413, f"提交的内容超过了允许的大小（每次提交最多{limit // 1024} KB，每段文字最多5000字），"
                           "本次提交未被受理。请用浏览器的“返回”回到上一页（已填写的内容仍在），精简文字后重新提交。")


def _install_handlers(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = CSP
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        # same-origin: links carry no token to other sites, and Flask-WTF's HTTPS referrer check works
        headers["Referrer-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if request.endpoint != "static":
            headers["Cache-Control"] = "no-store, max-age=0"
            headers["Pragma"] = "no-cache"
        if app.config["SESSION_COOKIE_SECURE"]:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        log.info("refused a form without a valid CSRF token at %s", request.endpoint)
        if request.endpoint == "public.appeal":
            from .views import render_intake

            return render_intake(dict(request.form), status=400,
                                 form_errors=["页面已过期或提交来源无法确认，请核对内容后重新提交。"])
        return error_page(400, "页面已过期或提交来源无法确认，请返回刷新页面后重新提交。")

    @app.errorhandler(EngineUnavailable)
    def engine_unavailable(error: EngineUnavailable) -> Any:
        log.error("engine unavailable: %s", error)
        return error_page(503)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        status = error.code or 500
        if status == 429:
            log.info("rate limit reached at %s", request.endpoint)
        if status not in ERROR_PAGES:
            status = 400 if 400 <= status < 500 else 500
        response = too_large_page() if status == 413 else error_page(status)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            body, code = response
            return body, code, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        log.exception("unexpected error at %s (%s)", request.endpoint, type(error).__name__)
        return error_page(500)
