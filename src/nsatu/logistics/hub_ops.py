"""Hub operations: per hub, mode and day, planned against actual throughput and capacity, the
backlog and the dwell time (computed by :mod:`nsatu.core.hub_ops` from legs, tracking events and
the hub's capacities); and the alerts: a hub over capacity on a day, a consignment behind its plan.

Everything is read through the scoped ORM, so the figures are made of the consignments the actor
may see; a hub operator is shown its own hub only (another hub is not found).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from nsatu.core import hub_ops as core
from nsatu.core.access import Role
from nsatu.core.enums import SiteKind, TrackingEventKind, TransportMode
from nsatu.core.lifecycles import ConsignmentStatus
from nsatu.db.actor import actor_of
from nsatu.db.models import Consignment, ConsignmentLeg, Site, TrackingEvent
from nsatu.errors import InvalidInput, NotFound

K = TrackingEventKind

#: Consignments that still move or wait: only these can be behind their plan.
UNDERWAY = frozenset(
    {
        ConsignmentStatus.CREATED,
        ConsignmentStatus.READY,
        ConsignmentStatus.IN_TRANSIT,
        ConsignmentStatus.AT_HUB,
    }
)
#: The longest span one utilisation query may cover.
MAX_DAYS = 366


class HubNotFound(NotFound):
    code = "hub_not_found"


@dataclass(frozen=True, slots=True)
class HubUtilisation:
    hub: Site
    start: dt.date
    end: dt.date
    figures: core.Utilisation


def hubs(session: Session) -> list[Site]:
    """The hubs the actor may look at: every hub, or a hub operator's own."""
    stmt = select(Site).where(Site.kind == SiteKind.HUB).order_by(Site.code)
    actor = actor_of(session)
    if actor is not None and actor.role is Role.HUB_OPERATOR:
        stmt = stmt.where(Site.id == actor.site_id)
    return list(session.scalars(stmt))


def get_hub(session: Session, key: int | str) -> Site:
    """A hub by id, or by code (or UN/LOCODE) when ``key`` is text; another hub than a hub
    operator's own is not found."""
    for hub in hubs(session):
        if key in (hub.id, hub.code) or (hub.unlocode is not None and key == hub.unlocode):
            return hub
    raise HubNotFound(f"hub {key} not found")


def _capacity(hub: Site) -> core.Capacity:
    per_mode = {
        TransportMode.ROAD: hub.road_capacity_per_day,
        TransportMode.RAIL: hub.rail_capacity_per_day,
        TransportMode.AIR: hub.air_capacity_per_day,
        TransportMode.SEA: hub.sea_capacity_per_day,
    }
    # Lift units per day, read as tonnes (as the planner reads them).
    return core.Capacity({m: Decimal(c) if c is not None else None for m, c in per_mode.items()})


def _hub_facts(
    session: Session, hub_ids: Sequence[int]
) -> tuple[dict[int, list[core.LegLoad]], dict[int, list[core.HubScan]]]:
    legs: dict[int, list[core.LegLoad]] = defaultdict(list)
    # One statement: the legs through the hubs of consignments that are not cancelled. Both
    # entities' scoping criteria apply to it (each reads aliased tables, so they compose).
    rows = list(
        session.scalars(
            select(ConsignmentLeg)
            .join(Consignment, Consignment.id == ConsignmentLeg.consignment_id)
            .where(
                or_(
                    ConsignmentLeg.to_site_id.in_(hub_ids),
                    ConsignmentLeg.from_site_id.in_(hub_ids),
                ),
                Consignment.status != ConsignmentStatus.CANCELLED,
            )
            .order_by(ConsignmentLeg.id)
        )
    )
    consignments: dict[int, set[int]] = defaultdict(set)
    for leg in rows:
        for hub_id, inbound in ((leg.to_site_id, True), (leg.from_site_id, False)):
            if hub_id in hub_ids:
                planned = leg.planned_arrival_on if inbound else leg.planned_departure_on
                legs[hub_id].append(
                    core.LegLoad(
                        leg.consignment_id, leg.id, leg.mode, inbound, planned, leg.weight_t
                    )
                )
                consignments[hub_id].add(leg.consignment_id)
    scans: dict[int, list[core.HubScan]] = defaultdict(list)
    all_ids = set().union(*consignments.values()) if consignments else set()
    if all_ids:
        events = session.execute(
            select(
                TrackingEvent.consignment_id,
                TrackingEvent.kind,
                TrackingEvent.occurred_at,
                TrackingEvent.site_id,
            )
            .where(
                TrackingEvent.consignment_id.in_(sorted(all_ids)),
                or_(
                    TrackingEvent.kind == K.LOST,
                    (TrackingEvent.kind.in_([K.ARRIVED_HUB, K.DEPARTED_HUB]))
                    & TrackingEvent.site_id.in_(hub_ids),
                ),
            )
            .order_by(TrackingEvent.occurred_at, TrackingEvent.id)
        )
        for cid, kind, at, site_id in events:
            for hub_id in hub_ids:
                if cid in consignments[hub_id] and (kind is K.LOST or site_id == hub_id):
                    scans[hub_id].append(core.HubScan(cid, kind, at))
    return legs, scans


