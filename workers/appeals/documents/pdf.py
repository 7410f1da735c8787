"""Optional PDF conversion through LibreOffice headless, when it is installed (it is not a dependency)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


class PdfConversionError(RuntimeError):
    """LibreOffice is installed but did not produce a PDF."""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx_bytes: bytes, *, timeout: float = 120.0) -> bytes | None:
    """The PDF of a .docx via `soffice --headless --convert-to pdf`; None when LibreOffice is absent.

    Each call uses its own temporary LibreOffice profile, so conversions may run concurrently and
    never touch a user's profile."""
    soffice = soffice_path()
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory(prefix="appeals-pdf-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(docx_bytes)
        profile = (work / "profile").as_uri()
        command = [
            soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nolockcheck",
            "--convert-to", "pdf", "--outdir", str(work), str(source),
        ]
        try:
            result = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfConversionError(f"LibreOffice did not finish within {timeout:.0f} s") from exc
        target = work / "document.pdf"
        if result.returncode != 0 or not target.exists():
            detail = (result.stderr or result.stdout).decode("utf-8", "replace").strip()[-500:]
            raise PdfConversionError(f"LibreOffice failed (exit {result.returncode}): {detail}")
        return target.read_bytes()
