"""Schemas of an offer line's alternative valuations."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nsatu.core.enums import ValuationBasis


class ValuationCreate(BaseModel):
    """A valuation of an offer line on one basis: the amount in its currency and the rate to EUR
    (units of the currency per 1 EUR, as on the line itself)."""

    model_config = ConfigDict(extra="forbid")

    basis: ValuationBasis
    amount: Decimal = Field(ge=0, max_digits=20, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR, USD")
    rate: Decimal = Field(
        gt=0, max_digits=20, decimal_places=8, description="units of currency per 1 EUR"
    )
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _euro_at_par(self) -> ValuationCreate:
        if self.currency == "EUR" and self.rate != 1:
            raise ValueError("rate: an amount in EUR converts at 1")
        return self


class ValuationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    offer_line_id: int
    basis: ValuationBasis
    amount: Decimal
    currency: str
    rate: Decimal
    amount_eur: Decimal
    note: str | None
    version: int
