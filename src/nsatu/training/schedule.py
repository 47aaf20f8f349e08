"""The training schedule as the pages and the API read it: the calendar of events across host
nations, and a course's and an event's details with their seat fill.

Read-only, through the caller's scope like every read: courses and events are visible to all;
seat requests and their participants only to those who may see them (so a caller who sees none of
an event's requests sees its seats offered and nobody on them).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload

from nsatu.core.enums import CourseType, TrainingFunding
from nsatu.core.lifecycles import ParticipantStatus, SeatRequestStatus, TrainingEventStatus
from nsatu.db.models import (
    CapabilityArea,
    Consignment,
    Course,
    CrewRequirement,
    ItemType,
    Nation,
    Participant,
    Requirement,
    SeatRequest,
    Site,
    TrainingEvent,
    course_prerequisite,
)
from nsatu.errors import InvalidInput
from nsatu.training import errors
from nsatu.training.service import HOLDING

P = ParticipantStatus
#: Participants who took their seat, whatever their result.
ATTENDED = frozenset({P.ATTENDED, P.COMPLETED, P.FAILED})
#: Participants on the event's list (nominated people are not yet accepted; withdrawn left).
ON_LIST = frozenset({P.ACCEPTED, P.ATTENDED, P.COMPLETED, P.FAILED})
#: The longest calendar span, in days.
MAX_DAYS = 366


@dataclass(frozen=True)
class SeatFill:
    """Seats offered, assigned (held by the seat requests assigned to the event: requested,
    confirmed or attended), and the participants by status: attended (attended, completed or
    failed) and completed."""

    offered: int
    assigned: int
    participants: dict[str, int]

    @property
    def attended(self) -> int:
        return sum(self.participants.get(s, 0) for s in ATTENDED)

    @property
    def completed(self) -> int:
        return self.participants.get(P.COMPLETED, 0)

    @property
    def on_list(self) -> int:
        return sum(self.participants.get(s, 0) for s in ON_LIST)

    @property
    def free(self) -> int:
        return max(self.offered - self.assigned, 0)

    def percent(self, n: int) -> float:
        """``n`` as a percentage of the seats offered (0 when none are)."""
        return 0.0 if self.offered == 0 else 100 * n / self.offered

    def as_dict(self) -> dict[str, object]:
        return {
            "offered": self.offered,
            "assigned": self.assigned,
            "free": self.free,
            "attended": self.attended,
            "completed": self.completed,
            "participants": {s.value: self.participants.get(s, 0) for s in P},
        }


@dataclass(frozen=True)
class EventRow:
    """An event as the calendar and the lists show it."""

    id: int
    course_id: int
    course_code: str
    course_title: str
    course_type: CourseType
    capability_area: str
    host_nation_id: int
    host_code: str
    host_name: str
    site_name: str | None
    starts_on: dt.date
    ends_on: dt.date
    status: TrainingEventStatus
    funding: TrainingFunding
    fill: SeatFill


@dataclass(frozen=True)
class HostRow:
    """A host nation's events, packed into lanes of events that do not overlap."""

    nation_id: int
    code: str
    name: str
    lanes: list[list[EventRow]]

    @property
    def events(self) -> int:
        return sum(len(lane) for lane in self.lanes)


@dataclass(frozen=True)
class Calendar:
    start: dt.date
    end: dt.date
    hosts: list[HostRow]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def months(self) -> list[tuple[dt.date, int]]:
        """Each month in the span (its first day shown) and how many of the span's days it has."""
        out: list[tuple[dt.date, int]] = []
        day = self.start
        while day <= self.end:
            nxt = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
            last = min(nxt - dt.timedelta(days=1), self.end)
            out.append((day, (last - day).days + 1))
            day = nxt
        return out


# --- Seat fill -----------------------------------------------------------------------------------


def seat_fills(session: Session, events: Iterable[TrainingEvent]) -> dict[int, SeatFill]:
    """The seat fill of each event (seat requests and participants read in the caller's scope)."""
    offered = {e.id: e.seats_offered for e in events}
    ids = list(offered)
    assigned: dict[int, int] = defaultdict(int)
    people: dict[int, Counter[str]] = defaultdict(Counter)
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        held = (
            select(SeatRequest.training_event_id, func.sum(SeatRequest.seats))
            .where(SeatRequest.training_event_id.in_(chunk), SeatRequest.status.in_(HOLDING))
            .group_by(SeatRequest.training_event_id)
        )
        for event_id, seats in session.execute(held):
            if event_id is not None:  # always: the query names the events
                assigned[event_id] = int(seats or 0)
        counted = (
            select(Participant.training_event_id, Participant.status, func.count())
            .where(Participant.training_event_id.in_(chunk))
            .group_by(Participant.training_event_id, Participant.status)
        )
        for event_id, status, n in session.execute(counted):
            people[event_id][ParticipantStatus(status).value] += n
    return {
        i: SeatFill(offered=offered[i], assigned=assigned[i], participants=dict(people[i]))
        for i in ids
    }


