"""The demo's execution picture: accepted allocations, the consignments made from them, and
tracking events that put the consignments in every state of their lifecycle, dated around the day
of loading so that the hub boards, the utilisation and the alerts show a live picture.

SYNTHETIC, like the needs: the allocations match demo offers to demo needs of the same item type
(needs in priority order, each from the first committed line with stock left), and each
consignment is given a story in turn (planned; ready; on its way to the hub; at the hub; held at
the hub past its planned departure; on its way on; handed over; received; closed; lost;
cancelled; turned back). The received ones (and those closed after) get a proof of delivery,
recorded by the demo recipient planner and, but for the last, verified by the demo coordinator (a
receipt is verified by another user than its recorder), with what was found in turn: all good,
some damaged, some stolen, some damaged and some missing; the ledgers, offer stages and need
coverage follow. Everything goes through the services (allocations, consignments from
allocations, the ingest, the lifecycle, receipts), so their rules apply. Runs only into a database
that holds no allocation yet; the caller's transaction commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.access import Actor, Role
from nsatu.core.enums import DiscrepancyReason, SiteKind, TrackingEventKind
from nsatu.core.lifecycles import ConsignmentStatus, OfferStage, RequirementStatus
from nsatu.db.actor import actor_of, set_actor
from nsatu.db.models import (
    Allocation,
    Consignment,
    ConsignmentLeg,
    ConsignmentLine,
    ItemType,
    Nation,
    OfferLine,
    Requirement,
    Site,
)
from nsatu.delivery import receipts
from nsatu.delivery import schemas as ds
from nsatu.logistics import consign, ingest
from nsatu.logistics.service import CONSIGNMENTS
from nsatu.planning.schemas import AllocationCreate
from nsatu.planning.service import ALLOCATIONS

K = TrackingEventKind
OPEN_NEEDS = (
    RequirementStatus.APPROVED,
    RequirementStatus.PUBLISHED,
    RequirementStatus.PARTIALLY_COVERED,
)
#: How many needs the demo allocates (and so about how many consignments it makes).
NEEDS = 36
T1, T2 = 2, 1  # transit days to the hub and on to the handover point
#: The stories, given in turn: leg 1's planned departure (days from today), the scans, and the
#: moves by hand before and after the scans.
STORIES: dict[str, tuple[int, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "planned": (6, (), (), ()),
    "ready": (2, (), ("ready",), ()),
    "to_hub": (-1, ("depart", "delay"), ("ready",), ()),
    "at_hub": (-1 - T1, ("depart", "arrive", "handle"), ("ready",), ()),
    "held_at_hub": (-6 - T1, ("depart", "arrive", "handle", "hold"), ("ready",), ()),
    "onward": (-2 - T1, ("depart", "arrive", "handle", "leave"), ("ready",), ()),
    "handed_over": (
        -4 - T1 - T2,
        ("depart", "arrive", "handle", "leave", "hand_over"),
        ("ready",),
        (),
    ),
    "received": (
        -5 - T1 - T2,
        ("depart", "arrive", "handle", "leave", "hand_over", "receive"),
        ("ready",),
        (),
    ),
    "closed": (
        -9 - T1 - T2,
        ("depart", "arrive", "handle", "leave", "hand_over", "receive"),
        ("ready",),
        ("close",),
    ),
    "lost": (-3 - T1, ("depart", "arrive", "handle", "leave", "lose"), ("ready",), ()),
    "cancelled": (4, (), (), ("cancel",)),
    "turned_back": (-2, ("depart",), ("ready",), ("return",)),
}
#: The stories whose arrivals are laid on the same days: the hub's busiest days.
TOGETHER = frozenset({"at_hub", "onward"})


#: What the recipient found on arrival, given to the received consignments in turn.
FINDINGS = ("good", "damaged", "stolen", "damaged_and_missing")
#: The demo users (``nsatu demo users``) who record and verify proof of delivery.
RECORDER, VERIFIER = "planner.ukr", "coordinator"


@dataclass(frozen=True)
class ExecutionReport:
    allocations: int
    consignments: int
    events: int
    receipts: int = 0


def _allocate(session: Session) -> int:
    """Accepted allocations: the open needs in priority order, each from the first committed
    line of its item type (with an origin depot) that has stock left."""
    needs = session.scalars(
        select(Requirement)
        .where(Requirement.status.in_(OPEN_NEEDS), Requirement.item_type_id.is_not(None))
        .order_by(Requirement.priority, Requirement.rank, Requirement.id)
    ).all()
    offers = session.scalars(
        select(OfferLine)
        .where(
            OfferLine.stage == OfferStage.COMMITTED,
            OfferLine.origin_site_id.is_not(None),
            OfferLine.item_type_id.is_not(None),
            OfferLine.quantity > 0,
        )
        .order_by(OfferLine.id)
    ).all()
    left = {o.id: o.quantity or Decimal(0) for o in offers}
    made = 0
    for need in needs:
        if made >= NEEDS:
            break
        wanted = need.quantity_approved or need.quantity_requested or Decimal(0)
        offer = next(
            (o for o in offers if o.item_type_id == need.item_type_id and left[o.id] > 0), None
        )
        if offer is None or not wanted:
            continue
        quantity = min(wanted, left[offer.id])
        allocation = ALLOCATIONS.create(
            session,
            AllocationCreate(
                offer_line_id=offer.id,
                requirement_id=need.id,
                quantity=quantity,
                note="SYNTHETIC demo allocation",
            ),
        )
        ALLOCATIONS.act(session, allocation.id, "accept", version=None)
        left[offer.id] -= quantity
        made += 1
    return made


def _weights(session: Session) -> dict[int, Decimal]:
    """Tonnes per consignment: its lines' units × the item's weight (else lift units, read as
    tonnes, as the planner does)."""
    out: dict[int, Decimal] = {}
    rows = session.execute(
        select(ConsignmentLine.consignment_id, ConsignmentLine.quantity, ItemType)
        .join(OfferLine, OfferLine.id == ConsignmentLine.offer_line_id)
        .join(ItemType, ItemType.id == OfferLine.item_type_id)
    ).all()
    for cid, quantity, item in rows:
        per_unit = (
            item.weight_kg_per_unit / 1000
            if item.weight_kg_per_unit is not None
            else item.lift_units_per_unit
        )
        out[cid] = out.get(cid, Decimal(0)) + (quantity * per_unit).quantize(Decimal("0.001"))
    return out


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


@dataclass(frozen=True)
class _Route:
    reference: str
    origin: str
    hub: str
    handover: str
    dep1: dt.date
    arr1: dt.date
    dep2: dt.date
    arr2: dt.date


def _scan(route: _Route, step: str, i: int) -> ingest.EventIn:
    """One scan of ``route``'s story (``i`` varies the hours between consignments)."""
    r = route
    kind, site, at = {
        "depart": (K.DEPARTED, r.origin, _at(r.dep1, 7)),
        "delay": (K.DELAYED, None, _at(r.dep1, 15)),
        "arrive": (K.ARRIVED_HUB, r.hub, _at(r.arr1, 9 + i % 8)),
        "handle": (K.HANDLED, r.hub, _at(r.arr1, 18)),
        "hold": (K.HOLD, r.hub, _at(r.arr1 + dt.timedelta(days=1), 8)),
        "leave": (K.DEPARTED_HUB, r.hub, _at(r.dep2, 6 + i % 5)),
        "hand_over": (K.HANDED_OVER, r.handover, _at(r.arr2, 14)),
        "receive": (K.RECEIVED, r.handover, _at(r.arr2, 16)),
        "lose": (K.LOST, None, _at(r.dep2, 20)),
    }[step]
    delayed = step == "delay"
    return ingest.EventIn(
        event_id=f"{r.reference}-demo-{step}",
        consignment=r.reference,
        kind=kind,
        site=site,
        occurred_at=at,
        new_eta=_at(r.arr1 + dt.timedelta(days=1), 12) if delayed else None,
        note="SYNTHETIC: queue at the border crossing" if delayed else None,
    )


