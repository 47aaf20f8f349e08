"""Checks shared by every import: the header, each cell, reference codes and the domain schema.

Every problem is collected as a :class:`RowError` at the row and column where the user sees it; no
check stops at the first problem, so one run lists everything to fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from nsatu.transfer.columns import CODE_TABLES, CellError, Column, normalise_name, parse_cell
from nsatu.transfer.schemas import RowError
from nsatu.transfer.sheets import Sheet, column_letter, display, is_blank

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

#: Called with a phase ("checking", "writing"), rows done and rows in all.
Progress = Callable[[str, int, int], None]


def no_progress(phase: str, done: int, total: int) -> None:
    """The default ``Progress``: report nothing."""


class Problems:
    """Every problem found so far, in the order of the sheet (row, then column)."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self._order = {c.name: i for i, c in enumerate(columns)}
        self._items: list[RowError] = []

    def add(self, row: int, column: str, raw: Any, message: str) -> None:
        self._items.append(RowError(row=row, column=column, value=display(raw), message=message))

    def __bool__(self) -> bool:
        return bool(self._items)

    def sorted(self) -> list[RowError]:
        return sorted(self._items, key=lambda e: (e.row, self._order.get(e.column, -1)))


@dataclass
class ParsedRow:
    """One data row: its raw cells by column name, and what could be read from them."""

    row: int
    cells: dict[str, Any]
    #: Schema field → value (codes of ``CODE_TABLES`` already resolved to ids).
    values: dict[str, Any] = field(default_factory=dict)
    #: Column → text for the columns a specific import resolves itself (organisation, parent).
    specials: dict[str, str] = field(default_factory=dict)
    #: Columns already reported, so the schema does not report them again.
    bad: set[str] = field(default_factory=set)


def map_header(
    header: Sequence[Any], columns: Sequence[Column], problems: Problems
) -> dict[int, Column]:
    """Position in the row → column. Unknown, repeated and missing required columns are problems."""
    by_name = {c.name: c for c in columns}
    index: dict[int, Column] = {}
    seen: dict[str, int] = {}
    for i, raw in enumerate(header):
        if is_blank(raw):
            continue
        name = normalise_name(raw)
        col = by_name.get(name)
        if col is None:
            close = difflib.get_close_matches(name, by_name, n=1)
            hint = (
                f"did you mean {close[0]!r}?" if close else f"the columns are {', '.join(by_name)}"
            )
            problems.add(1, display(raw).strip(), raw, f"unknown column; {hint}")
        elif name in seen:
            problems.add(
                1,
                name,
                raw,
                f"column appears twice (columns {column_letter(seen[name])} and {column_letter(i)})",
            )
        else:
            index[i] = col
            seen[name] = i
    for col in columns:
        if col.required and col.name not in seen:
            problems.add(1, col.name, None, "required column is missing from the header row")
    return index


class CodeTables:
    """Code → id for the reference tables, matched exactly or else ignoring case."""

    def __init__(self, tables: Mapping[str, Mapping[str, int]]) -> None:
        self._exact = tables
        self._folded: dict[str, dict[str, list[str]]] = {}
        for name, codes in tables.items():
            folded: dict[str, list[str]] = {}
            for code in codes:
                folded.setdefault(code.casefold(), []).append(code)
            self._folded[name] = folded

    def resolve(self, table: str, code: str) -> int:
        """The id of ``code`` in ``table``.

        Raises:
            CellError: no such code (with the nearest code as a hint), or the case-insensitive
                match is ambiguous.
        """
        exact = self._exact[table]
        if code in exact:
            return exact[code]
        matches = self._folded[table].get(code.casefold(), [])
        if len(matches) == 1:
            return exact[matches[0]]
        label = table.replace("_", " ")
        if matches:
            raise CellError(f"{code!r} matches several {label} codes: {', '.join(sorted(matches))}")
        close = difflib.get_close_matches(code, exact, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise CellError(f"unknown {label} code {code!r}{hint}")


def parse_rows(
    sheet: Sheet,
    index: Mapping[int, Column],
    codes: CodeTables,
    problems: Problems,
    progress: Progress,
) -> list[ParsedRow]:
    """Read every cell of every row; resolve the codes of ``CODE_TABLES`` to ids."""
    parsed: list[ParsedRow] = []
    total = len(sheet.rows)
    for done, (n, cells) in enumerate(sheet.rows, start=1):
        row = ParsedRow(row=n, cells={})
        for i, raw in enumerate(cells):
            if i not in index and not is_blank(raw):
                problems.add(
                    n, f"column {column_letter(i)}", raw, "a value in a column without a header"
                )
        for i, col in index.items():
            raw = cells[i] if i < len(cells) else None
            row.cells[col.name] = raw
            try:
                value = parse_cell(col.kind, raw, escaped=sheet.formula_escaped)
                if value is None:
                    continue
                if col.lookup in CODE_TABLES:
                    assert col.lookup is not None
                    value = codes.resolve(col.lookup, value)
                elif col.lookup is not None:
                    row.specials[col.name] = value
                    continue
            except CellError as exc:
                problems.add(n, col.name, raw, str(exc))
                row.bad.add(col.name)
                continue
            row.values[col.field] = value
        parsed.append(row)
        progress("checking", done, total)
    return parsed


_MESSAGES = {
    "missing": "required: the cell is empty",
    "string_pattern_mismatch": "may hold only letters, digits and . _ / - (starting with a letter or digit)",
}


def build(
    model: type[M],
    row: ParsedRow,
    columns: Sequence[Column],
    problems: Problems,
    *,
    extra: Mapping[str, Any] | None = None,
) -> M | None:
    """Validate the row's values with the domain schema; its errors become problems of the row."""
    try:
        return model.model_validate(row.values | dict(extra or {}))
    except ValidationError as exc:
        to_column = {c.field: c.name for c in columns}
        for err in exc.errors():
            loc = err["loc"]
            message = str(err["msg"])
            name: str | None = None
            if loc:
                name = str(loc[0])
            else:
                # Cross-field rules raise "field: message" (see offers.schemas.check_offer_fields).
                head, sep, rest = message.removeprefix("Value error, ").partition(": ")
                if sep and head in to_column:
                    name, message = head, rest
                else:
                    message = message.removeprefix("Value error, ")
            column = to_column.get(name or "", name or "")
            if column in row.bad:
                continue
            message = _MESSAGES.get(err["type"], message)
            problems.add(row.row, column, row.cells.get(column), message)
        return None


def chunks(values: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    """Slices small enough for an ``IN (...)`` list on every backend."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
