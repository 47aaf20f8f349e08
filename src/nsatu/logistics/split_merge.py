"""Splitting and merging consignments by hand, before they leave (coordinators only).

**Split** moves some lines, or part of a line's quantity, of a consignment that is ``created`` or
``ready`` into a new consignment in the same state, with the same origin, destination, planned
departure, releasability and a copy of every leg. A whole line moves as it is (same line id); part
of one leaves the rest behind (both serving the same allocation). Something must stay on the
source. The legs' tonnes and lift units are shared out by the lines' loads, so the hub figures
count nothing twice.

**Merge** combines two or more such consignments with the same origin and destination into the
first one named: its lines are summed per offer line (and allocation served), the others' lines
move into it, and the others are *cancelled* (not deleted), empty, with a note naming the
consignment they went into, so their references stay resolvable and a scan sent under one is
refused as for any cancelled consignment. The kept consignment keeps its own legs (weighed ones
add what the others carried) and state. Their releasability and the donors of the goods on board
must be the same: merging would otherwise show one donor's goods to whoever may see the other
consignment.

Both refuse, before writing anything, a consignment that is not found in the caller's scope (404),
a caller who is not a coordinator (403), a stale version, a repair consignment or one that has
departed (409), and lines, quantities or routes that do not fit (422 naming the field). The
consignments' rows are rewritten with a note, so their versions move and a concurrent ingest or
edit of them loses with a 409. Every write goes through the ORM, so the audit trail records it.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.enums import ConsignmentKind
from nsatu.core.lifecycles import CONSIGNMENT, ConsignmentStatus
from nsatu.db.base import utcnow
from nsatu.db.crud import Write, authorize, get
from nsatu.db.models import Consignment, ConsignmentLeg, ConsignmentLine, ItemType, OfferLine
from nsatu.db.repository import flush
from nsatu.errors import Conflict, InvalidInput, StaleVersion
from nsatu.logistics import errors
from nsatu.logistics import split_schemas as s
from nsatu.logistics.service import CONSIGNMENT_RESOURCE, consignment_lines

#: Not yet departed: what it carries may still be regrouped.
NOT_DEPARTED = frozenset({ConsignmentStatus.CREATED, ConsignmentStatus.READY})

_LEG_COPIED = (
    "seq",
    "from_site_id",
    "to_site_id",
    "mode",
    "carrier",
    "carrier_reference",
    "planned_departure_on",
    "planned_arrival_on",
    "weight_t",
    "lift_units",
    "dangerous_goods",
    "oversize",
)
_NOTES_MAX = 4000
_TONNE = Decimal("0.001")


@dataclass(frozen=True)
class Split:
    source: Consignment
    created: Consignment


@dataclass(frozen=True)
class Merge:
    merged: Consignment
    cancelled: list[Consignment]


def _open(
    session: Session, consignment_id: int, version: int, op: str, *, field: str, version_field: str
) -> Consignment:
    """The consignment in the caller's scope (404), if the caller may regroup it (403), at the
    version the caller read (409), a delivery (409) that has not departed (409)."""
    obj = get(session, CONSIGNMENT_RESOURCE, consignment_id)
    authorize(session, CONSIGNMENT_RESOURCE, Write(op, obj, {}))
    if obj.version != version:
        raise StaleVersion(
            f"{version_field}: consignment {obj.reference} was changed by someone else (you read "
            f"version {version}, it is now at version {obj.version}); reload and try again",
            field=version_field,
            current_version=obj.version,
        )
    if obj.kind is not ConsignmentKind.DELIVERY:
        raise errors.ConsignmentNotEditable(
            f"{field}: consignment {obj.reference} is a {obj.kind} consignment; only deliveries "
            f"are {op} (a repair consignment's serials belong to it)",
            field=field,
        )
    if obj.status not in NOT_DEPARTED:
        allowed = " or ".join(sorted(NOT_DEPARTED))
        raise errors.ConsignmentNotEditable(
            f"{field}: consignment {obj.reference} is {obj.status}; only one that is {allowed} "
            f"can be {op}",
            field=field,
            state=str(obj.status),
        )
    return obj


def _note(obj: Consignment, text: str) -> None:
    # The row is rewritten (and its version moves) even when its own columns would not change.
    notes = f"{obj.notes}\n{text}" if obj.notes else text
    obj.notes = notes[-_NOTES_MAX:]
    obj.updated_at = utcnow()


def _reference(session: Session, wanted: str | None) -> str:
    if wanted is None:
        return f"CSG-{secrets.token_hex(4).upper()}"
    if session.scalar(select(Consignment.id).where(Consignment.reference == wanted)) is not None:
        raise Conflict(f"reference: consignment {wanted} already exists", field="reference")
    return wanted


def split_consignment(session: Session, consignment_id: int, data: s.ConsignmentSplit) -> Split:
    """Move the given lines (or quantities of them) into a new consignment (module docstring).

    Raises:
        NotFound: the consignment or one of the lines is not the caller's to see.
        PermissionDenied: the caller is not a coordinator.
        StaleVersion, ConsignmentNotEditable: stale version; departed or a repair consignment.
        InvalidInput: a line not on the consignment or named twice, a quantity above the line's,
            or nothing left on the source.
        Conflict: the new reference is taken.
    """
    source = _open(
        session, consignment_id, data.version, "split", field="id", version_field="version"
    )
    lines = {line.id: line for line in consignment_lines(session, source.id)}
    seen: set[int] = set()
    for i, wanted in enumerate(data.lines):
        line = lines.get(wanted.line_id)
        if line is None:
            raise InvalidInput(
                f"lines.{i}.line_id: line {wanted.line_id} is not on consignment "
                f"{source.reference}",
                field=f"lines.{i}.line_id",
            )
        if line.id in seen:
            raise InvalidInput(
                f"lines.{i}.line_id: line {line.id} is named twice", field=f"lines.{i}.line_id"
            )
        seen.add(line.id)
        if wanted.quantity > line.quantity:
            raise InvalidInput(
                f"lines.{i}.quantity: line {line.id} carries {line.quantity}, "
                f"not {wanted.quantity}",
                field=f"lines.{i}.quantity",
            )
    moved = {x.line_id: x.quantity for x in data.lines}
    if all(moved.get(line.id) == line.quantity for line in lines.values()):
        raise InvalidInput(
            f"lines: this would move everything consignment {source.reference} carries; "
            "leave something on it (or change its legs instead)",
            field="lines",
        )
    reference = _reference(session, data.reference)
    # The share of the load that moves, by each line's load (read before the lines change).
    loads = _loads(session, list(lines.values()))
    total = sum(loads.values(), Decimal(0))
    share = sum((loads[i] * q / lines[i].quantity for i, q in moved.items()), Decimal(0)) / total
    created = Consignment(
        reference=reference,
        kind=source.kind,
        origin_site_id=source.origin_site_id,
        destination_site_id=source.destination_site_id,
        planned_departure_on=source.planned_departure_on,
        releasability=source.releasability,
        status=source.status,
        notes=f"split from {source.reference}",
    )
    session.add(created)
    flush(session, f"consignment {reference}")
    for line_id, quantity in moved.items():
        line = lines[line_id]
        if quantity == line.quantity:
            line.consignment_id = created.id
        else:
            line.quantity -= quantity
            session.add(
                ConsignmentLine(
                    consignment_id=created.id,
                    offer_line_id=line.offer_line_id,
                    allocation_id=line.allocation_id,
                    quantity=quantity,
                )
            )
    for leg in _legs(session, source.id):
        copied = {name: getattr(leg, name) for name in _LEG_COPIED}
        # The tonnes and lift units on the legs go with the goods: the moved share to the copy.
        for name in ("weight_t", "lift_units"):
            if copied[name] is not None:
                copied[name] = (copied[name] * share).quantize(_TONNE)
                setattr(leg, name, getattr(leg, name) - copied[name])
        session.add(ConsignmentLeg(consignment_id=created.id, **copied))
    _note(source, f"split: {len(moved)} line(s) moved to {reference}")
    flush(session, f"consignment {source.reference}")
    return Split(source, created)


def merge_consignments(session: Session, data: s.ConsignmentMerge) -> Merge:
    """Merge the named consignments into the first of them (module docstring).

    Raises:
        NotFound: a consignment is not the caller's to see.
        PermissionDenied: the caller is not a coordinator.
        StaleVersion, ConsignmentNotEditable: stale version; departed or a repair consignment.
        InvalidInput: a consignment named twice, or with another origin, destination,
            releasability or donor than the first.
    """
    members: list[Consignment] = []
    for i, member in enumerate(data.consignments):
        field = f"consignments.{i}.id"
        if any(x.id == member.id for x in members):
            raise InvalidInput(f"{field}: consignment {member.id} is named twice", field=field)
        members.append(
            _open(
                session,
                member.id,
                member.version,
                "merged",
                field=field,
                version_field=f"consignments.{i}.version",
            )
        )
    kept, others = members[0], members[1:]
    donors = _donors(session, members)
    for i, other in enumerate(others, start=1):
        _check_alike(kept, other, donors, f"consignments.{i}.id")
    # Lines are summed per offer line and the allocation they serve.
    mine = {(x.offer_line_id, x.allocation_id): x for x in consignment_lines(session, kept.id)}
    kept_legs = _legs(session, kept.id)
    for other in others:
        # What the other carried is on the kept legs now (a consignment's load is the heaviest
        # of its legs; a kept leg never weighed stays so, and is reported as unweighed).
        their = _legs(session, other.id)
        for name in ("weight_t", "lift_units"):
            load = max((getattr(x, name) for x in their if getattr(x, name) is not None), default=0)
            for leg in kept_legs:
                if getattr(leg, name) is not None:
                    setattr(leg, name, getattr(leg, name) + load)
        for line in consignment_lines(session, other.id):
            into = mine.get((line.offer_line_id, line.allocation_id))
            if into is None:
                line.consignment_id = kept.id
                mine[(line.offer_line_id, line.allocation_id)] = line
            else:
                into.quantity += line.quantity
                session.delete(line)
        other.status = CONSIGNMENT.apply(other.status, "cancel")
        _note(other, f"merged into {kept.reference}")
    _note(kept, "merged: " + ", ".join(x.reference for x in others))
    flush(session, f"consignment {kept.reference}")
    return Merge(kept, others)


def _legs(session: Session, consignment_id: int) -> list[ConsignmentLeg]:
    stmt = (
        select(ConsignmentLeg)
        .where(ConsignmentLeg.consignment_id == consignment_id)
        .order_by(ConsignmentLeg.seq)
    )
    return list(session.scalars(stmt))


def _loads(session: Session, lines: Sequence[ConsignmentLine]) -> dict[int, Decimal]:
    """Each line's load: units × the item's weight in tonnes, else its lift units (as the
    planner reads them), else the units themselves."""
    rows = session.execute(
        select(OfferLine.id, ItemType)
        .join(ItemType, ItemType.id == OfferLine.item_type_id)
        .where(OfferLine.id.in_({x.offer_line_id for x in lines}))
    )
    per_unit: dict[int, ItemType] = {}
    for offer_id, item_type in rows:
        per_unit[offer_id] = item_type
    out: dict[int, Decimal] = {}
    for line in lines:
        item = per_unit.get(line.offer_line_id)
        unit = Decimal(1)
        if item is not None:
            unit = (
                item.weight_kg_per_unit / 1000
                if item.weight_kg_per_unit is not None
                else item.lift_units_per_unit
            )
        out[line.id] = line.quantity * (unit or Decimal(1))
    return out


def _donors(session: Session, members: Sequence[Consignment]) -> dict[int, frozenset[int]]:
    rows = session.execute(
        select(ConsignmentLine.consignment_id, OfferLine.donor_nation_id)
        .join(OfferLine, OfferLine.id == ConsignmentLine.offer_line_id)
        .where(ConsignmentLine.consignment_id.in_([x.id for x in members]))
    ).all()
    out: dict[int, set[int]] = {x.id: set() for x in members}
    for cid, donor in rows:
        out[cid].add(donor)
    return {k: frozenset(v) for k, v in out.items()}


def _check_alike(
    kept: Consignment, other: Consignment, donors: dict[int, frozenset[int]], field: str
) -> None:
    for name, label in (("origin_site_id", "origin"), ("destination_site_id", "destination")):
        if getattr(other, name) != getattr(kept, name):
            raise InvalidInput(
                f"{field}: consignment {other.reference} has another {label} than "
                f"{kept.reference}; only consignments on the same route are merged",
                field=field,
            )
    if other.releasability != kept.releasability:
        raise InvalidInput(
            f"{field}: consignment {other.reference} is {other.releasability}, "
            f"{kept.reference} {kept.releasability}; merged goods would be shown to others",
            field=field,
        )
    if donors[other.id] and donors[kept.id] and donors[other.id] != donors[kept.id]:
        raise InvalidInput(
            f"{field}: consignment {other.reference} carries goods of other donors than "
            f"{kept.reference}; merged goods would be shown to another donor",
            field=field,
        )


# --- what the consignment page offers to regroup ----------------------------------------------


@dataclass(frozen=True, slots=True)
class LineShown:
    """A line as the split form lists it: what it carries and how much."""

    id: int
    offer_reference: str
    item: str | None
    quantity: Decimal


def regroupable(obj: Consignment) -> bool:
    """Whether ``obj`` may still be split or merged (a delivery that has not departed)."""
    return obj.kind is ConsignmentKind.DELIVERY and obj.status in NOT_DEPARTED


def lines_shown(session: Session, consignment_id: int) -> list[LineShown]:
    """The consignment's lines with the offer line and item each carries, in the order added."""
    rows = session.execute(
        select(ConsignmentLine, OfferLine.reference, ItemType.public_name)
        .join(OfferLine, OfferLine.id == ConsignmentLine.offer_line_id)
        .outerjoin(ItemType, ItemType.id == OfferLine.item_type_id)
        .where(ConsignmentLine.consignment_id == consignment_id)
        .order_by(ConsignmentLine.id)
    )
    return [LineShown(line.id, ref, item, line.quantity) for line, ref, item in rows]


