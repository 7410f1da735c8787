"""`appeals ledger rebuild` and `appeals report`: click objects, registered in `appeals.cli` with

    from .ledger.cli import ledger, report
    main.add_command(ledger)
    main.add_command(report)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from sqlalchemy.engine import Engine

from ..camunda import Camunda, CamundaError
from ..clitypes import MOMENT
from ..context import current_app
from ..db import engine_for, upgrade
from ..documents.fields import city_issuer_of
from ..settings import Settings, SettingsError
from ..workdays import load_calendar
from .city import city_cards, city_cards_table, city_figures, comparison_table
from .counties import County
from .history import rebuild_from_history
from .periods import KINDS, Period
from .reports import STEPS, city_report_folder, produce_city_report, produce_report, report_folder


def _settings() -> Settings:
    """The settings of the command's `AppContext`."""
    return current_app().settings


def _engine(settings: Settings) -> Engine:
    upgrade(settings.ledger_url)
    return engine_for(settings.ledger_url)


def _county(tenant: str | None) -> tuple[County | None, dict[str, str] | None]:
    """The county a report is of (`--county`; None: the chart's own) and its issuing organisation.
    Before the first org sync: the whole ledger and the documents' defaults (a `--county` is refused)."""
    try:
        chart = current_app().org_chart()
    except LookupError:
        if tenant:
            raise click.BadParameter("no org chart has been synced yet: run `appeals org sync FILE`",
                                     param_hint="--county") from None
        return None, None
    try:
        county = County.of(chart, tenant)
    except LookupError as exc:
        known = ", ".join(c.tenant for c in chart.all_counties() if c.tenant) or "none"
        raise click.BadParameter(f"{exc} (counties: {known})", param_hint="--county") from None
    return county, current_app().document_org(county.tenant)


ledger = click.Group("ledger", help="The reporting ledger (问题台账) kept from the appeals' milestones.")


@ledger.command("rebuild")
@click.option("--since", type=MOMENT, default=None,
              help="Only appeals started or finished since then (Asia/Shanghai; 2026-11-01, 2026年11月1日 8:30, …), "
                   "and all running ones.")
def rebuild(since: dt.datetime | None) -> None:
    """Rebuild the ledger from the engine's history (idempotent; cards are kept)."""
    settings = _settings()
    try:
        camunda = Camunda(settings.engine.url, *settings.engine.require_admin(),
                          timeout=max(settings.engine.http_timeout, 60))
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    since_at = since
    engine = _engine(settings)
    try:
        bar = None

        def advance(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = click.progressbar(length=total, label="重建台账", show_pos=True)
                bar.__enter__()
            bar.update(done)

        try:
            summary = rebuild_from_history(camunda, engine, since_at, progress=advance)
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
    except CamundaError as exc:
        raise click.ClickException(f"rebuild failed: {exc}") from exc
    click.echo(f"ledger rebuilt: {summary.appeals} appeals from {summary.instances} process instances")


@click.command("report")
@click.option("--period", "period_text", required=True, metavar="PERIOD",
              help="2026-10 (a month; with --kind the quarter, half or year containing it), 2026-Q3, 2026-H1, 2026, "
                   "or any days 2026-10-09..2026-10-21 (end day excluded).")
@click.option("--kind", type=click.Choice(KINDS), default=None,
              help="month 月度通报 · quarter 季度测评 · half 半年排名 · year 年终总评 (default: from --period).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the .docx and .xlsx (default: DATA_DIR/reports/PERIOD, for another county "
                   "DATA_DIR/reports/COUNTY/PERIOD).")
@click.option("--county", "tenant", default=None, metavar="TENANT",
              help="The county whose appeals (its tenant in the org chart: yixian); default: the chart's own county.")
def report(period_text: str, kind: str | None, out_dir: Path | None, tenant: str | None) -> None:
    """Render a county's bulletin (.docx) and ledger (.xlsx) of a period (spec §14)."""
    try:
        period = Period.parse(period_text, kind)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from exc
    settings = _settings()
    engine = _engine(settings)
    county, org = _county(tenant)
    out_dir = out_dir or report_folder(settings.data_dir, period.key, county)
    with click.progressbar(length=STEPS, label=f"{period.label}通报") as bar:
        produced = produce_report(engine, period, out_dir, calendar=load_calendar(engine), org=org,
                                  progress=lambda _step: bar.update(1), chart_font=settings.reports.chart_font,
                                  county=county)
    click.echo(produced.summary)
    click.echo(f"bulletin: {produced.bulletin.path}")
    click.echo(f"ledger:   {produced.workbook.path}")



@click.command("city-report")
@click.option("--period", "period_text", required=True, metavar="PERIOD",
              help="2026-10 (a month), 2026-Q3, 2026-H1, 2026, or days 2026-10-09..2026-10-21 (end day excluded).")
@click.option("--docx", "docx", is_flag=True, default=False,
              help="Also write the city's own bulletin (某市企业诉求办理情况通报, issued by the city's office) into "
                   "DATA_DIR/reports/CITY_TENANT/PERIOD (or --out).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the city's bulletin with --docx (default: DATA_DIR/reports/CITY_TENANT/PERIOD).")
def city_report(period_text: str, docx: bool, out_dir: Path | None) -> None:
    """The city's comparison of the counties' transfers (临沧 第十一条、第十九条): per county the appeals
    transferred in the period, answered, open, and the city departments' on-time rate; then the city
    departments' cards of the period (临沧 第十八条, the card ledger's level `city`; docs/city-level.md); with
    --docx the city's own bulletin of the period as .docx."""
    try:
        period = Period.parse(period_text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from exc
    settings = _settings()
    try:
        camunda = Camunda(settings.engine.url, *settings.engine.require_admin(),
                          timeout=max(settings.engine.http_timeout, 60))
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        lines = city_figures(camunda, period.start_at, period.end_at)
    except CamundaError as exc:
        raise click.ClickException(f"city figures failed: {exc}") from exc
    click.echo(f"{period.label}各县（区）转报市级诉求办理情况")
    click.echo(comparison_table(lines))
    departments, issued = city_cards(_engine(settings), period.start_at, period.end_at)
    click.echo("")
    click.echo(f"{period.label}市直部门超期催办亮牌情况")
    if not issued:
        click.echo("本期无亮牌。")
    else:
        click.echo(city_cards_table(departments))
        for card in issued:
            letter = f"（催办函 {card.source_key}）" if card.source_key else ""
            click.echo(f"- {card.label} {card.department_name}{letter}：{card.reason or ''}")
    if not docx:
        return
    try:
        chart = current_app().org_chart()
    except LookupError:
        raise click.ClickException("no org chart has been synced yet: run `appeals org sync FILE`") from None
    engine = _engine(settings)
    out_dir = out_dir or city_report_folder(settings.data_dir, period.key, chart.city_tenant)
    counties = [County.of(chart, c.tenant) for c in chart.all_counties()]
    try:
        produced = produce_city_report(engine, camunda, period, out_dir, counties, calendar=load_calendar(engine),
                                       org=city_issuer_of(chart), chart_font=settings.reports.chart_font)
    except CamundaError as exc:
        raise click.ClickException(f"city bulletin failed: {exc}") from exc
    click.echo(produced.summary)
    click.echo(f"bulletin: {produced.bulletin.path}")
