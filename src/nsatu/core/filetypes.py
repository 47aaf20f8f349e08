"""Recognise an uploaded file by its content, never by its name or the type the client claims.

Accepted: PDF, PNG, JPEG, CSV (UTF-8 text with a consistent delimiter) and XLSX (a ZIP holding an
Office Open XML workbook). Anything else is refused with a message saying what it looks like.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

#: Default largest attachment (bytes).
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPTED = (PDF, PNG, JPEG, CSV, XLSX)

_EXTENSIONS = {
    PDF: (".pdf",),
    PNG: (".png",),
    JPEG: (".jpg", ".jpeg"),
    CSV: (".csv",),
    XLSX: (".xlsx",),
}


_LABELS = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", CSV: "CSV", XLSX: "XLSX"}


class FileRefused(ValueError):
    """The file is empty, too large, or not of an accepted type (the message says which)."""


@dataclass(frozen=True)
class Recognised:
    content_type: str
    size: int


def _is_xlsx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


def _is_csv(content: bytes) -> bool:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if "\x00" in text or not text.strip():
        return False
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        return False
    rows = list(csv.reader(io.StringIO(text)))
    widths = {len(r) for r in rows if r}
    # A table: every non-empty row has the same number of fields.
    return len(widths) == 1


def recognise(
    content: bytes, filename: str, *, max_bytes: int = MAX_ATTACHMENT_BYTES
) -> Recognised:
    """Return the content type ``content`` is, checked against ``filename``'s extension.

    Parameters:
        content: the file's bytes.
        filename: the name it was uploaded with (its extension must match the content).
        max_bytes: the largest size accepted.

    Raises:
        FileRefused: empty, larger than ``max_bytes``, not PDF/PNG/JPEG/CSV/XLSX by content, or
            named with another type's extension.
    """
    size = len(content)
    if size == 0:
        raise FileRefused("file: the file is empty")
    if size > max_bytes:
        raise FileRefused(f"file: {size} bytes is larger than the limit of {max_bytes} bytes")
    if content.startswith(b"%PDF-"):
        kind = PDF
    elif content.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = PNG
    elif content.startswith(b"\xff\xd8\xff"):
        kind = JPEG
    elif content.startswith(b"PK\x03\x04"):
        if not _is_xlsx(content):
            raise FileRefused("file: a ZIP archive that is not an XLSX workbook is not accepted")
        kind = XLSX
    elif _is_csv(content):
        kind = CSV
    else:
        raise FileRefused("file: not an accepted type by its content (PDF, PNG, JPEG, CSV or XLSX)")
    ext = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in _EXTENSIONS[kind]:
        raise FileRefused(
            f"file: the content is {_LABELS[kind]} but the name {filename!r} "
            f"says otherwise; name it {_EXTENSIONS[kind][0]}"
        )
    return Recognised(kind, size)
