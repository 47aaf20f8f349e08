"""The seat plan on small instances checked by hand: one rule per test, and each explanation."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nsatu.core.planner.problem import ProblemError
from nsatu.core.planner.solve import SolveOptions
from nsatu.core.training_plan.check import check_plan
from nsatu.core.training_plan.greedy import greedy
from nsatu.core.training_plan.model import build_model
from nsatu.core.training_plan.plan import SeatPlan
from nsatu.core.training_plan.problem import Course, Event, Place, Request, SeatProblem, Travel
from nsatu.core.training_plan.solve import solve

EXACT = SolveOptions(time_limit_s=30.0, mip_rel_gap=0.0)
DEU, POL, GBR = Place("DEU"), Place("POL"), Place("GBR")


def event(id: str, course: str, start: int, end: int, seats: int = 10, place: Place = DEU) -> Event:
    return Event(id=id, course=course, place=place, start_day=start, end_day=end, seats=seats)


def request(id: int, courses: tuple[str, ...] = ("A",), cohort: int = 10, **kw: object) -> Request:
    base = Request(id=id, cohort=cohort, courses=courses, earliest_start=0, latest_finish=100)
    return replace(base, **kw)  # type: ignore[arg-type]


def planned(problem: SeatProblem) -> SeatPlan:
    plan = solve(problem, EXACT)
    assert check_plan(problem, plan) == []
    assert plan.status == "optimal"
    return plan


def events_of(plan: SeatPlan) -> dict[object, tuple[object, ...]]:
    return {a.request: a.events for a in plan.assignments}


def codes(plan: SeatPlan) -> dict[object, list[str]]:
    return {u.request: [r.code for r in u.reasons] for u in plan.unmet}


def test_capacity_takes_whole_cohorts_and_names_the_full_event() -> None:
    problem = SeatProblem(
        courses=(Course("A"),),
        events=(event("E1", "A", 10, 14, seats=10),),
        requests=(request(1, cohort=6), request(2, cohort=6, weight=2.0)),
    )
    plan = planned(problem)
    assert events_of(plan) == {2: ("E1",)}  # the heavier request; cohorts are never split
    assert plan.objective == 12.0
    assert plan.assigned_seats == 6
    [unmet] = plan.unmet
    [reason] = unmet.reasons
    assert reason.code == "all_events_full"
    assert reason.details["full_events"] == [{"event": "E1", "free_seats": 4, "seats": 10}]


def test_dates_event_must_lie_in_the_window() -> None:
    problem = SeatProblem(
        courses=(Course("A"),),
        events=(event("early", "A", 0, 4), event("late", "A", 90, 120), event("ok", "A", 20, 30)),
        requests=(request(1, earliest_start=5, latest_finish=100),),
    )
    assert events_of(planned(problem)) == {1: ("ok",)}
    lonely = replace(problem, events=problem.events[:2])
    plan = planned(lonely)
    assert plan.assignments == ()
    assert codes(plan) == {1: ["no_event_before_deadline"]}


def test_prerequisite_event_must_end_before_the_next_starts() -> None:
    problem = SeatProblem(
        courses=(Course("A"), Course("B", prerequisites=("A",))),
        events=(event("A-late", "A", 20, 30), event("B1", "B", 25, 35), event("A-ok", "A", 5, 15)),
        requests=(request(1, ("B",)),),
    )
    plan = planned(problem)
    assert events_of(plan) == {1: ("A-ok", "B1")}
    assert plan.assigned_seats == 20  # the cohort takes a seat on each course of its chain
    wrong_order = replace(problem, events=problem.events[:2])
    plan = planned(wrong_order)
    assert codes(plan) == {1: ["prerequisite_not_met"]}
    assert plan.unmet[0].reasons[0].details["prerequisite"] == "A"


def test_a_prerequisite_without_any_event_is_not_met() -> None:
    problem = SeatProblem(
        courses=(Course("A"), Course("B", prerequisites=("A",))),
        events=(event("B1", "B", 25, 35),),
        requests=(request(1, ("B",)), request(2, ("B",), completed=("A",))),
    )
    plan = planned(problem)
    assert events_of(plan) == {2: ("B1",)}  # the completed prerequisite is not needed again
    assert codes(plan) == {1: ["prerequisite_not_met"]}
    assert plan.unmet[0].reasons[0].details["missing_course"] == "A"


def test_travel_between_hosts_separates_the_events() -> None:
    courses = (Course("A"), Course("B", prerequisites=("A",)))
    events = (event("A1", "A", 1, 10, place=DEU), event("B1", "B", 13, 20, place=GBR))
    two_days = SeatProblem(
        courses=courses,
        events=events,
        requests=(request(1, ("B",)),),
        travel=Travel(days={("DEU", "GBR"): 3}),
    )
    assert codes(planned(two_days)) == {1: ["prerequisite_not_met"]}  # 13 is not after 10 + 3
    assert events_of(planned(replace(two_days, travel=Travel(days={("GBR", "DEU"): 2})))) == {
        1: ("A1", "B1")
    }


def test_travel_from_home_comes_after_the_earliest_start() -> None:
    problem = SeatProblem(
        courses=(Course("A"),),
        events=(event("A1", "A", 2, 10, place=POL),),
        requests=(request(1, home=Place("UKR"), earliest_start=0),),
        travel=Travel(days={("UKR", "POL"): 3}),
    )
    assert codes(planned(problem)) == {1: ["no_event_before_deadline"]}
    nearer = replace(problem, travel=Travel(days={("UKR", "POL"): 2}))
    assert events_of(planned(nearer)) == {1: ("A1",)}


def test_travel_from_coordinates() -> None:
    problem = SeatProblem(courses=(Course("A"),), events=(), requests=())
    kyiv, warsaw = Place("UKR", 50.45, 30.52), Place("POL", 52.23, 21.01)
    assert problem.travel_days(kyiv, warsaw) == 2  # 689 km at 600 km a day
    assert problem.travel_days(warsaw, kyiv) == 2
    assert problem.travel_days(kyiv, Place("DEU", 52.52, 13.40)) == 3  # 1,205 km
    assert problem.travel_days(Place("DEU"), Place("POL")) == 1  # no coordinates: the default
    assert problem.travel_days(Place("DEU"), Place("DEU")) == 0


def test_handover_counts_the_journey_home() -> None:
    problem = SeatProblem(
        courses=(Course("A"),),
        events=(
            event("far", "A", 8, 15, place=Place("ESP")),  # back home on day 22
            event("near", "A", 9, 17, place=POL),  # back home on day 18
        ),
        requests=(request(1, handover_day=20, home=Place("UKR")),),
        travel=Travel(days={("ESP", "UKR"): 7, ("POL", "UKR"): 1}),
    )
    plan = planned(problem)
    assert events_of(plan) == {1: ("near",)}
    assert plan.assignments[0].late_days == 0
    assert problem.late_days(problem.requests[0], problem.events[0]) == 2


def test_handover_slack_costs_per_day_but_still_trains() -> None:
    problem = SeatProblem(
        courses=(Course("A"),),
        events=(event("only", "A", 10, 30, place=POL),),
        requests=(request(1, handover_day=25, home=Place("UKR"), weight=2.0),),
        travel=Travel(days={("POL", "UKR"): 1}),
        late_penalty_per_day=0.02,
    )
    plan = planned(problem)
    [a] = plan.assignments
    assert a.late_days == 6  # back home on day 31, handover on day 25
    assert plan.objective == pytest.approx(2.0 * 10 * (1 - 0.12))


def test_handover_slack_is_capped() -> None:
    problem = SeatProblem(
        courses=(Course("A"),),
        events=(event("only", "A", 10, 90),),
        requests=(request(1, handover_day=0),),
        late_penalty_per_day=0.02,
        late_penalty_cap=0.5,
    )
    assert planned(problem).objective == pytest.approx(5.0)


def test_capability_area_takes_any_of_its_courses() -> None:
    problem = SeatProblem(
        courses=(Course("A"), Course("B"), Course("C", prerequisites=("A",))),
        events=(event("A1", "A", 5, 10, seats=10), event("B1", "B", 5, 10, seats=10)),
        requests=(request(1, ("A", "B", "C")), request(2, ("A",))),
    )
    plan = planned(problem)
    # request 1 gives way to request 2, which can only use A; C (needing A) is no option
    assert events_of(plan) == {1: ("B1",), 2: ("A1",)}


def test_greedy_is_strictly_worse_when_an_early_request_blocks_a_later_one() -> None:
    problem = SeatProblem(
        courses=(Course("A"),),
        events=(event("E1", "A", 5, 10, seats=10), event("E2", "A", 30, 35, seats=10)),
        requests=(request(1), request(2, latest_finish=20)),
    )
    base = greedy(problem)
    assert check_plan(problem, base) == []
    assert {a.request: a.events for a in base.assignments} == {1: ("E1",)}
    assert [r.code for r in base.unmet[0].reasons] == ["all_events_full"]
    plan = planned(problem)
    assert events_of(plan) == {1: ("E2",), 2: ("E1",)}
    assert plan.objective == 20.0 > base.objective == 10.0
    assert plan.stats["greedy_objective"] == 10.0


def test_each_explanation_per_option_of_an_area() -> None:
    problem = SeatProblem(
        courses=(Course("A"), Course("B"), Course("P"), Course("C", prerequisites=("P",))),
        events=(
            event("A1", "A", 5, 10, seats=4),
            event("P1", "P", 20, 30),
            event("C1", "C", 25, 35),
        ),
        requests=(request(1, ("A", "B", "C")),),
    )
    plan = planned(problem)
    assert codes(plan) == {
        1: ["all_events_full", "no_event_before_deadline", "prerequisite_not_met"]
    }
    messages = [r.message for r in plan.unmet[0].reasons]
    assert "A1" in messages[0]
    assert "course B" in messages[1]
    assert "P" in messages[2]


def test_model_families_write_only_rows_that_can_bind() -> None:
    problem = SeatProblem(
        courses=(Course("A"), Course("B", prerequisites=("A",))),
        events=(event("A1", "A", 1, 5), event("A2", "A", 8, 12), event("B1", "B", 10, 15)),
        requests=(request(1, ("B",), cohort=6), request(2, ("A",), cohort=6)),
    )
    model = build_model(problem)
    sizes = {name: hi - lo for name, (lo, hi) in model.families.items()}
    # no request has two options; each request's courses one row; only A1 and A2 are
    # oversubscribed (12 > 10); B1 clashes with A2, which ends after it starts
    assert sizes == {"choose": 0, "attend": 3, "capacity": 2, "order": 1}
    assert model.num_col == 2 + 3 + 2  # z per request, x per (request, event in window)


def test_bad_problem_names_every_field() -> None:
    with pytest.raises(ProblemError) as caught:
        SeatProblem(
            courses=(Course("A", prerequisites=("B",)), Course("B", prerequisites=("A",))),
            events=(event("E", "Z", 5, 1, seats=-1),),
            requests=(request(1, ("A", "Q"), cohort=0, latest_finish=-1),),
        )
    fields = [path for path, _ in caught.value.errors]
    assert "events[0].course" in fields
    assert "events[0].end_day" in fields
    assert "events[0].seats" in fields
    assert "requests[0].cohort" in fields
    assert "requests[0].latest_finish" in fields
    assert "requests[0].courses" in fields
    assert any("cycle" in message for _, message in caught.value.errors)


def test_same_input_same_plan() -> None:
    problem = SeatProblem(
        courses=(Course("A"),),
        events=tuple(event(f"E{i}", "A", 5 * i, 5 * i + 3, seats=10) for i in range(1, 6)),
        requests=tuple(request(i, cohort=5) for i in range(1, 15)),
    )
    assert solve(problem, EXACT).assignments == solve(problem, EXACT).assignments
