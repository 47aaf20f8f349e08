"""The seat-allocation problem: courses, their events, and requests for seats by cohorts.

Days are integers on one calendar (day 0 is any fixed date); an event occupies its days
``start_day`` … ``end_day`` inclusive. A cohort is assigned whole: every member of a request's
cohort attends the same events (no split across events).

A request accepts one of several courses (one named course, or every course of a capability area,
resolved by the caller). To be trained for a course the cohort must attend, in order, every
prerequisite it has not completed yet (transitively; a completed course's own prerequisites count
as completed too), then the course. That sequence is the request's *chain* for the course. The
chain follows one global topological order of the courses, so a cohort attends one course at a
time, and two requests for courses that share prerequisites order them the same way.

Travel between two places takes :meth:`SeatProblem.travel_days`: the table's figure for the pair of
countries, else the great-circle distance at ``km_per_day`` when both places have coordinates, else
0 within a country and ``default_days`` between countries.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from nsatu.core.planner.problem import ProblemError

Id = str | int

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True, slots=True)
class Place:
    """Where an event runs or a unit is based: a country code and, if known, coordinates."""

    country: str
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class Course:
    id: Id
    prerequisites: tuple[Id, ...] = ()
    name: str | None = None  # how explanations name it (default: its id)


@dataclass(frozen=True, slots=True)
class Event:
    id: Id
    course: Id
    place: Place
    start_day: int
    end_day: int
    seats: int


@dataclass(frozen=True, slots=True)
class Request:
    """A cohort asking to be trained for one of ``courses``.

    ``earliest_start`` is the first day the cohort is free at ``home``: no event of its chain may
    start before the cohort could reach the event's host from there. Every event attended must end
    by ``latest_finish``.
    ``handover_day`` is the day the linked equipment is handed over: the cohort should be back home
    by then (otherwise its value is reduced per day late, see :meth:`SeatProblem.value`).
    """

    id: Id
    cohort: int
    courses: tuple[Id, ...]
    earliest_start: int
    latest_finish: int
    weight: float = 1.0
    completed: tuple[Id, ...] = ()
    handover_day: int | None = None
    home: Place | None = None


@dataclass(frozen=True, slots=True)
class Travel:
    """Days of travel between countries (either order), and how to estimate the rest."""

    days: Mapping[tuple[str, str], int] = field(default_factory=dict)
    km_per_day: float = 600.0
    default_days: int = 1


@dataclass(frozen=True)
class SeatProblem:
    """Validated on construction; :class:`ProblemError` lists every bad field by its path."""

    courses: tuple[Course, ...]
    events: tuple[Event, ...]
    requests: tuple[Request, ...]
    travel: Travel = field(default_factory=Travel)
    late_penalty_per_day: float = 0.02
    late_penalty_cap: float = 0.5
    #: The date of day 0, if the days are dates: explanations then quote dates.
    day0: dt.date | None = None

    course_by_id: dict[Id, Course] = field(init=False, repr=False, compare=False)
    event_by_id: dict[Id, Event] = field(init=False, repr=False, compare=False)
    request_by_id: dict[Id, Request] = field(init=False, repr=False, compare=False)
    events_by_course: dict[Id, tuple[Event, ...]] = field(init=False, repr=False, compare=False)
    order: dict[Id, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        errors: list[tuple[str, str]] = []
        courses = _index(self.courses, "courses", errors)
        events = _index(self.events, "events", errors)
        requests = _index(self.requests, "requests", errors)
        _check_params(self, errors)
        for i, c in enumerate(self.courses):
            for p in c.prerequisites:
                if p not in courses:
                    errors.append((f"courses[{i}].prerequisites", f"unknown course {p!r}"))
                elif p == c.id:
                    errors.append((f"courses[{i}].prerequisites", "a course cannot require itself"))
        for i, e in enumerate(self.events):
            _check_event(i, e, courses, errors)
        for i, r in enumerate(self.requests):
            _check_request(i, r, courses, errors)
        order = _topological(self.courses, courses, errors)
        if errors:
            raise ProblemError(errors)
        by_course: dict[Id, list[Event]] = {c.id: [] for c in self.courses}
        for e in self.events:
            by_course[e.course].append(e)
        object.__setattr__(self, "course_by_id", courses)
        object.__setattr__(self, "event_by_id", events)
        object.__setattr__(self, "request_by_id", requests)
        object.__setattr__(
            self,
            "events_by_course",
            {
                k: tuple(sorted(v, key=lambda e: (e.start_day, e.end_day)))
                for k, v in by_course.items()
            },
        )
        object.__setattr__(self, "order", order)

    # --- the rules, shared by the model, the greedy baseline, the explanations and the checker ---

    def travel_days(self, a: Place | None, b: Place | None) -> int:
        """Whole days to travel from ``a`` to ``b`` (0 when either is unknown)."""
        if a is None or b is None:
            return 0
        table = self.travel.days
        if (a.country, b.country) in table:
            return table[(a.country, b.country)]
        if (b.country, a.country) in table:
            return table[(b.country, a.country)]
        if a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None:
            return math.ceil(_km(a.lat, a.lon, b.lat, b.lon) / self.travel.km_per_day - 1e-9)
        return 0 if a.country == b.country else self.travel.default_days

    def chain(self, request: Request, course: Id) -> tuple[Id, ...]:
        """The courses ``request`` must attend, in order, to be trained for ``course``."""
        done = set(request.completed)
        needed: set[Id] = set()
        todo = [course]
        while todo:
            c = todo.pop()
            if c in needed or c in done:
                continue
            needed.add(c)
            todo.extend(self.course_by_id[c].prerequisites)
        return tuple(sorted(needed, key=self.order.__getitem__))

    def fits_window(self, request: Request, event: Event) -> bool:
        """Whether ``event`` may be in the request's chain: it starts no earlier than the cohort can
        reach its host from home (``earliest_start`` + travel) and ends by ``latest_finish``."""
        return (
            event.start_day >= request.earliest_start + self.travel_days(request.home, event.place)
            and event.end_day <= request.latest_finish
        )

    def follows(self, first: Event, then: Event) -> bool:
        """Whether a cohort can attend ``then`` after ``first``: it starts after ``first`` ends
        and the travel between their hosts."""
        return then.start_day > first.end_day + self.travel_days(first.place, then.place)

    def late_days(self, request: Request, last: Event) -> int:
        """Days the cohort is back home after the handover, when ``last`` is its last event."""
        if request.handover_day is None:
            return 0
        back = last.end_day + self.travel_days(last.place, request.home)
        return max(0, back - request.handover_day)

    def value(self, request: Request, late_days: int) -> float:
        """What training ``request`` in full is worth: weight × cohort, reduced by
        ``late_penalty_per_day`` per day late, by at most ``late_penalty_cap``."""
        cut = min(self.late_penalty_cap, self.late_penalty_per_day * late_days)
        return request.weight * request.cohort * (1.0 - cut)

    def course_label(self, course: Id) -> str:
        c = self.course_by_id.get(course)
        return str(course) if c is None or c.name is None else c.name

    def day_label(self, day: int) -> str:
        if self.day0 is None:
            return f"day {day}"
        return (self.day0 + dt.timedelta(days=day)).isoformat()

    def best_value(self) -> float:
        """Every request trained on time: the trivial upper bound."""
        return sum(r.weight * r.cohort for r in self.requests)


T = TypeVar("T", "Course", "Event", "Request")


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _index(items: Sequence[T], name: str, errors: list[tuple[str, str]]) -> dict[Id, T]:
    found: dict[Id, T] = {}
    for i, item in enumerate(items):
        if item.id in found:
            errors.append((f"{name}[{i}].id", f"duplicate id {item.id!r}"))
        else:
            found[item.id] = item
    return found


def _check_params(p: SeatProblem, errors: list[tuple[str, str]]) -> None:
    if not (math.isfinite(p.late_penalty_per_day) and p.late_penalty_per_day >= 0):
        errors.append(("late_penalty_per_day", "must be a finite number ≥ 0"))
    if not (math.isfinite(p.late_penalty_cap) and 0 <= p.late_penalty_cap < 1):
        errors.append(
            ("late_penalty_cap", "must be in [0, 1): a late cohort is still worth something")
        )
    if not (math.isfinite(p.travel.km_per_day) and p.travel.km_per_day > 0):
        errors.append(("travel.km_per_day", "must be > 0"))
    if p.travel.default_days < 0:
        errors.append(("travel.default_days", "must be ≥ 0"))
    for pair, days in p.travel.days.items():
        if days < 0:
            errors.append((f"travel.days[{pair[0]}-{pair[1]}]", "must be ≥ 0"))


def _check_event(
    i: int, e: Event, courses: Mapping[Id, Course], errors: list[tuple[str, str]]
) -> None:
    if e.course not in courses:
        errors.append((f"events[{i}].course", f"unknown course {e.course!r}"))
    if e.end_day < e.start_day:
        errors.append((f"events[{i}].end_day", "must not be before start_day"))
    if e.seats < 0:
        errors.append((f"events[{i}].seats", "must be ≥ 0"))


def _check_request(
    i: int, r: Request, courses: Mapping[Id, Course], errors: list[tuple[str, str]]
) -> None:
    if r.cohort <= 0:
        errors.append((f"requests[{i}].cohort", "must be > 0"))
    if not (math.isfinite(r.weight) and r.weight > 0):
        errors.append((f"requests[{i}].weight", "must be a finite number > 0"))
    if r.latest_finish < r.earliest_start:
        errors.append((f"requests[{i}].latest_finish", "must not be before earliest_start"))
    if not r.courses:
        errors.append((f"requests[{i}].courses", "must name at least one course"))
    for c in (*r.courses, *r.completed):
        if c not in courses:
            field_name = "courses" if c in r.courses else "completed"
            errors.append((f"requests[{i}].{field_name}", f"unknown course {c!r}"))
    for c in set(r.courses) & set(r.completed):
        errors.append((f"requests[{i}].courses", f"course {c!r} is already completed"))


def _topological(
    items: Sequence[Course], courses: Mapping[Id, Course], errors: list[tuple[str, str]]
) -> dict[Id, int]:
    """Every course's place in one order where prerequisites come first (ties: problem order)."""
    position = {c.id: i for i, c in enumerate(items)}
    order: dict[Id, int] = {}
    state: dict[Id, int] = {}  # 1 on the path, 2 placed

    def visit(c: Id, path: list[Id]) -> None:
        if state.get(c) == 2:
            return
        if state.get(c) == 1:
            cycle = [*path[path.index(c) :], c]
            errors.append(
                (f"courses[{position[c]}].prerequisites", f"cycle {' → '.join(map(str, cycle))}")
            )
            return
        state[c] = 1
        path.append(c)
        for p in sorted(courses[c].prerequisites, key=lambda x: position.get(x, -1)):
            if p in courses and p != c:
                visit(p, path)
        path.pop()
        state[c] = 2
        order[c] = len(order)

    for c in items:
        if c.id in courses and courses[c.id] is c:
            visit(c.id, [])
    return order
