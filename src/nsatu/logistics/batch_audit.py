"""The audit entry of an ingest batch: one entry per batch instead of one per row, still
tamper-evident. It records the batch id written on every row it applied, the counts, the status
moves, and SHA-256 digests of the applied rows and of the refused event ids; the entry itself is
in the hash chain (``nsatu.db.auditing``), and :func:`verify_batch` recomputes the rows' digest from
the table, so a row of the batch changed, added or deleted later no longer matches."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
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


def _quantity(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()


def digest_line(
    consignment_id: int,
    event_id: str,
    kind: str,
    site_id: int | None,
    occurred_at: dt.datetime,
    quantity: Decimal | None,
    serials: str | None,
    new_eta: dt.datetime | None,
    note: str | None,
    reported_by: str,
) -> str:
    """One row's canonical form: the ``repr`` of a tuple of strings, integers and ``None``
    (unambiguous, whatever the text holds), times in UTC, quantities without trailing zeros."""
    return repr(
        (
            consignment_id,
            event_id,
            str(kind),
            site_id,
            _time(occurred_at),
            _quantity(quantity),
            serials,
            _time(new_eta),
            note,
            reported_by,
        )
    )


def lines_digest(lines: Iterable[str]) -> str:
    """SHA-256 over the sorted lines: the same rows give the same digest in any order."""
    h = hashlib.sha256()
    for line in sorted(lines):
        h.update(line.encode())
        h.update(b"\n")
    return h.hexdigest()


def rows_digest(rows: Iterable[Mapping[str, Any]]) -> str:
    """The digest of rows holding the :data:`DIGEST_COLUMNS`."""
    return lines_digest(digest_line(*(row[c] for c in DIGEST_COLUMNS)) for row in rows)


def entry(
    batch: str,
    lines: Sequence[str],
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
            "events_digest": lines_digest(lines),
            "refused_digest": hashlib.sha256("\n".join(refused).encode()).hexdigest(),
            "rejections_stored": stored,
            "rejections_resolved": resolved,
            # Consignment moves: how many of each, and a digest of every one (id, from, to).
            "status_moves": dict(sorted(Counter(f"{a}>{b}" for a, b in moves.values()).items())),
            "status_moves_digest": lines_digest(f"{cid}:{a}>{b}" for cid, (a, b) in moves.items()),
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
