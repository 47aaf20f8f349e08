"""Schemas for courses, training events and seat requests."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, StringConstraints

from nsatu.core.lifecycles import SeatRequestStatus, TrainingEventStatus
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


# --- Course ------------------------------------------------------------------------------------


class CourseCreate(Schema):
    code: CourseCode
    title: Title
    capability_area_id: Id
    item_type_id: Id | None = None
    host_nation_id: Id
    site_id: Id | None = Field(default=None, description="a training centre")
    duration_days: Days
    seats_per_event: Seats


class CourseUpdate(UpdateSchema):
    code: CourseCode | None = None
    title: Title | None = None
    capability_area_id: Id | None = None
    item_type_id: Id | None = None
    host_nation_id: Id | None = None
    site_id: Id | None = None
    duration_days: Days | None = None
    seats_per_event: Seats | None = None


class CourseRead(ReadSchema):
    code: str
    title: str
    capability_area_id: int
    item_type_id: int | None
    host_nation_id: int
    site_id: int | None
    duration_days: int
    seats_per_event: int


class CourseFilter(PageParams):
    q: Search | None = Field(default=None, description="title or code contains")
    capability_area_id: Id | None = None
    item_type_id: Id | None = None
    host_nation_id: Id | None = None
    site_id: Id | None = None


# --- Training event ----------------------------------------------------------------------------


class TrainingEventCreate(Schema):
    course_id: Id
    starts_on: dt.date
    ends_on: dt.date
    seats_offered: SeatsOffered | None = Field(
        default=None, description="the course's seats per event when omitted"
    )
    site_id: Id | None = Field(default=None, description="the course's site when omitted")


class TrainingEventUpdate(UpdateSchema):
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    seats_offered: SeatsOffered | None = None
    site_id: Id | None = None


class TrainingEventRead(ReadSchema):
    course_id: int
    starts_on: dt.date
    ends_on: dt.date
    seats_offered: int
    site_id: int | None
    status: TrainingEventStatus


class TrainingEventFilter(PageParams):
    course_id: Id | None = None
    status: TrainingEventStatus | None = None
    site_id: Id | None = None
    starts_from: dt.date | None = None
    starts_to: dt.date | None = None


# --- Seat request ------------------------------------------------------------------------------


class SeatRequestCreate(Schema):
    training_event_id: Id
    requirement_id: Id | None = Field(default=None, description="the need the training serves")
    seats: Seats
    note: Note | None = None


class SeatRequestUpdate(UpdateSchema):
    requirement_id: Id | None = None
    seats: Seats | None = None
    note: Note | None = None


class SeatRequestRead(ReadSchema):
    training_event_id: int
    requirement_id: int | None
    seats: int
    status: SeatRequestStatus
    note: str | None


class SeatRequestFilter(PageParams):
    training_event_id: Id | None = None
    requirement_id: Id | None = None
    status: SeatRequestStatus | None = None
