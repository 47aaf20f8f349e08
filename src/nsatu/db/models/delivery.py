"""Proof of delivery (a receipt per consignment and its lines), discrepancy reports with their
attachments, end-use checks of serial-tracked items and the serials sent for repair.

Every row carries the ``consignment_id`` it belongs to, so need-to-know scoping treats it like the
consignment's own lines and events (``nsatu.db.scoping.follows_consignment``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from nsatu.core.enums import DiscrepancyReason, EndUseOutcome
from nsatu.core.lifecycles import DiscrepancyStatus, ReceiptStatus
from nsatu.db.base import Base, Quantity, UTCDateTime, Versioned, utcnow
from nsatu.db.models.reference import enum_col


class Receipt(Versioned, Base):
    """Proof of delivery: who received a consignment and when. One per consignment. Verifying it
    is a separate step, by another user than the one who recorded it."""

    __tablename__ = "receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    consignment_id: Mapped[int] = mapped_column(
        ForeignKey("consignment.id", ondelete="CASCADE"), unique=True
    )
    received_by: Mapped[str] = mapped_column(String(120))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: The user who recorded it (the receiver named above may be someone without an account).
    recorded_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[ReceiptStatus] = mapped_column(
        enum_col(ReceiptStatus, "receipt_status"), default=ReceiptStatus.RECORDED, index=True
    )
    verified_by: Mapped[str | None] = mapped_column(String(64))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class ReceiptLine(Versioned, Base):
    """What came of one consignment line: good, damaged, lost and rejected add up to its quantity;
    each quantity other than good carries a reason."""

    __tablename__ = "receipt_line"
    __table_args__ = (
        UniqueConstraint("receipt_id", "consignment_line_id"),
        CheckConstraint(
            "quantity_good >= 0 AND quantity_damaged >= 0 AND quantity_lost >= 0 "
            "AND quantity_rejected >= 0",
            name="quantities_nonneg",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id", ondelete="CASCADE"))
    consignment_id: Mapped[int] = mapped_column(
        ForeignKey("consignment.id", ondelete="CASCADE"), index=True
    )
    consignment_line_id: Mapped[int] = mapped_column(
        ForeignKey("consignment_line.id", ondelete="CASCADE"), index=True
    )
    quantity_good: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    quantity_damaged: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    damaged_reason: Mapped[DiscrepancyReason | None] = mapped_column(
        enum_col(DiscrepancyReason, "damaged_reason")
    )
    quantity_lost: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    lost_reason: Mapped[DiscrepancyReason | None] = mapped_column(
        enum_col(DiscrepancyReason, "lost_reason")
    )
    quantity_rejected: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    rejected_reason: Mapped[DiscrepancyReason | None] = mapped_column(
        enum_col(DiscrepancyReason, "rejected_reason")
    )


class DiscrepancyReport(Versioned, Base):
    """A report of what differs from what was sent, with its evidence (attachments)."""

    __tablename__ = "discrepancy_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    consignment_id: Mapped[int] = mapped_column(
        ForeignKey("consignment.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[DiscrepancyReason] = mapped_column(
        enum_col(DiscrepancyReason, "discrepancy_reason")
    )
    description: Mapped[str] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[DiscrepancyStatus] = mapped_column(
        enum_col(DiscrepancyStatus, "discrepancy_status"), default=DiscrepancyStatus.OPEN
    )


class DiscrepancyAttachment(Base):
    """A file attached to a discrepancy report, stored in the database (docs/architecture.md):
    never edited, so no version."""

    __tablename__ = "discrepancy_attachment"
    __table_args__ = (CheckConstraint("size_bytes > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("discrepancy_report.id", ondelete="CASCADE"), index=True
    )
    consignment_id: Mapped[int] = mapped_column(
        ForeignKey("consignment.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    #: The type the content was recognised as (never the one the client claimed).
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class EndUseCheck(Versioned, Base):
    """One inspection of a serial-tracked item after delivery. ``consignment_id`` is the delivery
    that handed the serial over."""

    __tablename__ = "end_use_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(64), index=True)
    consignment_id: Mapped[int] = mapped_column(
        ForeignKey("consignment.id", ondelete="CASCADE"), index=True
    )
    item_type_id: Mapped[int | None] = mapped_column(ForeignKey("item_type.id"), index=True)
    checked_on: Mapped[dt.date] = mapped_column(Date, index=True)
    outcome: Mapped[EndUseOutcome] = mapped_column(enum_col(EndUseOutcome, "end_use_outcome"))
    checked_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class RepairSerial(Base):
    """A serial carried by a consignment of kind ``repair`` (out to the repair facility or back),
    so the item's history stays one chain."""

    __tablename__ = "repair_serial"
    __table_args__ = (
        UniqueConstraint("consignment_id", "serial"),
        CheckConstraint("direction IN ('out', 'back')", name="direction_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consignment_id: Mapped[int] = mapped_column(ForeignKey("consignment.id", ondelete="CASCADE"))
    serial: Mapped[str] = mapped_column(String(64), index=True)
    #: ``out`` to the repair facility, ``back`` to the user.
    direction: Mapped[str] = mapped_column(String(8))
