"""A delivered consignment to build on: one offer line allocated to one published need, carried
by one consignment that departed, passed its hub and was handed over (by real tracking events)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.access import Actor, Role
from nsatu.core.enums import TrackingEventKind as K
from nsatu.core.lifecycles import AllocationStatus, OfferStage, RequirementStatus
from nsatu.db.models import Allocation, Consignment, ConsignmentLine, ItemType, OfferLine
from nsatu.db.scoping import set_actor
from nsatu.logistics import ingest
from nsatu.logistics.generate import RouteSpec, seed_consignments
from tests.factories import make_requirement

T0 = dt.datetime(2025, 3, 1, 8, tzinfo=dt.UTC)

RECORDER = Actor(role=Role.COORDINATOR, username="recorder")
VERIFIER = Actor(role=Role.COORDINATOR, username="verifier")


@dataclass
class Delivered:
    route: RouteSpec
    consignment_id: int
    line_id: int
    offer_id: int
    need_id: int
    allocation_id: int
    serials: tuple[str, ...]
    item_type_id: int | None


def ev(
    route: RouteSpec, n: int, kind: K, site: str | None, hours: float, **kw: object
) -> ingest.EventIn:
    return ingest.EventIn(
        event_id=f"{route.reference}-{n}",
        consignment=route.reference,
        kind=kind,
        site=site,
        occurred_at=T0 + dt.timedelta(hours=hours),
        **kw,  # type: ignore[arg-type]
    )


def delivered(
    session: Session,
    prefix: str,
    *,
    loaded: int = 10,
    requested: int = 10,
    handed_over: int | None = None,
    serial_tracked: bool = False,
    hand_over: bool = True,
) -> Delivered:
    (r,) = seed_consignments(session, 1, prefix=prefix, loaded=loaded)
    consignment = session.scalars(
        select(Consignment).where(Consignment.reference == r.reference)
    ).one()
    line = session.scalars(
        select(ConsignmentLine).where(ConsignmentLine.consignment_id == consignment.id)
    ).one()
    offer = session.get(OfferLine, line.offer_line_id)
    assert offer is not None
    offer.stage = OfferStage.ALLOCATED
    serials: tuple[str, ...] = ()
    if serial_tracked:
        item = session.get(ItemType, offer.item_type_id)
        assert item is not None
        item.serial_tracked = True
        serials = tuple(f"{prefix}-SN{i:03d}" for i in range(loaded))
    need = make_requirement(
        session,
        quantity_requested=Decimal(requested),
        status=RequirementStatus.PUBLISHED,
        item_type_id=offer.item_type_id,
    )
    alloc = Allocation(
        offer_line_id=offer.id,
        requirement_id=need.id,
        quantity=Decimal(loaded),
        status=AllocationStatus.ACCEPTED,
    )
    session.add(alloc)
    session.flush()
    events = [
        ev(r, 1, K.DEPARTED, r.origin, 0, quantity=Decimal(loaded), serials=serials),
        ev(r, 2, K.ARRIVED_HUB, r.hub, 6),
        ev(r, 3, K.DEPARTED_HUB, r.hub, 12),
    ]
    if hand_over:
        qty = Decimal(handed_over) if handed_over is not None else None
        ho_serials = serials[: int(qty)] if qty is not None else serials
        events.append(ev(r, 4, K.HANDED_OVER, r.destination, 20, quantity=qty, serials=ho_serials))
    result = ingest.ingest(session, events)
    assert result.rejected == 0, result.refusals
    session.refresh(consignment)
    return Delivered(
        r, consignment.id, line.id, offer.id, need.id, alloc.id, serials, offer.item_type_id
    )


def as_actor(session: Session, actor: Actor) -> Session:
    set_actor(session, actor)
    return session
