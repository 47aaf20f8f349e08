"""Consignments made from accepted allocations, and the consignment overview.

:func:`create_from_allocations` groups what accepted allocations still leave to ship by donor,
origin depot and destination (the need's handover point) into one consignment each, with a line
per accepted allocation (naming it, so the ledger credits that allocation exactly) and two legs,
origin depot → hub → handover point.

The route: when allocations of a group came from a plan run, the hub, the modes and the planned
dates are the plan's (the run's start day plus the shipment's departure days, plus the transit
days of its legs; the latest run that ships the group's offers). Otherwise, or when no run ships
them, it is the **cheapest route with capacity for the load**: of the pairs of active transport
links origin → hub → destination, those whose tonnes per day on both links, and the hub's daily
capacity for the arriving mode, each hold the whole load (units × the item's weight in tonnes,
else its lift units, as the planner reads them), cheapest by EUR per tonne over both links (then
fewest transit days); the dates are left open. When none holds the load, the route that comes
closest (the smallest overload of its tightest limit, then the cheapest) is taken and the reason
is recorded, on the consignment's notes and in :attr:`Outcome.fallbacks`. Every consignment's
notes say how its route was chosen. Everything goes through the registry entities (``CONSIGNMENTS``, lines,
legs), so their rules, the scoping, the permission check and the audit trail apply.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.core.enums import TransportMode
from nsatu.core.lifecycles import AllocationStatus, ConsignmentStatus
from nsatu.db.models import (
    Allocation,
    Consignment,
    ConsignmentLeg,
    ConsignmentLine,
    ItemType,
    OfferLine,
    PlanRun,
    Requirement,
    Site,
    TransportLink,
)
from nsatu.logistics import schemas as s
from nsatu.logistics.service import (
    CONSIGNMENT_LEGS,
    CONSIGNMENT_LINES,
    CONSIGNMENTS,
    LIVE_CONSIGNMENT,
    SHIPPABLE_OFFER,
)

Group = tuple[int, int, int]  # donor nation, origin site, destination site


@dataclass
class _Share:
    offer_id: int
    quantity: Decimal
    plan_run_ids: set[int | None] = field(default_factory=set)
    offer_ref: str = ""
    need_ref: str = ""
    #: Tonnes per unit (the item's weight, else its lift units), for the load of the route.
    unit_t: Decimal = Decimal(1)
    #: The accepted allocation the share serves (its line names it).
    allocation_id: int | None = None


@dataclass
class Outcome:
    created: list[Consignment] = field(default_factory=list)
    #: What could not be consigned, and why.
    skipped: list[str] = field(default_factory=list)
    #: Consignments sent on a route short of capacity for their load, and why.
    fallbacks: list[str] = field(default_factory=list)


def create_from_allocations(session: Session) -> Outcome:
    """One consignment per (donor, origin, destination) of what accepted allocations still
    leave to ship (see the module docstring). Allocations without an origin depot or a
    destination, of offers not yet committed, or already consigned are skipped with a reason."""
    out = Outcome()
    groups = _groups(session, out)
    for (_donor, origin, destination), shares in sorted(groups.items()):
        route = _route(session, origin, destination, shares)
        if route is None:
            names = _codes(session, origin, destination)
            out.skipped.append(
                f"{names[origin]} → {names[destination]}: no hub has active transport links "
                "from the origin and to the destination"
            )
            continue
        made = "made from accepted allocations: " + ", ".join(
            f"{x.offer_ref} → {x.need_ref}" for x in shares
        )
        consignment = CONSIGNMENTS.create(
            session,
            s.ConsignmentCreate(
                origin_site_id=origin,
                destination_site_id=destination,
                planned_departure_on=route.legs[0][3],
                notes=f"route: {route.reason}\n{made}"[:3990],
            ),
        )
        if route.short:
            out.fallbacks.append(f"{consignment.reference}: {route.reason}")
        for share in shares:
            CONSIGNMENT_LINES.create(
                session,
                s.ConsignmentLineCreate(
                    consignment_id=consignment.id,
                    offer_line_id=share.offer_id,
                    allocation_id=share.allocation_id,
                    quantity=share.quantity,
                ),
            )
        for seq, (a, b, mode, departs, arrives) in enumerate(route.legs, start=1):
            CONSIGNMENT_LEGS.create(
                session,
                s.ConsignmentLegCreate(
                    consignment_id=consignment.id,
                    seq=seq,
                    from_site_id=a,
                    to_site_id=b,
                    mode=mode,
                    planned_departure_on=departs,
                    planned_arrival_on=arrives,
                ),
            )
        out.created.append(consignment)
    return out


def _groups(session: Session, out: Outcome) -> dict[Group, list[_Share]]:
    rows = session.execute(
        select(Allocation, OfferLine, Requirement, ItemType)
        .join(OfferLine, OfferLine.id == Allocation.offer_line_id)
        .join(Requirement, Requirement.id == Allocation.requirement_id)
        .outerjoin(ItemType, ItemType.id == OfferLine.item_type_id)
        .where(Allocation.status == AllocationStatus.ACCEPTED)
        .order_by(Allocation.id)
    ).all()
    # One share per allocation (a line each, linked to it), grouped by offer line and
    # destination to take off what live consignments already carry.
    wanted: dict[tuple[int, int, int, int], list[_Share]] = defaultdict(list)
    for alloc, offer, need, item in rows:
        label = f"allocation {alloc.id} ({offer.reference} → {need.reference})"
        if offer.origin_site_id is None:
            out.skipped.append(f"{label}: the offer has no origin depot")
            continue
        if need.destination_site_id is None:
            out.skipped.append(f"{label}: the need has no destination")
            continue
        if offer.stage not in SHIPPABLE_OFFER:
            out.skipped.append(f"{label}: the offer is {offer.stage}, not yet committed")
            continue
        key = (offer.donor_nation_id, offer.origin_site_id, need.destination_site_id, offer.id)
        wanted[key].append(
            _Share(
                offer.id,
                alloc.quantity,
                {alloc.plan_run_id},
                offer.reference,
                need.reference,
                unit_t=_unit_t(item),
                allocation_id=alloc.id,
            )
        )
    linked = _consigned_by_allocation(
        session, [x.allocation_id for shares in wanted.values() for x in shares]
    )
    groups: dict[Group, list[_Share]] = defaultdict(list)
    for (donor, origin, destination, offer_id), shares in wanted.items():
        for share in shares:
            share.quantity -= linked.get(share.allocation_id, Decimal(0))
        # Lines that name no allocation (made before lines named them) serve the offer line's
        # allocations to that destination in allocation order, as the ledger reads them.
        rest = _consigned_unlinked(session, offer_id, destination)
        for share in shares:
            take = min(max(share.quantity, Decimal(0)), rest)
            share.quantity -= take
            rest -= take
            if share.quantity > 0:
                groups[(donor, origin, destination)].append(share)
    return groups


def _unit_t(item: ItemType | None) -> Decimal:
    """Tonnes per unit: the item's weight, else its lift units (as the planner reads them)."""
    if item is None:
        return Decimal(1)
    if item.weight_kg_per_unit is not None:
        return Decimal(item.weight_kg_per_unit) / 1000
    return Decimal(item.lift_units_per_unit or 1)


