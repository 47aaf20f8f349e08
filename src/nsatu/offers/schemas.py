"""Schemas for offer / pledge lines.

:class:`OfferRead` is the one projection of an offer line that leaves the system (the API, the web
pages and the exports all build it), and it is where an anonymous donor is withheld: when the line's
``donor_disclosed`` is false (:func:`nsatu.core.access.donor_disclosed` for the actor of the
session that loaded it), every field that names or points at the donor is replaced.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Self

from pydantic import Field, computed_field, model_validator

from nsatu.core.enums import OfferChannel, OfferKind, Releasability, ValuationBasis
from nsatu.core.lifecycles import OfferStage
from nsatu.shared.schemas import Currency, Id, PageParams, ReadSchema, Schema, UpdateSchema

Qty = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=3)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=2)]
EurRate = Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=8)]
Description = Annotated[str, Field(min_length=1, max_length=300)]
Reference = Annotated[
    str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
]

MONEY_KINDS = frozenset({OfferKind.CASH_POOLED})


class _Rules(Schema):
    """Cross-field rules shared by create and (merged) update."""

    @model_validator(mode="after")
    def _valuation(self) -> Self:
        data = self.model_dump(exclude_unset=isinstance(self, UpdateSchema))
        check_offer_fields(data)
        return self


def check_offer_fields(d: dict[str, object]) -> None:
    """Raise ``ValueError`` naming the field when the combination of values is inconsistent."""
    if d.get("value_amount") is not None and d.get("currency") is None:
        raise ValueError("currency: required when value_amount is given")
    if d.get("eur_rate") is not None and d.get("currency") is None:
        raise ValueError("currency: required when eur_rate is given")
    if d.get("currency") == "EUR" and d.get("eur_rate") not in (None, Decimal(1)):
        raise ValueError("eur_rate: must be 1 for amounts in EUR")
    if d.get("kind") in MONEY_KINDS and d.get("value_amount") is None:
        raise ValueError("value_amount: required for cash offers")
    qty, delivered = d.get("quantity"), d.get("quantity_delivered")
    if isinstance(qty, Decimal) and isinstance(delivered, Decimal) and delivered > qty:
        raise ValueError("quantity_delivered: cannot exceed quantity")


class OfferCreate(_Rules):
    reference: Reference | None = Field(default=None, description="generated when omitted")
    donor_nation_id: Id
    donor_organisation_id: Id | None = None
    channel: OfferChannel = OfferChannel.BILATERAL
    kind: OfferKind
    item_type_id: Id | None = None
    description: Description
    quantity: Qty | None = None
    quantity_delivered: Qty | None = None
    announced_on: dt.date | None = None
    available_from_on: dt.date | None = None
    origin_site_id: Id | None = None
    currency: Currency | None = None
    value_amount: Amount | None = None
    eur_rate: EurRate | None = None
    eur_rate_on: dt.date | None = None
    valuation_basis: ValuationBasis | None = None
    earmark_capability_area_id: Id | None = None
    earmark: Annotated[str, Field(max_length=300)] | None = None
    parent_id: Id | None = None
    releasability: Releasability = Releasability.COALITION
    anonymise_donor: bool = Field(
        default=False, description="shown to the public as an undisclosed donor"
    )
    source: Annotated[str, Field(min_length=1, max_length=40)] = "manual"
    source_ref: Annotated[str, Field(max_length=80)] | None = None
    notes: Annotated[str, Field(max_length=20_000)] | None = None


class OfferUpdate(UpdateSchema):
    donor_nation_id: Id | None = Field(
        default=None, description="a donor liaison may only name its own nation"
    )
    donor_organisation_id: Id | None = None
    channel: OfferChannel | None = None
    kind: OfferKind | None = None
    item_type_id: Id | None = None
    description: Description | None = None
    quantity: Qty | None = None
    quantity_delivered: Qty | None = None
    announced_on: dt.date | None = None
    available_from_on: dt.date | None = None
    origin_site_id: Id | None = None
    currency: Currency | None = None
    value_amount: Amount | None = None
    eur_rate: EurRate | None = None
    eur_rate_on: dt.date | None = None
    valuation_basis: ValuationBasis | None = None
    earmark_capability_area_id: Id | None = None
    earmark: Annotated[str, Field(max_length=300)] | None = None
    parent_id: Id | None = None
    releasability: Releasability | None = None
    anonymise_donor: bool | None = None
    notes: Annotated[str, Field(max_length=20_000)] | None = None


UNDISCLOSED_CODE = "---"
UNDISCLOSED_NAME = "Undisclosed donor"
#: What an undisclosed line withholds besides the donor's code and name: everything that names the
#: donor or leads to it (its organisation, its depot, a parent line of the same donor, the donor's
#: own reference in a public source, free-text notes).
WITHHELD_WITH_DONOR = (
    "donor_nation_id",
    "donor_organisation_id",
    "origin_site_id",
    "parent_id",
    "source_ref",
    "notes",
)


class OfferRead(ReadSchema):
    reference: str
    donor_nation_id: int | None = Field(description="null when the donor is undisclosed")
    donor_code: str
    donor_name: str
    donor_organisation_id: int | None
    channel: OfferChannel
    kind: OfferKind
    item_type_id: int | None
    description: str
    quantity: Decimal | None
    quantity_delivered: Decimal | None
    announced_on: dt.date | None
    available_from_on: dt.date | None
    origin_site_id: int | None
    currency: str | None
    value_amount: Decimal | None
    eur_rate: Decimal | None
    eur_rate_on: dt.date | None
    valuation_basis: ValuationBasis | None
    earmark_capability_area_id: int | None
    earmark: str | None
    stage: OfferStage
    parent_id: int | None
    releasability: Releasability
    anonymise_donor: bool
    donor_disclosed: bool = Field(
        default=True, description="false: the donor asked to stay anonymous and is withheld"
    )
    source: str
    source_ref: str | None
    notes: str | None

    @model_validator(mode="after")
    def _withhold_donor(self) -> Self:
        if not self.donor_disclosed:
            self.donor_code = UNDISCLOSED_CODE
            self.donor_name = UNDISCLOSED_NAME
            for name in WITHHELD_WITH_DONOR:
                setattr(self, name, None)
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def value_eur(self) -> Decimal | None:
        """The value converted at the recorded rate (units of currency per 1 EUR)."""
        if self.value_amount is None or self.currency is None:
            return None
        if self.currency == "EUR":
            return self.value_amount
        if self.eur_rate is None:
            return None
        return (self.value_amount / self.eur_rate).quantize(Decimal("0.01"))


class OfferFilter(PageParams):
    q: str | None = Field(
        default=None, max_length=100, description="description or reference contains"
    )
    donor: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{3}$", description="donor ISO alpha-3"
    )
    donor_nation_id: Id | None = None
    stage: OfferStage | None = None
    kind: OfferKind | None = None
    channel: OfferChannel | None = None
    item_type_id: Id | None = None
    parent_id: Id | None = None
    source: str | None = Field(default=None, max_length=40)
    announced_from: dt.date | None = None
    announced_to: dt.date | None = None
