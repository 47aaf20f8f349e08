"""The SQL scoping returns exactly the rows the pure predicates accept.

Hypothesis draws a whole population (offer lines of random donors, releasability and anonymity,
each with live or dead allocations; needs in random states; consignments through random sites
carrying random lines, with legs and tracking events; seat requests on courses of random hosts) and
a few random actors, stores the population in a savepoint, and compares, actor by actor and entity
by entity, the ids the database returns with the ids :mod:`nsatu.core.access` allows. Runs on every
backend; each example is rolled back.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.core.access import (
    PUBLIC,
    Actor,
    Role,
    allocation_visible,
    consignment_visible,
    need_visible,
    offer_visible,
    seat_request_visible,
)
from nsatu.core.enums import OfferKind, Releasability, SiteKind, TrackingEventKind, TransportMode
from nsatu.core.lifecycles import AllocationStatus, RequirementStatus
from nsatu.db.models import (
    Allocation,
    Consignment,
    ConsignmentLeg,
    ConsignmentLine,
    Course,
    Nation,
    OfferLine,
    Requirement,
    SeatRequest,
    Site,
    TrackingEvent,
    TrainingEvent,
)
from nsatu.db.scoping import set_actor
from tests.factories import make_capability_area, make_nation, make_requirement, make_site

NATIONS = 3
LIVE = (AllocationStatus.PROPOSED, AllocationStatus.ACCEPTED)
_refs = itertools.count(1)


@dataclass(frozen=True)
class Base:
    """Rows every example shares (made once per test, never changed by an example)."""

    nations: list[Nation]
    hubs: list[Site]  # one per nation
    anchor_need: Requirement  # what allocations point at
    events: list[TrainingEvent]  # one per nation, on a course it hosts


@pytest.fixture
def base(session: Session) -> Base:
    nations = [make_nation(session, is_host=True) for _ in range(NATIONS)]
    hubs = [make_site(session, nation=n, kind=SiteKind.HUB) for n in nations]
    area = make_capability_area(session)
    need = make_requirement(session, capability_area=area, status=RequirementStatus.PUBLISHED)
    events = []
    for i, nation in enumerate(nations):
        course = Course(
            code=f"PROP-C{i}",
            title=f"Course {i}",
            capability_area_id=area.id,
            host_nation_id=nation.id,
            duration_days=5,
            seats_per_event=1000,
        )
        session.add(course)
        session.flush()
        event = TrainingEvent(
            course_id=course.id,
            starts_on=dt.date(2025, 5, 5),
            ends_on=dt.date(2025, 5, 9),
            seats_offered=1000,
        )
        session.add(event)
        session.flush()
        events.append(event)
    return Base(nations, hubs, need, events)


# --- What hypothesis draws (indexes into the base rows) ----------------------------------------

levels = st.sampled_from(list(Releasability))
nation_ix = st.integers(0, NATIONS - 1)

allocation_specs = st.tuples(st.sampled_from(list(AllocationStatus)), levels)
offer_specs = st.fixed_dictionaries(
    {
        "donor": nation_ix,
        "releasability": levels,
        "anonymise_donor": st.booleans(),
        "allocations": st.lists(allocation_specs, max_size=2),
    }
)
need_specs = st.tuples(st.sampled_from(list(RequirementStatus)), levels)
consignment_specs = st.fixed_dictionaries(
    {
        "releasability": levels,
        "origin": nation_ix,
        "destination": nation_ix,
        "legs": st.lists(st.tuples(nation_ix, nation_ix), max_size=2),
        # Indexes into the example's offers (taken modulo their number).
        "lines": st.lists(st.integers(0, 20), max_size=2),
    }
)
actor_specs = st.tuples(st.sampled_from(list(Role)), nation_ix)


def make_actor(base: Base, role: Role, ix: int) -> Actor:
    if role is Role.HUB_OPERATOR:
        hub = base.hubs[ix]
        return Actor(role, "prop-hub", nation_id=hub.nation_id, site_id=hub.id)
    if role is Role.PUBLIC:
        return PUBLIC
    nation_id = (
        base.nations[ix].id if role in (Role.DONOR_LIAISON, Role.RECIPIENT_PLANNER) else None
    )
    if role is Role.TRAINING_COORDINATOR:
        nation_id = base.nations[ix].id
    return Actor(role, f"prop-{role}", nation_id=nation_id)


# --- Storing a population and the facts the predicates need ------------------------------------


@dataclass
class Population:
    offers: dict[int, dict[str, Any]]
    needs: dict[int, dict[str, Any]]
    allocations: dict[int, dict[str, Any]]
    consignments: dict[int, dict[str, Any]]
    #: (model, id) -> consignment id, for lines, legs and tracking events.
    followers: dict[tuple[type[Any], int], int]
    seat_requests: dict[int, dict[str, Any]]


def store(
    session: Session,
    base: Base,
    offers: list[dict[str, Any]],
    needs: list[tuple[RequirementStatus, Releasability]],
    consignments: list[dict[str, Any]],
    seat_hosts: list[int],
) -> Population:
    pop = Population({}, {}, {}, {}, {}, {})
    lines: list[OfferLine] = []
    for spec in offers:
        line = OfferLine(
            reference=f"PROP-O{next(_refs)}",
            donor_nation_id=base.nations[spec["donor"]].id,
            kind=OfferKind.IN_KIND_STOCK,
            description="prop",
            quantity=Decimal(100),
            releasability=spec["releasability"],
            anonymise_donor=spec["anonymise_donor"],
        )
        session.add(line)
        session.flush()
        lines.append(line)
        live = False
        for status, level in spec["allocations"]:
            alloc = Allocation(
                offer_line_id=line.id,
                requirement_id=base.anchor_need.id,
                quantity=Decimal(1),
                status=status,
                releasability=level,
            )
            session.add(alloc)
            session.flush()
            live = live or status in LIVE
            pop.allocations[alloc.id] = {
                "releasability": level,
                "donor_nation_id": line.donor_nation_id,
            }
        pop.offers[line.id] = {
            "donor_nation_id": line.donor_nation_id,
            "releasability": line.releasability,
            "allocated": live,
        }
    for status, level in needs:
        need = Requirement(
            reference=f"PROP-R{next(_refs)}",
            title="prop",
            capability_area_id=base.anchor_need.capability_area_id,
            quantity_requested=Decimal(5),
            priority=2,
            period="2025-04",
            needed_by_on=dt.date(2025, 6, 1),
            status=status,
            releasability=level,
        )
        session.add(need)
        session.flush()
        pop.needs[need.id] = {"status": status, "releasability": level}
    for spec in consignments:
        hub = base.hubs
        consignment = Consignment(
            reference=f"PROP-C{next(_refs)}",
            origin_site_id=hub[spec["origin"]].id,
            destination_site_id=hub[spec["destination"]].id,
            releasability=spec["releasability"],
        )
        session.add(consignment)
        session.flush()
        sites = {consignment.origin_site_id, consignment.destination_site_id}
        donors: set[int] = set()
        for seq, (start, end) in enumerate(spec["legs"], start=1):
            leg = ConsignmentLeg(
                consignment_id=consignment.id,
                seq=seq,
                from_site_id=hub[start].id,
                to_site_id=hub[end].id,
                mode=TransportMode.ROAD,
            )
            session.add(leg)
            session.flush()
            sites |= {leg.from_site_id, leg.to_site_id}
            pop.followers[(ConsignmentLeg, leg.id)] = consignment.id
        for ix in spec["lines"] if lines else []:
            offer = lines[ix % len(lines)]
            row = ConsignmentLine(
                consignment_id=consignment.id, offer_line_id=offer.id, quantity=Decimal(1)
            )
            session.add(row)
            session.flush()
            donors.add(offer.donor_nation_id)
            pop.followers[(ConsignmentLine, row.id)] = consignment.id
        event = TrackingEvent(
            consignment_id=consignment.id, kind=TrackingEventKind.NOTE, event_id="note-1"
        )
        session.add(event)
        session.flush()
        pop.followers[(TrackingEvent, event.id)] = consignment.id
        pop.consignments[consignment.id] = {
            "releasability": consignment.releasability,
            "site_ids": sites,
            "donor_nation_ids": donors,
        }
    for host in seat_hosts:
        request = SeatRequest(training_event_id=base.events[host].id, seats=1)
        session.add(request)
        session.flush()
        pop.seat_requests[request.id] = {"host_nation_id": base.nations[host].id}
    return pop


def ids_seen(session: Session, model: Any, ids: set[int]) -> set[int]:
    found = set(session.scalars(select(model.id).where(model.id.in_(ids))))
    # The same scope applies to whole entities and to aggregates over them.
    entities = {obj.id for obj in session.scalars(select(model).where(model.id.in_(ids)))}
    count = session.scalar(select(func.count()).select_from(model).where(model.id.in_(ids)))
    assert entities == found and count == len(found), model.__name__
    return found


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    offers=st.lists(offer_specs, max_size=8),
    needs=st.lists(need_specs, max_size=6),
    consignments=st.lists(consignment_specs, max_size=4),
    seat_hosts=st.lists(nation_ix, max_size=3),
    actor_draws=st.lists(actor_specs, min_size=1, max_size=4),
)
def test_sql_scope_is_exactly_what_the_predicates_allow(
    session: Session,
    base: Base,
    offers: list[dict[str, Any]],
    needs: list[tuple[RequirementStatus, Releasability]],
    consignments: list[dict[str, Any]],
    seat_hosts: list[int],
    actor_draws: list[tuple[Role, int]],
) -> None:
    nested = session.begin_nested()
    try:
        pop = store(session, base, offers, needs, consignments, seat_hosts)
        session.expunge_all()  # every read below goes to the database, as a fresh request would
        for role, ix in actor_draws:
            actor = make_actor(base, role, ix)
            set_actor(session, actor)
            expected_consignments = {
                id_
                for id_, facts in pop.consignments.items()
                if consignment_visible(actor, **facts)
            }
            checks: list[tuple[Any, dict[int, Any], set[int]]] = [
                (OfferLine, pop.offers, _allowed(pop.offers, offer_visible, actor)),
                (Requirement, pop.needs, _allowed(pop.needs, need_visible, actor)),
                (Allocation, pop.allocations, _allowed(pop.allocations, allocation_visible, actor)),
                (Consignment, pop.consignments, expected_consignments),
                (
                    SeatRequest,
                    pop.seat_requests,
                    _allowed(pop.seat_requests, seat_request_visible, actor),
                ),
            ]
            for follower in (ConsignmentLine, ConsignmentLeg, TrackingEvent):
                mine = {i: c for (m, i), c in pop.followers.items() if m is follower}
                checks.append(
                    (follower, mine, {i for i, c in mine.items() if c in expected_consignments})
                )
            for model, rows, expected in checks:
                seen = ids_seen(session, model, set(rows))
                assert seen == expected, (
                    f"{model.__name__} as {actor}: the database returned "
                    f"{sorted(seen - expected)} that the policy forbids and hid "
                    f"{sorted(expected - seen)} that it allows"
                )
            # Joined to their consignment, followers keep the same scope: a rule's subquery on a
            # table must not correlate with that table in the query (legs joined to consignments).
            for follower in (ConsignmentLine, ConsignmentLeg, TrackingEvent):
                rows = {i for (m, i) in pop.followers if m is follower}
                joined = set(
                    session.scalars(
                        select(follower.id)
                        .join(Consignment, Consignment.id == follower.consignment_id)
                        .where(follower.id.in_(rows))
                    )
                )
                assert joined == ids_seen(session, follower, rows), (follower.__name__, actor)
            # A single row by id: found exactly when in scope (the 404 of the API).
            for id_, facts in itertools.islice(pop.offers.items(), 3):
                found = session.get(OfferLine, id_) is not None
                assert found is offer_visible(actor, **facts)
            session.expunge_all()
    finally:
        set_actor(session, None)
        nested.rollback()


def _allowed(rows: dict[int, dict[str, Any]], predicate: Any, actor: Actor) -> set[int]:
    return {id_ for id_, facts in rows.items() if predicate(actor, **facts)}
