"""The dependence report: donor shares, top donor and HHI per capability area, and the coverage by
priority lost if a donor's undelivered pledges vanish (a hand-checkable world, both backends)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from nsatu.core.access import PUBLIC, Actor, system_actor
from nsatu.core.enums import OfferChannel, OrganisationKind, Releasability, SiteKind
from nsatu.core.lifecycles import (
    AllocationStatus,
    ConsignmentStatus,
    OfferStage,
    RequirementStatus,
)
from nsatu.db.models import Allocation, Consignment, ConsignmentLine, Organisation
from nsatu.db.scoping import set_actor
from nsatu.errors import InvalidInput
from nsatu.reporting import registry
from tests.factories import (
    make_capability_area,
    make_item_type,
    make_nation,
    make_offer,
    make_requirement,
    make_site,
)

D = Decimal


def build(session: Session, actor: Actor, **params: Any) -> Any:
    set_actor(session, actor)
    return registry.get("dependence").build(session, actor, params)


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    air = make_capability_area(session, code="DEP-AIR", name="Dep air")
    art = make_capability_area(session, code="DEP-ART", name="Dep artillery")
    radar = make_item_type(session, capability_area=air)
    gun = make_item_type(session, capability_area=art)
    a, b = make_nation(session, code="QDA"), make_nation(session, code="QDB")
    fund_nation = make_nation(session, code="QDF")
    fund = Organisation(name="Dep fund", kind=OrganisationKind.INTERNATIONAL,
                        nation_id=fund_nation.id)  # fmt: skip
    session.add(fund)
    session.flush()
    eur: dict[str, Any] = {"currency": "EUR", "eur_rate": D(1), "stage": OfferStage.COMMITTED,
                           "releasability": Releasability.PUBLIC}  # fmt: skip
    # Air: A 300, B 100 → shares ¾ and ¼, HHI 9/16 + 1/16 = 0.625.
    a_radars = make_offer(session, donor=a, item_type_id=radar.id, value_amount=D(300),
                          quantity=10, **eur)  # fmt: skip
    make_offer(session, donor=b, item_type_id=radar.id, value_amount=D(100), **eur)
    # Artillery through a fund that only A paid into: 200 counts for A alone (HHI 1).
    pooled: dict[str, Any] = {"channel": OfferChannel.POOLED_FUND, "donor_organisation_id": fund.id}
    make_offer(session, donor=a, value_amount=D(50), **eur, **pooled)
    make_offer(session, donor=fund_nation, item_type_id=gun.id, value_amount=D(200), **eur,
               **pooled)  # fmt: skip
    # Needs: priority 1 and priority 2 each want 10 radars and have 5 of A's allocated.
    p1 = make_requirement(session, capability_area=air, item_type_id=radar.id, priority=1,
                          quantity_requested=D(10), status=RequirementStatus.PUBLISHED,
                          releasability=Releasability.PUBLIC)  # fmt: skip
    p2 = make_requirement(session, capability_area=air, item_type_id=radar.id, priority=2,
                          quantity_requested=D(10), status=RequirementStatus.PUBLISHED,
                          releasability=Releasability.PUBLIC)  # fmt: skip
    allocations = []
    for need, qty in ((p1, 5), (p2, 5)):
        allocation = Allocation(offer_line_id=a_radars.id, requirement_id=need.id,
                                quantity=D(qty), status=AllocationStatus.ACCEPTED,
                                releasability=Releasability.PUBLIC)  # fmt: skip
        session.add(allocation)
        allocations.append(allocation)
    session.flush()
    return {"a": a, "b": b, "fund_nation": fund_nation, "radars": a_radars,
            "allocations": allocations}  # fmt: skip


def test_shares_top_donor_and_hhi_per_area(session: Session, world: dict[str, Any]) -> None:
    report = build(session, system_actor("test"))
    rows = {r["capability_area"]: r for r in report.rows}
    air, art = rows["Dep air"], rows["Dep artillery"]
    assert air["total_eur"] == D("400.00")
    assert (air["top_donor_iso3"], air["top_share"], air["hhi"]) == ("QDA", D("0.75"), D("0.625"))
    assert air["donors"] == 2
    # The fund's line counts for its only contributor, never for the fund too.
    assert (art["top_donor_iso3"], art["top_share"], art["hhi"], art["donors"]) == (
        "QDA", D(1), D(1), 1,
    )  # fmt: skip
    shares = [s for s in report.extra["shares"] if s["capability_area"] == "Dep air"]
    assert [(s["iso3"], s["share"]) for s in shares] == [("QDA", D("0.75")), ("QDB", D("0.25"))]
    assert sum(s["share"] for s in shares) == 1


def test_coverage_lost_if_a_donors_undelivered_pledges_vanish(
    session: Session, world: dict[str, Any]
) -> None:
    report = build(session, system_actor("test"), donor="QDA")
    lost = {r["priority"]: r for r in report.extra["if_vanish"] if r["iso3"] == "QDA"}
    # Priority 1: one need, 5 of 10 allocated (coverage 0.5) → nothing delivered, so 0.
    assert (lost[1]["coverage_before"], lost[1]["coverage_after"]) == (D("0.5"), D(0))
    assert lost[1]["coverage_lost"] == D("0.5")
    assert lost[1]["needs_losing_cover"] == 1
    # 5 of the line's 10 radars at 300 EUR for 10: 150 EUR undelivered per priority.
    assert lost[1]["undelivered_eur"] == D("150.00")
    # B has no allocation: it is not a scenario (only A was asked for anyway).
    assert {r["iso3"] for r in report.extra["if_vanish"]} == {"QDA"}


def test_dependence_by_stage_and_scope(session: Session, world: dict[str, Any]) -> None:
    # Nothing was delivered: no area has a delivered value.
    assert build(session, system_actor("test"), stage="delivered").rows == []
    with pytest.raises(InvalidInput, match="stage"):
        build(session, system_actor("test"), stage="promised")
    # The public sees the public lines only (the pooled ones are public too here).
    public = build(session, PUBLIC)
    assert {r["capability_area"] for r in public.rows} >= {"Dep air", "Dep artillery"}


def test_what_was_delivered_does_not_vanish(session: Session, world: dict[str, Any]) -> None:
    # 3 of the priority-2 allocation's 5 radars were handed over (no receipt yet: delivered), on
    # a line that names that allocation: it is credited with them, not the earlier one.
    depot, handover = make_site(session, kind=SiteKind.DEPOT), make_site(session)
    consignment = Consignment(reference="DEP-C1", origin_site_id=depot.id,
                              destination_site_id=handover.id,
                              status=ConsignmentStatus.HANDED_OVER)  # fmt: skip
    session.add(consignment)
    session.flush()
    session.add(ConsignmentLine(consignment_id=consignment.id, offer_line_id=world["radars"].id,
                                allocation_id=world["allocations"][1].id,
                                quantity=D(3)))  # fmt: skip
    session.flush()
    report = build(session, system_actor("test"), donor="QDA")
    lost = {r["priority"]: r for r in report.extra["if_vanish"]}
    assert (lost[2]["coverage_before"], lost[2]["coverage_after"]) == (D("0.5"), D("0.3"))
    assert lost[2]["undelivered_eur"] == D("60.00")  # 2 radars at 30 EUR
    assert lost[1]["coverage_after"] == 0  # nothing of the priority-1 allocation arrived
    assert lost[1]["undelivered_eur"] == D("150.00")
