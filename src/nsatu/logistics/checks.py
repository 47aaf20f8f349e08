"""Read-only checks of the chain of custody, for ``nsatu check``.

- every consignment's stored state is the one the replay of its recorded events gives;
- every ingest batch's rows still hash to the digest its audit entry recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.custody import ImpossibleEvent, Route, replay
from nsatu.core.lifecycles import CONSIGNMENT, ConsignmentStatus
from nsatu.db.models import AuditEntry, Consignment
from nsatu.logistics import batch_audit, ingest

S = ConsignmentStatus
#: States set by hand after the events: the replay must reach a state the move starts from.
_BY_HAND_AFTER = {S.CLOSED: "close", S.CANCELLED: "cancel"}


def custody_mismatches(session: Session) -> Iterator[tuple[int, str, str]]:
    """(id, reference, what is wrong) of each consignment whose stored state is not the replay of
    its events, in id order."""
    references = list(session.scalars(select(Consignment.reference).order_by(Consignment.id)))
    targets = ingest._targets(session, set(references), {})  # the reads of an ingest
    for reference in references:
        target = targets[reference]
        problem = _problem(target)
        if problem is not None:
            yield target.id, reference, problem


def _problem(target: Any) -> str | None:
    status: ConsignmentStatus = target.status
    by_hand = _BY_HAND_AFTER.get(status)
    if by_hand is None:
        if target.ledger is None:
            return str(target.broken)
        replayed = target.ledger.current.status
        return None if replayed is status else f"stored {status}, its events give {replayed}"
    # Closed or cancelled: replay from where the move by hand could start.
    route: Route = target.route
    try:
        replayed = replay(route, target.scans).status
    except ImpossibleEvent as exc:
        return f"its events do not replay: {exc.reason}"
    if replayed not in CONSIGNMENT.action(by_hand).sources:
        return f"stored {status}, but its events give {replayed}, which cannot be {by_hand}d"
    return None


def tampered_batches(session: Session) -> Iterator[tuple[int, str]]:
    """(audit seq, batch id) of each ingest batch whose rows no longer match its audit entry."""
    stmt = (
        select(AuditEntry.seq, AuditEntry.after)
        .where(AuditEntry.action == batch_audit.AUDIT_ACTION)
        .order_by(AuditEntry.seq)
    )
    for seq, after in session.execute(stmt):
        if after and after.get("applied") and not batch_audit.verify_batch(session, after):
            yield seq, str(after.get("batch"))
