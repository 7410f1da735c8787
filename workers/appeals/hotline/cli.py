"""`appeals hotline …`: the 12345 sync, spreadsheet exchange, quarantine and simulator (docs/hotline.md).

Registered in `appeals.cli` with `main.add_command(hotline)`.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from ..clitypes import MOMENT
from ..context import AppContext, current_app
from ..settings import SettingsError
from . import HotlineError


def _services() -> AppContext:
    """The command's application context (settings, database, engine)."""
    return current_app()


def _report(report: Any) -> None:
    click.echo(report.summary())
    for error in report.errors:
        click.echo(f"  ! {error}", err=True)


def _county(county: str | None) -> str | None:
    """A `--county` option: the tenant of another county of the chart; the chart's own county's tenant
    counts as None (its feed and rows carry no county)."""
    if county is None:
        return None
    from ..context import home_county_code

    return None if county == home_county_code(_services().db) else county


hotline = click.Group(
    "hotline",
    help="12345 hotline (热线): work-order sync, spreadsheet import/export, quarantine, simulator (spec §16).",
)


@hotline.command("sync")
@click.option("--county", metavar="TENANT",
              help="The feed of another county of the chart (APPEALS_HOTLINE_URL__<TENANT>; default: the chart's own).")
@click.option("--url", help="Open311 base URL (default APPEALS_HOTLINE_URL).")
@click.option("--api-key", help="API key (default APPEALS_HOTLINE_API_KEY).")
@click.option("--format", "fmt", type=click.Choice(["xml", "json"]), help="Exchange format (default xml).")
def sync_command(county: str | None, url: str | None, api_key: str | None, fmt: str | None) -> None:
    """Pull new and changed work orders of one county's feed now (one run of the periodic sync)."""
    from .sync import sync

    county = _county(county)
    try:
        config = _services().settings.hotline_for(county)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    overrides = {k: v for k, v in (("url", url and url.rstrip("/")), ("api_key", api_key), ("format", fmt)) if v}
    config = replace(config, **overrides)
    if not config.configured:
        suffix = f"__{county.upper().replace('-', '_')}" if county else ""
        raise click.ClickException(f"未配置12345接口：设置 APPEALS_HOTLINE_URL{suffix} 或使用 --url")
    svc = _services()
    try:
        report = sync(config, db=svc.db, camunda=svc.camunda)
    except HotlineError as exc:
        if exc.report is not None:
            _report(exc.report)
        raise click.ClickException(str(exc)) from None
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    _report(report)


@hotline.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML column mapping (our field → header names); default: Chinese 12345 headers.")
@click.option("--county", metavar="TENANT", help="Another county's export (its tenant); default: the chart's own county.")
def import_command(file: Path, mapping: Path | None, county: str | None) -> None:
    """Import a 12345 work-order export (.xlsx, .xls or CSV in any common encoding): new orders start
    appeals, bad rows go to the quarantine."""
    from .spreadsheet import SpreadsheetError, import_workbook, load_mapping

    svc = _services()
    try:
        report = import_workbook(file, load_mapping(mapping), db=svc.db, camunda=svc.camunda,
                                 county=_county(county))
    except (SpreadsheetError, SettingsError, HotlineError) as exc:
        raise click.ClickException(str(exc)) from None
    _report(report)
    if report.quarantined:
        click.echo("隔离的记录：appeals hotline quarantine")


@hotline.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--since", type=MOMENT,
              help="Only orders received (or first seen) on or after this date (2026-11-01, 2026年11月1日, …).")
@click.option("--county", metavar="TENANT", default=None,
              help="Only the orders of this county's feed (its tenant); default: every order.")
def export_command(file: Path, since: dt.datetime | None, county: str | None) -> None:
    """Write the results of the hotline's orders to FILE (.xlsx) for upload to the 12345 platform."""
    from .spreadsheet import export_results

    svc = _services()
    moment = since
    try:
        count = export_results(file, db=svc.db, camunda=svc.camunda, since=moment, county=_county(county) if county else "*")
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {count} orders to {file}")


