"""Use cases for the reference entities: the generic registry behaviour plus their own rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from nsatu.core.enums import SiteKind
from nsatu.db.crud import Resource
from nsatu.db.models import CapabilityArea, ItemType, Nation, NationGdp, Organisation, Site
from nsatu.errors import InvalidInput
from nsatu.reference import errors
from nsatu.reference import schemas as s
from nsatu.shared.entity import Entity, contains, eq


def _nation_where(f: s.NationFilter) -> list[Any]:
    where: list[Any] = []
    if f.q:
        where.append(or_(*contains(Nation.name, f.q), *contains(Nation.code, f.q)))
    if f.role:
        where.append(getattr(Nation, f"is_{f.role}").is_(True))
    where += eq(Nation.eu_member, f.eu_member) + eq(Nation.nato_member, f.nato_member)
    return where


NATIONS = Entity(
    name="nations",
    resource=Resource(
        model=Nation,
        label="nation",
        not_found=errors.NationNotFound,
        sortable={"code": Nation.code, "name": Nation.name},
    ),
    create_schema=s.NationCreate,
    update_schema=s.NationUpdate,
    read_schema=s.NationRead,
    filter_schema=s.NationFilter,
    where=_nation_where,
)

ORGANISATIONS = Entity(
    name="organisations",
    resource=Resource(
        model=Organisation,
        label="organisation",
        not_found=errors.OrganisationNotFound,
        foreign_keys={"nation_id": Nation},
        sortable={"name": Organisation.name, "kind": Organisation.kind},
    ),
    create_schema=s.OrganisationCreate,
    update_schema=s.OrganisationUpdate,
    read_schema=s.OrganisationRead,
    filter_schema=s.OrganisationFilter,
    where=lambda f: (
        contains(Organisation.name, f.q)
        + eq(Organisation.kind, f.kind)
        + eq(Organisation.nation_id, f.nation_id)
    ),
)

_CAPACITY_FIELDS = (
    "road_capacity_per_day",
    "rail_capacity_per_day",
    "air_capacity_per_day",
    "sea_capacity_per_day",
    "storage_capacity",
)


def _check_site(kind: SiteKind, values: dict[str, Any]) -> None:
    """Only hubs (and depots, which store) carry handling capacities."""
    if kind in (SiteKind.HUB, SiteKind.DEPOT):
        return
    for name in _CAPACITY_FIELDS:
        if values.get(name) is not None:
            raise InvalidInput(f"{name}: only hubs and depots have a handling capacity", field=name)


def _site_before_update(session: Session, obj: Site, changes: dict[str, Any]) -> None:
    merged = {n: getattr(obj, n) for n in _CAPACITY_FIELDS} | changes
    _check_site(changes.get("kind", obj.kind), merged)


SITES = Entity(
    name="sites",
    resource=Resource(
        model=Site,
        label="site",
        not_found=errors.SiteNotFound,
        foreign_keys={"nation_id": Nation},
        sortable={"code": Site.code, "name": Site.name, "kind": Site.kind},
    ),
    create_schema=s.SiteCreate,
    update_schema=s.SiteUpdate,
    read_schema=s.SiteRead,
    filter_schema=s.SiteFilter,
    where=lambda f: (
        ([or_(*contains(Site.name, f.q), *contains(Site.code, f.q))] if f.q else [])
        + eq(Site.kind, f.kind)
        + eq(Site.nation_id, f.nation_id)
    ),
    before_create=lambda session, v: _check_site(v["kind"], v),
    before_update=_site_before_update,
)

CAPABILITY_AREAS = Entity(
    name="capability-areas",
    resource=Resource(
        model=CapabilityArea,
        label="capability area",
        not_found=errors.CapabilityAreaNotFound,
        sortable={"code": CapabilityArea.code, "name": CapabilityArea.name},
    ),
    create_schema=s.CapabilityAreaCreate,
    update_schema=s.CapabilityAreaUpdate,
    read_schema=s.CapabilityAreaRead,
    filter_schema=s.CapabilityAreaFilter,
    where=lambda f: (
        [or_(*contains(CapabilityArea.name, f.q), *contains(CapabilityArea.code, f.q))]
        if f.q
        else []
    ),
)


def _item_where(f: s.ItemTypeFilter) -> list[Any]:
    where: list[Any] = []
    if f.q:
        where.append(or_(*contains(ItemType.public_name, f.q), *contains(ItemType.code, f.q)))
    return (
        where
        + eq(ItemType.category, f.category)
        + eq(ItemType.capability_area_id, f.capability_area_id)
        + eq(ItemType.substitution_family, f.substitution_family)
    )


ITEM_TYPES = Entity(
    name="item-types",
    resource=Resource(
        model=ItemType,
        label="item type",
        not_found=errors.ItemTypeNotFound,
        foreign_keys={"capability_area_id": CapabilityArea},
        sortable={
            "code": ItemType.code,
            "public_name": ItemType.public_name,
            "category": ItemType.category,
            "reference_unit_value": ItemType.reference_unit_value,
        },
    ),
    create_schema=s.ItemTypeCreate,
    update_schema=s.ItemTypeUpdate,
    read_schema=s.ItemTypeRead,
    filter_schema=s.ItemTypeFilter,
    where=_item_where,
)

ENTITIES = (NATIONS, ORGANISATIONS, SITES, CAPABILITY_AREAS, ITEM_TYPES)


def nation_gdp(session: Session, nation_id: int) -> list[NationGdp]:
    NATIONS.get(session, nation_id)
    stmt = select(NationGdp).where(NationGdp.nation_id == nation_id).order_by(NationGdp.year)
    return list(session.scalars(stmt))


def nation_by_code(session: Session, code: str) -> Nation:
    nation = session.scalar(select(Nation).where(Nation.code == code.upper()))
    if nation is None:
        raise errors.NationNotFound(f"nation {code!r} does not exist", field="code")
    return nation


def code_tables(session: Session) -> dict[str, dict[str, int]]:
    """Code → id for nations, sites, capability areas and item types: one query per table
    (imports resolve every row's codes against these)."""
    models: dict[str, Any] = {
        "nation": Nation,
        "site": Site,
        "capability_area": CapabilityArea,
        "item_type": ItemType,
    }
    return {
        table: dict(session.execute(select(model.code, model.id)).all())
        for table, model in models.items()
    }
