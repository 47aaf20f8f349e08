"""Schemas for consignments, their lines and legs, and tracking events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from nsatu.core.enums import Releasability, TrackingEventKind, TransportMode
from nsatu.core.lifecycles import ConsignmentStatus
from nsatu.shared.schemas import Id, PageParams, ReadSchema, Schema, UpdateSchema

Note = Annotated[str, Field(max_length=4000)]
Search = Annotated[str, Field(max_length=100)]
Reference = Annotated[
    str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
]
Qty = Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=3)]
Seq = Annotated[int, Field(ge=1, le=1000, description="position of the leg in the route")]

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
    origin_site_id: int
    destination_site_id: int
    planned_departure_on: dt.date | None
    status: ConsignmentStatus
    notes: str | None
    releasability: Releasability


class ConsignmentFilter(PageParams):
    q: Search | None = Field(default=None, description="reference contains")
    status: ConsignmentStatus | None = None
    site_id: Id | None = Field(default=None, description="origin or destination")
    origin_site_id: Id | None = None
    destination_site_id: Id | None = None
    departs_from: dt.date | None = None
    departs_to: dt.date | None = None


# --- Consignment line --------------------------------------------------------------------------


class ConsignmentLineCreate(Schema):
    consignment_id: Id
    offer_line_id: Id
    quantity: Qty


class ConsignmentLineUpdate(UpdateSchema):
    quantity: Qty | None = None


class ConsignmentLineRead(ReadSchema):
    consignment_id: int
    offer_line_id: int
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
    planned_departure_on: dt.date | None = None
    planned_arrival_on: dt.date | None = None


class ConsignmentLegUpdate(UpdateSchema):
    seq: Seq | None = None
    from_site_id: Id | None = None
    to_site_id: Id | None = None
    mode: TransportMode | None = None
    planned_departure_on: dt.date | None = None
    planned_arrival_on: dt.date | None = None


class ConsignmentLegRead(ReadSchema):
    consignment_id: int
    seq: int
    from_site_id: int
    to_site_id: int
    mode: TransportMode
    planned_departure_on: dt.date | None
    planned_arrival_on: dt.date | None


class ConsignmentLegFilter(PageParams):
    consignment_id: Id | None = None
    site_id: Id | None = Field(default=None, description="from or to")
    mode: TransportMode | None = None


# --- Tracking event (append-only) --------------------------------------------------------------


class TrackingEventCreate(Schema):
    consignment_id: Id
    leg_id: Id | None = None
    site_id: Id | None = None
    kind: TrackingEventKind
    occurred_at: EventTime | None = Field(default=None, description="now when omitted")
    note: Note | None = None


class TrackingEventRead(BaseModel):
    """Not a ``ReadSchema``: an append-only event has no version and no edit times."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    consignment_id: int
    leg_id: int | None
    site_id: int | None
    kind: TrackingEventKind
    occurred_at: dt.datetime
    note: str | None


class TrackingEventFilter(PageParams):
    consignment_id: Id | None = None
    leg_id: Id | None = None
    site_id: Id | None = None
    kind: TrackingEventKind | None = None
    occurred_from: UtcTime | None = None
    occurred_to: UtcTime | None = None
