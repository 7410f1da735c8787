"""Documents (spec §15): render an appeal's official document into a File process variable.

The BPMN service task sets the input parameter `documentKind` (registration, dispatch, transfer,
reminder_letter, handling_feedback, satisfaction, dissatisfaction_review), and `documentIssuer` = `city`
when the city's office issues it (the city's 催办函, bpmn/CityAppeal.bpmn); otherwise the county's office. The handler renders the
.docx from the process variables, keeps a copy under `<data dir>/documents/<process instance>/` and
returns it as the File variable `<documentKind in camelCase>Document` (e.g. `handlingFeedbackDocument`), which staff
download in Tasklist and Cockpit.

With LibreOffice installed (and APPEALS_PDF not `off`), the handler also converts the document and
returns its PDF as `<…>DocumentPdf` (e.g. `dispatchDocumentPdf`), stored next to the .docx. A failed
conversion fails the task like any other error (retries, then an incident in Cockpit): an operator
either repairs LibreOffice or sets APPEALS_PDF=off and retries.

A redelivered task renders the same document again and overwrites the same file: no duplicates.
An unknown kind, a missing required field or an unknown code raises `DocumentError`: a modelling
error, so the task fails and ends as an incident that names the missing field.
"""

from __future__ import annotations

from pathlib import Path

from ..camunda import FileValue
from ..context import AppContext
from ..documents import FIELDS, DocumentError, render_document, safe_filename, to_pdf
from ..files import write_atomically
from ..runtime import Task
from . import router

# every field any kind can print; a variable the process does not have is simply absent
DOCUMENT_VARIABLES: tuple[str, ...] = tuple(sorted({f.name for fields in FIELDS.values() for f in fields}))

def store_copy(data_dir: Path, process_instance_id: str, filename: str, content: bytes) -> Path:
    """Write the document to <data dir>/documents/<process instance id>/<filename>, atomically."""
    folder = data_dir / "documents" / safe_filename(process_instance_id, suffix="")
    return write_atomically(folder / filename, content)


PDF_MIME = "application/pdf"


# LibreOffice's first start in a fresh profile takes seconds: keep the lock alive while it converts
# a modelling error (unknown kind, missing field or code) is an incident at once: retrying cannot help
@router.topic("renderDocument", variables=(*DOCUMENT_VARIABLES, "documentKind", "documentIssuer"), lock_duration_ms=120_000,
              auto_extend=True, throws=(DocumentError,))
def render_document_handler(task: Task, ctx: AppContext) -> dict[str, FileValue]:
    """Render the document named by the task's `documentKind` input parameter (and its PDF)."""
    kind = task.variables.get("documentKind")
    if not kind:
        raise DocumentError("the service task sets no 'documentKind' input parameter")
    kind = str(kind)
    if task.variables.get("documentIssuer") == "city":  # the city's document (its 催办函): the city's office signs
        org = ctx.document_org(task.tenant_id, city=True)
    else:
        org = ctx.document_org(task.tenant_id) if task.tenant_id else ctx.document_org()
    document = render_document(kind, task.variables, org=org)
    store_copy(ctx.settings.data_dir, task.process_instance_id, document.filename, document.content)
    name = variable_name(kind)
    out = {name: FileValue(document.filename, document.content, document.mime_type)}
    if ctx.settings.pdf.enabled:
        pdf = to_pdf(document.content)  # None without LibreOffice
        if pdf is not None:
            filename = Path(document.filename).with_suffix(".pdf").name
            store_copy(ctx.settings.data_dir, task.process_instance_id, filename, pdf)
            out[name + "Pdf"] = FileValue(filename, pdf, PDF_MIME)
    return out


def variable_name(kind: str) -> str:
    """handling_feedback → handlingFeedbackDocument (lowerCamelCase, as every process variable)."""
    head, *rest = kind.split("_")
    return head + "".join(part.capitalize() for part in rest) + "Document"
