"""Readiness per capability package: its equipment handed over and its crews trained.

Everything here is derived on read from the records (nothing is stored), as the caller's session
sees them (the need-to-know scoping applies: a role that does not see a consignment sees its
package wait for equipment).

**Training needs.** An accepted allocation of an item type that has crew requirements needs, per
course, ``ceil(quantity) × crew_per_unit`` trained people (:func:`training_needs`).

**Equipment date of a need** (a package component). Its accepted allocations' offer lines travel in
``delivery`` consignments to the need's destination; the need is *consigned* once those carry at
least the allocated quantity of each line. A consignment's handover date is the day of its
``handed_over`` scan (or its receipt) once handed over, received or closed, and otherwise its
planned handover: the newest ETA of a ``delayed`` scan, or else the planned arrival of its last
leg. The need's date is the latest of its consignments'; it is *delivered* when all of them are
handed over on or before ``today``. Unallocated or not fully consigned: no date.

**Training date of a need.** For each course its crews need, the supply is the seats of the seat
requests linked to the need (``requirement_id``) or to one of its allocations (``allocation_id``):
completed participants count as trained on their event's last day; seats not yet used on an event
still to end (not cancelled) count as planned for the event's last day. The course is trained on the
day the required number is reached by completed people (``trained_on``), and planned for the day it
is reached counting planned seats too (``planned_on``); no date when the seats do not suffice.

**Slip rule.** When a handover moves, training that no longer fits is *invalidated*, listed, and
no longer counted as supply:

- ``collective_before_handover``: a collective course (crews train together on their own
  equipment) on an event not yet finished that starts before the need's equipment date;
- ``currency``: training (done or planned) that ends more than :data:`CURRENCY_DAYS` days before
  the equipment date: the crew needs a refresher by the time the equipment arrives.

**Package.** Its readiness date is the latest of its components' equipment dates and its training
dates (``None`` while any is unknown). Its status is ``ready`` (every component delivered and every
course trained), ``waiting_for_equipment``, ``waiting_for_training``, or ``waiting_for_both``; in the
per-area counts a package waiting for both is counted, and listed, under each of the two waits.

Shape of :func:`readiness` (all frozen dataclasses; dates are ``datetime.date``)::

    Readiness(today, areas=[AreaReadiness(area_id, code, name, ready=[PackageRef],
                                         waiting_for_equipment=[PackageRef],
                                         waiting_for_training=[PackageRef])],
              packages=[PackageReadiness(package_id, code, name, area_code, status, readiness_on,
                                         equipment_on, equipment_delivered, training_on, trained,
                                         components=[ComponentReadiness],
                                         training=[CourseNeed], invalidated=[InvalidatedTraining],
                                         need_ids, allocation_ids, consignment_ids, event_ids,
                                         seat_request_ids, participant_ids)],
              equipment_without_crews=[Gap], crews_without_equipment=[Gap],
              invalidated=[InvalidatedTraining])

A :class:`PackageRef` carries the package's id and code with the ids of the needs, consignments,
training events and seat requests its figure is made of.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.enums import ConsignmentKind, CourseType, TrackingEventKind
from nsatu.core.lifecycles import (
    AllocationStatus,
    ConsignmentStatus,
    ParticipantStatus,
    SeatRequestStatus,
    TrainingEventStatus,
)
from nsatu.db.models import (
    Allocation,
    CapabilityArea,
    CapabilityPackage,
    Consignment,
    ConsignmentLeg,
    ConsignmentLine,
    Course,
    CrewRequirement,
    PackageComponent,
    Participant,
    Receipt,
    Requirement,
    SeatRequest,
    TrackingEvent,
    TrainingEvent,
)
from nsatu.errors import InvalidInput

#: Training that ends more than this many days before its equipment arrives needs a refresher.
CURRENCY_DAYS = 180

_C = ConsignmentStatus
K = TrackingEventKind
#: Consignments whose goods are still coming or came.
_LIVE = frozenset(
    {_C.CREATED, _C.READY, _C.IN_TRANSIT, _C.AT_HUB, _C.HANDED_OVER, _C.RECEIVED, _C.CLOSED}
)
_HANDED = frozenset({_C.HANDED_OVER, _C.RECEIVED, _C.CLOSED})
_DEAD_REQUEST = frozenset({SeatRequestStatus.DECLINED, SeatRequestStatus.CANCELLED})
_USED = frozenset(
    {ParticipantStatus.COMPLETED, ParticipantStatus.FAILED, ParticipantStatus.WITHDRAWN}
)
_FINISHED_EVENT = frozenset({TrainingEventStatus.COMPLETED, TrainingEventStatus.CANCELLED})


class PackageStatus(StrEnum):
    READY = "ready"
    WAITING_FOR_EQUIPMENT = "waiting_for_equipment"
    WAITING_FOR_TRAINING = "waiting_for_training"
    WAITING_FOR_BOTH = "waiting_for_both"


# --- Results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingNeed:
    """Seats one accepted allocation needs on one course (derived, never stored)."""

    allocation_id: int
    requirement_id: int
    item_type_id: int
    course_id: int
    units: int
    seats: int


@dataclass(frozen=True)
class ComponentReadiness:
    requirement_id: int
    reference: str
    component: str
    allocation_ids: tuple[int, ...]
    consignment_ids: tuple[int, ...]
    #: Latest handover date (actual or planned); ``None``: not allocated or not fully consigned.
    equipment_on: dt.date | None
    delivered: bool
    reason: str


@dataclass(frozen=True)
class CourseNeed:
    """The trained people one need's crews require on one course, and where they come from."""

    requirement_id: int
    course_id: int
    course_code: str
    seats_needed: int
    seats_completed: int
    seats_planned: int
    trained_on: dt.date | None
    planned_on: dt.date | None
    seat_request_ids: tuple[int, ...]
    event_ids: tuple[int, ...]
    participant_ids: tuple[int, ...]

    @property
    def trained(self) -> bool:
        return self.trained_on is not None


