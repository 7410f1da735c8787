"""The official documents of an appeal, rendered as Word .docx (spec §15).

    render_document(kind, fields, org=...) -> RenderedDocument

Kinds: `registration` 企业反映困难问题登记表, `dispatch` 交办单, `transfer` 转报单 (L 附件),
`reminder_letter` 催办函 (a GB/T 9704-2012 letter), `handling_feedback` 办理情况反馈表 (T 附件4 with the
A/B/C classes of L 第十七条), `satisfaction` 满意度评价表 (T 附件5), `dissatisfaction_review`
不满意诉求审核反馈表 (T 二(四)3). The fields of each kind are in `FIELDS` and docs/documents.md.

Field values are data: inserted literally as text, never parsed as XML or evaluated as a template.
Characters XML cannot hold are removed (see `values.clean`). Numbers (登记编号 …) come in formatted;
only dates are formatted here ('2026年11月23日'). Missing optional fields leave empty cells.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from docx.document import Document as DocxDocument

from . import letter, paper
from .fields import FIELDS, Field, Org, Values, check_required
from .layout import set_properties
from .pdf import PdfConversionError, soffice_path, to_pdf
from .values import DocumentError, clean

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Kind:
    id: str
    title: str
    build: Callable[[Values, Org, str], DocxDocument]
    number_fields: tuple[str, ...]  # the number shown in the file name, first present wins


KINDS: dict[str, Kind] = {
    kind.id: kind
    for kind in (
        Kind("registration", "企业反映困难问题登记表", paper.registration, ("registrationNumber",)),
        Kind("dispatch", "企业反映困难问题交办单", paper.dispatch, ("dispatchNumber",)),
        Kind("transfer", "企业反映困难问题转报单", paper.transfer, ("transferNumber",)),
        Kind("reminder_letter", "催办函", letter.reminder_letter, ("reminderNumber",)),
        Kind("handling_feedback", "企业反映困难问题办理情况反馈表", paper.handling_feedback,
             ("dispatchNumber", "registrationNumber")),
        Kind("satisfaction", "企业反映困难问题解决情况满意度评价表", paper.satisfaction,
             ("registrationNumber", "dispatchNumber")),
        Kind("dissatisfaction_review", "企业反映困难问题不满意诉求审核反馈表", paper.dissatisfaction_review,
             ("dispatchNumber", "registrationNumber")),
    )
}


@dataclass(frozen=True)
class RenderedDocument:
    filename: str
    content: bytes = field(repr=False)
    mime_type: str
    kind: str
    title: str


_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x7f\s]+')


def safe_filename(stem: str, suffix: str = ".docx", limit: int = 120) -> str:
    """A file name usable on Windows and Linux: no path separators, reserved or control characters."""
    stem = _UNSAFE_IN_FILENAME.sub("_", clean(stem)).strip("._ ") or "document"
    return stem[:limit] + suffix


def render_document(kind: str, fields: Mapping[str, Any], *, org: Mapping[str, str] | None = None) -> RenderedDocument:
    """Render one document of `kind` from `fields` (process variables) for the issuing `org`
    ({county, office_name, number_prefix}). Raises DocumentError for an unknown kind, a missing
    required field or an unknown code (channel, category, appealKind, resultClass, satisfaction)."""
    spec = KINDS.get(kind)
    if spec is None:
        raise DocumentError(f"unknown document kind {clean(str(kind))!r}; one of {', '.join(KINDS)}")
    values = Values(fields)
    check_required(kind, values)
    issuer = Org.of(org)
    doc = spec.build(values, issuer, spec.title)
    heading = letter.letter_title(values) if kind == "reminder_letter" else spec.title
    set_properties(doc, heading, issuer.office_full_name)
    out = io.BytesIO()
    doc.save(out)
    number = next((values.t(name) for name in spec.number_fields if values.has(name)), "")
    filename = safe_filename(f"{spec.title}-{number}" if number else spec.title)
    return RenderedDocument(filename, out.getvalue(), DOCX_MIME, kind, spec.title)


__all__ = [
    "DOCX_MIME",
    "FIELDS",
    "KINDS",
    "DocumentError",
    "Field",
    "Kind",
    "PdfConversionError",
    "RenderedDocument",
    "render_document",
    "safe_filename",
    "soffice_path",
    "to_pdf",
]