def _consigned_by_allocation(session: Session, ids: list[int | None]) -> dict[int | None, Decimal]:
    """How much the lines of live consignments carry for each of the given allocations."""
    wanted = sorted({x for x in ids if x is not None})
    if not wanted:
        return {}
    stmt = (
        select(ConsignmentLine.allocation_id, func.sum(ConsignmentLine.quantity))
        .join(Consignment, Consignment.id == ConsignmentLine.consignment_id)
        .where(
            ConsignmentLine.allocation_id.in_(wanted),
            Consignment.status.in_(LIVE_CONSIGNMENT),
        )
        .group_by(ConsignmentLine.allocation_id)
    )
    return {aid: Decimal(qty or 0) for aid, qty in session.execute(stmt)}


def _consigned_unlinked(session: Session, offer_id: int, destination: int) -> Decimal:
    stmt = (
        select(func.coalesce(func.sum(ConsignmentLine.quantity), 0))
        .join(Consignment, Consignment.id == ConsignmentLine.consignment_id)
        .where(
            ConsignmentLine.offer_line_id == offer_id,
            ConsignmentLine.allocation_id.is_(None),
            Consignment.destination_site_id == destination,
            Consignment.status.in_(LIVE_CONSIGNMENT),
        )
    )
    return Decimal(session.scalar(stmt) or 0)