def _span(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise InvalidInput(f"to: {end} is before from {start}", field="to")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(f"to: at most {MAX_DAYS} days from {start}", field="to")


def hub_utilisation(
    session: Session, hub: int | str, *, start: dt.date, end: dt.date
) -> HubUtilisation:
    """The hub's throughput, capacity, backlog and dwell for every day from ``start`` to ``end``."""
    _span(start, end)
    site = get_hub(session, hub)
    legs, scans = _hub_facts(session, [site.id])
    figures = core.utilisation(legs[site.id], scans[site.id], _capacity(site), start=start, end=end)
    return HubUtilisation(site, start, end, figures)


# --- Alerts ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Alert:
    """Something to look at: ``kind`` is ``hub_over_capacity`` (arrivals above the hub's capacity
    on a past day or today), ``hub_plan_over_capacity`` (planned arrivals above it on a coming
    day) or ``consignment_late`` (behind its plan by more than the threshold)."""

    kind: str
    severity: str  # "warning" | "critical"
    message: str
    hub_id: int | None = None
    hub_code: str | None = None
    on: dt.date | None = None
    consignment_id: int | None = None
    consignment_reference: str | None = None
    days_late: int | None = None


def _hub_alerts(session: Session, today: dt.date, window_days: int) -> list[Alert]:
    sites = hubs(session)
    legs, scans = _hub_facts(session, [h.id for h in sites])
    start, end = today - dt.timedelta(days=window_days), today + dt.timedelta(days=window_days)
    out: list[Alert] = []
    for hub in sites:
        figures = core.utilisation(
            legs[hub.id], scans[hub.id], _capacity(hub), start=start, end=end
        )
        for day in figures.days:
            cap = day.total.capacity_t
            if day.on <= today and day.over_capacity:
                over = [
                    f"{m.value} {day.modes[m].actual_in_t:f} t of {day.modes[m].capacity_t:f} t"
                    for m in day.over_capacity_modes
                ]
                if day.total.over_capacity:
                    over.append(f"in all {day.total.actual_in_t:f} t of {cap:f} t")
                out.append(
                    Alert(
                        "hub_over_capacity",
                        "critical",
                        f"{hub.code} over capacity on {day.on}: " + "; ".join(over),
                        hub_id=hub.id,
                        hub_code=hub.code,
                        on=day.on,
                    )
                )
            elif day.on >= today and day.total.planned_over_capacity:
                out.append(
                    Alert(
                        "hub_plan_over_capacity",
                        "warning",
                        f"{hub.code} planned over capacity on {day.on}: "
                        f"{day.total.planned_in_t} t planned to arrive (capacity {cap} t)",
                        hub_id=hub.id,
                        hub_code=hub.code,
                        on=day.on,
                    )
                )
    return out


def _late_alerts(session: Session, today: dt.date, late_after_days: int) -> list[Alert]:
    underway = list(
        session.scalars(
            select(Consignment)
            .where(Consignment.status.in_(sorted(UNDERWAY)))
            .order_by(Consignment.id)
        )
    )
    if not underway:
        return []
    ids = [c.id for c in underway]
    legs: dict[int, list[core.PlannedLeg]] = defaultdict(list)
    for leg in session.scalars(
        select(ConsignmentLeg).where(ConsignmentLeg.consignment_id.in_(ids))
    ):
        legs[leg.consignment_id].append(
            core.PlannedLeg(
                leg.seq,
                leg.from_site_id,
                leg.to_site_id,
                leg.planned_departure_on,
                leg.planned_arrival_on,
            )
        )
    scans: dict[int, list[core.SiteScan]] = defaultdict(list)
    for cid, kind, site_id, at in session.execute(
        select(
            TrackingEvent.consignment_id,
            TrackingEvent.kind,
            TrackingEvent.site_id,
            TrackingEvent.occurred_at,
        ).where(
            TrackingEvent.consignment_id.in_(ids),
            TrackingEvent.kind.in_(sorted(core.DEPARTS | core.ARRIVES)),
        )
    ):
        scans[cid].append(core.SiteScan(kind, site_id, at))
    codes: dict[int, str] = dict(session.execute(select(Site.id, Site.code)).all())
    out: list[Alert] = []
    for c in underway:
        late = core.lateness(legs[c.id], scans[c.id], today)
        if late is None or late.days_late <= late_after_days:
            continue
        where = codes.get(late.site_id, str(late.site_id))
        preposition = "from" if late.milestone == "departure" else "at"
        out.append(
            Alert(
                "consignment_late",
                "critical" if late.days_late > 2 * late_after_days else "warning",
                f"{c.reference} is {late.days_late} days behind plan: {late.milestone} "
                f"{preposition} {where} planned {late.planned_on}",
                consignment_id=c.id,
                consignment_reference=c.reference,
                days_late=late.days_late,
                on=late.planned_on,
            )
        )
    return out


def alerts(
    session: Session, *, today: dt.date, late_after_days: int, window_days: int = 7
) -> list[Alert]:
    """The alerts the actor may see, critical first.

    Args:
        today: the day to judge against (UTC).
        late_after_days: a consignment is late when a milestone is overdue by more days than this.
        window_days: hubs are checked from this many days before ``today`` to as many after.
    """
    found = _hub_alerts(session, today, window_days) + _late_alerts(session, today, late_after_days)
    return sorted(found, key=lambda a: (a.severity != "critical", a.kind, a.on or today, a.message))