# --- The calendar -------------------------------------------------------------------------------


def span_of_month(month: str) -> tuple[dt.date, dt.date]:
    """The first and last day of ``month`` (YYYY-MM); anything else is a 422 naming ``month``."""
    try:
        if len(month) != 7 or month[4] != "-":
            raise ValueError(month)
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise InvalidInput(f"month: a month is YYYY-MM, not {month!r}", field="month") from None
    nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def default_span(today: dt.date, months: int = 3) -> tuple[dt.date, dt.date]:
    """The month of ``today`` and the ``months - 1`` after it."""
    first = today.replace(day=1)
    y, m = divmod(first.month - 1 + months, 12)
    return first, dt.date(first.year + y, m + 1, 1) - dt.timedelta(days=1)


def _event_rows(session: Session, stmt_where: Sequence[object]) -> list[EventRow]:
    host = aliased(Nation, name="host")
    stmt = (
        select(TrainingEvent, Course, CapabilityArea.name, host.code, host.name, Site.name)
        .join(Course, Course.id == TrainingEvent.course_id)
        .join(CapabilityArea, CapabilityArea.id == Course.capability_area_id)
        .join(host, host.id == TrainingEvent.host_nation_id)
        .outerjoin(Site, Site.id == TrainingEvent.site_id)
        .where(*stmt_where)  # type: ignore[arg-type]
        .order_by(host.name, TrainingEvent.starts_on, TrainingEvent.id)
    )
    found = list(session.execute(stmt))
    fills = seat_fills(session, (r[0] for r in found))
    return [
        EventRow(
            id=e.id,
            course_id=c.id,
            course_code=c.code,
            course_title=c.title,
            course_type=c.course_type,
            capability_area=area,
            host_nation_id=e.host_nation_id,
            host_code=code,
            host_name=name,
            site_name=site,
            starts_on=e.starts_on,
            ends_on=e.ends_on,
            status=e.status,
            funding=e.funding,
            fill=fills[e.id],
        )
        for e, c, area, code, name, site in found
    ]


def _lanes(events: list[EventRow]) -> list[list[EventRow]]:
    """Pack events (sorted by start) into the fewest lanes in which none overlap (first fit)."""
    lanes: list[list[EventRow]] = []
    for e in sorted(events, key=lambda e: (e.starts_on, e.ends_on, e.id)):
        for lane in lanes:
            if lane[-1].ends_on < e.starts_on:
                lane.append(e)
                break
        else:
            lanes.append([e])
    return lanes


def calendar(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    capability_area_id: int | None = None,
    host_nation_id: int | None = None,
    include_cancelled: bool = True,
) -> Calendar:
    """The events overlapping ``start``..``end`` per host nation (the nation offering each event),
    optionally of one capability area (the course's) or one host nation."""
    if end < start:
        raise InvalidInput("to: cannot be before from", field="to")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(f"to: at most {MAX_DAYS} days after from", field="to")
    where: list[object] = [TrainingEvent.starts_on <= end, TrainingEvent.ends_on >= start]
    if capability_area_id is not None:
        where.append(Course.capability_area_id == capability_area_id)
    if host_nation_id is not None:
        where.append(TrainingEvent.host_nation_id == host_nation_id)
    if not include_cancelled:
        where.append(TrainingEvent.status != TrainingEventStatus.CANCELLED)
    rows = _event_rows(session, where)
    by_host: dict[int, list[EventRow]] = defaultdict(list)
    for r in rows:
        by_host[r.host_nation_id].append(r)
    hosts = [
        HostRow(nation_id=h, code=evs[0].host_code, name=evs[0].host_name, lanes=_lanes(evs))
        for h, evs in by_host.items()
    ]
    hosts.sort(key=lambda h: h.name)
    return Calendar(start=start, end=end, hosts=hosts)