def _codes(session: Session, *ids: int) -> dict[int, str]:
    return dict(session.execute(select(Site.id, Site.code).where(Site.id.in_(ids))).all())


Leg = tuple[int, int, TransportMode, dt.date | None, dt.date | None]


@dataclass(frozen=True)
class _Route:
    legs: list[Leg]
    #: How the route was chosen (kept on the consignment's notes).
    reason: str
    #: Taken although no route has capacity for the load.
    short: bool = False


def _route(session: Session, origin: int, destination: int, shares: list[_Share]) -> _Route | None:
    runs = sorted({rid for share in shares for rid in share.plan_run_ids if rid is not None})
    for run_id in reversed(runs):
        planned = _from_plan(session, run_id, origin, destination, shares)
        if planned is not None:
            return planned
    load = sum((x.quantity * x.unit_t for x in shares), Decimal(0))
    return _by_links(session, origin, destination, load)


def _from_plan(
    session: Session, run_id: int, origin: int, destination: int, shares: list[_Share]
) -> _Route | None:
    run = session.get(PlanRun, run_id)
    if run is None or not run.plan:
        return None
    index: dict[str, Any] = run.problem_index or {}
    offer_ids = {v: k for k, v in index.get("offers", {}).items()}
    site_ids: dict[str, int] = index.get("sites", {})
    mine = {offer_ids.get(share.offer_id) for share in shares}
    shipments = [x for x in run.plan.get("shipments", []) if x.get("offer") in mine]
    if not shipments:
        return None
    first = min(shipments, key=lambda x: (x["depart_day"], x["hub_depart_day"], str(x["hub"])))
    hub = site_ids.get(first["hub"])
    if hub is None:
        return None
    transit = {
        (leg["from"], leg["to"], leg["mode"]): int(leg["transit_days"])
        for leg in run.problem.get("legs", [])
    }
    codes = {v: k for k, v in site_ids.items()}
    start: dt.date = run.start_on
    leave = start + dt.timedelta(days=int(first["depart_day"]))
    reach = leave + dt.timedelta(
        days=transit.get((codes.get(origin), first["hub"], first["mode_in"]), 0)
    )
    onward = start + dt.timedelta(days=int(first["hub_depart_day"]))
    handed = onward + dt.timedelta(
        days=transit.get((first["hub"], codes.get(destination), first["mode_out"]), 0)
    )
    return _Route(
        [
            (origin, hub, TransportMode(first["mode_in"]), leave, reach),
            (hub, destination, TransportMode(first["mode_out"]), onward, handed),
        ],
        f"plan run {run_id} (via {first['hub']}, {first['mode_in']} then {first['mode_out']})",
    )


def _hub_capacity(hub: Site, mode: TransportMode) -> Decimal | None:
    """The hub's daily capacity for goods arriving by ``mode`` (``None``: unlimited)."""
    per_mode = {
        TransportMode.ROAD: hub.road_capacity_per_day,
        TransportMode.RAIL: hub.rail_capacity_per_day,
        TransportMode.AIR: hub.air_capacity_per_day,
        TransportMode.SEA: hub.sea_capacity_per_day,
    }
    value = per_mode.get(mode)
    return None if value is None else Decimal(value)


@dataclass(frozen=True)
class _Option:
    inbound: TransportLink
    outbound: TransportLink
    hub: Site
    #: The load over the tightest of the three limits (≤ 1: it fits), and that limit's name.
    overload: Decimal
    tightest: str
    cost: Decimal

    def key(self) -> tuple[Decimal, int, int, int]:
        days = self.inbound.transit_days + self.outbound.transit_days
        return (self.cost, days, self.inbound.id, self.outbound.id)


def _option(inbound: TransportLink, outbound: TransportLink, hub: Site, load: Decimal) -> _Option:
    limits = [
        (f"{inbound.mode.value} to {hub.code}", Decimal(inbound.capacity_t_per_day)),
        (f"{outbound.mode.value} from {hub.code}", Decimal(outbound.capacity_t_per_day)),
    ]
    handling = _hub_capacity(hub, inbound.mode)
    if handling is not None:
        limits.append((f"{hub.code} handling by {inbound.mode.value}", handling))
    worst, name = Decimal(0), ""
    for label, cap in limits:
        ratio = load / cap if cap > 0 else (Decimal(0) if load <= 0 else Decimal(10**9))
        if ratio > worst or not name:
            worst, name = ratio, f"{label} {cap.normalize():f} t/day"
    cost = (Decimal(inbound.cost_per_t) + Decimal(outbound.cost_per_t)) * load
    return _Option(inbound, outbound, hub, worst, name, cost)


