"""Consignments from accepted allocations: the route is the plan's when an allocation came from a
plan run, else the cheapest with capacity for the load (leg tonnes per day and the hub's handling
of the arriving mode), else the closest to fitting, with the reason recorded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.enums import AllocationSource, SiteKind, TransportMode
from nsatu.core.lifecycles import AllocationStatus, OfferStage, PlanRunStatus
from nsatu.db.models import (
    Allocation,
    Consignment,
    ConsignmentLeg,
    PlanRun,
    Site,
    TransportLink,
)
from nsatu.logistics import consign
from tests.factories import make_item_type, make_nation, make_offer, make_requirement, make_site

M = TransportMode


@dataclass
class World:
    depot: Site
    air_hub: Site
    rail_hub: Site
    handover: Site
    nation_id: int
    item_id: int


@pytest.fixture
def world(session: Session) -> World:
    """A depot, two hubs and a handover point. Via AIR-HUB: air (50 t/day, 900 EUR/t) or road
    (1,000 t/day, 120 EUR/t); via RAIL-HUB: rail (2,000 t/day, 60 EUR/t) into a hub that handles
    500 t/day arriving by rail. Onward from both hubs by road (1,000 t/day, 20 EUR/t)."""
    nation = make_nation(session, is_donor=True)
    depot = make_site(session, nation=nation, code="CDEPOT", kind=SiteKind.DEPOT)
    air_hub = make_site(session, nation=nation, code="AIR-HUB", air_capacity_per_day=5000)
    rail_hub = make_site(session, nation=nation, code="RAIL-HUB", rail_capacity_per_day=500)
    handover = make_site(session, nation=nation, code="CHAND", kind=SiteKind.HANDOVER_POINT)
    for a, b, mode, days, cap, cost in (
        (depot, air_hub, M.AIR, 1, 50, 900),
        (depot, air_hub, M.ROAD, 3, 1000, 120),
        (depot, rail_hub, M.RAIL, 4, 2000, 60),
        (air_hub, handover, M.ROAD, 1, 1000, 20),
        (rail_hub, handover, M.ROAD, 1, 1000, 20),
    ):
        session.add(
            TransportLink(
                from_site_id=a.id,
                to_site_id=b.id,
                mode=mode,
                transit_days=days,
                capacity_t_per_day=Decimal(cap),
                cost_per_t=Decimal(cost),
            )
        )
    item = make_item_type(session, weight_kg_per_unit=Decimal(1000))  # one tonne a unit
    session.flush()
    return World(depot, air_hub, rail_hub, handover, nation.id, item.id)


def _allocate(
    session: Session, w: World, quantity: int, *, plan_run_id: int | None = None
) -> Allocation:
    offer = make_offer(
        session,
        donor=None,
        donor_nation_id=w.nation_id,
        quantity=quantity,
        item_type_id=w.item_id,
        origin_site_id=w.depot.id,
        stage=OfferStage.COMMITTED,
    )
    need = make_requirement(session, destination_site_id=w.handover.id)
    alloc = Allocation(
        offer_line_id=offer.id,
        requirement_id=need.id,
        quantity=Decimal(quantity),
        source=AllocationSource.PLAN_RUN if plan_run_id else AllocationSource.MANUAL,
        plan_run_id=plan_run_id,
        status=AllocationStatus.ACCEPTED,
    )
    session.add(alloc)
    session.flush()
    return alloc


def _route(session: Session, c: Consignment) -> list[tuple[str, str, M]]:
    codes = dict(session.execute(select(Site.id, Site.code)).all())
    legs = session.scalars(
        select(ConsignmentLeg)
        .where(ConsignmentLeg.consignment_id == c.id)
        .order_by(ConsignmentLeg.seq)
    )
    return [(codes[x.from_site_id], codes[x.to_site_id], x.mode) for x in legs]


def test_a_heavy_load_goes_the_cheapest_way_that_holds_it(session: Session, world: World) -> None:
    # 890 t: air is fastest but carries 50 t a day; rail is cheapest but its hub handles 500 t
    # a day by rail; road via AIR-HUB holds it all.
    _allocate(session, world, 890)
    out = consign.create_from_allocations(session)
    (c,) = out.created
    assert _route(session, c) == [("CDEPOT", "AIR-HUB", M.ROAD), ("AIR-HUB", "CHAND", M.ROAD)]
    assert c.notes is not None and c.notes.startswith("route: cheapest with capacity for 890 t")
    assert out.fallbacks == []


def test_a_light_load_takes_the_cheapest_route(session: Session, world: World) -> None:
    _allocate(session, world, 40)
    (c,) = consign.create_from_allocations(session).created
    assert _route(session, c) == [("CDEPOT", "RAIL-HUB", M.RAIL), ("RAIL-HUB", "CHAND", M.ROAD)]


def test_a_load_no_route_holds_takes_the_closest_and_says_why(
    session: Session, world: World
) -> None:
    # 1,500 t: every route is short; road via AIR-HUB is 1.5× over (1,000 t/day), rail via
    # RAIL-HUB 3× over (the hub's 500 t/day by rail).
    _allocate(session, world, 1500)
    out = consign.create_from_allocations(session)
    (c,) = out.created
    assert _route(session, c) == [("CDEPOT", "AIR-HUB", M.ROAD), ("AIR-HUB", "CHAND", M.ROAD)]
    assert len(out.fallbacks) == 1 and out.fallbacks[0].startswith(c.reference)
    assert "no route has capacity for 1500 t" in out.fallbacks[0]
    assert "1.50× over" in out.fallbacks[0]
    assert c.notes is not None and "no route has capacity" in c.notes


def test_an_allocation_of_a_plan_run_follows_the_plan(session: Session, world: World) -> None:
    start = dt.date(2025, 5, 1)
    run = PlanRun(
        status=PlanRunStatus.RUNNING,
        start_on=start,
        horizon_days=30,
        input_digest="0" * 64,
        parameters={},
        problem={
            "legs": [
                {"from": "CDEPOT", "to": "AIR-HUB", "mode": "air", "transit_days": 1},
                {"from": "AIR-HUB", "to": "CHAND", "mode": "road", "transit_days": 1},
            ]
        },
        problem_index={},
        snapshot={},
        created_by="test",
    )
    session.add(run)
    session.flush()
    planned = _allocate(session, world, 20, plan_run_id=run.id)
    # A manual allocation on the same route joins it: one consignment, on the plan's route.
    _allocate(session, world, 30)
    offers = {f"O{planned.offer_line_id}": planned.offer_line_id}
    run.problem_index = {
        "offers": offers,
        "sites": {
            "CDEPOT": world.depot.id,
            "AIR-HUB": world.air_hub.id,
            "CHAND": world.handover.id,
        },
    }
    run.status = PlanRunStatus.FINISHED
    run.plan = {
        "shipments": [
            {
                "offer": f"O{planned.offer_line_id}",
                "hub": "AIR-HUB",
                "mode_in": "air",
                "mode_out": "road",
                "depart_day": 2,
                "hub_depart_day": 4,
            }
        ]
    }
    session.flush()
    (c,) = consign.create_from_allocations(session).created
    assert _route(session, c) == [("CDEPOT", "AIR-HUB", M.AIR), ("AIR-HUB", "CHAND", M.ROAD)]
    assert c.planned_departure_on == start + dt.timedelta(days=2)
    assert c.notes is not None and c.notes.startswith(f"route: plan run {run.id}")


def test_without_links_on_both_sides_nothing_is_consigned(session: Session, world: World) -> None:
    for link in session.scalars(select(TransportLink)):
        link.active = False
    _allocate(session, world, 10)
    out = consign.create_from_allocations(session)
    assert out.created == [] and "no hub has active transport links" in out.skipped[0]
