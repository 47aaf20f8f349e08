"""Consignments made from accepted allocations, and the consignment overview.

:func:`create_from_allocations` groups what accepted allocations still leave to ship by donor,
origin depot and destination (the need's handover point) into one consignment each, with a line
per offer line and two legs, origin depot → hub → handover point. When every allocation of a
group came from one plan run, the hub, the modes and the planned dates are the plan's (the run's
start day plus the shipment's departure days, plus the transit days of its legs); otherwise the
hub is the one with active transport links on both sides and the fewest transit days, and the
dates are left open. Everything goes through the registry entities (``CONSIGNMENTS``, lines,
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


@dataclass
class Outcome:
    created: list[Consignment] = field(default_factory=list)
    #: What could not be consigned, and why.
    skipped: list[str] = field(default_factory=list)


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
        consignment = CONSIGNMENTS.create(
            session,
            s.ConsignmentCreate(
                origin_site_id=origin,
                destination_site_id=destination,
                planned_departure_on=route.legs[0][3],
                notes="made from accepted allocations: "
                + ", ".join(f"{x.offer_ref} → {x.need_ref}" for x in shares)[:3900],
            ),
        )
        for share in shares:
            CONSIGNMENT_LINES.create(
                session,
                s.ConsignmentLineCreate(
                    consignment_id=consignment.id,
                    offer_line_id=share.offer_id,
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
        select(Allocation, OfferLine, Requirement)
        .join(OfferLine, OfferLine.id == Allocation.offer_line_id)
        .join(Requirement, Requirement.id == Allocation.requirement_id)
        .where(Allocation.status == AllocationStatus.ACCEPTED)
        .order_by(Allocation.id)
    ).all()
    wanted: dict[tuple[int, int, int, int], _Share] = {}
    for alloc, offer, need in rows:
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
        share = wanted.setdefault(key, _Share(offer.id, Decimal(0), set(), offer.reference))
        share.quantity += alloc.quantity
        share.plan_run_ids.add(alloc.plan_run_id)
        share.need_ref = need.reference
    groups: dict[Group, list[_Share]] = defaultdict(list)
    for (donor, origin, destination, offer_id), share in wanted.items():
        share.quantity -= _consigned(session, offer_id, destination)
        if share.quantity <= 0:
            continue
        groups[(donor, origin, destination)].append(share)
    return groups


def _consigned(session: Session, offer_id: int, destination: int) -> Decimal:
    stmt = (
        select(func.coalesce(func.sum(ConsignmentLine.quantity), 0))
        .join(Consignment, Consignment.id == ConsignmentLine.consignment_id)
        .where(
            ConsignmentLine.offer_line_id == offer_id,
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


def _route(session: Session, origin: int, destination: int, shares: list[_Share]) -> _Route | None:
    runs = {rid for share in shares for rid in share.plan_run_ids}
    if len(runs) == 1 and None not in runs:
        run_id = next(iter(runs))
        assert run_id is not None
        planned = _from_plan(session, run_id, origin, destination, shares)
        if planned is not None:
            return planned
    return _by_links(session, origin, destination)


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
        ]
    )


def _by_links(session: Session, origin: int, destination: int) -> _Route | None:
    links = session.execute(
        select(TransportLink).where(
            TransportLink.active.is_(True),
            (TransportLink.from_site_id == origin) | (TransportLink.to_site_id == destination),
        )
    ).scalars()
    inbound: dict[int, TransportLink] = {}
    outbound: dict[int, TransportLink] = {}
    for link in links:
        if link.from_site_id == origin:
            best = inbound.get(link.to_site_id)
            if best is None or (link.transit_days, link.id) < (best.transit_days, best.id):
                inbound[link.to_site_id] = link
        if link.to_site_id == destination:
            best = outbound.get(link.from_site_id)
            if best is None or (link.transit_days, link.id) < (best.transit_days, best.id):
                outbound[link.from_site_id] = link
    hubs = sorted(
        (inbound[h].transit_days + outbound[h].transit_days, h)
        for h in set(inbound) & set(outbound)
        if h not in (origin, destination)
    )
    if not hubs:
        return None
    hub = hubs[0][1]
    return _Route(
        [
            (origin, hub, inbound[hub].mode, None, None),
            (hub, destination, outbound[hub].mode, None, None),
        ]
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
