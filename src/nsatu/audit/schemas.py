"""What the audit domain takes and returns."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nsatu.shared.schemas import Id, PageParams, Schema


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """A time given without a zone is read as UTC, the zone the log is kept in."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


class AuditSelection(Schema):
    """Which entries: every given criterion must hold."""

    entity: str | None = Field(
        default=None, max_length=40, description="table name of the record, e.g. offer_line"
    )
    entity_id: Id | None = Field(default=None, description="id of the record")
    user: str | None = Field(default=None, max_length=64, description="username of the actor")
    action: str | None = Field(
        default=None,
        max_length=40,
        description="create, update, delete, transition (any lifecycle move), transition:<action>, "
        "bulk_insert …",
    )
    since: dt.datetime | None = Field(
        default=None, description="from this time on (UTC if no zone)"
    )
    until: dt.datetime | None = Field(default=None, description="before this time (UTC if no zone)")

    @field_validator("since", "until")
    @classmethod
    def _zone(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _utc(value)

    @model_validator(mode="after")
    def _ordered(self) -> AuditSelection:
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValueError("until: must be later than since")
        return self


class AuditFilter(AuditSelection, PageParams):
    """A page of entries; newest first unless ``sort`` says otherwise (``seq`` or ``-seq``)."""


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


class AuditExport(AuditSelection):
    format: ExportFormat = ExportFormat.CSV


class AuditEntryRead(BaseModel):
    """One entry, as stored (``before``/``after`` hold the changed columns of an update, every
    column of a create or delete; secret values read ``[redacted]``)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    seq: int
    at: dt.datetime
    user_id: int | None
    username: str
    role: str
    channel: str
    entity: str
    entity_id: int | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str


class ChainBreak(BaseModel):
    """The first entry where the chain does not hold; ``entry_id`` is ``None`` for a missing one."""

    seq: int
    entry_id: int | None
    problem: str
    detail: str


class ChainReport(BaseModel):
    ok: bool
    entries: int = Field(description="entries checked before the first break (all when ok)")
    head_seq: int = Field(description="last seq recorded by the application")
    head_hash: str = Field(
        description="hash of that entry: keep it outside the database as an anchor"
    )
    broken: ChainBreak | None = None


class ExportResult(BaseModel):
    exported: int
    format: ExportFormat
