"""Use cases for allocations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.core.lifecycles import ALLOCATION, AllocationStatus, OfferStage, RequirementStatus
from nsatu.db.crud import Resource
from nsatu.db.models import Allocation, ItemType, OfferLine, Requirement
from nsatu.errors import Conflict, InvalidInput
from nsatu.planning import errors
from nsatu.planning import schemas as s
from nsatu.shared.entity import Entity, eq

OPEN_NEED = frozenset(
    {RequirementStatus.APPROVED, RequirementStatus.PUBLISHED, RequirementStatus.PARTIALLY_COVERED}
)
ALLOCATABLE_OFFER = frozenset({OfferStage.ANNOUNCED, OfferStage.COMMITTED, OfferStage.ALLOCATED})
LIVE = (AllocationStatus.PROPOSED, AllocationStatus.ACCEPTED)


def allocated_quantity(
    session: Session, offer_line_id: int, *, excluding: int | None = None
) -> Decimal:
    stmt = select(func.coalesce(func.sum(Allocation.quantity), 0)).where(
        Allocation.offer_line_id == offer_line_id, Allocation.status.in_(LIVE)
    )
    if excluding is not None:
        stmt = stmt.where(Allocation.id != excluding)
    return Decimal(session.scalar(stmt) or 0)


def _family(session: Session, item_type_id: int | None) -> str | None:
    if item_type_id is None:
        return None
    return session.scalar(select(ItemType.substitution_family).where(ItemType.id == item_type_id))


def _check(session: Session, offer_id: int, req_id: int, qty: Decimal, own_id: int | None) -> None:
    offer = session.get(OfferLine, offer_id)
    need = session.get(Requirement, req_id)
    if offer is None:
        raise InvalidInput(f"offer_line_id: no offer with id {offer_id}", field="offer_line_id")
    if need is None:
        raise InvalidInput(
            f"requirement_id: no requirement with id {req_id}", field="requirement_id"
        )
    if offer.stage not in ALLOCATABLE_OFFER:
        raise Conflict(f"offer {offer.reference} is {offer.stage} and cannot be allocated")
    if need.status not in OPEN_NEED:
        allowed = ", ".join(sorted(OPEN_NEED))
        raise Conflict(f"requirement {need.reference} is {need.status}; allocate only to {allowed}")
    if (
        need.item_type_id is not None
        and offer.item_type_id is not None
        and _family(session, need.item_type_id) != _family(session, offer.item_type_id)
    ):
        raise InvalidInput(
            "offer_line_id: the offered item is not in the need's substitution family",
            field="offer_line_id",
        )
    if offer.quantity is not None:
        left = offer.quantity - allocated_quantity(session, offer_id, excluding=own_id)
        if qty > left:
            raise errors.OfferOverAllocated(
                f"quantity: offer {offer.reference} has {left} left to allocate, not {qty}",
                field="quantity",
            )


def _before_create(session: Session, v: dict[str, Any]) -> None:
    _check(session, v["offer_line_id"], v["requirement_id"], v["quantity"], None)


def _before_update(session: Session, obj: Allocation, ch: dict[str, Any]) -> None:
    if "quantity" in ch:
        _check(session, obj.offer_line_id, obj.requirement_id, ch["quantity"], obj.id)


ALLOCATIONS = Entity(
    name="allocations",
    resource=Resource(
        model=Allocation,
        label="allocation",
        not_found=errors.AllocationNotFound,
        foreign_keys={"offer_line_id": OfferLine, "requirement_id": Requirement},
        sortable={
            "id": Allocation.id,
            "quantity": Allocation.quantity,
            "status": Allocation.status,
        },
        lifecycle=ALLOCATION,
    ),
    create_schema=s.AllocationCreate,
    update_schema=s.AllocationUpdate,
    read_schema=s.AllocationRead,
    filter_schema=s.AllocationFilter,
    where=lambda f: (
        eq(Allocation.offer_line_id, f.offer_line_id)
        + eq(Allocation.requirement_id, f.requirement_id)
        + eq(Allocation.status, f.status)
        + eq(Allocation.source, f.source)
    ),
    before_create=_before_create,
    before_update=_before_update,
)
