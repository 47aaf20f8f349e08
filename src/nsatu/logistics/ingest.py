"""Tracking-event ingest: one service behind the batch API, the scan-file import, the single-event
route and the replay of refused events.

A batch is checked as a whole, in memory, and written with a handful of bulk statements:

1. the caller may record every event (else 403 naming the row, nothing written);
2. consignments (by reference, in the caller's scope), their routes, loads and recorded events
   are read in a few queries;
3. per consignment a :class:`~nsatu.core.custody.Ledger` takes the batch's events in time order:
   a retry of a recorded ``event_id`` is a duplicate (ignored), an impossible event is refused
   with the reason, every other event is applied (a late one is replayed into place);
4. the applied events are inserted in bulk, changed states updated (version bumped), refused
   events stored in ``tracking_rejection`` (a retry updates its row, or leaves it alone when
   nothing changed), and **one audit entry per batch** records the batch id, its counts, the
   status moves and SHA-256 digests of the rows written (:func:`verify_batch` recomputes them).

A batch that changes nothing (every event a duplicate or refused again for the same reason)
writes nothing, not even an audit entry.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import json
import operator
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    Integer,
    String,
    Table,
    any_,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.orm import Session

from nsatu.core.access import (
    PROOF_OF_DELIVERY,
    Actor,
    Role,
    may_record_tracking_event,
    records_tracking_events,
)
from nsatu.core.custody import REPLAY_START, SEALED, ImpossibleEvent, Ledger, Route, Scan
from nsatu.core.enums import TrackingEventKind
from nsatu.core.lifecycles import ConsignmentStatus
from nsatu.db.auditing import append, lock_chain
from nsatu.db.base import utcnow
from nsatu.db.bulk import insert_many
from nsatu.db.models import (
    Consignment,
    ConsignmentLeg,
    ConsignmentLine,
    ItemType,
    OfferLine,
    Site,
    TrackingEvent,
    TrackingRejection,
)
from nsatu.db.scoping import actor_of
from nsatu.errors import PermissionDenied
from nsatu.logistics import batch_audit, errors
from nsatu.logistics import schemas as s

EVENT = cast(Table, TrackingEvent.__table__)
CONSIGNMENT = cast(Table, Consignment.__table__)
LEG = cast(Table, ConsignmentLeg.__table__)
LINE = cast(Table, ConsignmentLine.__table__)
OFFER = cast(Table, OfferLine.__table__)
ITEM = cast(Table, ItemType.__table__)
SITE = cast(Table, Site.__table__)
REJECTION = cast(Table, TrackingRejection.__table__)

#: The columns of an applied event's row, in the order the rows hold them.
ROW_COLUMNS = (
    "consignment_id",
    "leg_id",
    "site_id",
    "kind",
    "occurred_at",
    "note",
    "event_id",
    "quantity",
    "serials",
    "new_eta",
    "reported_by",
    "recorded_at",
    "batch",
)
_CONSIGNMENT_ID, _EVENT_ID = ROW_COLUMNS.index("consignment_id"), ROW_COLUMNS.index("event_id")
#: Rows per IN (...) list, well under every backend's limit of bound parameters.
CHUNK = 900
#: Clocks of the people reporting events differ a little; beyond that a future event is a typo.
CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class EventIn:
    """One well-formed event as sent (by the API, a scan file or a form).

    ``site`` is a site code or UN/LOCODE; ``site_id`` may be given instead (the form path).
    ``row`` is its position in what was sent (1-based), for messages.
    """

    event_id: str
    consignment: str
    kind: TrackingEventKind
    occurred_at: dt.datetime
    site: str | None = None
    quantity: Decimal | None = None
    serials: tuple[str, ...] = ()
    new_eta: dt.datetime | None = None
    note: str | None = None
    row: int = 0
    site_id: int | None = None
    leg_id: int | None = None

    def payload(self) -> dict[str, Any]:
        """The event as sent, in JSON terms (kept with a refusal, to correct and replay)."""
        return {
            "event_id": self.event_id,
            "consignment": self.consignment,
            "kind": str(self.kind),
            "site": self.site,
            "site_id": self.site_id,
            "occurred_at": self.occurred_at.isoformat(),
            "quantity": None if self.quantity is None else str(self.quantity),
            "serials": list(self.serials),
            "new_eta": None if self.new_eta is None else self.new_eta.isoformat(),
            "note": self.note,
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> EventIn:
        """The inverse of :meth:`payload` (for a replay of a stored refusal)."""
        quantity = data.get("quantity")
        eta = data.get("new_eta")
        return cls(
            event_id=str(data["event_id"]),
            consignment=str(data["consignment"]),
            kind=TrackingEventKind(data["kind"]),
            occurred_at=dt.datetime.fromisoformat(data["occurred_at"]).astimezone(dt.UTC),
            site=data.get("site"),
            site_id=data.get("site_id"),
            quantity=None if quantity is None else Decimal(quantity),
            serials=tuple(data.get("serials") or ()),
            new_eta=None if eta is None else dt.datetime.fromisoformat(eta).astimezone(dt.UTC),
            note=data.get("note"),
        )


def events_from_batch(batch: s.TrackingEventBatch) -> list[EventIn]:
    """The events of an API batch (already validated), numbered from 1."""
    return [
        EventIn(
            event_id=e.event_id,
            consignment=e.consignment,
            kind=e.kind,
            occurred_at=e.occurred_at,
            site=e.site,
            quantity=e.quantity,
            serials=tuple(e.serials),
            new_eta=e.new_eta,
            note=e.note,
            row=n,
        )
        for n, e in enumerate(batch.events, start=1)
    ]


@dataclass(frozen=True)
class Refusal:
    row: int
    event_id: str
    consignment: str
    reason: str


@dataclass
class IngestResult:
    applied: int = 0
    duplicates: int = 0
    rejected: int = 0
    refusals: list[Refusal] = field(default_factory=list)
    #: The batch id written on the applied rows and in the audit entry (``None``: nothing written).
    batch: str | None = None
    #: Consignment id → (status before, status after), for those that moved.
    moves: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: Consignment id → (version read, status now), for every consignment given an event.
    touched: dict[int, tuple[int, str]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {"applied": self.applied, "duplicates": self.duplicates, "rejected": self.rejected}


@dataclass(slots=True)
class _Target:
    """A consignment of the batch, read once."""

    id: int
    reference: str
    status: ConsignmentStatus
    ledger: Ledger | None
    recorded: dict[str, tuple[Any, ...]]
    broken: str | None = None
    version: int = 0
    sites: frozenset[int] = frozenset()
    #: What the ledger was built from (read by the integrity checks).
    route: Route | None = None
    scans: list[Scan] = field(default_factory=list)

    def takes_note(self, ev: EventIn, site_id: int | None) -> bool:
        """A cancelled or closed consignment still takes notes (no effect on custody)."""
        return (
            self.status in SEALED
            and ev.kind is TrackingEventKind.NOTE
            and (site_id is None or site_id in self.sites)
        )


# --- permission ----------------------------------------------------------------------------------


def _authorize(actor: Actor | None, events: Sequence[EventIn], site_ids: dict[str, int]) -> None:
    """Every event must be one the actor may record (403 naming the row; nothing is written)."""
    if actor is None:
        return
    if not records_tracking_events(actor):
        raise PermissionDenied(f"a {actor.role.label} may not record tracking events")
    for ev in events:
        site_id = ev.site_id if ev.site_id is not None else site_ids.get(ev.site or "")
        if may_record_tracking_event(actor, site_id=site_id, kind=ev.kind):
            continue
        if actor.role is Role.HUB_OPERATOR:
            raise PermissionDenied(
                f"row {ev.row}: site: a hub operator records events at its own hub only "
                f"(event {ev.event_id} is at {ev.site or ev.site_id or 'no site'})",
                field="site",
            )
        if actor.role is Role.RECIPIENT_PLANNER:
            kinds = ", ".join(sorted(PROOF_OF_DELIVERY))
            raise PermissionDenied(
                f"row {ev.row}: kind: a recipient planner records proof of delivery only "
                f"({kinds}), not {ev.kind}",
                field="kind",
            )
        raise PermissionDenied(f"a {actor.role.label} may not record tracking events")


# --- reading -------------------------------------------------------------------------------------


def _chunks(values: Iterable[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _sites(session: Session, codes: set[str]) -> tuple[dict[str, int], dict[int, str]]:
    """Site code or UN/LOCODE → id, and id → code (for messages)."""
    by_code: dict[str, int] = {}
    names: dict[int, str] = {}
    for part in _chunks(codes):
        rows = session.execute(
            select(SITE.c.id, SITE.c.code, SITE.c.unlocode).where(
                SITE.c.code.in_(part) | SITE.c.unlocode.in_(part)
            )
        )
        for site_id, code, locode in rows:
            names[site_id] = code
            if locode in codes:
                by_code.setdefault(locode, site_id)
            if code in codes:
                by_code[code] = site_id  # a site code wins over another site's LOCODE
    return by_code, names


@dataclass(frozen=True)
class _Reads:
    """The reads of a batch, each taking a list of references (``refs``) or ids (``ids``),
    passed through ``pack``."""

    heads: Any
    legs: Any
    loaded: Any
    serial_tracked: Any
    recorded: Any
    chunk: int
    pack: Callable[[list[Any]], Any]


def _same(values: list[Any]) -> Any:
    return values


@functools.cache
def _reads(dialect: str) -> _Reads:
    """PostgreSQL takes a list as one array parameter (``= ANY(:ids)``), SQLite as one JSON
    array (``IN (SELECT value FROM json_each(:ids))``): one bound parameter instead of one per
    value, which SQLAlchemy would otherwise render and process value by value. Other backends
    get an expanded ``IN (…)``, in chunks under their limits of bound parameters."""

    def among(column: Any, name: str, item: Any) -> Any:
        if dialect == "postgresql":
            return column == any_(bindparam(name, type_=ARRAY(item)))
        if dialect == "sqlite":
            listed: Any = select(literal_column("value")).select_from(
                func.json_each(bindparam(name, type_=String()))
            )
            return column.in_(listed.scalar_subquery())
        return column.in_(bindparam(name, expanding=True))

    return _Reads(
        heads=select(
            Consignment.id,
            Consignment.reference,
            Consignment.status,
            Consignment.origin_site_id,
            Consignment.destination_site_id,
            Consignment.returned_at,
            Consignment.version,
        ).where(among(Consignment.reference, "refs", String())),
        legs=select(LEG.c.consignment_id, LEG.c.from_site_id, LEG.c.to_site_id).where(
            among(LEG.c.consignment_id, "ids", Integer())
        ),
        loaded=select(LINE.c.consignment_id, func.sum(LINE.c.quantity))
        .where(among(LINE.c.consignment_id, "ids", Integer()))
        .group_by(LINE.c.consignment_id),
        serial_tracked=select(LINE.c.consignment_id)
        .join(OFFER, OFFER.c.id == LINE.c.offer_line_id)
        .join(ITEM, ITEM.c.id == OFFER.c.item_type_id)
        .where(among(LINE.c.consignment_id, "ids", Integer()), ITEM.c.serial_tracked.is_(True))
        .distinct(),
        recorded=select(
            EVENT.c.consignment_id,
            EVENT.c.event_id,
            EVENT.c.kind,
            EVENT.c.occurred_at,
            EVENT.c.site_id,
            EVENT.c.quantity,
            EVENT.c.serials,
            EVENT.c.new_eta,
        ).where(among(EVENT.c.consignment_id, "ids", Integer())),
        chunk=100_000 if dialect in ("postgresql", "sqlite") else CHUNK,
        pack=json.dumps if dialect == "sqlite" else _same,
    )


def _targets(
    session: Session, references: set[str], site_names: dict[int, str]
) -> dict[str, _Target]:
    """The batch's consignments the actor may see (the ORM select is scoped), with their routes,
    loads and recorded events."""
    reads = _reads(session.get_bind().dialect.name)
    heads: dict[int, Any] = {}  # id → row
    for part in _chunks(references, reads.chunk):
        for row in session.execute(reads.heads, {"refs": reads.pack(part)}):
            heads[row.id] = row
    if not heads:
        return {}
    # The followers of a visible consignment are visible: read the plain tables.
    sites: dict[int, set[int]] = {
        cid: {h.origin_site_id, h.destination_site_id} for cid, h in heads.items()
    }
    loaded: dict[int, Decimal] = defaultdict(Decimal)
    serial: set[int] = set()
    recorded: dict[int, list[Any]] = defaultdict(list)
    for part in _chunks(heads, reads.chunk):
        ids = {"ids": reads.pack(part)}
        for cid, a, b in session.execute(reads.legs, ids):
            sites[cid].update((a, b))
        for cid, total in session.execute(reads.loaded, ids):
            loaded[cid] = Decimal(total or 0)
        serial.update(session.scalars(reads.serial_tracked, ids))
        for event in session.execute(reads.recorded, ids):
            recorded[event.consignment_id].append(event)
    names = (
        dict(
            session.execute(
                select(SITE.c.id, SITE.c.code).where(
                    SITE.c.id.in_({site for group in sites.values() for site in group})
                )
            ).all()
        )
        | site_names
    )
    out: dict[str, _Target] = {}
    for cid, h in heads.items():
        status = ConsignmentStatus(h.status)
        route = Route(
            h.reference,
            h.origin_site_id,
            h.destination_site_id,
            frozenset(sites[cid]),
            loaded[cid],
            status if status in REPLAY_START else ConsignmentStatus.READY,
            cid in serial,
            h.returned_at,
            names,
        )
        rows = recorded.get(cid, ())
        scans = [_scan_of_row(r) for r in rows]
        target = _Target(
            cid,
            h.reference,
            status,
            None,
            {r.event_id: _identity_of_row(r) for r in rows},
            None,
            h.version,
            route.sites,
            route,
            scans,
        )
        if status in SEALED:
            target.broken = f"the consignment is {status} and takes only notes"
        else:
            try:
                target.ledger = Ledger.of(route, scans)
            except ImpossibleEvent as exc:
                target.broken = f"the recorded events do not replay: {exc.reason}"
        out[h.reference] = target
    return out


def _serials(text: str | None) -> tuple[str, ...]:
    return tuple(s for s in (text or "").split(";") if s)


def _scan_of_row(r: Any) -> Scan:
    return Scan(
        event_id=r.event_id,
        kind=TrackingEventKind(r.kind),
        occurred_at=r.occurred_at,
        site_id=r.site_id,
        quantity=r.quantity,
        serials=_serials(r.serials),
        new_eta=r.new_eta,
    )


def _identity_of_row(r: Any) -> tuple[Any, ...]:
    """What must match for a resent event to be a retry of a recorded one."""
    quantity = None if r.quantity is None else Decimal(r.quantity).normalize()
    return (str(r.kind), r.occurred_at, r.site_id, quantity)


# --- the batch -----------------------------------------------------------------------------------


def ingest(
    session: Session, events: Sequence[EventIn], *, keep_refusals: bool = True
) -> IngestResult:
    """Apply a batch of tracking events (see the module docstring).

    ``keep_refusals=False`` leaves ``tracking_rejection`` alone: the caller reports or records
    refusals itself (one event sent by hand; a replay of stored refusals).

    Raises:
        PermissionDenied: the session's actor may not record one of the events (nothing written).
    """
    with _collector_paused(len(events)):
        return _ingest(session, events, keep_refusals=keep_refusals)


#: Events in time order (same instant: by event id), as the replay takes them.
_TIME_ORDER = operator.attrgetter("occurred_at", "event_id")
#: Batches from this size on are checked with the cyclic garbage collector paused.
GC_PAUSE_FROM = 1_000


@contextlib.contextmanager
def _collector_paused(size: int) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large batch is read, replayed and written.

    A batch keeps tens of thousands of objects alive until it is written (events, scans, states,
    rows), and every few hundred allocations the collector would traverse them again although it
    can free none of them: about a quarter of the time of a 50,000-event batch (measured as CPU
    time, docs/performance.md). Reference counting still frees every object as soon as it is
    unused; only the search for reference cycles waits until the batch is done. The pause is
    process-wide (cycles made by other threads wait too, for the second or two a large batch
    takes) and is lifted in every case, an error included.
    """
    if size < GC_PAUSE_FROM or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _ingest(session: Session, events: Sequence[EventIn], *, keep_refusals: bool) -> IngestResult:
    actor = actor_of(session)
    codes = {ev.site for ev in events if ev.site}
    site_ids, site_names = _sites(session, codes) if codes else ({}, {})
    _authorize(actor, events, site_ids)
    targets = _targets(session, {ev.consignment for ev in events}, site_names)
    reporter = "system" if actor is None else actor.username[:64]
    sorter = _Sorter(targets, site_ids, reporter, secrets.token_hex(16))
    take = sorter.take
    for ev in sorted(events, key=_TIME_ORDER):
        take(ev)

    result = IngestResult(
        applied=len(sorter.rows),
        duplicates=sorter.duplicates,
        rejected=len(sorter.refused),
        refusals=[r for _, r, _ in sorter.refused],
    )
    touched = {row[_CONSIGNMENT_ID] for row in sorter.rows}
    for target in targets.values():
        if target.id in touched:
            status = target.status if target.ledger is None else target.ledger.current.status
            result.touched[target.id] = (target.version, str(status))
            if status != target.status:
                result.moves[target.id] = (str(target.status), str(status))
    rejections = (
        _rejection_writes(session, sorter.refused, sorter.rows, reporter, sorter.now)
        if keep_refusals
        else _RejectionWrites()
    )
    if not sorter.rows and not result.moves and not rejections.any:
        return result
    result.batch = sorter.batch
    _write(session, sorter, result, rejections)
    return result


