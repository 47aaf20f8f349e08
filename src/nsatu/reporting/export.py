"""Reports as files: JSON, CSV, XLSX, and a workbook laid out like the tracker's Country Summary.

- JSON: the rows as plain values (numbers as JSON numbers), with the columns, notes, sources and
  further tables when the whole report is asked for.
- CSV: one table (the report's rows, or one of its further tables), a header of the column keys,
  written by :func:`nsatu.transfer.sheets.write`, whose formula guard puts an apostrophe in front of
  any text a spreadsheet would run as a formula (``= + - @``, tab, carriage return).
- XLSX: :func:`workbook`, one sheet per report (and per further table), then a *Sources* and a
  *Notes* sheet; headers bold and frozen, a filter on each table, number formats by column kind.
  Text cells are stored as strings, as :mod:`nsatu.transfer.sheets` stores them, so no cell is ever
  a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, BinaryIO

from nsatu.errors import InvalidInput
from nsatu.reporting.table import Column, ColumnKind, Report
from nsatu.transfer import sheets
from nsatu.transfer.schemas import Format

#: How each column kind is shown in a spreadsheet.
NUMBER_FORMATS: dict[ColumnKind, str] = {
    "int": "#,##0",
    "number": "0.000000",
    "eur_bn": "#,##0.000",
    "eur": "#,##0.00",
    "pct": "0.000",  # already in percent: 0.12 is 0.12 % of GDP
    "share": "0.0%",  # a fraction: 0.25 is a quarter
    "date": "yyyy-mm-dd",
}
MIME = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def json_value(value: Any) -> Any:
    """A cell as JSON: ``Decimal`` as a number, dates as ISO text."""
    if isinstance(value, Decimal):
        return (
            int(value)
            if value == value.to_integral_value() and abs(value) < 2**53
            else float(value)
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def json_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{k: json_value(v) for k, v in row.items()} for row in rows]


def as_json(report: Report) -> dict[str, Any]:
    """The whole report: columns, rows, notes, sources and further tables."""
    return {
        "name": report.name,
        "title": report.title,
        "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in report.columns],
        "rows": json_rows(report.rows),
        "notes": list(report.notes),
        "sources": list(report.sources),
        "extra": {name: json_rows(rows) for name, rows in report.extra.items()},
    }


def table(report: Report, name: str | None = None) -> tuple[list[Column], list[Mapping[str, Any]]]:
    """The columns and rows of the report's main table, or of its further table ``name``.

    Raises:
        InvalidInput: the report has no table ``name``.
    """
    if name is None or name == report.name:
        return list(report.columns), list(report.rows)
    if name not in report.extra:
        tables = ", ".join([report.name, *report.extra]) or report.name
        raise InvalidInput(
            f"table: report {report.name} has no table {name!r}; tables: {tables}", field="table"
        )
    rows = list(report.extra[name])
    return infer_columns(rows), rows


def infer_columns(rows: Sequence[Mapping[str, Any]]) -> list[Column]:
    """Columns of a further table: every key in order of appearance, the kind read off its name."""
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    return [Column(k, k.replace("_", " "), _kind_of(k, rows)) for k in keys]


def _kind_of(key: str, rows: Sequence[Mapping[str, Any]]) -> ColumnKind:
    if key.endswith("_eur_bn"):
        return "eur_bn"
    if key.endswith("_eur") or key == "eur":
        return "eur"
    if key.endswith("pct_gdp") or key.startswith("pct"):
        return "pct"
    if "share" in key or key.startswith("coverage"):
        return "share"
    values = [r.get(key) for r in rows if r.get(key) is not None]
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int"
    if values and all(isinstance(v, Decimal | float | int) for v in values):
        return "number"
    return "text"


def write_csv(out: BinaryIO, report: Report, table_name: str | None = None) -> None:
    """One table as CSV: a header of the column keys, then the rows (formula guard applied)."""
    columns, rows = table(report, table_name)
    sheets.write(
        out,
        Format.CSV,
        title=report.title,
        header=[c.key for c in columns],
        rows=[[row.get(c.key) for c in columns] for row in rows],
        about=(),
    )


def csv_bytes(report: Report, table_name: str | None = None) -> bytes:
    buf = io.BytesIO()
    write_csv(buf, report, table_name)
    return buf.getvalue()


def xlsx_bytes(reports: Sequence[Report]) -> bytes:
    buf = io.BytesIO()
    workbook(buf, reports)
    return buf.getvalue()


def sheet_name(text: str, taken: set[str]) -> str:
    """A worksheet name: at most 31 characters, none of ``[]:*?/\\``, unique in the workbook."""
    base = _SHEET_NAME_BAD.sub(" ", text).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def workbook(out: BinaryIO, reports: Sequence[Report]) -> None:
    """Write ``reports`` as one workbook laid out like the tracker's Country Summary: a sheet per
    report (and one per further table of a report), then *Sources* and *Notes*."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    taken: set[str] = set()
    for report in reports:
        _table_sheet(wb, sheet_name(report.name, taken), report.columns, report.rows)
        for extra, rows in report.extra.items():
            _table_sheet(wb, sheet_name(f"{report.name} {extra}", taken), infer_columns(rows), rows)
    _list_sheet(
        wb, sheet_name("Sources", taken), ("Report", "Source"),
        [(r.name, s) for r in reports for s in r.sources],
    )  # fmt: skip
    _list_sheet(
        wb, sheet_name("Notes", taken), ("Report", "Note"),
        [(r.name, n) for r in reports for n in r.notes],
    )  # fmt: skip
    wb.save(out)


