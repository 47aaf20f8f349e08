"""Schemas for allocations."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from nsatu.core.enums import AllocationSource, Releasability
from nsatu.core.lifecycles import AllocationStatus
from nsatu.shared.schemas import Id, PageParams, ReadSchema, Schema, UpdateSchema

Qty = Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=3)]


class AllocationCreate(Schema):
    offer_line_id: Id
    requirement_id: Id
    quantity: Qty
    source: AllocationSource = AllocationSource.MANUAL
    plan_run_id: Id | None = None
    note: Annotated[str, Field(max_length=4000)] | None = None
    releasability: Releasability = Releasability.BILATERAL


class AllocationUpdate(UpdateSchema):
    quantity: Qty | None = None
    note: Annotated[str, Field(max_length=4000)] | None = None
    releasability: Releasability | None = None


class AllocationRead(ReadSchema):
    offer_line_id: int
    requirement_id: int
    quantity: Decimal
    source: AllocationSource
    plan_run_id: int | None
    status: AllocationStatus
    note: str | None
    releasability: Releasability


class AllocationFilter(PageParams):
    offer_line_id: Id | None = None
    requirement_id: Id | None = None
    status: AllocationStatus | None = None
    source: AllocationSource | None = None
