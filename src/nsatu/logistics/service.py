"""Use cases for consignments, their lines and legs, and tracking events: the generic registry
behaviour plus the rules of moving goods."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from nsatu.core.access import (
    PROOF_OF_DELIVERY,
    Actor,
    Role,
    may_act_on_consignment,
    may_record_tracking_event,
)
from nsatu.core.lifecycles import CONSIGNMENT, AllocationStatus, ConsignmentStatus, OfferStage
from nsatu.db.base import utcnow
from nsatu.db.crud import Resource, Write, authorize, check_foreign_keys
from nsatu.db.models import (
    Allocation,
    Consignment,
    ConsignmentLeg,
    ConsignmentLine,
    OfferLine,
    Site,
    TrackingEvent,
)
from nsatu.errors import Conflict, InvalidInput, PermissionDenied
from nsatu.logistics import errors, ingest
from nsatu.logistics import schemas as s
from nsatu.shared.entity import Entity, contains, eq

# Goods can be put on a consignment once the donor has committed them, and until all of it has left.
SHIPPABLE_OFFER = frozenset(
    {OfferStage.COMMITTED, OfferStage.ALLOCATED, OfferStage.CONTRACTED, OfferStage.SHIPPED}
)
# A cancelled consignment carries nothing, so its lines no longer hold any of the offer.
LIVE_CONSIGNMENT = frozenset(set(ConsignmentStatus) - {ConsignmentStatus.CANCELLED})
# Once goods are received or lost, or the consignment is closed or cancelled, its route is history.
CLOSED_CONSIGNMENT = frozenset(
    {
        ConsignmentStatus.RECEIVED,
        ConsignmentStatus.CLOSED,
        ConsignmentStatus.CANCELLED,
        ConsignmentStatus.LOST,
    }
)
# What it carries and where it goes are settled while it is being put together.
EDITABLE = ConsignmentStatus.CREATED


def _consignment(session: Session, consignment_id: int) -> Consignment:
    # Called after the foreign keys were checked, so the row exists.
    obj = session.get(Consignment, consignment_id)
    assert obj is not None
    return obj


# --- Consignment -------------------------------------------------------------------------------


def may_write_consignment(session: Session, actor: Actor, write: Write) -> None:
    """Coordinators run consignments; the recipient confirms their receipt (proof of delivery).
    Lines and legs have no rule: coordinators only."""
    if not may_act_on_consignment(actor, write.op):
        raise PermissionDenied(
            "only coordinators change consignments; the recipient may confirm receipt (receive)"
        )


CONSIGNMENT_RESOURCE = Resource(
    model=Consignment,
    label="consignment",
    not_found=errors.ConsignmentNotFound,
    foreign_keys={"origin_site_id": Site, "destination_site_id": Site},
    sortable={
        "id": Consignment.id,
        "reference": Consignment.reference,
        "planned_departure_on": Consignment.planned_departure_on,
        "status": Consignment.status,
        "updated_at": Consignment.updated_at,
    },
    lifecycle=CONSIGNMENT,
    state_attr="status",
    write_rule=may_write_consignment,
)


def _check_reference_free(session: Session, reference: str, own_id: int | None) -> None:
    """409 naming ``reference`` rather than a constraint name from the database."""
    stmt = select(Consignment.id).where(Consignment.reference == reference)
    other = session.scalar(stmt)
    if other is not None and other != own_id:
        raise Conflict(f"reference: consignment {reference} already exists", field="reference")


def _check_route(origin_id: int, destination_id: int) -> None:
    if origin_id == destination_id:
        raise InvalidInput(
            "destination_site_id: a consignment must go to a site other than its origin",
            field="destination_site_id",
        )


def _consignment_before_create(session: Session, v: dict[str, Any]) -> None:
    check_foreign_keys(session, CONSIGNMENT_RESOURCE, v)
    if v["reference"] is None:
        v["reference"] = f"CSG-{secrets.token_hex(4).upper()}"
    else:
        _check_reference_free(session, v["reference"], None)
    _check_route(v["origin_site_id"], v["destination_site_id"])


def _consignment_before_update(session: Session, obj: Consignment, ch: dict[str, Any]) -> None:
    for name in ("origin_site_id", "destination_site_id"):
        if name in ch and ch[name] != getattr(obj, name) and obj.status != EDITABLE:
            raise errors.ConsignmentNotEditable(
                f"{name}: consignment {obj.reference} is {obj.status}; "
                f"its route changes only while it is {EDITABLE}",
                field=name,
            )
    if "reference" in ch:
        _check_reference_free(session, ch["reference"], obj.id)
    _check_route(
        ch.get("origin_site_id", obj.origin_site_id),
        ch.get("destination_site_id", obj.destination_site_id),
    )


def _consignment_where(f: s.ConsignmentFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = contains(Consignment.reference, f.q)
    if f.site_id is not None:
        where.append(
            or_(
                Consignment.origin_site_id == f.site_id,
                Consignment.destination_site_id == f.site_id,
            )
        )
    if f.departs_from is not None:
        where.append(Consignment.planned_departure_on >= f.departs_from)
    if f.departs_to is not None:
        where.append(Consignment.planned_departure_on <= f.departs_to)
    return (
        where
        + eq(Consignment.status, f.status)
        + eq(Consignment.origin_site_id, f.origin_site_id)
        + eq(Consignment.destination_site_id, f.destination_site_id)
    )


def _on_consignment_act(session: Session, obj: Consignment, action: str) -> None:
    """A consignment is ready only with something on it; turning it back is a moment in its
    history, which the replay of its events places in time (``returned_at``)."""
    if action == "ready" and not _has_lines(session, obj.id):
        raise errors.ConsignmentEmpty(
            f"consignment {obj.reference} has no lines; add what it carries before it is ready"
        )
    if action == "return":
        obj.returned_at = utcnow()


def _has_lines(session: Session, consignment_id: int) -> bool:
    stmt = (
        select(ConsignmentLine.id).where(ConsignmentLine.consignment_id == consignment_id).limit(1)
    )
    return session.scalar(stmt) is not None


CONSIGNMENTS = Entity(
    name="consignments",
    resource=CONSIGNMENT_RESOURCE,
    create_schema=s.ConsignmentCreate,
    update_schema=s.ConsignmentUpdate,
    read_schema=s.ConsignmentRead,
    filter_schema=s.ConsignmentFilter,
    where=_consignment_where,
    before_create=_consignment_before_create,
    before_update=_consignment_before_update,
    on_act=_on_consignment_act,
)


# --- Consignment line --------------------------------------------------------------------------

LINE_RESOURCE = Resource(
    model=ConsignmentLine,
    label="consignment line",
    not_found=errors.ConsignmentLineNotFound,
    foreign_keys={
        "consignment_id": Consignment,
        "offer_line_id": OfferLine,
        "allocation_id": Allocation,
    },
    sortable={"id": ConsignmentLine.id, "quantity": ConsignmentLine.quantity},
)


def consigned_quantity(
    session: Session, offer_line_id: int, *, excluding: int | None = None
) -> Decimal:
    """How much of an offer line the lines of live (not cancelled) consignments carry."""
    stmt = (
        select(func.coalesce(func.sum(ConsignmentLine.quantity), 0))
        .join(Consignment, Consignment.id == ConsignmentLine.consignment_id)
        .where(
            ConsignmentLine.offer_line_id == offer_line_id,
            Consignment.status.in_(LIVE_CONSIGNMENT),
        )
    )
    if excluding is not None:
        stmt = stmt.where(ConsignmentLine.id != excluding)
    return Decimal(session.scalar(stmt) or 0)


def _check_planned(session: Session, consignment_id: int) -> None:
    consignment = _consignment(session, consignment_id)
    if consignment.status != EDITABLE:
        raise errors.ConsignmentNotEditable(
            f"consignment_id: consignment {consignment.reference} is {consignment.status}; "
            f"its lines change only while it is {EDITABLE}",
            field="consignment_id",
        )


def _check_offer(
    session: Session, offer_line_id: int, quantity: Decimal, own_id: int | None
) -> None:
    # Lock the offer line so that two lines written at once cannot both take its last units.
    offer = session.get(OfferLine, offer_line_id, with_for_update=True)
    assert offer is not None  # the foreign key was checked
    if offer.quantity is None:
        raise InvalidInput(
            f"offer_line_id: offer {offer.reference} has no quantity of goods to ship",
            field="offer_line_id",
        )
    if offer.stage not in SHIPPABLE_OFFER:
        allowed = ", ".join(sorted(SHIPPABLE_OFFER))
        raise Conflict(
            f"offer_line_id: offer {offer.reference} is {offer.stage}; ship only offers {allowed}",
            field="offer_line_id",
        )
    left = offer.quantity - consigned_quantity(session, offer_line_id, excluding=own_id)
    if quantity > left:
        raise errors.OfferOverConsigned(
            f"quantity: offer {offer.reference} has {left} left to consign, not {quantity}",
            field="quantity",
        )


def _check_allocation(session: Session, allocation_id: int | None, offer_line_id: int) -> None:
    """A line's allocation is an accepted allocation of the line's own offer line."""
    if allocation_id is None:
        return
    alloc = session.get(Allocation, allocation_id)
    assert alloc is not None  # the foreign key was checked
    if alloc.offer_line_id != offer_line_id:
        raise InvalidInput(
            f"allocation_id: allocation {allocation_id} allocates another offer line",
            field="allocation_id",
        )
    if alloc.status != AllocationStatus.ACCEPTED:
        raise InvalidInput(
            f"allocation_id: allocation {allocation_id} is {alloc.status}, not accepted",
            field="allocation_id",
        )


def _line_before_create(session: Session, v: dict[str, Any]) -> None:
    check_foreign_keys(session, LINE_RESOURCE, v)
    _check_planned(session, v["consignment_id"])
    _check_allocation(session, v.get("allocation_id"), v["offer_line_id"])
    _check_offer(session, v["offer_line_id"], v["quantity"], None)


def _line_before_update(session: Session, obj: ConsignmentLine, ch: dict[str, Any]) -> None:
    _check_planned(session, obj.consignment_id)
    if "quantity" in ch:
        _check_offer(session, obj.offer_line_id, ch["quantity"], obj.id)


CONSIGNMENT_LINES = Entity(
    name="consignment-lines",
    resource=LINE_RESOURCE,
    create_schema=s.ConsignmentLineCreate,
    update_schema=s.ConsignmentLineUpdate,
    read_schema=s.ConsignmentLineRead,
    filter_schema=s.ConsignmentLineFilter,
    where=lambda f: (
        eq(ConsignmentLine.consignment_id, f.consignment_id)
        + eq(ConsignmentLine.offer_line_id, f.offer_line_id)
    ),
    before_create=_line_before_create,
    before_update=_line_before_update,
)


# --- Consignment leg ---------------------------------------------------------------------------

LEG_RESOURCE = Resource(
    model=ConsignmentLeg,
    label="consignment leg",
    not_found=errors.ConsignmentLegNotFound,
    foreign_keys={"consignment_id": Consignment, "from_site_id": Site, "to_site_id": Site},
    sortable={
        "id": ConsignmentLeg.id,
        "seq": ConsignmentLeg.seq,
        "planned_departure_on": ConsignmentLeg.planned_departure_on,
        "planned_arrival_on": ConsignmentLeg.planned_arrival_on,
    },
)


def _check_leg(v: dict[str, Any]) -> None:
    if v["from_site_id"] == v["to_site_id"]:
        raise InvalidInput(
            "to_site_id: a leg must end at another site than it starts", field="to_site_id"
        )
    departs, arrives = v.get("planned_departure_on"), v.get("planned_arrival_on")
    if departs is not None and arrives is not None and arrives < departs:
        raise InvalidInput(
            "planned_arrival_on: cannot be before planned_departure_on", field="planned_arrival_on"
        )


def _check_route_open(session: Session, consignment_id: int) -> None:
    consignment = _consignment(session, consignment_id)
    if consignment.status in CLOSED_CONSIGNMENT:
        raise errors.ConsignmentNotEditable(
            f"consignment_id: consignment {consignment.reference} is {consignment.status}; "
            "its legs no longer change",
            field="consignment_id",
        )


def _check_seq_free(session: Session, consignment_id: int, seq: int, own_id: int | None) -> None:
    stmt = select(ConsignmentLeg.id).where(
        ConsignmentLeg.consignment_id == consignment_id, ConsignmentLeg.seq == seq
    )
    other = session.scalar(stmt)
    if other is not None and other != own_id:
        raise Conflict(f"seq: the consignment already has a leg {seq}", field="seq")


def _leg_before_create(session: Session, v: dict[str, Any]) -> None:
    check_foreign_keys(session, LEG_RESOURCE, v)
    _check_route_open(session, v["consignment_id"])
    _check_leg(v)
    if v["seq"] is None:
        last = session.scalar(
            select(func.max(ConsignmentLeg.seq)).where(
                ConsignmentLeg.consignment_id == v["consignment_id"]
            )
        )
        v["seq"] = (last or 0) + 1
    else:
        _check_seq_free(session, v["consignment_id"], v["seq"], None)


_LEG_FIELDS = ("seq", "from_site_id", "to_site_id", "planned_departure_on", "planned_arrival_on")


def _leg_before_update(session: Session, obj: ConsignmentLeg, ch: dict[str, Any]) -> None:
    _check_route_open(session, obj.consignment_id)
    merged = {n: getattr(obj, n) for n in _LEG_FIELDS} | ch
    _check_leg(merged)
    if "seq" in ch:
        _check_seq_free(session, obj.consignment_id, ch["seq"], obj.id)


def _leg_where(f: s.ConsignmentLegFilter) -> list[ColumnElement[bool]]:
    where = eq(ConsignmentLeg.consignment_id, f.consignment_id) + eq(ConsignmentLeg.mode, f.mode)
    if f.site_id is not None:
        where.append(
            or_(ConsignmentLeg.from_site_id == f.site_id, ConsignmentLeg.to_site_id == f.site_id)
        )
    return where


CONSIGNMENT_LEGS = Entity(
    name="consignment-legs",
    resource=LEG_RESOURCE,
    create_schema=s.ConsignmentLegCreate,
    update_schema=s.ConsignmentLegUpdate,
    read_schema=s.ConsignmentLegRead,
    filter_schema=s.ConsignmentLegFilter,
    where=_leg_where,
    before_create=_leg_before_create,
    before_update=_leg_before_update,
)


# --- Tracking event ----------------------------------------------------------------------------


def may_write_tracking_event(session: Session, actor: Actor, write: Write) -> None:
    """Hub operators report at their own hub; recipient planners prove delivery."""
    site_id, kind = write.after("site_id"), write.after("kind")
    if may_record_tracking_event(actor, site_id=site_id, kind=kind):
        return
    if actor.role is Role.HUB_OPERATOR:
        raise PermissionDenied(
            f"site_id: a hub operator records events at its own hub (site {actor.site_id}) only",
            field="site_id",
        )
    if actor.role is Role.RECIPIENT_PLANNER:
        kinds = ", ".join(sorted(PROOF_OF_DELIVERY))
        raise PermissionDenied(
            f"kind: a recipient planner records proof of delivery only ({kinds})", field="kind"
        )
    raise PermissionDenied(f"a {actor.role.label} may not record tracking events")


EVENT_RESOURCE = Resource(
    model=TrackingEvent,
    label="tracking event",
    not_found=errors.TrackingEventNotFound,
    foreign_keys={"consignment_id": Consignment, "leg_id": ConsignmentLeg, "site_id": Site},
    sortable={
        "id": TrackingEvent.id,
        "occurred_at": TrackingEvent.occurred_at,
        "kind": TrackingEvent.kind,
    },
    write_rule=may_write_tracking_event,
)


def _create_event(session: Session, data: s.TrackingEventCreate) -> TrackingEvent:
    """The single-event path (API form): the same ingest as a batch, but a refused event is a
    409 with its reason rather than a stored refusal."""
    values = data.model_dump()
    authorize(session, EVENT_RESOURCE, Write("create", None, values))
    check_foreign_keys(session, EVENT_RESOURCE, values)
    consignment = _consignment(session, data.consignment_id)
    if data.leg_id is not None:
        leg = session.get(ConsignmentLeg, data.leg_id)
        if leg is not None and leg.consignment_id != consignment.id:
            raise InvalidInput(
                f"leg_id: leg {leg.id} belongs to another consignment", field="leg_id"
            )
    now = utcnow()
    if data.occurred_at is not None and data.occurred_at > now + ingest.CLOCK_SKEW:
        raise InvalidInput("occurred_at: an event cannot be in the future", field="occurred_at")
    event = ingest.EventIn(
        event_id=data.event_id or f"form-{secrets.token_hex(8)}",
        consignment=consignment.reference,
        kind=data.kind,
        occurred_at=data.occurred_at or now,
        site_id=data.site_id,
        quantity=data.quantity,
        serials=tuple(data.serials),
        new_eta=data.new_eta,
        note=data.note,
        row=1,
        leg_id=data.leg_id,
    )
    result = ingest.ingest(session, [event], keep_refusals=False)
    if result.refusals:
        reason = result.refusals[0].reason
        field = "occurred_at" if "occurred_at" in reason else "kind"
        raise errors.EventImpossible(reason, field=field)
    stmt = select(TrackingEvent).where(
        TrackingEvent.consignment_id == consignment.id, TrackingEvent.event_id == event.event_id
    )
    return session.scalars(stmt).one()


def _event_where(f: s.TrackingEventFilter) -> list[ColumnElement[bool]]:
    where = (
        eq(TrackingEvent.consignment_id, f.consignment_id)
        + eq(TrackingEvent.leg_id, f.leg_id)
        + eq(TrackingEvent.site_id, f.site_id)
        + eq(TrackingEvent.kind, f.kind)
    )
    if f.occurred_from is not None:
        where.append(TrackingEvent.occurred_at >= f.occurred_from)
    if f.occurred_to is not None:
        where.append(TrackingEvent.occurred_at <= f.occurred_to)
    return where


TRACKING_EVENTS = Entity(
    name="tracking-events",
    resource=EVENT_RESOURCE,
    create_schema=s.TrackingEventCreate,
    update_schema=None,  # append-only: a wrong event is corrected by a later one, never edited
    # The router only calls ``model_validate``; an append-only event has no version to show.
    read_schema=s.TrackingEventRead,
    filter_schema=s.TrackingEventFilter,
    where=_event_where,
    creator=_create_event,
)

ENTITIES = (CONSIGNMENTS, CONSIGNMENT_LINES, CONSIGNMENT_LEGS, TRACKING_EVENTS)


def consignment_lines(session: Session, consignment_id: int) -> list[ConsignmentLine]:
    """The lines of a consignment, in the order they were added (as the session's actor sees
    them: lines follow their consignment's scope)."""
    stmt = (
        select(ConsignmentLine)
        .where(ConsignmentLine.consignment_id == consignment_id)
        .order_by(ConsignmentLine.id)
    )
    return list(session.scalars(stmt))
