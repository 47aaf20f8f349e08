"""Acceptance: 10,000 events with 100 duplicates, 50 out of order and 20 impossible ones."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.core.custody import Route, Scan, replay
from nsatu.core.enums import TrackingEventKind
from nsatu.db.models import AuditEntry, Consignment, TrackingEvent, TrackingRejection
from nsatu.logistics import batch_audit, ingest
from nsatu.logistics.generate import generate_batch, seed_consignments
from tests.factories import make_site


def _states(session: Session) -> dict[str, tuple[str, int]]:
    rows = session.execute(select(Consignment.reference, Consignment.status, Consignment.version))
    return {ref: (str(status), version) for ref, status, version in rows}


def test_a_batch_of_ten_thousand_events(session: Session) -> None:
    off_route = make_site(session, code="OFF-ROUTE")
    routes = seed_consignments(session, 2500, prefix="ACC")
    batch = generate_batch(
        routes,
        total=10_000,
        duplicates=100,
        out_of_order=50,
        impossible=20,
        seed=20250301,
        off_route_site=off_route.code,
    )
    assert len(batch.events) == 10_000
    # The batch holds what it should: 100 resent events, 50 sent after a later event of their
    # consignment, 20 impossible ones.
    ids = [(e.consignment, e.event_id) for e in batch.events]
    assert len(ids) - len(set(ids)) == 100
    latest: dict[str, ingest.EventIn] = {}
    late = 0
    seen: set[tuple[str, str]] = set()
    for e in batch.events:
        if (e.consignment, e.event_id) in seen or e.event_id in batch.impossible:
            continue
        seen.add((e.consignment, e.event_id))
        before = latest.get(e.consignment)
        if before is not None and before.occurred_at > e.occurred_at:
            late += 1
        else:
            latest[e.consignment] = e
    assert late == 50

    result = ingest.ingest(session, batch.events)

    assert result.counts() == {"applied": 9_880, "duplicates": 100, "rejected": 20}
    assert session.scalar(select(func.count()).select_from(TrackingEvent)) == 9_880
    rejections = session.execute(select(TrackingRejection)).scalars().all()
    assert {r.event_id for r in rejections} == batch.impossible
    for r in rejections:
        assert r.consignment_reference in r.reason and r.event_id in r.reason
        assert r.payload["event_id"] == r.event_id
    reasons = " ".join(r.reason for r in rejections)
    assert "has not departed" in reasons
    assert "more than 12" in reasons
    assert "OFF-ROUTE is not on the consignment's route" in reasons

    # The stored states are what the generator meant, and what a replay in time order gives.
    states = _states(session)
    assert {ref: states[ref][0] for ref in batch.expected} == {
        ref: str(s) for ref, s in batch.expected.items()
    }
    events: dict[int, list[Scan]] = defaultdict(list)
    for ev in session.execute(select(TrackingEvent)).scalars():
        events[ev.consignment_id].append(
            Scan(ev.event_id, TrackingEventKind(ev.kind), ev.occurred_at, ev.site_id, ev.quantity)
        )
    for c in session.execute(
        select(Consignment).where(Consignment.reference.like("ACC-%"))
    ).scalars():
        route = Route(
            c.reference,
            c.origin_site_id,
            c.destination_site_id,
            frozenset(s.site_id for s in events[c.id] if s.site_id)
            | {c.origin_site_id, c.destination_site_id},
            loaded=Decimal(12),
        )
        assert str(replay(route, events[c.id]).status) == str(c.status)

    # One audit entry for the batch, whose digest matches the stored rows.
    entries = (
        session.execute(select(AuditEntry).where(AuditEntry.action == batch_audit.AUDIT_ACTION))
        .scalars()
        .all()
    )
    assert len(entries) == 1 and entries[0].after is not None
    assert entries[0].after["applied"] == 9_880
    assert batch_audit.verify_batch(session, entries[0].after)

    # The same batch again changes nothing.
    audit_before = session.scalar(select(func.max(AuditEntry.seq)))
    again = ingest.ingest(session, batch.events)
    assert again.counts() == {"applied": 0, "duplicates": 9_980, "rejected": 20}
    assert again.batch is None
    assert session.scalar(select(func.count()).select_from(TrackingEvent)) == 9_880
    assert session.scalar(select(func.count()).select_from(TrackingRejection)) == 20
    assert _states(session) == states
    assert session.scalar(select(func.max(AuditEntry.seq))) == audit_before
