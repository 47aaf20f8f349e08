"""Schemas for courses, training events and seat requests."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Self

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from nsatu.core.lifecycles import SeatRequestStatus, TrainingEventStatus
from nsatu.shared.schemas import PageParams, ReadSchema, Schema, UpdateSchema

#: Ids are PostgreSQL INTEGER; a larger one can match nothing, and binding it would be a DataError.
MAX_ID = 2_147_483_647
Ref = Annotated[int, Field(ge=1, le=MAX_ID)]


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refusing it here keeps it a 422 rather than a DataError.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


CourseCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
    AfterValidator(_no_nul),
]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_nul),
]
Note = Annotated[str, Field(max_length=4000), AfterValidator(_no_nul)]
Search = Annotated[str, Field(max_length=100), AfterValidator(_no_nul)]
Days = Annotated[int, Field(ge=1, le=366)]
Seats = Annotated[int, Field(ge=1, le=10_000)]
SeatsOffered = Annotated[int, Field(ge=0, le=10_000)]


class _NoNulls(Schema):
    """Updates are partial, but a field whose column is required may not be set to ``null``."""

    not_null: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _not_null(self) -> Self:
        for name in sorted(self.not_null & self.model_fields_set):
            if getattr(self, name) is None:
                raise ValueError(f"{name}: may not be null")
        return self


# --- Course ------------------------------------------------------------------------------------


class CourseCreate(Schema):
    code: CourseCode
    title: Title
    capability_area_id: Ref
    item_type_id: Ref | None = None
    host_nation_id: Ref
    site_id: Ref | None = Field(default=None, description="a training centre")
    duration_days: Days
    seats_per_event: Seats


class CourseUpdate(UpdateSchema, _NoNulls):
    not_null = frozenset(
        {
            "code",
            "title",
            "capability_area_id",
            "host_nation_id",
            "duration_days",
            "seats_per_event",
        }
    )

    code: CourseCode | None = None
    title: Title | None = None
    capability_area_id: Ref | None = None
    item_type_id: Ref | None = None
    host_nation_id: Ref | None = None
    site_id: Ref | None = None
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
    capability_area_id: Ref | None = None
    item_type_id: Ref | None = None
    host_nation_id: Ref | None = None
    site_id: Ref | None = None


# --- Training event ----------------------------------------------------------------------------


class TrainingEventCreate(Schema):
    course_id: Ref
    starts_on: dt.date
    ends_on: dt.date
    seats_offered: SeatsOffered | None = Field(
        default=None, description="the course's seats per event when omitted"
    )
    site_id: Ref | None = Field(default=None, description="the course's site when omitted")


class TrainingEventUpdate(UpdateSchema, _NoNulls):
    not_null = frozenset({"starts_on", "ends_on", "seats_offered"})

    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    seats_offered: SeatsOffered | None = None
    site_id: Ref | None = None


class TrainingEventRead(ReadSchema):
    course_id: int
    starts_on: dt.date
    ends_on: dt.date
    seats_offered: int
    site_id: int | None
    status: TrainingEventStatus


class TrainingEventFilter(PageParams):
    course_id: Ref | None = None
    status: TrainingEventStatus | None = None
    site_id: Ref | None = None
    starts_from: dt.date | None = None
    starts_to: dt.date | None = None


# --- Seat request ------------------------------------------------------------------------------


class SeatRequestCreate(Schema):
    training_event_id: Ref
    requirement_id: Ref | None = Field(default=None, description="the need the training serves")
    seats: Seats
    note: Note | None = None


class SeatRequestUpdate(UpdateSchema, _NoNulls):
    not_null = frozenset({"seats"})

    requirement_id: Ref | None = None
    seats: Seats | None = None
    note: Note | None = None


class SeatRequestRead(ReadSchema):
    training_event_id: int
    requirement_id: int | None
    seats: int
    status: SeatRequestStatus
    note: str | None


class SeatRequestFilter(PageParams):
    training_event_id: Ref | None = None
    requirement_id: Ref | None = None
    status: SeatRequestStatus | None = None
