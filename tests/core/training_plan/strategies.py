"""Random small seat problems for the property tests (hypothesis)."""

from __future__ import annotations

from hypothesis import strategies as st

from nsatu.core.training_plan.problem import Course, Event, Place, Request, SeatProblem, Travel

COUNTRIES = ("DEU", "POL", "GBR")


@st.composite
def problems(draw: st.DrawFn) -> SeatProblem:
    n_courses = draw(st.integers(1, 4))
    courses = []
    for i in range(n_courses):
        prereqs = draw(st.lists(st.integers(0, i - 1), max_size=2, unique=True)) if i else []
        courses.append(Course(f"C{i}", tuple(f"C{p}" for p in prereqs)))
    ids = [c.id for c in courses]
    events = []
    for j in range(draw(st.integers(0, 7))):
        start = draw(st.integers(0, 30))
        events.append(
            Event(
                id=f"E{j}",
                course=draw(st.sampled_from(ids)),
                place=Place(draw(st.sampled_from(COUNTRIES))),
                start_day=start,
                end_day=start + draw(st.integers(0, 6)),
                seats=draw(st.integers(0, 12)),
            )
        )
    requests = []
    for k in range(draw(st.integers(1, 5))):
        wanted = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
        others = [c for c in ids if c not in wanted]
        earliest = draw(st.integers(0, 15))
        requests.append(
            Request(
                id=k,
                cohort=draw(st.integers(1, 8)),
                courses=tuple(wanted),
                earliest_start=earliest,
                latest_finish=earliest + draw(st.integers(0, 30)),
                weight=float(draw(st.sampled_from((1, 2, 3)))),
                completed=tuple(draw(st.lists(st.sampled_from(others), unique=True)))
                if others
                else (),
                handover_day=draw(st.none() | st.integers(0, 40)),
                home=draw(st.none() | st.just(Place("UKR"))),
            )
        )
    travel = Travel(
        days={
            ("DEU", "GBR"): draw(st.integers(0, 3)),
            ("UKR", "POL"): draw(st.integers(0, 3)),
        },
        default_days=draw(st.integers(0, 2)),
    )
    return SeatProblem(
        courses=tuple(courses), events=tuple(events), requests=tuple(requests), travel=travel
    )
