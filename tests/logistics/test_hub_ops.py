"""Hub operations on the database: utilisation from legs and ingested events, alerts, scoping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nsatu.core.access import Actor, Role
from nsatu.core.enums import TrackingEventKind as K
from nsatu.core.enums import TransportMode
from nsatu.core.lifecycles import ConsignmentStatus
from nsatu.db.models import Consignment, ConsignmentLeg, Site
from nsatu.db.scoping import set_actor
from nsatu.errors import InvalidInput
from nsatu.logistics import hub_ops, ingest
from nsatu.logistics.generate import RouteSpec, seed_consignments

D1 = dt.date(2025, 3, 1)
D2 = dt.date(2025, 3, 2)
D3 = dt.date(2025, 3, 3)


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


def ev(r: RouteSpec, n: int, kind: K, site: str, when: dt.datetime) -> ingest.EventIn:
    return ingest.EventIn(
        event_id=f"{r.reference}-{n}",
        consignment=r.reference,
        kind=kind,
        site=site,
        occurred_at=when,
    )


def site_id(session: Session, code: str) -> int:
    return session.scalars(select(Site.id).where(Site.code == code)).one()


def plan(session: Session, prefix: str, *, road_cap: int | None = 10, weight: str = "6") -> None:
    """Every leg of the prefix's consignments weighs ``weight`` t; in on D1, out on D2."""
    hub = site_id(session, f"{prefix}-HUB")
    session.execute(
        update(Site).where(Site.id == hub).values(road_capacity_per_day=road_cap, version=2)
    )
    ids = select(Consignment.id).where(Consignment.reference.like(f"{prefix}-%"))
    for seq, dep, arr in ((1, D1 - dt.timedelta(days=1), D1), (2, D2, D3)):
        session.execute(
            update(ConsignmentLeg)
            .where(ConsignmentLeg.consignment_id.in_(ids), ConsignmentLeg.seq == seq)
            .values(weight_t=Decimal(weight), planned_departure_on=dep, planned_arrival_on=arr)
        )
    session.expire_all()


@pytest.fixture
def world(session: Session) -> list[RouteSpec]:
    routes = seed_consignments(session, 3, prefix="HOPS", loaded=4)
    plan(session, "HOPS")
    a, b, _c = routes
    result = ingest.ingest(
        session,
        [
            ev(a, 1, K.DEPARTED, a.origin, at(D1, 1) - dt.timedelta(days=1)),
            ev(a, 2, K.ARRIVED_HUB, a.hub, at(D1, 6)),
            ev(a, 3, K.DEPARTED_HUB, a.hub, at(D2, 18)),
            ev(b, 1, K.DEPARTED, b.origin, at(D1, 2) - dt.timedelta(days=1)),
            ev(b, 2, K.ARRIVED_HUB, b.hub, at(D1, 9)),
        ],
    )
    assert result.applied == 5
    return routes


def test_utilisation_from_legs_events_and_capacity(
    session: Session, world: list[RouteSpec]
) -> None:
    u = hub_ops.hub_utilisation(session, "HOPS-HUB", start=D1, end=D3)
    d1, d2, d3 = u.figures.days
    # Three 6 t legs planned in on D1; two arrived (12 t > road capacity 10 t).
    assert (d1.total.planned_in_t, d1.total.actual_in_t) == (Decimal(18), Decimal(12))
    assert d1.total.capacity_t == Decimal(10) and d1.over_capacity
    assert d1.over_capacity_modes == [TransportMode.ROAD]
    assert (d2.total.planned_out_t, d2.total.actual_out_t) == (Decimal(18), Decimal(6))
    assert not d2.over_capacity
    assert [d.backlog for d in (d1, d2, d3)] == [2, 1, 1]
    assert d2.dwell_hours == [36.0]
    # By id, too.
    assert hub_ops.hub_utilisation(session, u.hub.id, start=D1, end=D1).hub.code == "HOPS-HUB"


