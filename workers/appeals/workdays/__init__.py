"""China's official working days and the deadlines counted in them (spec §17, docs/calendar.md).

- `arithmetic`: the calendar (`WorkdayCalendar`): working days, deadlines, year summaries; no storage;
- `overrides`: the administrator's override files (CSV), parsed and checked;
- `store`: override files imported into the application database, the calendar loaded with them;
- `cli`: `appeals calendar …`.
"""

from .arithmetic import (
    DEFAULT_OFFICE_CLOSE,
    PACKAGE_VERSION,
    PACKAGE_YEARS,
    SHANGHAI,
    Deadline,
    SpecialDay,
    WorkdayCalendar,
    YearInfo,
    YearSource,
    weekday_zh,
)
from .overrides import OverrideEntry, OverrideFile, OverrideFileError, parse_overrides, read_override_file
from .store import ImportSummary, import_overrides, load_calendar, stored_years

__all__ = [
    "DEFAULT_OFFICE_CLOSE", "PACKAGE_VERSION", "PACKAGE_YEARS", "SHANGHAI", "Deadline", "SpecialDay",
    "WorkdayCalendar", "YearInfo", "YearSource", "weekday_zh", "OverrideEntry", "OverrideFile",
    "OverrideFileError", "parse_overrides", "read_override_file", "ImportSummary", "import_overrides",
    "load_calendar", "stored_years",
]
