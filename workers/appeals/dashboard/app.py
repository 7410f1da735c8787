"""The 专班看板 web application: this month's figures of spec §14, live from the ledger.

    create_app(context) -> Flask    context: the caller's AppContext (or Settings)
    GET  /login, POST /login      Tasklist's user name and password, checked by the engine (access.py)
    GET  /                        the board of the viewer's county: summary, per department, overdue list,
                                  cards, trend; for the city's staff the comparison of the counties
    GET  /chart/trend.png, /chart/departments.png   the charts (matplotlib, as in the bulletin)
    GET  /export.xlsx             the board (or the city's comparison) as a workbook
    GET  /city-bulletin.docx      the city's staff: the city's own monthly bulletin (Word)
    POST /logout

Server-rendered, no JavaScript; a signed session cookie (HttpOnly, SameSite=Lax) holds the user and
the groups for eight hours; CSRF tokens on the forms (Flask-WTF). A department user is refused with 403.

Each county's staff see their own county's figures (`Viewer.tenant`, the county of the chart that lists
them) and are refused (403) another county's (`?county=`); administrators may choose the county with
`?county=TENANT`. The city's staff see the comparison of the counties (access.py says why).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, abort, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from ..context import AppContext
from ..ledger.charts import department_rates_chart, trend_chart
from ..ledger.city import city_figures
from ..ledger.counties import County
from ..org import OrgChart
from ..settings import Settings
from ..vocabulary import CARD_LABELS
from ..vocabulary import CATEGORY_LABELS as CATEGORIES
from ..vocabulary import CHANNEL_LABELS as CHANNELS
from . import board as boards
from .access import REFUSAL, EngineUnavailable, Refused, Viewer, verify, viewer_of

log = logging.getLogger("appeals.dashboard")
SESSION_HOURS = 8
BATCH_SECONDS = 60  # how long the 批次 list is reused before the engine's history is read again
HISTORY_PAGE = 500
CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")


class Dashboard:
    """What the views share: the application context (settings, database, org chart, engine client)."""

    def __init__(self, app: AppContext) -> None:
        self.app = app
        self._batches: tuple[float, dict[str, frozenset[str]]] | None = None

    def batches(self) -> dict[str, frozenset[str]]:
        """批次 → its appeals, as the model recorded them: the `batch` variable the business rule task
        Task_DetermineBatch (table AppealBatch) sets on every appeal, e.g. "2026年第四批", read from the
        engine's history as the workers' technical user. Kept for BATCH_SECONDS."""
        if self._batches is not None and time.monotonic() - self._batches[0] < BATCH_SECONDS:
            return self._batches[1]
        found: dict[str, set[str]] = {}
        first = 0
        while True:
            page = self.app.camunda.get("/history/variable-instance", variableName="batch",
                                             processDefinitionKey="EnterpriseAppeal", deserializeValues="false",
                                             firstResult=first, maxResults=HISTORY_PAGE)
            for item in page:
                if item.get("value"):
                    found.setdefault(str(item["value"]), set()).add(item["processInstanceId"])
            if len(page) < HISTORY_PAGE:
                break
            first += HISTORY_PAGE
        batches = {name: frozenset(ids) for name, ids in sorted(found.items(), reverse=True)}
        self._batches = (time.monotonic(), batches)
        return batches


def create_app(context: AppContext | Settings) -> Flask:
    """The dashboard for `context` (an AppContext, or Settings to make one)."""
    if not isinstance(context, AppContext):
        context = AppContext(context)
    settings = context.settings
    app = Flask(__name__, template_folder="templates")
    app.config.update(
        SECRET_KEY=settings.dashboard.secret or secrets.token_hex(32),
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_NAME="appeals_dashboard",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS), MAX_CONTENT_LENGTH=64 * 1024,
    )
    CSRFProtect(app)
    app.jinja_env.globals["zip"] = zip
    app.jinja_env.globals["card_labels"] = CARD_LABELS
    dash = Dashboard(context)
    app.extensions["appeals.dashboard"] = dash

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    def current_viewer() -> Viewer | None:
        user, groups = session.get("user"), session.get("groups")
        if not user or groups is None:
            return None
        try:
            return viewer_of(user, groups, dash.app.org_chart())
        except Refused:
            return None

    def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            viewer = current_viewer()
            if viewer is None:
                if session.get("user"):
                    abort(403)
                return redirect(url_for("login", next=request.full_path))
            return view(viewer, *args, **kwargs)
        return wrapped

    def county_of(viewer: Viewer, query: boards.Query) -> County:
        """The county whose figures the viewer sees: their own; an administrator's choice (`county`)."""
        chart = dash.app.org_chart()
        wanted = query.county or viewer.tenant
        if wanted != viewer.tenant and not viewer.admin:
            abort(403)  # another county's figures: never (docs/city-level.md)
        try:
            return County.of(chart, wanted)
        except LookupError as exc:
            abort(400, str(exc))

    def load_board(viewer: Viewer) -> boards.Board:
        if viewer.city:
            abort(404)  # the city's staff have the comparison (index, export), not a county's board
        try:
            query = boards.Query.parse(request.args)
            batches = dash.batches()
            query.scope(batches)
        except ValueError as exc:
            abort(400, str(exc))
        county = county_of(viewer, query)
        engine = dash.app.db
        return boards.board(engine, query, viewer, dash.app.calendar(), batches, county=county)

    def city_request() -> tuple[boards.Query, OrgChart, list[County]]:
        """The city page's query from the request (400 when unreadable), the org chart and its counties."""
        try:
            query = boards.Query.parse(request.args)
        except ValueError as exc:
            abort(400, str(exc))
        chart = dash.app.org_chart()
        return query, chart, [County.of(chart, c.tenant) for c in chart.all_counties()]

    def load_city(viewer: Viewer) -> boards.CityBoard:
        query, chart, counties = city_request()
        transfers = city_figures(dash.app.camunda, query.period.start_at, query.period.end_at)
        return boards.city_board(dash.app.db, query.period, viewer, counties, chart.city, transfers)

    @app.get("/login")
    def login() -> str:
        return render_template("login.html", error=None, user="")

    @app.post("/login")
    def login_post() -> Any:
        user = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        try:
            viewer = verify(settings.engine.url, user, password, dash.app.org_chart(), settings.engine.http_timeout)
        except Refused as exc:
            log.info("dashboard login refused (%s) for %s", exc.status, user)
            return render_template("login.html", error=str(exc), user=user), exc.status
        except EngineUnavailable:
            return render_template("login.html", error="暂时无法连接流程引擎，请稍后再试", user=user), 503
        session.clear()
        session.permanent = True
        session["user"], session["groups"] = viewer.user_id, list(viewer.groups)
        target = request.args.get("next") or ""
        return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("index"))

    @app.post("/logout")
    def logout() -> Any:
        session.clear()
        return redirect(url_for("login"))

    @app.get("/")
    @login_required
    def index(viewer: Viewer) -> str:
        if viewer.city:
            c = load_city(viewer)
            return render_template("city.html", c=c, columns=boards.CITY_COLUMNS, rows=boards.city_rows(c),
                                   params={"period": c.period.key}, current=city_request()[0].current)
        b = load_board(viewer)
        return render_template(
            "board.html", b=b, overall_columns=boards.OVERALL_COLUMNS, overall=boards.overall_row(b),
            department_columns=boards.DEPARTMENT_COLUMNS, departments=boards.department_rows(b),
            overdue_columns=boards.OVERDUE_COLUMNS, overdue=boards.overdue_rows(b),
            card_columns=boards.CARD_COLUMNS, cards=boards.card_rows(b),
            trend_columns=boards.TREND_COLUMNS, trend=boards.trend_rows(b),
            categories=CATEGORIES, channels=CHANNELS, batches=list(dash.batches()),
            counties={c.tenant: c.county for c in dash.app.org_chart().all_counties() if c.tenant},
            params=b.query.params(), current=b.query.current)

    @app.get("/chart/trend.png")
    @login_required
    def trend_png(viewer: Viewer) -> Response:
        b = load_board(viewer)
        labels, series = boards.rate_series(b)
        return Response(trend_chart(labels, series, "近十二个月各项指标趋势", settings.reports.chart_font),
                        mimetype="image/png")

    @app.get("/chart/departments.png")
    @login_required
    def departments_png(viewer: Viewer) -> Response:
        b = load_board(viewer)
        names = [d.name for d in b.departments]
        rates = {name: [getattr(d.rates, name) for d in b.departments] for name in boards.RATE_LABELS}
        return Response(department_rates_chart(names, rates, f"{b.query.period.label}各承办单位指标",
                                               settings.reports.chart_font),
                        mimetype="image/png")

    @app.get("/export.xlsx")
    @login_required
    def export(viewer: Viewer) -> Response:
        from urllib.parse import quote

        def workbook(data: bytes, ascii_name: str, name: str) -> Response:
            return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            headers={"Content-Disposition": f"attachment; filename={ascii_name}; "
                                                            f"filename*=UTF-8''{quote(name)}"})

        if viewer.city:
            c = load_city(viewer)
            return workbook(boards.city_workbook(c), f"city-{c.period.key}.xlsx", f"各县比较-{c.period.key}.xlsx")
        b = load_board(viewer)
        key = b.query.period.key
        return workbook(boards.board_workbook(b), f"dashboard-{key}.xlsx", f"专班看板-{key}.xlsx")

    @app.get("/city-bulletin.docx")
    @login_required
    def city_bulletin(viewer: Viewer) -> Response:
        """The city's own bulletin of the month (某市企业诉求办理情况通报, `ledger.reports.produce_city_report`),
        rendered now for the city's staff; the same document as `appeals city-report --docx`."""
        import tempfile
        from pathlib import Path
        from urllib.parse import quote

        from ..documents.fields import city_issuer_of
        from ..ledger.bulletin import DOCX_MIME
        from ..ledger.reports import produce_city_report

        if not viewer.city:
            abort(404)  # a county's staff have their county's board; the city's bulletin is the city's
        query, chart, counties = city_request()
        with tempfile.TemporaryDirectory() as folder:
            made = produce_city_report(dash.app.db, dash.app.camunda, query.period, Path(folder), counties,
                                       calendar=dash.app.calendar(), org=city_issuer_of(chart),
                                       chart_font=settings.reports.chart_font)
            data = made.bulletin.read()
        return Response(data, mimetype=DOCX_MIME,
                        headers={"Content-Disposition": f"attachment; filename=city-bulletin-{query.period.key}.docx; "
                                                        f"filename*=UTF-8''{quote(made.bulletin.filename)}"})

    @app.errorhandler(403)
    def forbidden(_exc: Exception) -> tuple[str, int]:
        return render_template("message.html", title="无权访问", text=f"{REFUSAL}；各县只看本县的数据。"), 403

    @app.errorhandler(400)
    def bad_request(exc: Any) -> tuple[str, int]:
        opened = boards.Query.parse({})  # 本月 even on the 1st–3rd, when "/" opens on the month before
        return render_template("message.html", title="查询条件有误", text=getattr(exc, "description", ""),
                               back=url_for("index", period=(opened.current or opened.period).key),
                               back_label="返回看板（本月）"), 400

    return app
