"""Producing a report: the figures, the Word bulletin and the .xlsx ledger of a period, as files.

    produce_report(engine, Period.parse("2026-10"), out_dir, calendar=..., org=...)

Used by `appeals report` and by the MonthlyBulletin process (`prepareMonthlyBulletin`, which runs
it for the previous month on the first working day of a month).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from ..camunda import Camunda
from ..documents import safe_filename
from ..documents.fields import Org
from ..files import write_atomically
from ..workdays import SHANGHAI, WorkdayCalendar
from .bulletin import DOCX_MIME, city_summary_text, render_bulletin, summary_text, title_of
from .city import CityFollowUp, CountyLine, CountyTransfers, city_cases, city_figures, city_report
from .counties import County
from .figures import Report, annual_review, figures, trend
from .periods import AnyPeriod
from .workbook import XLSX_MIME, render_workbook

TREND_MONTHS = 12
STEPS = 6  # progress steps of produce_report


@dataclass(frozen=True)
class ReportFile:
    path: Path
    filename: str
    mime_type: str

    def read(self) -> bytes:
        return self.path.read_bytes()


@dataclass(frozen=True)
class ProducedReport:
    report: Report
    bulletin: ReportFile
    workbook: ReportFile
    summary: str


def report_folder(data_dir: Path, period_key: str, county: County | None) -> Path:
    """Where a period's files go: DATA_DIR/reports/PERIOD for the chart's own county (as always),
    DATA_DIR/reports/TENANT/PERIOD for another county."""
    if county is None or county.home or county.tenant is None:
        return data_dir / "reports" / period_key
    return data_dir / "reports" / county.tenant / period_key


def city_report_folder(data_dir: Path, period_key: str, tenant: str | None) -> Path:
    """Where the city's bulletin of a period goes: DATA_DIR/reports/CITY_TENANT/PERIOD (`city` without one)."""
    return data_dir / "reports" / (tenant or "city") / period_key


def county_lines(engine: Engine, period: AnyPeriod, counties: Sequence[County],
                 transfers: Sequence[CountyTransfers], as_of: dt.datetime | None = None) -> list[CountyLine]:
    """Each county's own figures of `period` (`figures()`, as its own bulletin) next to its transfers to the
    city (`ledger.city.city_figures`, matched by the county's name): the city's comparison."""
    as_of = as_of or dt.datetime.now(SHANGHAI)
    by_name = {t.county: t for t in transfers}
    return [CountyLine(c, figures(engine, period, as_of=as_of, county=c, details=True),
                       by_name.get(c.name, CountyTransfers(c.name))) for c in counties]


def first_workday_of_month(calendar: WorkdayCalendar, day: dt.date) -> dt.date:
    """The first working day of `day`'s month (holidays and make-up days included)."""
    first = day.replace(day=1)
    while not calendar.is_workday(first):
        first += dt.timedelta(days=1)
    return first


def is_first_workday_of_month(calendar: WorkdayCalendar, day: dt.date) -> bool:
    return first_workday_of_month(calendar, day) == day


