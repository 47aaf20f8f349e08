"""Schemas for allocations and plan runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from nsatu.core.enums import AllocationSource, Releasability
from nsatu.core.lifecycles import AllocationStatus, PlanRunStatus
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


# --- Plan runs ------------------------------------------------------------------------------------

#: Defaults of a run's values (see docs/architecture.md, "Planning runs").
DEFAULT_LATE_FACTOR = 0.5
DEFAULT_SUBSTITUTE_FACTOR = 0.8
DEFAULT_COST_WEIGHT = 1e-4


class PlanRunCreate(Schema):
    """What to plan: the window (``start_on`` is day 0; today when omitted) and the values."""

    start_on: dt.date | None = Field(default=None, description="Day 0 of the plan (default today)")
    horizon_days: int = Field(default=60, ge=1, le=366)
    late_factor: float = Field(
        default=DEFAULT_LATE_FACTOR, ge=0, le=1, description="Value kept by a late unit"
    )
    substitute_factor: float = Field(
        default=DEFAULT_SUBSTITUTE_FACTOR, ge=0, le=1, description="Value kept by a substitute"
    )
    cost_weight: float = Field(
        default=DEFAULT_COST_WEIGHT, ge=0, le=1, description="Objective weight of 1 EUR of cost"
    )
    policy: Literal["weighted", "lexicographic"] = "weighted"
    time_limit_s: float = Field(default=60.0, gt=0, le=3600)
    mip_rel_gap: float = Field(default=1e-3, ge=0, le=1)


class PlanRunRead(ReadSchema):
    """A run's state and figures (the problem and plan documents have their own routes)."""

    status: PlanRunStatus
    start_on: dt.date
    horizon_days: int
    input_digest: str
    parameters: dict[str, Any]
    snapshot: dict[str, Any]
    solver: str | None
    solver_version: str | None
    plan_status: str | None
    objective: float | None
    bound: float | None
    gap: float | None
    greedy_objective: float | None
    runtime_s: float | None
    shipment_count: int | None
    unmet_count: int | None
    proposal_count: int | None
    phase: str | None
    progress: float
    error: str | None
    created_by: str
    created_by_user_id: int | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class PlanRunDetail(PlanRunRead):
    #: The run's allocations by status (proposed, accepted, rejected).
    allocations: dict[str, int] = Field(default_factory=dict)


class PlanRunFilter(PageParams):
    status: PlanRunStatus | None = None


class PlanRunDecision(Schema):
    """Accept or reject some of a run's allocations (``allocation_ids``), or all its proposals."""

    allocation_ids: Annotated[list[Id], Field(max_length=10_000)] | None = None


class PlanRunDecisionResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    plan_run_id: int
    action: Literal["accept", "reject"]
    allocations: list[AllocationRead]
