"""Schemas for the reference entities."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from nsatu.core.enums import OrganisationKind, SiteKind
from nsatu.shared.schemas import (
    Alpha3,
    Code,
    Currency,
    Id,
    PageParams,
    ReadSchema,
    Schema,
    Text200,
    UpdateSchema,
    nsn_validator,
)

Capacity = Annotated[int, Field(ge=0, le=10_000_000)]
# Text types sized to their columns (PostgreSQL enforces VARCHAR lengths; a longer value would fail
# in the database instead of in validation).
Name120 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Text160 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=160)]
Code32 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Latitude = Annotated[Decimal, Field(ge=-90, le=90, max_digits=9, decimal_places=6)]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, max_digits=9, decimal_places=6)]
Locode = Annotated[str, Field(pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")]

# --- Nation ----------------------------------------------------------------------------------


class NationFields(Schema):
    name: Name120
    is_donor: bool = False
    is_recipient: bool = False
    is_host: bool = False
    eu_member: bool = False
    nato_member: bool = False
    eu_accession_on: dt.date | None = None
    nato_accession_on: dt.date | None = None


class NationCreate(NationFields):
    code: Alpha3 = Field(description="ISO 3166 alpha-3")


class NationUpdate(UpdateSchema):
    name: Name120 | None = None
    is_donor: bool | None = None
    is_recipient: bool | None = None
    is_host: bool | None = None
    eu_member: bool | None = None
    nato_member: bool | None = None
    eu_accession_on: dt.date | None = None
    nato_accession_on: dt.date | None = None


class NationRead(ReadSchema):
    code: str
    name: str
    is_donor: bool
    is_recipient: bool
    is_host: bool
    eu_member: bool
    nato_member: bool
    eu_accession_on: dt.date | None
    nato_accession_on: dt.date | None


class NationFilter(PageParams):
    q: str | None = Field(default=None, max_length=100, description="name or code contains")
    role: str | None = Field(default=None, pattern="^(donor|recipient|host)$")
    eu_member: bool | None = None
    nato_member: bool | None = None


class GdpRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    year: int
    gdp_usd: Decimal
    source: str


# --- Organisation ----------------------------------------------------------------------------


class OrganisationCreate(Schema):
    name: Text200
    kind: OrganisationKind
    nation_id: Id


class OrganisationUpdate(UpdateSchema):
    name: Text200 | None = None
    kind: OrganisationKind | None = None
    nation_id: Id | None = None


class OrganisationRead(ReadSchema):
    name: str
    kind: OrganisationKind
    nation_id: int


class OrganisationFilter(PageParams):
    q: str | None = Field(default=None, max_length=100)
    kind: OrganisationKind | None = None
    nation_id: Id | None = None


# --- Site ------------------------------------------------------------------------------------


class SiteCreate(Schema):
    code: Code32
    name: Text200
    kind: SiteKind
    nation_id: Id
    latitude: Latitude
    longitude: Longitude
    unlocode: Locode | None = None
    road_capacity_per_day: Capacity | None = None
    rail_capacity_per_day: Capacity | None = None
    air_capacity_per_day: Capacity | None = None
    sea_capacity_per_day: Capacity | None = None
    storage_capacity: Capacity | None = None
    notes: str | None = Field(default=None, max_length=4000)


class SiteUpdate(UpdateSchema):
    code: Code32 | None = None
    name: Text200 | None = None
    kind: SiteKind | None = None
    nation_id: Id | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    unlocode: Locode | None = None
    road_capacity_per_day: Capacity | None = None
    rail_capacity_per_day: Capacity | None = None
    air_capacity_per_day: Capacity | None = None
    sea_capacity_per_day: Capacity | None = None
    storage_capacity: Capacity | None = None
    notes: str | None = Field(default=None, max_length=4000)


class SiteRead(ReadSchema):
    code: str
    name: str
    kind: SiteKind
    nation_id: int
    latitude: Decimal
    longitude: Decimal
    unlocode: str | None
    road_capacity_per_day: int | None
    rail_capacity_per_day: int | None
    air_capacity_per_day: int | None
    sea_capacity_per_day: int | None
    storage_capacity: int | None
    notes: str | None


class SiteFilter(PageParams):
    q: str | None = Field(default=None, max_length=100)
    kind: SiteKind | None = None
    nation_id: Id | None = None


# --- Capability area -------------------------------------------------------------------------


class CapabilityAreaCreate(Schema):
    code: Code32
    name: Name120
    coalition: Text160 | None = None
    description: str | None = Field(default=None, max_length=4000)


class CapabilityAreaUpdate(UpdateSchema):
    code: Code32 | None = None
    name: Name120 | None = None
    coalition: Text160 | None = None
    description: str | None = Field(default=None, max_length=4000)


class CapabilityAreaRead(ReadSchema):
    code: str
    name: str
    coalition: str | None
    description: str | None


class CapabilityAreaFilter(PageParams):
    q: str | None = Field(default=None, max_length=100)


# --- Item type -------------------------------------------------------------------------------

Positive = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=4)]
NonNegativeMoney = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=2)]


class ItemTypeFields(Schema):
    public_name: Text200
    category: Name120
    capability_area_id: Id
    unit_of_measure: Annotated[str, Field(min_length=1, max_length=32)] = "each"
    weight_kg_per_unit: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=3)] | None = (
        None
    )
    lift_units_per_unit: Positive = Decimal(1)
    reference_unit_value: NonNegativeMoney | None = None
    reference_value_currency: Currency | None = None
    reference_value_source: str | None = Field(default=None, max_length=2000)
    reference_value_on: dt.date | None = None
    substitution_family: Code
    nsn: str | None = Field(
        default=None, max_length=16, description="NATO Stock Number: 13 digits, or 4-2-3-4"
    )
    serial_tracked: bool = Field(
        default=False, description="units are counted by serial number on every custody scan"
    )

    _nsn = field_validator("nsn")(nsn_validator)


class ItemTypeCreate(ItemTypeFields):
    code: Code


class ItemTypeUpdate(UpdateSchema):
    code: Code | None = None
    public_name: Text200 | None = None
    category: Name120 | None = None
    capability_area_id: Id | None = None
    unit_of_measure: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    weight_kg_per_unit: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=3)] | None = (
        None
    )
    lift_units_per_unit: Positive | None = None
    reference_unit_value: NonNegativeMoney | None = None
    reference_value_currency: Currency | None = None
    reference_value_source: str | None = Field(default=None, max_length=2000)
    reference_value_on: dt.date | None = None
    substitution_family: Code | None = None
    nsn: str | None = Field(default=None, max_length=16)
    serial_tracked: bool | None = None

    _nsn = field_validator("nsn")(nsn_validator)


class ItemTypeRead(ReadSchema):
    code: str
    public_name: str
    category: str
    capability_area_id: int
    unit_of_measure: str
    weight_kg_per_unit: Decimal | None
    lift_units_per_unit: Decimal
    reference_unit_value: Decimal | None
    reference_value_currency: str | None
    reference_value_source: str | None
    reference_value_on: dt.date | None
    substitution_family: str
    nsn: str | None
    serial_tracked: bool


class ItemTypeFilter(PageParams):
    q: str | None = Field(default=None, max_length=100)
    category: str | None = Field(default=None, max_length=120)
    capability_area_id: Id | None = None
    substitution_family: str | None = Field(default=None, max_length=64)