def produce_report(
    engine: Engine,
    period: AnyPeriod,
    out_dir: Path,
    *,
    calendar: WorkdayCalendar | None = None,
    org: Mapping[str, str] | None = None,
    as_of: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
    chart_font: str | None = None,
    city: Sequence[CountyTransfers] | None = None,
    county: County | None = None,
) -> ProducedReport:
    """Compute and write the bulletin (.docx) and the ledger (.xlsx) of `period` into `out_dir`.

    The same period written again replaces the same two files (no duplicates). `chart_font`: the
    settings' `reports.chart_font` for the bulletin's charts (None: the Debian Chinese fonts). `city`:
    the city's per-county comparison, a section of the bulletin (`render_bulletin`). `county`: only
    that county's appeals (`ledger.counties.County`; None: the whole ledger); `org` should then be the
    county's issuer (`AppContext.document_org(tenant)`). Another county's workbook is named with the
    county (乙县企业诉求问题台账-…); the chart's own county's keeps the plain name."""
    as_of = as_of or dt.datetime.now(SHANGHAI)

    def step(name: str) -> None:
        if progress:
            progress(name)

    report = figures(engine, period, as_of=as_of, calendar=calendar, county=county)
    step("figures")
    months = trend(engine, period, TREND_MONTHS, as_of=as_of, county=county)
    step("trend")
    review = annual_review(engine, period.year, as_of=as_of, county=county) if period.kind == "year" else None
    step("review")
    content = render_bulletin(report, months, org=org, review=review, chart_font=chart_font, city=city)
    step("bulletin")
    workbook = render_workbook(engine, period, as_of=as_of, calendar=calendar, county=county)
    step("workbook")
    title = title_of(period, Org.of(org))
    docx_name = safe_filename(f"{title}-{period.label}")
    whose = county.name if county is not None and not county.home else ""
    xlsx_name = safe_filename(f"{whose}企业诉求问题台账-{period.label}", suffix=".xlsx")
    bulletin = ReportFile(write_atomically(out_dir / docx_name, content), docx_name, DOCX_MIME)
    ledger = ReportFile(write_atomically(out_dir / xlsx_name, workbook), xlsx_name, XLSX_MIME)
    step("files")
    return ProducedReport(report, bulletin, ledger, summary_text(report))


@dataclass(frozen=True)
class ProducedCityReport:
    report: Report
    bulletin: ReportFile
    summary: str


def _city_follow_ups(engine: Engine, county_instances: Sequence[str]) -> list[CityFollowUp]:
    from sqlalchemy import select

    from ..db.ledger_models import LedgerFollowUp

    table = LedgerFollowUp.__table__
    found: list[CityFollowUp] = []
    ids = sorted(set(county_instances))
    with engine.connect() as conn:
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            query = select(table.c.process_instance_id, table.c.at, table.c.satisfaction).where(
                table.c.process_instance_id.in_(chunk))
            found += [CityFollowUp(*row) for row in conn.execute(query)]
    return found


def produce_city_report(
    engine: Engine,
    camunda: Camunda,
    period: AnyPeriod,
    out_dir: Path,
    counties: Sequence[County],
    *,
    calendar: WorkdayCalendar | None = None,
    org: Mapping[str, str] | None = None,
    as_of: dt.datetime | None = None,
    chart_font: str | None = None,
) -> ProducedCityReport:
    """Compute and write the city's own bulletin (.docx) of `period` into `out_dir` (临沧 第十一条、第十九条;
    docs/city-level.md 'Figures at both levels'): the counties' own figures side by side (`counties`, each a
    `County`), their transfers to the city, and the city departments' handling of them (`ledger.city`:
    from the engine's `CityAppeal` history, the counties' follow-ups and the ledger's cards of level `city`), rendered by the county bulletin's `render_bulletin`. `org`: the city's office as issuer
    ({"county": 某市, "office_name": 市企业服务中心}). The same period written again replaces the file.
    Raises CamundaError when the engine cannot be read."""
    from .cards import cards

    as_of = as_of or dt.datetime.now(SHANGHAI)
    # the engine is read over the whole period (the Camunda date filters have whole seconds: a transfer of
    # the last second before `as_of` would drop out); `city_report` cuts off at `as_of` itself
    end = period.end_at
    cases = city_cases(camunda, period.start_at, end)
    transfers = city_figures(camunda, period.start_at, end)
    follow_ups = _city_follow_ups(engine, [c.county_instance_id for c in cases if c.county_instance_id])
    city_cards = cards(engine, since=period.start_at, until=end, level="city")
    figures_ = city_report(cases, follow_ups, period, as_of, cards=city_cards, calendar=calendar)
    lines = county_lines(engine, period, counties, transfers, as_of)
    content = render_bulletin(figures_.report, [], org=org, chart_font=chart_font, city=transfers,
                              counties=lines, handling=figures_.handling)
    docx_name = safe_filename(f"{title_of(period, Org.of(org))}-{period.label}")
    bulletin = ReportFile(write_atomically(out_dir / docx_name, content), docx_name, DOCX_MIME)
    return ProducedCityReport(figures_.report, bulletin,
                              city_summary_text(figures_.report, figures_.handling, transfers))
