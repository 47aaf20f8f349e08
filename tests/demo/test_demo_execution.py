"""The demo's execution picture, on every backend: accepted allocations, consignments in every
state made from them, tracking events all applied, a live hub picture and alerts; consistent by
``nsatu check``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.core.lifecycles import (
    AllocationStatus,
    ConsignmentStatus,
    OfferStage,
    ReceiptStatus,
    RequirementStatus,
)
from nsatu.db.models import (
    Allocation,
    Consignment,
    ConsignmentLeg,
    OfferLine,
    Receipt,
    ReceiptLine,
    Requirement,
    TrackingEvent,
    TrackingRejection,
)
from nsatu.demo import execution
from nsatu.demo import service as demo_service
from nsatu.integrity import service as integrity
from nsatu.logistics import hub_ops

TODAY = dt.datetime.now(dt.UTC).date()


def test_consignments_in_every_state_with_their_events(session: Session) -> None:
    demo_service.load_demo(session)
    made = execution.load_execution(session, today=TODAY)
    assert made.allocations == execution.NEEDS
    statuses = session.scalars(select(Allocation.status)).all()
    assert set(statuses) == {AllocationStatus.ACCEPTED}
    states = set(session.scalars(select(Consignment.status)))
    assert states == set(ConsignmentStatus), f"missing: {set(ConsignmentStatus) - states}"
    assert made.consignments == session.scalar(select(func.count()).select_from(Consignment))
    # Every scan was possible: applied, none refused.
    assert made.events == session.scalar(select(func.count()).select_from(TrackingEvent)) > 0
    assert session.scalar(select(func.count()).select_from(TrackingRejection)) == 0
    # Every leg is dated and weighed.
    undated = (
        select(func.count())
        .select_from(ConsignmentLeg)
        .where(ConsignmentLeg.planned_arrival_on.is_(None) | ConsignmentLeg.weight_t.is_(None))
    )
    assert session.scalar(undated) == 0
    # The hubs are busy and some consignments are late.
    alerts = hub_ops.alerts(session, today=TODAY, late_after_days=2)
    kinds = {a.kind for a in alerts}
    assert {"hub_over_capacity", "consignment_late"} <= kinds
    u = hub_ops.hub_utilisation(session, "HUB-RZE", start=TODAY - dt.timedelta(days=13), end=TODAY)
    assert any(d.total.actual_in_t > 0 for d in u.figures.days)
    assert u.figures.days[-1].backlog > 0
    # nsatu check: the states are the replay of the events; the batch matches its audit entry;
    # the allocations fit their offers and needs; the receipts add up.
    failed = [r for r in integrity.run_checks(session) if r.count]
    assert not failed, failed
    # Proof of delivery for every received consignment (closed ones included), by the demo
    # recipient planner, verified by the demo coordinator (but the last, awaiting verification);
    # some goods damaged or lost, each with its reason.
    got = session.execute(
        select(Receipt, Consignment.status).join(
            Consignment, Consignment.id == Receipt.consignment_id
        )
    ).all()
    received = session.scalar(
        select(func.count())
        .select_from(Consignment)
        .where(Consignment.status.in_([ConsignmentStatus.RECEIVED, ConsignmentStatus.CLOSED]))
    )
    assert made.receipts == len(got) == received >= 3
    assert {r.recorded_by for r, _ in got} == {execution.RECORDER}
    verified = [r for r, _ in got if r.status is ReceiptStatus.VERIFIED]
    assert len(verified) == len(got) - 1
    assert {r.verified_by for r in verified} == {execution.VERIFIER} != {execution.RECORDER}
    lines = session.scalars(select(ReceiptLine)).all()
    assert any(x.quantity_damaged > 0 and x.damaged_reason for x in lines)
    assert any(x.quantity_lost > 0 and x.lost_reason for x in lines)
    assert all(x.quantity_lost == 0 or x.lost_reason for x in lines)
    assert all(x.quantity_damaged == 0 or x.damaged_reason for x in lines)
    # The ledgers follow: some offer lines delivered, some needs covered by what arrived.
    assert session.scalar(
        select(func.count()).select_from(OfferLine).where(OfferLine.stage == OfferStage.DELIVERED)
    )
    assert session.scalar(
        select(func.count())
        .select_from(Requirement)
        .where(
            Requirement.status.in_([RequirementStatus.COVERED, RequirementStatus.PARTIALLY_COVERED])
        )
    )
    # Only once: a database with allocations is left alone.
    assert execution.load_execution(session, today=TODAY) == execution.ExecutionReport(0, 0, 0)
