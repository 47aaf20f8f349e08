"""The audit entry of an ingest batch: one entry per batch instead of one per row, still
tamper-evident. It records the batch id written on every row it applied, the counts, the status
moves, and SHA-256 digests of the applied rows and of the refused event ids; the entry itself is
in the hash chain (``nsatu.db.auditing``), and :func:`verify_batch` recomputes the rows' digest from
the table, so a row of the batch changed, added or deleted later no longer matches."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from nsatu.db.auditing import Change
from nsatu.db.models import TrackingEvent

EVENT = cast(Table, TrackingEvent.__table__)
#: The audit entry of a batch: ``entity`` and ``action``.
AUDIT_ENTITY = "tracking_event"
AUDIT_ACTION = "ingest_batch"
#: The columns of a tracking event that the digest covers, in order.
DIGEST_COLUMNS = (
    "consignment_id",
    "event_id",
    "kind",
    "site_id",
    "occurred_at",
    "quantity",
    "serials",
    "new_eta",
    "note",
    "reported_by",
)


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, str):
        return str(value)  # a StrEnum as its value
    if value is None or isinstance(value, int):
        return value
    return str(value)


def rows_digest(rows: Iterable[Mapping[str, Any]]) -> str:
    """SHA-256 over the canonical JSON of the rows' :data:`DIGEST_COLUMNS`, sorted: the same rows
    give the same digest wherever and in whatever order they are read."""
    h = hashlib.sha256()
    lines = sorted(
        json.dumps([_cell(row[c]) for c in DIGEST_COLUMNS], separators=(",", ":")) for row in rows
    )
    for line in lines:
        h.update(line.encode())
        h.update(b"\n")
    return h.hexdigest()


def entry(
    batch: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    counts: Mapping[str, int],
    refused: Sequence[str],
    stored: int,
    resolved: int,
    moves: Mapping[int, tuple[str, str]],
) -> Change:
    """The one audit entry of a batch."""
    return Change(
        entity=AUDIT_ENTITY,
        entity_id=None,
        action=AUDIT_ACTION,
        before=None,
        after={
            "batch": batch,
            **counts,
            "events_digest": rows_digest(rows),
            "refused_digest": hashlib.sha256("\n".join(refused).encode()).hexdigest(),
            "rejections_stored": stored,
            "rejections_resolved": resolved,
            "status_moves": {str(cid): list(move) for cid, move in sorted(moves.items())},
        },
    )


def verify_batch(session: Session, recorded: Mapping[str, Any]) -> bool:
    """Do the stored rows of a batch still hash to the digest its audit entry recorded?

    ``recorded`` is the entry's ``after``. A changed, added or deleted row of the batch fails.
    """
    stmt = select(*(EVENT.c[c] for c in DIGEST_COLUMNS)).where(EVENT.c.batch == recorded["batch"])
    rows = [dict(row) for row in session.execute(stmt).mappings()]
    return len(rows) == recorded.get("applied") and rows_digest(rows) == recorded.get(
        "events_digest"
    )
