"""What the execution pages show: a hub's consignment board (legs as bars across days) and a
consignment's picture (its legs, its event chain in time order, its sites and last known
position). Read-only, through the scoped ORM: a consignment the actor may not see is not found,
and a hub operator's board is its own hub's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from nsatu.core import hub_ops as core
from nsatu.core.enums import TrackingEventKind, TransportMode
from nsatu.core.lifecycles import ConsignmentStatus
from nsatu.db.models import Consignment, ConsignmentLeg, Site, TrackingEvent
from nsatu.logistics import errors
from nsatu.logistics.hub_ops import get_hub

K = TrackingEventKind


@dataclass(frozen=True, slots=True)
class BoardLeg:
    seq: int
    from_code: str
    to_code: str
    mode: TransportMode
    start: dt.date
    end: dt.date
    weight_t: Decimal | None
    at_hub: str  # "in" (arrives at the hub), "out" (leaves it) or ""


@dataclass(slots=True)
class BoardRow:
    consignment_id: int
    reference: str
    status: ConsignmentStatus
    legs: list[BoardLeg] = field(default_factory=list)
    arrived_at: dt.datetime | None = None
    departed_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Board:
    hub: Site
    start: dt.date
    end: dt.date
    rows: list[BoardRow]

    @property
    def days(self) -> list[dt.date]:
        return core.days_between(self.start, self.end)


def board(session: Session, hub: int | str, *, start: dt.date, end: dt.date) -> Board:
    """The consignments through ``hub`` with a planned leg in ``start``…``end``, each with all
    its dated legs (a leg missing one date spans the day it has) and its arrival and departure
    at the hub. Cancelled consignments are left out."""
    site = get_hub(session, hub)
    through = list(
        session.scalars(
            select(ConsignmentLeg.consignment_id).where(
                or_(ConsignmentLeg.to_site_id == site.id, ConsignmentLeg.from_site_id == site.id)
            )
        )
    )
    consignments = {
        c.id: c
        for c in session.scalars(
            select(Consignment).where(
                Consignment.id.in_(sorted(set(through))),
                Consignment.status != ConsignmentStatus.CANCELLED,
            )
        )
    }
    codes: dict[int, str] = dict(session.execute(select(Site.id, Site.code)).all())
    rows: dict[int, BoardRow] = {}
    for leg in session.scalars(
        select(ConsignmentLeg)
        .where(ConsignmentLeg.consignment_id.in_(sorted(consignments)))
        .order_by(ConsignmentLeg.consignment_id, ConsignmentLeg.seq)
    ):
        first = leg.planned_departure_on or leg.planned_arrival_on
        last = leg.planned_arrival_on or leg.planned_departure_on
        if first is None or last is None:
            continue
        c = consignments[leg.consignment_id]
        row = rows.setdefault(c.id, BoardRow(c.id, c.reference, c.status))
        at_hub = "in" if leg.to_site_id == site.id else "out" if leg.from_site_id == site.id else ""
        row.legs.append(
            BoardLeg(
                leg.seq,
                codes[leg.from_site_id],
                codes[leg.to_site_id],
                leg.mode,
                first,
                max(first, last),
                leg.weight_t,
                at_hub,
            )
        )
    shown = [r for r in rows.values() if any(g.start <= end and g.end >= start for g in r.legs)]
    for cid, kind, at in session.execute(
        select(TrackingEvent.consignment_id, TrackingEvent.kind, TrackingEvent.occurred_at)
        .where(
            TrackingEvent.consignment_id.in_(sorted(r.consignment_id for r in shown)),
            TrackingEvent.site_id == site.id,
            TrackingEvent.kind.in_([K.ARRIVED_HUB, K.DEPARTED_HUB]),
        )
        .order_by(TrackingEvent.occurred_at)
    ):
        row = rows[cid]
        if kind is K.ARRIVED_HUB:
            row.arrived_at = row.arrived_at or at
        else:
            row.departed_at = at
    shown.sort(key=lambda r: (min(g.start for g in r.legs), r.reference))
    return Board(site, start, end, shown)


@dataclass(frozen=True, slots=True)
class Picture:
    consignment: Consignment
    legs: list[ConsignmentLeg]
    events: list[TrackingEvent]
    sites: dict[int, Site]
    #: The site of the latest event that names one (``None``: no scan yet), and that event.
    position: Site | None
    last_event: TrackingEvent | None
    lateness: core.Lateness | None


def picture(session: Session, consignment_id: int, *, today: dt.date) -> Picture:
    """A consignment with its legs, its events in time order, the sites they name, its last
    known position and how far it is behind its plan."""
    c = session.scalars(select(Consignment).where(Consignment.id == consignment_id)).one_or_none()
    if c is None:
        raise errors.ConsignmentNotFound(f"consignment {consignment_id} not found")
    legs = list(
        session.scalars(
            select(ConsignmentLeg)
            .where(ConsignmentLeg.consignment_id == c.id)
            .order_by(ConsignmentLeg.seq)
        )
    )
    events = list(
        session.scalars(
            select(TrackingEvent)
            .where(TrackingEvent.consignment_id == c.id)
            .order_by(TrackingEvent.occurred_at, TrackingEvent.event_id)
        )
    )
    ids = {c.origin_site_id, c.destination_site_id}
    ids |= {leg.from_site_id for leg in legs} | {leg.to_site_id for leg in legs}
    ids |= {e.site_id for e in events if e.site_id is not None}
    sites = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_(sorted(ids))))}
    located = [e for e in events if e.site_id is not None]
    last = located[-1] if located else None
    late = None
    if c.status in (
        ConsignmentStatus.CREATED,
        ConsignmentStatus.READY,
        ConsignmentStatus.IN_TRANSIT,
        ConsignmentStatus.AT_HUB,
    ):
        late = core.lateness(
            [
                core.PlannedLeg(
                    g.seq,
                    g.from_site_id,
                    g.to_site_id,
                    g.planned_departure_on,
                    g.planned_arrival_on,
                )
                for g in legs
            ],
            [core.SiteScan(e.kind, e.site_id, e.occurred_at) for e in events],
            today,
        )
    position = sites.get(last.site_id) if last is not None and last.site_id is not None else None
    return Picture(c, legs, events, sites, position, last, late)
