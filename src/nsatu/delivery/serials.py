"""Accountability of serial-tracked items: serials loaded against serials handed over, end-use
checks, the repair loop and the accountability report.

The serials come from the tracking events as the ingest stored them (``departed`` lists what was
loaded, ``handed_over`` what the recipient took over). A serial is *delivered* once a ``delivery``
consignment handed it over; its item type is the serial-tracked item type the consignment carries
(none when it carries several). Items sent for repair travel on consignments of kind ``repair``
linked to their serials (:class:`~nsatu.db.models.RepairSerial`), so a serial's history is one
chain: delivery, checks, repair out and back.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.access import may_record_end_use_check
from nsatu.core.enums import ConsignmentKind, EndUseOutcome, TrackingEventKind
from nsatu.db.models import (
    Consignment,
    ConsignmentLine,
    EndUseCheck,
    ItemType,
    OfferLine,
    RepairSerial,
    TrackingEvent,
)
from nsatu.db.repository import flush
from nsatu.db.scoping import UNSCOPED
from nsatu.delivery import errors
from nsatu.delivery import schemas as s
from nsatu.delivery.receipts import current_actor, visible_consignment
from nsatu.errors import Conflict, InvalidInput, PermissionDenied

#: Outcomes that account for the item (seen, or documented as gone); ``not_seen`` does not.
ACCOUNTED = frozenset(set(EndUseOutcome) - {EndUseOutcome.NOT_SEEN})
#: Documented as gone: no further check is due.
CLOSED_OUT = frozenset({EndUseOutcome.EXPENDED, EndUseOutcome.DESTROYED, EndUseOutcome.TRANSFERRED})
DEFAULT_INTERVAL_DAYS = 180


def split_serials(text: str | None) -> list[str]:
    return [x for x in (text or "").split(";") if x]


def _events(
    session: Session, kind: TrackingEventKind, consignment_id: int | None = None
) -> list[TrackingEvent]:
    stmt = select(TrackingEvent).where(
        TrackingEvent.kind == kind, TrackingEvent.serials.is_not(None)
    )
    if consignment_id is not None:
        stmt = stmt.where(TrackingEvent.consignment_id == consignment_id)
    return list(session.scalars(stmt.order_by(TrackingEvent.occurred_at, TrackingEvent.id)))


def mismatches(session: Session, consignment_id: int | None = None) -> list[s.SerialMismatch]:
    """Consignments handed over whose serials differ from the serials loaded."""
    loaded: dict[int, set[str]] = defaultdict(set)
    for e in _events(session, TrackingEventKind.DEPARTED, consignment_id):
        loaded[e.consignment_id].update(split_serials(e.serials))
    handed: dict[int, set[str]] = defaultdict(set)
    for e in _events(session, TrackingEventKind.HANDED_OVER, consignment_id):
        handed[e.consignment_id].update(split_serials(e.serials))
    ids = sorted(set(handed) | {c for c in loaded if c in handed})
    refs = dict(
        session.execute(
            select(Consignment.id, Consignment.reference).where(Consignment.id.in_(ids))
        ).all()
    )
    out = []
    for cid in ids:
        missing, extra = sorted(loaded[cid] - handed[cid]), sorted(handed[cid] - loaded[cid])
        if missing or extra:
            out.append(
                s.SerialMismatch(
                    consignment_id=cid,
                    reference=refs.get(cid, str(cid)),
                    loaded_not_handed_over=missing,
                    handed_over_not_loaded=extra,
                )
            )
    return out


@dataclass(frozen=True)
class DeliveredSerial:
    serial: str
    consignment_id: int
    item_type_id: int | None
    handed_over_at: dt.datetime


def _serial_item_types(session: Session, consignment_ids: list[int]) -> dict[int, int | None]:
    stmt = (
        select(ConsignmentLine.consignment_id, ItemType.id)
        .join(OfferLine, OfferLine.id == ConsignmentLine.offer_line_id)
        .join(ItemType, ItemType.id == OfferLine.item_type_id)
        .where(
            ConsignmentLine.consignment_id.in_(consignment_ids), ItemType.serial_tracked.is_(True)
        )
    )
    types: dict[int, set[int]] = defaultdict(set)
    # Only the item type (reference data) of consignments the caller sees is read, so the offer
    # lines in between are read past their scope (a hub operator may not see the offer itself).
    for cid, item in session.execute(stmt, execution_options={UNSCOPED: True}):
        types[cid].add(item)
    return {cid: (next(iter(t)) if len(t) == 1 else None) for cid, t in types.items()}


def _consignments(session: Session, ids: set[int]) -> dict[int, tuple[str, str, dt.datetime]]:
    """Reference, kind and creation time of the given consignments (read on their own: a
    follower's scope cannot be joined to its consignment, see nsatu.db.scoping)."""
    stmt = select(
        Consignment.id, Consignment.reference, Consignment.kind, Consignment.created_at
    ).where(Consignment.id.in_(sorted(ids)))
    return {cid: (ref, str(kind), at) for cid, ref, kind, at in session.execute(stmt)}


def delivered_serials(session: Session, serial: str | None = None) -> dict[str, DeliveredSerial]:
    """Every serial a delivery consignment handed over (the latest handover of each)."""
    stmt = (
        select(TrackingEvent)
        .where(
            TrackingEvent.kind == TrackingEventKind.HANDED_OVER,
            TrackingEvent.serials.is_not(None),
        )
        .order_by(TrackingEvent.occurred_at, TrackingEvent.id)
    )
    if serial is not None:
        stmt = stmt.where(TrackingEvent.serials.contains(serial, autoescape=True))
    handovers = list(session.scalars(stmt))
    deliveries = _consignments(session, {e.consignment_id for e in handovers})
    events = [
        e
        for e in handovers
        if e.consignment_id in deliveries and deliveries[e.consignment_id][1] == "delivery"
    ]
    types = _serial_item_types(session, sorted({e.consignment_id for e in events}))
    out: dict[str, DeliveredSerial] = {}
    for e in events:
        for sn in split_serials(e.serials):
            if serial is None or sn == serial:
                out[sn] = DeliveredSerial(
                    sn, e.consignment_id, types.get(e.consignment_id), e.occurred_at
                )
    return out


def _delivered(session: Session, serial: str) -> DeliveredSerial:
    found = delivered_serials(session, serial).get(serial)
    if found is None:
        raise errors.SerialNotFound(f"serial {serial}: no delivery you can see handed it over")
    return found


def record_check(session: Session, data: s.EndUseCheckCreate) -> EndUseCheck:
    """Record an end-use check of a delivered serial."""
    actor = current_actor(session)
    if not may_record_end_use_check(actor):
        raise PermissionDenied("end-use checks are recorded by coordinators and recipient planners")
    item = _delivered(session, data.serial)
    if data.checked_on < item.handed_over_at.date():
        raise InvalidInput(
            f"checked_on: {data.serial} was handed over on {item.handed_over_at.date()}",
            field="checked_on",
        )
    obj = EndUseCheck(
        serial=data.serial,
        consignment_id=item.consignment_id,
        item_type_id=item.item_type_id,
        checked_on=data.checked_on,
        outcome=data.outcome,
        checked_by=actor.username,
        note=data.note,
    )
    session.add(obj)
    flush(session, "end-use check")
    return obj


def link_repair(
    session: Session, consignment_id: int, data: s.RepairSerialsIn
) -> list[RepairSerial]:
    """Link delivered serials to a consignment of kind ``repair`` (``out`` or ``back``)."""
    actor = current_actor(session)
    consignment = visible_consignment(session, consignment_id)
    if not may_record_end_use_check(actor):
        raise PermissionDenied("repairs are linked by coordinators and recipient planners")
    if consignment.kind != ConsignmentKind.REPAIR:
        raise InvalidInput(
            f"consignment_id: {consignment.reference} is a {consignment.kind} consignment; "
            "items for repair travel on a repair consignment",
            field="consignment_id",
        )
    known = delivered_serials(session)
    linked = set(
        session.scalars(
            select(RepairSerial.serial).where(RepairSerial.consignment_id == consignment_id)
        )
    )
    rows = []
    for i, sn in enumerate(data.serials):
        if sn not in known:
            raise InvalidInput(f"serials[{i}]: {sn} was never handed over", field=f"serials[{i}]")
        if sn in linked:
            raise Conflict(
                f"serials[{i}]: {sn} is already on {consignment.reference}", field=f"serials[{i}]"
            )
        linked.add(sn)
        rows.append(
            RepairSerial(consignment_id=consignment_id, serial=sn, direction=data.direction)
        )
    session.add_all(rows)
    flush(session, f"repair serials of {consignment.reference}")
    return rows


def history(session: Session, serial: str) -> s.SerialHistory:
    """One serial's chain: every tracking event listing it (delivery and repair consignments), its
    end-use checks, and its links to repair consignments, in time order."""
    entries: list[s.HistoryEntry] = []
    events = list(
        session.scalars(
            select(TrackingEvent).where(TrackingEvent.serials.contains(serial, autoescape=True))
        )
    )
    repairs = list(session.scalars(select(RepairSerial).where(RepairSerial.serial == serial)))
    known = _consignments(
        session, {e.consignment_id for e in events} | {r.consignment_id for r in repairs}
    )
    for e in events:
        ref, kind, _ = known[e.consignment_id]
        if serial in split_serials(e.serials):
            entries.append(
                s.HistoryEntry(
                    at=e.occurred_at,
                    what=str(e.kind),
                    consignment_id=e.consignment_id,
                    consignment=ref,
                    kind=str(kind),
                    detail=e.note,
                )
            )
    for c in session.scalars(select(EndUseCheck).where(EndUseCheck.serial == serial)):
        at = dt.datetime.combine(c.checked_on, dt.time(12), tzinfo=dt.UTC)
        entries.append(
            s.HistoryEntry(
                at=at,
                what=f"end_use_check:{c.outcome}",
                consignment_id=c.consignment_id,
                consignment=None,
                kind=None,
                detail=c.note,
            )
        )
    for r in repairs:
        ref, _, created = known[r.consignment_id]
        entries.append(
            s.HistoryEntry(
                at=created,
                what=f"repair_{r.direction}",
                consignment_id=r.consignment_id,
                consignment=ref,
                kind=str(ConsignmentKind.REPAIR),
                detail=None,
            )
        )
    if not entries:
        raise errors.SerialNotFound(f"serial {serial}: nothing you can see records it")
    entries.sort(key=lambda x: (x.at, x.what))
    delivered = delivered_serials(session, serial).get(serial)
    return s.SerialHistory(
        serial=serial, item_type_id=delivered.item_type_id if delivered else None, entries=entries
    )


def _month_end(period: str) -> dt.date:
    y, m = map(int, period.split("-"))
    first_next = dt.date(y + (m == 12), m % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def accountability(
    session: Session,
    *,
    as_of: dt.date,
    interval_days: int = DEFAULT_INTERVAL_DAYS,
    since: str | None = None,
) -> s.AccountabilityReport:
    """Share of delivered serials verified by an end-use check, by item type and month, and the
    serials whose check is overdue as of ``as_of``.

    A serial counts in a month once handed over by the month's end; it is verified in the month if
    a check that month accounts for it (seen, or documented as expended, destroyed or transferred).
    A check is overdue when the last accounting check (or the handover, if none) is more than
    ``interval_days`` before ``as_of``, unless the item is documented as gone.
    """
    if interval_days < 1:
        raise InvalidInput("interval_days: must be at least 1", field="interval_days")
    delivered = {
        sn: d for sn, d in delivered_serials(session).items() if d.handed_over_at.date() <= as_of
    }
    checks = list(
        session.scalars(
            select(EndUseCheck)
            .where(EndUseCheck.checked_on <= as_of)
            .order_by(EndUseCheck.checked_on, EndUseCheck.id)
        )
    )
    periods = {c.checked_on.strftime("%Y-%m") for c in checks} | {as_of.strftime("%Y-%m")}
    if since is not None:
        periods = {p for p in periods if p >= since}
    verified: dict[str, set[str]] = defaultdict(set)
    last_ok: dict[str, dt.date] = {}
    gone: set[str] = set()
    for c in checks:
        if c.outcome in ACCOUNTED:
            verified[c.checked_on.strftime("%Y-%m")].add(c.serial)
            last_ok[c.serial] = c.checked_on
        if c.outcome in CLOSED_OUT:
            gone.add(c.serial)
        elif c.outcome == EndUseOutcome.SEEN:
            gone.discard(c.serial)
    overdue = sorted(
        sn
        for sn, d in delivered.items()
        if sn not in gone
        and (as_of - last_ok.get(sn, d.handed_over_at.date())).days > interval_days
    )
    names = dict(session.execute(select(ItemType.id, ItemType.public_name)).all())
    by_type: dict[int | None, list[DeliveredSerial]] = defaultdict(list)
    for d in delivered.values():
        by_type[d.item_type_id].append(d)
    overdue_set = set(overdue)
    rows = []
    for item_type_id in sorted(by_type, key=lambda t: (t is None, t or 0)):
        serials = by_type[item_type_id]
        for period in sorted(periods):
            end = _month_end(period)
            present = [d.serial for d in serials if d.handed_over_at.date() <= end]
            if not present:
                continue
            ok = sum(1 for sn in present if sn in verified[period])
            rows.append(
                s.AccountabilityRow(
                    item_type_id=item_type_id,
                    item_type=names.get(item_type_id, "(mixed)") if item_type_id else "(mixed)",
                    period=period,
                    serials=len(present),
                    verified=ok,
                    share_verified=round(ok / len(present), 4),
                    overdue=sum(1 for d in serials if d.serial in overdue_set),
                )
            )
    return s.AccountabilityReport(
        as_of=as_of, interval_days=interval_days, rows=rows, overdue=overdue
    )
