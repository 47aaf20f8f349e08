"""Use cases for courses, training events and seat requests: the generic registry behaviour plus
the rules of hosting training and sharing out its seats."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from nsatu.core.access import Actor, may_change_training
from nsatu.core.enums import SiteKind
from nsatu.core.lifecycles import (
    SEAT_REQUEST,
    TRAINING_EVENT,
    SeatRequestStatus,
    TrainingEventStatus,
)
from nsatu.db.crud import Resource, Write, check_foreign_keys, check_owner
from nsatu.db.models import (
    CapabilityArea,
    Course,
    ItemType,
    Nation,
    Requirement,
    SeatRequest,
    Site,
    TrainingEvent,
)
from nsatu.errors import Conflict, InvalidInput
from nsatu.shared.entity import Entity, contains, eq
from nsatu.training import errors
from nsatu.training import schemas as s

# Seats may be asked for, and the schedule changed, until the event starts.
BOOKABLE_EVENT = frozenset({TrainingEventStatus.PLANNED, TrainingEventStatus.OPEN})
# Attendance is recorded once the event runs (or afterwards).
ATTENDABLE_EVENT = frozenset({TrainingEventStatus.RUNNING, TrainingEventStatus.COMPLETED})
# Requests that hold seats: declined and cancelled ones give theirs back.
HOLDING = frozenset(
    {SeatRequestStatus.REQUESTED, SeatRequestStatus.CONFIRMED, SeatRequestStatus.ATTENDED}
)


def _check_site(session: Session, site_id: int | None) -> None:
    if site_id is None:
        return
    site = session.get(Site, site_id)
    if site is not None and site.kind != SiteKind.TRAINING_CENTRE:
        raise InvalidInput(
            f"site_id: site {site.code} is a {site.kind}, not a training centre", field="site_id"
        )


# --- Who may write: a course, its events and their seat requests belong to its host nation ------


def _host_of_course(session: Session, course_id: int) -> int | None:
    return session.scalar(select(Course.host_nation_id).where(Course.id == course_id))


def _host_of_event(session: Session, event_id: int) -> int | None:
    stmt = (
        select(Course.host_nation_id)
        .join(TrainingEvent, TrainingEvent.course_id == Course.id)
        .where(TrainingEvent.id == event_id)
    )
    return session.scalar(stmt)


def _hosted_by_own_nation(actor: Actor, host: Callable[[int], int | None]) -> Callable[[int], bool]:
    """Whether the record with this id belongs to the actor's host nation. A missing record is
    let through here: the foreign-key check then names the field (422)."""

    def allowed(id_: int) -> bool:
        host_nation_id = host(id_)
        return host_nation_id is None or may_change_training(actor, host_nation_id=host_nation_id)

    return allowed


_ROW = "a {role} changes only the {what} of its own host nation's courses"
_FIELD = "a {role} names only its own host nation's {what}"


def may_write_course(session: Session, actor: Actor, write: Write) -> None:
    check_owner(
        write,
        "host_nation_id",
        lambda host: may_change_training(actor, host_nation_id=host),
        row_message=f"a {actor.role.label} changes only its own host nation's courses",
        field_message=f"a {actor.role.label} hosts courses of its own nation only",
    )


def may_write_training_event(session: Session, actor: Actor, write: Write) -> None:
    check_owner(
        write,
        "course_id",
        _hosted_by_own_nation(actor, lambda id_: _host_of_course(session, id_)),
        row_message=_ROW.format(role=actor.role.label, what="training events"),
        field_message=_FIELD.format(role=actor.role.label, what="courses"),
    )


def may_write_seat_request(session: Session, actor: Actor, write: Write) -> None:
    check_owner(
        write,
        "training_event_id",
        _hosted_by_own_nation(actor, lambda id_: _host_of_event(session, id_)),
        row_message=_ROW.format(role=actor.role.label, what="seat requests"),
        field_message=_FIELD.format(role=actor.role.label, what="training events"),
    )


# --- Course ------------------------------------------------------------------------------------

COURSE_RESOURCE = Resource(
    model=Course,
    label="course",
    not_found=errors.CourseNotFound,
    foreign_keys={
        "capability_area_id": CapabilityArea,
        "item_type_id": ItemType,
        "host_nation_id": Nation,
        "site_id": Site,
    },
    sortable={
        "id": Course.id,
        "code": Course.code,
        "title": Course.title,
        "duration_days": Course.duration_days,
        "seats_per_event": Course.seats_per_event,
    },
    write_rule=may_write_course,
)


def _check_course(session: Session, v: dict[str, Any], own_id: int | None) -> None:
    if "host_nation_id" in v:
        nation = session.get(Nation, v["host_nation_id"])
        if nation is not None and not nation.is_host:
            raise InvalidInput(
                f"host_nation_id: {nation.name} is not a host nation", field="host_nation_id"
            )
    if "site_id" in v:
        _check_site(session, v["site_id"])
    if "code" in v:
        other = session.scalar(select(Course.id).where(Course.code == v["code"]))
        if other is not None and other != own_id:
            raise Conflict(f"code: course {v['code']} already exists", field="code")


def _course_before_create(session: Session, v: dict[str, Any]) -> None:
    check_foreign_keys(session, COURSE_RESOURCE, v)
    _check_course(session, v, None)


def _course_before_update(session: Session, obj: Course, ch: dict[str, Any]) -> None:
    _check_course(session, ch, obj.id)


def _course_where(f: s.CourseFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.q:
        where.append(or_(*contains(Course.title, f.q), *contains(Course.code, f.q)))
    return (
        where
        + eq(Course.capability_area_id, f.capability_area_id)
        + eq(Course.item_type_id, f.item_type_id)
        + eq(Course.host_nation_id, f.host_nation_id)
        + eq(Course.site_id, f.site_id)
    )


COURSES = Entity(
    name="courses",
    resource=COURSE_RESOURCE,
    create_schema=s.CourseCreate,
    update_schema=s.CourseUpdate,
    read_schema=s.CourseRead,
    filter_schema=s.CourseFilter,
    where=_course_where,
    before_create=_course_before_create,
    before_update=_course_before_update,
)


# --- Training event ----------------------------------------------------------------------------

EVENT_RESOURCE = Resource(
    model=TrainingEvent,
    label="training event",
    not_found=errors.TrainingEventNotFound,
    foreign_keys={"course_id": Course, "site_id": Site},
    sortable={
        "id": TrainingEvent.id,
        "starts_on": TrainingEvent.starts_on,
        "ends_on": TrainingEvent.ends_on,
        "seats_offered": TrainingEvent.seats_offered,
        "status": TrainingEvent.status,
    },
    lifecycle=TRAINING_EVENT,
    state_attr="status",
    write_rule=may_write_training_event,
)


def seats_held(session: Session, event_id: int, *, excluding: int | None = None) -> int:
    """Seats of an event held by requests that are requested, confirmed or attended."""
    stmt = select(func.coalesce(func.sum(SeatRequest.seats), 0)).where(
        SeatRequest.training_event_id == event_id, SeatRequest.status.in_(HOLDING)
    )
    if excluding is not None:
        stmt = stmt.where(SeatRequest.id != excluding)
    return int(session.scalar(stmt) or 0)


def _check_dates(v: dict[str, Any]) -> None:
    if v["ends_on"] < v["starts_on"]:
        raise InvalidInput("ends_on: cannot be before starts_on", field="ends_on")


def _event_before_create(session: Session, v: dict[str, Any]) -> None:
    check_foreign_keys(session, EVENT_RESOURCE, v)
    _check_dates(v)
    course = session.get(Course, v["course_id"])
    assert course is not None  # the foreign key was checked
    if v["seats_offered"] is None:
        v["seats_offered"] = course.seats_per_event
    if v["site_id"] is None:
        v["site_id"] = course.site_id
    _check_site(session, v["site_id"])


def _event_before_update(session: Session, obj: TrainingEvent, ch: dict[str, Any]) -> None:
    if ch and obj.status not in BOOKABLE_EVENT:
        name = sorted(ch)[0]
        raise errors.TrainingEventNotEditable(
            f"{name}: the event is {obj.status}; it changes only while planned or open", field=name
        )
    _check_dates({"starts_on": obj.starts_on, "ends_on": obj.ends_on} | ch)
    if "site_id" in ch:
        _check_site(session, ch["site_id"])
    if "seats_offered" in ch:
        held = seats_held(session, obj.id)
        if ch["seats_offered"] < held:
            raise errors.SeatsUnavailable(
                f"seats_offered: {held} seats are already requested or confirmed",
                field="seats_offered",
            )


def _event_where(f: s.TrainingEventFilter) -> list[ColumnElement[bool]]:
    where = (
        eq(TrainingEvent.course_id, f.course_id)
        + eq(TrainingEvent.status, f.status)
        + eq(TrainingEvent.site_id, f.site_id)
    )
    if f.starts_from is not None:
        where.append(TrainingEvent.starts_on >= f.starts_from)
    if f.starts_to is not None:
        where.append(TrainingEvent.starts_on <= f.starts_to)
    return where


TRAINING_EVENTS = Entity(
    name="training-events",
    resource=EVENT_RESOURCE,
    create_schema=s.TrainingEventCreate,
    update_schema=s.TrainingEventUpdate,
    read_schema=s.TrainingEventRead,
    filter_schema=s.TrainingEventFilter,
    where=_event_where,
    before_create=_event_before_create,
    before_update=_event_before_update,
)


# --- Seat request ------------------------------------------------------------------------------

SEAT_RESOURCE = Resource(
    model=SeatRequest,
    label="seat request",
    not_found=errors.SeatRequestNotFound,
    foreign_keys={"training_event_id": TrainingEvent, "requirement_id": Requirement},
    sortable={"id": SeatRequest.id, "seats": SeatRequest.seats, "status": SeatRequest.status},
    lifecycle=SEAT_REQUEST,
    state_attr="status",
    write_rule=may_write_seat_request,
)


def _check_seats(session: Session, event_id: int, seats: int, own_id: int | None) -> None:
    # Lock the event so that two requests written at once cannot both take its last seats.
    event = session.get(TrainingEvent, event_id, with_for_update=True)
    assert event is not None  # the foreign key was checked
    if event.status not in BOOKABLE_EVENT:
        raise errors.TrainingEventNotEditable(
            f"training_event_id: the event is {event.status}; seats are requested only while "
            "it is planned or open",
            field="training_event_id",
        )
    free = event.seats_offered - seats_held(session, event_id, excluding=own_id)
    if seats > free:
        raise errors.SeatsUnavailable(
            f"seats: the event has {max(free, 0)} seats free, not {seats}", field="seats"
        )


def _seat_before_create(session: Session, v: dict[str, Any]) -> None:
    check_foreign_keys(session, SEAT_RESOURCE, v)
    _check_seats(session, v["training_event_id"], v["seats"], None)


def _seat_before_update(session: Session, obj: SeatRequest, ch: dict[str, Any]) -> None:
    if "seats" not in ch or ch["seats"] == obj.seats:
        return
    if obj.status not in (SeatRequestStatus.REQUESTED, SeatRequestStatus.CONFIRMED):
        raise Conflict(
            f"seats: the request is {obj.status}; its seats no longer change", field="seats"
        )
    _check_seats(session, obj.training_event_id, ch["seats"], obj.id)


def _on_seat_request_act(session: Session, obj: SeatRequest, action: str) -> None:
    """Seats are confirmed only on an event still to come, and attendance only once it runs."""
    needs = {"confirm": BOOKABLE_EVENT, "attend": ATTENDABLE_EVENT}.get(action)
    if needs is None:
        return
    event = session.get(TrainingEvent, obj.training_event_id)
    assert event is not None  # a foreign key
    if event.status not in needs:
        raise errors.TrainingEventNotEditable(
            f"the training event is {event.status}; {action} needs it "
            + " or ".join(sorted(needs)),
            field="training_event_id",
        )


SEAT_REQUESTS = Entity(
    name="seat-requests",
    resource=SEAT_RESOURCE,
    create_schema=s.SeatRequestCreate,
    update_schema=s.SeatRequestUpdate,
    read_schema=s.SeatRequestRead,
    filter_schema=s.SeatRequestFilter,
    where=lambda f: (
        eq(SeatRequest.training_event_id, f.training_event_id)
        + eq(SeatRequest.requirement_id, f.requirement_id)
        + eq(SeatRequest.status, f.status)
    ),
    before_create=_seat_before_create,
    before_update=_seat_before_update,
    on_act=_on_seat_request_act,
)

ENTITIES = (COURSES, TRAINING_EVENTS, SEAT_REQUESTS)