def merge_candidates(session: Session, obj: Consignment) -> list[Consignment]:
    """The other consignments in the caller's scope that ``obj`` could take in: deliveries on
    the same route, at the same releasability, that have not departed (the merge itself still
    checks the donors on board)."""
    stmt = (
        select(Consignment)
        .where(
            Consignment.id != obj.id,
            Consignment.kind == ConsignmentKind.DELIVERY,
            Consignment.status.in_(sorted(NOT_DEPARTED)),
            Consignment.origin_site_id == obj.origin_site_id,
            Consignment.destination_site_id == obj.destination_site_id,
            Consignment.releasability == obj.releasability,
        )
        .order_by(Consignment.reference)
        .limit(200)
    )
    return list(session.scalars(stmt))


# --- lookups for the command line (references rather than ids) -------------------------------


def by_reference(session: Session, reference: str) -> Consignment:
    """The consignment with ``reference`` in the caller's scope (404 otherwise)."""
    obj = session.scalar(select(Consignment).where(Consignment.reference == reference))
    if obj is None:
        raise errors.ConsignmentNotFound(f"consignment {reference} does not exist")
    return obj


def line_of_offer(session: Session, consignment: Consignment, offer_reference: str) -> int:
    """The id of the one line of ``consignment`` carrying the offer line ``offer_reference``."""
    ids = list(
        session.scalars(
            select(ConsignmentLine.id)
            .join(OfferLine, OfferLine.id == ConsignmentLine.offer_line_id)
            .where(
                ConsignmentLine.consignment_id == consignment.id,
                OfferLine.reference == offer_reference,
            )
            .order_by(ConsignmentLine.id)
        )
    )
    if len(ids) != 1:
        what = "no line" if not ids else f"{len(ids)} lines"
        carried = session.scalars(
            select(OfferLine.reference)
            .join(ConsignmentLine, ConsignmentLine.offer_line_id == OfferLine.id)
            .where(ConsignmentLine.consignment_id == consignment.id)
            .order_by(OfferLine.reference)
            .distinct()
        )
        raise InvalidInput(
            f"lines: consignment {consignment.reference} has {what} of offer {offer_reference} "
            f"(it carries {', '.join(carried) or 'nothing'})",
            field="lines",
        )
    return ids[0]
