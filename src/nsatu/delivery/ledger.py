"""The quantity ledger of offer lines and needs, derived (never stored) from allocations,
consignment lines, the consignments' states (the replay of their events) and receipts; and the
offer stages and need coverage that follow from it.

Per consignment line of a live ``delivery`` consignment:

- departed and not yet handed over (``in_transit``, ``at_hub``, ``returning``) → *in transit*;
- handed over, received or closed with a receipt → the receipt's quantities: good, damaged and
  rejected are *delivered*, lost is *lost*; good counts as *accepted* once the receipt is verified;
- handed over or received without a receipt yet → *delivered* (all of it, proof pending);
- ``lost`` → *lost*. Lines of consignments still being prepared count nowhere yet.

A consignment line names its offer line and, when known, the accepted allocation it serves
(lines made from allocations do): a linked line's quantities are credited to that allocation
exactly. What lines without one carry (lines written by hand or before lines named their
allocation, or naming an allocation no longer accepted) is attributed to the offer line's
accepted allocations in allocation order, outcome by outcome (accepted, pending, damaged,
rejected, lost, in transit), each allocation taking up to what its linked lines leave of its
quantity (:func:`allocation_outcomes`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.enums import ConsignmentKind, TrackingEventKind
from nsatu.core.lifecycles import (
    OFFER,
    REQUIREMENT,
    AllocationStatus,
    ConsignmentStatus,
    OfferStage,
    ReceiptStatus,
    RequirementStatus,
)
from nsatu.db.models import (
    Allocation,
    Consignment,
    ConsignmentLine,
    OfferLine,
    Receipt,
    ReceiptLine,
    Requirement,
    TrackingEvent,
)
from nsatu.db.repository import flush
from nsatu.db.scoping import UNSCOPED
from nsatu.errors import NotFound

ZERO = Decimal(0)
_C = ConsignmentStatus


def _opts(unscoped: bool) -> dict[str, bool]:
    """Reads for a caller are scoped to what it sees; the stage and coverage updates read all."""
    return {UNSCOPED: True} if unscoped else {}


IN_TRANSIT = frozenset({_C.IN_TRANSIT, _C.AT_HUB, _C.RETURNING})
HANDED_OVER = frozenset({_C.HANDED_OVER, _C.RECEIVED, _C.CLOSED})
#: Needs whose coverage the ledger sets (earlier states are not yet on the published list).
COVERABLE = frozenset(
    {RequirementStatus.PUBLISHED, RequirementStatus.PARTIALLY_COVERED, RequirementStatus.COVERED}
)
#: The stages an offer line passes on its way to delivered, in order.
_TO_DELIVERED = ("allocate", "ship", "deliver")


@dataclass
class Outcomes:
    """Where the consigned units of one offer line (or one allocation's share) are."""

    accepted: Decimal = ZERO  # good, on a verified receipt
    pending: Decimal = (
        ZERO  # delivered, not (yet) accepted: good on a recorded receipt or no receipt
    )
    damaged: Decimal = ZERO
    rejected: Decimal = ZERO
    lost: Decimal = ZERO
    in_transit: Decimal = ZERO

    @property
    def delivered(self) -> Decimal:
        return self.accepted + self.pending + self.damaged + self.rejected


@dataclass
class Ledger:
    kind: str
    id: int
    reference: str
    requested: Decimal | None
    pledged: Decimal
    allocated: Decimal
    outcomes: Outcomes = field(default_factory=Outcomes)
    state: str = ""

    @property
    def remaining(self) -> Decimal:
        if self.kind == "need":
            # What the need still lacks in serviceable items.
            return max((self.requested or ZERO) - self.outcomes.accepted, ZERO)
        # What of the allocated quantity has neither arrived nor is on its way (lost units are
        # owed again).
        return max(self.allocated - self.outcomes.delivered - self.outcomes.in_transit, ZERO)

    def as_dict(self) -> dict[str, object]:
        o = self.outcomes
        return {
            "kind": self.kind,
            "id": self.id,
            "reference": self.reference,
            "requested": self.requested,
            "pledged": self.pledged,
            "allocated": self.allocated,
            "in_transit": o.in_transit,
            "delivered": o.delivered,
            "accepted": o.accepted,
            "damaged": o.damaged,
            "lost": o.lost,
            "rejected": o.rejected,
            "remaining": self.remaining,
            "state": self.state,
        }


def _add(into: Outcomes, other: Outcomes) -> None:
    for f in fields(Outcomes):
        setattr(into, f.name, getattr(into, f.name) + getattr(other, f.name))


def _consigned(o: Outcomes) -> Decimal:
    """Every unit the outcomes account for (delivered, lost or on its way)."""
    return o.delivered + o.lost + o.in_transit


def offer_outcomes(
    session: Session, offer_line_ids: Iterable[int], *, unscoped: bool = False
) -> dict[int, Outcomes]:
    """The outcomes of the consigned units of each offer line."""
    ids = sorted(set(offer_line_ids))
    out: dict[int, Outcomes] = {i: Outcomes() for i in ids}
    for offer_id, _allocation_id, o in line_outcomes(session, ids, unscoped=unscoped):
        _add(out[offer_id], o)
    return out


def line_outcomes(
    session: Session, offer_line_ids: Iterable[int], *, unscoped: bool = False
) -> list[tuple[int, int | None, Outcomes]]:
    """The outcomes of each consignment line of the given offer lines that counts (live
    deliveries the caller sees), as ``(offer line, allocation named or None, outcomes)``."""
    ids = sorted(set(offer_line_ids))
    out: list[tuple[int, int | None, Outcomes]] = []
    if not ids:
        return out
    # Separate reads, each of one scoped entity: a follower's scope (``exists`` on its consignment)
    # cannot be joined to the consignment itself (nsatu.db.scoping).
    opts = _opts(unscoped)
    lines = session.execute(
        select(
            ConsignmentLine.id,
            ConsignmentLine.offer_line_id,
            ConsignmentLine.quantity,
            ConsignmentLine.consignment_id,
            ConsignmentLine.allocation_id,
        ).where(ConsignmentLine.offer_line_id.in_(ids)),
        execution_options=opts,
    ).all()
    cids = sorted({row[3] for row in lines})
    consignments = {
        cid: (status, returned)
        for cid, status, returned in session.execute(
            select(Consignment.id, Consignment.status, Consignment.returned_at).where(
                Consignment.id.in_(cids), Consignment.kind == ConsignmentKind.DELIVERY
            ),
            execution_options=opts,
        )
    }
    lost_events = set(
        session.scalars(
            select(TrackingEvent.consignment_id).where(
                TrackingEvent.consignment_id.in_(cids),
                TrackingEvent.kind == TrackingEventKind.LOST,
            ),
            execution_options=opts,
        )
    )
    received = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                ReceiptLine.consignment_line_id,
                Receipt.status,
                ReceiptLine.quantity_good,
                ReceiptLine.quantity_damaged,
                ReceiptLine.quantity_lost,
                ReceiptLine.quantity_rejected,
            )
            .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
            .where(ReceiptLine.consignment_id.in_(cids)),
            execution_options=opts,
        )
    }
    for line_id, offer_id, qty, cid, allocation_id in lines:
        if cid not in consignments:
            continue  # a repair consignment, or one the caller does not see
        status, returned = consignments[cid]
        was_lost = cid in lost_events
        receipt_status, good, damaged, lost, rejected = received.get(
            line_id, (None, ZERO, ZERO, ZERO, ZERO)
        )
        o = Outcomes()
        out.append((offer_id, allocation_id, o))
        if receipt_status is not None:
            if receipt_status == ReceiptStatus.VERIFIED:
                o.accepted += good
            else:
                o.pending += good
            o.damaged += damaged
            o.lost += lost
            o.rejected += rejected
        elif status == _C.LOST or (status == _C.CLOSED and was_lost):
            o.lost += qty
        elif status == _C.CLOSED and returned is not None:
            pass  # turned back: the goods went home
        elif status in HANDED_OVER:
            o.pending += qty
        elif status in IN_TRANSIT:
            o.in_transit += qty
    return out


