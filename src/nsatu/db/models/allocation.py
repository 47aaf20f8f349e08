"""Allocation of (part of) an offer line to a requirement."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nsatu.core.enums import AllocationSource, Releasability
from nsatu.core.lifecycles import AllocationStatus
from nsatu.db.base import Base, Quantity, Versioned
from nsatu.db.models.offer import OfferLine
from nsatu.db.models.reference import enum_col
from nsatu.db.models.requirement import Requirement


class Allocation(Versioned, Base):
    __tablename__ = "allocation"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_line_id: Mapped[int] = mapped_column(ForeignKey("offer_line.id"), index=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirement.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    source: Mapped[AllocationSource] = mapped_column(
        enum_col(AllocationSource, "allocation_source"), default=AllocationSource.MANUAL
    )
    #: The plan run that proposed it (``source`` is then ``plan_run``).
    plan_run_id: Mapped[int | None] = mapped_column(ForeignKey("plan_run.id"), index=True)
    status: Mapped[AllocationStatus] = mapped_column(
        enum_col(AllocationStatus, "allocation_status"),
        default=AllocationStatus.PROPOSED,
        index=True,
    )
    note: Mapped[str | None] = mapped_column(Text)
    releasability: Mapped[Releasability] = mapped_column(
        enum_col(Releasability, "releasability"), default=Releasability.BILATERAL
    )

    offer_line: Mapped[OfferLine] = relationship(lazy="raise")
    requirement: Mapped[Requirement] = relationship(lazy="raise")