def _cell(ws: Any, value: Any, kind: ColumnKind = "text", *, bold: bool = False) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    if isinstance(value, str):
        # XML cannot carry most control characters; they are dropped (as in nsatu.transfer).
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    elif isinstance(value, Decimal):
        value = Decimal(sheets.plain_decimal(value))
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        # Stored as a string, never as a formula, whatever it starts with (= + - @ ...).
        cell.data_type = "s"
    elif value is not None and kind in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[kind]
    elif isinstance(value, dt.date):
        cell.number_format = NUMBER_FORMATS["date"]
    if bold:
        cell.font = Font(bold=True)
    return cell


def _table_sheet(
    wb: Any, title: str, columns: Sequence[Column], rows: Sequence[Mapping[str, Any]]
) -> None:
    ws = wb.create_sheet(title)
    # Sizes, the frozen header and the filter go before the first row is streamed.
    header = [c.label for c in columns]
    cells = [[row.get(c.key) for c in columns] for row in rows]
    widths = [len(h) + 4 for h in header]
    for values in cells:
        for i, v in enumerate(values):
            widths[i] = max(widths[i], min(len(sheets.display(v)) + 2, sheets.MAX_COLUMN_WIDTH))
    for i, width in enumerate(widths):
        ws.column_dimensions[sheets.column_letter(i)].width = width
    ws.freeze_panes = "A2"
    if columns:
        ws.auto_filter.ref = f"A1:{sheets.column_letter(len(columns) - 1)}{len(rows) + 1}"
    ws.append([_cell(ws, h, bold=True) for h in header])
    for values in cells:
        ws.append([_cell(ws, v, c.kind) for v, c in zip(values, columns, strict=True)])


def _list_sheet(
    wb: Any, title: str, header: Sequence[str], rows: Sequence[tuple[str, str]]
) -> None:
    from openpyxl.styles import Alignment

    ws = wb.create_sheet(title)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 110
    ws.freeze_panes = "A2"
    ws.append([_cell(ws, h, bold=True) for h in header])
    wrap = Alignment(wrap_text=True, vertical="top")
    for name, text in rows:
        first, second = _cell(ws, name), _cell(ws, text)
        second.alignment = wrap
        ws.append([first, second])
