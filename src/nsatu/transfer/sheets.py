"""The two file formats, CSV and XLSX, read into one shape and written from one shape.

Nothing here knows about needs or offers: a sheet is a header and numbered rows of raw cells (``str``
from CSV; ``str``, numbers, dates and booleans from XLSX).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any, BinaryIO

from nsatu.transfer.errors import UnreadableFile, UnsupportedFormat
from nsatu.transfer.schemas import Format

#: Guard against files that would tie up the process for minutes; a monthly list or a Kiel release
#: is a few thousand rows.
MAX_ROWS = 100_000

# A text cell that a spreadsheet program would run as a formula when it opens a CSV file ("CSV
# injection"). Exports put one apostrophe in front of such cells, imports take it off again, so text
# round-trips unchanged. Leading apostrophes are counted so that text that itself starts with one
# survives too.
_FORMULA_START = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED_FORMULA = re.compile(r"^'+[=+\-@\t\r]")

MAX_COLUMN_WIDTH = 60


@dataclass(frozen=True)
class Sheet:
    """A header and the data rows, each with the row number a spreadsheet program shows (header = 1)."""

    header: tuple[Any, ...]
    rows: list[tuple[int, tuple[Any, ...]]]
    #: CSV text cells may carry the apostrophe that disarms a formula (see ``unescape_text``).
    formula_escaped: bool


def format_for(name: str | PurePath) -> Format:
    """The format named by a file's extension.

    Raises:
        UnsupportedFormat: the extension is neither ``.csv`` nor ``.xlsx``.
    """
    suffix = PurePath(name).suffix.lower()
    for fmt in Format:
        if suffix == f".{fmt.value}":
            return fmt
    raise UnsupportedFormat(
        f"{PurePath(name).name}: use a .csv or .xlsx file (not {suffix or 'no extension'})",
        field="file",
    )


def read(data: bytes, fmt: Format) -> Sheet:
    """Parse ``data`` as ``fmt``.

    Raises:
        UnreadableFile: the bytes are not a readable file of that format, it has no header row, or
            it has more than ``MAX_ROWS`` rows.
    """
    sheet = _read_csv(data) if fmt is Format.CSV else _read_xlsx(data)
    if not any(not is_blank(c) for c in sheet.header):
        raise UnreadableFile(
            "the file has no header row (row 1 must name the columns)", field="file"
        )
    if len(sheet.rows) > MAX_ROWS:
        raise UnreadableFile(
            f"the file has {len(sheet.rows)} rows; split it into files of at most {MAX_ROWS}",
            field="file",
        )
    return sheet


def _read_csv(data: bytes) -> Sheet:
    try:
        text = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"the file is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'", field="file"
        ) from None
    first_line = text.split("\n", 1)[0]
    # Spreadsheet programs in many European locales save CSV with semicolons.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    records: list[tuple[Any, ...]] = []
    try:
        records.extend(
            tuple(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        )
    except csv.Error as exc:
        raise UnreadableFile(f"row {len(records) + 1}: {exc}", field="file") from None
    if not records:
        return Sheet(header=(), rows=[], formula_escaped=True)
    # A record is what a spreadsheet shows as one row, even when a quoted cell spans lines.
    rows = [(n, r) for n, r in enumerate(records[1:], start=2) if not all(is_blank(c) for c in r)]
    return Sheet(header=records[0], rows=rows, formula_escaped=True)


def _read_xlsx(data: bytes) -> Sheet:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise UnreadableFile("the file is not a readable .xlsx workbook", field="file") from None
    try:
        if not wb.worksheets:
            raise UnreadableFile("the workbook has no worksheet", field="file")
        ws = wb.worksheets[0]
        # Some writers store a wrong sheet size; without this, openpyxl would cut rows off.
        ws.reset_dimensions()
        header: tuple[Any, ...] = ()
        rows: list[tuple[int, tuple[Any, ...]]] = []
        # Read-only worksheets yield empty rows for gaps, so the count is the sheet's row number.
        for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if n == 1:
                header = tuple(values)
            elif not all(is_blank(c) for c in values):
                rows.append((n, tuple(values)))
                if len(rows) > MAX_ROWS:
                    break
    finally:
        wb.close()
    return Sheet(header=header, rows=rows, formula_escaped=False)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def unescape_text(text: str) -> str:
    """Undo the export's formula guard: drop one leading apostrophe before ``= + - @``."""
    return text[1:] if _ESCAPED_FORMULA.match(text) else text


