"""Allocation rules (``nsatu.planning.service.ALLOCATIONS``), on every backend."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.core.lifecycles import AllocationStatus, OfferStage, RequirementStatus
from nsatu.db.models import Allocation, OfferLine, Requirement
from nsatu.errors import Conflict, IllegalTransitionError, InvalidInput, StaleVersion
from nsatu.planning.errors import OfferOverAllocated
from nsatu.planning.schemas import AllocationCreate, AllocationFilter, AllocationUpdate
from nsatu.planning.service import ALLOCATIONS, allocated_quantity
from tests.factories import make_capability_area, make_item_type, make_offer, make_requirement


def _pair(
    session: Session,
    *,
    offered: int = 10,
    stage: OfferStage = OfferStage.COMMITTED,
    status: RequirementStatus = RequirementStatus.PUBLISHED,
) -> tuple[OfferLine, Requirement]:
    """An offer and a need whose items are two different types of the same substitution family."""
    area = make_capability_area(session)
    wanted = make_item_type(session, capability_area=area, substitution_family="gen-small")
    offered_type = make_item_type(session, capability_area=area, substitution_family="gen-small")
    need = make_requirement(session, capability_area=area, item_type_id=wanted.id, status=status)
    offer = make_offer(session, quantity=offered, item_type_id=offered_type.id, stage=stage)
    return offer, need


def _allocate(
    session: Session, offer: OfferLine, need: Requirement, qty: str, **kw: Any
) -> Allocation:
    data = AllocationCreate(
        offer_line_id=offer.id, requirement_id=need.id, quantity=Decimal(qty), **kw
    )
    return ALLOCATIONS.create(session, data)


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Allocation)) or 0


def test_create_starts_proposed_within_the_family(session: Session) -> None:
    offer, need = _pair(session)
    alloc = _allocate(session, offer, need, "4")
    assert alloc.status is AllocationStatus.PROPOSED
    assert alloc.version == 1
    assert alloc.quantity == Decimal(4)
    assert allocated_quantity(session, offer.id) == Decimal(4)


def test_over_allocation_is_a_409_naming_quantity_and_stores_nothing(session: Session) -> None:
    offer, need = _pair(session, offered=10)
    _allocate(session, offer, need, "6")
    before = _count(session)
    with pytest.raises(OfferOverAllocated) as info:
        _allocate(session, offer, need, "5")
    assert info.value.status_code == 409
    assert info.value.field == "quantity"
    assert "has 4.000 left" in info.value.detail
    assert _count(session) == before
    # Exactly what is left is fine.
    assert _allocate(session, offer, need, "4").quantity == Decimal(4)


def test_over_allocation_counts_every_need_of_the_offer(session: Session) -> None:
    offer, need = _pair(session, offered=10)
    other = make_requirement(
        session,
        capability_area_id=need.capability_area_id,
        item_type_id=need.item_type_id,
        status=RequirementStatus.APPROVED,
    )
    _allocate(session, offer, need, "7")
    with pytest.raises(OfferOverAllocated):
        _allocate(session, offer, other, "3.001")
    _allocate(session, offer, other, "3")


def test_update_may_grow_into_its_own_share_but_not_beyond(session: Session) -> None:
    offer, need = _pair(session, offered=10)
    alloc = _allocate(session, offer, need, "6")
    grown = ALLOCATIONS.update(session, alloc.id, AllocationUpdate(version=1, quantity=Decimal(10)))
    assert grown.quantity == Decimal(10) and grown.version == 2
    with pytest.raises(OfferOverAllocated) as info:
        ALLOCATIONS.update(session, alloc.id, AllocationUpdate(version=2, quantity=Decimal(11)))
    assert info.value.field == "quantity"
    assert ALLOCATIONS.get(session, alloc.id).quantity == Decimal(10)


def test_rejected_allocations_give_their_quantity_back(session: Session) -> None:
    offer, need = _pair(session, offered=10)
    first = _allocate(session, offer, need, "10")
    with pytest.raises(OfferOverAllocated):
        _allocate(session, offer, need, "1")
    ALLOCATIONS.act(session, first.id, "reject", version=None)
    assert allocated_quantity(session, offer.id) == Decimal(0)
    assert _allocate(session, offer, need, "10").status is AllocationStatus.PROPOSED


def test_item_outside_the_substitution_family_is_a_422(session: Session) -> None:
    offer, need = _pair(session)
    stranger = make_item_type(session, substitution_family="radio")
    offer.item_type_id = stranger.id
    session.flush()
    with pytest.raises(InvalidInput) as info:
        _allocate(session, offer, need, "1")
    assert info.value.status_code == 422
    assert info.value.field == "offer_line_id"
    assert "substitution family" in info.value.detail


@pytest.mark.parametrize(
    "status",
    [
        RequirementStatus.DRAFT,
        RequirementStatus.SUBMITTED,
        RequirementStatus.COVERED,
        RequirementStatus.CLOSED,
    ],
)
def test_allocating_to_a_need_not_open_is_a_409(
    session: Session, status: RequirementStatus
) -> None:
    offer, need = _pair(session, status=status)
    with pytest.raises(Conflict) as info:
        _allocate(session, offer, need, "1")
    assert info.value.status_code == 409
    assert str(status) in info.value.detail
    assert _count(session) == 0


@pytest.mark.parametrize(
    "status",
    [RequirementStatus.APPROVED, RequirementStatus.PUBLISHED, RequirementStatus.PARTIALLY_COVERED],
)
def test_open_needs_accept_allocations(session: Session, status: RequirementStatus) -> None:
    offer, need = _pair(session, status=status)
    assert _allocate(session, offer, need, "1").requirement_id == need.id


@pytest.mark.parametrize("stage", [OfferStage.WITHDRAWN, OfferStage.SHIPPED, OfferStage.DELIVERED])
def test_offer_past_allocation_or_withdrawn_is_a_409(session: Session, stage: OfferStage) -> None:
    offer, need = _pair(session, stage=stage)
    with pytest.raises(Conflict) as info:
        _allocate(session, offer, need, "1")
    assert info.value.status_code == 409
    assert str(stage) in info.value.detail


def test_unknown_offer_or_need_names_the_field(session: Session) -> None:
    offer, need = _pair(session)
    with pytest.raises(InvalidInput) as info:
        ALLOCATIONS.create(
            session,
            AllocationCreate(offer_line_id=999_999, requirement_id=need.id, quantity=Decimal(1)),
        )
    assert info.value.field == "offer_line_id"
    with pytest.raises(InvalidInput) as info:
        ALLOCATIONS.create(
            session,
            AllocationCreate(offer_line_id=offer.id, requirement_id=999_999, quantity=Decimal(1)),
        )
    assert info.value.field == "requirement_id"


def test_accept_then_reject_through_the_lifecycle(session: Session) -> None:
    offer, need = _pair(session)
    alloc = _allocate(session, offer, need, "2")
    accepted = ALLOCATIONS.act(session, alloc.id, "accept", version=1)
    assert accepted.status is AllocationStatus.ACCEPTED and accepted.version == 2
    # Accepted allocations still hold their quantity.
    assert allocated_quantity(session, offer.id) == Decimal(2)

    with pytest.raises(IllegalTransitionError) as info:
        ALLOCATIONS.act(session, alloc.id, "accept", version=None)
    assert info.value.extra["allowed"] == ["rejected"]

    with pytest.raises(StaleVersion):
        ALLOCATIONS.act(session, alloc.id, "reject", version=1)
    assert ALLOCATIONS.get(session, alloc.id).status is AllocationStatus.ACCEPTED

    rejected = ALLOCATIONS.act(session, alloc.id, "reject", version=2)
    assert rejected.status is AllocationStatus.REJECTED and rejected.version == 3
    with pytest.raises(IllegalTransitionError) as info:
        ALLOCATIONS.act(session, alloc.id, "accept", version=None)
    assert info.value.extra["allowed"] == []


def test_a_proposal_can_be_rejected_straight_away(session: Session) -> None:
    offer, need = _pair(session)
    alloc = _allocate(session, offer, need, "2")
    assert (
        ALLOCATIONS.act(session, alloc.id, "reject", version=None).status
        is AllocationStatus.REJECTED
    )


def test_list_filters_by_need_and_status(session: Session) -> None:
    offer, need = _pair(session, offered=100)
    other = make_requirement(
        session,
        capability_area_id=need.capability_area_id,
        item_type_id=need.item_type_id,
        status=RequirementStatus.PUBLISHED,
    )
    a = _allocate(session, offer, need, "1")
    b = _allocate(session, offer, need, "2")
    c = _allocate(session, offer, other, "3")
    ALLOCATIONS.act(session, b.id, "accept", version=None)

    page = ALLOCATIONS.list(session, AllocationFilter(requirement_id=need.id, sort="-quantity"))
    assert [x.id for x in page.items] == [b.id, a.id]
    page = ALLOCATIONS.list(session, AllocationFilter(offer_line_id=offer.id, status="proposed"))
    assert sorted(x.id for x in page.items) == sorted([a.id, c.id])
    assert page.total == 2
