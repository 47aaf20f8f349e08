"""The published Ukraine Support Tracker releases (Kiel Institute), kept apart from the system's own
records: a release, its item-level rows (R7), exchange rates, donor GDP and EU attribution keys, and
the donor × month allocations, EU-share attribution and heavy-weapons table of the website extract
(R29).

Every row keeps the cells as published (``raw``, a JSON object keyed by the file's header) next to
the parsed values, so a figure can always be traced back to the cell it came from. The rows of a
release are replaced as a whole when a changed file is imported (never edited one by one), so they
carry no version column.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from nsatu.db.base import Base, UTCDateTime, utcnow

#: Published figures are doubles written out in full (up to 17 significant digits); this keeps them.
KielNumber = Numeric(38, 18)


class KielRelease(Base):
    """One imported release: its number, period, date, source and the SHA-256 of each file read."""

    __tablename__ = "kiel_release"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    label: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(40))
    released_on: Mapped[dt.date | None] = mapped_column(Date)
    source_url: Mapped[str] = mapped_column(String(300))
    citation: Mapped[str] = mapped_column(Text)
    #: ``{file name: sha256 hex}`` of every file the import read.
    digests: Mapped[dict[str, str]] = mapped_column(JSON)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


def _release_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("kiel_release.id", ondelete="CASCADE"), index=True)


class KielR7Row(Base):
    """One row of R7 ``bilateral_assistance_main_data.csv``.

    ``row`` is the spreadsheet row (the header is row 1). Rows sharing ``kiel_id`` form a package;
    only its first row (``package_seq`` 1) carries the package total (``total``), converted at
    ``eur_rate`` (units of ``currency`` per 1 EUR) into ``value_eur``.
    """

    __tablename__ = "kiel_r7_row"
    __table_args__ = (UniqueConstraint("release_id", "row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = _release_fk()
    row: Mapped[int] = mapped_column(Integer)
    kiel_id: Mapped[str] = mapped_column(String(20), index=True)
    package_seq: Mapped[int] = mapped_column(Integer)
    donor: Mapped[str] = mapped_column(String(80))
    iso3: Mapped[str] = mapped_column(String(3))
    announced_on: Mapped[dt.date | None] = mapped_column(Date)
    aid_type: Mapped[str] = mapped_column(String(20))  # military | financial | humanitarian
    aid_specific: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str | None] = mapped_column(String(3))
    amount: Mapped[Decimal | None] = mapped_column(KielNumber)  # as given by the source
    total: Mapped[Decimal | None] = mapped_column(KielNumber)  # package total, original currency
    eur_rate: Mapped[Decimal | None] = mapped_column(KielNumber)
    value_eur: Mapped[Decimal | None] = mapped_column(KielNumber)
    item: Mapped[str | None] = mapped_column(String(300))
    item_type: Mapped[str | None] = mapped_column(String(120))
    item_subtype: Mapped[str | None] = mapped_column(String(120))
    #: The catalogue item type (``item_type.code``) the item maps onto, when the import had one.
    item_code: Mapped[str | None] = mapped_column(String(60))
    units: Mapped[Decimal | None] = mapped_column(KielNumber)
    units_delivered: Mapped[Decimal | None] = mapped_column(KielNumber)
    unit_price_usd: Mapped[Decimal | None] = mapped_column(KielNumber)
    value_usd: Mapped[Decimal | None] = mapped_column(KielNumber)
    value_delivered_usd: Mapped[Decimal | None] = mapped_column(KielNumber)
    source_url: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)


class KielExchangeRate(Base):
    """A release's fixed exchange rate: units of ``currency`` per 1 EUR."""

    __tablename__ = "kiel_exchange_rate"
    __table_args__ = (UniqueConstraint("release_id", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = _release_fk()
    currency: Mapped[str] = mapped_column(String(3))
    units_per_eur: Mapped[Decimal] = mapped_column(KielNumber)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)


class KielDonorGdp(Base):
    """The GDP a release divides by (R7: 2021, US$ bn and € bn)."""

    __tablename__ = "kiel_donor_gdp"
    __table_args__ = (UniqueConstraint("release_id", "donor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = _release_fk()
    donor: Mapped[str] = mapped_column(String(80))
    iso3: Mapped[str] = mapped_column(String(3))
    eu_member: Mapped[bool] = mapped_column(Boolean)
    gdp_usd_bn: Mapped[Decimal] = mapped_column(KielNumber)
    gdp_eur_bn: Mapped[Decimal] = mapped_column(KielNumber)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)


class KielEuKey(Base):
    """A country's EU burden-sharing keys: EU budget share, EPF (GNI) share, EIB capital share."""

    __tablename__ = "kiel_eu_key"
    __table_args__ = (UniqueConstraint("release_id", "country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = _release_fk()
    country: Mapped[str] = mapped_column(String(80))
    iso3: Mapped[str | None] = mapped_column(String(3))  # none for Kiel's "27 Countries total"
    budget_share: Mapped[Decimal] = mapped_column(KielNumber)
    epf_share: Mapped[Decimal] = mapped_column(KielNumber)
    eib_share: Mapped[Decimal] = mapped_column(KielNumber)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)


class KielMonth(Base):
    """One donor × month of R29 ``data_explorer.csv`` (€ bn; GDP 2021 € bn; % of GDP)."""

    __tablename__ = "kiel_month"
    __table_args__ = (UniqueConstraint("release_id", "iso", "year", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = _release_fk()
    row: Mapped[int] = mapped_column(Integer)
    country: Mapped[str] = mapped_column(String(80))
    iso: Mapped[str] = mapped_column(String(3))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(KielNumber)
    financial: Mapped[Decimal] = mapped_column(KielNumber)
    humanitarian: Mapped[Decimal] = mapped_column(KielNumber)
    military: Mapped[Decimal] = mapped_column(KielNumber)
    commitments: Mapped[Decimal] = mapped_column(KielNumber)
    to_be_allocated: Mapped[Decimal] = mapped_column(KielNumber)
    gdp: Mapped[Decimal] = mapped_column(KielNumber)
    pct_gdp: Mapped[Decimal] = mapped_column(KielNumber)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)


class KielEuShare(Base):
    """The part of the EU institutions' aid a release attributes to a member state (€ bn)."""

    __tablename__ = "kiel_eu_share"
    __table_args__ = (UniqueConstraint("release_id", "iso"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = _release_fk()
    country: Mapped[str] = mapped_column(String(80))
    iso: Mapped[str] = mapped_column(String(3))
    eu_share_bn: Mapped[Decimal] = mapped_column(KielNumber)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)


class KielWeapon(Base):
    """Heavy weapons committed by a donor in one category: number and value (€)."""

    __tablename__ = "kiel_weapon"
    __table_args__ = (UniqueConstraint("release_id", "donor", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = _release_fk()
    donor: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(80))
    number: Mapped[int] = mapped_column(Integer)
    value_eur: Mapped[Decimal] = mapped_column(KielNumber)
    weapons_list: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)
