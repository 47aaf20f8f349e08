"""Refused tracking events: listing them, and replaying them once the data is fixed.

A refusal is stored by the ingest with its reason and the payload as sent (``tracking_rejection``),
one row per sender and event id. It is resolved when the event is finally applied: by a replay
here (after the route, the lines or the consignment's state were corrected), or when the sender
sends a corrected event with the same id in a later batch.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from nsatu.db.base import utcnow
from nsatu.db.models import Consignment, TrackingEvent, TrackingRejection
from nsatu.db.repository import Page, paginate
from nsatu.errors import NotFound
from nsatu.logistics import ingest
from nsatu.logistics import schemas as s


class RejectionNotFound(NotFound):
    code = "tracking_rejection_not_found"


def list_rejections(session: Session, f: s.RejectionFilter) -> Page[TrackingRejection]:
    """Refusals in the caller's scope (its own; all for coordinators and auditors), newest first."""
    where: list[ColumnElement[bool]] = []
    if f.consignment_reference is not None:
        where.append(TrackingRejection.consignment_reference == f.consignment_reference)
    if f.resolved is not None:
        resolved = TrackingRejection.resolved_at
        where.append(resolved.is_not(None) if f.resolved else resolved.is_(None))
    stmt = (
        select(TrackingRejection)
        .where(*where)
        .order_by(TrackingRejection.received_at.desc(), TrackingRejection.id.desc())
    )
    return paginate(session, stmt, page=f.page, size=f.size)


def replay(session: Session, ids: list[int] | None = None) -> ingest.IngestResult:
    """Send the stored payloads of open refusals through the ingest again.

    ``ids`` picks refusals (each must be open and in the caller's scope, else 404 naming it);
    ``None`` replays every open refusal the caller sees. An applied or already recorded event
    resolves its refusal; one refused again keeps its row with the new reason.

    Raises:
        RejectionNotFound: an id is unknown, out of scope or already resolved.
        PermissionDenied: the caller may not record one of the events (nothing changed).
    """
    stmt = select(TrackingRejection).where(TrackingRejection.resolved_at.is_(None))
    if ids is not None:
        stmt = stmt.where(TrackingRejection.id.in_(ids))
    rows = list(session.scalars(stmt.order_by(TrackingRejection.id)))
    if ids is not None:
        missing = sorted(set(ids) - {r.id for r in rows})
        if missing:
            raise RejectionNotFound(
                f"ids: no open refusal {missing[0]} (unknown, not yours, or already resolved)",
                field="ids",
            )
    events = [
        replace(ingest.EventIn.from_payload(r.payload), row=n) for n, r in enumerate(rows, start=1)
    ]
    result = ingest.ingest(session, events, keep_refusals=False)
    refused = {(x.consignment, x.event_id): x.reason for x in result.refusals}
    now = utcnow()
    for row, ev in zip(rows, events, strict=True):
        reason = refused.get((ev.consignment, ev.event_id))
        row.attempts += 1
        if reason is not None:
            row.reason = reason
            continue
        row.resolved_at = now
        row.tracking_event_id = session.scalar(
            select(TrackingEvent.id)
            .join(Consignment, Consignment.id == TrackingEvent.consignment_id)
            .where(TrackingEvent.event_id == ev.event_id, Consignment.reference == ev.consignment)
        )
    session.flush()
    return result
