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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

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


@dataclass(slots=True)
class _Move:
    """One event being checked: what it is checked against, and how to refuse it."""

    route: Route
    state: Custody
    scan: Scan

    def refuse(self, why: str) -> ImpossibleEvent:
        scan, route = self.scan, self.route
        where = f"consignment {route.reference}, event {scan.event_id} ({scan.kind}"
        where += f" at {route.site(scan.site_id)})" if scan.site_id is not None else ")"
        return ImpossibleEvent(f"{where}: {why}", scan.event_id)


def step(route: Route, state: Custody, scan: Scan) -> Custody:
    """The state after ``scan``.

    Raises:
        ImpossibleEvent: the event cannot follow ``state``; the reason names the consignment and
            the event.
    """
    move = _Move(route, state, scan)
    kind = scan.kind
    if state.status in SEALED:
        raise move.refuse(f"the consignment is {state.status}")
    if scan.site_id is not None and scan.site_id not in route.sites:
        raise move.refuse(f"{route.site(scan.site_id)} is not on the consignment's route")
    if kind in NEEDS_SITE and scan.site_id is None:
        raise move.refuse("a site is required")
    if kind is K.NOTE:
        return state  # a note changes nothing in custody
    if kind is not K.DEPARTED and state.status not in AFTER_DEPARTURE:
        raise move.refuse(f"the consignment has not departed (it is {state.status})")
    if kind in HELD_MOVES and state.on_hold:
        raise move.refuse("the consignment is on hold; a release must come first")
    count = _count(move)
    status = state.status
    action = ACTION_OF.get(kind)
    if action is not None:
        try:
            status = CONSIGNMENT.apply(state.status, action, by_event=True)
        except IllegalTransitionError:
            raise move.refuse(f"not possible while the consignment is {state.status}") from None
    effect = _EFFECTS.get(kind)
    changes = effect(move, count) if effect is not None else {}
    if not changes and status is state.status:
        return state
    return _evolve(state, status, changes)


def _evolve(state: Custody, status: ConsignmentStatus, changes: Changes) -> Custody:
    """The state with a new status and the changes an event made."""
    if not changes:
        return Custody(status, *state[1:])
    get = changes.get
    return Custody(
        status,
        get("site_id", state.site_id),
        get("on_hold", state.on_hold),
        get("departed", state.departed),
        get("handed_over", state.handed_over),
        get("received", state.received),
        get("serials", state.serials),
        get("eta", state.eta),
    )


def _count(move: _Move) -> Decimal:
    """The units the event counts (checked against what it may count), and its serials."""
    route, state, scan = move.route, move.state, move.scan
    kind = scan.kind
    limit = route.loaded if kind is K.DEPARTED else state.departed
    if kind is K.RECEIVED:
        limit = state.handed_over
    if scan.quantity is not None and scan.quantity > limit:
        what = {K.DEPARTED: "was loaded", K.RECEIVED: "was handed over"}.get(kind, "departed")
        raise move.refuse(f"quantity {_n(scan.quantity)} is more than {_n(limit)} that {what}")
    count = limit if scan.quantity is None else scan.quantity
    if route.serial_tracked and kind in SERIAL_KINDS:
        if len(scan.serials) != count:
            raise move.refuse(
                f"the goods are serial-tracked: {len(scan.serials)} serial numbers "
                f"for quantity {_n(count)}"
            )
        if len(set(scan.serials)) != len(scan.serials):
            raise move.refuse("a serial number is listed twice")
        unknown = sorted(set(scan.serials) - state.serials) if kind is not K.DEPARTED else []
        if unknown:
            raise move.refuse(f"serial numbers that did not depart: {', '.join(unknown[:5])}")
    return count


Changes = dict[str, Any]


def _departed(move: _Move, count: Decimal) -> Changes:
    if move.scan.site_id != move.route.origin:
        raise move.refuse(f"it departs from its origin {move.route.site(move.route.origin)}")
    return {
        "site_id": move.scan.site_id,
        "departed": count,
        "serials": frozenset(move.scan.serials),
    }


def _arrived_hub(move: _Move, count: Decimal) -> Changes:
    if move.scan.site_id == move.route.origin:
        raise move.refuse("a hub arrival at the consignment's own origin")
    return {"site_id": move.scan.site_id}


def _at_hub(move: _Move, count: Decimal) -> Changes:
    state = move.state
    if state.status is not S.AT_HUB:
        raise move.refuse(f"not at a hub: the consignment is {state.status}")
    if move.scan.site_id != state.site_id:
        raise move.refuse(f"the consignment is at {move.route.site(state.site_id)}")
    return {}


def _handed_over(move: _Move, count: Decimal) -> Changes:
    if move.scan.site_id != move.route.destination:
        raise move.refuse(
            f"hand-over is at its destination {move.route.site(move.route.destination)}"
        )
    return {"site_id": move.scan.site_id, "handed_over": count}


def _received(move: _Move, count: Decimal) -> Changes:
    return {"received": count}


def _hold(move: _Move, count: Decimal) -> Changes:
    if move.state.status not in UNDER_WAY:
        raise move.refuse(f"a hold on a consignment that is {move.state.status}")
    if move.state.on_hold:
        raise move.refuse("the consignment is already on hold")
    return {"on_hold": True}


def _release(move: _Move, count: Decimal) -> Changes:
    if not move.state.on_hold:
        raise move.refuse("a release without a hold")
    return {"on_hold": False}


def _delayed(move: _Move, count: Decimal) -> Changes:
    scan = move.scan
    if move.state.status not in UNDER_WAY:
        raise move.refuse(f"a delay reported on a consignment that is {move.state.status}")
    if scan.new_eta is None:
        raise move.refuse("a delay needs the new ETA")
    if scan.new_eta < scan.occurred_at:
        raise move.refuse("the new ETA is before the report of the delay")
    return {"eta": scan.new_eta}


#: What each kind changes besides the status (kinds not listed, damaged and lost, need only the
#: common checks).
_EFFECTS = {
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
            return cls(route=route, accepted=[], state=Custody(status=route.start))
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
        if (not accepted or scan.order > accepted[-1].order) and (
            turned is None or scan.occurred_at > turned
        ):
            state = step(self.route, self.current, scan)
            self.accepted.append(scan)
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
