"""Schemas for consignments, their lines and legs, and tracking events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from nsatu.core.enums import ConsignmentKind, Releasability, TrackingEventKind, TransportMode
from nsatu.core.lifecycles import ConsignmentStatus
from nsatu.shared.schemas import Id, PageParams, ReadSchema, Schema, UpdateSchema

Note = Annotated[str, Field(max_length=4000)]
Search = Annotated[str, Field(max_length=100)]
Reference = Annotated[
    str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
]
Qty = Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=3)]
Seq = Annotated[int, Field(ge=1, le=1000, description="position of the leg in the route")]
EventId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
        description="the sender's own id of the event; a retry with the same id is ignored",
    ),
]
SiteCode = Annotated[str, Field(min_length=1, max_length=32, description="site code or UN/LOCODE")]
Serial = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^;\s]+$")]
Count = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=3)]
Tonnes = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=3)]
Carrier = Annotated[str, Field(min_length=1, max_length=120)]
CarrierRef = Annotated[str, Field(min_length=1, max_length=60)]

_EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _utc(value: dt.datetime) -> dt.datetime:
    # Converting an extreme offset time to UTC can leave datetime's range; refuse it here as a 422
    # rather than let the column type overflow while binding.
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("is outside the supported range") from None


def _not_ancient(value: dt.datetime) -> dt.datetime:
    if value < _EARLIEST:
        raise ValueError("must be in the year 2000 or later")
    return value


UtcTime = Annotated[AwareDatetime, AfterValidator(_utc)]
EventTime = Annotated[AwareDatetime, AfterValidator(_utc), AfterValidator(_not_ancient)]


# --- Consignment -------------------------------------------------------------------------------


class ConsignmentCreate(Schema):
    reference: Reference | None = Field(default=None, description="generated when omitted")
    kind: ConsignmentKind = ConsignmentKind.DELIVERY
    origin_site_id: Id
    destination_site_id: Id
    planned_departure_on: dt.date | None = None
    notes: Note | None = None
    releasability: Releasability = Releasability.BILATERAL


class ConsignmentUpdate(UpdateSchema):
    reference: Reference | None = None
    origin_site_id: Id | None = None
    destination_site_id: Id | None = None
    planned_departure_on: dt.date | None = None
    notes: Note | None = None
    releasability: Releasability | None = None


class ConsignmentRead(ReadSchema):
    reference: str
    kind: ConsignmentKind
    origin_site_id: int
    destination_site_id: int
    planned_departure_on: dt.date | None
    status: ConsignmentStatus
    returned_at: dt.datetime | None
    notes: str | None
    releasability: Releasability


class ConsignmentFilter(PageParams):
    q: Search | None = Field(default=None, description="reference contains")
    status: ConsignmentStatus | None = None
    kind: ConsignmentKind | None = None
    site_id: Id | None = Field(default=None, description="origin or destination")
    origin_site_id: Id | None = None
    destination_site_id: Id | None = None
    departs_from: dt.date | None = None
    departs_to: dt.date | None = None


# --- Consignment line --------------------------------------------------------------------------


class ConsignmentLineCreate(Schema):
    consignment_id: Id
    offer_line_id: Id
    allocation_id: Id | None = Field(
        default=None,
        description="the accepted allocation of the offer line that the line serves (optional)",
    )
    quantity: Qty


class ConsignmentLineUpdate(UpdateSchema):
    quantity: Qty | None = None


class ConsignmentLineRead(ReadSchema):
    consignment_id: int
    offer_line_id: int
    allocation_id: int | None
    quantity: Decimal


class ConsignmentLineFilter(PageParams):
    consignment_id: Id | None = None
    offer_line_id: Id | None = None


# --- Consignment leg ---------------------------------------------------------------------------


class ConsignmentLegCreate(Schema):
    consignment_id: Id
    seq: Seq | None = Field(default=None, description="appended after the last leg when omitted")
    from_site_id: Id
    to_site_id: Id
    mode: TransportMode
    carrier: Carrier | None = None
    carrier_reference: CarrierRef | None = None
    planned_departure_on: dt.date | None = None
    planned_arrival_on: dt.date | None = None
    weight_t: Tonnes | None = Field(default=None, description="tonnes carried on the leg")
    lift_units: Tonnes | None = Field(default=None, description="lift units carried on the leg")
    dangerous_goods: bool = False
    oversize: bool = False


class ConsignmentLegUpdate(UpdateSchema):
    seq: Seq | None = None
    from_site_id: Id | None = None
    to_site_id: Id | None = None
    mode: TransportMode | None = None
    carrier: Carrier | None = None
    carrier_reference: CarrierRef | None = None
    planned_departure_on: dt.date | None = None
    planned_arrival_on: dt.date | None = None
    weight_t: Tonnes | None = None
    lift_units: Tonnes | None = None
    dangerous_goods: bool | None = None
    oversize: bool | None = None


class ConsignmentLegRead(ReadSchema):
    consignment_id: int
    seq: int
    from_site_id: int
    to_site_id: int
    mode: TransportMode
    carrier: str | None
    carrier_reference: str | None
    planned_departure_on: dt.date | None
    planned_arrival_on: dt.date | None
    weight_t: Decimal | None
    lift_units: Decimal | None
    dangerous_goods: bool
    oversize: bool


class ConsignmentLegFilter(PageParams):
    consignment_id: Id | None = None
    site_id: Id | None = Field(default=None, description="from or to")
    mode: TransportMode | None = None


# --- Tracking event (append-only) --------------------------------------------------------------


class TrackingEventCreate(Schema):
    consignment_id: Id
    event_id: EventId | None = Field(default=None, description="generated when omitted")
    leg_id: Id | None = None
    site_id: Id | None = None
    kind: TrackingEventKind
    occurred_at: EventTime | None = Field(default=None, description="now when omitted")
    quantity: Count | None = Field(default=None, description="all that is on board when omitted")
    serials: list[Serial] = Field(default_factory=list, max_length=10_000)
    new_eta: EventTime | None = Field(default=None, description="for a delay: the new ETA")
    note: Note | None = None


class TrackingEventRead(BaseModel):
    """Not a ``ReadSchema``: an append-only event has no version and no edit times."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    consignment_id: int
    event_id: str
    leg_id: int | None
    site_id: int | None
    kind: TrackingEventKind
    occurred_at: dt.datetime
    quantity: Decimal | None
    serials: str | None = Field(description="';'-separated")
    new_eta: dt.datetime | None
    note: str | None
    reported_by: str
    recorded_at: dt.datetime