def display(value: Any) -> str:
    """A cell as the user sees it (for messages and column widths)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def plain_decimal(value: Decimal) -> str:
    """``Decimal`` without exponent or trailing zeros: ``10.000`` → ``10``, ``1E+3`` → ``1000``."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


# --- writing -----------------------------------------------------------------------------------


def write(
    out: BinaryIO,
    fmt: Format,
    *,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    about: Sequence[tuple[str, str]],
) -> None:
    """Write ``rows`` under ``header``; XLSX also gets an "About" sheet with the ``about`` lines.

    Cells are ``None``, ``str``, ``Decimal``, ``int``, ``bool`` or ``datetime.date``.
    """
    if fmt is Format.CSV:
        _write_csv(out, header, rows)
    else:
        _write_xlsx(out, title, header, rows, about)


def _csv_cell(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value if _FORMULA_START.match(value) else value
    return display(value)


def _write_csv(out: BinaryIO, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows([_csv_cell(v) for v in row] for row in rows)
    # With a byte-order mark Excel opens the file as UTF-8 (names with accents, Cyrillic).
    out.write(buf.getvalue().encode("utf-8-sig"))


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Integral quantities stay integers; others go to the sheet as the exact decimal text.
        return int(value) if value == value.to_integral_value() else Decimal(plain_decimal(value))
    return value


def _widths(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[float]:
    # Room for the header text and the filter button next to it.
    widths = [len(h) + 4 for h in header]
    for row in rows:
        for i, v in enumerate(row):
            widths[i] = max(widths[i], min(len(display(v)) + 2, MAX_COLUMN_WIDTH))
    return [float(w) for w in widths]


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based index (0 → A, 26 → AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def _write_xlsx(
    out: BinaryIO,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    about: Sequence[tuple[str, str]],
) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    # Column sizes, frozen header and filter must be set before the first row is streamed.
    for i, width in enumerate(_widths(header, rows)):
        ws.column_dimensions[column_letter(i)].width = width
    ws.freeze_panes = "A2"
    if header:
        ws.auto_filter.ref = f"A1:{column_letter(len(header) - 1)}{len(rows) + 1}"
    bold = Font(bold=True)
    heading_row = []
    for h in header:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = bold
        heading_row.append(cell)
    ws.append(heading_row)
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, str):
                # XML cannot carry most control characters (pasted vertical tabs, form feeds);
                # openpyxl would refuse the whole file, so they are dropped.
                v = ILLEGAL_CHARACTERS_RE.sub("", v)  # noqa: PLW2901
            cell = WriteOnlyCell(ws, value=_xlsx_value(v))
            if isinstance(v, str):
                # openpyxl stores text starting with "=" as a formula; the data is never one.
                cell.data_type = "s"
            elif isinstance(v, dt.date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        ws.append(cells)

    info = wb.create_sheet("About")
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 110
    wrap = Alignment(wrap_text=True, vertical="top")
    for label, text in about:
        # The About text can echo user input (an export's filters): the same control characters go.
        text = ILLEGAL_CHARACTERS_RE.sub("", text)  # noqa: PLW2901
        label_cell = WriteOnlyCell(info, value=label)
        label_cell.font = bold
        label_cell.alignment = wrap
        text_cell = WriteOnlyCell(info, value=text)
        text_cell.data_type = "s"
        text_cell.alignment = wrap
        info.append([label_cell, text_cell])
    wb.save(out)
