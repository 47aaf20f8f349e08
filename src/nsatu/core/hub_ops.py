"""Hub operations: throughput against capacity, backlog and dwell time, and the alert rules.

Pure: a hub's legs (:class:`LegLoad`) and its arrival and departure scans (:class:`HubScan`) in,
figures per day and transport mode out. The rules, as the planner reads a hub's capacity
(``nsatu.core.planner``: tonnes *arriving* per day):

- **throughput** on a day is the tonnes arriving at the hub that day, by the mode of the leg they
  arrive on: *planned* from the inbound legs' planned arrival dates and weights, *actual* from the
  ``arrived_hub`` scans at the hub (each counts its inbound leg's weight). Departures are counted
  the same way (outbound legs' planned departure dates; ``departed_hub`` scans) and shown beside;
- **capacity** per mode is the hub's recorded daily capacity for that mode, the day's total the
  sum of them (``None``: not recorded, unlimited); a day is **over capacity** when its actual
  arrivals exceed the total, or a mode's arrivals exceed that mode's capacity;
- **backlog** at the end of a day: the consignments that arrived at the hub on or before it and
  had not left (``departed_hub`` at the hub, or ``lost``) by its end, and their tonnes;
- **dwell**: from a consignment's arrival at the hub to its departure from it, in hours.

A leg without a weight counts as 0 t and is counted in ``unweighed``, so a gap in the data shows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from nsatu.core.enums import TrackingEventKind, TransportMode

K = TrackingEventKind
ZERO = Decimal(0)

#: Scans that take a consignment out of a hub it arrived at.
LEAVES_HUB = frozenset({K.DEPARTED_HUB, K.LOST})


@dataclass(frozen=True, slots=True)
class LegLoad:
    """A leg into (``inbound``) or out of the hub, with its plan and weight."""

    consignment_id: int
    leg_id: int
    mode: TransportMode
    inbound: bool
    planned_on: dt.date | None  # planned arrival (inbound) or departure (outbound)
    weight_t: Decimal | None


@dataclass(frozen=True, slots=True)
class HubScan:
    """An ``arrived_hub``, ``departed_hub`` or ``lost`` scan of a consignment at the hub."""

    consignment_id: int
    kind: TrackingEventKind
    occurred_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Capacity:
    """A hub's daily handling capacity per mode in tonnes (``None``: not recorded)."""

    per_mode: dict[TransportMode, Decimal | None]

    @property
    def total(self) -> Decimal | None:
        given = [c for c in self.per_mode.values() if c is not None]
        return sum(given, ZERO) if given else None


@dataclass(slots=True)
class ModeDay:
    planned_in_t: Decimal = ZERO
    actual_in_t: Decimal = ZERO
    planned_out_t: Decimal = ZERO
    actual_out_t: Decimal = ZERO
    capacity_t: Decimal | None = None

    @property
    def over_capacity(self) -> bool:
        return self.capacity_t is not None and self.actual_in_t > self.capacity_t

    @property
    def planned_over_capacity(self) -> bool:
        return self.capacity_t is not None and self.planned_in_t > self.capacity_t


@dataclass(slots=True)
class Day:
    """One day at the hub: totals, per mode, backlog at its end and the dwell of its departures."""

    on: dt.date
    total: ModeDay
    modes: dict[TransportMode, ModeDay]
    backlog: int = 0
    backlog_t: Decimal = ZERO
    departures: int = 0
    dwell_hours: list[float] = field(default_factory=list)

    @property
    def over_capacity(self) -> bool:
        return self.total.over_capacity or any(m.over_capacity for m in self.modes.values())

    @property
    def over_capacity_modes(self) -> list[TransportMode]:
        return [mode for mode, m in self.modes.items() if m.over_capacity]

    @property
    def mean_dwell_hours(self) -> float | None:
        return sum(self.dwell_hours) / len(self.dwell_hours) if self.dwell_hours else None