@dataclass(frozen=True)
class InvalidatedTraining:
    package_id: int
    requirement_id: int
    course_id: int
    training_event_id: int
    seat_request_ids: tuple[int, ...]
    rule: str  # collective_before_handover | currency
    starts_on: dt.date
    ends_on: dt.date
    handover_on: dt.date
    detail: str


@dataclass(frozen=True)
class PackageReadiness:
    package_id: int
    code: str
    name: str
    area_code: str
    status: PackageStatus
    readiness_on: dt.date | None
    equipment_on: dt.date | None
    equipment_delivered: bool
    training_on: dt.date | None
    trained: bool
    trained_on: dt.date | None
    components: tuple[ComponentReadiness, ...]
    training: tuple[CourseNeed, ...]
    invalidated: tuple[InvalidatedTraining, ...]

    @property
    def need_ids(self) -> list[int]:
        return sorted({c.requirement_id for c in self.components})

    @property
    def allocation_ids(self) -> list[int]:
        return sorted({a for c in self.components for a in c.allocation_ids})

    @property
    def consignment_ids(self) -> list[int]:
        return sorted({k for c in self.components for k in c.consignment_ids})

    @property
    def event_ids(self) -> list[int]:
        return sorted({e for t in self.training for e in t.event_ids})

    @property
    def seat_request_ids(self) -> list[int]:
        return sorted({r for t in self.training for r in t.seat_request_ids})

    @property
    def participant_ids(self) -> list[int]:
        return sorted({p for t in self.training for p in t.participant_ids})

    def ref(self) -> PackageRef:
        return PackageRef(
            package_id=self.package_id,
            code=self.code,
            need_ids=tuple(self.need_ids),
            consignment_ids=tuple(self.consignment_ids),
            event_ids=tuple(self.event_ids),
            seat_request_ids=tuple(self.seat_request_ids),
        )


@dataclass(frozen=True)
class PackageRef:
    package_id: int
    code: str
    need_ids: tuple[int, ...]
    consignment_ids: tuple[int, ...]
    event_ids: tuple[int, ...]
    seat_request_ids: tuple[int, ...]


@dataclass(frozen=True)
class AreaReadiness:
    area_id: int
    code: str
    name: str
    ready: tuple[PackageRef, ...]
    waiting_for_equipment: tuple[PackageRef, ...]
    waiting_for_training: tuple[PackageRef, ...]