def test_cancelled_consignments_do_not_count(session: Session, world: list[RouteSpec]) -> None:
    session.execute(
        update(Consignment)
        .where(Consignment.reference == world[2].reference)
        .values(status=ConsignmentStatus.CANCELLED)
    )
    u = hub_ops.hub_utilisation(session, "HOPS-HUB", start=D1, end=D1)
    assert u.figures.days[0].total.planned_in_t == Decimal(12)


def test_a_span_is_checked(session: Session, world: list[RouteSpec]) -> None:
    with pytest.raises(InvalidInput, match="before"):
        hub_ops.hub_utilisation(session, "HOPS-HUB", start=D2, end=D1)
    with pytest.raises(InvalidInput, match="at most"):
        hub_ops.hub_utilisation(session, "HOPS-HUB", start=D1, end=D1 + dt.timedelta(days=400))
    with pytest.raises(hub_ops.HubNotFound):
        hub_ops.hub_utilisation(session, "HOPS-DEP", start=D1, end=D1)


def test_alerts_over_capacity_and_late(session: Session, world: list[RouteSpec]) -> None:
    today = D3 + dt.timedelta(days=3)
    found = hub_ops.alerts(session, today=today, late_after_days=2)
    over = [a for a in found if a.kind == "hub_over_capacity" and a.hub_code == "HOPS-HUB"]
    assert [a.on for a in over] == [D1]
    late = {a.consignment_reference: a for a in found if a.kind == "consignment_late"}
    # c never departed (planned 28 February: 6 days late); b is still at the hub (departure planned D2:
    # 4 days); a left the hub, and its arrival planned D3 is 3 days overdue.
    a, b, c = world
    assert {r: x.days_late for r, x in late.items()} == {
        a.reference: 3,
        b.reference: 4,
        c.reference: 6,
    }
    assert late[c.reference].severity == "critical" and late[a.reference].severity == "warning"
    assert "departure from HOPS-DEP" in late[c.reference].message
    # The threshold is the setting's: not late until overdue by more than it.
    relaxed = hub_ops.alerts(session, today=today, late_after_days=4)
    assert {x.consignment_reference for x in relaxed if x.kind == "consignment_late"} == {
        c.reference
    }


def test_planned_over_capacity_on_coming_days(session: Session, world: list[RouteSpec]) -> None:
    found = hub_ops.alerts(session, today=D1 - dt.timedelta(days=2), late_after_days=2)
    planned = [a for a in found if a.kind == "hub_plan_over_capacity" and a.hub_code == "HOPS-HUB"]
    assert [a.on for a in planned] == [D1]
    assert "18" in planned[0].message


def test_a_hub_operator_sees_its_own_hub_only(session: Session, world: list[RouteSpec]) -> None:
    other = seed_consignments(session, 1, prefix="HOPX", loaded=4)
    plan(session, "HOPX", road_cap=1)
    ingest.ingest(
        session,
        [
            ev(other[0], 1, K.DEPARTED, other[0].origin, at(D1, 1) - dt.timedelta(days=1)),
            ev(other[0], 2, K.ARRIVED_HUB, other[0].hub, at(D1, 3)),
        ],
    )
    today = D3 + dt.timedelta(days=3)
    everything = hub_ops.alerts(session, today=today, late_after_days=2)
    assert {a.hub_code for a in everything if a.hub_code} >= {"HOPS-HUB", "HOPX-HUB"}
    own = site_id(session, "HOPX-HUB")
    set_actor(session, Actor(role=Role.HUB_OPERATOR, username="op", nation_id=None, site_id=own))
    assert [h.code for h in hub_ops.hubs(session)] == ["HOPX-HUB"]
    with pytest.raises(hub_ops.HubNotFound):
        hub_ops.hub_utilisation(session, "HOPS-HUB", start=D1, end=D1)
    mine = hub_ops.alerts(session, today=today, late_after_days=2)
    assert mine and {a.hub_code for a in mine if a.hub_code} == {"HOPX-HUB"}
    refs = {a.consignment_reference for a in mine if a.consignment_reference}
    assert refs == {other[0].reference}