class _Sorter:
    """Sorts a batch's events, in time order, into rows to insert, duplicates and refusals."""

    def __init__(
        self, targets: dict[str, _Target], site_ids: dict[str, int], reporter: str, batch: str
    ) -> None:
        self.targets = targets
        self.site_ids = site_ids
        self.reporter = reporter
        self.batch = batch
        self.now = utcnow()
        #: Events after this are in the future (beyond the reporters' clock skew).
        self.latest = self.now + CLOCK_SKEW
        self.rows: list[tuple[Any, ...]] = []  # values of ROW_COLUMNS
        self.lines: list[str] = []  # each row's canonical form, for the batch's digest
        self.refused: list[tuple[EventIn, Refusal, int | None]] = []
        self.duplicates = 0
        self.seen: set[tuple[str, str]] = set()

    def refuse(self, ev: EventIn, reason: str, target: _Target | None) -> None:
        refusal = Refusal(ev.row, ev.event_id, ev.consignment, reason)
        self.refused.append((ev, refusal, None if target is None else target.id))

    def take(self, ev: EventIn) -> None:
        key = (ev.consignment, ev.event_id)
        if key in self.seen:
            self.duplicates += 1
            return
        self.seen.add(key)
        target = self.targets.get(ev.consignment)
        if target is None:
            self.refuse(ev, f"event {ev.event_id}: consignment {ev.consignment} not found", None)
            return
        site_id = ev.site_id if ev.site_id is not None else self.site_ids.get(ev.site or "")
        problem = self._precheck(ev, target, site_id)
        if problem == "duplicate":
            self.duplicates += 1
            return
        if problem is not None:
            self.refuse(
                ev, f"consignment {target.reference}, event {ev.event_id}: {problem}", target
            )
            return
        ledger = target.ledger
        if ledger is None or target.takes_note(ev, site_id):
            self._append(ev, target, site_id)  # _precheck lets through only notes without one
            return
        scan = Scan(
            ev.event_id, ev.kind, ev.occurred_at, site_id, ev.quantity, ev.serials, ev.new_eta
        )
        try:
            ledger.add(scan)
        except ImpossibleEvent as exc:
            self.refuse(ev, exc.reason, target)
            return
        self._append(ev, target, site_id)

    def _append(self, ev: EventIn, target: _Target, site_id: int | None) -> None:
        at = ev.occurred_at
        if at.tzinfo is not dt.UTC:
            at = at.astimezone(dt.UTC)
        serials = ";".join(ev.serials) if ev.serials else None
        kind, quantity, eta, note = ev.kind, ev.quantity, ev.new_eta, ev.note
        self.rows.append(
            (
                target.id,
                ev.leg_id,
                site_id,
                kind,
                at,
                note,
                ev.event_id,
                quantity,
                serials,
                eta,
                self.reporter,
                self.now,
                self.batch,
            )
        )
        # batch_audit.digest_line, inlined (the same string: ``at`` is already in UTC).
        self.lines.append(
            repr(
                (
                    target.id,
                    ev.event_id,
                    str(kind),
                    site_id,
                    at.isoformat(),
                    None if quantity is None else f"{quantity.normalize():f}",
                    serials,
                    None if eta is None else eta.astimezone(dt.UTC).isoformat(),
                    note,
                    self.reporter,
                )
            )
        )

    def _precheck(self, ev: EventIn, target: _Target, site_id: int | None) -> str | None:
        """``"duplicate"``, a reason to refuse the event, or ``None`` to replay it."""
        known = target.recorded.get(ev.event_id)
        if known is not None:
            quantity = None if ev.quantity is None else ev.quantity.normalize()
            if known == (str(ev.kind), ev.occurred_at, site_id, quantity):
                return "duplicate"
            return "the event id is already recorded for a different event"
        if ev.site and site_id is None:
            return f"unknown site {ev.site}"
        if ev.occurred_at > self.latest:
            return f"occurred_at {ev.occurred_at.isoformat()} is in the future"
        if target.ledger is None and not target.takes_note(ev, site_id):
            return str(target.broken)
        return None