@dataclass(frozen=True)
class Gap:
    """Equipment delivered with its crews not trained (or the reverse), with the dates."""

    area_code: str
    package_id: int
    code: str
    #: When the side that is there got there (delivered on / trained on).
    there_on: dt.date | None
    #: When the missing side is expected (``None``: not planned).
    expected_on: dt.date | None
    need_ids: tuple[int, ...]
    consignment_ids: tuple[int, ...]
    event_ids: tuple[int, ...]
    seat_request_ids: tuple[int, ...]


@dataclass(frozen=True)
class Readiness:
    today: dt.date
    areas: tuple[AreaReadiness, ...]
    packages: tuple[PackageReadiness, ...]
    equipment_without_crews: tuple[Gap, ...]
    crews_without_equipment: tuple[Gap, ...]
    invalidated: tuple[InvalidatedTraining, ...]


# --- Training needs ------------------------------------------------------------------------------


def training_needs(
    session: Session, *, requirement_ids: Iterable[int] | None = None
) -> list[TrainingNeed]:
    """Seats per accepted allocation and course: ``ceil(quantity) × crew_per_unit`` for each crew
    requirement of the allocated item type (roles sharing a course are added up)."""
    stmt = (
        select(
            Allocation.id, Allocation.requirement_id, Allocation.quantity, Requirement.item_type_id
        )
        .join(Requirement, Requirement.id == Allocation.requirement_id)
        .where(
            Allocation.status == AllocationStatus.ACCEPTED, Requirement.item_type_id.is_not(None)
        )
        .order_by(Allocation.id)
    )
    if requirement_ids is not None:
        stmt = stmt.where(Allocation.requirement_id.in_(list(requirement_ids)))
    rows = session.execute(stmt).all()
    crews: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    item_ids = {r.item_type_id for r in rows}
    if item_ids:
        for req in session.scalars(
            select(CrewRequirement).where(CrewRequirement.item_type_id.in_(item_ids))
        ):
            crews[req.item_type_id][req.course_id] += req.crew_per_unit
    out: list[TrainingNeed] = []
    for r in rows:
        units = math.ceil(Decimal(r.quantity))
        for course_id, per_unit in sorted(crews.get(r.item_type_id, {}).items()):
            out.append(
                TrainingNeed(
                    allocation_id=r.id,
                    requirement_id=r.requirement_id,
                    item_type_id=r.item_type_id,
                    course_id=course_id,
                    units=units,
                    seats=units * per_unit,
                )
            )
    return out


# --- Equipment -----------------------------------------------------------------------------------


def handover_dates(
    session: Session, consignment_ids: Iterable[int]
) -> dict[int, tuple[dt.date | None, bool]]:
    """Consignment id → (handover date, handed over?): the actual day once handed over, else the
    planned one (newest ``delayed`` ETA, else the last leg's planned arrival)."""
    ids = sorted(set(consignment_ids))
    if not ids:
        return {}
    status = dict(
        session.execute(
            select(Consignment.id, Consignment.status).where(Consignment.id.in_(ids))
        ).all()
    )
    handed: dict[int, dt.date] = {}
    received: dict[int, dt.date] = {}
    eta: dict[int, tuple[dt.datetime, dt.date]] = {}
    for cid, kind, occurred, new_eta in session.execute(
        select(
            TrackingEvent.consignment_id,
            TrackingEvent.kind,
            TrackingEvent.occurred_at,
            TrackingEvent.new_eta,
        ).where(
            TrackingEvent.consignment_id.in_(ids),
            TrackingEvent.kind.in_([K.HANDED_OVER, K.RECEIVED, K.DELAYED]),
        )
    ):
        if kind is K.DELAYED:
            if new_eta is not None and (cid not in eta or occurred > eta[cid][0]):
                eta[cid] = (occurred, new_eta.date())
        else:
            seen = handed if kind is K.HANDED_OVER else received
            day = occurred.date()
            seen[cid] = min(seen.get(cid, day), day)
    actual = received | handed  # the handover scan wins over the receipt scan
    for cid, received_at in session.execute(
        select(Receipt.consignment_id, Receipt.received_at).where(Receipt.consignment_id.in_(ids))
    ):
        actual.setdefault(cid, received_at.date())
    arrival: dict[int, dt.date] = {}
    for cid, arrives in session.execute(
        select(ConsignmentLeg.consignment_id, ConsignmentLeg.planned_arrival_on)
        .where(ConsignmentLeg.consignment_id.in_(ids))
        .order_by(ConsignmentLeg.consignment_id, ConsignmentLeg.seq)
    ):
        if arrives is not None:
            arrival[cid] = arrives  # the last leg's, by the order
    out: dict[int, tuple[dt.date | None, bool]] = {}
    for cid in ids:
        if status.get(cid) in _HANDED and cid in actual:
            out[cid] = (actual[cid], True)
        elif cid in eta:
            out[cid] = (eta[cid][1], False)
        else:
            out[cid] = (arrival.get(cid), False)
    return out


