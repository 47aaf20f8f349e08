"""The ledger with consignment lines linked to the allocation they serve: a linked line credits
its allocation (and so its need) exactly, whatever the allocation order; lines without a link are
shared out in allocation order over what the linked ones leave. Lines made from allocations are
linked, and split and merge keep the link."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.enums import AllocationSource, SiteKind
from nsatu.core.lifecycles import AllocationStatus, ConsignmentStatus, OfferStage
from nsatu.db.models import Allocation, Consignment, ConsignmentLine, TransportLink
from nsatu.delivery import ledger
from nsatu.errors import InvalidInput
from nsatu.logistics import consign, split_merge
from nsatu.logistics import schemas as s
from nsatu.logistics import split_schemas as ss
from nsatu.logistics.service import CONSIGNMENT_LINES
from tests.factories import make_nation, make_offer, make_requirement, make_site

C = ConsignmentStatus
D = Decimal


@dataclass
class World:
    offer_id: int
    #: Two needs, each with an accepted allocation of 5 of the offer's 10 units (first, second).
    needs: tuple[int, int]
    allocations: tuple[int, int]
    depot: int
    handover: int


@pytest.fixture
def world(session: Session) -> World:
    nation = make_nation(session, is_donor=True)
    depot = make_site(session, nation=nation, kind=SiteKind.DEPOT)
    hub = make_site(session, nation=nation)
    handover = make_site(session, nation=nation, kind=SiteKind.HANDOVER_POINT)
    for a, b in ((depot, hub), (hub, handover)):
        session.add(
            TransportLink(
                from_site_id=a.id,
                to_site_id=b.id,
                mode="road",
                transit_days=1,
                capacity_t_per_day=Decimal(100),
                cost_per_t=Decimal(1),
            )
        )
    offer = make_offer(
        session, donor=nation, quantity=10, origin_site_id=depot.id, stage=OfferStage.COMMITTED
    )
    needs, allocs = [], []
    for _ in range(2):
        need = make_requirement(session, destination_site_id=handover.id)
        alloc = Allocation(
            offer_line_id=offer.id,
            requirement_id=need.id,
            quantity=Decimal(5),
            source=AllocationSource.MANUAL,
            status=AllocationStatus.ACCEPTED,
        )
        session.add(alloc)
        session.flush()
        needs.append(need.id)
        allocs.append(alloc.id)
    return World(offer.id, (needs[0], needs[1]), (allocs[0], allocs[1]), depot.id, handover.id)


def _ship(
    session: Session, w: World, quantity: int, status: C, allocation_id: int | None
) -> ConsignmentLine:
    n = session.scalar(select(Consignment.id).order_by(Consignment.id.desc()).limit(1)) or 0
    c = Consignment(
        reference=f"LNK-{n + 1}",
        origin_site_id=w.depot,
        destination_site_id=w.handover,
        status=status,
    )
    session.add(c)
    session.flush()
    line = ConsignmentLine(
        consignment_id=c.id,
        offer_line_id=w.offer_id,
        allocation_id=allocation_id,
        quantity=Decimal(quantity),
    )
    session.add(line)
    session.flush()
    return line


def _needs(session: Session, w: World) -> list[tuple[Decimal, Decimal]]:
    """(delivered, in transit) of the two needs."""
    return [
        (x.outcomes.delivered, x.outcomes.in_transit) for x in ledger.need_ledgers(session, w.needs)
    ]


def test_a_linked_line_credits_its_own_allocation(session: Session, world: World) -> None:
    # Delivered for the second need: without the link the first need would be credited.
    _ship(session, world, 5, C.HANDED_OVER, world.allocations[1])
    assert _needs(session, world) == [(D(0), D(0)), (D(5), D(0))]


def test_without_a_link_the_offer_line_is_shared_in_allocation_order(
    session: Session, world: World
) -> None:
    _ship(session, world, 5, C.HANDED_OVER, None)
    assert _needs(session, world) == [(D(5), D(0)), (D(0), D(0))]


def test_unlinked_lines_fill_what_the_linked_ones_leave(session: Session, world: World) -> None:
    # 4 delivered for the first need by link; 3 in transit unlinked: 1 more fits the first
    # allocation, the other 2 go to the second.
    _ship(session, world, 4, C.HANDED_OVER, world.allocations[0])
    _ship(session, world, 3, C.IN_TRANSIT, None)
    assert _needs(session, world) == [(D(4), D(1)), (D(0), D(2))]
    # The offer line's own ledger counts every line once.
    (offer,) = ledger.offer_ledgers(session, [world.offer_id])
    assert (offer.outcomes.delivered, offer.outcomes.in_transit) == (D(4), D(3))


def test_a_link_to_an_allocation_no_longer_accepted_counts_as_unlinked(
    session: Session, world: World
) -> None:
    _ship(session, world, 5, C.HANDED_OVER, world.allocations[1])
    alloc = session.get(Allocation, world.allocations[1])
    assert alloc is not None
    alloc.status = AllocationStatus.REJECTED
    session.flush()
    (first,) = ledger.need_ledgers(session, [world.needs[0]])
    assert first.outcomes.delivered == 5


def test_lines_made_from_allocations_name_them(session: Session, world: World) -> None:
    # 2 of the first allocation were consigned before lines named allocations.
    _ship(session, world, 2, C.READY, None)
    out = consign.create_from_allocations(session)
    (c,) = out.created
    lines = session.execute(
        select(ConsignmentLine.allocation_id, ConsignmentLine.quantity)
        .where(ConsignmentLine.consignment_id == c.id)
        .order_by(ConsignmentLine.allocation_id)
    ).all()
    assert [tuple(x) for x in lines] == [
        (world.allocations[0], Decimal(3)),
        (world.allocations[1], Decimal(5)),
    ]
    # Everything is consigned now.
    assert consign.create_from_allocations(session).created == []


def test_a_line_names_an_accepted_allocation_of_its_own_offer_line(
    session: Session, world: World
) -> None:
    c = _ship(session, world, 1, C.CREATED, None).consignment_id
    other = make_offer(session, quantity=3, stage=OfferStage.COMMITTED)
    with pytest.raises(InvalidInput, match=r"allocation_id: .* another offer line"):
        CONSIGNMENT_LINES.create(
            session,
            s.ConsignmentLineCreate(
                consignment_id=c,
                offer_line_id=other.id,
                allocation_id=world.allocations[0],
                quantity=Decimal(1),
            ),
        )
    alloc = session.get(Allocation, world.allocations[0])
    assert alloc is not None
    alloc.status = AllocationStatus.REJECTED
    session.flush()
    with pytest.raises(InvalidInput, match="not accepted"):
        CONSIGNMENT_LINES.create(
            session,
            s.ConsignmentLineCreate(
                consignment_id=c,
                offer_line_id=world.offer_id,
                allocation_id=world.allocations[0],
                quantity=Decimal(1),
            ),
        )


def test_split_and_merge_keep_the_link(session: Session, world: World) -> None:
    first = _ship(session, world, 5, C.READY, world.allocations[0])
    second = _ship(session, world, 5, C.READY, world.allocations[1])
    part = split_merge.split_consignment(
        session,
        first.consignment_id,
        ss.ConsignmentSplit(version=1, lines=[ss.SplitLine(line_id=first.id, quantity=2)]),
    ).created
    moved = session.scalars(
        select(ConsignmentLine).where(ConsignmentLine.consignment_id == part.id)
    )
    assert [(x.allocation_id, x.quantity) for x in moved] == [(world.allocations[0], D(2))]
    versions = {
        c.id: c.version
        for c in session.scalars(
            select(Consignment).where(
                Consignment.id.in_([part.id, second.consignment_id, first.consignment_id])
            )
        )
    }
    split_merge.merge_consignments(
        session,
        ss.ConsignmentMerge(
            consignments=[
                ss.MergeMember(id=second.consignment_id, version=versions[second.consignment_id]),
                ss.MergeMember(id=part.id, version=versions[part.id]),
            ]
        ),
    )
    # Same offer line, other allocations: two lines, not one.
    kept = session.execute(
        select(ConsignmentLine.allocation_id, ConsignmentLine.quantity)
        .where(ConsignmentLine.consignment_id == second.consignment_id)
        .order_by(ConsignmentLine.allocation_id)
    ).all()
    assert [tuple(x) for x in kept] == [(world.allocations[0], 2), (world.allocations[1], 5)]
