"""Consignments moving offers from donor depots through the hubs to handover points.

Modelled now; the execution behaviour (chain of custody, proof of delivery) comes later.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nsatu.core.enums import Releasability, TrackingEventKind, TransportMode
from nsatu.core.lifecycles import ConsignmentStatus
from nsatu.db.base import Base, Quantity, UTCDateTime, Versioned, utcnow
from nsatu.db.models.offer import OfferLine
from nsatu.db.models.reference import Site, enum_col


class Consignment(Versioned, Base):
    __tablename__ = "consignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    origin_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    destination_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    planned_departure_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[ConsignmentStatus] = mapped_column(
        enum_col(ConsignmentStatus, "consignment_status"),
        default=ConsignmentStatus.PLANNED,
        index=True,
    )
    notes: Mapped[str | None] = mapped_column(Text)
    releasability: Mapped[Releasability] = mapped_column(
        enum_col(Releasability, "releasability"), default=Releasability.BILATERAL
    )

    origin_site: Mapped[Site] = relationship(foreign_keys=[origin_site_id], lazy="raise")
    destination_site: Mapped[Site] = relationship(foreign_keys=[destination_site_id], lazy="raise")


class ConsignmentLine(Versioned, Base):
    __tablename__ = "consignment_line"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consignment_id: Mapped[int] = mapped_column(
        ForeignKey("consignment.id", ondelete="CASCADE"), index=True
    )
    offer_line_id: Mapped[int] = mapped_column(ForeignKey("offer_line.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)

    offer_line: Mapped[OfferLine] = relationship(lazy="raise")


class ConsignmentLeg(Versioned, Base):
    __tablename__ = "consignment_leg"
    __table_args__ = (UniqueConstraint("consignment_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consignment_id: Mapped[int] = mapped_column(
        ForeignKey("consignment.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    from_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    to_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    mode: Mapped[TransportMode] = mapped_column(enum_col(TransportMode, "transport_mode"))
    planned_departure_on: Mapped[dt.date | None] = mapped_column(Date)
    planned_arrival_on: Mapped[dt.date | None] = mapped_column(Date)


class TrackingEvent(Base):
    """An append-only event in a consignment's chain of custody (never edited, so no version)."""

    __tablename__ = "tracking_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    consignment_id: Mapped[int] = mapped_column(
        ForeignKey("consignment.id", ondelete="CASCADE"), index=True
    )
    leg_id: Mapped[int | None] = mapped_column(ForeignKey("consignment_leg.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    kind: Mapped[TrackingEventKind] = mapped_column(
        enum_col(TrackingEventKind, "tracking_event_kind")
    )
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
