"""Number and date formats shared by the bulletin and the spreadsheet; the code lists' labels are in
appeals.vocabulary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ..workdays import SHANGHAI

DASH = "—"

__all__ = ["DASH", "pct", "day", "day_time", "label"]


def pct(value: float | None) -> str:
    """0.857 → '85.7%'; None (no denominator) → '—'."""
    return DASH if value is None else f"{value * 100:.1f}%"


# China has kept UTC+8 without daylight saving since 1991: a fixed offset formats tens of thousands of
# spreadsheet dates several times faster than a zoneinfo lookup each.
_CST = dt.timezone(dt.timedelta(hours=8))
_SINCE = dt.datetime(1992, 1, 1, tzinfo=SHANGHAI)


def _local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(_CST if value >= _SINCE else SHANGHAI)


def day(value: dt.datetime | None) -> str:
    """The Asia/Shanghai date, '2026-10-09' ('' for None)."""
    if value is None:
        return ""
    d = _local(value)
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def day_time(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    d = _local(value)
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d} {d.hour:02d}:{d.minute:02d}"


def label(labels: Mapping[str, str], code: str | None) -> str:
    """The label of `code`; an unknown code is printed as it is, None as ''."""
    if code is None:
        return ""
    return labels.get(code, code)
