"""Proof of delivery: record, correct and verify the receipt of a consignment.

What was handed over is what each consignment line carried: a receipt says, line by line, how much
of it arrived good, damaged, or was rejected, and how much was lost, with a reason for every
quantity other than good. When the handover event recorded a quantity, what arrived (good, damaged
and rejected) must equal it. Recording, correcting and verifying a receipt update the ledger's
stages and coverage (:func:`nsatu.delivery.ledger.apply`) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.access import Actor, may_record_receipt, may_verify_receipt, system_actor
from nsatu.core.enums import TrackingEventKind
from nsatu.core.lifecycles import RECEIPT, ConsignmentStatus, ReceiptStatus
from nsatu.db.actor import actor_of
from nsatu.db.base import utcnow
from nsatu.db.models import Consignment, ConsignmentLine, Receipt, ReceiptLine, TrackingEvent
from nsatu.db.repository import check_version, flush
from nsatu.delivery import errors, ledger
from nsatu.delivery import schemas as s
from nsatu.errors import InvalidInput, PermissionDenied
from nsatu.logistics.errors import ConsignmentNotFound
from nsatu.logistics.service import consignment_lines

#: States in which goods have been handed over to the recipient.
RECEIVABLE = frozenset({ConsignmentStatus.HANDED_OVER, ConsignmentStatus.RECEIVED})
_NON_GOOD = ("damaged", "lost", "rejected")


def current_actor(session: Session) -> Actor:
    actor = actor_of(session)
    if actor is None:  # in-process code: recorded as the system
        return system_actor("system")
    return actor


def visible_consignment(session: Session, consignment_id: int) -> Consignment:
    obj = session.get(Consignment, consignment_id)
    if obj is None:
        raise ConsignmentNotFound(f"consignment {consignment_id} not found")
    return obj


def get_receipt(session: Session, consignment_id: int) -> Receipt:
    """The receipt of a consignment the actor sees (404 otherwise)."""
    visible_consignment(session, consignment_id)
    obj = session.scalar(select(Receipt).where(Receipt.consignment_id == consignment_id))
    if obj is None:
        raise errors.ReceiptNotFound(f"consignment {consignment_id} has no proof of delivery yet")
    return obj


def receipt_lines(session: Session, receipt_id: int) -> list[ReceiptLine]:
    stmt = select(ReceiptLine).where(ReceiptLine.receipt_id == receipt_id).order_by(ReceiptLine.id)
    return list(session.scalars(stmt))


def read(session: Session, obj: Receipt) -> s.ReceiptRead:
    return s.ReceiptRead.model_validate(
        {
            **{c: getattr(obj, c) for c in s.ReceiptRead.model_fields if c != "lines"},
            "lines": [s.ReceiptLineRead.model_validate(x) for x in receipt_lines(session, obj.id)],
        }
    )


def _handed_over_quantity(session: Session, consignment_id: int) -> Decimal | None:
    stmt = (
        select(TrackingEvent.quantity)
        .where(
            TrackingEvent.consignment_id == consignment_id,
            TrackingEvent.kind == TrackingEventKind.HANDED_OVER,
        )
        .order_by(TrackingEvent.occurred_at.desc(), TrackingEvent.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def check_lines(
    session: Session, consignment: Consignment, lines: Sequence[s.ReceiptLineIn]
) -> dict[int, ConsignmentLine]:
    """Validate a receipt's lines against the consignment (422 naming the field otherwise)."""
    carried = {cl.id: cl for cl in consignment_lines(session, consignment.id)}
    seen: set[int] = set()
    for i, line in enumerate(lines):
        where = f"lines[{i}]"
        cl = carried.get(line.consignment_line_id)
        if cl is None:
            raise InvalidInput(
                f"{where}.consignment_line_id: {line.consignment_line_id} is not a line of "
                f"consignment {consignment.reference}",
                field=f"{where}.consignment_line_id",
            )
        if cl.id in seen:
            raise InvalidInput(
                f"{where}.consignment_line_id: line {cl.id} is given twice",
                field=f"{where}.consignment_line_id",
            )
        seen.add(cl.id)
        for name in _NON_GOOD:
            qty: Decimal = getattr(line, f"quantity_{name}")
            reason = getattr(line, f"{name}_reason")
            if qty > 0 and reason is None:
                raise InvalidInput(
                    f"{where}.{name}_reason: a reason is required for {qty} {name}",
                    field=f"{where}.{name}_reason",
                )
            if qty == 0 and reason is not None:
                raise InvalidInput(
                    f"{where}.{name}_reason: given without a {name} quantity",
                    field=f"{where}.{name}_reason",
                )
        total = line.quantity_good + line.quantity_damaged + line.quantity_lost
        total += line.quantity_rejected
        if total != cl.quantity:
            raise errors.QuantitiesDoNotAddUp(
                f"{where}: good, damaged, lost and rejected add up to {total}, but the line "
                f"carried {cl.quantity.normalize():f}",
                field=f"{where}.quantity_good",
            )
    missing = sorted(set(carried) - seen)
    if missing:
        raise InvalidInput(
            f"lines: every line of consignment {consignment.reference} needs an entry; "
            f"missing {', '.join(map(str, missing))}",
            field="lines",
        )
    handed = _handed_over_quantity(session, consignment.id)
    if handed is not None:
        arrived = sum(
            (x.quantity_good + x.quantity_damaged + x.quantity_rejected for x in lines), Decimal(0)
        )
        if arrived != handed:
            raise errors.QuantitiesDoNotAddUp(
                f"lines: {arrived:f} arrived (good, damaged, rejected) but the handover recorded "
                f"{handed.normalize():f}",
                field="lines",
            )
    return carried


