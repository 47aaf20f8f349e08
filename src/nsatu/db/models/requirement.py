"""The recipient's requirement (need): one line of the monthly priority list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nsatu.core.enums import Releasability
from nsatu.core.lifecycles import RequirementStatus
from nsatu.db.base import Base, Quantity, Versioned
from nsatu.db.models.reference import CapabilityArea, ItemType, Site, enum_col


class Requirement(Versioned, Base):
    __tablename__ = "requirement"
    __table_args__ = (
        CheckConstraint("priority BETWEEN 1 AND 3", name="priority_range"),
        CheckConstraint("quantity_requested > 0", name="quantity_requested_positive"),
        CheckConstraint(
            "quantity_approved IS NULL OR quantity_approved >= 0", name="quantity_approved_nonneg"
        ),
        Index("ix_requirement_period_rank", "period", "rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    capability_area_id: Mapped[int] = mapped_column(ForeignKey("capability_area.id"), index=True)
    item_type_id: Mapped[int | None] = mapped_column(ForeignKey("item_type.id"), index=True)
    quantity_requested: Mapped[Decimal] = mapped_column(Quantity)
    quantity_approved: Mapped[Decimal | None] = mapped_column(Quantity)
    priority: Mapped[int] = mapped_column(Integer, index=True)
    rank: Mapped[int | None] = mapped_column(Integer)
    #: Tranche or period of the monthly priority list, as ``YYYY-MM``.
    period: Mapped[str] = mapped_column(String(7))
    needed_by_on: Mapped[dt.date] = mapped_column(Date, index=True)
    destination_site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    justification: Mapped[str | None] = mapped_column(Text)
    releasability: Mapped[Releasability] = mapped_column(
        enum_col(Releasability, "releasability"), default=Releasability.COALITION
    )
    status: Mapped[RequirementStatus] = mapped_column(
        enum_col(RequirementStatus, "requirement_status"),
        default=RequirementStatus.DRAFT,
        index=True,
    )
    #: Ukraine's real needs are not public: demo needs are generated and carry this flag.
    is_synthetic: Mapped[bool] = mapped_column(Boolean, default=False)

    capability_area: Mapped[CapabilityArea] = relationship(lazy="raise")
    item_type: Mapped[ItemType | None] = relationship(lazy="raise")
    destination_site: Mapped[Site | None] = relationship(lazy="raise")
