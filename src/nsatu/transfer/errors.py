"""Errors of the spreadsheet import and export."""

from __future__ import annotations

from collections.abc import Sequence

from nsatu.errors import InvalidInput
from nsatu.transfer.schemas import RowError


class UnsupportedFormat(InvalidInput):
    code = "unsupported_format"


class UnreadableFile(InvalidInput):
    code = "unreadable_file"


class ImportRejected(InvalidInput):
    """The file has bad rows: nothing may be written (the caller's transaction rolls back)."""

    code = "import_rejected"

    def __init__(self, errors: Sequence[RowError], *, rows: int) -> None:
        self.errors = list(errors)
        self.rows = rows
        super().__init__(
            f"{len(self.errors)} problem(s) in {rows} row(s); nothing was imported",
            errors=[e.model_dump() for e in self.errors],
        )