class TrackingEventFilter(PageParams):
    consignment_id: Id | None = None
    leg_id: Id | None = None
    site_id: Id | None = None
    kind: TrackingEventKind | None = None
    occurred_from: UtcTime | None = None
    occurred_to: UtcTime | None = None


# --- Tracking-event ingest (batch) -------------------------------------------------------------


class TrackingEventIn(Schema):
    """One event of a batch, naming its consignment by reference and its site by code."""

    event_id: EventId
    consignment: Reference = Field(description="the consignment's reference")
    kind: TrackingEventKind
    site: SiteCode | None = None
    occurred_at: EventTime = Field(description="ISO 8601 with an offset")
    quantity: Count | None = None
    serials: list[Serial] = Field(default_factory=list, max_length=10_000)
    new_eta: EventTime | None = None
    note: Note | None = None


class TrackingEventBatch(Schema):
    events: list[TrackingEventIn] = Field(min_length=1, max_length=50_000)


class Refusal(BaseModel):
    row: int = Field(description="1-based position in the batch or file")
    event_id: str
    consignment: str
    reason: str


class IngestReport(BaseModel):
    applied: int
    duplicates: int
    rejected: int
    refusals: list[Refusal]
    batch: str | None = Field(description="id of the batch in the audit trail; null: no change")


class RejectionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int
    event_id: str
    submitted_by: str
    consignment_reference: str | None
    consignment_id: int | None
    reason: str
    payload: dict[str, Any]
    received_at: dt.datetime
    attempts: int
    resolved_at: dt.datetime | None
    tracking_event_id: int | None


class RejectionFilter(PageParams):
    consignment_reference: Reference | None = None
    resolved: bool | None = Field(default=False, description="false: still open (default)")


class ReplayRequest(Schema):
    """Replay stored refusals: the given ids, or every open one the caller sees."""

    ids: list[Id] | None = Field(default=None, max_length=10_000)
