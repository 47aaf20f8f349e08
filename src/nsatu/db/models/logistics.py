"""Consignments moving offers from donor depots through the hubs to handover points, their
tracking events (the chain of custody) and the events refused on ingest."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nsatu.core.enums import ConsignmentKind, Releasability, TrackingEventKind, TransportMode
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
    kind: Mapped[ConsignmentKind] = mapped_column(
        enum_col(ConsignmentKind, "consignment_kind"), default=ConsignmentKind.DELIVERY
    )
    #: Set only by the lifecycle: by hand before departure, otherwise by replaying the events.
    status: Mapped[ConsignmentStatus] = mapped_column(
        enum_col(ConsignmentStatus, "consignment_status"),
        default=ConsignmentStatus.CREATED,
        index=True,
    )
    #: When it was turned back by hand (``return``); the replay of its events places it in time.
    returned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
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
    #: The accepted allocation (of that offer line) the line serves, when known: the ledger then
    #: credits it exactly instead of sharing the offer line out in allocation order.
    allocation_id: Mapped[int | None] = mapped_column(
        ForeignKey("allocation.id", ondelete="SET NULL"), index=True
    )
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
    carrier: Mapped[str | None] = mapped_column(String(120))
    carrier_reference: Mapped[str | None] = mapped_column(String(60))
    planned_departure_on: Mapped[dt.date | None] = mapped_column(Date)
    planned_arrival_on: Mapped[dt.date | None] = mapped_column(Date)
    weight_t: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    lift_units: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    dangerous_goods: Mapped[bool] = mapped_column(Boolean, default=False)
    oversize: Mapped[bool] = mapped_column(Boolean, default=False)


class TrackingEvent(Base):
    """An append-only event in a consignment's chain of custody (never edited, so no version).

    ``event_id`` is the sender's own id: a retry of the same event is recognised and ignored. It is
    unique per consignment, so a sender sees every event its id could clash with.
    """

    __tablename__ = "tracking_event"
    __table_args__ = (
        UniqueConstraint("consignment_id", "event_id"),
        CheckConstraint("quantity >= 0", name="quantity_nonneg"),
        Index("ix_tracking_event_consignment_time", "consignment_id", "occurred_at"),
    )

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
    event_id: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    #: Serial numbers, ``;``-separated, as scanned.
    serials: Mapped[str | None] = mapped_column(Text)
    new_eta: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: Who reported it (the actor's username) and when it was stored.
    reported_by: Mapped[str] = mapped_column(String(64), default="system")
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The ingest batch that stored it: its audit entry carries a digest of the batch's rows.
    batch: Mapped[str | None] = mapped_column(String(32), index=True)


class TrackingRejection(Versioned, Base):
    """A tracking event refused on ingest, kept with its reason and the payload as sent, so that
    it can be corrected and replayed. One row per sender and event id: a retry updates it."""

    __tablename__ = "tracking_rejection"
    __table_args__ = (UniqueConstraint("submitted_by", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submitted_by: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(64))
    consignment_reference: Mapped[str | None] = mapped_column(String(40), index=True)
    consignment_id: Mapped[int | None] = mapped_column(ForeignKey("consignment.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    #: Set when a replay stored the event.
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    tracking_event_id: Mapped[int | None] = mapped_column(ForeignKey("tracking_event.id"))