@dataclass
class _Need:
    id: int
    reference: str
    destination_site_id: int | None
    allocations: dict[int, tuple[int, Decimal]] = field(default_factory=dict)  # id → (offer, qty)


def _equipment(
    session: Session, needs: dict[int, _Need], today: dt.date
) -> dict[int, tuple[tuple[int, ...], dt.date | None, bool, str]]:
    """Need id → (consignment ids, equipment date, delivered, reason)."""
    offer_ids = {o for n in needs.values() for o, _ in n.allocations.values()}
    lines: dict[int, list[tuple[int, int, Decimal]]] = defaultdict(
        list
    )  # offer → (cons, dest, qty)
    if offer_ids:
        for offer_id, cid, dest, qty in session.execute(
            select(
                ConsignmentLine.offer_line_id,
                Consignment.id,
                Consignment.destination_site_id,
                ConsignmentLine.quantity,
            )
            .join(Consignment, Consignment.id == ConsignmentLine.consignment_id)
            .where(
                ConsignmentLine.offer_line_id.in_(offer_ids),
                Consignment.kind == ConsignmentKind.DELIVERY,
                Consignment.status.in_(_LIVE),
            )
        ):
            lines[offer_id].append((cid, dest, Decimal(qty)))
    carried: dict[int, set[int]] = {}
    for need in needs.values():
        cons: set[int] = set()
        short = False
        for offer_id, qty in need.allocations.values():
            mine = [
                (cid, q)
                for cid, dest, q in lines.get(offer_id, [])
                if need.destination_site_id is None or dest == need.destination_site_id
            ]
            if sum((q for _, q in mine), Decimal(0)) < qty:
                short = True
            cons |= {cid for cid, _ in mine}
        carried[need.id] = cons if not short else cons | {-1}
    dates = handover_dates(session, {c for cs in carried.values() for c in cs if c > 0})
    out: dict[int, tuple[tuple[int, ...], dt.date | None, bool, str]] = {}
    for need in needs.values():
        cons = carried[need.id]
        ids = tuple(sorted(c for c in cons if c > 0))
        if not need.allocations:
            out[need.id] = (ids, None, False, "not allocated")
        elif -1 in cons:
            out[need.id] = (ids, None, False, "not fully consigned")
        else:
            days = [dates[c] for c in ids]
            if any(d is None for d, _ in days):
                out[need.id] = (ids, None, False, "handover not planned")
                continue
            on = max(d for d, _ in days if d is not None)
            delivered = all(h for _, h in days) and on <= today
            out[need.id] = (ids, on, delivered, "delivered" if delivered else "in delivery")
    return out


# --- Training ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Supply:
    """One trained (or to-be-trained) person's worth of seats from one request on one event."""

    on: dt.date
    actual: bool
    seats: int
    request_id: int
    event_id: int
    participant_id: int | None
    starts_on: dt.date


