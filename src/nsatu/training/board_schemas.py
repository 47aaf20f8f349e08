"""Schemas of the training API's figures: an event's seat fill, the readiness per capability area
(each count with the ids of the records it is made of), and a run of the seat plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from nsatu.core.lifecycles import ParticipantStatus
from nsatu.shared.schemas import Schema
from nsatu.training import readiness as r
from nsatu.training.schedule import SeatFill


class SeatFillRead(BaseModel):
    """Seats offered; assigned: held by the seat requests assigned to the event (requested,
    confirmed or attended); attended: participants who attended, completed or failed; completed:
    participants who passed. Requests and participants are those the caller may see."""

    event_id: int
    offered: int
    assigned: int
    free: int
    attended: int
    completed: int
    participants: dict[str, int] = Field(description="participants by status")

    @classmethod
    def of(cls, event_id: int, fill: SeatFill) -> SeatFillRead:
        return cls(
            event_id=event_id,
            offered=fill.offered,
            assigned=fill.assigned,
            free=fill.free,
            attended=fill.attended,
            completed=fill.completed,
            participants={s.value: fill.participants.get(s.value, 0) for s in ParticipantStatus},
        )


class PackageRefRead(BaseModel):
    """A capability package and the records its figure is made of."""

    package_id: int
    code: str
    need_ids: list[int]
    consignment_ids: list[int]
    event_ids: list[int]
    seat_request_ids: list[int]

    @classmethod
    def of(cls, ref: r.PackageRef) -> PackageRefRead:
        return cls(
            package_id=ref.package_id,
            code=ref.code,
            need_ids=list(ref.need_ids),
            consignment_ids=list(ref.consignment_ids),
            event_ids=list(ref.event_ids),
            seat_request_ids=list(ref.seat_request_ids),
        )


class ReadinessCountRead(BaseModel):
    count: int
    packages: list[PackageRefRead]

    @classmethod
    def of(cls, refs: Sequence[r.PackageRef]) -> ReadinessCountRead:
        return cls(count=len(refs), packages=[PackageRefRead.of(x) for x in refs])


class AreaReadinessRead(BaseModel):
    area: str = Field(description="the capability area's code")
    name: str
    ready: ReadinessCountRead
    waiting_for_equipment: ReadinessCountRead
    waiting_for_training: ReadinessCountRead


class GapRead(BaseModel):
    """Equipment delivered with its crews not trained (``there_on``: delivered on) or crews
    trained with the equipment not there (``there_on``: trained on); ``expected_on``: when the
    missing side is expected (``null``: not planned)."""

    area: str
    package_id: int
    code: str
    there_on: dt.date | None
    expected_on: dt.date | None
    need_ids: list[int]
    consignment_ids: list[int]
    event_ids: list[int]
    seat_request_ids: list[int]

    @classmethod
    def of(cls, g: r.Gap) -> GapRead:
        return cls(
            area=g.area_code,
            package_id=g.package_id,
            code=g.code,
            there_on=g.there_on,
            expected_on=g.expected_on,
            need_ids=list(g.need_ids),
            consignment_ids=list(g.consignment_ids),
            event_ids=list(g.event_ids),
            seat_request_ids=list(g.seat_request_ids),
        )


class InvalidatedRead(BaseModel):
    package_id: int
    requirement_id: int
    course_id: int
    training_event_id: int
    seat_request_ids: list[int]
    rule: str
    starts_on: dt.date
    ends_on: dt.date
    handover_on: dt.date
    detail: str

    @classmethod
    def of(cls, i: r.InvalidatedTraining) -> InvalidatedRead:
        return cls(
            package_id=i.package_id,
            requirement_id=i.requirement_id,
            course_id=i.course_id,
            training_event_id=i.training_event_id,
            seat_request_ids=list(i.seat_request_ids),
            rule=i.rule,
            starts_on=i.starts_on,
            ends_on=i.ends_on,
            handover_on=i.handover_on,
            detail=i.detail,
        )


class ReadinessRead(BaseModel):
    """Per capability area, the packages ready, waiting for equipment and waiting for training
    (a package waiting for both is in both), each with the ids of its records; the two gap lists;
    the training invalidated by a handover that moved."""

    today: dt.date
    areas: list[AreaReadinessRead]
    equipment_without_crews: list[GapRead]
    crews_without_equipment: list[GapRead]
    invalidated: list[InvalidatedRead]

    @classmethod
    def of(cls, x: r.Readiness) -> ReadinessRead:
        return cls(
            today=x.today,
            areas=[
                AreaReadinessRead(
                    area=a.code,
                    name=a.name,
                    ready=ReadinessCountRead.of(a.ready),
                    waiting_for_equipment=ReadinessCountRead.of(a.waiting_for_equipment),
                    waiting_for_training=ReadinessCountRead.of(a.waiting_for_training),
                )
                for a in x.areas
            ],
            equipment_without_crews=[GapRead.of(g) for g in x.equipment_without_crews],
            crews_without_equipment=[GapRead.of(g) for g in x.crews_without_equipment],
            invalidated=[InvalidatedRead.of(i) for i in x.invalidated],
        )


# --- The seat plan ---------------------------------------------------------------------------------


class SeatPlanRun(Schema):
    """A run of the seat plan: the solver's time limit, and whether to store the plan."""

    time_limit_s: int = Field(default=30, ge=1, le=120, description="stop the solver after it")
    apply: bool = Field(
        default=False, description="assign the requests to their events (coordinators only)"
    )


class PlannedEventRead(BaseModel):
    event: int
    course: int
    starts_on: dt.date
    ends_on: dt.date


class AssignmentRead(BaseModel):
    request: int
    course: int
    cohort: int
    events: list[PlannedEventRead]
    late_days: int
    value: float


class ReasonRead(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


class UnmetRead(BaseModel):
    request: int
    cohort: int
    reasons: list[ReasonRead]


class SeatPlanRead(BaseModel):
    """The optimised plan against the first-come-first-served baseline on the same data; every
    unmet request with its reasons; what was stored (``applied``, ``created_requests``)."""

    status: str
    objective: float
    bound: float
    gap: float
    greedy_objective: float
    gain: float | None = Field(description="objective ÷ greedy objective − 1")
    requests: int
    events: int
    assigned_requests: int
    assigned_seats: int
    greedy_assigned_requests: int
    greedy_assigned_seats: int
    assignments: list[AssignmentRead]
    unmet_requests: list[UnmetRead]
    applied: bool
    created_requests: list[int]
    seconds: float | None