@dataclass
class _RejectionWrites:
    new: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    #: (rejection id, event id, consignment id) of refusals now applied.
    resolved: list[tuple[int, str, int]] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.new or self.changed or self.resolved)


def _rejection_writes(
    session: Session,
    refused: list[tuple[EventIn, Refusal, int | None]],
    rows: list[tuple[Any, ...]],
    reporter: str,
    now: dt.datetime,
) -> _RejectionWrites:
    """New refusals, retried ones whose reason or payload changed, and earlier refusals of
    events that this batch applied."""
    out = _RejectionWrites()
    columns = (
        REJECTION.c.id,
        REJECTION.c.event_id,
        REJECTION.c.reason,
        REJECTION.c.payload,
        REJECTION.c.resolved_at,
        REJECTION.c.attempts,
    )
    mine = REJECTION.c.submitted_by == reporter
    # The sender's open refusals (an applied event may resolve one), and the rows of the events
    # refused now (a retry updates its row): both few, whatever the size of the batch.
    existing: dict[str, Any] = {
        row.event_id: row
        for row in session.execute(select(*columns).where(mine, REJECTION.c.resolved_at.is_(None)))
    }
    for part in _chunks({r.event_id for _, r, _ in refused} - set(existing)):
        stmt = select(*columns).where(mine, REJECTION.c.event_id.in_(part))
        for row in session.execute(stmt):
            existing[row.event_id] = row
    for ev, refusal, consignment_id in refused:
        payload = ev.payload()
        old = existing.get(ev.event_id)
        if old is None:
            out.new.append(
                {
                    "submitted_by": reporter,
                    "event_id": ev.event_id,
                    "consignment_reference": ev.consignment[:40],
                    "consignment_id": consignment_id,
                    "reason": refusal.reason,
                    "payload": payload,
                    "received_at": now,
                    "attempts": 1,
                    "resolved_at": None,
                    "tracking_event_id": None,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        elif old.reason != refusal.reason or old.payload != payload or old.resolved_at:
            out.changed.append(
                {
                    "rid": old.id,
                    "reason": refusal.reason,
                    "payload": payload,
                    "consignment_id": consignment_id,
                    "attempts": old.attempts + 1,
                    "received_at": now,
                }
            )
    for applied in rows:
        old = existing.get(applied[_EVENT_ID])
        if old is not None and old.resolved_at is None:
            out.resolved.append((old.id, applied[_EVENT_ID], applied[_CONSIGNMENT_ID]))
    return out


def _write(
    session: Session, sorter: _Sorter, result: IngestResult, rejections: _RejectionWrites
) -> None:
    batch, rows, now = sorter.batch, sorter.rows, sorter.now
    conn = session.connection()
    lock_chain(conn)  # before the first write, as the audit hook does
    if result.touched:
        # Every consignment given an event is updated first, with the version the batch was
        # checked against: a concurrent writer (another batch, an edit) that moved it first makes
        # this batch a 409 before it writes anything, instead of a state its events no longer
        # replay to.
        updated = _update_states(session, result.touched, now)
        if updated != len(result.touched):
            raise errors.ConsignmentChanged(
                "a consignment of the batch changed while the batch was being checked; "
                "nothing was recorded: send the batch again"
            )
        _expire(session, set(result.touched))
    insert_many(conn, EVENT, ROW_COLUMNS, rows)
    if rejections.new:
        conn.execute(insert(REJECTION), rejections.new)
    if rejections.changed:
        conn.execute(
            update(REJECTION)
            .where(REJECTION.c.id == bindparam("rid"))
            .values(
                reason=bindparam("reason"),
                payload=bindparam("payload"),
                consignment_id=bindparam("consignment_id"),
                attempts=bindparam("attempts"),
                received_at=bindparam("received_at"),
                resolved_at=None,
                tracking_event_id=None,
                version=REJECTION.c.version + 1,
                updated_at=now,
            ),
            rejections.changed,
        )
    if rejections.resolved:
        ids = dict(
            session.execute(
                select(EVENT.c.event_id, EVENT.c.id).where(EVENT.c.batch == batch)
            ).all()
        )
        conn.execute(
            update(REJECTION)
            .where(REJECTION.c.id == bindparam("rid"))
            .values(
                resolved_at=now,
                tracking_event_id=bindparam("eid"),
                version=REJECTION.c.version + 1,
                updated_at=now,
            ),
            [{"rid": rid, "eid": ids.get(event_id)} for rid, event_id, _ in rejections.resolved],
        )
    refused = sorted(f"{r.consignment}/{r.event_id}" for r in result.refusals)
    entry = batch_audit.entry(
        batch,
        sorter.lines,
        counts=result.counts(),
        refused=refused,
        stored=len(rejections.new) + len(rejections.changed),
        resolved=len(rejections.resolved),
        moves=result.moves,
    )
    append(session, [entry])


def _update_states(session: Session, touched: dict[int, tuple[int, str]], now: dt.datetime) -> int:
    """Set each consignment's state where its version is still the one read; return how many
    were set. PostgreSQL: one statement over arrays (``UPDATE … FROM unnest(…)``); elsewhere one
    ``executemany`` (no round trips to save in-process), of the driver's own on SQLite."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        given = (
            func.unnest(
                bindparam("ids", type_=ARRAY(Integer())),
                bindparam("seen", type_=ARRAY(Integer())),
                bindparam("states", type_=ARRAY(String())),
            )
            .table_valued("id", "seen", "state")
            .render_derived(name="given")
        )
        stmt = (
            update(CONSIGNMENT)
            .where(CONSIGNMENT.c.id == given.c.id, CONSIGNMENT.c.version == given.c.seen)
            .values(status=given.c.state, version=CONSIGNMENT.c.version + 1, updated_at=now)
        )
        ids = list(touched)
        return conn.execute(
            stmt,
            {
                "ids": ids,
                "seen": [touched[i][0] for i in ids],
                "states": [touched[i][1] for i in ids],
            },
        ).rowcount
    if conn.dialect.name == "sqlite":
        # The driver's executemany over plain tuples: SQLAlchemy would process every row's
        # parameters one by one. ``updated_at`` is converted once, as the column stores it.
        proc = CONSIGNMENT.c.updated_at.type._cached_bind_processor(conn.dialect)
        stamp = proc(now) if proc is not None else now
        sql = (
            "UPDATE consignment SET status = ?, version = version + 1, updated_at = ? "
            "WHERE id = ? AND version = ?"
        )
        rows = [(st, stamp, c, v) for c, (v, st) in touched.items()]
        return int(conn.exec_driver_sql(sql, rows).rowcount)
    stmt = (
        update(CONSIGNMENT)
        .where(CONSIGNMENT.c.id == bindparam("cid"), CONSIGNMENT.c.version == bindparam("seen"))
        .values(status=bindparam("to_status"), version=CONSIGNMENT.c.version + 1, updated_at=now)
    )
    params = [{"cid": c, "seen": v, "to_status": st} for c, (v, st) in touched.items()]
    updated = conn.execute(stmt, params).rowcount
    return (
        updated if conn.dialect.supports_sane_multi_rowcount else _count_current(session, touched)
    )


def _count_current(session: Session, touched: dict[int, tuple[int, str]]) -> int:
    """How many of ``touched`` now hold the version the batch gave them (for drivers that do not
    report an executemany's row count)."""
    found = 0
    for part in _chunks(touched):
        rows = session.execute(
            select(CONSIGNMENT.c.id, CONSIGNMENT.c.version).where(CONSIGNMENT.c.id.in_(part))
        )
        found += sum(1 for cid, version in rows if version == touched[cid][0] + 1)
    return found


def _expire(session: Session, consignment_ids: set[int]) -> None:
    """Loaded consignments whose status the bulk UPDATE moved are stale: reload them on use."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Consignment) and obj.id in consignment_ids:
            session.expire(obj)
