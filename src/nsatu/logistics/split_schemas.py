"""Schemas for splitting and merging consignments by hand (``logistics/split_merge.py``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from nsatu.logistics.schemas import ConsignmentRead, Qty, Reference
from nsatu.shared.schemas import Id, Schema

Version = Annotated[
    int, Field(ge=1, description="the version the client read; a stale one is a 409")
]


class SplitLine(Schema):
    line_id: Id = Field(description="a line of the consignment being split")
    quantity: Qty = Field(description="how much of the line moves (all of it moves the line)")


class ConsignmentSplit(Schema):
    version: Version
    lines: list[SplitLine] = Field(min_length=1, max_length=1000)
    reference: Reference | None = Field(
        default=None, description="of the new consignment; generated when omitted"
    )


class MergeMember(Schema):
    id: Id
    version: Version


class ConsignmentMerge(Schema):
    consignments: list[MergeMember] = Field(
        min_length=2,
        max_length=100,
        description="the first is kept and receives the lines; the others are cancelled",
    )


class SplitRead(BaseModel):
    source: ConsignmentRead
    created: ConsignmentRead


class MergeRead(BaseModel):
    merged: ConsignmentRead
    cancelled: list[ConsignmentRead]
