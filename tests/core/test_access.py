"""The need-to-know policy as pure predicates: the role table, case by case, and the
properties that must hold whatever the facts (no database; see ``tests/security`` for the SQL)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nsatu.core.access import (
    PUBLIC,
    Actor,
    Role,
    allocation_visible,
    consignment_visible,
    donor_disclosed,
    may_act_on_consignment,
    may_change_need,
    may_change_offer,
    may_change_reference,
    may_change_training,
    may_record_tracking_event,
    need_visible,
    offer_visible,
    records_tracking_events,
    rejection_visible,
    seat_request_visible,
)
from nsatu.core.enums import Releasability, TrackingEventKind
from nsatu.core.lifecycles import RequirementStatus

A, B, U = 1, 2, 3  # two donor / host nations and the recipient
HUB_A, HUB_B = 10, 20
R = Releasability

COORDINATOR = Actor(Role.COORDINATOR, "coord")
AUDITOR = Actor(Role.AUDITOR, "audit")
LIAISON_A = Actor(Role.DONOR_LIAISON, "liaison", nation_id=A)
PLANNER = Actor(Role.RECIPIENT_PLANNER, "planner", nation_id=U)
HUB_OPERATOR_A = Actor(Role.HUB_OPERATOR, "hub", nation_id=A, site_id=HUB_A)
TRAINER_A = Actor(Role.TRAINING_COORDINATOR, "trainer", nation_id=A)
EVERYONE = (COORDINATOR, AUDITOR, LIAISON_A, PLANNER, HUB_OPERATOR_A, TRAINER_A, PUBLIC)

levels = st.sampled_from(list(Releasability))
nations = st.sampled_from([A, B, U])
actors = st.sampled_from(EVERYONE)
#: Narrowest first: anyone who sees a record at one level sees it at every wider one.
WIDENING = (R.INTERNAL, R.BILATERAL, R.COALITION, R.PUBLIC)


def test_nation_and_hub_roles_must_say_which() -> None:
    with pytest.raises(ValueError, match="nation_id"):
        Actor(Role.DONOR_LIAISON, "x")
    with pytest.raises(ValueError, match="site_id"):
        Actor(Role.HUB_OPERATOR, "x", nation_id=A)


# --- Offers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("donor", "level", "visible"),
    [
        (A, R.INTERNAL, True),  # its own nation's offers, in full
        (A, R.BILATERAL, True),
        (B, R.PUBLIC, True),
        (B, R.COALITION, True),
        (B, R.BILATERAL, False),  # another donor's bilateral line: donor, recipient, coordinators
        (B, R.INTERNAL, False),
    ],
)
def test_a_donor_liaison_sees_its_own_offers_and_others_as_released(
    donor: int, level: Releasability, visible: bool
) -> None:
    assert offer_visible(
        LIAISON_A, donor_nation_id=donor, releasability=level, allocated=False
    ) is (visible)


@pytest.mark.parametrize(
    ("level", "allocated", "visible"),
    [
        (R.PUBLIC, False, True),
        (R.COALITION, False, False),  # not allocated to the recipient
        (R.COALITION, True, True),
        (R.BILATERAL, True, True),
        (R.INTERNAL, True, False),  # internal stays with the coordinators
    ],
)
def test_a_recipient_planner_sees_the_offers_allocated_to_it(
    level: Releasability, allocated: bool, visible: bool
) -> None:
    facts = {"donor_nation_id": B, "releasability": level, "allocated": allocated}
    assert offer_visible(PLANNER, **facts) is visible


@given(actor=actors, donor=nations, level=levels, allocated=st.booleans())
def test_offers_whom_sees_what(
    actor: Actor, donor: int, level: Releasability, allocated: bool
) -> None:
    visible = offer_visible(actor, donor_nation_id=donor, releasability=level, allocated=allocated)
    if actor.sees_all or level is R.PUBLIC:
        assert visible
    if actor.is_public:
        assert visible is (level is R.PUBLIC)
    if level is R.INTERNAL and actor.role is not Role.DONOR_LIAISON:
        assert visible is actor.sees_all
    # Widening the releasability never hides a line.
    wider = WIDENING[WIDENING.index(level) :]
    if visible:
        for w in wider:
            assert offer_visible(actor, donor_nation_id=donor, releasability=w, allocated=allocated)


# --- Needs -------------------------------------------------------------------------------------


@given(actor=actors, status=st.sampled_from(list(RequirementStatus)), level=levels)
def test_needs_whom_sees_what(
    actor: Actor, status: RequirementStatus, level: Releasability
) -> None:
    visible = need_visible(actor, status=status, releasability=level)
    published = status in {
        RequirementStatus.PUBLISHED,
        RequirementStatus.PARTIALLY_COVERED,
        RequirementStatus.COVERED,
        RequirementStatus.CLOSED,
    }
    if actor.sees_all or actor.role is Role.RECIPIENT_PLANNER:
        assert visible  # the recipient's own list, drafts included
    elif actor.is_public:
        assert visible is (published and level is R.PUBLIC)
    else:  # donor liaisons and the other nation-bound roles: the published list, as released
        assert visible is (published and level in (R.PUBLIC, R.COALITION))


# --- Allocations, consignments, seat requests --------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "donor", "level", "visible"),
    [
        (LIAISON_A, A, R.BILATERAL, True),  # party to it as the donor
        (LIAISON_A, A, R.INTERNAL, False),  # internal: coordinators only
        (LIAISON_A, B, R.BILATERAL, False),
        (LIAISON_A, B, R.COALITION, True),
        (PLANNER, B, R.BILATERAL, True),  # party to it as the recipient
        (PLANNER, B, R.INTERNAL, False),
        (HUB_OPERATOR_A, A, R.BILATERAL, False),
        (TRAINER_A, B, R.COALITION, True),
        (PUBLIC, A, R.COALITION, False),
        (PUBLIC, A, R.PUBLIC, True),
        (AUDITOR, B, R.INTERNAL, True),
    ],
)
def test_allocations_are_seen_by_their_parties(
    actor: Actor, donor: int, level: Releasability, visible: bool
) -> None:
    assert allocation_visible(actor, releasability=level, donor_nation_id=donor) is visible


@pytest.mark.parametrize(
    ("actor", "sites", "donors", "level", "visible"),
    [
        (HUB_OPERATOR_A, {HUB_A, 99}, {B}, R.INTERNAL, True),  # through its hub, whatever the level
        (HUB_OPERATOR_A, {HUB_B, 99}, {A}, R.PUBLIC, False),  # only the consignments through it
        (LIAISON_A, {HUB_B}, {A, B}, R.BILATERAL, True),  # it carries A's goods
        (LIAISON_A, {HUB_B}, {A}, R.INTERNAL, False),
        (LIAISON_A, {HUB_B}, {B}, R.BILATERAL, False),
        (LIAISON_A, {HUB_B}, {B}, R.COALITION, True),
        (PLANNER, {HUB_B}, {B}, R.BILATERAL, True),
        (PLANNER, {HUB_B}, {B}, R.INTERNAL, False),
        (TRAINER_A, {HUB_A}, {A}, R.BILATERAL, False),
        (PUBLIC, {HUB_A}, {A}, R.COALITION, False),
        (PUBLIC, {HUB_A}, {A}, R.PUBLIC, True),
        (COORDINATOR, set(), set(), R.INTERNAL, True),
    ],
)
def test_consignments_are_seen_through_their_hubs_and_by_their_parties(
    actor: Actor, sites: set[int], donors: set[int], level: Releasability, visible: bool
) -> None:
    facts = {"releasability": level, "site_ids": sites, "donor_nation_ids": donors}
    assert consignment_visible(actor, **facts) is visible


@pytest.mark.parametrize(
    ("actor", "host", "visible"),
    [
        (TRAINER_A, A, True),
        (TRAINER_A, B, False),
        (PLANNER, B, True),
        (COORDINATOR, B, True),
        (AUDITOR, A, True),
        (LIAISON_A, A, False),
        (HUB_OPERATOR_A, A, False),
        (PUBLIC, A, False),
    ],
)
def test_seat_requests_are_seen_by_the_host_and_the_recipient(
    actor: Actor, host: int, visible: bool
) -> None:
    assert seat_request_visible(actor, host_nation_id=host) is visible


@pytest.mark.parametrize("actor", EVERYONE)
def test_only_the_public_is_denied_an_anonymous_donor(actor: Actor) -> None:
    assert donor_disclosed(actor, anonymise_donor=False)
    assert donor_disclosed(actor, anonymise_donor=True) is not actor.is_public


# --- Writes ------------------------------------------------------------------------------------


@given(actor=actors, donor=nations)
def test_who_changes_offers(actor: Actor, donor: int) -> None:
    allowed = may_change_offer(actor, donor_nation_id=donor)
    assert allowed is (
        actor.role is Role.COORDINATOR or (actor.role is Role.DONOR_LIAISON and donor == A)
    )


@pytest.mark.parametrize("actor", EVERYONE)
def test_who_changes_needs_reference_data_and_training(actor: Actor) -> None:
    coordinator = actor.role is Role.COORDINATOR
    assert may_change_need(actor) is (coordinator or actor.role is Role.RECIPIENT_PLANNER)
    assert may_change_reference(actor) is coordinator
    assert may_change_training(actor, host_nation_id=A) is (coordinator or actor is TRAINER_A)
    assert may_change_training(actor, host_nation_id=B) is coordinator


@pytest.mark.parametrize("actor", EVERYONE)
def test_who_records_tracking_events_and_receipts(actor: Actor) -> None:
    coordinator = actor.role is Role.COORDINATOR
    at_hub_a = may_record_tracking_event(actor, site_id=HUB_A, kind=TrackingEventKind.ARRIVED_HUB)
    assert at_hub_a is (coordinator or actor is HUB_OPERATOR_A)
    at_hub_b = may_record_tracking_event(actor, site_id=HUB_B, kind=TrackingEventKind.ARRIVED_HUB)
    assert at_hub_b is coordinator
    nowhere = may_record_tracking_event(actor, site_id=None, kind=TrackingEventKind.NOTE)
    assert nowhere is coordinator
    receipt = may_record_tracking_event(actor, site_id=None, kind=TrackingEventKind.RECEIVED)
    assert receipt is (coordinator or actor is PLANNER)
    assert may_act_on_consignment(actor, "receive") is (coordinator or actor is PLANNER)
    assert may_act_on_consignment(actor, "dispatch") is coordinator
    # Whoever may record some event may send batches; the rest are refused before any is read.
    assert records_tracking_events(actor) is (
        coordinator or actor is PLANNER or actor is HUB_OPERATOR_A
    )


@pytest.mark.parametrize("actor", EVERYONE)
def test_refused_events_are_seen_by_their_sender_and_the_roles_that_see_all(actor: Actor) -> None:
    mine = rejection_visible(actor, submitted_by=actor.username)
    theirs = rejection_visible(actor, submitted_by="someone-else")
    assert theirs is actor.sees_all
    assert mine is (not actor.is_public)


@pytest.mark.parametrize("actor", [AUDITOR, PUBLIC])
def test_auditors_and_the_public_change_nothing(actor: Actor) -> None:
    assert not actor.may_write
    assert not may_change_offer(actor, donor_nation_id=A)
    assert not may_change_need(actor)
    assert not may_change_reference(actor)
    assert not may_change_training(actor, host_nation_id=A)
    assert not may_record_tracking_event(actor, site_id=HUB_A, kind=TrackingEventKind.RECEIVED)
    assert not may_act_on_consignment(actor, "receive")
