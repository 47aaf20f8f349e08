"""Reference data: nations, organisations, sites, capability areas and the item catalogue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nsatu.core.enums import OrganisationKind, SiteKind, TransportMode
from nsatu.db.base import Base, Money, Versioned


def enum_col(enum: type, name: str) -> Enum:
    """A portable enum column stored as VARCHAR with a CHECK constraint (no native PG enum types,
    so adding a value is a plain migration on both backends)."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Nation(Versioned, Base):
    __tablename__ = "nation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(3), unique=True)  # ISO 3166 alpha-3
    name: Mapped[str] = mapped_column(String(120))
    is_donor: Mapped[bool] = mapped_column(Boolean, default=False)
    is_recipient: Mapped[bool] = mapped_column(Boolean, default=False)
    is_host: Mapped[bool] = mapped_column(Boolean, default=False)
    eu_member: Mapped[bool] = mapped_column(Boolean, default=False)
    nato_member: Mapped[bool] = mapped_column(Boolean, default=False)
    eu_accession_on: Mapped[dt.date | None] = mapped_column(Date)
    nato_accession_on: Mapped[dt.date | None] = mapped_column(Date)

    gdp: Mapped[list[NationGdp]] = relationship(
        back_populates="nation", lazy="raise", order_by="NationGdp.year"
    )


class NationGdp(Base):
    """One year of a nation's GDP in current US dollars (World Bank)."""

    __tablename__ = "nation_gdp"

    nation_id: Mapped[int] = mapped_column(
        ForeignKey("nation.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    gdp_usd: Mapped[Decimal] = mapped_column(Money)
    source: Mapped[str] = mapped_column(String(200))

    nation: Mapped[Nation] = relationship(back_populates="gdp", lazy="raise")


class Organisation(Versioned, Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(enum_col(OrganisationKind, "organisation_kind"))
    nation_id: Mapped[int] = mapped_column(ForeignKey("nation.id"), index=True)

    nation: Mapped[Nation] = relationship(lazy="raise")


class Site(Versioned, Base):
    """A depot, logistics hub, handover point, training centre or HQ.

    Hubs carry a daily handling capacity per transport mode (lift units per day) and a storage
    capacity (lift units); other sites leave them empty. The planner reads one lift unit as one
    tonne, and a hub's handling capacity as the sum of its per-mode capacities
    (:func:`handling_capacity_t_per_day`).
    """

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[SiteKind] = mapped_column(enum_col(SiteKind, "site_kind"), index=True)
    nation_id: Mapped[int] = mapped_column(ForeignKey("nation.id"), index=True)
    latitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    unlocode: Mapped[str | None] = mapped_column(String(5))
    road_capacity_per_day: Mapped[int | None] = mapped_column(Integer)
    rail_capacity_per_day: Mapped[int | None] = mapped_column(Integer)
    air_capacity_per_day: Mapped[int | None] = mapped_column(Integer)
    sea_capacity_per_day: Mapped[int | None] = mapped_column(Integer)
    storage_capacity: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)

    nation: Mapped[Nation] = relationship(lazy="raise")

    @property
    def handling_capacity_t_per_day(self) -> Decimal | None:
        """Tonnes a hub can handle per day: the sum of its per-mode capacities (lift units, read as
        tonnes), or ``None`` when it records none (the planner then treats it as unlimited)."""
        modes = (
            self.road_capacity_per_day,
            self.rail_capacity_per_day,
            self.air_capacity_per_day,
            self.sea_capacity_per_day,
        )
        given = [m for m in modes if m is not None]
        return Decimal(sum(given)) if given else None


class TransportLink(Versioned, Base):
    """A transport connection the planner may use: from a depot to a hub, or from a hub to a
    handover point, by one mode, with its transit time, daily capacity and cost."""

    __tablename__ = "transport_link"
    __table_args__ = (
        UniqueConstraint("from_site_id", "to_site_id", "mode"),
        CheckConstraint("transit_days >= 1", name="transit_days_min"),
        CheckConstraint("capacity_t_per_day >= 0", name="capacity_nonneg"),
        CheckConstraint("cost_per_t >= 0", name="cost_nonneg"),
        CheckConstraint("from_site_id <> to_site_id", name="distinct_ends"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed through the unique constraint, whose leading column it is.
    from_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    to_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    mode: Mapped[TransportMode] = mapped_column(enum_col(TransportMode, "transport_mode"))
    transit_days: Mapped[int] = mapped_column(Integer)
    capacity_t_per_day: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    #: EUR per tonne carried over the whole link.
    cost_per_t: Mapped[Decimal] = mapped_column(Money)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str | None] = mapped_column(Text)

    from_site: Mapped[Site] = relationship(foreign_keys=[from_site_id], lazy="raise")
    to_site: Mapped[Site] = relationship(foreign_keys=[to_site_id], lazy="raise")


class CapabilityArea(Versioned, Base):
    __tablename__ = "capability_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    coalition: Mapped[str | None] = mapped_column(String(160))
    description: Mapped[str | None] = mapped_column(Text)


class ItemType(Versioned, Base):
    """A catalogue entry, described only by generic category and public name."""

    __tablename__ = "item_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    public_name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(120), index=True)
    capability_area_id: Mapped[int] = mapped_column(ForeignKey("capability_area.id"), index=True)
    unit_of_measure: Mapped[str] = mapped_column(String(32), default="each")
    weight_kg_per_unit: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    lift_units_per_unit: Mapped[Decimal] = mapped_column(Numeric(14, 4), default=Decimal(1))
    reference_unit_value: Mapped[Decimal | None] = mapped_column(Money)
    reference_value_currency: Mapped[str | None] = mapped_column(String(3))
    reference_value_source: Mapped[str | None] = mapped_column(Text)
    reference_value_on: Mapped[dt.date | None] = mapped_column(Date)
    #: Item types sharing a family can meet the same need.
    substitution_family: Mapped[str] = mapped_column(String(64), index=True)
    nsn: Mapped[str | None] = mapped_column(String(13), unique=True)
    #: Units are counted by serial number on every custody scan.
    serial_tracked: Mapped[bool] = mapped_column(Boolean, default=False)

    capability_area: Mapped[CapabilityArea] = relationship(lazy="raise")
