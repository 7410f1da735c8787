"""The documents a message carries (issue 13; 临沧 rules, 交办单 note 2: the 交办单 reaches the
department together with the 登记表 and the leader's 批示).

    ATTACHMENTS["dispatched"] -> the File variables attached to that event's e-mails
    attachments_for(camunda, process_instance_id, event, variables) -> [Attachment, ...]
    approval_note(variables) -> Attachment   (批示笺 .docx: who approved, when, what they wrote)

Only e-mails to audiences that may see the enterprise's contact data (`Recipient.may_see_contact`:
the lead department) carry them: the 登记表 and the 交办单 hold the contact person and phone, which
assisting departments and group chats do not get (spec §18). SMS and webhooks carry no files.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..camunda import Camunda
from ..documents import DOCX_MIME, safe_filename

# event → File variables (process variables written by renderDocument), in the order attached;
# a missing one (no PDF copy made, a dispatch to the city has a 转报单 instead of a 交办单) is skipped
ATTACHMENTS: dict[str, tuple[str, ...]] = {
    "dispatched": ("dispatchDocument", "dispatchDocumentPdf", "transferDocument", "transferDocumentPdf",
                   "registrationDocument", "registrationDocumentPdf"),
}
# events whose e-mails also carry the leader's 批示笺 (made from the approval variables)
WITH_APPROVAL = {"dispatched"}
APPROVAL_VARIABLES = ("approverName", "approvalComment", "dispatchedAt")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str

    @property
    def maintype(self) -> str:
        return self.mime_type.split("/", 1)[0]

    @property
    def subtype(self) -> str:
        return self.mime_type.split("/", 1)[1]


def attachments_for(camunda: Camunda, process_instance_id: str, event: str,
                    variables: Mapping[str, Any]) -> list[Attachment]:
    """The files of `event` for one appeal, read from the engine (empty for events without files).
    Raises CamundaError when the engine cannot be read (the notification task is then retried)."""
    names = ATTACHMENTS.get(event, ())
    found: list[Attachment] = []
    if names:
        typed = camunda.get(f"/process-instance/{process_instance_id}/variables", deserializeValues="false")
        for name in names:
            var = typed.get(name)
            if not var or var.get("type") != "File":
                continue
            info = var.get("valueInfo") or {}
            content = camunda.request("GET", f"/process-instance/{process_instance_id}/variables/{name}/data")
            found.append(Attachment(info.get("filename") or name, bytes(content or b""),
                                    info.get("mimeType") or "application/octet-stream"))
    if event in WITH_APPROVAL and variables.get("approvalComment"):
        found.append(approval_note(variables))
    return found


def approval_note(variables: Mapping[str, Any]) -> Attachment:
    """The leader's 批示笺 as a one-page .docx: 登记编号, 交办编号, enterprise, who signed, the comment."""
    from docx import Document

    doc = Document()
    doc.add_heading("领导批示笺", level=1)
    rows = (
        ("登记编号", variables.get("registrationNumber")),
        ("交办编号", variables.get("dispatchNumber")),
        ("企业名称", variables.get("enterpriseName")),
        ("签批领导", variables.get("approverName")),
        ("批示意见", variables.get("approvalComment")),
        ("批示日期", _day(variables.get("dispatchedAt"))),
    )
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].text = "" if value is None else str(value)
    buffer = io.BytesIO()
    doc.save(buffer)
    stem = f"领导批示笺_{variables.get('dispatchNumber') or variables.get('registrationNumber') or ''}"
    return Attachment(safe_filename(stem), buffer.getvalue(), DOCX_MIME)


def _day(value: Any) -> str:
    if not value:
        return ""
    try:
        day = dt.datetime.fromisoformat(str(value)).date()
    except ValueError:
        return str(value)[:10]
    return f"{day.year}年{day.month}月{day.day}日"
