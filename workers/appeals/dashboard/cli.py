"""`appeals dashboard serve`: the 专班看板 for the office, the county leaders and supervision."""

from __future__ import annotations

import logging

import click

from ..context import AppContext, pass_app
from ..settings import SettingsError

dashboard = click.Group("dashboard", help="专班看板：本月各项指标、超期诉求、黄红牌和趋势（Tasklist 账号登录）。")


@dashboard.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Port (default APPEALS_DASHBOARD_PORT, 8091).")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 32), help="Requests handled at once.")
@pass_app
def serve(app_ctx: AppContext, host: str, port: int | None, threads: int) -> None:
    """Serve the dashboard with waitress (the figures come live from the ledger)."""
    import waitress

    port = port or app_ctx.settings.dashboard.port

    from .app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        app_ctx.settings.engine.require_worker()  # the appeals' 批次 are read from history as the workers' user
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    if not app_ctx.settings.dashboard.secret:
        click.echo("APPEALS_DASHBOARD_SECRET is not set: sessions end when the dashboard restarts")
    click.echo(f"dashboard on http://{host}:{port}/")
    waitress.serve(create_app(app_ctx), host=host, port=port, threads=threads, ident="")
