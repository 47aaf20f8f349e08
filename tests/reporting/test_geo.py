"""What the map of donors is drawn from: the packaged boundaries (with their citation, copied
verbatim from the shared data) and the hubs and handover points of the reference data."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from nsatu.core.enums import SiteKind
from nsatu.reporting import geo
from tests.factories import make_site

SHARED = Path("/work/shared/data/world_atlas_un_view")
PACKAGED = Path(geo.__file__).resolve().parents[1] / "data" / "world_atlas_un_view"


def test_the_boundaries_are_countries_with_iso_codes() -> None:
    world = geo.world_topology()
    assert world["type"] == "Topology"
    countries = world["objects"]["countries"]["geometries"]
    assert len(countries) == 177
    codes = {c["properties"].get("a3") for c in countries}
    assert {"UKR", "DEU", "USA", "POL", "NOR"} <= codes


def test_the_citation_is_kept_and_listed() -> None:
    source = (PACKAGED / "SOURCE.md").read_text(encoding="utf-8")
    assert "BSD-3-Clause" in source and "Natural Earth" in source
    if SHARED.is_dir():  # the shared original starts the packaged copy (a note is appended)
        assert source.startswith((SHARED / "SOURCE.md").read_text(encoding="utf-8"))
        assert (PACKAGED / "countries-110m.json").read_bytes() == (
            SHARED / "countries-110m.json"
        ).read_bytes()
    readme = (PACKAGED.parent / "README.md").read_text(encoding="utf-8")
    assert "`world_atlas_un_view/`" in readme


@pytest.mark.parametrize("kind", list(SiteKind))
def test_the_map_marks_hubs_and_handover_points_only(session: Session, kind: SiteKind) -> None:
    site = make_site(session, kind=kind, latitude=Decimal("50.1"), longitude=Decimal("22.5"))
    marked = {s.code: s for s in geo.map_sites(session)}
    assert (site.code in marked) is (kind in (SiteKind.HUB, SiteKind.HANDOVER_POINT))
    if site.code in marked:
        assert (marked[site.code].latitude, marked[site.code].longitude) == (50.1, 22.5)
        assert marked[site.code].kind == str(kind)