def filter_choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    """The capability areas (by id, and by code) and host nations the pages' filters offer."""
    areas = list(
        session.execute(
            select(CapabilityArea.id, CapabilityArea.code, CapabilityArea.name).order_by(
                CapabilityArea.name
            )
        )
    )
    hosts = session.execute(
        select(Nation.id, Nation.name).where(Nation.is_host.is_(True)).order_by(Nation.name)
    )
    return {
        "areas": [(str(i), n) for i, _, n in areas],
        "area_codes": [(c, n) for _, c, n in areas],
        "hosts": [(str(i), n) for i, n in hosts],
    }


# --- An event ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestRow:
    id: int
    recipient_unit: str | None
    seats: int
    status: SeatRequestStatus
    note: str | None
    participants: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class EventDetail:
    row: EventRow
    course: Course
    site: Site | None
    instructors: list[Nation]
    prerequisites: list[Course]
    requests: list[RequestRow]
    #: Participant references by status, in the order of the lifecycle.
    participants: dict[str, list[str]]


def _prerequisites(session: Session, course_id: int) -> list[Course]:
    stmt = (
        select(Course)
        .join(course_prerequisite, course_prerequisite.c.prerequisite_id == Course.id)
        .where(course_prerequisite.c.course_id == course_id)
        .order_by(Course.code)
    )
    return list(session.scalars(stmt))


def event_detail(session: Session, event_id: int) -> EventDetail:
    """An event with its course, site, instructor nations, funding, the course's prerequisites,
    its seat fill, the seat requests assigned to it and its participants by status."""
    rows = _event_rows(session, [TrainingEvent.id == event_id])
    if not rows:
        raise errors.TrainingEventNotFound(f"training event {event_id} does not exist")
    row = rows[0]
    event = session.scalars(
        select(TrainingEvent)
        .where(TrainingEvent.id == event_id)
        .options(selectinload(TrainingEvent.instructor_nations))
    ).one()
    course = session.scalars(select(Course).where(Course.id == row.course_id)).one()
    site = session.get(Site, event.site_id) if event.site_id is not None else None
    requests = list(
        session.scalars(
            select(SeatRequest)
            .where(SeatRequest.training_event_id == event_id)
            .order_by(SeatRequest.id)
        )
    )
    people = list(
        session.execute(
            select(Participant.seat_request_id, Participant.status, Participant.reference)
            .where(Participant.training_event_id == event_id)
            .order_by(Participant.reference)
        )
    )
    by_status: dict[str, list[str]] = {s.value: [] for s in P}
    by_request: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for request_id, status, reference in people:
        by_status[ParticipantStatus(status).value].append(reference)
        by_request[request_id][ParticipantStatus(status).value].append(reference)
    return EventDetail(
        row=row,
        course=course,
        site=site,
        instructors=list(event.instructor_nations),
        prerequisites=_prerequisites(session, course.id),
        requests=[
            RequestRow(
                id=r.id,
                recipient_unit=r.recipient_unit,
                seats=r.seats,
                status=r.status,
                note=r.note,
                participants=dict(by_request.get(r.id, {})),
            )
            for r in requests
        ],
        participants=by_status,
    )


# --- A course ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrewNeed:
    item_type: str
    crew_role: str
    crew_per_unit: int


@dataclass(frozen=True)
class CourseDetail:
    course: Course
    capability_area: str
    host: Nation
    site: Site | None
    item_types: list[ItemType]
    prerequisites: list[Course]
    #: Courses that need this one first.
    leads_to: list[Course]
    crews: list[CrewNeed]
    events: list[EventRow]
    #: Seat requests waiting for an event of this course (none assigned yet), in the caller's scope.
    waiting_requests: int
    waiting_seats: int

    @property
    def fill(self) -> SeatFill:
        """The seat fill of all its events but the cancelled ones, added up."""
        live = [e.fill for e in self.events if e.status != TrainingEventStatus.CANCELLED]
        total: Counter[str] = Counter()
        for f in live:
            total.update(f.participants)
        return SeatFill(
            offered=sum(f.offered for f in live),
            assigned=sum(f.assigned for f in live),
            participants=dict(total),
        )


