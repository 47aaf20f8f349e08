"""Reference data the pages offer in select boxes and use to name ids, read through the reference
domain's services."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from nsatu.db.models import CapabilityArea, ItemType, Nation, Site
from nsatu.reference import schemas as ref
from nsatu.reference.service import CAPABILITY_AREAS, ITEM_TYPES, NATIONS, SITES
from nsatu.web.views.rendering import humanize

#: Reference lists are short (tens of rows); one page holds them all.
ALL = 500

Option = tuple[str, str]


def enum_options(enum: type[StrEnum]) -> list[Option]:
    return [(m.value, humanize(m.value)) for m in enum]


def capability_areas(session: Session) -> list[CapabilityArea]:
    return CAPABILITY_AREAS.list(session, ref.CapabilityAreaFilter(size=ALL, sort="name")).items


def item_types(session: Session) -> list[ItemType]:
    return ITEM_TYPES.list(session, ref.ItemTypeFilter(size=ALL, sort="category,public_name")).items


def sites(session: Session) -> list[Site]:
    return SITES.list(session, ref.SiteFilter(size=ALL, sort="name")).items


def nations(session: Session, *, role: str | None = None) -> list[Nation]:
    return NATIONS.list(session, ref.NationFilter(size=ALL, sort="name", role=role)).items


def options(
    rows: list[CapabilityArea] | list[ItemType] | list[Site] | list[Nation],
) -> list[Option]:
    """``(id, label)`` pairs for a select box."""
    out: list[Option] = []
    for row in rows:
        if isinstance(row, ItemType):
            label = f"{row.category} — {row.public_name}"
        elif isinstance(row, Nation):
            label = f"{row.name} ({row.code})"
        else:
            label = row.name
        out.append((str(row.id), label))
    return out


def names(
    rows: list[CapabilityArea] | list[ItemType] | list[Site] | list[Nation],
) -> dict[int, str]:
    """id → display name, to label foreign keys in tables."""
    return {int(k): v for k, v in options(rows)}