def _supplies(
    session: Session, needs: Iterable[int], allocation_need: dict[int, int]
) -> dict[tuple[int, int], list[_Supply]]:
    """(need id, course id) → the seats its linked requests bring, actual and planned."""
    need_ids = list(needs)
    if not need_ids:
        return {}
    requests = list(
        session.execute(
            select(SeatRequest, TrainingEvent, Course.id)
            .outerjoin(TrainingEvent, TrainingEvent.id == SeatRequest.training_event_id)
            .outerjoin(Course, Course.id == TrainingEvent.course_id)
            .where(
                SeatRequest.status.not_in(_DEAD_REQUEST),
                (SeatRequest.requirement_id.in_(need_ids))
                | (SeatRequest.allocation_id.in_(list(allocation_need) or [-1])),
            )
            .order_by(SeatRequest.id)
        ).all()
    )
    request_ids = [r.id for r, _, _ in requests]
    people: dict[int, list[tuple[Participant, TrainingEvent]]] = defaultdict(list)
    if request_ids:
        for p, e in session.execute(
            select(Participant, TrainingEvent)
            .join(TrainingEvent, TrainingEvent.id == Participant.training_event_id)
            .where(Participant.seat_request_id.in_(request_ids))
            .order_by(Participant.id)
        ).all():
            people[p.seat_request_id].append((p, e))
    out: dict[tuple[int, int], list[_Supply]] = defaultdict(list)
    for req, event, event_course in requests:
        need_id = req.requirement_id
        if need_id is None and req.allocation_id is not None:
            need_id = allocation_need.get(req.allocation_id)
        course_id = req.course_id or event_course
        if need_id is None or course_id is None:
            continue
        key = (need_id, course_id)
        used = 0
        for p, e in people.get(req.id, []):
            if p.status in _USED:
                used += 1
            if p.status is ParticipantStatus.COMPLETED:
                out[key].append(_Supply(e.ends_on, True, 1, req.id, e.id, p.id, e.starts_on))
        left = req.seats - used
        if event is not None and event.status not in _FINISHED_EVENT and left > 0:
            out[key].append(
                _Supply(event.ends_on, False, left, req.id, event.id, None, event.starts_on)
            )
    return out


def _reach(supplies: Sequence[_Supply], needed: int) -> dt.date | None:
    """The day the running count of seats (in date order) first reaches ``needed``."""
    total = 0
    for s in sorted(supplies, key=lambda s: (s.on, s.request_id)):
        total += s.seats
        if total >= needed:
            return s.on
    return None


def _invalid(
    supply: _Supply, course: Course, handover_on: dt.date | None
) -> tuple[str, str] | None:
    """Why the slip rule invalidates this supply, if it does."""
    if handover_on is None:
        return None
    if (
        course.course_type is CourseType.COLLECTIVE
        and not supply.actual
        and supply.starts_on < handover_on
    ):
        return (
            "collective_before_handover",
            f"collective course {course.code} starts {supply.starts_on} before its equipment is "
            f"handed over on {handover_on}",
        )
    if (handover_on - supply.on).days > CURRENCY_DAYS:
        return (
            "currency",
            f"{course.code} ends {supply.on}, {(handover_on - supply.on).days} days before the "
            f"handover on {handover_on} (more than {CURRENCY_DAYS}): a refresher is needed",
        )
    return None


# --- Readiness -----------------------------------------------------------------------------------


def _area(session: Session, area: str | int | None) -> CapabilityArea | None:
    if area is None:
        return None
    cond = CapabilityArea.id == area if isinstance(area, int) else CapabilityArea.code == area
    found = session.scalars(select(CapabilityArea).where(cond)).first()
    if found is None:
        raise InvalidInput(f"area: no capability area {area!r}", field="area")
    return found


