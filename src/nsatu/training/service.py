"""Use cases for courses, training events and seat requests: the generic registry behaviour plus
the rules of hosting training and sharing out its seats."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from nsatu.core.access import Actor, may_change_training
from nsatu.core.enums import SiteKind
from nsatu.core.lifecycles import (
    SEAT_REQUEST,
    TRAINING_EVENT,
    AllocationStatus,
    SeatRequestStatus,
    TrainingEventStatus,
)
from nsatu.db.base import utcnow
from nsatu.db.crud import Resource, Write, check_foreign_keys, check_owner
from nsatu.db.models import (
    Allocation,
    CapabilityArea,
    Course,
    ItemType,
    Nation,
    Requirement,
    SeatRequest,
    Site,
    TrainingEvent,
    course_item_type,
    course_prerequisite,
)
from nsatu.errors import Conflict, InvalidInput
from nsatu.shared.entity import Entity, contains, eq
from nsatu.training import errors, ownership
from nsatu.training import schemas as s
from nsatu.training.packages import CAPABILITY_PACKAGES, CREW_REQUIREMENTS, PACKAGE_COMPONENTS
from nsatu.training.participants import PARTICIPANTS

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


may_write_seat_request = ownership.may_write_seat_request


# --- Course ------------------------------------------------------------------------------------

COURSE_RESOURCE = Resource(
    model=Course,
    label="course",
    not_found=errors.CourseNotFound,
    foreign_keys={
        "capability_area_id": CapabilityArea,
        "host_nation_id": Nation,
        "site_id": Site,
    },
    sortable={
        "id": Course.id,
        "code": Course.code,
        "title": Course.title,
        "duration_days": Course.duration_days,
        "seats_per_event": Course.seats_per_event,
        "course_type": Course.course_type,
    },
    load=(selectinload(Course.item_types), selectinload(Course.prerequisites)),
    write_rule=may_write_course,
)


def _rows(session: Session, model: type[Any], ids: list[int], *, field: str) -> list[Any]:
    """The rows ``ids`` of ``model`` in the order given, or a 422 naming ``field``."""
    if len(set(ids)) != len(ids):
        raise InvalidInput(f"{field}: lists an id twice", field=field)
    found = {r.id: r for r in session.scalars(select(model).where(model.id.in_(ids)))}
    for id_ in ids:
        if id_ not in found:
            label = model.__tablename__.replace("_", " ")
            raise InvalidInput(f"{field}: no {label} with id {id_}", field=field)
    return [found[i] for i in ids]


def prerequisite_graph(session: Session) -> dict[int, set[int]]:
    """Course id → the ids of the courses it directly requires."""
    graph: dict[int, set[int]] = {}
    for course_id, prereq_id in session.execute(
        select(course_prerequisite.c.course_id, course_prerequisite.c.prerequisite_id)
    ):
        graph.setdefault(course_id, set()).add(prereq_id)
    return graph


def _cycle_path(graph: dict[int, set[int]], start: int, target: int) -> list[int] | None:
    """A path of prerequisites from ``start`` to ``target``, if there is one."""
    stack: list[tuple[int, list[int]]] = [(start, [start])]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node == target:
            return path
        if node in seen:
            continue
        seen.add(node)
        for nxt in sorted(graph.get(node, ()), reverse=True):
            stack.append((nxt, [*path, nxt]))
    return None


def check_prerequisites(session: Session, course_id: int | None, ids: list[int]) -> list[Course]:
    """The courses ``ids`` as prerequisites of ``course_id`` (``None`` for a new course).

    Raises:
        InvalidInput: naming ``prerequisite_ids``, for a missing course, the course itself, or a
            prerequisite that (through its own prerequisites) requires the course: a cycle.
    """
    field = "prerequisite_ids"
    courses = _rows(session, Course, ids, field=field)
    if course_id is None:
        return courses  # nothing requires a course that does not exist yet
    if course_id in ids:
        raise InvalidInput(f"{field}: a course cannot be its own prerequisite", field=field)
    graph = prerequisite_graph(session)
    graph.pop(course_id, None)  # its prerequisites are being replaced
    for prereq in courses:
        path = _cycle_path(graph, prereq.id, course_id)
        if path is not None:
            found = session.execute(select(Course.id, Course.code).where(Course.id.in_(path)))
            codes: dict[int, str] = {row[0]: row[1] for row in found}
            chain = " → ".join(codes.get(c, str(c)) for c in [course_id, *path])
            raise InvalidInput(
                f"{field}: would make a cycle of prerequisites ({chain})", field=field
            )
    return courses


def _course_lists(session: Session, v: dict[str, Any], own_id: int | None) -> None:
    """Turn the id lists of a write into the rows they name (in place)."""
    if "item_type_ids" in v:
        ids = v.pop("item_type_ids")
        v["item_types"] = (
            [] if ids is None else _rows(session, ItemType, ids, field="item_type_ids")
        )
    if "prerequisite_ids" in v:
        ids = v.pop("prerequisite_ids")
        v["prerequisites"] = [] if ids is None else check_prerequisites(session, own_id, ids)


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
    _course_lists(session, v, None)


def _touch_for_lists(ch: dict[str, Any], *names: str) -> None:
    """A change of a list only (rows of an association table) writes no column of the row itself,
    so it would neither bump the version (a stale write would go through) nor leave an audit
    entry: the row's ``updated_at`` is set with it, which does both."""
    if any(n in ch for n in names):
        ch["updated_at"] = utcnow()


