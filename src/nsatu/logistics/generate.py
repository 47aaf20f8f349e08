"""Seeded synthetic consignments and tracking-event batches, for tests and benchmarks.

:func:`seed_consignments` writes ready consignments (depot → hub → handover point, one line each)
with bulk inserts; :func:`generate_batch` makes a batch of events for them with a given number of
duplicates, events moved out of order and impossible events, and says what each consignment's
state must be once the batch is applied. The same seed gives the same batch.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from nsatu.core.enums import OfferKind, SiteKind, TrackingEventKind, TransportMode
from nsatu.core.lifecycles import ConsignmentStatus, OfferStage
from nsatu.db.base import utcnow
from nsatu.db.models import (
    CapabilityArea,
    Consignment,
    ConsignmentLeg,
    ConsignmentLine,
    ItemType,
    Nation,
    OfferLine,
    Site,
)
from nsatu.logistics.ingest import EventIn

K = TrackingEventKind
S = ConsignmentStatus

#: A full journey, and the state each prefix of it leaves the consignment in.
JOURNEY: tuple[tuple[TrackingEventKind, str, ConsignmentStatus], ...] = (
    (K.DEPARTED, "origin", S.IN_TRANSIT),
    (K.ARRIVED_HUB, "hub", S.AT_HUB),
    (K.HANDLED, "hub", S.AT_HUB),
    (K.DEPARTED_HUB, "hub", S.IN_TRANSIT),
    (K.HANDED_OVER, "destination", S.HANDED_OVER),
    (K.RECEIVED, "destination", S.RECEIVED),
)
#: Offsets the senders' clocks report in (the events are stored in UTC).
OFFSETS = tuple(dt.timezone(dt.timedelta(hours=h)) for h in (0, 1, 2, 3, -5))
START = dt.datetime(2025, 3, 1, 6, tzinfo=dt.UTC)
SYNTHETIC_DONOR = "ZZG"


@dataclass(frozen=True)
class RouteSpec:
    reference: str
    origin: str  # site codes
    hub: str
    destination: str
    loaded: int


@dataclass(frozen=True)
class Batch:
    events: list[EventIn]
    #: Reference → the state the consignment must reach.
    expected: dict[str, ConsignmentStatus]
    #: Event ids of the impossible events.
    impossible: frozenset[str]
    #: Number of distinct possible events.
    valid: int


def seed_consignments(
    session: Session, count: int, *, prefix: str = "GEN", loaded: int = 12
) -> list[RouteSpec]:
    """``count`` ready consignments of ``loaded`` units each, with their sites and offers.

    Written with bulk inserts (one audit summary entry per table), in the caller's transaction.
    """
    now = utcnow()
    stamp = {"version": 1, "created_at": now, "updated_at": now}

    def one(model: Any, values: dict[str, Any]) -> int:
        table = cast(Table, model.__table__)
        return int(
            session.execute(
                insert(table).values(**values, **stamp).returning(table.c.id)
            ).scalar_one()
        )

    # One synthetic donor for every generated set.
    nation = session.scalar(select(Nation.id).where(Nation.code == SYNTHETIC_DONOR))
    if nation is None:
        nation = one(Nation, {"code": SYNTHETIC_DONOR, "name": "Synthetic donor", "is_donor": True})
    area = one(CapabilityArea, {"code": f"CA-{prefix}", "name": f"Area {prefix}"})
    item = one(
        ItemType,
        {
            "code": f"item-{prefix}",
            "public_name": f"Item {prefix}",
            "category": "Test",
            "capability_area_id": area,
            "substitution_family": f"family-{prefix}",
            "unit_of_measure": "each",
            "lift_units_per_unit": Decimal(1),
            "serial_tracked": False,
        },
    )
    sites: dict[str, int] = {}
    for code, kind in (
        (f"{prefix}-DEP", SiteKind.DEPOT),
        (f"{prefix}-HUB", SiteKind.HUB),
        (f"{prefix}-HOP", SiteKind.HANDOVER_POINT),
    ):
        sites[code] = one(
            Site,
            {
                "code": code,
                "name": code,
                "kind": kind,
                "nation_id": nation,
                "latitude": Decimal("50.0"),
                "longitude": Decimal("22.0"),
            },
        )
    origin, hub, destination = sites
    offers = [
        {
            "reference": f"{prefix}-OFR-{i}",
            "donor_nation_id": nation,
            "kind": OfferKind.IN_KIND_STOCK,
            "description": f"Synthetic line {i}",
            "item_type_id": item,
            "quantity": Decimal(loaded),
            "stage": OfferStage.COMMITTED,
            "announced_on": dt.date(2025, 1, 1),
            **stamp,
        }
        for i in range(count)
    ]
    _bulk(session, OfferLine, offers)
    offer_ids = dict(
        session.execute(
            select(OfferLine.reference, OfferLine.id).where(OfferLine.donor_nation_id == nation)
        ).all()
    )
    routes = [
        RouteSpec(f"{prefix}-{i:06d}", origin, hub, destination, loaded) for i in range(count)
    ]
    _bulk(
        session,
        Consignment,
        [
            {
                "reference": r.reference,
                "origin_site_id": sites[origin],
                "destination_site_id": sites[destination],
                "status": S.READY,
                **stamp,
            }
            for r in routes
        ],
    )
    ids = dict(
        session.execute(
            select(Consignment.reference, Consignment.id).where(
                Consignment.reference.like(f"{prefix}-%")
            )
        ).all()
    )
    _bulk(
        session,
        ConsignmentLine,
        [
            {
                "consignment_id": ids[r.reference],
                "offer_line_id": offer_ids[f"{prefix}-OFR-{i}"],
                "quantity": Decimal(loaded),
                **stamp,
            }
            for i, r in enumerate(routes)
        ],
    )
    legs = []
    for r in routes:
        for seq, (a, b) in enumerate(((origin, hub), (hub, destination)), start=1):
            legs.append(
                {
                    "consignment_id": ids[r.reference],
                    "seq": seq,
                    "from_site_id": sites[a],
                    "to_site_id": sites[b],
                    "mode": TransportMode.ROAD,
                    "dangerous_goods": False,
                    "oversize": False,
                    **stamp,
                }
            )
    _bulk(session, ConsignmentLeg, legs)
    return routes


def _bulk(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    table = cast(Table, model.__table__)
    for start in range(0, len(rows), 5000):
        session.execute(insert(table), rows[start : start + 5000])


def generate_batch(
    routes: list[RouteSpec],
    *,
    total: int,
    duplicates: int = 0,
    out_of_order: int = 0,
    impossible: int = 0,
    seed: int = 1,
    off_route_site: str | None = None,
) -> Batch:
    """A batch of ``total`` events: ``total - duplicates - impossible`` distinct possible events
    (whole journeys, or a prefix of one, so the consignments end in several states),
    ``duplicates`` resent copies of them, ``impossible`` events no replay can accept (handed over
    before departure, more than was loaded, a site off the route when ``off_route_site`` is
    given), and ``out_of_order`` possible events moved behind events that happened after them.

    Raises:
        ValueError: ``routes`` are too few for the events asked for.
    """
    rng = random.Random(seed)  # noqa: S311 (a reproducible synthetic batch, not a secret)
    valid = total - duplicates - impossible
    journeys = _journeys(rng, routes, valid)
    bad = _impossible(rng, journeys, impossible, off_route_site)
    events = journeys.events
    # Out of order: an event sent after the next event of its consignment (a late scan). Swap
    # pairs that do not overlap, so every event is sent exactly once.
    pool = [n for n in range(len(events) - 1) if events[n].consignment == events[n + 1].consignment]
    ordered = list(events)
    swapped: set[int] = set()
    for n in rng.sample(pool, len(pool)):
        if len(swapped) >= 2 * out_of_order:
            break
        if n in swapped or n + 1 in swapped:
            continue
        ordered[n], ordered[n + 1] = ordered[n + 1], ordered[n]
        swapped |= {n, n + 1}
    # A resent copy goes anywhere after its first sending; impossible events anywhere.
    placed: list[tuple[float, EventIn]] = [(float(n), ev) for n, ev in enumerate(ordered)]
    for _ in range(duplicates):
        n = rng.randrange(len(ordered))
        placed.append((rng.uniform(n + 0.01, len(ordered)), ordered[n]))
    placed += [(rng.uniform(-1, len(ordered)), ev) for ev in bad]
    placed.sort(key=lambda p: p[0])
    rows = [EventIn(**{**_fields(ev), "row": n}) for n, (_, ev) in enumerate(placed, start=1)]
    return Batch(
        events=rows,
        expected=journeys.expected,
        impossible=frozenset(ev.event_id for ev in bad),
        valid=valid,
    )


@dataclass
class _Journeys:
    events: list[EventIn]
    expected: dict[str, ConsignmentStatus]
    departed: dict[str, tuple[RouteSpec, dt.datetime]]


def _journeys(rng: random.Random, routes: list[RouteSpec], valid: int) -> _Journeys:
    out = _Journeys([], {}, {})
    offsets = list(OFFSETS)
    i = 0
    while len(out.events) < valid:
        if i >= len(routes):
            raise ValueError(f"routes: {len(routes)} consignments cannot carry {valid} events")
        route = routes[i]
        steps = min(rng.choice((2, 3, 5, 6, 6, 6)), valid - len(out.events))
        at = START + dt.timedelta(minutes=7 * i)
        status = S.READY
        where = {"origin": route.origin, "hub": route.hub, "destination": route.destination}
        for n, (kind, place, after) in enumerate(JOURNEY[:steps]):
            at += dt.timedelta(hours=rng.randint(1, 30), seconds=rng.randint(0, 59))
            out.events.append(
                EventIn(
                    event_id=f"{route.reference}-e{n}",
                    consignment=route.reference,
                    kind=kind,
                    site=where[place],
                    # Sent from clocks in several zones; parsed (as the API and the scan
                    # files do) to the same instant in UTC.
                    occurred_at=at.astimezone(rng.choice(offsets)).astimezone(dt.UTC),
                    quantity=Decimal(route.loaded) if kind is not K.HANDLED else None,
                )
            )
            if kind is K.DEPARTED:
                out.departed[route.reference] = (route, at)
            status = after
        out.expected[route.reference] = status
        i += 1
    for route in routes[i:]:
        out.expected[route.reference] = S.READY
    return out


def _impossible(
    rng: random.Random, journeys: _Journeys, count: int, off_route_site: str | None
) -> list[EventIn]:
    bad: list[EventIn] = []
    movers = sorted(journeys.departed)
    site: str | None
    for n in range(count):
        route, t0 = journeys.departed[movers[rng.randrange(len(movers))]]
        ref = route.reference
        fault = n % (3 if off_route_site else 2)
        if fault == 0:  # handed over before it departed
            kind, site, at, qty = K.HANDED_OVER, route.destination, t0 - dt.timedelta(hours=2), 0
        elif fault == 1:  # more than was loaded
            kind, site, at, qty = K.DAMAGED, route.origin, t0 + dt.timedelta(minutes=1), 5
        else:  # at a site off its route
            kind, site, at, qty = K.HOLD, off_route_site, t0 + dt.timedelta(minutes=1), 0
        bad.append(
            EventIn(
                event_id=f"{ref}-bad{n}",
                consignment=ref,
                kind=kind,
                site=site,
                occurred_at=at,
                quantity=Decimal(route.loaded + qty) if kind is not K.HOLD else None,
            )
        )
    return bad


def _fields(ev: EventIn) -> dict[str, Any]:
    return {name: getattr(ev, name) for name in EventIn.__slots__}
