"""Training offered by host nations and what it is for.

- :class:`Course`: what is taught (capability area, item types it qualifies for, type, duration,
  language, pass mark) and which courses must be passed first (``course_prerequisite``).
- :class:`TrainingEvent`: one run of a course, offered by a host nation at a site, with dates,
  seats, instructor nations (``training_event_instructor``) and its funding.
- :class:`SeatRequest`: a recipient unit asks for seats (its cohort size) on a course or in a
  capability area, between two dates, naming the courses its people already hold
  (``seat_request_completed_course``); ``training_event_id`` is the event it is assigned to.
- :class:`Participant`: one person on an event, by pseudonymous reference only (never a name).
- :class:`CrewRequirement`: the crews an item type needs per unit, and the course for each.
- :class:`CapabilityPackage` and its :class:`PackageComponent` rows: a need, or a group of needs
  (launchers, radar, ammunition, spare parts ...), that together make one capability.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nsatu.core.enums import CourseType, CrewRole, TrainingFunding
from nsatu.core.lifecycles import ParticipantStatus, SeatRequestStatus, TrainingEventStatus
from nsatu.db.base import Base, Versioned
from nsatu.db.models.reference import CapabilityArea, ItemType, Nation, Site, enum_col

#: The item types a course qualifies people for.
course_item_type = Table(
    "course_item_type",
    Base.metadata,
    Column("course_id", ForeignKey("course.id", ondelete="CASCADE"), primary_key=True),
    Column("item_type_id", ForeignKey("item_type.id"), primary_key=True, index=True),
)

#: Courses that must be completed before a course (no cycles: checked by the service).
course_prerequisite = Table(
    "course_prerequisite",
    Base.metadata,
    Column("course_id", ForeignKey("course.id", ondelete="CASCADE"), primary_key=True),
    Column("prerequisite_id", ForeignKey("course.id"), primary_key=True, index=True),
    CheckConstraint("course_id <> prerequisite_id", name="not_itself"),
)

#: The nations whose instructors teach an event.
training_event_instructor = Table(
    "training_event_instructor",
    Base.metadata,
    Column(
        "training_event_id", ForeignKey("training_event.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("nation_id", ForeignKey("nation.id"), primary_key=True, index=True),
)

#: Courses a requesting unit's cohort already completed (prerequisites met elsewhere).
seat_request_completed_course = Table(
    "seat_request_completed_course",
    Base.metadata,
    Column("seat_request_id", ForeignKey("seat_request.id", ondelete="CASCADE"), primary_key=True),
    Column("course_id", ForeignKey("course.id"), primary_key=True, index=True),
)


class Course(Versioned, Base):
    __tablename__ = "course"
    __table_args__ = (
        CheckConstraint("duration_days > 0", name="duration_positive"),
        CheckConstraint("seats_per_event > 0", name="seats_positive"),
        CheckConstraint("pass_mark IS NULL OR pass_mark BETWEEN 0 AND 100", name="pass_mark_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    capability_area_id: Mapped[int] = mapped_column(ForeignKey("capability_area.id"), index=True)
    #: The nation that owns the course (designs it, and hosts it unless an event says otherwise).
    host_nation_id: Mapped[int] = mapped_column(ForeignKey("nation.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    course_type: Mapped[CourseType] = mapped_column(
        enum_col(CourseType, "course_type"),
        default=CourseType.INDIVIDUAL,
        server_default=CourseType.INDIVIDUAL.value,
    )
    duration_days: Mapped[int] = mapped_column(Integer)
    #: Language of instruction (ISO 639-1, e.g. ``uk``, ``en``), interpretation aside.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    #: Lowest score (percent) that passes; ``None`` where the course is pass/fail by assessment.
    pass_mark: Mapped[int | None] = mapped_column(Integer)
    seats_per_event: Mapped[int] = mapped_column(Integer)

    capability_area: Mapped[CapabilityArea] = relationship(lazy="raise")
    host_nation: Mapped[Nation] = relationship(lazy="raise")
    site: Mapped[Site | None] = relationship(lazy="raise")
    item_types: Mapped[list[ItemType]] = relationship(
        secondary=course_item_type, lazy="raise", order_by="ItemType.id"
    )
    prerequisites: Mapped[list[Course]] = relationship(
        secondary=course_prerequisite,
        primaryjoin=lambda: Course.id == course_prerequisite.c.course_id,
        secondaryjoin=lambda: Course.id == course_prerequisite.c.prerequisite_id,
        lazy="raise",
        order_by="Course.id",
    )

    @property
    def item_type_ids(self) -> list[int]:
        return [t.id for t in self.item_types]

    @property
    def prerequisite_ids(self) -> list[int]:
        return [c.id for c in self.prerequisites]


class TrainingEvent(Versioned, Base):
    __tablename__ = "training_event"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
        CheckConstraint("seats_offered >= 0", name="seats_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    #: The nation offering this event (the course's host nation unless another one runs it).
    host_nation_id: Mapped[int] = mapped_column(ForeignKey("nation.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    seats_offered: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    funding: Mapped[TrainingFunding] = mapped_column(
        enum_col(TrainingFunding, "training_funding"),
        default=TrainingFunding.NATIONAL,
        server_default=TrainingFunding.NATIONAL.value,
    )
    status: Mapped[TrainingEventStatus] = mapped_column(
        enum_col(TrainingEventStatus, "training_event_status"),
        default=TrainingEventStatus.PLANNED,
    )

    course: Mapped[Course] = relationship(lazy="raise")
    instructor_nations: Mapped[list[Nation]] = relationship(
        secondary=training_event_instructor, lazy="raise", order_by="Nation.id"
    )

    @property
    def instructor_nation_ids(self) -> list[int]:
        return [n.id for n in self.instructor_nations]


class SeatRequest(Versioned, Base):
    __tablename__ = "seat_request"
    __table_args__ = (
        CheckConstraint("seats > 0", name="seats_positive"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint(
            "course_id IS NOT NULL OR capability_area_id IS NOT NULL", name="course_or_area"
        ),
        CheckConstraint(
            "earliest_start_on IS NULL OR latest_finish_on IS NULL "
            "OR latest_finish_on >= earliest_start_on",
            name="window_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The recipient unit asking (its designation as text; units are not a registry here).
    recipient_unit: Mapped[str | None] = mapped_column(String(120))
    #: The course asked for; ``None`` when any course of ``capability_area_id`` will do.
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id"), index=True)
    capability_area_id: Mapped[int | None] = mapped_column(
        ForeignKey("capability_area.id"), index=True
    )
    #: The event the request is assigned to (by hand or by the seat plan); ``None`` until then.
    training_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_event.id"), index=True
    )
    requirement_id: Mapped[int | None] = mapped_column(ForeignKey("requirement.id"), index=True)
    #: The accepted allocation whose equipment the trained crews will man.
    allocation_id: Mapped[int | None] = mapped_column(ForeignKey("allocation.id"), index=True)
    #: Cohort size: the seats asked for.
    seats: Mapped[int] = mapped_column(Integer)
    earliest_start_on: Mapped[dt.date | None] = mapped_column(Date)
    latest_finish_on: Mapped[dt.date | None] = mapped_column(Date)
    #: Priority weight: higher is more urgent (the seat plan maximises weighted seats on time).
    weight: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    status: Mapped[SeatRequestStatus] = mapped_column(
        enum_col(SeatRequestStatus, "seat_request_status"),
        default=SeatRequestStatus.REQUESTED,
    )
    note: Mapped[str | None] = mapped_column(Text)

    completed_courses: Mapped[list[Course]] = relationship(
        secondary=seat_request_completed_course, lazy="raise", order_by="Course.id"
    )

    @property
    def completed_course_ids(self) -> list[int]:
        return [c.id for c in self.completed_courses]


class Participant(Versioned, Base):
    """One trainee, known only by a pseudonymous reference the recipient keeps the key to."""

    __tablename__ = "participant"
    __table_args__ = (
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 100", name="score_range"),
        # Unique within the request: a clash never reveals a participant the writer cannot see.
        UniqueConstraint("seat_request_id", "reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32))
    seat_request_id: Mapped[int] = mapped_column(ForeignKey("seat_request.id"), index=True)
    training_event_id: Mapped[int] = mapped_column(ForeignKey("training_event.id"), index=True)
    crew_role: Mapped[CrewRole | None] = mapped_column(enum_col(CrewRole, "crew_role"))
    #: Assessment result in percent, set when the result is recorded.
    score: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[ParticipantStatus] = mapped_column(
        enum_col(ParticipantStatus, "participant_status"),
        default=ParticipantStatus.NOMINATED,
        index=True,
    )


class CrewRequirement(Versioned, Base):
    """Per unit of an item type: how many people of a crew role it needs, trained on which course."""

    __tablename__ = "crew_requirement"
    __table_args__ = (
        CheckConstraint("crew_per_unit > 0", name="crew_positive"),
        UniqueConstraint("item_type_id", "crew_role", "course_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_type_id: Mapped[int] = mapped_column(ForeignKey("item_type.id"), index=True)
    crew_role: Mapped[CrewRole] = mapped_column(enum_col(CrewRole, "crew_role"))
    crew_per_unit: Mapped[int] = mapped_column(Integer)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)


class CapabilityPackage(Versioned, Base):
    """A capability made of one need or several (a system, its launchers, radar, ammunition ...)."""

    __tablename__ = "capability_package"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    capability_area_id: Mapped[int] = mapped_column(ForeignKey("capability_area.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)


class PackageComponent(Versioned, Base):
    """One need in a capability package, and what it is to the package (``launchers``, ``radar``)."""

    __tablename__ = "package_component"
    __table_args__ = (UniqueConstraint("capability_package_id", "requirement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    capability_package_id: Mapped[int] = mapped_column(
        ForeignKey("capability_package.id"), index=True
    )
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirement.id"), index=True)
    component: Mapped[str] = mapped_column(String(64))


# Rows written without the derived fields (older callers, fixtures) get them from what they point
# at, so the columns stay NOT NULL and the check constraints hold.


@event.listens_for(TrainingEvent, "before_insert")
def _event_host_from_course(mapper: Any, connection: Connection, target: TrainingEvent) -> None:
    if target.host_nation_id is None:
        target.host_nation_id = connection.scalar(
            select(Course.host_nation_id).where(Course.id == target.course_id)
        )


@event.listens_for(SeatRequest, "before_insert")
def _request_course_from_event(mapper: Any, connection: Connection, target: SeatRequest) -> None:
    if target.course_id is None and target.capability_area_id is None and target.training_event_id:
        target.course_id = connection.scalar(
            select(TrainingEvent.course_id).where(TrainingEvent.id == target.training_event_id)
        )
