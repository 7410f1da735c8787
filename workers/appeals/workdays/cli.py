"""`appeals calendar …`: load the State Council's holiday schedule and show a year (docs/calendar.md).

Registered in `appeals.cli` with `main.add_command(calendar)`.
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.engine import Engine

from ..context import current_app
from . import (
    PACKAGE_VERSION,
    PACKAGE_YEARS,
    OverrideFileError,
    YearSource,
    import_overrides,
    load_calendar,
    stored_years,
    weekday_zh,
)


def _engine() -> Engine:
    """The application database of the command's `AppContext` (migrated on first use)."""
    return current_app().db


calendar = click.Group(
    "calendar",
    help="Working-day calendar: official holidays and make-up working days (调休), spec §17.",
)


@calendar.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Load a holiday schedule FILE (CSV date,type,name; see docs/calendar.md), all or nothing."""
    try:
        summary = import_overrides(_engine(), file)
    except OverrideFileError as exc:
        raise click.ClickException(str(exc)) from None
    years = ", ".join(str(y) for y in summary.years)
    click.echo(
        f"imported {summary.source}: {summary.holidays} holidays, {summary.workdays} make-up working days "
        f"for {years}"
    )
    for year in summary.complete_years:
        click.echo(f"  {year}: official schedule complete (days not listed follow Monday–Friday)")
    if summary.replaced:
        click.echo(f"  {summary.replaced} previously imported day(s) not in the new schedule removed")


@calendar.command("show")
@click.argument("year", type=click.IntRange(1900, 2100))
def show(year: int) -> None:
    """List the holidays and make-up working days of YEAR and where the data comes from."""
    engine = _engine()
    info = load_calendar(engine).year_info(year)
    stored = stored_years(engine).get(year)
    if info.source is YearSource.IMPORTED:
        notice = f" ({stored.notice})" if stored is not None and stored.notice else ""
        click.echo(f"{year}: imported official schedule{notice}, from {stored.source if stored else '?'}")
    elif info.source is YearSource.OFFICIAL:
        click.echo(f"{year}: official data (chinesecalendar {PACKAGE_VERSION})")
        if any(d.source == "imported" for d in info.special_days):
            click.echo("  days marked 'imported' override chinesecalendar")
    elif info.source is YearSource.PARTIAL:
        click.echo(
            f"{year}: imported days only, not declared complete — other days FALL BACK to Monday–Friday"
        )
    else:
        click.echo(
            f"{year}: no holiday data (chinesecalendar {PACKAGE_VERSION} covers "
            f"{PACKAGE_YEARS.start}–{PACKAGE_YEARS.stop - 1}) — FALLBACK to Monday–Friday; "
            "import the State Council's schedule with `appeals calendar import FILE`"
        )
    for day in info.special_days:
        kind = "上班 workday" if day.is_workday else "放假 holiday"
        origin = "  (imported)" if day.source == "imported" and info.source is not YearSource.IMPORTED else ""
        click.echo(f"  {day.day.isoformat()} {weekday_zh(day.day)}  {kind}  {day.name}{origin}")
    click.echo(f"{info.working_days} working days in {year}")
