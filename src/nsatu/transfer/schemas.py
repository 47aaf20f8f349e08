"""What an import or export reports back."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class RowError(BaseModel):
    """One problem, placed where the user sees it: ``row`` counts the header as row 1."""

    model_config = ConfigDict(frozen=True)

    row: int
    column: str
    value: str
    message: str


class ImportResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str
    rows: int
    imported: int
    dry_run: bool


class ExportResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str
    exported: int
    format: Format
