"""Schemas of the training API's figures: an event's seat fill, the readiness per capability area
(each count with the ids of the records it is made of), and a run of the seat plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from nsatu.core.lifecycles import ParticipantStatus
from nsatu.shared.schemas import Schema
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

    id: int
    code: str
    need_ids: list[int]
    consignment_ids: list[int]
    event_ids: list[int]
    seat_request_ids: list[int]


class ReadinessCountRead(BaseModel):
    count: int
    package_ids: list[int]
    packages: list[PackageRefRead]


class AreaReadinessRead(BaseModel):
    name: str
    ready: ReadinessCountRead
    waiting_for_equipment: ReadinessCountRead = Field(
        description="a package waiting for both is counted under each wait"
    )
    waiting_for_training: ReadinessCountRead


class ComponentRead(BaseModel):
    need_id: int
    reference: str
    component: str
    equipment_on: dt.date | None = Field(description="the latest handover, actual or planned")
    delivered: bool
    state: str
    allocation_ids: list[int]
    consignment_ids: list[int]


class CourseNeedRead(BaseModel):
    need_id: int
    course_id: int
    course: str
    seats_needed: int
    seats_completed: int
    seats_planned: int
    trained_on: dt.date | None
    planned_on: dt.date | None
    seat_request_ids: list[int]
    event_ids: list[int]
    participant_ids: list[int]


class PackageRead(BaseModel):
    id: int
    code: str
    name: str
    area: str
    status: str
    readiness_on: dt.date | None
    equipment_on: dt.date | None
    equipment_delivered: bool
    training_on: dt.date | None
    trained: bool
    components: list[ComponentRead]
    training: list[CourseNeedRead]


class _GapIds(BaseModel):
    area: str
    package_id: int
    code: str
    need_ids: list[int]
    consignment_ids: list[int]
    event_ids: list[int]
    seat_request_ids: list[int]


class EquipmentWithoutCrewsRead(_GapIds):
    delivered_on: dt.date | None
    training_expected_on: dt.date | None = Field(description="null: not planned")


class CrewsWithoutEquipmentRead(_GapIds):
    trained_on: dt.date | None
    equipment_expected_on: dt.date | None = Field(description="null: no handover date")


class InvalidatedRead(BaseModel):
    package_id: int
    need_id: int
    course_id: int
    event_id: int
    seat_request_ids: list[int]
    rule: str = Field(description="collective_before_handover or currency")
    starts_on: dt.date
    ends_on: dt.date
    handover_on: dt.date
    detail: str


class ReadinessRead(BaseModel):
    """The JSON of ``nsatu training readiness --json`` (:func:`nsatu.training.readiness.as_dict`):
    per capability area (keyed by its code) the packages ready, waiting for equipment and waiting
    for training, each with the ids of its records; the packages with their dates; the two gap
    lists; the training invalidated by a handover that moved."""

    today: dt.date
    areas: dict[str, AreaReadinessRead]
    packages: list[PackageRead]
    equipment_without_crews: list[EquipmentWithoutCrewsRead]
    crews_without_equipment: list[CrewsWithoutEquipmentRead]
    invalidated_training: list[InvalidatedRead]


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
