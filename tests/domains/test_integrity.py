"""The integrity checks of ``nsatu check``: each passes on clean data and catches its own breakage."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from nsatu.core.lifecycles import AllocationStatus, OfferStage, RequirementStatus
from nsatu.db.models import Allocation, OfferLine, Requirement
from nsatu.integrity import service as integrity_service
from nsatu.integrity.schemas import CheckResult
from tests.factories import make_item_type, make_nation, make_offer, make_requirement


def results(session: Session) -> dict[str, CheckResult]:
    return {r.name: r for r in integrity_service.run_checks(session)}


def failing(session: Session) -> dict[str, CheckResult]:
    return {name: r for name, r in results(session).items() if not r.passed}


def allocate(
    session: Session, offer: OfferLine, need: Requirement, qty: int, status: AllocationStatus
) -> Allocation:
    alloc = Allocation(
        offer_line_id=offer.id, requirement_id=need.id, quantity=Decimal(qty), status=status
    )
    session.add(alloc)
    session.flush()
    return alloc


def link(session: Session, child: OfferLine, parent: OfferLine) -> None:
    # Raw SQL, as a broken import or a hand fix would do: the services refuse these links.
    session.execute(
        text("UPDATE offer_line SET parent_id = :p WHERE id = :c"), {"p": parent.id, "c": child.id}
    )


@pytest.fixture
def clean(session: Session) -> None:
    """Data that uses every rule without breaking one."""
    donor = make_nation(session)
    item = make_item_type(session)
    parent = make_offer(
        session,
        donor=donor,
        item_type_id=item.id,
        quantity=10,
        currency="EUR",
        value_amount=Decimal(5),
    )
    make_offer(
        session,
        donor=donor,
        item_type_id=item.id,
        quantity=6,
        parent_id=parent.id,
        quantity_delivered=Decimal(6),
    )
    make_offer(session, donor=donor, item_type_id=item.id, quantity=4, parent_id=parent.id)
    # A withdrawn refinement no longer counts against its parent.
    make_offer(
        session,
        donor=donor,
        item_type_id=item.id,
        quantity=9,
        parent_id=parent.id,
        stage=OfferStage.WITHDRAWN,
    )
    make_offer(
        session, donor=donor, currency="NOK", value_amount=Decimal(100), eur_rate=Decimal("11.5")
    )
    need = make_requirement(
        session, status=RequirementStatus.PUBLISHED, quantity_approved=Decimal(10)
    )
    closed = make_requirement(session, status=RequirementStatus.CLOSED)
    allocate(session, parent, need, 7, AllocationStatus.ACCEPTED)
    allocate(session, parent, need, 3, AllocationStatus.PROPOSED)
    allocate(session, parent, need, 50, AllocationStatus.REJECTED)  # rejected ones take nothing
    allocate(session, parent, closed, 1, AllocationStatus.REJECTED)


def test_every_check_passes_on_clean_data(session: Session, clean: None) -> None:
    found = results(session)
    assert list(found) == [c.name for c in integrity_service.CHECKS]
    assert failing(session) == {}
    assert all(r.count == 0 and r.examples == [] and r.passed for r in found.values())


def test_a_parent_cycle_is_found(session: Session, clean: None) -> None:
    donor = make_nation(session)
    a = make_offer(session, donor=donor, reference="CYC-A")
    b = make_offer(session, donor=donor, reference="CYC-B")
    c = make_offer(session, donor=donor, reference="CYC-C")
    link(session, a, b)
    link(session, b, c)
    link(session, c, a)
    d = make_offer(session, donor=donor, reference="CYC-D")
    e = make_offer(session, donor=donor, reference="CYC-E")
    link(session, d, e)
    link(session, e, d)
    tail = make_offer(session, donor=donor, reference="TAIL")
    link(session, tail, a)  # leads into a cycle but is not on one
    bad = failing(session)
    assert list(bad) == ["offer_parent_cycles"]
    assert bad["offer_parent_cycles"].count == 2
    details = {ex.detail for ex in bad["offer_parent_cycles"].examples}
    assert len(details) == 2
    cycle = next(d for d in details if "CYC-A" in d)
    assert cycle.count("→") == 3 and "TAIL" not in cycle


def test_a_child_of_another_donor_is_found(session: Session, clean: None) -> None:
    parent = make_offer(session, reference="P-1")
    child = make_offer(session, reference="C-1")
    link(session, child, parent)
    bad = failing(session)
    assert list(bad) == ["offer_parent_same_donor"]
    [example] = bad["offer_parent_same_donor"].examples
    assert (example.entity, example.id, example.reference) == ("offer", child.id, "C-1")
    assert "parent P-1" in example.detail


def test_children_exceeding_their_parent_are_found(session: Session, clean: None) -> None:
    donor = make_nation(session)
    item = make_item_type(session)
    other_item = make_item_type(session)
    parent = make_offer(session, donor=donor, item_type_id=item.id, quantity=10, reference="BIG")
    make_offer(session, donor=donor, item_type_id=item.id, quantity=6, parent_id=parent.id)
    make_offer(session, donor=donor, item_type_id=other_item.id, quantity=50, parent_id=parent.id)
    ok = failing(session)
    assert ok == {}  # 6 of the same item, the other item does not count
    make_offer(session, donor=donor, item_type_id=item.id, quantity=5, parent_id=parent.id)
    bad = failing(session)
    assert list(bad) == ["offer_children_within_parent"]
    [example] = bad["offer_children_within_parent"].examples
    assert example.reference == "BIG"
    assert example.detail == "children hold 11 of the same item, the line only 10"


def test_over_delivery_is_found(session: Session, clean: None) -> None:
    make_offer(session, quantity=5, quantity_delivered=Decimal("5.5"), reference="OVER")
    bad = failing(session)
    assert list(bad) == ["offer_delivered_within_quantity"]
    assert (
        bad["offer_delivered_within_quantity"].examples[0].detail
        == "delivered 5.5 of a quantity of 5"
    )


def test_over_allocation_is_found(session: Session, clean: None) -> None:
    offer = make_offer(session, quantity=10, reference="ALLOC")
    need = make_requirement(session, status=RequirementStatus.APPROVED)
    allocate(session, offer, need, 6, AllocationStatus.ACCEPTED)
    allocate(session, offer, need, 5, AllocationStatus.PROPOSED)
    bad = failing(session)
    assert list(bad) == ["allocations_within_offer"]
    assert (
        bad["allocations_within_offer"].examples[0].detail
        == "live allocations take 11 of a quantity of 10"
    )


@pytest.mark.parametrize(
    ("need_status", "alloc_status", "broken"),
    [
        (RequirementStatus.CANCELLED, AllocationStatus.PROPOSED, True),
        (RequirementStatus.DRAFT, AllocationStatus.ACCEPTED, True),
        (RequirementStatus.CLOSED, AllocationStatus.PROPOSED, True),
        (RequirementStatus.CLOSED, AllocationStatus.ACCEPTED, False),
        (RequirementStatus.COVERED, AllocationStatus.ACCEPTED, False),
        (RequirementStatus.CANCELLED, AllocationStatus.REJECTED, False),
    ],
)
def test_live_allocations_must_target_open_needs(
    session: Session,
    clean: None,
    need_status: RequirementStatus,
    alloc_status: AllocationStatus,
    broken: bool,
) -> None:
    need = make_requirement(session, status=need_status, reference="N-X")
    alloc = allocate(session, make_offer(session), need, 1, alloc_status)
    bad = failing(session)
    if not broken:
        assert bad == {}
        return
    assert list(bad) == ["allocations_to_open_needs"]
    [example] = bad["allocations_to_open_needs"].examples
    assert (example.entity, example.id) == ("allocation", alloc.id)
    assert example.detail == f"{alloc_status} allocation to need N-X, which is {need_status}"


def test_approved_above_requested_is_found(session: Session, clean: None) -> None:
    make_requirement(
        session, quantity_requested=Decimal(10), quantity_approved=Decimal(12), reference="TOO-MUCH"
    )
    bad = failing(session)
    assert list(bad) == ["need_approved_within_requested"]
    assert bad["need_approved_within_requested"].examples[0].reference == "TOO-MUCH"


def test_valuation_gaps_are_found(session: Session, clean: None) -> None:
    make_offer(session, value_amount=Decimal(100), reference="NO-CUR")
    make_offer(session, value_amount=Decimal(100), currency="USD", reference="NO-RATE")
    make_offer(session, value_amount=Decimal(100), currency="EUR", reference="EUR-OK")
    bad = failing(session)
    assert list(bad) == ["offer_value_has_currency", "offer_non_eur_has_rate"]
    assert [e.reference for e in bad["offer_value_has_currency"].examples] == ["NO-CUR"]
    assert [e.reference for e in bad["offer_non_eur_has_rate"].examples] == ["NO-RATE"]


def test_counts_cover_every_row_while_examples_are_capped(session: Session) -> None:
    for i in range(8):
        make_offer(session, quantity=1, quantity_delivered=Decimal(2), reference=f"OV-{i}")
    [result] = [r for r in integrity_service.run_checks(session, examples=3) if not r.passed]
    assert result.count == 8
    assert [e.reference for e in result.examples] == ["OV-0", "OV-1", "OV-2"]
