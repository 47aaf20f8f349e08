"""Chain of custody: replay in time order, and every impossible event refused with its reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nsatu.core.custody import Custody, ImpossibleEvent, Ledger, Route, Scan, replay, step
from nsatu.core.enums import TrackingEventKind as K
from nsatu.core.lifecycles import ConsignmentStatus as S

DEPOT, HUB, HANDOVER, ELSEWHERE = 1, 2, 3, 9
ROUTE = Route(
    reference="CSG-1",
    origin=DEPOT,
    destination=HANDOVER,
    sites=frozenset({DEPOT, HUB, HANDOVER}),
    loaded=Decimal(10),
    site_names={DEPOT: "DEP", HUB: "HUB", HANDOVER: "HOP", ELSEWHERE: "XXX"},
)
T0 = dt.datetime(2025, 3, 1, 8, tzinfo=dt.UTC)


def ev(
    n: int, kind: K, site: int | None, hours: float, qty: int | None = None, **kw: object
) -> Scan:
    quantity = None if qty is None else Decimal(qty)
    return Scan(f"e{n}", kind, T0 + dt.timedelta(hours=hours), site, quantity, **kw)  # type: ignore[arg-type]


JOURNEY = [
    ev(1, K.DEPARTED, DEPOT, 0, 10),
    ev(2, K.ARRIVED_HUB, HUB, 10),
    ev(3, K.HANDLED, HUB, 11),
    ev(4, K.DEPARTED_HUB, HUB, 12),
    ev(5, K.HANDED_OVER, HANDOVER, 20, 10),
    ev(6, K.RECEIVED, HANDOVER, 21, 10),
]


def test_a_full_journey() -> None:
    states = []
    state = Custody(status=S.READY)
    for scan in JOURNEY:
        state = step(ROUTE, state, scan)
        states.append(state.status)
    assert states == [S.IN_TRANSIT, S.AT_HUB, S.AT_HUB, S.IN_TRANSIT, S.HANDED_OVER, S.RECEIVED]
    assert state.departed == state.received == 10


@given(st.permutations(JOURNEY))
def test_the_state_is_the_replay_in_time_order_whatever_the_arrival_order(
    order: list[Scan],
) -> None:
    """A batch is replayed in time order; events sent one at a time in any order are either
    placed in time or refused for want of an earlier event, and replaying the refused ones once
    the rest arrived reaches the same state."""
    assert replay(ROUTE, order).status is S.RECEIVED
    ledger = Ledger(ROUTE)
    refused = []
    for scan in order:
        try:
            ledger.add(scan)
        except ImpossibleEvent:
            refused.append(scan)
    while refused:
        retry, refused = refused, []
        for scan in retry:
            try:
                ledger.add(scan)
            except ImpossibleEvent:
                refused.append(scan)
        assert len(refused) < len(retry)
    assert ledger.current == replay(ROUTE, JOURNEY)


@pytest.mark.parametrize(
    ("events", "reason"),
    [
        ([ev(9, K.HANDED_OVER, HANDOVER, 0, 10)], "has not departed (it is ready)"),
        ([ev(9, K.DEPARTED, DEPOT, 0, 11)], "quantity 11 is more than 10 that was loaded"),
        ([JOURNEY[0], ev(9, K.DAMAGED, HUB, 1, 12)], "quantity 12 is more than 10 that departed"),
        ([JOURNEY[0], ev(9, K.ARRIVED_HUB, ELSEWHERE, 1)], "XXX is not on the consignment's route"),
        ([ev(9, K.DEPARTED, HUB, 0)], "departs from its origin DEP"),
        ([*JOURNEY[:2], ev(9, K.HANDLED, HANDOVER, 11)], "the consignment is at HUB"),
        ([JOURNEY[0], ev(9, K.HANDED_OVER, HUB, 5)], "hand-over is at its destination HOP"),
        ([JOURNEY[0], ev(9, K.RELEASE, None, 5)], "a release without a hold"),
        (
            [JOURNEY[0], ev(8, K.HOLD, HUB, 1), ev(9, K.ARRIVED_HUB, HUB, 2)],
            "on hold; a release must come first",
        ),
        ([JOURNEY[0], ev(9, K.DELAYED, None, 1)], "a delay needs the new ETA"),
        ([*JOURNEY[:5], ev(9, K.RECEIVED, HANDOVER, 21, 11)], "more than 10 that was handed over"),
        (
            [*JOURNEY, ev(9, K.DEPARTED, DEPOT, 30)],
            "not possible while the consignment is received",
        ),
        ([ev(9, K.ARRIVED_HUB, None, 1)], "a site is required"),
    ],
)
def test_impossible_events_are_refused_naming_consignment_and_event(
    events: list[Scan], reason: str
) -> None:
    with pytest.raises(ImpossibleEvent) as info:
        replay(ROUTE, events)
    assert reason in info.value.reason
    assert "consignment CSG-1, event e9" in info.value.reason
    assert info.value.event_id == "e9"


def test_hold_release_and_delay_keep_the_state() -> None:
    events = [
        JOURNEY[0],
        ev(7, K.HOLD, None, 1),
        ev(8, K.RELEASE, None, 2),
        ev(9, K.DELAYED, None, 3, new_eta=T0 + dt.timedelta(days=3)),
    ]
    state = replay(ROUTE, events)
    assert state.status is S.IN_TRANSIT and not state.on_hold
    assert state.eta == T0 + dt.timedelta(days=3)


def test_a_late_event_that_breaks_a_recorded_one_is_refused_and_changes_nothing() -> None:
    ledger = Ledger.of(ROUTE, JOURNEY[:3])
    before = (list(ledger.accepted), ledger.current)
    # A hold placed before the hub arrival would make that recorded arrival impossible.
    with pytest.raises(ImpossibleEvent) as info:
        ledger.add(ev(9, K.HOLD, DEPOT, 1))
    assert "arrived late and would make a recorded event impossible" in info.value.reason
    assert "event e2" in info.value.reason
    assert (ledger.accepted, ledger.current) == before
    # A late event that fits is placed in time.
    ledger.add(ev(10, K.DELAYED, None, 5, new_eta=T0 + dt.timedelta(days=1)))
    assert [s.event_id for s in ledger.accepted] == ["e1", "e10", "e2", "e3"]
    assert ledger.current.status is S.AT_HUB


def test_serial_tracked_goods_list_one_serial_per_unit() -> None:
    route = Route("CSG-2", DEPOT, HANDOVER, ROUTE.sites, Decimal(2), serial_tracked=True)
    left = ev(1, K.DEPARTED, DEPOT, 0, 2, serials=("A1", "A2"))
    state = step(route, Custody(status=S.READY), left)
    assert state.serials == {"A1", "A2"}
    with pytest.raises(ImpossibleEvent, match="1 serial numbers for quantity 2"):
        step(route, Custody(status=S.READY), ev(1, K.DEPARTED, DEPOT, 0, 2, serials=("A1",)))
    arrived = step(route, state, ev(2, K.ARRIVED_HUB, HUB, 1))
    with pytest.raises(ImpossibleEvent, match="did not depart: B7"):
        step(route, arrived, ev(3, K.HANDED_OVER, HANDOVER, 2, 2, serials=("A1", "B7")))


def test_a_returned_consignment_replays_its_turn_back_in_time() -> None:
    turned = ROUTE._replace(returned_at=T0 + dt.timedelta(hours=5))
    assert replay(turned, JOURNEY[:1]).status is S.RETURNING
    with pytest.raises(ImpossibleEvent, match="when it was ready"):
        replay(turned, [])
    # After the turn-back it no longer arrives at hubs, but can still be lost.
    with pytest.raises(ImpossibleEvent):
        replay(turned, [JOURNEY[0], ev(9, K.ARRIVED_HUB, HUB, 6)])
    assert replay(turned, [JOURNEY[0], ev(9, K.LOST, None, 6)]).status is S.LOST
