"""Chain of custody: a consignment's state is the replay of its tracking events in time order.

Pure: the facts of one consignment (:class:`Route`) and its events (:class:`Scan`) in, its state
and the reason each refused event is impossible out. Status moves go through the
:data:`~nsatu.core.lifecycles.CONSIGNMENT` table (its event-only actions); the rules here say what
else an event needs to be possible:

- **sites**: every event with a site happens at a site on the route (origin, destination or either
  end of a leg); ``departed`` at the origin, ``handed_over`` at the destination, ``arrived_hub`` at
  a route site other than the origin, ``handled`` and ``departed_hub`` at the hub it is at;
- **quantities**: ``departed`` carries at most what was loaded (the consignment's lines); every
  later event counts at most what departed; ``received`` at most what was handed over;
- **holds**: while held (customs or border) it neither arrives, departs nor is handed over;
  ``release`` needs a hold;
- **serials**: when the consignment carries serial-tracked items, ``departed``, ``handed_over`` and
  ``received`` list one serial per unit, without repeats, and only serials that departed;
- ``delayed`` needs a new ETA, and is reported before hand-over.

An event is kept only if the whole sequence, with it in its place in time, stays possible: a late
event that would make an already recorded later event impossible is refused too, naming both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from nsatu.core.enums import TrackingEventKind
from nsatu.core.lifecycles import CONSIGNMENT, ConsignmentStatus
from nsatu.errors import IllegalTransitionError

K = TrackingEventKind
S = ConsignmentStatus

#: The lifecycle action an event kind makes (kinds not listed leave the status as it is).
ACTION_OF: dict[TrackingEventKind, str] = {
    K.DEPARTED: "depart",
    K.ARRIVED_HUB: "arrive_hub",
    K.DEPARTED_HUB: "depart_hub",
    K.HANDED_OVER: "hand_over",
    K.RECEIVED: "receive",
    K.LOST: "lose",
}
#: States in which a consignment is on its way (an event other than ``departed`` needs one).
UNDER_WAY = frozenset({S.IN_TRANSIT, S.AT_HUB, S.RETURNING})
#: States after departure (goods may be found damaged in any of them).
AFTER_DEPARTURE = UNDER_WAY | {S.HANDED_OVER, S.RECEIVED}
#: States from which events are replayed: the ones set by hand before anything moves.
REPLAY_START = frozenset({S.CREATED, S.READY})
#: States that take no more events at all.
SEALED = frozenset({S.CANCELLED, S.CLOSED})
#: Kinds that need a site.
NEEDS_SITE = frozenset(
    {K.DEPARTED, K.ARRIVED_HUB, K.HANDLED, K.DEPARTED_HUB, K.HANDED_OVER, K.RECEIVED}
)
#: Kinds whose serials are checked against the units when the consignment is serial-tracked.
SERIAL_KINDS = frozenset({K.DEPARTED, K.HANDED_OVER, K.RECEIVED})
#: Moves a hold blocks.
HELD_MOVES = frozenset({K.ARRIVED_HUB, K.DEPARTED_HUB, K.HANDED_OVER})


class Route(NamedTuple):
    """What an event is checked against (a named tuple: a batch makes one per consignment).

    Parameters:
        reference: the consignment's reference (for messages).
        origin, destination: site ids.
        sites: every site on the route (origin, destination, both ends of every leg).
        loaded: the quantity on board (sum of the consignment's lines).
        start: the state set by hand before any event (created or ready).
        serial_tracked: whether the goods are counted by serial number.
        returned_at: when the consignment was turned back by hand (``return``), if it was.
        site_names: codes for messages, by id (optional).
    """

    reference: str
    origin: int
    destination: int
    sites: frozenset[int]
    loaded: Decimal
    start: ConsignmentStatus = S.READY
    serial_tracked: bool = False
    returned_at: dt.datetime | None = None
    site_names: dict[int, str] | None = None

    def site(self, site_id: int | None) -> str:
        if site_id is None:
            return "no site"
        return (self.site_names or {}).get(site_id, f"site {site_id}")


class Scan(NamedTuple):
    """One tracking event as the replay sees it (a named tuple: one is made per event)."""

    event_id: str
    kind: TrackingEventKind
    occurred_at: dt.datetime
    site_id: int | None = None
    quantity: Decimal | None = None
    serials: tuple[str, ...] = ()
    new_eta: dt.datetime | None = None

    @property
    def order(self) -> tuple[dt.datetime, str]:
        """Time order; events at the same instant go by event id, so every replay agrees."""
        return (self.occurred_at, self.event_id)


class Custody(NamedTuple):
    """The state a replay reaches (a named tuple: a new one follows most events)."""

    status: ConsignmentStatus
    site_id: int | None = None  # where it is (or last was)
    on_hold: bool = False
    departed: Decimal = Decimal(0)  # quantity that left the origin
    handed_over: Decimal = Decimal(0)
    received: Decimal = Decimal(0)
    serials: frozenset[str] = frozenset()
    eta: dt.datetime | None = None


class ImpossibleEvent(Exception):
    """The event cannot happen in the state the replay reached; ``reason`` says why."""

    def __init__(self, reason: str, event_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.event_id = event_id


def _n(q: Decimal) -> str:
    return f"{q.normalize():f}"


def _refuse(route: Route, scan: Scan, why: str) -> ImpossibleEvent:
    """The refusal of ``scan``, naming the consignment and the event."""
    where = f"consignment {route.reference}, event {scan.event_id} ({scan.kind}"
    where += f" at {route.site(scan.site_id)})" if scan.site_id is not None else ")"
    return ImpossibleEvent(f"{where}: {why}", scan.event_id)


def _next_states() -> dict[tuple[ConsignmentStatus, TrackingEventKind], ConsignmentStatus]:
    """(state, kind) → the state the kind's lifecycle action leads to, read once from the
    :data:`~nsatu.core.lifecycles.CONSIGNMENT` table (pairs not listed are illegal moves)."""
    out: dict[tuple[ConsignmentStatus, TrackingEventKind], ConsignmentStatus] = {}
    for kind, action in ACTION_OF.items():
        for status in S:
            try:
                out[status, kind] = CONSIGNMENT.apply(status, action, by_event=True)
            except IllegalTransitionError:
                continue
    return out


_NEXT = _next_states()


def step(route: Route, state: Custody, scan: Scan) -> Custody:
    """The state after ``scan``.

    Raises:
        ImpossibleEvent: the event cannot follow ``state``; the reason names the consignment and
            the event.
    """
    kind = scan.kind
    status = state.status
    if status in SEALED:
        raise _refuse(route, scan, f"the consignment is {status}")
    if scan.site_id is not None and scan.site_id not in route.sites:
        raise _refuse(route, scan, f"{route.site(scan.site_id)} is not on the consignment's route")
    if scan.site_id is None and kind in NEEDS_SITE:
        raise _refuse(route, scan, "a site is required")
    if kind is K.NOTE:
        return state  # a note changes nothing in custody
    if kind is not K.DEPARTED and status not in AFTER_DEPARTURE:
        raise _refuse(route, scan, f"the consignment has not departed (it is {status})")
    if state.on_hold and kind in HELD_MOVES:
        raise _refuse(route, scan, "the consignment is on hold; a release must come first")
    count = _count(route, state, scan)
    if kind in ACTION_OF:
        moved = _NEXT.get((status, kind))
        if moved is None:
            raise _refuse(route, scan, f"not possible while the consignment is {status}")
        status = moved
    effect = _EFFECTS.get(kind)
    if effect is not None:
        return effect(route, state, scan, count, status)
    if status is state.status:
        return state
    return Custody(status, *state[1:])


def _count(route: Route, state: Custody, scan: Scan) -> Decimal:
    """The units the event counts (checked against what it may count), and its serials."""
    kind = scan.kind
    if kind is K.DEPARTED:
        limit = route.loaded
    elif kind is K.RECEIVED:
        limit = state.handed_over
    else:
        limit = state.departed
    quantity = scan.quantity
    if quantity is None:
        count = limit
    elif quantity > limit:
        what = {K.DEPARTED: "was loaded", K.RECEIVED: "was handed over"}.get(kind, "departed")
        raise _refuse(route, scan, f"quantity {_n(quantity)} is more than {_n(limit)} that {what}")
    else:
        count = quantity
    if route.serial_tracked and kind in SERIAL_KINDS:
        if len(scan.serials) != count:
            raise _refuse(
                route,
                scan,
                f"the goods are serial-tracked: {len(scan.serials)} serial numbers "
                f"for quantity {_n(count)}",
            )
        if len(set(scan.serials)) != len(scan.serials):
            raise _refuse(route, scan, "a serial number is listed twice")
        unknown = sorted(set(scan.serials) - state.serials) if kind is not K.DEPARTED else []
        if unknown:
            raise _refuse(
                route, scan, f"serial numbers that did not depart: {', '.join(unknown[:5])}"
            )
    return count


# What each kind changes besides the status: each takes the event's count and the status it
# leads to, and returns the new state (fields in the order of ``Custody``: status, site_id,
# on_hold, departed, handed_over, received, serials, eta).


def _departed(route: Route, state: Custody, scan: Scan, count: Decimal, status: S) -> Custody:
    if scan.site_id != route.origin:
        raise _refuse(route, scan, f"it departs from its origin {route.site(route.origin)}")
    _, _, on_hold, _, handed_over, received, _, eta = state
    serials = frozenset(scan.serials)
    return Custody(status, scan.site_id, on_hold, count, handed_over, received, serials, eta)


def _arrived_hub(route: Route, state: Custody, scan: Scan, count: Decimal, status: S) -> Custody:
    if scan.site_id == route.origin:
        raise _refuse(route, scan, "a hub arrival at the consignment's own origin")
    return Custody(status, scan.site_id, *state[2:])


def _at_hub(route: Route, state: Custody, scan: Scan, count: Decimal, status: S) -> Custody:
    if state.status is not S.AT_HUB:
        raise _refuse(route, scan, f"not at a hub: the consignment is {state.status}")
    if scan.site_id != state.site_id:
        raise _refuse(route, scan, f"the consignment is at {route.site(state.site_id)}")
    return state if status is state.status else Custody(status, *state[1:])


def _handed_over(route: Route, state: Custody, scan: Scan, count: Decimal, status: S) -> Custody:
    if scan.site_id != route.destination:
        raise _refuse(
            route, scan, f"hand-over is at its destination {route.site(route.destination)}"
        )
    _, _, on_hold, departed, _, received, serials, eta = state
    return Custody(status, scan.site_id, on_hold, departed, count, received, serials, eta)


def _received(route: Route, state: Custody, scan: Scan, count: Decimal, status: S) -> Custody:
    return Custody(status, *state[1:5], count, *state[6:])


def _hold(route: Route, state: Custody, scan: Scan, count: Decimal, status: S) -> Custody:
    if state.status not in UNDER_WAY:
        raise _refuse(route, scan, f"a hold on a consignment that is {state.status}")
    if state.on_hold:
        raise _refuse(route, scan, "the consignment is already on hold")
    return Custody(status, state.site_id, True, *state[3:])


def _release(route: Route, state: Custody, scan: Scan, count: Decimal, status: S) -> Custody:
    if not state.on_hold:
        raise _refuse(route, scan, "a release without a hold")
    return Custody(status, state.site_id, False, *state[3:])


def _delayed(route: Route, state: Custody, scan: Scan, count: Decimal, status: S) -> Custody:
    if state.status not in UNDER_WAY:
        raise _refuse(route, scan, f"a delay reported on a consignment that is {state.status}")
    if scan.new_eta is None:
        raise _refuse(route, scan, "a delay needs the new ETA")
    if scan.new_eta < scan.occurred_at:
        raise _refuse(route, scan, "the new ETA is before the report of the delay")
    return Custody(status, *state[1:7], scan.new_eta)


Effect = Callable[[Route, Custody, Scan, Decimal, ConsignmentStatus], Custody]

#: What each kind changes besides the status (kinds not listed, damaged and lost, need only the
#: common checks).
_EFFECTS: dict[TrackingEventKind, Effect] = {
    K.DEPARTED: _departed,
    K.ARRIVED_HUB: _arrived_hub,
    K.HANDLED: _at_hub,
    K.DEPARTED_HUB: _at_hub,
    K.HANDED_OVER: _handed_over,
    K.RECEIVED: _received,
    K.HOLD: _hold,
    K.RELEASE: _release,
    K.DELAYED: _delayed,
}


def _returned(route: Route) -> Scan | None:
    if route.returned_at is None:
        return None
    # Sorts after every event at the same instant ("~" is after every event-id character).
    return Scan(event_id="~return", kind=K.NOTE, occurred_at=route.returned_at)


def _apply_return(route: Route, state: Custody) -> Custody:
    try:
        status = CONSIGNMENT.apply(state.status, "return")
    except IllegalTransitionError:
        raise ImpossibleEvent(
            f"consignment {route.reference}: it was turned back at {route.returned_at}, "
            f"when it was {state.status}"
        ) from None
    return state._replace(status=status)


def replay(route: Route, scans: Iterable[Scan]) -> Custody:
    """The state after every scan in time order (and the hand-made turn-back, if any).

    Raises:
        ImpossibleEvent: the first scan (in time order) that cannot happen.
    """
    state = Custody(status=route.start)
    ordered = sorted(scans, key=lambda s: s.order)
    turn = _returned(route)
    for scan in ordered:
        if turn is not None and turn.order < scan.order:
            state, turn = _apply_return(route, state), None
        state = step(route, state, scan)
    if turn is not None:
        state = _apply_return(route, state)
    return state


@dataclass(slots=True)
class Ledger:
    """Accepted events of one consignment and the state they reach, grown one event at a time.

    The common case, an event later than every accepted one, is one :func:`step`; a late event
    replays the whole sequence with it in place, so that it is refused if it makes any recorded
    later event impossible.
    """

    route: Route
    accepted: list[Scan] = field(default_factory=list)
    state: Custody | None = None

    @classmethod
    def of(cls, route: Route, recorded: Sequence[Scan]) -> Ledger:
        """The ledger of events already recorded (assumed possible: they were checked when
        recorded). Raises :class:`ImpossibleEvent` if they are not."""
        if not recorded and route.returned_at is None:
            return cls(route, [], Custody(route.start))
        ordered = sorted(recorded, key=lambda s: s.order)
        return cls(route=route, accepted=ordered, state=replay(route, ordered))

    @property
    def current(self) -> Custody:
        if self.state is None:
            self.state = replay(self.route, self.accepted)
        return self.state

    def add(self, scan: Scan) -> Custody:
        """Accept ``scan`` or raise :class:`ImpossibleEvent` (the ledger is then unchanged)."""
        accepted = self.accepted
        turned = self.route.returned_at
        later = True
        if accepted:
            last = accepted[-1]
            at = scan.occurred_at
            later = at > last.occurred_at or (
                at == last.occurred_at and scan.event_id > last.event_id
            )
        if later and (turned is None or scan.occurred_at > turned):
            state = step(self.route, self.current, scan)
            accepted.append(scan)
            self.state = state
            return state
        trial = sorted([*self.accepted, scan], key=lambda s: s.order)
        try:
            state = replay(self.route, trial)
        except ImpossibleEvent as exc:
            if exc.event_id == scan.event_id:
                raise
            raise ImpossibleEvent(
                f"consignment {self.route.reference}, event {scan.event_id} ({scan.kind}) "
                f"arrived late and would make a recorded event impossible: {exc.reason}",
                scan.event_id,
            ) from None
        self.accepted = trial
        self.state = state
        return state
