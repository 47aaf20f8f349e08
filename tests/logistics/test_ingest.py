"""The ingest service: late events across batches, serials, the batch's audit entry, rollback."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.enums import TrackingEventKind as K
from nsatu.db.models import (
    AuditEntry,
    Consignment,
    ItemType,
    TrackingEvent,
    TrackingRejection,
)
from nsatu.logistics import batch_audit, ingest
from nsatu.logistics.generate import RouteSpec, seed_consignments

T0 = dt.datetime(2025, 3, 1, 8, tzinfo=dt.UTC)


def ev(
    route: RouteSpec, n: int, kind: K, site: str | None, hours: float, **kw: object
) -> ingest.EventIn:
    return ingest.EventIn(
        event_id=f"{route.reference}-{n}",
        consignment=route.reference,
        kind=kind,
        site=site,
        occurred_at=T0 + dt.timedelta(hours=hours),
        **kw,  # type: ignore[arg-type]
    )


def status(session: Session, route: RouteSpec) -> str:
    return str(
        session.scalars(
            select(Consignment.status).where(Consignment.reference == route.reference)
        ).one()
    )


def test_a_late_event_in_a_later_batch_is_placed_in_time(session: Session) -> None:
    (r,) = seed_consignments(session, 1, prefix="LATE")
    first = ingest.ingest(
        session,
        [ev(r, 1, K.DEPARTED, r.origin, 0), ev(r, 3, K.DEPARTED_HUB, r.hub, 12)],
    )
    # The departure from the hub needs the arrival, which has not come yet.
    assert (first.applied, first.rejected) == (1, 1)
    late = ingest.ingest(session, [ev(r, 2, K.ARRIVED_HUB, r.hub, 6)])
    assert late.applied == 1 and status(session, r) == "at_hub"
    # A late event that would break what was recorded after it is refused, naming both.
    ingest.ingest(session, [ev(r, 4, K.HANDED_OVER, r.destination, 20)])
    assert ingest.ingest(session, [ev(r, 3, K.DEPARTED_HUB, r.hub, 12)]).applied == 1
    assert status(session, r) == "handed_over"
    broken = ingest.ingest(session, [ev(r, 5, K.HOLD, r.hub, 10)])
    assert broken.rejected == 1
    reason = broken.refusals[0].reason
    assert "arrived late and would make a recorded event impossible" in reason
    assert f"{r.reference}-3" in reason
    assert status(session, r) == "handed_over"


def test_a_retry_with_other_content_is_refused_not_applied(session: Session) -> None:
    (r,) = seed_consignments(session, 1, prefix="RETRY")
    ingest.ingest(session, [ev(r, 1, K.DEPARTED, r.origin, 0, quantity=Decimal(12))])
    again = ingest.ingest(session, [ev(r, 1, K.DEPARTED, r.origin, 0, quantity=Decimal("12.000"))])
    assert again.duplicates == 1 and again.batch is None
    changed = ingest.ingest(session, [ev(r, 1, K.DEPARTED, r.origin, 1, quantity=Decimal(12))])
    assert changed.rejected == 1
    assert "already recorded for a different event" in changed.refusals[0].reason


def test_serial_tracked_goods_need_their_serials(session: Session) -> None:
    (r,) = seed_consignments(session, 1, prefix="SER", loaded=2)
    session.execute(update(ItemType).where(ItemType.code == "item-SER").values(serial_tracked=True))
    bare = ingest.ingest(session, [ev(r, 1, K.DEPARTED, r.origin, 0)])
    assert "serial-tracked: 0 serial numbers for quantity 2" in bare.refusals[0].reason
    ok = ingest.ingest(session, [ev(r, 2, K.DEPARTED, r.origin, 0, serials=("S1", "S2"))])
    assert ok.applied == 1
    stored = session.scalars(select(TrackingEvent.serials)).one()
    assert stored == "S1;S2"


def test_the_batch_entry_detects_a_changed_or_removed_row(session: Session) -> None:
    routes = seed_consignments(session, 3, prefix="AUD")
    result = ingest.ingest(
        session, [ev(r, 1, K.DEPARTED, r.origin, i) for i, r in enumerate(routes)]
    )
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == batch_audit.AUDIT_ACTION)
    ).one()
    assert entry.after is not None and entry.after["batch"] == result.batch
    assert entry.after["status_moves"] == {"ready>in_transit": 3}
    assert batch_audit.verify_batch(session, entry.after)
    session.execute(
        update(TrackingEvent)
        .where(TrackingEvent.event_id == f"{routes[0].reference}-1")
        .values(quantity=Decimal(1))
    )
    assert not batch_audit.verify_batch(session, entry.after)


def test_a_failed_commit_leaves_nothing(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as setup:
        (r,) = seed_consignments(setup, 1, prefix="FAIL")
        setup.commit()
    with session_factory() as session:
        session.begin_nested()
        result = ingest.ingest(
            session, [ev(r, 1, K.DEPARTED, r.origin, 0), ev(r, 9, K.RECEIVED, r.destination, 1)]
        )
        assert (result.applied, result.rejected) == (1, 1)
        session.rollback()  # what the unit of work does when the commit fails
    with session_factory() as check:
        assert check.scalar(select(func.count()).select_from(TrackingEvent)) == 0
        assert check.scalar(select(func.count()).select_from(TrackingRejection)) == 0
        assert str(check.scalars(select(Consignment.status)).one()) == "ready"


@pytest.mark.parametrize("status_", ["cancelled", "closed"])
def test_a_sealed_consignment_takes_notes_only(session: Session, status_: str) -> None:
    (r,) = seed_consignments(session, 1, prefix="SEAL")
    session.execute(update(Consignment).values(status=status_))
    result = ingest.ingest(
        session, [ev(r, 1, K.DEPARTED, r.origin, 0), ev(r, 2, K.NOTE, None, 1, note="called off")]
    )
    assert (result.applied, result.rejected) == (1, 1)
    assert f"the consignment is {status_} and takes only notes" in result.refusals[0].reason


def test_nsatu_check_finds_a_state_or_a_batch_changed_behind_the_ingest(session: Session) -> None:
    from nsatu.integrity import service as integrity_service

    def failing() -> dict[str, list[str]]:
        return {
            r.name: [e.detail for e in r.examples]
            for r in integrity_service.run_checks(session)
            if not r.passed
        }

    routes = seed_consignments(session, 3, prefix="CHK")
    ingest.ingest(session, [ev(r, 1, K.DEPARTED, r.origin, i) for i, r in enumerate(routes)])
    session.execute(
        update(Consignment)
        .where(Consignment.reference == routes[2].reference)
        .values(status="closed")
    )
    ingest.ingest(session, [ev(routes[2], 9, K.NOTE, None, 5, note="closed by hand")])
    assert failing() == {
        "consignment_states_replay": [
            "stored closed, but its events give in_transit, which cannot be closed"
        ]
    }
    session.execute(
        update(Consignment)
        .where(Consignment.reference.in_([routes[0].reference, routes[2].reference]))
        .values(status="received")
    )
    session.execute(
        update(TrackingEvent)
        .where(TrackingEvent.event_id == f"{routes[1].reference}-1")
        .values(site_id=None)
    )
    bad = failing()
    assert bad["consignment_states_replay"] == [
        "stored received, its events give in_transit",
        f"the recorded events do not replay: consignment {routes[1].reference}, event "
        f"{routes[1].reference}-1 (departed): a site is required",
        "stored received, its events give in_transit",
    ]
    assert len(bad["ingest_batches_match_audit"]) == 1


def test_a_consignment_changed_during_the_batch_makes_it_a_409(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer moves a consignment between the batch's reads and its writes: the batch
    is refused whole (its version check fails), never applied over the change."""
    from nsatu.errors import Conflict

    (r,) = seed_consignments(session, 1, prefix="RACE")
    read = ingest._targets

    def read_then_someone_writes(*args: object) -> object:
        targets = read(*args)  # type: ignore[arg-type]
        session.execute(update(Consignment).values(version=Consignment.version + 1))
        return targets

    monkeypatch.setattr(ingest, "_targets", read_then_someone_writes)
    with pytest.raises(Conflict, match="changed while the batch was being checked"):
        ingest.ingest(session, [ev(r, 1, K.DEPARTED, r.origin, 0)])
    monkeypatch.undo()
    assert ingest.ingest(session, [ev(r, 1, K.DEPARTED, r.origin, 0)]).applied == 1
    assert status(session, r) == "in_transit"