def _accepted_allocations(
    session: Session,
    *,
    offer_ids: list[int] | None = None,
    need_ids: list[int] | None = None,
    unscoped: bool = False,
) -> list[Allocation]:
    stmt = select(Allocation).where(Allocation.status == AllocationStatus.ACCEPTED)
    if offer_ids is not None:
        stmt = stmt.where(Allocation.offer_line_id.in_(offer_ids))
    if need_ids is not None:
        stmt = stmt.where(Allocation.requirement_id.in_(need_ids))
    stmt = stmt.order_by(Allocation.id)
    return list(session.scalars(stmt, execution_options=_opts(unscoped)))


_ORDER = ("accepted", "pending", "damaged", "rejected", "lost", "in_transit")


def split(
    total: Outcomes, allocations: list[Allocation], *, taken: dict[int, Decimal] | None = None
) -> dict[int, Outcomes]:
    """Attribute an offer line's outcomes to its allocations (allocation order, outcome by
    outcome, each allocation up to its quantity less what ``taken`` says it holds already).
    Units beyond every allocation stay unattributed."""
    shares = {a.id: Outcomes() for a in allocations}
    stream = [(name, getattr(total, name)) for name in _ORDER]
    i = 0
    for alloc in allocations:
        room = alloc.quantity - (taken or {}).get(alloc.id, ZERO)
        while room > 0 and i < len(stream):
            name, left = stream[i]
            take = min(room, left)
            if take > 0:
                setattr(shares[alloc.id], name, getattr(shares[alloc.id], name) + take)
                room -= take
                left -= take
            if left == 0:
                i += 1
            else:
                stream[i] = (name, left)
    return shares