@dataclass(frozen=True, slots=True)
class Visit:
    """A consignment's stay at the hub: ``left_at`` is ``None`` while it is still there."""

    consignment_id: int
    arrived_at: dt.datetime
    left_at: dt.datetime | None
    weight_t: Decimal

    def dwell_hours(self, now: dt.datetime) -> float:
        return ((self.left_at or now) - self.arrived_at).total_seconds() / 3600


@dataclass(slots=True)
class Utilisation:
    days: list[Day]
    visits: list[Visit]
    unweighed: int

    @property
    def over_capacity_days(self) -> list[Day]:
        return [d for d in self.days if d.over_capacity]


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every day from ``start`` to ``end`` inclusive (empty when ``end`` is before ``start``)."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def visits(scans: Iterable[HubScan], weights: dict[int, Decimal]) -> list[Visit]:
    """Pair each consignment's arrivals at the hub with the next scan that takes it out.

    Args:
        scans: the hub's ``arrived_hub``, ``departed_hub`` and ``lost`` scans, in any order.
        weights: tonnes of each consignment's inbound leg (missing: 0).

    Returns:
        One visit per arrival, in order of arrival; a departure without an arrival is ignored.
    """
    by_consignment: dict[int, list[HubScan]] = defaultdict(list)
    for scan in scans:
        by_consignment[scan.consignment_id].append(scan)
    out: list[Visit] = []
    for cid, own in by_consignment.items():
        arrived: dt.datetime | None = None
        for scan in sorted(own, key=lambda s: s.occurred_at):
            if scan.kind is K.ARRIVED_HUB and arrived is None:
                arrived = scan.occurred_at
            elif scan.kind in LEAVES_HUB and arrived is not None:
                out.append(Visit(cid, arrived, scan.occurred_at, weights.get(cid, ZERO)))
                arrived = None
        if arrived is not None:
            out.append(Visit(cid, arrived, None, weights.get(cid, ZERO)))
    return sorted(out, key=lambda v: (v.arrived_at, v.consignment_id))


def utilisation(
    legs: Sequence[LegLoad],
    scans: Sequence[HubScan],
    capacity: Capacity,
    *,
    start: dt.date,
    end: dt.date,
) -> Utilisation:
    """The hub's figures for every day from ``start`` to ``end`` (inclusive, dates in UTC).

    Args:
        legs: the legs into and out of the hub.
        scans: the hub's arrival, departure and loss scans (any time: a visit that began before
            ``start`` still counts in the backlog).
        capacity: the hub's daily capacity per mode.
        start, end: the days to report.

    Returns:
        A :class:`Utilisation` with one :class:`Day` per day; ``visits`` are the stays that
        overlap the days.

    Raises:
        ValueError: ``end`` is before ``start``.
    """
    if end < start:
        raise ValueError(f"end: {end} is before start {start}")
    modes = sorted(
        {leg.mode for leg in legs} | set(capacity.per_mode), key=list(TransportMode).index
    )
    days = {
        on: Day(
            on,
            ModeDay(capacity_t=capacity.total),
            {m: ModeDay(capacity_t=capacity.per_mode.get(m)) for m in modes},
        )
        for on in days_between(start, end)
    }
    inbound = {leg.consignment_id: leg for leg in legs if leg.inbound}
    outbound = {leg.consignment_id: leg for leg in legs if not leg.inbound}
    unweighed = sum(1 for leg in legs if leg.weight_t is None)

    def add(on: dt.date, leg: LegLoad | None, attr: str) -> None:
        day = days.get(on)
        if day is None or leg is None:
            return
        weight = leg.weight_t or ZERO
        for target in (day.total, day.modes[leg.mode]):
            setattr(target, attr, getattr(target, attr) + weight)

    for leg in legs:
        if leg.planned_on is not None:
            add(leg.planned_on, leg, "planned_in_t" if leg.inbound else "planned_out_t")
    for scan in scans:
        on = scan.occurred_at.astimezone(dt.UTC).date()
        if scan.kind is K.ARRIVED_HUB:
            add(on, inbound.get(scan.consignment_id), "actual_in_t")
        elif scan.kind is K.DEPARTED_HUB:
            add(on, outbound.get(scan.consignment_id), "actual_out_t")

    weights = {cid: leg.weight_t or ZERO for cid, leg in inbound.items()}
    stays = visits(scans, weights)
    for day in days.values():
        end_of_day = dt.datetime.combine(day.on + dt.timedelta(days=1), dt.time(), dt.UTC)
        for v in stays:
            if v.arrived_at < end_of_day and (v.left_at is None or v.left_at >= end_of_day):
                day.backlog += 1
                day.backlog_t += v.weight_t
    for v in stays:
        if v.left_at is not None and (day_of := days.get(v.left_at.astimezone(dt.UTC).date())):
            day_of.departures += 1
            day_of.dwell_hours.append(v.dwell_hours(v.left_at))
    first = dt.datetime.combine(start, dt.time(), dt.UTC)
    last = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
    shown = [v for v in stays if v.arrived_at < last and (v.left_at is None or v.left_at >= first)]
    return Utilisation(sorted(days.values(), key=lambda d: d.on), shown, unweighed)


