"""Training offered by host nations: courses, their scheduled events, and requests for seats.

Modelled now; synchronisation with deliveries and readiness come later.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nsatu.core.lifecycles import SeatRequestStatus, TrainingEventStatus
from nsatu.db.base import Base, Versioned
from nsatu.db.models.reference import CapabilityArea, Nation, Site, enum_col


class Course(Versioned, Base):
    __tablename__ = "course"
    __table_args__ = (
        CheckConstraint("duration_days > 0", name="duration_positive"),
        CheckConstraint("seats_per_event > 0", name="seats_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    capability_area_id: Mapped[int] = mapped_column(ForeignKey("capability_area.id"), index=True)
    item_type_id: Mapped[int | None] = mapped_column(ForeignKey("item_type.id"))
    host_nation_id: Mapped[int] = mapped_column(ForeignKey("nation.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    duration_days: Mapped[int] = mapped_column(Integer)
    seats_per_event: Mapped[int] = mapped_column(Integer)

    capability_area: Mapped[CapabilityArea] = relationship(lazy="raise")
    host_nation: Mapped[Nation] = relationship(lazy="raise")
    site: Mapped[Site | None] = relationship(lazy="raise")


class TrainingEvent(Versioned, Base):
    __tablename__ = "training_event"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
        CheckConstraint("seats_offered >= 0", name="seats_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    seats_offered: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    status: Mapped[TrainingEventStatus] = mapped_column(
        enum_col(TrainingEventStatus, "training_event_status"),
        default=TrainingEventStatus.PLANNED,
    )

    course: Mapped[Course] = relationship(lazy="raise")


class SeatRequest(Versioned, Base):
    __tablename__ = "seat_request"
    __table_args__ = (CheckConstraint("seats > 0", name="seats_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    training_event_id: Mapped[int] = mapped_column(ForeignKey("training_event.id"), index=True)
    requirement_id: Mapped[int | None] = mapped_column(ForeignKey("requirement.id"))
    seats: Mapped[int] = mapped_column(Integer)
    status: Mapped[SeatRequestStatus] = mapped_column(
        enum_col(SeatRequestStatus, "seat_request_status"),
        default=SeatRequestStatus.REQUESTED,
    )
    note: Mapped[str | None] = mapped_column(Text)