def course_detail(session: Session, course_id: int) -> CourseDetail:
    """A course with its capability area, host, item types, prerequisites (both ways), the crews
    that need it, its events with their seat fill, and the requests still waiting for a seat."""
    course = session.scalars(
        select(Course).where(Course.id == course_id).options(selectinload(Course.item_types))
    ).one_or_none()
    if course is None:
        raise errors.CourseNotFound(f"course {course_id} does not exist")
    area = session.scalar(
        select(CapabilityArea.name).where(CapabilityArea.id == course.capability_area_id)
    )
    host = session.scalars(select(Nation).where(Nation.id == course.host_nation_id)).one()
    site = session.get(Site, course.site_id) if course.site_id is not None else None
    leads_to = list(
        session.scalars(
            select(Course)
            .join(course_prerequisite, course_prerequisite.c.course_id == Course.id)
            .where(course_prerequisite.c.prerequisite_id == course_id)
            .order_by(Course.code)
        )
    )
    crews = [
        CrewNeed(item_type=name, crew_role=str(role), crew_per_unit=n)
        for name, role, n in session.execute(
            select(ItemType.public_name, CrewRequirement.crew_role, CrewRequirement.crew_per_unit)
            .join(ItemType, ItemType.id == CrewRequirement.item_type_id)
            .where(CrewRequirement.course_id == course_id)
            .order_by(ItemType.public_name, CrewRequirement.crew_role)
        )
    ]
    waiting = session.execute(
        select(func.count(), func.coalesce(func.sum(SeatRequest.seats), 0)).where(
            SeatRequest.course_id == course_id,
            SeatRequest.training_event_id.is_(None),
            SeatRequest.status == SeatRequestStatus.REQUESTED,
        )
    ).one()
    return CourseDetail(
        course=course,
        capability_area=area or "",
        host=host,
        site=site,
        item_types=list(course.item_types),
        prerequisites=_prerequisites(session, course_id),
        leads_to=leads_to,
        crews=crews,
        events=_event_rows(session, [TrainingEvent.course_id == course_id]),
        waiting_requests=int(waiting[0]),
        waiting_seats=int(waiting[1]),
    )


# --- Records named by the readiness board ---------------------------------------------------------


@dataclass(frozen=True)
class RecordLabels:
    """How the pages name records by id: needs and consignments by reference, events by course and
    dates, seat requests by unit. A record outside the caller's scope has no label."""

    needs: dict[int, str]
    consignments: dict[int, str]
    events: dict[int, str]
    seat_requests: dict[int, str]
    courses: dict[int, str] = field(default_factory=dict)


def record_labels(
    session: Session,
    *,
    need_ids: Iterable[int] = (),
    consignment_ids: Iterable[int] = (),
    event_ids: Iterable[int] = (),
    seat_request_ids: Iterable[int] = (),
    course_ids: Iterable[int] = (),
) -> RecordLabels:
    """The labels of these records, read in the caller's scope."""

    def chunks(ids: Iterable[int]) -> list[list[int]]:
        found = sorted(set(ids))
        return [found[i : i + 500] for i in range(0, len(found), 500)]

    needs: dict[int, str] = {}
    for chunk in chunks(need_ids):
        named = select(Requirement.id, Requirement.reference).where(Requirement.id.in_(chunk))
        needs.update(dict(session.execute(named).all()))
    consignments: dict[int, str] = {}
    for chunk in chunks(consignment_ids):
        carried = select(Consignment.id, Consignment.reference).where(Consignment.id.in_(chunk))
        consignments.update(dict(session.execute(carried).all()))
    events: dict[int, str] = {}
    for chunk in chunks(event_ids):
        dated = (
            select(TrainingEvent.id, Course.code, TrainingEvent.starts_on, TrainingEvent.ends_on)
            .join(Course, Course.id == TrainingEvent.course_id)
            .where(TrainingEvent.id.in_(chunk))
        )
        events.update(
            {i: f"{code} {start}→{end}" for i, code, start, end in session.execute(dated)}
        )
    requests: dict[int, str] = {}
    for chunk in chunks(seat_request_ids):
        stmt = select(SeatRequest.id, SeatRequest.recipient_unit, SeatRequest.seats).where(
            SeatRequest.id.in_(chunk)
        )
        requests.update(
            {
                i: f"#{i} {unit or 'unit not named'} ({seats} seats)"
                for i, unit, seats in session.execute(stmt)
            }
        )
    courses: dict[int, str] = {}
    for chunk in chunks(course_ids):
        coded = select(Course.id, Course.code).where(Course.id.in_(chunk))
        courses.update(dict(session.execute(coded).all()))
    return RecordLabels(
        needs=needs,
        consignments=consignments,
        events=events,
        seat_requests=requests,
        courses=courses,
    )
