"""Schemas for offer / pledge lines."""

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
    source: Annotated[str, Field(min_length=1, max_length=40)] = "manual"
    source_ref: Annotated[str, Field(max_length=80)] | None = None
    notes: Annotated[str, Field(max_length=20_000)] | None = None


class OfferUpdate(UpdateSchema):
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
    notes: Annotated[str, Field(max_length=20_000)] | None = None


class OfferRead(ReadSchema):
    reference: str
    donor_nation_id: int
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
    source: str
    source_ref: str | None
    notes: str | None

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
