"""Use cases: list, verify and export the audit trail. Nothing here writes an entry (the hook in
:mod:`nsatu.db.auditing` does) and nothing commits."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from sqlalchemy import Connection, Select, select
from sqlalchemy.orm import Session

from nsatu.audit.errors import AuditEntryNotFound, AuditLogNotFound
from nsatu.audit.schemas import (
    AuditEntryRead,
    AuditFilter,
    AuditSelection,
    ChainBreak,
    ChainReport,
    ExportFormat,
    ExportResult,
)
from nsatu.core.access import Actor, Role
from nsatu.core.audit_chain import Head, Verifier, canonical, json_safe
from nsatu.db.auditing import ENTRY, HEAD, HEAD_ID, audited_tables
from nsatu.db.models import AuditEntry
from nsatu.db.repository import Page, order_by, paginate
from nsatu.db.scoping import actor_of
from nsatu.transfer import sheets
from nsatu.transfer.schemas import Format

#: Who may read the log. In-process code (no actor) may too.
AUDIT_READERS = frozenset({Role.AUDITOR, Role.COORDINATOR})

SORTABLE = {"seq": AuditEntry.seq, "at": AuditEntry.at}
#: Entries read per round trip while verifying.
VERIFY_BATCH = 2_000

EXPORT_COLUMNS = (
    "seq",
    "at",
    "username",
    "user_id",
    "role",
    "channel",
    "entity",
    "entity_id",
    "action",
    "before",
    "after",
    "prev_hash",
    "hash",
)
ALGORITHM = (
    "hash = SHA-256 (hex) of the UTF-8 JSON object of seq, at, user_id, username, role, channel, "
    "entity, entity_id, action, before, after and prev_hash, keys sorted, no spaces; prev_hash of "
    "entry 1 is 64 zeros, of every other entry the hash of the one before."
)


def may_read(actor: Actor | None) -> bool:
    return actor is None or actor.role in AUDIT_READERS


def require_reader(session: Session) -> None:
    """404 for anyone who may not read the log (as if it did not exist)."""
    if not may_read(actor_of(session)):
        raise AuditLogNotFound("Not Found")


def _selected(f: AuditSelection) -> Select[AuditEntry]:
    stmt = select(AuditEntry)
    if f.entity is not None:
        stmt = stmt.where(AuditEntry.entity == f.entity)
    if f.entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == f.entity_id)
    if f.user is not None:
        stmt = stmt.where(AuditEntry.username == f.user)
    if f.action is not None:
        # "transition" also finds every "transition:<action>".
        stmt = stmt.where(
            (AuditEntry.action == f.action) | AuditEntry.action.startswith(f"{f.action}:")
        )
    if f.since is not None:
        stmt = stmt.where(AuditEntry.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(AuditEntry.at < f.until)
    return stmt


def list_entries(session: Session, f: AuditFilter) -> Page[AuditEntry]:
    """A page of the entries ``f`` selects, newest first by default."""
    require_reader(session)
    stmt = order_by(_selected(f), f.sort or "-seq", SORTABLE, tiebreak=AuditEntry.__table__.c.id)
    return paginate(session, stmt, page=f.page, size=f.size)


def get_entry(session: Session, seq: int) -> AuditEntry:
    require_reader(session)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.seq == seq))
    if entry is None:
        raise AuditEntryNotFound(f"audit entry {seq} does not exist")
    return entry


def entities() -> list[str]:
    """The tables whose changes the log records (for filter choices)."""
    return audited_tables()


def entries(session: Session, f: AuditSelection) -> Iterator[AuditEntry]:
    """Every entry ``f`` selects, oldest first, read in batches."""
    require_reader(session)
    stmt = _selected(f).order_by(AuditEntry.seq).execution_options(yield_per=VERIFY_BATCH)
    yield from session.execute(stmt).scalars()


def summary(
    before: dict[str, Any] | None, after: dict[str, Any] | None, *, width: int = 120
) -> str:
    """One line for a table: ``field: old → new`` for an update, ``field=value`` for a create or
    delete (bookkeeping columns left out; the entry itself has them)."""
    if before is not None and after is not None:
        parts = [
            f"{k}: {_short(before.get(k))} → {_short(v)}"
            for k, v in after.items()
            if k not in _BOOKKEEPING
        ]
    else:
        values = after if after is not None else before or {}
        parts = [
            f"{k}={_short(v)}" for k, v in values.items() if v is not None and k not in _BOOKKEEPING
        ]
    text = "; ".join(parts)
    return text if len(text) <= width else text[: width - 1] + "…"


_BOOKKEEPING = frozenset({"id", "version", "created_at", "updated_at"})


def _short(value: Any) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


# --- verify ------------------------------------------------------------------------------------


def verify_chain(session: Session, *, anchor: Head | None = None) -> ChainReport:
    """Walk the whole chain and report the first entry that was modified, deleted, inserted or
    reordered, or a tail that disagrees with the recorded head (or with ``anchor``)."""
    require_reader(session)
    conn = session.connection()
    # One statement reads the head beside the entries, so both come from the same snapshot even
    # while others append; only an empty result needs a second look.
    for _attempt in range(2):
        report = _walk(conn, anchor)
        if report is not None:
            return report
    head = _head(conn)
    return _report(Verifier(head, anchor, head_required=True), head)


def _walk(conn: Connection, anchor: Head | None) -> ChainReport | None:
    head_seq = select(HEAD.c.seq).where(HEAD.c.id == HEAD_ID).scalar_subquery()
    head_hash = select(HEAD.c.hash).where(HEAD.c.id == HEAD_ID).scalar_subquery()
    stmt = select(*ENTRY.c, head_seq.label("head_seq"), head_hash.label("head_hash")).order_by(
        ENTRY.c.seq
    )
    verifier: Verifier | None = None
    head: Head | None = None
    result = conn.execute(stmt.execution_options(yield_per=VERIFY_BATCH))
    try:
        for row in result.mappings():
            if verifier is None:
                seq, digest = row["head_seq"], row["head_hash"]
                head = Head(seq, digest) if seq is not None else None
                verifier = Verifier(head, anchor, head_required=True)
            if verifier.feed(dict(row)) is not None:
                break
    finally:
        result.close()
    if verifier is None:
        # No entries: fine if the head says so. Otherwise someone may have appended in between,
        # so the caller looks once more before calling the log truncated.
        head = _head(conn)
        if head is not None and head.seq > 0:
            return None
        return _report(Verifier(head, anchor, head_required=True), head)
    return _report(verifier, head)


def _head(conn: Connection) -> Head | None:
    row = conn.execute(select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == HEAD_ID)).first()
    return Head(int(row.seq), str(row.hash)) if row is not None else None


def _report(verifier: Verifier, head: Head | None) -> ChainReport:
    broken = verifier.finish()
    return ChainReport(
        ok=broken is None,
        entries=verifier.count,
        head_seq=head.seq if head is not None else verifier.last_seq,
        head_hash=head.hash if head is not None else verifier.last_hash,
        broken=None
        if broken is None
        else ChainBreak(
            seq=broken.seq,
            entry_id=broken.entry_id,
            problem=str(broken.problem),
            detail=broken.detail,
        ),
    )


# --- export ------------------------------------------------------------------------------------


def export_entries(
    session: Session, out: BinaryIO, fmt: ExportFormat, f: AuditSelection
) -> ExportResult:
    """Write the entries ``f`` selects to ``out``, oldest first.

    CSV and XLSX carry one row per entry, ``before`` and ``after`` as JSON text; CSV cells that a
    spreadsheet would run as a formula get the apostrophe guard of :mod:`nsatu.transfer.sheets`.
    JSON carries the entries as stored, enough to re-check every hash elsewhere.
    """
    rows = [AuditEntryRead.model_validate(e) for e in entries(session, f)]
    if fmt is ExportFormat.JSON:
        document = {
            "kind": "nsatu audit trail",
            "exported_at": dt.datetime.now(dt.UTC).isoformat(),
            "selection": f.model_dump(mode="json", exclude_none=True),
            "algorithm": ALGORITHM,
            # Every field exactly as hashed (times in their canonical text), so the chain can be
            # re-checked from this file alone.
            "entries": [r.model_dump(mode="json") | {"at": json_safe(r.at)} for r in rows],
        }
        out.write(json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"))
    else:
        sheets.write(
            out,
            Format(fmt.value),
            title="Audit trail",
            header=EXPORT_COLUMNS,
            rows=[_cells(r) for r in rows],
            about=_about(f, len(rows)),
        )
    return ExportResult(exported=len(rows), format=fmt)


def _json_text(value: dict[str, Any] | None) -> str | None:
    return None if value is None else canonical(value).decode("utf-8")


def _cells(r: AuditEntryRead) -> list[Any]:
    return [
        r.seq,
        # As text: spreadsheets keep no time zone, and this is the form the hash covers.
        json_safe(r.at),
        r.username,
        r.user_id,
        r.role,
        r.channel,
        r.entity,
        r.entity_id,
        r.action,
        _json_text(r.before),
        _json_text(r.after),
        r.prev_hash,
        r.hash,
    ]


def _about(f: AuditSelection, count: int) -> list[tuple[str, str]]:
    chosen = f.model_dump(mode="json", exclude_none=True)
    return [
        ("What", f"nsatu audit trail: {count} entries, oldest first"),
        ("Selection", ", ".join(f"{k}={v}" for k, v in chosen.items()) or "every entry"),
        ("Exported", dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
        ("Hash", ALGORITHM),
        ("Check", "Run `nsatu audit verify` on the database to check the whole chain."),
    ]
