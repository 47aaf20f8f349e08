"""Loading the demo into a database: counts, real rows, guards and the one-transaction rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from nsatu.core.enums import OfferChannel, Releasability, SiteKind
from nsatu.core.lifecycles import OfferStage
from nsatu.db.models import (
    ItemType,
    Nation,
    OfferLine,
    Organisation,
    Requirement,
    Site,
)
from nsatu.demo import datafiles, kiel
from nsatu.demo import service as demo_service
from nsatu.demo.errors import DatabaseNotEmpty
from nsatu.errors import Conflict


def _kiel_row_lines(session: Session) -> int:
    """Lines standing for one CSV row: children, and single lines (roots without children)."""
    child = aliased(OfferLine)
    has_children = select(child.id).where(child.parent_id == OfferLine.id).exists()
    return (
        session.scalar(
            select(func.count())
            .select_from(OfferLine)
            .where(OfferLine.source == kiel.SOURCE)
            .where((OfferLine.parent_id.is_not(None)) | ~has_children)
        )
        or 0
    )


def test_report_counts(demo_report: demo_service.DemoReport) -> None:
    r = demo_report
    assert r.kiel_rows == 1032
    assert r.offer_lines == r.kiel_rows + r.kiel_packages
    assert r.kiel_packages == 98
    assert r.nations == 42
    assert r.sites == 52  # 13 named sites and 39 synthetic donor depots (demo.planning_data)
    assert r.transport_links > 100
    assert 150 <= r.requirements <= 250
    assert r.item_types > 50


def test_load_is_fast(demo_load_seconds: float) -> None:
    assert demo_load_seconds < 5


def test_every_kiel_row_is_one_line(demo_read: Session) -> None:
    assert _kiel_row_lines(demo_read) == 1032
    refs = demo_read.scalars(select(OfferLine.source_ref).where(OfferLine.source == kiel.SOURCE))
    all_refs = list(refs)
    assert len(all_refs) == len(set(all_refs)) == 1130


def test_every_line_has_a_mapped_donor(demo_read: Session) -> None:
    donors = set(
        demo_read.scalars(
            select(Nation.code).join(OfferLine, OfferLine.donor_nation_id == Nation.id)
        )
    )
    assert len(donors) == 41
    assert "EUU" in donors
    eu_lines = demo_read.execute(
        select(OfferLine.channel, Organisation.name)
        .join(Nation, Nation.id == OfferLine.donor_nation_id)
        .outerjoin(Organisation, Organisation.id == OfferLine.donor_organisation_id)
        .where(Nation.code == "EUU")
    ).all()
    assert len(eu_lines) == 15
    assert {c for c, _ in eu_lines} == {OfferChannel.POOLED_FUND}
    assert {o for _, o in eu_lines} == {
        "European Commission and Council of the EU",
        "European Peace Facility",
        "European Investment Bank",
    }


def test_panzerhaubitze_spot_check(demo_read: Session) -> None:
    parent = aliased(OfferLine)
    line, item_code, donor, parent_ref = demo_read.execute(
        select(OfferLine, ItemType.code, Nation.code, parent.reference)
        .join(ItemType, ItemType.id == OfferLine.item_type_id)
        .join(Nation, Nation.id == OfferLine.donor_nation_id)
        .join(parent, parent.id == OfferLine.parent_id)
        .where(OfferLine.description == "Panzerhaubitze 2000", parent.reference == "DEM1")
    ).one()
    assert (donor, parent_ref, item_code) == ("DEU", "DEM1", "spg-155")
    assert line.quantity == 14
    assert line.quantity_delivered == 10
    assert line.stage is OfferStage.COMMITTED  # 10 of 14 delivered
    assert line.releasability is Releasability.PUBLIC
    assert line.source_ref == line.reference


def test_package_parent_value_is_first_rows_total(demo_read: Session) -> None:
    first_totals: dict[str, str] = {}
    for r in datafiles.read_csv("kiel_ust_release7", "bilateral_assistance_main_data.csv"):
        first_totals.setdefault(r["ID"], r["Total (original currency)"])
    parent = aliased(OfferLine)
    parents = demo_read.scalars(
        select(OfferLine).where(select(parent.id).where(parent.parent_id == OfferLine.id).exists())
    ).all()
    assert len(parents) == 98
    for p in parents:
        total = kiel.number(first_totals[p.reference])
        expected = None if total is None else total.quantize(Decimal("0.01"))
        assert p.value_amount == expected, p.reference
    dem1 = next(p for p in parents if p.reference == "DEM1")
    assert (dem1.value_amount, dem1.currency) == (Decimal("1200000000.00"), "EUR")
    assert dem1.eur_rate == 1


def test_rzeszow_hub(demo_read: Session) -> None:
    hub, nation = demo_read.execute(
        select(Site, Nation.code)
        .join(Nation, Nation.id == Site.nation_id)
        .where(Site.code == "HUB-RZE")
    ).one()
    assert nation == "POL"
    assert hub.kind is SiteKind.HUB
    assert hub.unlocode == "PLRZE"
    assert (hub.latitude, hub.longitude) == (Decimal("50.110000"), Decimal("22.019000"))
    assert hub.road_capacity_per_day and hub.storage_capacity
    assert "synthetic" in (hub.notes or "")


def test_needs_in_database_are_synthetic(demo_read: Session) -> None:
    needs = demo_read.execute(
        select(Requirement, Site.kind).join(Site, Site.id == Requirement.destination_site_id)
    ).all()
    assert needs
    for need, kind in needs:
        assert need.is_synthetic
        assert (need.justification or "").startswith("[SYNTHETIC]")
        assert need.releasability is Releasability.COALITION
        assert kind is SiteKind.HANDOVER_POINT


def test_loading_twice_is_a_conflict(demo_session: Session) -> None:
    assert demo_service.is_empty(demo_session)
    demo_service.load_demo(demo_session)
    assert not demo_service.is_empty(demo_session)
    before = demo_session.scalar(select(func.count()).select_from(OfferLine))
    with pytest.raises(DatabaseNotEmpty) as info:
        demo_service.load_demo(demo_session)
    assert isinstance(info.value, Conflict)
    assert info.value.status_code == 409
    assert "offer_line" in info.value.detail
    assert demo_session.scalar(select(func.count()).select_from(OfferLine)) == before


def test_load_only_flushes(demo_session: Session) -> None:
    demo_service.load_demo(demo_session)
    demo_session.rollback()  # nothing was committed, so nothing stays
    assert demo_service.is_empty(demo_session)
