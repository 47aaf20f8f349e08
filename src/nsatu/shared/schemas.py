"""Pydantic building blocks shared by the domain schemas."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from nsatu.core import identifiers, money

T = TypeVar("T")

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


# Upper-case before the pattern is checked, so "deu" is accepted as "DEU".
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), BeforeValidator(_upper)]
Alpha3 = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), BeforeValidator(_upper)]
#: Primary keys are 32-bit on PostgreSQL; a larger id cannot exist, so it is refused as input
#: instead of overflowing the driver.
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Schema(BaseModel):
    """Every input schema: unknown fields are refused, text is trimmed, and no text may hold a NUL
    character (PostgreSQL cannot store one, so it would otherwise fail as a server error)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, value in data.items():
                if isinstance(value, str) and "\x00" in value:
                    raise ValueError(f"{key}: must not contain NUL characters")
        return data


class ReadSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class UpdateSchema(Schema):
    """Every update names the version it was based on; a stale one is a 409."""

    version: int = Field(ge=1, description="The version the client read; a stale one is a 409.")

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude={"version"})


class ActionRequest(Schema):
    version: int | None = Field(
        default=None, ge=1, description="When given, the action fails with 409 if the row moved on."
    )


class PageParams(Schema):
    page: int = Field(default=1, ge=1, le=1_000_000)
    size: int = Field(default=50, ge=1, le=500)
    sort: str | None = Field(
        default=None, max_length=200, description="field or -field, comma-separated"
    )


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int
    pages: int


class Transition(BaseModel):
    action: str
    target: str
    label: str


def nsn_validator(value: str | None) -> str | None:
    return None if value is None or value == "" else identifiers.normalise_nsn(value)


def currency_validator(value: str | None) -> str | None:
    return None if value is None else money.check_currency(value)


__all__ = [
    "ActionRequest",
    "Alpha3",
    "Code",
    "Currency",
    "Id",
    "Page",
    "PageParams",
    "ReadSchema",
    "Schema",
    "Text200",
    "Transition",
    "UpdateSchema",
    "currency_validator",
    "field_validator",
    "nsn_validator",
]
