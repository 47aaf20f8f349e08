"""Schemas for courses, training events, seat requests, participants, crew requirements and
capability packages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

from nsatu.core.enums import CourseType, CrewRole, TrainingFunding
from nsatu.core.lifecycles import ParticipantStatus, SeatRequestStatus, TrainingEventStatus
from nsatu.shared.schemas import Id, PageParams, ReadSchema, Schema, UpdateSchema

CourseCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
]
Note = Annotated[str, Field(max_length=4000)]
Search = Annotated[str, Field(max_length=100)]
Days = Annotated[int, Field(ge=1, le=366)]
Seats = Annotated[int, Field(ge=1, le=10_000)]
SeatsOffered = Annotated[int, Field(ge=0, le=10_000)]
Percent = Annotated[int, Field(ge=0, le=100)]
Weight = Annotated[int, Field(ge=1, le=1_000)]


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


# Case is folded before the pattern is checked, so "UK" is taken as "uk".
Language = Annotated[
    str, StringConstraints(pattern=r"^[a-z]{2,3}(-[a-z]{2})?$"), BeforeValidator(_lower)
]
RecipientUnit = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)
]
#: A pseudonymous reference (capitals, digits, dashes; ending in a digit), never a person's name.
ParticipantRef = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{1,30}[0-9]$"),
    BeforeValidator(_upper),
]
Component = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=64)
]
IdList = Annotated[list[Id], Field(max_length=200)]


# --- Course ------------------------------------------------------------------------------------


class CourseCreate(Schema):
    code: CourseCode
    title: Title
    capability_area_id: Id
    host_nation_id: Id
    site_id: Id | None = Field(default=None, description="a training centre")
    course_type: CourseType = CourseType.INDIVIDUAL
    duration_days: Days
    language: Language = Field(default="en", description="language of instruction (ISO 639-1)")
    pass_mark: Percent | None = Field(default=None, description="lowest passing score, percent")
    seats_per_event: Seats
    item_type_ids: IdList = Field(default_factory=list, description="item types it qualifies for")
    prerequisite_ids: IdList = Field(
        default_factory=list, description="courses to complete first (no cycles)"
    )


class CourseUpdate(UpdateSchema):
    code: CourseCode | None = None
    title: Title | None = None
    capability_area_id: Id | None = None
    host_nation_id: Id | None = None
    site_id: Id | None = None
    course_type: CourseType | None = None
    duration_days: Days | None = None
    language: Language | None = None
    pass_mark: Percent | None = None
    seats_per_event: Seats | None = None
    item_type_ids: IdList | None = None
    prerequisite_ids: IdList | None = None


class CourseRead(ReadSchema):
    code: str
    title: str
    capability_area_id: int
    host_nation_id: int
    site_id: int | None
    course_type: CourseType
    duration_days: int
    language: str
    pass_mark: int | None
    seats_per_event: int
    item_type_ids: list[int]
    prerequisite_ids: list[int]


class CourseFilter(PageParams):
    q: Search | None = Field(default=None, description="title or code contains")
    capability_area_id: Id | None = None
    item_type_id: Id | None = Field(default=None, description="qualifies for this item type")
    host_nation_id: Id | None = None
    site_id: Id | None = None
    course_type: CourseType | None = None


# --- Training event ----------------------------------------------------------------------------


class TrainingEventCreate(Schema):
    course_id: Id
    starts_on: dt.date
    ends_on: dt.date
    seats_offered: SeatsOffered | None = Field(
        default=None, description="the course's seats per event when omitted"
    )
    site_id: Id | None = Field(default=None, description="the course's site when omitted")
    host_nation_id: Id | None = Field(
        default=None, description="the nation offering it; the course's host nation when omitted"
    )
    funding: TrainingFunding = TrainingFunding.NATIONAL
    instructor_nation_ids: IdList = Field(default_factory=list)


class TrainingEventUpdate(UpdateSchema):
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    seats_offered: SeatsOffered | None = None
    site_id: Id | None = None
    host_nation_id: Id | None = None
    funding: TrainingFunding | None = None
    instructor_nation_ids: IdList | None = None


class TrainingEventRead(ReadSchema):
    course_id: int
    host_nation_id: int
    starts_on: dt.date
    ends_on: dt.date
    seats_offered: int
    site_id: int | None
    funding: TrainingFunding
    instructor_nation_ids: list[int]
    status: TrainingEventStatus


class TrainingEventFilter(PageParams):
    course_id: Id | None = None
    host_nation_id: Id | None = None
    funding: TrainingFunding | None = None
    status: TrainingEventStatus | None = None
    site_id: Id | None = None
    starts_from: dt.date | None = None
    starts_to: dt.date | None = None


# --- Seat request ------------------------------------------------------------------------------


class SeatRequestCreate(Schema):
    recipient_unit: RecipientUnit | None = Field(default=None, description="the requesting unit")
    course_id: Id | None = Field(default=None, description="the course asked for")
    capability_area_id: Id | None = Field(
        default=None, description="any course of this area (when no course is named)"
    )
    training_event_id: Id | None = Field(default=None, description="the event assigned")
    requirement_id: Id | None = Field(default=None, description="the need the training serves")
    allocation_id: Id | None = Field(default=None, description="the accepted allocation it crews")
    seats: Seats = Field(description="cohort size")
    earliest_start_on: dt.date | None = None
    latest_finish_on: dt.date | None = None
    weight: Weight = Field(default=1, description="priority weight, higher is more urgent")
    completed_course_ids: IdList = Field(
        default_factory=list, description="courses the cohort already completed"
    )
    note: Note | None = None


class SeatRequestUpdate(UpdateSchema):
    recipient_unit: RecipientUnit | None = None
    course_id: Id | None = None
    capability_area_id: Id | None = None
    training_event_id: Id | None = None
    requirement_id: Id | None = None
    allocation_id: Id | None = None
    seats: Seats | None = None
    earliest_start_on: dt.date | None = None
    latest_finish_on: dt.date | None = None
    weight: Weight | None = None
    completed_course_ids: IdList | None = None
    note: Note | None = None


class SeatRequestRead(ReadSchema):
    recipient_unit: str | None
    course_id: int | None
    capability_area_id: int | None
    training_event_id: int | None
    requirement_id: int | None
    allocation_id: int | None
    seats: int
    earliest_start_on: dt.date | None
    latest_finish_on: dt.date | None
    weight: int
    completed_course_ids: list[int]
    status: SeatRequestStatus
    note: str | None


class SeatRequestFilter(PageParams):
    training_event_id: Id | None = None
    course_id: Id | None = None
    capability_area_id: Id | None = None
    requirement_id: Id | None = None
    allocation_id: Id | None = None
    status: SeatRequestStatus | None = None
    q: Search | None = Field(default=None, description="recipient unit contains")


# --- Participant -------------------------------------------------------------------------------


class ParticipantCreate(Schema):
    reference: ParticipantRef = Field(description="pseudonymous reference, never a name")
    seat_request_id: Id
    training_event_id: Id | None = Field(
        default=None, description="the seat request's event when omitted"
    )
    crew_role: CrewRole | None = None


class ParticipantUpdate(UpdateSchema):
    training_event_id: Id | None = None
    crew_role: CrewRole | None = None
    score: Percent | None = Field(default=None, description="assessment result, percent")


class ParticipantRead(ReadSchema):
    reference: str
    seat_request_id: int
    training_event_id: int
    crew_role: CrewRole | None
    score: int | None
    status: ParticipantStatus


class ParticipantFilter(PageParams):
    seat_request_id: Id | None = None
    training_event_id: Id | None = None
    status: ParticipantStatus | None = None


# --- Crew requirement --------------------------------------------------------------------------


class CrewRequirementCreate(Schema):
    item_type_id: Id
    crew_role: CrewRole
    crew_per_unit: Annotated[int, Field(ge=1, le=1_000)]
    course_id: Id


class CrewRequirementUpdate(UpdateSchema):
    crew_per_unit: Annotated[int, Field(ge=1, le=1_000)] | None = None
    course_id: Id | None = None


class CrewRequirementRead(ReadSchema):
    item_type_id: int
    crew_role: CrewRole
    crew_per_unit: int
    course_id: int


class CrewRequirementFilter(PageParams):
    item_type_id: Id | None = None
    course_id: Id | None = None
    crew_role: CrewRole | None = None


# --- Capability package ------------------------------------------------------------------------


class CapabilityPackageCreate(Schema):
    code: CourseCode
    name: Title
    capability_area_id: Id
    note: Note | None = None


class CapabilityPackageUpdate(UpdateSchema):
    code: CourseCode | None = None
    name: Title | None = None
    capability_area_id: Id | None = None
    note: Note | None = None


class CapabilityPackageRead(ReadSchema):
    code: str
    name: str
    capability_area_id: int
    note: str | None


class CapabilityPackageFilter(PageParams):
    capability_area_id: Id | None = None
    q: Search | None = Field(default=None, description="name or code contains")


class PackageComponentCreate(Schema):
    capability_package_id: Id
    requirement_id: Id
    component: Component = Field(description="what the need is to the package: launchers, radar")


class PackageComponentUpdate(UpdateSchema):
    component: Component | None = None


class PackageComponentRead(ReadSchema):
    capability_package_id: int
    requirement_id: int
    component: str


class PackageComponentFilter(PageParams):
    capability_package_id: Id | None = None
    requirement_id: Id | None = None
