"""Synthetic seat problems for the benchmark and the tests, reproducible from a seed.

``scale=1`` is the size of the demo (about 20 courses, 100 events, 300 requests); ``scale=10`` is
ten times that. Host nations sit at real training areas; units are based in Ukraine. About a
third of the courses require an earlier one, a quarter of the requests accept any course of a
capability area, half are linked to a handover, and seats are scarce (requests ask for roughly
twice the seats offered), so the order in which requests are served matters.
"""

from __future__ import annotations

import random

from nsatu.core.training_plan.problem import Course, Event, Place, Request, SeatProblem

HOSTS: tuple[Place, ...] = (
    Place("DEU", 49.70, 11.94),  # Grafenwöhr
    Place("POL", 50.07, 19.94),
    Place("GBR", 51.20, -1.80),  # Salisbury Plain
    Place("FRA", 48.86, 2.35),
    Place("ITA", 45.46, 9.19),
    Place("ESP", 40.42, -3.70),
    Place("NLD", 52.09, 5.12),
    Place("DNK", 56.16, 10.20),
    Place("SWE", 59.33, 18.07),
    Place("ROU", 44.43, 26.10),
)
HOMES: tuple[Place, ...] = (
    Place("UKR", 50.45, 30.52),
    Place("UKR", 49.84, 24.03),
    Place("UKR", 48.46, 35.04),
    Place("UKR", 46.48, 30.73),
)
COURSES_PER_AREA = 4


def generate(scale: int = 1, seed: int = 0) -> SeatProblem:
    """A congested instance: ``20·scale`` courses, ``100·scale`` events, ``300·scale`` requests."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    n_courses, n_events, n_requests = 20 * scale, 100 * scale, 300 * scale
    courses: list[Course] = []
    for i in range(n_courses):
        area_start = i - i % COURSES_PER_AREA
        prereqs: tuple[int, ...] = ()
        if i > area_start and rng.random() < 0.35:  # a prerequisite within the area
            prereqs = (rng.randrange(area_start, i),)
        courses.append(Course(id=i + 1, prerequisites=tuple(p + 1 for p in prereqs)))
    horizon = 365
    events: list[Event] = []
    for j in range(n_events):
        course = courses[j % n_courses] if j < n_courses else rng.choice(courses)
        start = rng.randrange(0, horizon - 60)
        length = rng.choice((5, 10, 14, 21, 28, 35))
        events.append(
            Event(
                id=j + 1,
                course=course.id,
                place=rng.choice(HOSTS),
                start_day=start,
                end_day=start + length - 1,
                seats=rng.choice((8, 12, 16, 20, 24, 30, 36)),
            )
        )
    requests: list[Request] = []
    for k in range(n_requests):
        course = rng.choice(courses)
        if rng.random() < 0.25:
            first = int(course.id) - 1 - (int(course.id) - 1) % COURSES_PER_AREA
            wanted = tuple(c.id for c in courses[first : first + COURSES_PER_AREA])
        else:
            wanted = (course.id,)
        completed: tuple[int | str, ...] = ()
        if course.prerequisites and rng.random() < 0.4:
            completed = tuple(p for p in course.prerequisites if p not in wanted)
        earliest = rng.randrange(0, 200)
        latest = min(horizon, earliest + rng.randrange(45, 220))
        handover = earliest + rng.randrange(30, 160) if rng.random() < 0.5 else None
        requests.append(
            Request(
                id=k + 1,
                cohort=rng.choice((4, 6, 8, 8, 10, 12, 12, 16)),
                courses=wanted,
                earliest_start=earliest,
                latest_finish=latest,
                weight=float(rng.choice((1, 1, 2, 3))),
                completed=completed,
                handover_day=handover,
                home=rng.choice(HOMES),
            )
        )
    return SeatProblem(courses=tuple(courses), events=tuple(events), requests=tuple(requests))
