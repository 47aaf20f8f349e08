"""The integrity checks: each is a named, read-only query with a count and a few examples.

Most rules are also enforced when the domain services write; the checks find rows that broke them
some other way (raw SQL, another tool, a later state change such as a need cancelled after it was
allocated). Nothing here writes or commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, not_, select
from sqlalchemy.orm import Session, aliased

from nsatu.core.lifecycles import AllocationStatus, OfferStage, RequirementStatus
from nsatu.core.pledges import find_cycle
from nsatu.db.models import Allocation, Nation, OfferLine, Requirement
from nsatu.delivery import checks as delivery_checks
from nsatu.integrity.schemas import CheckResult, Example
from nsatu.logistics import checks as custody_checks
from nsatu.planning.service import LIVE, OPEN_NEED

#: Needs that may carry live allocations: open for coverage, or covered by them.
CARRIES_ALLOCATIONS = OPEN_NEED | {RequirementStatus.COVERED}

Checker = Callable[[Session, int], tuple[int, list[Example]]]


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    run: Checker


def _num(value: Decimal | None) -> str:
    if value is None:
        return "-"
    text = format(Decimal(value).normalize(), "f")
    return "0" if text == "-0" else text


def _query(
    session: Session,
    stmt: Select[*tuple[Any, ...]],
    order: Any,
    limit: int,
    example: Callable[[Any], Example],
) -> tuple[int, list[Example]]:
    """Count the rows of ``stmt`` and turn the first ``limit`` (by ``order``) into examples."""
    count = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.execute(stmt.order_by(order).limit(limit)).all() if count else []
    return count, [example(r) for r in rows]


def offer_parent_cycles(session: Session, limit: int) -> tuple[int, list[Example]]:
    stmt = select(OfferLine.id, OfferLine.parent_id, OfferLine.reference).where(
        OfferLine.parent_id.is_not(None)
    )
    rows = session.execute(stmt).all()
    # Only lines with a parent can lie on a cycle, so the others need not be loaded.
    remaining: dict[int, int | None] = {id_: parent for id_, parent, _ in rows}
    refs = {id_: ref for id_, _, ref in rows}
    cycles: list[list[int]] = []
    while (cycle := find_cycle(remaining)) is not None:
        cycles.append(cycle)
        for node in cycle:
            del remaining[node]
    examples = [
        Example(
            entity="offer",
            id=c[0],
            reference=refs[c[0]],
            detail="parent links loop: " + " → ".join(refs[n] for n in [*c, c[0]]),
        )
        for c in cycles[:limit]
    ]
    return len(cycles), examples


def offer_parent_same_donor(session: Session, limit: int) -> tuple[int, list[Example]]:
    child, parent = aliased(OfferLine), aliased(OfferLine)
    child_nation, parent_nation = aliased(Nation), aliased(Nation)
    stmt = (
        select(child.id, child.reference, child_nation.code, parent.reference, parent_nation.code)
        .join(parent, child.parent_id == parent.id)
        .join(child_nation, child.donor_nation_id == child_nation.id)
        .join(parent_nation, parent.donor_nation_id == parent_nation.id)
        .where(child.donor_nation_id != parent.donor_nation_id)
    )
    return _query(
        session,
        stmt,
        child.id,
        limit,
        lambda r: Example(
            entity="offer",
            id=r[0],
            reference=r[1],
            detail=f"donor {r[2]}, but parent {r[3]} is {r[4]}",
        ),
    )


def offer_children_within_parent(session: Session, limit: int) -> tuple[int, list[Example]]:
    parent, child = aliased(OfferLine), aliased(OfferLine)
    children = func.sum(child.quantity)
    stmt = (
        select(parent.id, parent.reference, parent.quantity, children)
        .join(child, child.parent_id == parent.id)
        .where(
            parent.quantity.is_not(None),
            child.quantity.is_not(None),
            # NULL = NULL is not true: a line without an item is no "same item".
            child.item_type_id == parent.item_type_id,
            # A withdrawn refinement no longer takes any of the parent's quantity.
            child.stage != OfferStage.WITHDRAWN,
        )
        .group_by(parent.id, parent.reference, parent.quantity)
        .having(children > parent.quantity)
    )
    return _query(
        session,
        stmt,
        parent.id,
        limit,
        lambda r: Example(
            entity="offer",
            id=r[0],
            reference=r[1],
            detail=f"children hold {_num(r[3])} of the same item, the line only {_num(r[2])}",
        ),
    )


def offer_delivered_within_quantity(session: Session, limit: int) -> tuple[int, list[Example]]:
    stmt = select(
        OfferLine.id, OfferLine.reference, OfferLine.quantity_delivered, OfferLine.quantity
    ).where(OfferLine.quantity_delivered > OfferLine.quantity)
    return _query(
        session,
        stmt,
        OfferLine.id,
        limit,
        lambda r: Example(
            entity="offer",
            id=r[0],
            reference=r[1],
            detail=f"delivered {_num(r[2])} of a quantity of {_num(r[3])}",
        ),
    )


def allocations_within_offer(session: Session, limit: int) -> tuple[int, list[Example]]:
    allocated = func.sum(Allocation.quantity)
    stmt = (
        select(OfferLine.id, OfferLine.reference, OfferLine.quantity, allocated)
        .join(Allocation, Allocation.offer_line_id == OfferLine.id)
        .where(Allocation.status.in_(LIVE), OfferLine.quantity.is_not(None))
        .group_by(OfferLine.id, OfferLine.reference, OfferLine.quantity)
        .having(allocated > OfferLine.quantity)
    )
    return _query(
        session,
        stmt,
        OfferLine.id,
        limit,
        lambda r: Example(
            entity="offer",
            id=r[0],
            reference=r[1],
            detail=f"live allocations take {_num(r[3])} of a quantity of {_num(r[2])}",
        ),
    )


def allocations_to_open_needs(session: Session, limit: int) -> tuple[int, list[Example]]:
    stmt = (
        select(Allocation.id, Allocation.status, Requirement.reference, Requirement.status)
        .join(Requirement, Allocation.requirement_id == Requirement.id)
        .where(
            Allocation.status.in_(LIVE),
            Requirement.status.not_in(CARRIES_ALLOCATIONS),
            # An accepted allocation stays on record when its covered need is closed.
            not_(
                and_(
                    Allocation.status == AllocationStatus.ACCEPTED,
                    Requirement.status == RequirementStatus.CLOSED,
                )
            ),
        )
    )
    return _query(
        session,
        stmt,
        Allocation.id,
        limit,
        lambda r: Example(
            entity="allocation",
            id=r[0],
            reference=None,
            detail=f"{r[1]} allocation to need {r[2]}, which is {r[3]}",
        ),
    )


def need_approved_within_requested(session: Session, limit: int) -> tuple[int, list[Example]]:
    stmt = select(
        Requirement.id,
        Requirement.reference,
        Requirement.quantity_approved,
        Requirement.quantity_requested,
    ).where(Requirement.quantity_approved > Requirement.quantity_requested)
    return _query(
        session,
        stmt,
        Requirement.id,
        limit,
        lambda r: Example(
            entity="requirement",
            id=r[0],
            reference=r[1],
            detail=f"approved {_num(r[2])}, requested only {_num(r[3])}",
        ),
    )


def offer_value_has_currency(session: Session, limit: int) -> tuple[int, list[Example]]:
    stmt = select(OfferLine.id, OfferLine.reference, OfferLine.value_amount).where(
        OfferLine.value_amount.is_not(None), OfferLine.currency.is_(None)
    )
    return _query(
        session,
        stmt,
        OfferLine.id,
        limit,
        lambda r: Example(
            entity="offer", id=r[0], reference=r[1], detail=f"value {_num(r[2])} without a currency"
        ),
    )


def offer_non_eur_has_rate(session: Session, limit: int) -> tuple[int, list[Example]]:
    stmt = select(
        OfferLine.id, OfferLine.reference, OfferLine.value_amount, OfferLine.currency
    ).where(
        OfferLine.value_amount.is_not(None),
        OfferLine.currency.is_not(None),
        OfferLine.currency != "EUR",
        OfferLine.eur_rate.is_(None),
    )
    return _query(
        session,
        stmt,
        OfferLine.id,
        limit,
        lambda r: Example(
            entity="offer",
            id=r[0],
            reference=r[1],
            detail=f"{_num(r[2])} {r[3]} without a rate to EUR",
        ),
    )


def consignment_states_replay(session: Session, limit: int) -> tuple[int, list[Example]]:
    found = list(custody_checks.custody_mismatches(session))
    examples = [Example(entity="consignment", id=i, reference=r, detail=d) for i, r, d in found]
    return len(found), examples[:limit]


def ingest_batches_match_audit(session: Session, limit: int) -> tuple[int, list[Example]]:
    found = list(custody_checks.tampered_batches(session))
    examples = [
        Example(
            entity="audit_entry",
            id=seq,
            reference=batch,
            detail=f"the rows of batch {batch} no longer match the digest of audit entry {seq}",
        )
        for seq, batch in found
    ]
    return len(found), examples[:limit]


def receipts_add_up(session: Session, limit: int) -> tuple[int, list[Example]]:
    found = list(delivery_checks.receipts_not_adding_up(session))
    examples = [Example(entity="receipt", id=i, reference=r, detail=d) for i, r, d in found]
    return len(found), examples[:limit]


CHECKS: tuple[Check, ...] = (
    Check("offer_parent_cycles", "Offer parent links form no cycle", offer_parent_cycles),
    Check(
        "offer_parent_same_donor", "A child line has its parent's donor", offer_parent_same_donor
    ),
    Check(
        "offer_children_within_parent",
        "Children of the same item hold no more than their parent's quantity",
        offer_children_within_parent,
    ),
    Check(
        "offer_delivered_within_quantity",
        "Quantity delivered is at most the quantity",
        offer_delivered_within_quantity,
    ),
    Check(
        "allocations_within_offer",
        "Live allocations (proposed, accepted) take at most an offer line's quantity",
        allocations_within_offer,
    ),
    Check(
        "allocations_to_open_needs",
        "Live allocations target needs open for coverage (or covered by them)",
        allocations_to_open_needs,
    ),
    Check(
        "need_approved_within_requested",
        "Approved quantity is at most the requested quantity",
        need_approved_within_requested,
    ),
    Check(
        "offer_value_has_currency", "Every valued offer has a currency", offer_value_has_currency
    ),
    Check("offer_non_eur_has_rate", "Non-EUR amounts have a rate to EUR", offer_non_eur_has_rate),
    Check(
        "consignment_states_replay",
        "A consignment's state is the replay of its tracking events in time order",
        consignment_states_replay,
    ),
    Check(
        "ingest_batches_match_audit",
        "The events of every ingest batch still match the digest in its audit entry",
        ingest_batches_match_audit,
    ),
    Check(
        "receipts_add_up",
        "A receipt line's good, damaged, lost and rejected add up to what its line carried, "
        "each quantity other than good with a reason",
        receipts_add_up,
    ),
)


def run_checks(session: Session, *, examples: int = 5) -> list[CheckResult]:
    """Run every check, in a fixed order, each with up to ``examples`` offending rows."""
    results = []
    for check in CHECKS:
        count, found = check.run(session, examples)
        results.append(
            CheckResult(name=check.name, description=check.description, count=count, examples=found)
        )
    return results
