"""Properties of the seat plan on random small problems: feasible by the independent checker,
objective ≤ bound, optimal ≥ greedy, and equal to the optimum found by enumeration."""

from __future__ import annotations

import itertools
import math

from hypothesis import HealthCheck, assume, given, settings

from nsatu.core.planner.solve import SolveOptions
from nsatu.core.training_plan.check import check_plan
from nsatu.core.training_plan.generate import generate
from nsatu.core.training_plan.greedy import greedy
from nsatu.core.training_plan.problem import (
    Id,
    Request,
    SeatProblem,
)
from nsatu.core.training_plan.solve import solve
from tests.core.training_plan.strategies import problems

EXACT = SolveOptions(time_limit_s=30.0, mip_rel_gap=0.0)
TOL = 1e-6


def choices(problem: SeatProblem, r: Request) -> list[tuple[float, tuple[Id, ...]]]:
    """Every way to train ``r`` (value, events), written out for this test from the rules."""
    found: list[tuple[float, tuple[Id, ...]]] = []
    for c in r.courses:
        chain = problem.chain(r, c)
        if any(other != c and other in chain for other in r.courses):
            continue  # the shorter chain of the other acceptable course trains it
        pools = [[e for e in problem.events if e.course == k] for k in chain]
        for seq in itertools.product(*pools):
            ok = all(
                e.start_day >= r.earliest_start + problem.travel_days(r.home, e.place)
                and e.end_day <= r.latest_finish
                for e in seq
            ) and all(
                b.start_day > a.end_day + problem.travel_days(a.place, b.place)
                for a, b in itertools.pairwise(seq)
            )
            if ok:
                late = 0
                if r.handover_day is not None:
                    back = seq[-1].end_day + problem.travel_days(seq[-1].place, r.home)
                    late = max(0, back - r.handover_day)
                cut = min(problem.late_penalty_cap, problem.late_penalty_per_day * late)
                found.append((r.weight * r.cohort * (1 - cut), tuple(e.id for e in seq)))
    return found


def optimum(problem: SeatProblem) -> float | None:
    """The best objective by enumeration, or ``None`` when there are too many combinations."""
    none: tuple[float, tuple[Id, ...]] = (0.0, ())
    per_request = [[none, *choices(problem, r)] for r in problem.requests]
    if math.prod(len(c) for c in per_request) > 20_000:
        return None
    seats = {e.id: e.seats for e in problem.events}
    best = 0.0
    for combo in itertools.product(*per_request):
        used: dict[Id, int] = {}
        for r, (_, events) in zip(problem.requests, combo, strict=True):
            for e in events:
                used[e] = used.get(e, 0) + r.cohort
        if all(used[e] <= seats[e] for e in used):
            best = max(best, sum(v for v, _ in combo))
    return best


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_plan_feasible_bounded_and_at_least_greedy(problem: SeatProblem) -> None:
    base = greedy(problem)
    plan = solve(problem, EXACT)
    assert check_plan(problem, base) == []
    assert check_plan(problem, plan) == []
    assert plan.objective <= plan.bound + TOL
    assert plan.objective >= base.objective - TOL
    assert plan.stats["greedy_objective"] == base.objective


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_plan_is_optimal_by_enumeration(problem: SeatProblem) -> None:
    best = optimum(problem)
    assume(best is not None)
    plan = solve(problem, EXACT)
    assert plan.status == "optimal"
    assert plan.objective == best or abs(plan.objective - best) <= TOL  # type: ignore[operator]


def test_generated_instance_beats_greedy_within_the_gap() -> None:
    problem = generate(1, seed=3)
    plan = solve(problem, SolveOptions(time_limit_s=60.0, mip_rel_gap=0.005))
    assert check_plan(problem, plan) == []
    assert plan.gap <= 0.005
    assert plan.objective > plan.stats["greedy_objective"]
    assert {code for u in plan.unmet for code in (r.code for r in u.reasons)} == {
        "no_event_before_deadline",
        "all_events_full",
        "prerequisite_not_met",
    }


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_request_left_out_cannot_fit_and_its_reasons_hold(problem: SeatProblem) -> None:
    plan = solve(problem, EXACT)
    room = {e.id: e.seats for e in problem.events}
    for a in plan.assignments:
        for e in a.events:
            room[e] -= a.cohort
    for u in plan.unmet:
        r = problem.request_by_id[u.request]
        # maximal: no way to train it fits in the seats left
        assert all(any(room[e] < r.cohort for e in events) for _, events in choices(problem, r))
        for reason in u.reasons:
            course = reason.details["course"]
            in_window = [
                e
                for e in problem.events
                if e.course == course
                and e.start_day >= r.earliest_start + problem.travel_days(r.home, e.place)
                and e.end_day <= r.latest_finish
            ]
            if reason.code == "no_event_before_deadline":
                assert in_window == []
            elif reason.code == "all_events_full":
                assert reason.details["full_events"]
                assert all(f["free_seats"] < r.cohort for f in reason.details["full_events"])
            else:
                assert reason.code == "prerequisite_not_met"
                assert in_window  # the course itself has an event; a prerequisite does not fit
