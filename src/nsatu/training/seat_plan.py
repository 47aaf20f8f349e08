"""The seat plan over the database: build the problem from the open seat requests and the events
still bookable, solve it (``nsatu.core.training_plan``), and, only when asked, store it.

What is read (in the caller's scope, like every read):

- events planned or open that start today or later, with the seats they still have free (seats
  offered less those held by requests already assigned to them);
- every course with its prerequisites;
- the seat requests still ``requested`` and not yet assigned to an event, in creation order (the
  order of the first-come-first-served baseline). A request names a course, or a capability area
  (any of its courses will do); its window is ``earliest_start_on`` (today at the earliest) to
  ``latest_finish_on`` (open: the last event's end); its home is the destination site of its need
  (Ukraine when it has none). Its handover is the latest planned arrival of the consignments
  carrying its allocation's offer line, or, without one, its need's needed-by date.

Day 0 is ``today``. Travel is estimated from the sites' coordinates (600 km a day).

Storing (``apply=True``), in the caller's transaction and through the seat-request service (so
the write rules, seat checks and audit trail apply): each trained request is assigned the event of
the course it is trained for; each prerequisite event of its chain gets a seat request of its own
(same unit, cohort, window, weight, need and allocation), assigned to that event, so that the
seats it takes are held too. Nothing is written when ``apply`` is false.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.core.lifecycles import SeatRequestStatus
from nsatu.core.planner.problem import ProblemError
from nsatu.core.planner.solve import SolveOptions
from nsatu.core.training_plan import problem as p
from nsatu.core.training_plan.greedy import greedy
from nsatu.core.training_plan.plan import SeatPlan
from nsatu.core.training_plan.solve import DEFAULT_OPTIONS, solve
from nsatu.db.models import (
    Allocation,
    Consignment,
    ConsignmentLeg,
    ConsignmentLine,
    Course,
    Nation,
    Requirement,
    SeatRequest,
    Site,
    TrainingEvent,
    course_prerequisite,
    seat_request_completed_course,
)
from nsatu.errors import PlanningError
from nsatu.training import schemas as s
from nsatu.training.service import BOOKABLE_EVENT, HOLDING, SEAT_REQUESTS

#: Where a request's cohort starts from when its need names no destination site.
RECIPIENT = "UKR"
KM_PER_DAY = 600.0

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class SeatPlanResult:
    """The optimised plan, the baseline on the same data, and what was stored."""

    problem: p.SeatProblem
    plan: SeatPlan
    baseline: SeatPlan
    day0: dt.date
    applied: bool = False
    created_requests: tuple[int, ...] = field(default=())

    @property
    def gain(self) -> float | None:
        """objective / greedy objective − 1 (``None`` when the baseline trains nobody)."""
        if self.baseline.objective <= 0:
            return None
        return self.plan.objective / self.baseline.objective - 1.0

    def day(self, n: int) -> dt.date:
        return self.day0 + dt.timedelta(days=n)

    def to_json(self) -> dict[str, Any]:
        plan = self.plan
        events = self.problem.event_by_id
        return {
            "status": plan.status,
            "objective": plan.objective,
            "bound": plan.bound,
            "gap": plan.gap,
            "greedy_objective": self.baseline.objective,
            "gain": self.gain,
            "requests": len(self.problem.requests),
            "events": len(self.problem.events),
            "assigned_requests": len(plan.assignments),
            "assigned_seats": plan.assigned_seats,
            "greedy_assigned_requests": len(self.baseline.assignments),
            "greedy_assigned_seats": self.baseline.assigned_seats,
            "assignments": [
                {
                    "request": a.request,
                    "course": a.course,
                    "cohort": a.cohort,
                    "events": [
                        {
                            "event": e,
                            "course": events[e].course,
                            "starts_on": self.day(events[e].start_day).isoformat(),
                            "ends_on": self.day(events[e].end_day).isoformat(),
                        }
                        for e in a.events
                    ],
                    "late_days": a.late_days,
                    "value": a.value,
                }
                for a in plan.assignments
            ],
            "unmet_requests": [u.to_json() for u in plan.unmet],
            "applied": self.applied,
            "created_requests": list(self.created_requests),
            "seconds": plan.stats.get("seconds"),
        }


def _place(site: Site | None, nation_code: str) -> p.Place:
    if site is None:
        return p.Place(nation_code)
    return p.Place(nation_code, float(site.latitude), float(site.longitude))


def build_problem(session: Session, today: dt.date) -> p.SeatProblem:
    """The seat problem of the open requests and bookable events, day 0 being ``today``."""
    nation_code: dict[int, str] = dict(session.execute(select(Nation.id, Nation.code)).all())
    sites = {site.id: site for site in session.scalars(select(Site))}
    prereqs: dict[int, list[int]] = defaultdict(list)
    for course_id, prereq_id in session.execute(
        select(course_prerequisite.c.course_id, course_prerequisite.c.prerequisite_id).order_by(
            course_prerequisite.c.course_id, course_prerequisite.c.prerequisite_id
        )
    ):
        prereqs[course_id].append(prereq_id)
    course_rows = list(session.scalars(select(Course).order_by(Course.id)))
    courses = tuple(p.Course(c.id, tuple(prereqs[c.id]), name=c.code) for c in course_rows)
    by_area: dict[int, list[int]] = defaultdict(list)
    for c in course_rows:
        by_area[c.capability_area_id].append(c.id)

    event_rows = list(
        session.scalars(
            select(TrainingEvent)
            .where(TrainingEvent.status.in_(BOOKABLE_EVENT), TrainingEvent.starts_on >= today)
            .order_by(TrainingEvent.starts_on, TrainingEvent.id)
        )
    )
    held = _seats_held(session, [e.id for e in event_rows])
    events = tuple(
        p.Event(
            id=e.id,
            course=e.course_id,
            place=_place(
                sites.get(e.site_id) if e.site_id else None, nation_code[e.host_nation_id]
            ),
            start_day=(e.starts_on - today).days,
            end_day=(e.ends_on - today).days,
            seats=max(0, e.seats_offered - held.get(e.id, 0)),
        )
        for e in event_rows
    )
    horizon = max((e.end_day for e in events), default=0)

    request_rows = list(
        session.scalars(
            select(SeatRequest)
            .where(
                SeatRequest.status == SeatRequestStatus.REQUESTED,
                SeatRequest.training_event_id.is_(None),
            )
            .order_by(SeatRequest.id)
        )
    )
    ids = [r.id for r in request_rows]
    completed: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(ids):
        for request_id, course_id in session.execute(
            select(
                seat_request_completed_course.c.seat_request_id,
                seat_request_completed_course.c.course_id,
            ).where(seat_request_completed_course.c.seat_request_id.in_(chunk))
        ):
            completed[request_id].append(course_id)
    needs = _needs(session, request_rows)
    handovers = _handovers(session, request_rows, needs)
    requests = []
    for r in request_rows:
        done = tuple(sorted(completed[r.id]))
        wanted = (
            (r.course_id,)
            if r.course_id is not None
            else tuple(c for c in by_area.get(r.capability_area_id or -1, []) if c not in done)
        )
        if not wanted or (r.course_id is not None and r.course_id in done):
            continue  # the cohort already holds every course it could be trained for
        latest = (r.latest_finish_on - today).days if r.latest_finish_on else horizon
        earliest = max(0, (r.earliest_start_on - today).days) if r.earliest_start_on else 0
        need = needs.get(r.requirement_id) if r.requirement_id else None
        home_site = (
            sites.get(need.destination_site_id) if need and need.destination_site_id else None
        )
        handover = handovers.get(r.id)
        requests.append(
            p.Request(
                id=r.id,
                cohort=r.seats,
                courses=wanted,
                earliest_start=min(earliest, latest),
                latest_finish=latest,
                weight=float(r.weight),
                completed=done,
                handover_day=None if handover is None else (handover - today).days,
                home=_place(home_site, RECIPIENT),
            )
        )
    return p.SeatProblem(
        courses=courses,
        events=events,
        requests=tuple(requests),
        travel=p.Travel(km_per_day=KM_PER_DAY),
        day0=today,
    )


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _seats_held(session: Session, event_ids: list[int]) -> dict[int, int]:
    held: dict[int, int] = {}
    for chunk in _chunks(event_ids):
        stmt = (
            select(SeatRequest.training_event_id, func.sum(SeatRequest.seats))
            .where(SeatRequest.training_event_id.in_(chunk), SeatRequest.status.in_(HOLDING))
            .group_by(SeatRequest.training_event_id)
        )
        for event_id, seats in session.execute(stmt):
            if event_id is not None:
                held[event_id] = int(seats or 0)
    return held


def _needs(session: Session, requests: list[SeatRequest]) -> dict[int, Requirement]:
    ids = sorted({r.requirement_id for r in requests if r.requirement_id is not None})
    found: dict[int, Requirement] = {}
    for chunk in _chunks(ids):
        for need in session.scalars(select(Requirement).where(Requirement.id.in_(chunk))):
            found[need.id] = need
    return found


def _handovers(
    session: Session, requests: list[SeatRequest], needs: Mapping[int, Requirement]
) -> dict[int, dt.date]:
    """Each request's expected handover: the latest planned arrival of the consignments carrying
    its allocation's offer line, else its need's needed-by date."""
    allocation_ids = sorted({r.allocation_id for r in requests if r.allocation_id is not None})
    arrival: dict[int, dt.date] = {}
    for chunk in _chunks(allocation_ids):
        stmt = (
            select(Allocation.id, func.max(ConsignmentLeg.planned_arrival_on))
            .join(ConsignmentLine, ConsignmentLine.offer_line_id == Allocation.offer_line_id)
            .join(Consignment, Consignment.id == ConsignmentLine.consignment_id)
            .join(ConsignmentLeg, ConsignmentLeg.consignment_id == Consignment.id)
            .where(Allocation.id.in_(chunk))
            .group_by(Allocation.id)
        )
        for allocation_id, day in session.execute(stmt):
            if day is not None:
                arrival[allocation_id] = day
    out: dict[int, dt.date] = {}
    for r in requests:
        if r.allocation_id is not None and r.allocation_id in arrival:
            out[r.id] = arrival[r.allocation_id]
        elif r.requirement_id is not None and r.requirement_id in needs:
            out[r.id] = needs[r.requirement_id].needed_by_on
    return out


def plan_seats(
    session: Session,
    *,
    today: dt.date | None = None,
    options: SolveOptions | None = None,
    apply: bool = False,
    progress: Progress | None = None,
) -> SeatPlanResult:
    """Plan the open seat requests; store the plan only when ``apply`` is true.

    The solve runs between the read and the writes, in the caller's transaction: the writes check
    every event's free seats again under a lock, so a seat taken meanwhile fails the whole apply
    (nothing is stored) rather than overbooking.
    """
    day0 = today or dt.datetime.now(dt.UTC).date()
    try:
        problem = build_problem(session, day0)
    except ProblemError as exc:  # stored data the seat plan cannot read: say what, never a 500
        raise PlanningError(f"the training data cannot be planned: {exc}") from exc
    result = solve_problem(problem, options=options, progress=progress)
    if apply:
        result = replace(
            result, applied=True, created_requests=_store(session, problem, result.plan)
        )
    return result


def solve_problem(
    problem: p.SeatProblem,
    *,
    options: SolveOptions | None = None,
    progress: Progress | None = None,
) -> SeatPlanResult:
    """The plan and the baseline of a problem already built (from the database or a file)."""
    baseline = greedy(problem)
    plan = solve(problem, options or DEFAULT_OPTIONS, progress=progress, baseline=baseline)
    day0 = problem.day0 or dt.datetime.now(dt.UTC).date()
    return SeatPlanResult(problem=problem, plan=plan, baseline=baseline, day0=day0)


def _store(session: Session, problem: p.SeatProblem, plan: SeatPlan) -> tuple[int, ...]:
    created: list[int] = []
    for a in plan.assignments:
        row = session.get(SeatRequest, a.request)
        assert row is not None  # read above, in this transaction
        *prerequisite_events, last = a.events
        for event_id in prerequisite_events:
            course_id = problem.event_by_id[event_id].course
            companion = SEAT_REQUESTS.create(
                session,
                s.SeatRequestCreate(
                    recipient_unit=row.recipient_unit,
                    course_id=int(course_id),
                    training_event_id=int(event_id),
                    requirement_id=row.requirement_id,
                    allocation_id=row.allocation_id,
                    seats=row.seats,
                    earliest_start_on=row.earliest_start_on,
                    latest_finish_on=row.latest_finish_on,
                    weight=row.weight,
                    completed_course_ids=[int(c) for c in problem.request_by_id[row.id].completed],
                    note=f"Prerequisite for seat request {row.id}, placed by the seat plan.",
                ),
            )
            created.append(companion.id)
        SEAT_REQUESTS.update(
            session,
            row.id,
            s.SeatRequestUpdate(training_event_id=int(last), version=row.version),
        )
    return tuple(created)