def readiness(
    session: Session,
    actor: object | None = None,
    *,
    area: str | int | None = None,
    today: dt.date | None = None,
) -> Readiness:
    """The readiness of every capability package (of one capability area, by code or id) as the
    session's actor sees it; see the module docstring for the rules and the shape.

    ``actor`` is accepted for symmetry with the other services; the scoping reads the actor that
    the entry point set on the session.

    Raises:
        InvalidInput: ``area`` names no capability area (field ``area``).
    """
    del actor  # the session carries it
    today = today or dt.datetime.now(dt.UTC).date()
    only = _area(session, area)
    pkg_stmt = select(CapabilityPackage, CapabilityArea).join(
        CapabilityArea, CapabilityArea.id == CapabilityPackage.capability_area_id
    )
    if only is not None:
        pkg_stmt = pkg_stmt.where(CapabilityPackage.capability_area_id == only.id)
    packages = list(session.execute(pkg_stmt.order_by(CapabilityPackage.id)).all())
    pkg_ids = [p.id for p, _ in packages]
    components: dict[int, list[tuple[PackageComponent, Requirement]]] = defaultdict(list)
    if pkg_ids:
        for comp, need in session.execute(
            select(PackageComponent, Requirement)
            .join(Requirement, Requirement.id == PackageComponent.requirement_id)
            .where(PackageComponent.capability_package_id.in_(pkg_ids))
            .order_by(PackageComponent.id)
        ).all():
            components[comp.capability_package_id].append((comp, need))
    needs = {
        need.id: _Need(need.id, need.reference, need.destination_site_id)
        for comps in components.values()
        for _, need in comps
    }
    allocation_need: dict[int, int] = {}
    if needs:
        for a in session.scalars(
            select(Allocation).where(
                Allocation.requirement_id.in_(list(needs)),
                Allocation.status == AllocationStatus.ACCEPTED,
            )
        ):
            needs[a.requirement_id].allocations[a.id] = (a.offer_line_id, Decimal(a.quantity))
            allocation_need[a.id] = a.requirement_id
    equipment = _equipment(session, needs, today)
    required: dict[tuple[int, int], int] = defaultdict(int)
    for tn in training_needs(session, requirement_ids=list(needs)):
        required[(tn.requirement_id, tn.course_id)] += tn.seats
    supplies = _supplies(session, needs, allocation_need)
    course_ids = {c for _, c in required}
    courses = (
        {c.id: c for c in session.scalars(select(Course).where(Course.id.in_(course_ids)))}
        if course_ids
        else {}
    )

    results: list[PackageReadiness] = []
    for pkg, pkg_area in packages:
        comps: list[ComponentReadiness] = []
        for comp, need in components.get(pkg.id, []):
            cons, on, delivered, reason = equipment[need.id]
            comps.append(
                ComponentReadiness(
                    requirement_id=need.id,
                    reference=need.reference,
                    component=comp.component,
                    allocation_ids=tuple(sorted(needs[need.id].allocations)),
                    consignment_ids=cons,
                    equipment_on=on,
                    delivered=delivered,
                    reason=reason,
                )
            )
        training, invalid = _course_needs(pkg.id, comps, required, supplies, courses, today)
        results.append(_package(pkg, pkg_area, comps, training, invalid))

    return _summarise(session, results, only, today)


def _course_needs(
    package_id: int,
    comps: list[ComponentReadiness],
    required: dict[tuple[int, int], int],
    supplies: dict[tuple[int, int], list[_Supply]],
    courses: dict[int, Course],
    today: dt.date,
) -> tuple[list[CourseNeed], list[InvalidatedTraining]]:
    """Each component's courses: the seats needed, what counts towards them once the slip rule
    has taken out what it invalidates, and what it took out."""
    training: list[CourseNeed] = []
    # One entry per need, course, event and rule (a cohort is flagged once, not per person).
    flagged: dict[tuple[int, int, int, str], tuple[_Supply, set[int], str, dt.date]] = {}
    for comp_r in comps:
        handover_on = comp_r.equipment_on
        for (need_id, course_id), needed in sorted(required.items()):
            if need_id != comp_r.requirement_id:
                continue
            course = courses[course_id]
            valid: list[_Supply] = []
            for s in supplies.get((need_id, course_id), []):
                why = _invalid(s, course, handover_on)
                if why is None:
                    valid.append(s)
                    continue
                assert handover_on is not None  # the rule needs a handover date
                key = (need_id, course_id, s.event_id, why[0])
                flagged.setdefault(key, (s, set(), why[1], handover_on))[1].add(s.request_id)
            actual = [s for s in valid if s.actual and s.on <= today]
            all_s = supplies.get((need_id, course_id), [])
            training.append(
                CourseNeed(
                    requirement_id=need_id,
                    course_id=course_id,
                    course_code=course.code,
                    seats_needed=needed,
                    seats_completed=sum(s.seats for s in valid if s.actual),
                    seats_planned=sum(s.seats for s in valid if not s.actual),
                    trained_on=_reach(actual, needed),
                    planned_on=_reach(valid, needed),
                    seat_request_ids=tuple(sorted({s.request_id for s in all_s})),
                    event_ids=tuple(sorted({s.event_id for s in all_s})),
                    participant_ids=tuple(
                        sorted({s.participant_id for s in all_s if s.participant_id})
                    ),
                )
            )
    invalid = [
        InvalidatedTraining(
            package_id=package_id,
            requirement_id=need_id,
            course_id=course_id,
            training_event_id=event_id,
            seat_request_ids=tuple(sorted(requests)),
            rule=rule,
            starts_on=s.starts_on,
            ends_on=s.on,
            handover_on=handover_on,
            detail=detail,
        )
        for (need_id, course_id, event_id, rule), (s, requests, detail, handover_on) in sorted(
            flagged.items(), key=lambda kv: kv[0]
        )
    ]
    return training, invalid


