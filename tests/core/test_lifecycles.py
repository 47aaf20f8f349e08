"""The transition tables, checked exhaustively and by random walks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nsatu.core.lifecycles import (
    ALL,
    CONSIGNMENT,
    OFFER,
    REQUIREMENT,
    Action,
    ConsignmentStatus,
    Lifecycle,
    OfferStage,
    RequirementStatus,
)
from nsatu.errors import IllegalTransitionError


@pytest.mark.parametrize("lc", ALL, ids=lambda lc: lc.name)
def test_every_state_is_reachable_from_the_initial_state(lc: Lifecycle) -> None:  # type: ignore[type-arg]
    seen = {lc.initial}
    frontier = [lc.initial]
    while frontier:
        state = frontier.pop()
        for nxt in lc.next_states(state):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(lc.states)


@pytest.mark.parametrize("lc", ALL, ids=lambda lc: lc.name)
def test_every_state_has_a_way_to_a_terminal_state(lc: Lifecycle) -> None:  # type: ignore[type-arg]
    terminal = {s for s in lc.states if lc.is_terminal(s)}
    assert terminal, f"{lc.name} has no terminal state"
    for state in lc.states:
        reach, frontier = {state}, [state]
        while frontier:
            for nxt in lc.next_states(frontier.pop()):
                if nxt not in reach:
                    reach.add(nxt)
                    frontier.append(nxt)
        assert reach & terminal, f"{state} cannot end"


def test_requirement_happy_path() -> None:
    state = REQUIREMENT.initial
    for action in ("submit", "validate", "approve", "publish", "cover_partially", "cover", "close"):
        state = REQUIREMENT.apply(state, action)
    assert state is RequirementStatus.CLOSED
    assert REQUIREMENT.is_terminal(state)


def test_offer_stages_in_order_and_withdrawal() -> None:
    stage = OFFER.initial
    assert stage is OfferStage.ANNOUNCED
    for action, expected in [
        ("commit", OfferStage.COMMITTED),
        ("allocate", OfferStage.ALLOCATED),
        ("contract", OfferStage.CONTRACTED),
        ("ship", OfferStage.SHIPPED),
        ("deliver", OfferStage.DELIVERED),
    ]:
        stage = OFFER.apply(stage, action)
        assert stage is expected
    assert OFFER.apply(OfferStage.COMMITTED, "withdraw") is OfferStage.WITHDRAWN
    with pytest.raises(IllegalTransitionError):
        OFFER.apply(OfferStage.DELIVERED, "withdraw")


def test_illegal_transition_lists_the_allowed_next_states() -> None:
    with pytest.raises(IllegalTransitionError) as info:
        REQUIREMENT.apply(RequirementStatus.DRAFT, "approve")
    err = info.value
    assert err.status_code == 409
    assert err.extra["allowed"] == ["submitted", "cancelled"]
    assert "submit → submitted" in err.detail


def test_unknown_action_is_an_illegal_transition() -> None:
    with pytest.raises(IllegalTransitionError, match="is not an action"):
        OFFER.apply(OfferStage.ANNOUNCED, "teleport")


def test_a_table_rejects_duplicate_and_looping_actions() -> None:
    a = Action("go", frozenset({OfferStage.ANNOUNCED}), OfferStage.COMMITTED)
    with pytest.raises(ValueError, match="duplicate"):
        Lifecycle("x", OfferStage, OfferStage.ANNOUNCED, (a, a))
    loop = Action("stay", frozenset({OfferStage.ANNOUNCED}), OfferStage.ANNOUNCED)
    with pytest.raises(ValueError, match="loops"):
        Lifecycle("x", OfferStage, OfferStage.ANNOUNCED, (loop,))


lifecycles = st.sampled_from(ALL)


@given(lc=lifecycles, data=st.data())
def test_random_walks_follow_the_table(lc: Lifecycle, data: st.DataObject) -> None:  # type: ignore[type-arg]
    """Any sequence of actions either moves exactly as the table says or is refused unchanged;
    an action made only by events moves only when the caller replays events."""
    state = lc.initial
    for _ in range(data.draw(st.integers(0, 20))):
        action = data.draw(st.sampled_from([*lc.action_names, "bogus"]))
        by_event = data.draw(st.booleans())
        act = lc._by_name.get(action)
        if act is not None and state in act.sources and (act.manual or by_event):
            state = lc.apply(state, action, by_event=by_event)
            assert state is act.target
        else:
            with pytest.raises(IllegalTransitionError) as info:
                lc.apply(state, action, by_event=by_event)
            assert set(info.value.extra["allowed"]) == {str(s) for s in lc.next_states(state)}


@given(lc=lifecycles, data=st.data())
def test_allowed_actions_are_exactly_those_that_apply(lc: Lifecycle, data: st.DataObject) -> None:  # type: ignore[type-arg]
    state = data.draw(st.sampled_from(list(lc.states)))
    for name in lc.action_names:
        if name in lc.allowed_actions(state):
            assert lc.apply(state, name, by_event=True) in lc.next_states(state)
        else:
            with pytest.raises(IllegalTransitionError):
                lc.apply(state, name, by_event=True)


def test_a_consignment_moves_only_by_events_between_ready_and_received() -> None:
    """Departure, arrivals, hand-over, receipt and loss are facts a tracking event records."""
    event_only = {a.name for a in CONSIGNMENT.actions if not a.manual}
    assert event_only == {"depart", "arrive_hub", "depart_hub", "hand_over", "receive", "lose"}
    with pytest.raises(IllegalTransitionError, match="recorded by events only"):
        CONSIGNMENT.apply(ConsignmentStatus.READY, "depart")
    assert CONSIGNMENT.apply(ConsignmentStatus.READY, "depart", by_event=True) == "in_transit"
    assert {a.name for a in CONSIGNMENT.manual_actions} == {"ready", "return", "close", "cancel"}
