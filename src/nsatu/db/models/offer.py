"""Offer / pledge lines from donor nations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from nsatu.core.access import donor_disclosed
from nsatu.core.enums import OfferChannel, OfferKind, Releasability, ValuationBasis
from nsatu.core.lifecycles import OfferStage
from nsatu.db.actor import actor_of
from nsatu.db.base import Base, Money, Quantity, Rate, Versioned
from nsatu.db.models.reference import (
    CapabilityArea,
    ItemType,
    Nation,
    Organisation,
    Site,
    enum_col,
)


class OfferLine(Versioned, Base):
    """One line of a donor's offer: an item and quantity, or an amount of money.

    ``parent_id`` links refinements (pledge → commitment → disbursement, or package → item line) so
    that reports count each tree once (see :mod:`nsatu.core.pledges`). ``(source, source_ref)`` is
    unique per donor, so the same published line can never be loaded twice.

    References are unique per donor, not globally: a donor liaison sees every line of its own
    nation, so a clash can only ever be with a line it may see. A global key would let a 409 on
    creation reveal that another donor holds a line it may not see (docs/architecture.md).
    """

    __tablename__ = "offer_line"
    __table_args__ = (
        # The owner first, the field the 409 names last (nsatu.db.crud.check_unique).
        UniqueConstraint("donor_nation_id", "reference"),
        UniqueConstraint("donor_nation_id", "source", "source_ref"),
        CheckConstraint("quantity IS NULL OR quantity >= 0", name="quantity_nonneg"),
        CheckConstraint("value_amount IS NULL OR value_amount >= 0", name="value_nonneg"),
        CheckConstraint("eur_rate IS NULL OR eur_rate > 0", name="eur_rate_positive"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        Index("ix_offer_line_donor_stage", "donor_nation_id", "stage"),
        Index("ix_offer_line_stage_id", "stage", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40))
    # Indexed through ix_offer_line_donor_stage, whose leading column it is.
    donor_nation_id: Mapped[int] = mapped_column(ForeignKey("nation.id"))
    donor_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    channel: Mapped[OfferChannel] = mapped_column(
        enum_col(OfferChannel, "offer_channel"), default=OfferChannel.BILATERAL
    )
    kind: Mapped[OfferKind] = mapped_column(enum_col(OfferKind, "offer_kind"), index=True)
    item_type_id: Mapped[int | None] = mapped_column(ForeignKey("item_type.id"), index=True)
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    quantity_delivered: Mapped[Decimal | None] = mapped_column(Quantity)
    announced_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    available_from_on: Mapped[dt.date | None] = mapped_column(Date)
    origin_site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    # Valuation: the amount in the currency it was given in, and how it converts to EUR.
    currency: Mapped[str | None] = mapped_column(String(3))
    value_amount: Mapped[Decimal | None] = mapped_column(Money)
    eur_rate: Mapped[Decimal | None] = mapped_column(Rate)  # units of currency per 1 EUR
    eur_rate_on: Mapped[dt.date | None] = mapped_column(Date)
    valuation_basis: Mapped[ValuationBasis | None] = mapped_column(
        enum_col(ValuationBasis, "valuation_basis")
    )
    earmark_capability_area_id: Mapped[int | None] = mapped_column(ForeignKey("capability_area.id"))
    earmark: Mapped[str | None] = mapped_column(String(300))
    stage: Mapped[OfferStage] = mapped_column(
        enum_col(OfferStage, "offer_stage"), default=OfferStage.ANNOUNCED
    )  # indexed through ix_offer_line_stage_id
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("offer_line.id", ondelete="RESTRICT"), index=True
    )
    releasability: Mapped[Releasability] = mapped_column(
        enum_col(Releasability, "releasability"), default=Releasability.COALITION
    )
    #: Counted in public aggregates as "undisclosed donor", and shown so to the public.
    anonymise_donor: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(40), default="manual")
    source_ref: Mapped[str | None] = mapped_column(String(80))
    notes: Mapped[str | None] = mapped_column(Text)

    donor: Mapped[Nation] = relationship(lazy="raise")
    donor_organisation: Mapped[Organisation | None] = relationship(lazy="raise")
    item_type: Mapped[ItemType | None] = relationship(lazy="raise")
    origin_site: Mapped[Site | None] = relationship(lazy="raise")
    earmark_capability_area: Mapped[CapabilityArea | None] = relationship(lazy="raise")
    parent: Mapped[OfferLine | None] = relationship(remote_side=[id], lazy="raise")

    @property
    def donor_code(self) -> str:
        return self.donor.code

    @property
    def donor_name(self) -> str:
        return self.donor.name

    @property
    def donor_disclosed(self) -> bool:
        """May the actor of the session that loaded the line know its donor? (In-process code
        without an actor may.) ``OfferRead`` withholds the donor when not."""
        actor = actor_of(object_session(self))
        return actor is None or donor_disclosed(actor, anonymise_donor=self.anonymise_donor)


class OfferLineValuation(Versioned, Base):
    """Another valuation of an offer line beside the one the line carries (its own
    ``valuation_basis``): replacement cost beside net book value, a contract price beside a price
    list. Reports set them side by side, so that a line valued one way is never silently compared
    with one valued another way. One valuation per line and basis.
    """

    __tablename__ = "offer_line_valuation"
    __table_args__ = (
        UniqueConstraint("offer_line_id", "basis"),
        CheckConstraint("amount >= 0", name="amount_nonneg"),
        CheckConstraint("rate > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_line_id: Mapped[int] = mapped_column(
        ForeignKey("offer_line.id", ondelete="CASCADE"), index=True
    )
    basis: Mapped[ValuationBasis] = mapped_column(enum_col(ValuationBasis, "valuation_basis"))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(Rate)  # units of currency per 1 EUR, as on OfferLine
    note: Mapped[str | None] = mapped_column(Text)

    offer_line: Mapped[OfferLine] = relationship(lazy="raise")