# --- Schedule ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedLeg:
    seq: int
    from_site_id: int
    to_site_id: int
    planned_departure_on: dt.date | None
    planned_arrival_on: dt.date | None


@dataclass(frozen=True, slots=True)
class SiteScan:
    kind: TrackingEventKind
    site_id: int | None
    occurred_at: dt.datetime


#: Scans that show the consignment left a site, and that it reached one.
DEPARTS = frozenset({K.DEPARTED, K.DEPARTED_HUB})
ARRIVES = frozenset({K.ARRIVED_HUB, K.HANDED_OVER, K.RECEIVED})


@dataclass(frozen=True, slots=True)
class Lateness:
    """The first milestone a consignment has not reached, and by how many days it is overdue."""

    leg_seq: int
    milestone: str  # "departure" | "arrival"
    site_id: int
    planned_on: dt.date
    days_late: int


def lateness(
    legs: Sequence[PlannedLeg], scans: Iterable[SiteScan], today: dt.date
) -> Lateness | None:
    """How far a consignment is behind its plan.

    Its milestones are each leg's departure from its start and arrival at its end, in leg order.
    A milestone is reached when a scan shows it (``departed``/``departed_hub`` at the leg's start;
    ``arrived_hub``/``handed_over``/``received`` at its end; a scan without a site counts for the
    first leg's departure or the last leg's arrival). Reaching a milestone reaches every earlier
    one. The first milestone not reached, with a planned date before ``today``, is overdue by the
    days between them.

    Args:
        legs: the consignment's legs (any order).
        scans: its tracking events.
        today: the day to measure against.

    Returns:
        The overdue milestone, or ``None`` when the consignment is on plan (or has no dates).
    """
    ordered = sorted(legs, key=lambda leg: leg.seq)
    milestones: list[tuple[int, str, int, dt.date | None]] = []
    for leg in ordered:
        milestones.append((leg.seq, "departure", leg.from_site_id, leg.planned_departure_on))
        milestones.append((leg.seq, "arrival", leg.to_site_id, leg.planned_arrival_on))
    reached = -1
    seen = list(scans)
    for idx, (_seq, what, site, _planned) in enumerate(milestones):
        kinds = DEPARTS if what == "departure" else ARRIVES
        first_or_last = idx == 0 or idx == len(milestones) - 1
        if any(
            s.kind in kinds and (s.site_id == site or (s.site_id is None and first_or_last))
            for s in seen
        ):
            reached = idx
    for seq, what, site, planned in milestones[reached + 1 :]:
        if planned is None:
            continue
        late = (today - planned).days
        return Lateness(seq, what, site, planned, late) if late > 0 else None
    return None