def _by_links(session: Session, origin: int, destination: int, load: Decimal) -> _Route | None:
    links = list(
        session.scalars(
            select(TransportLink).where(
                TransportLink.active.is_(True),
                (TransportLink.from_site_id == origin) | (TransportLink.to_site_id == destination),
            )
        )
    )
    inbound = [x for x in links if x.from_site_id == origin]
    outbound = [x for x in links if x.to_site_id == destination]
    hub_ids = {x.to_site_id for x in inbound} & {x.from_site_id for x in outbound}
    hub_ids -= {origin, destination}
    if not hub_ids:
        return None
    hubs = {h.id: h for h in session.scalars(select(Site).where(Site.id.in_(sorted(hub_ids))))}
    options = [
        _option(a, b, hubs[a.to_site_id], load)
        for a in inbound
        if a.to_site_id in hubs
        for b in outbound
        if b.from_site_id == a.to_site_id
    ]
    fitting = [x for x in options if x.overload <= 1]
    tonnes = f"{load.quantize(Decimal('0.001')).normalize():f} t"
    if fitting:
        best = min(fitting, key=_Option.key)
        reason = (
            f"cheapest with capacity for {tonnes} (via {best.hub.code}, "
            f"{best.inbound.mode.value} then {best.outbound.mode.value}, "
            f"{best.cost.quantize(Decimal('0.01'))} EUR)"
        )
        short = False
    else:
        best = min(options, key=lambda x: (x.overload, *x.key()))
        reason = (
            f"no route has capacity for {tonnes} in a day; took the closest (via "
            f"{best.hub.code}, {best.inbound.mode.value} then {best.outbound.mode.value}: "
            f"{best.tightest}, {best.overload.quantize(Decimal('0.01'))}× over)"
        )
        short = True
    return _Route(
        [
            (origin, best.hub.id, best.inbound.mode, None, None),
            (best.hub.id, destination, best.outbound.mode, None, None),
        ],
        reason,
        short,
    )


# --- overview ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    id: int
    reference: str
    kind: str
    status: ConsignmentStatus
    route: list[str]
    loaded: Decimal


def summaries(
    session: Session, *, status: ConsignmentStatus | None = None, limit: int = 1000
) -> list[Summary]:
    """Consignments in the caller's scope with their route (site codes in leg order) and the
    quantity loaded (sum of their lines), by reference."""
    stmt = select(Consignment).order_by(Consignment.reference).limit(limit)
    if status is not None:
        stmt = stmt.where(Consignment.status == status)
    consignments = list(session.scalars(stmt))
    ids = [c.id for c in consignments]
    loaded = dict(
        session.execute(
            select(ConsignmentLine.consignment_id, func.sum(ConsignmentLine.quantity))
            .where(ConsignmentLine.consignment_id.in_(ids))
            .group_by(ConsignmentLine.consignment_id)
        ).all()
    )
    legs: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for cid, seq, a, b in session.execute(
        select(
            ConsignmentLeg.consignment_id,
            ConsignmentLeg.seq,
            ConsignmentLeg.from_site_id,
            ConsignmentLeg.to_site_id,
        ).where(ConsignmentLeg.consignment_id.in_(ids))
    ):
        legs[cid].append((seq, a, b))
    site_ids = {x for c in consignments for x in (c.origin_site_id, c.destination_site_id)}
    site_ids |= {x for group in legs.values() for _, a, b in group for x in (a, b)}
    codes = dict(session.execute(select(Site.id, Site.code).where(Site.id.in_(site_ids))).all())
    out = []
    for c in consignments:
        path = [c.origin_site_id]
        for _, a, b in sorted(legs[c.id]):
            if path[-1] != a:
                path.append(a)
            path.append(b)
        if path[-1] != c.destination_site_id:
            path.append(c.destination_site_id)
        out.append(
            Summary(
                id=c.id,
                reference=c.reference,
                kind=str(c.kind),
                status=c.status,
                route=[codes.get(x, str(x)) for x in path],
                loaded=Decimal(loaded.get(c.id) or 0),
            )
        )
    return out