def _write_lines(session: Session, receipt: Receipt, lines: Sequence[s.ReceiptLineIn]) -> None:
    for line in lines:
        session.add(
            ReceiptLine(
                receipt_id=receipt.id,
                consignment_id=receipt.consignment_id,
                **line.model_dump(),
            )
        )


def _offer_lines(carried: dict[int, ConsignmentLine]) -> list[int]:
    return sorted({cl.offer_line_id for cl in carried.values()})


def record_receipt(session: Session, consignment_id: int, data: s.ReceiptCreate) -> Receipt:
    """Record the proof of delivery of a consignment that was handed over.

    Raises:
        ConsignmentNotFound: not in the actor's scope.
        PermissionDenied: the actor may not record proof of delivery.
        NotHandedOver, ReceiptExists: 409.
        InvalidInput: a line is unknown, missing, without a reason, or the quantities do not add up.
    """
    actor = current_actor(session)
    consignment = visible_consignment(session, consignment_id)
    if not may_record_receipt(actor):
        raise PermissionDenied("only the recipient's planners and coordinators record receipts")
    if consignment.status not in RECEIVABLE:
        raise errors.NotHandedOver(
            f"consignment {consignment.reference} is {consignment.status}; proof of delivery is "
            "recorded once it has been handed over"
        )
    existing = session.scalar(
        select(Receipt.id).where(Receipt.consignment_id == consignment_id),
    )
    if existing is not None:
        raise errors.ReceiptExists(
            f"consignment {consignment.reference} already has a proof of delivery; correct it "
            "instead",
            receipt_id=existing,
        )
    carried = check_lines(session, consignment, data.lines)
    receipt = Receipt(
        consignment_id=consignment_id,
        received_by=data.received_by,
        received_at=data.received_at,
        recorded_by=actor.username,
        note=data.note,
    )
    session.add(receipt)
    flush(session, f"receipt of {consignment.reference}")
    _write_lines(session, receipt, data.lines)
    flush(session, f"receipt of {consignment.reference}")
    ledger.apply(session, _offer_lines(carried))
    return receipt


def update_receipt(session: Session, consignment_id: int, data: s.ReceiptUpdate) -> Receipt:
    """Correct a receipt not yet verified (a stale ``version`` is a 409 and changes nothing)."""
    actor = current_actor(session)
    receipt = get_receipt(session, consignment_id)
    if not may_record_receipt(actor):
        raise PermissionDenied("only the recipient's planners and coordinators correct receipts")
    check_version(receipt, data.version, label=f"receipt {receipt.id}")
    if receipt.status != ReceiptStatus.RECORDED:
        raise errors.ReceiptVerified(
            f"receipt {receipt.id} was verified by {receipt.verified_by}; it no longer changes"
        )
    consignment = visible_consignment(session, consignment_id)
    changes = data.model_dump(exclude_unset=True, exclude={"version", "lines"})
    for key, value in changes.items():
        if value is None and key != "note":
            raise InvalidInput(f"{key}: may not be empty", field=key)
        setattr(receipt, key, value)
    if data.lines is not None:
        carried = check_lines(session, consignment, data.lines)
        for old in receipt_lines(session, receipt.id):
            session.delete(old)
        flush(session, f"receipt {receipt.id}")
        _write_lines(session, receipt, data.lines)
    else:
        carried = {cl.id: cl for cl in consignment_lines(session, consignment_id)}
    receipt.updated_at = utcnow()  # a change of lines alone still bumps the receipt's version
    flush(session, f"receipt {receipt.id}")
    ledger.apply(session, _offer_lines(carried))
    return receipt


def verify_receipt(session: Session, consignment_id: int, *, version: int) -> Receipt:
    """Verify a receipt: another user than the one who recorded it confirms it."""
    actor = current_actor(session)
    receipt = get_receipt(session, consignment_id)
    if not may_verify_receipt(actor, recorded_by=receipt.recorded_by):
        raise PermissionDenied(
            "a receipt is verified by a coordinator or recipient planner other than the user "
            f"who recorded it ({receipt.recorded_by})"
        )
    check_version(receipt, version, label=f"receipt {receipt.id}")
    receipt.status = RECEIPT.apply(receipt.status, "verify")
    receipt.verified_by = actor.username
    receipt.verified_at = utcnow()
    flush(session, f"receipt {receipt.id}")
    offer_ids = session.scalars(
        select(ConsignmentLine.offer_line_id).where(
            ConsignmentLine.consignment_id == consignment_id
        )
    )
    ledger.apply(session, list(offer_ids))
    return receipt