def load_execution(session: Session, *, today: dt.date) -> ExecutionReport:
    """Allocate, consign and track (see the module docstring); ``today`` is the day the dates
    are laid around. Returns what was made (nothing when allocations exist already)."""
    if session.scalar(select(Allocation.id).limit(1)) is not None:
        return ExecutionReport(0, 0, 0)
    allocations = _allocate(session)
    made = sorted(consign.create_from_allocations(session).created, key=lambda c: c.id)
    weights = _weights(session)
    codes: dict[int, str] = dict(session.execute(select(Site.id, Site.code)).all())
    hubs = set(session.scalars(select(Site.id).where(Site.kind == SiteKind.HUB)))
    events: list[ingest.EventIn] = []
    routes: dict[int, _Route] = {}
    before: list[tuple[int, str]] = []
    after: list[tuple[int, str]] = []
    names = list(STORIES)
    for i, c in enumerate(made):
        name = names[i % len(names)]
        start, steps, first, last = STORIES[name]
        legs = session.scalars(
            select(ConsignmentLeg)
            .where(ConsignmentLeg.consignment_id == c.id)
            .order_by(ConsignmentLeg.seq)
        ).all()
        if len(legs) != 2 or legs[0].to_site_id not in hubs:
            continue
        # Spread over a few days: the scanned stories earlier (every scan is in the past), the
        # others later.
        spread = 0 if name in TOGETHER else (i % 3 if steps else -(i % 3))
        dep1 = today + dt.timedelta(days=start - spread)
        arr1 = dep1 + dt.timedelta(days=T1)
        dep2 = arr1 + dt.timedelta(days=1)
        route = _Route(
            c.reference,
            codes[legs[0].from_site_id],
            codes[legs[0].to_site_id],
            codes[legs[1].to_site_id],
            dep1,
            arr1,
            dep2,
            dep2 + dt.timedelta(days=T2),
        )
        for leg, dep, arr in ((legs[0], dep1, arr1), (legs[1], dep2, route.arr2)):
            leg.planned_departure_on, leg.planned_arrival_on = dep, arr
            leg.weight_t = weights.get(c.id)
        c.planned_departure_on = dep1
        routes[c.id] = route
        events += [_scan(route, step, i) for step in steps]
        before += [(c.id, action) for action in first]
        after += [(c.id, action) for action in last]
    session.flush()
    for cid, action in before:
        CONSIGNMENTS.act(session, cid, action, version=None)
    session.flush()
    result = ingest.ingest(session, events)
    received = [c for c in made if c.id in routes and c.status is ConsignmentStatus.RECEIVED]
    recorded = _prove_delivery(session, received, routes)
    for cid, action in after:
        CONSIGNMENTS.act(session, cid, action, version=None)
    session.flush()
    return ExecutionReport(allocations, len(made), result.applied, recorded)