def allocation_outcomes(
    session: Session, by_offer: dict[int, list[Allocation]], *, unscoped: bool = False
) -> dict[int, Outcomes]:
    """The outcomes of each accepted allocation, given every accepted allocation of each offer
    line in allocation order: what the lines naming it carry, plus its share (:func:`split`) of
    what the offer line's other lines carry (module docstring)."""
    shares: dict[int, Outcomes] = {}
    linked: dict[int, Outcomes] = defaultdict(Outcomes)
    unlinked: dict[int, Outcomes] = defaultdict(Outcomes)
    accepted = {a.id for allocs in by_offer.values() for a in allocs}
    for offer_id, allocation_id, o in line_outcomes(session, by_offer, unscoped=unscoped):
        if allocation_id is not None and allocation_id in accepted:
            _add(linked[allocation_id], o)
        else:
            _add(unlinked[offer_id], o)
    for offer_id, allocs in by_offer.items():
        taken = {a.id: _consigned(linked[a.id]) for a in allocs if a.id in linked}
        for aid, share in split(unlinked[offer_id], allocs, taken=taken).items():
            if aid in linked:
                _add(share, linked[aid])
            shares[aid] = share
    return shares


def offer_ledgers(
    session: Session, offer_line_ids: Iterable[int], *, unscoped: bool = False
) -> list[Ledger]:
    ids = sorted(set(offer_line_ids))
    offers = session.scalars(
        select(OfferLine).where(OfferLine.id.in_(ids)), execution_options=_opts(unscoped)
    ).all()
    outcomes = offer_outcomes(session, ids, unscoped=unscoped)
    allocated: dict[int, Decimal] = defaultdict(Decimal)
    for a in _accepted_allocations(session, offer_ids=ids, unscoped=unscoped):
        allocated[a.offer_line_id] += a.quantity
    return [
        Ledger(
            kind="offer_line",
            id=o.id,
            reference=o.reference,
            requested=None,
            pledged=o.quantity or ZERO,
            allocated=allocated[o.id],
            outcomes=outcomes[o.id],
            state=str(o.stage),
        )
        for o in sorted(offers, key=lambda o: o.id)
    ]


