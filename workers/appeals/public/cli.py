"""`appeals public …`: serve the public pages, print the QR code that leads enterprises to them."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import click

from ..context import AppContext, pass_app
from ..settings import Settings, SettingsError, suffix_of_tenant
from .app import EXTENSION
from .delivery import Deliverer, deliver_due

public = click.Group("public", help="企业诉求公众服务页面（在线填报、进度查询、满意度评价）。")


@public.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Port (default APPEALS_PUBLIC_PORT, 8090).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Requests handled at once (a submission may wait ~10 s for its number).")
@click.option("--county", metavar="TENANT", default=None,
              help="Serve this county of the chart (its tenant, e.g. yixian) with its APPEALS_PUBLIC_*__<TENANT> "
                   "settings (default APPEALS_PUBLIC_COUNTY, else the chart's own county).")
@pass_app
def serve(app_ctx: AppContext, host: str, port: int | None, threads: int, county: str | None) -> None:
    """Serve the public pages of one county with waitress (a production WSGI server)."""
    from .app import create_app
    from .server import create_server

    try:
        base = county_settings(app_ctx.settings, county or app_ctx.settings.public.county)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    port = port or base.public.port
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = base.public
    try:
        app = create_app(base)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"public pages on http://{host}:{port}/ (public URL {settings.base_url}/)")
    # submissions the engine could not take at once are delivered in the background
    deliverer = Deliverer(app.extensions[EXTENSION].store, app.extensions[EXTENSION].gateway,
                          interval=settings.delivery_seconds).start()
    try:
        # X-Forwarded-* headers are honoured by the app itself (APPEALS_PUBLIC_TRUSTED_PROXIES, ProxyFix)
        # waitress drops X-Forwarded-* headers unless told otherwise: behind trusted proxies they are
        # left for the app, or every enterprise would share the proxy's address (and its rate limit)
        # waitress's own refusal of an oversized post is the site's Chinese page too (server.py)
        create_server(app, host=host, port=port, threads=threads, ident="",
                      max_request_body_size=settings.max_request_bytes,
                      clear_untrusted_proxy_headers=settings.trusted_proxies == 0).run()
    finally:
        deliverer.stop()


def county_settings(settings: Settings, county: str | None) -> Settings:
    """The settings of the site of `county` (a tenant; None: the chart's own county's). SettingsError for
    a county without a site of its own: its address must be known (survey links)."""
    if county is None:
        return replace(settings, public=replace(settings.public, county=None))
    if county not in settings.public_sites:
        suffix = suffix_of_tenant(county)
        raise SettingsError(f"no public site is configured for county '{county}': set APPEALS_PUBLIC_BASE_URL__{suffix} "
                            f"(its public address, used in its survey links) and APPEALS_PUBLIC_PORT__{suffix}")
    return replace(settings, public=settings.public_for(county))


@public.command("deliver")
@pass_app
def deliver_command(app_ctx: AppContext) -> None:
    """Deliver the online submissions kept while the engine could not take them (one pass)."""
    from .app import create_app

    try:
        app = create_app(app_ctx.settings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    delivered = deliver_due(app.extensions[EXTENSION].store, app.extensions[EXTENSION].gateway, limit=1000)
    click.echo(f"{delivered} kept submission(s) delivered")


@public.command("qrcode")
@click.option("--url", help="Where the code leads (default: APPEALS_PUBLIC_BASE_URL + /appeal).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=Path("appeals-qrcode.png"),
              show_default=True, help="PNG file to write (for posters and table cards).")
@click.option("--scale", default=12, show_default=True, type=click.IntRange(2, 50), help="Pixels per module.")
@pass_app
def qrcode(app_ctx: AppContext, url: str | None, out: Path, scale: int) -> None:
    """Print the QR code of the questionnaire in the terminal and save it as a PNG."""
    import segno

    if not url:
        url = f"{app_ctx.settings.public.base_url}/appeal"
    if not url.startswith(("https://", "http://")):
        raise click.ClickException("the URL must start with https:// (or http:// for a local test)")
    code = segno.make(url, error="m", micro=False)
    code.terminal(compact=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    code.save(str(out), scale=scale, border=4)
    click.echo(f"{url}\nQR code saved to {out}")