def _course_before_update(session: Session, obj: Course, ch: dict[str, Any]) -> None:
    _check_course(session, ch, obj.id)
    _course_lists(session, ch, obj.id)
    _touch_for_lists(ch, "item_types", "prerequisites")


def _course_where(f: s.CourseFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.q:
        where.append(or_(*contains(Course.title, f.q), *contains(Course.code, f.q)))
    return (
        where
        + eq(Course.capability_area_id, f.capability_area_id)
        + eq(Course.host_nation_id, f.host_nation_id)
        + eq(Course.site_id, f.site_id)
        + eq(Course.course_type, f.course_type)
        + (
            []
            if f.item_type_id is None
            else [
                exists().where(
                    course_item_type.c.course_id == Course.id,
                    course_item_type.c.item_type_id == f.item_type_id,
                )
            ]
        )
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
    foreign_keys={"course_id": Course, "site_id": Site, "host_nation_id": Nation},
    load=(selectinload(TrainingEvent.instructor_nations),),
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
    if v["host_nation_id"] is None:
        v["host_nation_id"] = course.host_nation_id
    _check_site(session, v["site_id"])
    _check_event_host(session, v["host_nation_id"])
    _instructors(session, v)


def _check_event_host(session: Session, nation_id: int | None) -> None:
    nation = None if nation_id is None else session.get(Nation, nation_id)
    if nation is not None and not nation.is_host:
        raise InvalidInput(
            f"host_nation_id: {nation.name} is not a host nation", field="host_nation_id"
        )


def _instructors(session: Session, v: dict[str, Any]) -> None:
    if "instructor_nation_ids" in v:
        ids = v.pop("instructor_nation_ids") or []
        v["instructor_nations"] = _rows(session, Nation, ids, field="instructor_nation_ids")


def _event_before_update(session: Session, obj: TrainingEvent, ch: dict[str, Any]) -> None:
    if ch and obj.status not in BOOKABLE_EVENT:
        name = sorted(ch)[0]
        raise errors.TrainingEventNotEditable(
            f"{name}: the event is {obj.status}; it changes only while planned or open", field=name
        )
    _check_dates({"starts_on": obj.starts_on, "ends_on": obj.ends_on} | ch)
    if "site_id" in ch:
        _check_site(session, ch["site_id"])
    if "host_nation_id" in ch:
        _check_event_host(session, ch["host_nation_id"])
    _instructors(session, ch)
    _touch_for_lists(ch, "instructor_nations")
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
        + eq(TrainingEvent.host_nation_id, f.host_nation_id)
        + eq(TrainingEvent.funding, f.funding)
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
    foreign_keys={
        "training_event_id": TrainingEvent,
        "requirement_id": Requirement,
        "course_id": Course,
        "capability_area_id": CapabilityArea,
        "allocation_id": Allocation,
    },
    sortable={
        "id": SeatRequest.id,
        "seats": SeatRequest.seats,
        "status": SeatRequest.status,
        "weight": SeatRequest.weight,
        "latest_finish_on": SeatRequest.latest_finish_on,
    },
    load=(selectinload(SeatRequest.completed_courses),),
    lifecycle=SEAT_REQUEST,
    state_attr="status",
    write_rule=may_write_seat_request,
)


def _check_request(session: Session, v: dict[str, Any]) -> None:
    """What a seat request asks for, once merged with what is stored: a course, a capability area
    or an event; an event of that course (or area); a window that is not reversed; an accepted
    allocation."""
    event_id, course_id, area_id = v["training_event_id"], v["course_id"], v["capability_area_id"]
    if event_id is None and course_id is None and area_id is None:
        raise InvalidInput(
            "course_id: name the course asked for, a capability area or an event", field="course_id"
        )
    if event_id is not None:
        event = session.get(TrainingEvent, event_id)
        assert event is not None  # the foreign key was checked
        course = session.get(Course, event.course_id)
        assert course is not None
        if course_id is not None and course_id != course.id:
            raise InvalidInput(
                f"training_event_id: event {event_id} is of course {course.code}, not the course "
                "asked for",
                field="training_event_id",
            )
        if course_id is None and area_id is not None and area_id != course.capability_area_id:
            raise InvalidInput(
                f"training_event_id: event {event_id} is in another capability area than the "
                "one asked for",
                field="training_event_id",
            )
    start, finish = v["earliest_start_on"], v["latest_finish_on"]
    if start is not None and finish is not None and finish < start:
        raise InvalidInput(
            "latest_finish_on: cannot be before earliest_start_on", field="latest_finish_on"
        )
    if v["allocation_id"] is not None:
        allocation = session.get(Allocation, v["allocation_id"])
        if allocation is not None and allocation.status is not AllocationStatus.ACCEPTED:
            raise InvalidInput(
                f"allocation_id: allocation {allocation.id} is {allocation.status}; training "
                "crews an accepted allocation",
                field="allocation_id",
            )


def _completed_courses(session: Session, v: dict[str, Any]) -> None:
    if "completed_course_ids" in v:
        ids = v.pop("completed_course_ids") or []
        v["completed_courses"] = _rows(session, Course, ids, field="completed_course_ids")


_REQUEST_FIELDS = (
    "training_event_id",
    "course_id",
    "capability_area_id",
    "earliest_start_on",
    "latest_finish_on",
    "allocation_id",
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
    _check_request(session, v)
    if v["course_id"] is None and v["capability_area_id"] is None:
        event = session.get(TrainingEvent, v["training_event_id"])
        assert event is not None  # checked above
        v["course_id"] = event.course_id
    _completed_courses(session, v)
    if v["training_event_id"] is not None:
        _check_seats(session, v["training_event_id"], v["seats"], None)


def _seat_before_update(session: Session, obj: SeatRequest, ch: dict[str, Any]) -> None:
    if any(name in ch for name in _REQUEST_FIELDS):
        _check_request(session, {n: getattr(obj, n) for n in _REQUEST_FIELDS} | ch)
    _completed_courses(session, ch)
    _touch_for_lists(ch, "completed_courses")
    event_id = ch.get("training_event_id", obj.training_event_id)
    moved = "training_event_id" in ch and ch["training_event_id"] != obj.training_event_id
    resized = "seats" in ch and ch["seats"] != obj.seats
    if not (moved or resized):
        return
    if obj.status not in (SeatRequestStatus.REQUESTED, SeatRequestStatus.CONFIRMED):
        name = "seats" if resized else "training_event_id"
        raise Conflict(
            f"{name}: the request is {obj.status}; its seats no longer change", field=name
        )
    if event_id is not None:
        _check_seats(session, event_id, ch.get("seats", obj.seats), obj.id)


def _on_seat_request_act(session: Session, obj: SeatRequest, action: str) -> None:
    """Seats are confirmed only on an event still to come, and attendance only once it runs."""
    needs = {"confirm": BOOKABLE_EVENT, "attend": ATTENDABLE_EVENT}.get(action)
    if needs is None:
        return
    if obj.training_event_id is None:
        raise Conflict(
            f"training_event_id: the request has no event assigned; {action} needs one",
            field="training_event_id",
        )
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
        + eq(SeatRequest.course_id, f.course_id)
        + eq(SeatRequest.capability_area_id, f.capability_area_id)
        + eq(SeatRequest.requirement_id, f.requirement_id)
        + eq(SeatRequest.allocation_id, f.allocation_id)
        + eq(SeatRequest.status, f.status)
        + contains(SeatRequest.recipient_unit, f.q)
    ),
    before_create=_seat_before_create,
    before_update=_seat_before_update,
    on_act=_on_seat_request_act,
)


# The people on events (participants.py) and what readiness is made of (packages.py) live in their
# own modules; the record API serves them all from here.

ENTITIES = (
    COURSES,
    TRAINING_EVENTS,
    SEAT_REQUESTS,
    PARTICIPANTS,
    CREW_REQUIREMENTS,
    CAPABILITY_PACKAGES,
    PACKAGE_COMPONENTS,
)
