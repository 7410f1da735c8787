"""Override files (docs/calendar.md): the administrator's CSV of holidays, make-up working days and
complete years, parsed and checked all at once. Stored by `store.import_overrides`."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

HEADER = ("date", "type", "name")
TYPES = ("holiday", "workday", "complete")
YEARS = range(2000, 2101)
NAME_LENGTH = 64  # CalendarDay.name
NOTICE_LENGTH = 255  # CalendarYear.notice
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


class OverrideFileError(ValueError):
    """An override file that cannot be imported; `errors` holds one 'line N: reason' per problem."""

    def __init__(self, source: str, errors: list[str]) -> None:
        self.source = source
        self.errors = errors
        listed = "\n".join(f"  {error}" for error in errors)
        super().__init__(f"{source}: {len(errors)} problem(s), nothing imported:\n{listed}")


@dataclass(frozen=True)
class OverrideEntry:
    day: dt.date
    is_workday: bool
    name: str
    line: int


@dataclass(frozen=True)
class OverrideFile:
    """A parsed, valid override file."""

    entries: tuple[OverrideEntry, ...]
    complete_years: Mapping[int, str] = field(default_factory=dict)  # year -> notice

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted({e.day.year for e in self.entries} | set(self.complete_years)))


def parse_overrides(text: str, source: str = "<override file>") -> OverrideFile:
    """Parse an override file (format in docs/calendar.md); all problems at once, or a valid file.

    CSV, UTF-8 (a BOM, as Excel writes it, is fine). Blank lines and lines starting with `#` are
    ignored. The first other line is the header `date,type,name`; then one row per day:
    `2031-01-01,holiday,元旦` (a day off) or `2031-01-26,workday,春节` (a make-up working day), and
    optionally `2031,complete,国办发明电〔2030〕N号` declaring that the file holds the whole
    official schedule of 2031.
    """
    errors: list[str] = []
    entries: list[OverrideEntry] = []
    complete: dict[int, str] = {}
    complete_lines: dict[int, int] = {}
    seen: dict[dt.date, int] = {}
    header_seen = False

    lines = text.removeprefix("\ufeff").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            cells = [cell.strip() for cell in next(csv.reader([line], strict=True))]
        except csv.Error as exc:
            errors.append(f"line {number}: not valid CSV ({exc})")
            continue
        if not header_seen:
            header_seen = True
            if tuple(cell.lower() for cell in cells) != HEADER:
                errors.append(f"line {number}: the header must be 'date,type,name', found {line.strip()!r}")
                break
            continue
        if len(cells) != 3:
            errors.append(
                f"line {number}: expected 3 fields (date,type,name), found {len(cells)}: {line.strip()!r}"
            )
            continue
        when, kind, name = cells
        if kind not in TYPES:
            errors.append(f"line {number}: type {kind!r} is not one of {', '.join(TYPES)}")
            continue
        if not name:
            what = (
                "the notice, e.g. 国办发明电〔2030〕N号" if kind == "complete" else "the festival, e.g. 春节"
            )
            errors.append(f"line {number}: the name is empty (give {what})")
            continue
        if kind == "complete":
            if not (len(when) == 4 and when.isdigit()):
                errors.append(
                    f"line {number}: a 'complete' row names a year (e.g. 2031) in the date column, not {when!r}"
                )
                continue
            year = int(when)
            if year not in YEARS:
                errors.append(f"line {number}: year {year} is outside {YEARS.start}–{YEARS.stop - 1}")
            elif year in complete:
                errors.append(
                    f"line {number}: year {year} is already declared complete on line {complete_lines[year]}"
                )
            elif len(name) > NOTICE_LENGTH:
                errors.append(f"line {number}: the notice is longer than {NOTICE_LENGTH} characters")
            else:
                complete[year] = name
                complete_lines[year] = number
            continue
        try:
            if not _ISO_DATE.fullmatch(when):
                raise ValueError(when)
            day = dt.date.fromisoformat(when)
        except ValueError:
            errors.append(f"line {number}: {when!r} is not a valid date (YYYY-MM-DD)")
            continue
        if day.year not in YEARS:
            errors.append(f"line {number}: year {day.year} is outside {YEARS.start}–{YEARS.stop - 1}")
        elif day in seen:
            errors.append(f"line {number}: {day.isoformat()} is already listed on line {seen[day]}")
        elif len(name) > NAME_LENGTH:
            errors.append(f"line {number}: the name is longer than {NAME_LENGTH} characters")
        else:
            seen[day] = number
            entries.append(OverrideEntry(day, kind == "workday", name, number))

    if not header_seen:
        errors.append("line 1: the file is empty (expected the header 'date,type,name' and rows)")
    elif not errors and not entries and not complete:
        errors.append(f"line {len(lines)}: the file has a header but no rows")
    holiday_years = {e.day.year for e in entries if not e.is_workday}
    for year, number in complete_lines.items():
        if year not in holiday_years:
            errors.append(
                f"line {number}: year {year} is declared complete but the file lists no holiday in {year}"
            )
    if errors:
        raise OverrideFileError(source, errors)
    return OverrideFile(tuple(entries), complete)


def read_override_file(path: Path | str) -> OverrideFile:
    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise OverrideFileError(
            path.name, [f"line {line}: not UTF-8 text (save the file as CSV UTF-8): {exc.reason}"]
        ) from None
    return parse_overrides(text, path.name)
