"""Field values as the text printed on a document: literal text, Chinese labels of codes, dates.

Everything a caller passes is data. It is inserted as text (python-docx escapes it into `w:t`), never
parsed as XML or evaluated as a template. The only change made to text: characters that XML 1.0
cannot hold are **removed** (C0 controls except tab, line feed and carriage return; U+FFFE, U+FFFF;
lone surrogates). Carriage returns are normalised to line feeds; a line feed becomes a line break in
the document, a tab a tab.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from ..validation import strip_blank

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Illegal in XML 1.0 (and therefore in a .docx): removed from every text.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class DocumentError(ValueError):
    """A document cannot be rendered: unknown kind, missing required field or unknown code."""


def clean(text: str) -> str:
    """`text` with the characters XML cannot hold removed and line ends normalised to '\\n'."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _ILLEGAL_XML.sub("", text)


def text(value: Any) -> str:
    """Any field value as printable text; None (a missing optional field) is ''. A string is typed
    text (a form's reason, opinion, name): spaces, blank lines and invisible characters at its ends
    (validation.BLANK_CHARACTER: U+3000, U+200B, U+3164 …) are dropped, as every channel trims (docs/input-rules.md), so a blank-looking value prints as
    nothing."""
    if value is None:
        return ""
    if isinstance(value, str):
        return strip_blank(clean(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (dt.datetime, dt.date)):
        return format_date(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return "、".join(t for t in (text(v) for v in value) if t)
    return clean(str(value))


def code_label(value: Any, labels: Mapping[str, str], field: str) -> str:
    """The Chinese label of a code; the label itself is accepted too. Unknown values are an error:
    they come from fixed form options, so an unknown one is a modelling bug, not user text."""
    if value is None or value == "":
        return ""
    key = str(value).strip()
    if key in labels:
        return labels[key]
    if key in labels.values():
        return key
    if key.upper() in labels:  # result classes given as 'a'
        return labels[key.upper()]
    raise DocumentError(f"{field}: unknown value {clean(key)!r}; one of {', '.join(labels)}")


def code_of(value: Any, labels: Mapping[str, str], field: str) -> str | None:
    """The code of a value given as code or label (None when empty)."""
    label = code_label(value, labels, field)
    if not label:
        return None
    return next(code for code, lab in labels.items() if lab == label)


def _parse(value: str) -> dt.date | dt.datetime | None:
    raw = value.strip()
    if not raw:
        return None
    try:
        parsed = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    if "T" not in raw and " " not in raw:
        return parsed.date()
    return parsed


def as_datetime(value: Any) -> dt.date | dt.datetime | None:
    """A date/datetime from a date, datetime or ISO-8601 string (Camunda's '…T10:30:00.000+0800'
    included); aware datetimes are converted to Asia/Shanghai. None if it is none of these."""
    if isinstance(value, dt.datetime):
        return value.astimezone(SHANGHAI) if value.tzinfo else value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        parsed = _parse(value)
        if isinstance(parsed, dt.datetime) and parsed.tzinfo:
            return parsed.astimezone(SHANGHAI)
        return parsed
    return None


def format_date(value: Any, with_time: bool = False) -> str:
    """'2026年11月23日' (GB/T 9704 7.3.5.1: full year, no leading zeros), with '10时05分' when asked
    and the value has a time. A value that is not a date is printed literally."""
    if value is None or value == "":
        return ""
    when = as_datetime(value)
    if when is None:
        return text(value) if not isinstance(value, str) else clean(value)
    out = f"{when.year}年{when.month}月{when.day}日"
    if with_time and isinstance(when, dt.datetime):
        out += f"{when.hour}时{when.minute:02d}分"
    return out


def today() -> dt.date:
    return dt.datetime.now(SHANGHAI).date()
