"""Proof of delivery: validation naming the field, quantities adding up, verification by another
user, stale versions; and the acceptance test: damaged and lost quantities update the ledgers of
the offer line and of the need, and the need's coverage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from nsatu.core.lifecycles import OfferStage, ReceiptStatus, RequirementStatus
from nsatu.db.models import OfferLine, Requirement
from nsatu.delivery import errors, ledger, receipts
from nsatu.delivery import schemas as s
from nsatu.errors import InvalidInput, PermissionDenied, StaleVersion
from tests.delivery.world import RECORDER, T0, VERIFIER, as_actor, delivered


def pod(line_id: int, **quantities: Any) -> s.ReceiptCreate:
    return s.ReceiptCreate(
        received_by="Maj. Receiver, 1st Log Bn",
        received_at=T0 + dt.timedelta(hours=21),
        lines=[s.ReceiptLineIn(consignment_line_id=line_id, **quantities)],
    )


def test_damaged_and_lost_update_both_ledgers_and_the_coverage(session: Session) -> None:
    d = delivered(session, "PODA", loaded=10, requested=10, handed_over=8)
    before = ledger.need_ledger(session, d.need_id)
    assert (before.outcomes.pending, before.outcomes.accepted) == (10, 0)

    as_actor(session, RECORDER)
    receipt = receipts.record_receipt(
        session,
        d.consignment_id,
        pod(
            d.line_id,
            quantity_good=Decimal(6),
            quantity_damaged=Decimal(2),
            damaged_reason="damaged",
            quantity_lost=Decimal(2),
            lost_reason="stolen",
        ),
    )
    offer = ledger.offer_ledger(session, d.offer_id)
    assert offer.as_dict() | {"state": None} == {
        "kind": "offer_line",
        "id": d.offer_id,
        "reference": offer.reference,
        "requested": None,
        "pledged": Decimal(10),
        "allocated": Decimal(10),
        "in_transit": Decimal(0),
        "delivered": Decimal(8),
        "accepted": Decimal(0),  # not verified yet
        "damaged": Decimal(2),
        "lost": Decimal(2),
        "rejected": Decimal(0),
        "remaining": Decimal(2),  # the lost units are still owed
        "state": None,
    }
    # Delivered is not verified: nothing is accepted, the need is not covered yet.
    assert session.get(Requirement, d.need_id).status == RequirementStatus.PUBLISHED  # type: ignore[union-attr]
    assert session.get(OfferLine, d.offer_id).stage == OfferStage.ALLOCATED  # type: ignore[union-attr]

    as_actor(session, VERIFIER)
    receipts.verify_receipt(session, d.consignment_id, version=receipt.version)
    need = ledger.need_ledger(session, d.need_id)
    assert (need.requested, need.allocated, need.outcomes.accepted) == (10, 10, 6)
    assert (need.outcomes.damaged, need.outcomes.lost, need.outcomes.delivered) == (2, 2, 8)
    assert need.remaining == 4
    assert session.get(Requirement, d.need_id).status == RequirementStatus.PARTIALLY_COVERED  # type: ignore[union-attr]
    # Two units lost: not all the allocated quantity was received, so the line is not delivered.
    assert session.get(OfferLine, d.offer_id).stage == OfferStage.ALLOCATED  # type: ignore[union-attr]


def test_a_full_receipt_covers_the_need_and_delivers_the_offer_line(session: Session) -> None:
    d = delivered(session, "PODB", loaded=5, requested=5)
    as_actor(session, RECORDER)
    r = receipts.record_receipt(session, d.consignment_id, pod(d.line_id, quantity_good=Decimal(5)))
    assert session.get(OfferLine, d.offer_id).stage == OfferStage.DELIVERED  # type: ignore[union-attr]
    as_actor(session, VERIFIER)
    receipts.verify_receipt(session, d.consignment_id, version=r.version)
    assert r.status == ReceiptStatus.VERIFIED and r.verified_by == "verifier"
    assert session.get(Requirement, d.need_id).status == RequirementStatus.COVERED  # type: ignore[union-attr]


def test_the_receiver_does_not_verify_their_own_receipt(session: Session) -> None:
    d = delivered(session, "PODC", loaded=3)
    as_actor(session, RECORDER)
    r = receipts.record_receipt(session, d.consignment_id, pod(d.line_id, quantity_good=Decimal(3)))
    with pytest.raises(PermissionDenied, match="other than the user who recorded it"):
        receipts.verify_receipt(session, d.consignment_id, version=r.version)
    assert r.status == ReceiptStatus.RECORDED


@pytest.mark.parametrize(
    ("quantities", "field", "message"),
    [
        (
            {"quantity_good": Decimal(9)},
            "lines[0].quantity_good",
            "add up to 9, but the line carried 10",
        ),
        (
            {"quantity_good": Decimal(8), "quantity_damaged": Decimal(2)},
            "lines[0].damaged_reason",
            "a reason is required for 2 damaged",
        ),
        (
            {"quantity_good": Decimal(10), "rejected_reason": "wrong_item"},
            "lines[0].rejected_reason",
            "given without a rejected quantity",
        ),
    ],
)
def test_validation_names_the_field(
    session: Session, quantities: dict[str, Any], field: str, message: str
) -> None:
    d = delivered(session, "PODD", loaded=10)
    as_actor(session, RECORDER)
    with pytest.raises(InvalidInput, match=message) as exc:
        receipts.record_receipt(session, d.consignment_id, pod(d.line_id, **quantities))
    assert exc.value.field == field


def test_what_arrived_must_match_the_handover(session: Session) -> None:
    d = delivered(session, "PODE", loaded=10, handed_over=9)
    as_actor(session, RECORDER)
    with pytest.raises(errors.QuantitiesDoNotAddUp, match="handover recorded 9"):
        receipts.record_receipt(
            session, d.consignment_id, pod(d.line_id, quantity_good=Decimal(10))
        )


def test_an_unknown_line_and_a_consignment_not_handed_over_are_refused(session: Session) -> None:
    d = delivered(session, "PODF", loaded=4, hand_over=False)
    as_actor(session, RECORDER)
    with pytest.raises(errors.NotHandedOver, match="in_transit"):
        receipts.record_receipt(session, d.consignment_id, pod(d.line_id, quantity_good=Decimal(4)))
    e = delivered(session, "PODG", loaded=4)
    with pytest.raises(InvalidInput) as exc:
        receipts.record_receipt(session, e.consignment_id, pod(d.line_id, quantity_good=Decimal(4)))
    assert exc.value.field == "lines[0].consignment_line_id"


def test_a_stale_correction_is_a_conflict_and_a_verified_receipt_is_final(session: Session) -> None:
    d = delivered(session, "PODH", loaded=4)
    as_actor(session, RECORDER)
    r = receipts.record_receipt(session, d.consignment_id, pod(d.line_id, quantity_good=Decimal(4)))
    first = r.version
    fixed = [
        s.ReceiptLineIn(
            consignment_line_id=d.line_id,
            quantity_good=Decimal(3),
            quantity_rejected=Decimal(1),
            rejected_reason="wrong_item",
        )
    ]
    receipts.update_receipt(session, d.consignment_id, s.ReceiptUpdate(version=first, lines=fixed))
    assert r.version == first + 1
    assert ledger.offer_ledger(session, d.offer_id).outcomes.rejected == 1
    with pytest.raises(StaleVersion):
        receipts.update_receipt(
            session, d.consignment_id, s.ReceiptUpdate(version=first, received_by="someone")
        )
    assert r.received_by != "someone"
    with pytest.raises(errors.ReceiptExists):
        receipts.record_receipt(session, d.consignment_id, pod(d.line_id, quantity_good=Decimal(4)))
    as_actor(session, VERIFIER)
    receipts.verify_receipt(session, d.consignment_id, version=r.version)
    with pytest.raises(errors.ReceiptVerified):
        receipts.update_receipt(
            session, d.consignment_id, s.ReceiptUpdate(version=r.version, note="late edit")
        )


def test_nsatu_check_finds_a_receipt_that_does_not_add_up(session: Session) -> None:
    from sqlalchemy import update

    from nsatu.db.models import ReceiptLine
    from nsatu.integrity import service as integrity_service

    def found() -> list[str]:
        (result,) = [
            r for r in integrity_service.run_checks(session) if r.name == "receipts_add_up"
        ]
        return [e.detail for e in result.examples]

    d = delivered(session, "PODK", loaded=4)
    as_actor(session, RECORDER)
    receipts.record_receipt(
        session,
        d.consignment_id,
        pod(d.line_id, quantity_good=Decimal(3), quantity_lost=Decimal(1), lost_reason="missing"),
    )
    assert found() == []
    # Raw SQL, as a broken import or a hand fix would do: the service refuses both.
    session.execute(update(ReceiptLine).values(quantity_good=Decimal(5), lost_reason=None))
    session.expire_all()
    problems = found()
    assert any("6 received for a line that carried 4" in p for p in problems), problems
    assert any("lost without a reason" in p for p in problems), problems
