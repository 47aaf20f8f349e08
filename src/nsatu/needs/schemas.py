"""Schemas for requirements (needs)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Self

from pydantic import Field, model_validator

from nsatu.core.enums import Releasability
from nsatu.core.lifecycles import RequirementStatus
from nsatu.shared.schemas import Id, PageParams, ReadSchema, Schema, Text200, UpdateSchema

Qty = Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=3)]
ApprovedQty = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=3)]
Priority = Annotated[int, Field(ge=1, le=3, description="1 = most urgent")]
Rank = Annotated[int, Field(ge=1, le=100_000)]
Period = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
Reference = Annotated[
    str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
]


def check_quantities(requested: Decimal | None, approved: Decimal | None) -> None:
    if requested is not None and approved is not None and approved > requested:
        raise ValueError("quantity_approved: cannot exceed quantity_requested")


class RequirementCreate(Schema):
    reference: Reference | None = Field(default=None, description="generated when omitted")
    title: Text200
    capability_area_id: Id
    item_type_id: Id | None = None
    quantity_requested: Qty
    quantity_approved: ApprovedQty | None = None
    priority: Priority
    rank: Rank | None = None
    period: Period
    needed_by_on: dt.date
    destination_site_id: Id | None = None
    justification: Annotated[str, Field(max_length=20_000)] | None = None
    releasability: Releasability = Releasability.COALITION
    is_synthetic: bool = False

    @model_validator(mode="after")
    def _quantities(self) -> Self:
        check_quantities(self.quantity_requested, self.quantity_approved)
        return self


class RequirementUpdate(UpdateSchema):
    title: Text200 | None = None
    capability_area_id: Id | None = None
    item_type_id: Id | None = None
    quantity_requested: Qty | None = None
    quantity_approved: ApprovedQty | None = None
    priority: Priority | None = None
    rank: Rank | None = None
    period: Period | None = None
    needed_by_on: dt.date | None = None
    destination_site_id: Id | None = None
    justification: Annotated[str, Field(max_length=20_000)] | None = None
    releasability: Releasability | None = None


class RequirementRead(ReadSchema):
    reference: str
    title: str
    capability_area_id: int
    item_type_id: int | None
    quantity_requested: Decimal
    quantity_approved: Decimal | None
    priority: int
    rank: int | None
    period: str
    needed_by_on: dt.date
    destination_site_id: int | None
    justification: str | None
    releasability: Releasability
    status: RequirementStatus
    is_synthetic: bool


class RequirementFilter(PageParams):
    q: str | None = Field(default=None, max_length=100, description="title or reference contains")
    status: RequirementStatus | None = None
    priority: Priority | None = None
    period: Period | None = None
    capability_area_id: Id | None = None
    item_type_id: Id | None = None
    destination_site_id: Id | None = None
    needed_by_before: dt.date | None = None