def need_ledgers(
    session: Session, need_ids: Iterable[int], *, unscoped: bool = False
) -> list[Ledger]:
    ids = sorted(set(need_ids))
    opts = _opts(unscoped)
    needs = session.scalars(
        select(Requirement).where(Requirement.id.in_(ids)), execution_options=opts
    ).all()
    live = session.execute(
        select(Allocation.requirement_id, Allocation.quantity).where(
            Allocation.requirement_id.in_(ids),
            Allocation.status.in_([AllocationStatus.PROPOSED, AllocationStatus.ACCEPTED]),
        ),
        execution_options=opts,
    )
    pledged: dict[int, Decimal] = defaultdict(Decimal)
    for need_id, qty in live:
        pledged[need_id] += qty
    mine = _accepted_allocations(session, need_ids=ids, unscoped=unscoped)
    offer_ids = sorted({a.offer_line_id for a in mine})
    # Every accepted allocation of those offer lines competes for their units, not only ours.
    all_allocs = _accepted_allocations(session, offer_ids=offer_ids, unscoped=unscoped)
    by_offer: dict[int, list[Allocation]] = defaultdict(list)
    for a in all_allocs:
        by_offer[a.offer_line_id].append(a)
    shares = allocation_outcomes(session, by_offer, unscoped=unscoped)
    ledgers = []
    for n in sorted(needs, key=lambda n: n.id):
        led = Ledger(
            kind="need",
            id=n.id,
            reference=n.reference,
            requested=n.quantity_approved
            if n.quantity_approved is not None
            else n.quantity_requested,
            pledged=pledged[n.id],
            allocated=ZERO,
            state=str(n.status),
        )
        for a in mine:
            if a.requirement_id == n.id:
                led.allocated += a.quantity
                _add(led.outcomes, shares[a.id])
        ledgers.append(led)
    return ledgers


def offer_ledger(session: Session, offer_line_id: int) -> Ledger:
    found = offer_ledgers(session, [offer_line_id])
    if not found:
        raise NotFound(f"offer line {offer_line_id} not found")
    return found[0]


def need_ledger(session: Session, need_id: int) -> Ledger:
    found = need_ledgers(session, [need_id])
    if not found:
        raise NotFound(f"need {need_id} not found")
    return found[0]


# --- What follows from the ledger ---------------------------------------------------------------


def coverage(ledger: Ledger) -> RequirementStatus | None:
    """The coverage state a need's ledger calls for, or ``None`` when nothing is accepted yet."""
    if ledger.outcomes.accepted <= 0:
        return None
    if ledger.outcomes.accepted >= (ledger.requested or ZERO):
        return RequirementStatus.COVERED
    return RequirementStatus.PARTIALLY_COVERED


def apply(session: Session, offer_line_ids: Iterable[int]) -> None:
    """Move the given offer lines, and the needs they are allocated to, to the stage and coverage
    their ledgers call for (through their lifecycles). An offer line is delivered once all its
    allocated quantity has been received; a need is covered once what was accepted reaches what
    it asks for, partially covered before."""
    ids = sorted(set(offer_line_ids))
    everything = _opts(True)
    for led in offer_ledgers(session, ids, unscoped=True):
        if led.allocated > 0 and led.outcomes.delivered >= led.allocated:
            offer = session.get(OfferLine, led.id, execution_options=everything)
            assert offer is not None
            stage = offer.stage
            for action in _TO_DELIVERED:
                if action in OFFER.allowed_actions(stage):
                    stage = OFFER.apply(stage, action)
            if stage == OfferStage.DELIVERED and offer.stage != stage:
                offer.stage = stage
    allocs = _accepted_allocations(session, offer_ids=ids, unscoped=True)
    for led in need_ledgers(session, {a.requirement_id for a in allocs}, unscoped=True):
        target = coverage(led)
        need = session.get(Requirement, led.id, execution_options=everything)
        assert need is not None
        if target is None or need.status not in COVERABLE or need.status == target:
            continue
        action = "cover" if target == RequirementStatus.COVERED else "cover_partially"
        need.status = REQUIREMENT.apply(need.status, action)
    flush(session, "ledger")
