"""Inputs and outputs of proof of delivery, discrepancies, the ledger and serial accountability."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from nsatu.core.enums import DiscrepancyReason, EndUseOutcome
from nsatu.core.lifecycles import DiscrepancyStatus, ReceiptStatus
from nsatu.logistics.schemas import EventTime, Note, Serial
from nsatu.shared.schemas import Id, ReadSchema, Schema

Count = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=3)]
Person = Annotated[str, Field(min_length=1, max_length=120)]


# --- Proof of delivery -------------------------------------------------------------------------


class ReceiptLineIn(Schema):
    consignment_line_id: Id
    quantity_good: Count = Decimal(0)
    quantity_damaged: Count = Decimal(0)
    damaged_reason: DiscrepancyReason | None = None
    quantity_lost: Count = Decimal(0)
    lost_reason: DiscrepancyReason | None = None
    quantity_rejected: Count = Decimal(0)
    rejected_reason: DiscrepancyReason | None = None


class ReceiptCreate(Schema):
    received_by: Person = Field(description="who took the goods over (name and unit)")
    received_at: EventTime = Field(description="ISO 8601 with an offset")
    note: Note | None = None
    lines: list[ReceiptLineIn] = Field(
        min_length=1, max_length=1000, description="one per consignment line"
    )


class ReceiptUpdate(Schema):
    """A correction of a receipt not yet verified; ``lines``, when given, replace all lines."""

    version: int = Field(ge=1, description="The version the client read; a stale one is a 409.")
    received_by: Person | None = None
    received_at: EventTime | None = None
    note: Note | None = None
    lines: list[ReceiptLineIn] | None = Field(default=None, min_length=1, max_length=1000)


class VersionRequest(Schema):
    version: int = Field(ge=1, description="The version the client read; a stale one is a 409.")


class ReceiptLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    consignment_line_id: int
    quantity_good: Decimal
    quantity_damaged: Decimal
    damaged_reason: DiscrepancyReason | None
    quantity_lost: Decimal
    lost_reason: DiscrepancyReason | None
    quantity_rejected: Decimal
    rejected_reason: DiscrepancyReason | None


class ReceiptRead(ReadSchema):
    consignment_id: int
    received_by: str
    received_at: dt.datetime
    recorded_by: str
    status: ReceiptStatus
    verified_by: str | None
    verified_at: dt.datetime | None
    note: str | None
    lines: list[ReceiptLineRead]


# --- Discrepancy reports -----------------------------------------------------------------------


class DiscrepancyCreate(Schema):
    consignment_id: Id
    reason: DiscrepancyReason
    description: Annotated[str, Field(min_length=1, max_length=4000)]


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    report_id: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: dt.datetime


class DiscrepancyRead(ReadSchema):
    consignment_id: int
    reason: DiscrepancyReason
    description: str
    reported_by: str
    status: DiscrepancyStatus
    attachments: list[AttachmentRead] = []


# --- Ledger ------------------------------------------------------------------------------------


class LedgerRead(BaseModel):
    """Quantities of one offer line or one need (docs/architecture.md, "Quantity ledger")."""

    kind: str = Field(description="offer_line or need")
    id: int
    reference: str
    #: Need: what it asks for (approved, else requested); offer line: its quantity.
    requested: Decimal | None
    pledged: Decimal
    allocated: Decimal
    in_transit: Decimal
    delivered: Decimal
    accepted: Decimal
    damaged: Decimal
    lost: Decimal
    rejected: Decimal
    remaining: Decimal
    state: str


# --- Serial accountability ---------------------------------------------------------------------


class EndUseCheckCreate(Schema):
    serial: Serial
    checked_on: dt.date
    outcome: EndUseOutcome
    note: Note | None = None


class EndUseCheckRead(ReadSchema):
    serial: str
    consignment_id: int
    item_type_id: int | None
    checked_on: dt.date
    outcome: EndUseOutcome
    checked_by: str
    note: str | None


class RepairSerialsIn(Schema):
    direction: Annotated[str, Field(pattern=r"^(out|back)$")]
    serials: list[Serial] = Field(min_length=1, max_length=10_000)


class SerialMismatch(BaseModel):
    consignment_id: int
    reference: str
    loaded_not_handed_over: list[str]
    handed_over_not_loaded: list[str]


class HistoryEntry(BaseModel):
    at: dt.datetime
    what: str = Field(description="event kind, end_use_check:<outcome> or repair_<direction>")
    consignment_id: int | None
    consignment: str | None
    kind: str | None = Field(description="the consignment's kind (delivery or repair)")
    detail: str | None


class SerialHistory(BaseModel):
    serial: str
    item_type_id: int | None
    entries: list[HistoryEntry]


class AccountabilityRow(BaseModel):
    item_type_id: int | None
    item_type: str
    period: str = Field(description="YYYY-MM of the checks counted")
    serials: int
    verified: int
    share_verified: float
    overdue: int


class AccountabilityReport(BaseModel):
    as_of: dt.date
    interval_days: int
    rows: list[AccountabilityRow]
    overdue: list[str] = Field(description="serials whose last check is older than the interval")