@hotline.command("status")
def status_command() -> None:
    """The endpoints' last runs, orders waiting for action and status updates waiting for delivery."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from ..db.hotline_models import HotlineOrder
    from .outbox import pending_updates
    from .registry import quarantined
    from .sync import feeds

    db = _services().db
    counties = {c.feed: c.county or "本县" for c in _services().settings.hotline_feeds()}
    for feed in feeds(db):
        state = "正常" if not feed.last_error else f"故障：{feed.last_error}"
        county = f"[{counties[feed.feed]}] " if feed.feed in counties else ""
        click.echo(f"{county}{feed.feed}: 上次运行 {feed.last_run_at}，上次成功 {feed.last_success_at}，{state}")
    with Session(db) as session:
        by_county = session.execute(select(HotlineOrder.county, func.count()).group_by(HotlineOrder.county)).all()
        counts = dict(session.execute(select(HotlineOrder.state, func.count()).group_by(HotlineOrder.state)).all())
        waiting = session.scalar(select(func.count()).select_from(HotlineOrder)
                                 .where(HotlineOrder.needs_action.is_(True))) or 0
    if any(county for county, _ in by_county):
        click.echo("各县工单：" + "，".join(f"{county or '本县'} {n}" for county, n in sorted(
            by_county, key=lambda item: item[0] or "")))
    click.echo("工单：" + ("，".join(f"{k} {v}" for k, v in sorted(counts.items())) or "无"))
    click.echo(f"待处理 {waiting}，待推送状态 {pending_updates(db)}，隔离区待处理 {len(quarantined(db))}")


# --------------------------------------------------------------------------- quarantine
@hotline.group("quarantine", invoke_without_command=True)
@click.option("--all", "include_resolved", is_flag=True, help="Include resolved entries.")
@click.pass_context
def quarantine_group(ctx: click.Context, include_resolved: bool) -> None:
    """Records that could not become appeals (list; `show ID`; `resubmit ID --set field=value`)."""
    if ctx.invoked_subcommand is not None:
        return
    from .registry import quarantined

    entries = quarantined(_services().db, include_resolved)
    if not entries:
        click.echo("隔离区为空")
        return
    for entry in entries:
        done = f"  → {entry.resubmitted_as}" if entry.resolved_at else ""
        click.echo(f"{entry.id:>5}  {entry.source:<7} {entry.order_number or '（无编号）':<20} "
                   f"{entry.created_at:%Y-%m-%d %H:%M}  {entry.reason}{done}")


@quarantine_group.command("show")
@click.argument("entry_id", type=int)
def quarantine_show(entry_id: int) -> None:
    """Show one quarantined record: reason, origin and the record as it came."""
    from .registry import quarantine_entry

    entry = quarantine_entry(_services().db, entry_id)
    if entry is None:
        raise click.ClickException(f"隔离区没有编号为{entry_id}的记录")
    click.echo(f"编号: {entry.id}\n来源: {entry.source} {entry.origin or ''}\n工单编号: {entry.order_number or '（无）'}")
    click.echo(f"原因: {entry.reason}\n隔离时间: {entry.created_at}")
    if entry.resolved_at:
        click.echo(f"已处理: {entry.resolved_at} → {entry.resubmitted_as}")
    if entry.raw_record is not None:
        click.echo("字段:\n" + json.dumps(entry.raw_record.get("fields"), ensure_ascii=False, indent=2))
        click.echo("原始记录:\n" + json.dumps(entry.raw_record.get("raw"), ensure_ascii=False, indent=2))
    if entry.raw_text is not None:
        click.echo("原始内容:\n" + entry.raw_text[:5000])


@quarantine_group.command("resubmit")
@click.argument("entry_id", type=int)
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE",
              help="A corrected field (orderNumber, problemDescription, receivedAt, …); repeatable.")
def quarantine_resubmit(entry_id: int, sets: tuple[str, ...]) -> None:
    """Resubmit a fixed quarantined record: it becomes an appeal (or is linked to the existing one)."""
    from .sync import resubmit

    overrides: dict[str, str] = {}
    for item in sets:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{item!r}: use FIELD=VALUE", param_hint="--set")
        overrides[name.strip()] = value
    svc = _services()
    try:
        report = resubmit(entry_id, overrides, db=svc.db, camunda=svc.camunda)
    except (LookupError, ValueError, HotlineError, SettingsError) as exc:
        raise click.ClickException(str(exc)) from None
    _report(report)


# --------------------------------------------------------------------------- simulator
@hotline.command("simulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (local only by default).")
@click.option("--port", default=None, type=click.IntRange(0, 65535),
              help="Port (default APPEALS_HOTLINE_SIMULATOR_PORT, 8311; 0: any free one).")
@click.option("--orders", default=300, show_default=True, type=int, help="Generated well-formed orders.")
@click.option("--malformed", default=3, show_default=True, type=int, help="Generated malformed records.")
@click.option("--seed", default=12345, show_default=True, type=int)
@click.option("--api-key", help="Key clients must send (default APPEALS_HOTLINE_API_KEY, else a random one).")
@click.option("--auto-survey", is_flag=True, help="Answer the hotline's satisfaction survey after each reply.")
@click.option("--county-name", default="某县", show_default=True,
              help="The county the generated enterprises and addresses are in (乙县 for 乙县's feed).")
@click.option("--prefix", default="GD", show_default=True, help="Order numbers start with this (YX for 乙县's feed).")
def simulator_command(host: str, port: int | None, orders: int, malformed: int, seed: int, api_key: str | None,
                      auto_survey: bool, county_name: str, prefix: str) -> None:
    """Run a simulated 12345 platform (Open311, XML and JSON) until Ctrl-C."""
    from .simulator import HotlineSimulator, SimulatorServer

    settings = _services().settings.hotline
    port = settings.simulator_port if port is None else port
    key = api_key or settings.api_key or secrets.token_urlsafe(12)
    simulator = HotlineSimulator(orders=orders, malformed=malformed, seed=seed, api_key=key,
                                 jurisdiction=settings.jurisdiction,
                                 auto_survey=auto_survey, county_name=county_name, prefix=prefix)
    server = SimulatorServer(simulator, host=host, port=port, quiet=False, mount="")
    click.echo(f"12345 simulator: {len(simulator.order_ids())} orders + {malformed} malformed records")
    click.echo(f"  APPEALS_HOTLINE_URL={server.url}")
    click.echo(f"  APPEALS_HOTLINE_API_KEY={key}")
    click.echo(f"  pushed updates: http://{host}:{server.port}/_sim/updates (header X-API-Key)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