def _latest(days: Sequence[dt.date | None]) -> dt.date | None:
    if any(d is None for d in days):
        return None
    return max((d for d in days if d is not None), default=None)


def _package(
    pkg: CapabilityPackage,
    area: CapabilityArea,
    comps: list[ComponentReadiness],
    training: list[CourseNeed],
    invalid: list[InvalidatedTraining],
) -> PackageReadiness:
    equipment_on = _latest([c.equipment_on for c in comps]) if comps else None
    delivered = bool(comps) and all(c.delivered for c in comps)
    training_on = _latest([t.planned_on for t in training])
    trained = all(t.trained for t in training)
    trained_on = _latest([t.trained_on for t in training]) if training else None
    readiness_on = (
        None
        if equipment_on is None or (training and training_on is None)
        else max(d for d in (equipment_on, training_on) if d is not None)
    )
    if delivered and trained:
        status = PackageStatus.READY
    elif not delivered and not trained:
        status = PackageStatus.WAITING_FOR_BOTH
    elif not delivered:
        status = PackageStatus.WAITING_FOR_EQUIPMENT
    else:
        status = PackageStatus.WAITING_FOR_TRAINING
    return PackageReadiness(
        package_id=pkg.id,
        code=pkg.code,
        name=pkg.name,
        area_code=area.code,
        status=status,
        readiness_on=readiness_on,
        equipment_on=equipment_on,
        equipment_delivered=delivered,
        training_on=training_on,
        trained=trained,
        trained_on=trained_on,
        components=tuple(comps),
        training=tuple(training),
        invalidated=tuple(invalid),
    )


def _summarise(
    session: Session,
    results: list[PackageReadiness],
    only: CapabilityArea | None,
    today: dt.date,
) -> Readiness:
    area_stmt = select(CapabilityArea).order_by(CapabilityArea.code)
    if only is not None:
        area_stmt = area_stmt.where(CapabilityArea.id == only.id)
    by_area: dict[str, list[PackageReadiness]] = defaultdict(list)
    for r in results:
        by_area[r.area_code].append(r)
    areas: list[AreaReadiness] = []
    for a in session.scalars(area_stmt):
        rs = by_area.get(a.code, [])
        if not rs and only is None:
            continue
        areas.append(
            AreaReadiness(
                area_id=a.id,
                code=a.code,
                name=a.name,
                ready=tuple(r.ref() for r in rs if r.status is PackageStatus.READY),
                waiting_for_equipment=tuple(
                    r.ref()
                    for r in rs
                    if r.status
                    in (PackageStatus.WAITING_FOR_EQUIPMENT, PackageStatus.WAITING_FOR_BOTH)
                ),
                waiting_for_training=tuple(
                    r.ref()
                    for r in rs
                    if r.status
                    in (PackageStatus.WAITING_FOR_TRAINING, PackageStatus.WAITING_FOR_BOTH)
                ),
            )
        )

    def gap(r: PackageReadiness, there: dt.date | None, expected: dt.date | None) -> Gap:
        return Gap(
            area_code=r.area_code,
            package_id=r.package_id,
            code=r.code,
            there_on=there,
            expected_on=expected,
            need_ids=tuple(r.need_ids),
            consignment_ids=tuple(r.consignment_ids),
            event_ids=tuple(r.event_ids),
            seat_request_ids=tuple(r.seat_request_ids),
        )

    ordered = sorted(results, key=lambda r: (r.area_code, r.package_id))
    return Readiness(
        today=today,
        areas=tuple(areas),
        packages=tuple(results),
        equipment_without_crews=tuple(
            gap(r, r.equipment_on, r.training_on)
            for r in ordered
            if r.status is PackageStatus.WAITING_FOR_TRAINING
        ),
        crews_without_equipment=tuple(
            gap(r, r.trained_on, r.equipment_on)
            for r in ordered
            if r.status is PackageStatus.WAITING_FOR_EQUIPMENT and r.training
        ),
        invalidated=tuple(i for r in ordered for i in r.invalidated),
    )


