"""The calendar's storage: override files imported into the application database, and the calendar
loaded with them."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..db import CalendarDay, CalendarYear, utcnow
from .arithmetic import DEFAULT_OFFICE_CLOSE, WorkdayCalendar
from .overrides import read_override_file

log = logging.getLogger("appeals.workdays")


@dataclass(frozen=True)
class ImportSummary:
    source: str
    holidays: int
    workdays: int
    years: tuple[int, ...]
    complete_years: tuple[int, ...]
    replaced: int  # stored days removed because their year was re-imported as complete


def import_overrides(engine: Engine, path: Path | str) -> ImportSummary:
    """Parse `path` and store it, all or nothing (one transaction, after the whole file parsed).

    A day already stored is replaced by the file's entry. A year the file declares complete is
    replaced as a whole: stored days of that year the file does not list are removed. Raises
    `OverrideFileError` (nothing stored) for a bad file.
    """
    parsed = read_override_file(path)
    source = Path(path).name[:255]
    now = utcnow()
    replaced = 0
    with Session(engine) as session, session.begin():
        for year in parsed.complete_years:
            listed = {e.day for e in parsed.entries if e.day.year == year}
            stale = session.scalars(
                select(CalendarDay.day).where(
                    CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31)
                )
            ).all()
            gone = [day for day in stale if day not in listed]
            if gone:
                session.execute(delete(CalendarDay).where(CalendarDay.day.in_(gone)))
                replaced += len(gone)
        for entry in parsed.entries:
            session.merge(
                CalendarDay(
                    day=entry.day,
                    is_workday=entry.is_workday,
                    name=entry.name,
                    source=source,
                    imported_at=now,
                )
            )
        for year in parsed.years:
            row = session.get(CalendarYear, year)
            if row is None:
                row = CalendarYear(year=year, complete=False)
                session.add(row)
            if year in parsed.complete_years:
                row.complete = True
                row.notice = parsed.complete_years[year]
            row.source = source
            row.imported_at = now
    log.info(
        "imported calendar overrides from %s: %d days, years %s", source, len(parsed.entries), parsed.years
    )
    return ImportSummary(
        source=source,
        holidays=sum(not e.is_workday for e in parsed.entries),
        workdays=sum(e.is_workday for e in parsed.entries),
        years=parsed.years,
        complete_years=tuple(sorted(parsed.complete_years)),
        replaced=replaced,
    )


def load_calendar(engine: Engine, office_close: dt.time = DEFAULT_OFFICE_CLOSE) -> WorkdayCalendar:
    """A calendar with the overrides stored in the application database."""
    with Session(engine) as session:
        days = session.scalars(select(CalendarDay)).all()
        complete = session.scalars(select(CalendarYear.year).where(CalendarYear.complete)).all()
        return WorkdayCalendar(
            {d.day: d.is_workday for d in days},
            office_close,
            complete_years=complete,
            names={d.day: d.name for d in days},
        )


def stored_years(engine: Engine) -> dict[int, CalendarYear]:
    """The years override files have touched, with their notice and source."""
    with Session(engine, expire_on_commit=False) as session:
        return {row.year: row for row in session.scalars(select(CalendarYear))}