def _prove_delivery(
    session: Session, received: list[Consignment], routes: dict[int, _Route]
) -> int:
    """A receipt for each received consignment, as the demo recipient planner; each but the last
    verified by the demo coordinator. The session's own actor is restored afterwards."""
    ukr = session.scalar(select(Nation.id).where(Nation.code == "UKR"))
    if ukr is None or not received:
        return 0
    recorder = Actor(role=Role.RECIPIENT_PLANNER, username=RECORDER, nation_id=ukr)
    verifier = Actor(role=Role.COORDINATOR, username=VERIFIER)
    own = actor_of(session)
    try:
        for i, c in enumerate(received):
            lines = session.scalars(
                select(ConsignmentLine)
                .where(ConsignmentLine.consignment_id == c.id)
                .order_by(ConsignmentLine.id)
            ).all()
            set_actor(session, recorder)
            receipt = receipts.record_receipt(
                session,
                c.id,
                ds.ReceiptCreate(
                    received_by="SYNTHETIC: receiving officer, logistics depot",
                    received_at=_at(routes[c.id].arr2, 17),
                    note=f"SYNTHETIC proof of delivery ({FINDINGS[i % len(FINDINGS)]})",
                    lines=[_found(line, FINDINGS[i % len(FINDINGS)]) for line in lines],
                ),
            )
            if i < len(received) - 1:  # the last awaits verification
                set_actor(session, verifier)
                receipts.verify_receipt(session, c.id, version=receipt.version)
    finally:
        set_actor(session, own)
    return len(received)


def _found(line: ConsignmentLine, finding: str) -> ds.ReceiptLineIn:
    """What arrived of ``line``: a tenth of it (at least one unit) damaged, stolen or missing."""
    q = line.quantity
    part = max(Decimal(1), (q / 10).to_integral_value(rounding=ROUND_DOWN))
    if finding == "good" or q < 2:
        return ds.ReceiptLineIn(consignment_line_id=line.id, quantity_good=q)
    if finding == "damaged":
        return ds.ReceiptLineIn(
            consignment_line_id=line.id,
            quantity_good=q - part,
            quantity_damaged=part,
            damaged_reason=DiscrepancyReason.DAMAGED,
        )
    if finding == "stolen":
        return ds.ReceiptLineIn(
            consignment_line_id=line.id,
            quantity_good=q - part,
            quantity_lost=part,
            lost_reason=DiscrepancyReason.STOLEN,
        )
    lost = part if q - 2 * part >= 0 else Decimal(0)
    return ds.ReceiptLineIn(
        consignment_line_id=line.id,
        quantity_good=q - part - lost,
        quantity_damaged=part,
        damaged_reason=DiscrepancyReason.DAMAGED,
        quantity_lost=lost,
        lost_reason=DiscrepancyReason.MISSING if lost else None,
    )