# --- One JSON shape for the CLI and the API ------------------------------------------------------


def _ref(p: PackageRef) -> dict[str, object]:
    return {
        "id": p.package_id,
        "code": p.code,
        "need_ids": list(p.need_ids),
        "consignment_ids": list(p.consignment_ids),
        "event_ids": list(p.event_ids),
        "seat_request_ids": list(p.seat_request_ids),
    }


def _group(refs: Sequence[PackageRef]) -> dict[str, object]:
    return {
        "count": len(refs),
        "package_ids": [p.package_id for p in refs],
        "packages": [_ref(p) for p in refs],
    }


def _gap(g: Gap, there: str, expected: str) -> dict[str, object]:
    return {
        "area": g.area_code,
        "package_id": g.package_id,
        "code": g.code,
        there: g.there_on,
        expected: g.expected_on,
        "need_ids": list(g.need_ids),
        "consignment_ids": list(g.consignment_ids),
        "event_ids": list(g.event_ids),
        "seat_request_ids": list(g.seat_request_ids),
    }


def as_dict(r: Readiness) -> dict[str, object]:
    """The readiness as plain data (dates stay ``date``): per capability area the counts
    ``ready``, ``waiting_for_equipment`` and ``waiting_for_training``, each with its packages and
    the ids of their needs, consignments, training events and seat requests; the packages; the
    two gap lists; and the training the slip rule invalidates."""
    return {
        "today": r.today,
        "areas": {
            a.code: {
                "name": a.name,
                "ready": _group(a.ready),
                "waiting_for_equipment": _group(a.waiting_for_equipment),
                "waiting_for_training": _group(a.waiting_for_training),
            }
            for a in r.areas
        },
        "packages": [
            {
                "id": p.package_id,
                "code": p.code,
                "name": p.name,
                "area": p.area_code,
                "status": p.status.value,
                "readiness_on": p.readiness_on,
                "equipment_on": p.equipment_on,
                "equipment_delivered": p.equipment_delivered,
                "training_on": p.training_on,
                "trained": p.trained,
                "components": [
                    {
                        "need_id": c.requirement_id,
                        "reference": c.reference,
                        "component": c.component,
                        "equipment_on": c.equipment_on,
                        "delivered": c.delivered,
                        "state": c.reason,
                        "allocation_ids": list(c.allocation_ids),
                        "consignment_ids": list(c.consignment_ids),
                    }
                    for c in p.components
                ],
                "training": [
                    {
                        "need_id": t.requirement_id,
                        "course_id": t.course_id,
                        "course": t.course_code,
                        "seats_needed": t.seats_needed,
                        "seats_completed": t.seats_completed,
                        "seats_planned": t.seats_planned,
                        "trained_on": t.trained_on,
                        "planned_on": t.planned_on,
                        "seat_request_ids": list(t.seat_request_ids),
                        "event_ids": list(t.event_ids),
                        "participant_ids": list(t.participant_ids),
                    }
                    for t in p.training
                ],
            }
            for p in r.packages
        ],
        "equipment_without_crews": [
            _gap(g, "delivered_on", "training_expected_on") for g in r.equipment_without_crews
        ],
        "crews_without_equipment": [
            _gap(g, "trained_on", "equipment_expected_on") for g in r.crews_without_equipment
        ],
        "invalidated_training": [
            {
                "package_id": i.package_id,
                "need_id": i.requirement_id,
                "course_id": i.course_id,
                "event_id": i.training_event_id,
                "seat_request_ids": list(i.seat_request_ids),
                "rule": i.rule,
                "starts_on": i.starts_on,
                "ends_on": i.ends_on,
                "handover_on": i.handover_on,
                "detail": i.detail,
            }
            for i in r.invalidated
        ],
    }
