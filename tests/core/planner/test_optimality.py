"""The planner's optimum agrees with an independent SCIP model, and its plans keep every limit."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings

from nsatu.core.planner.problem import Problem, parse_problem, problem_to_json
from nsatu.core.planner.solve import SolveOptions, solve
from tests.core.planner.instances import problems
from tests.core.planner.scip_reference import scip_optimum

EXACT = SolveOptions(mip_rel_gap=0.0, time_limit_s=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_proven_optimum_matches_scip(problem: Problem) -> None:
    plan = solve(problem, EXACT)
    reference = scip_optimum(problem)
    shown = json.dumps(problem_to_json(problem))
    assert plan.status == "optimal", shown
    assert plan.objective == pytest.approx(reference, rel=1e-7, abs=1e-6), shown
    assert plan.bound >= reference - 1e-6


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_default_gap_is_within_a_thousandth(problem: Problem) -> None:
    plan = solve(problem)
    reference = scip_optimum(problem)
    assert plan.objective >= reference - 1e-3 * max(1.0, abs(reference)) - 1e-6
    assert plan.objective <= reference + 1e-6
    assert plan.gap <= 1e-3 + 1e-9


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_lexicographic_never_gives_up_top_priority_value(problem: Problem) -> None:
    """The lexicographic plan keeps at least as much top-class value as the weighted one."""
    weighted = solve(problem, EXACT)
    lexicographic = solve(
        replace(problem, values=replace(problem.values, policy="lexicographic")), EXACT
    )
    top_w = weighted.stats["by_weight"][0]
    top_l = lexicographic.stats["by_weight"][0]
    assert top_l["value"] >= top_w["value"] - 1e-6
    assert lexicographic.objective <= weighted.objective + 1e-6


def _priority_conflict(policy: str) -> Problem:
    """One day of hub capacity (2 t): a top need of one 2 t unit, or a lower one of two 1 t units."""
    return parse_problem(
        {
            "format": "nsatu-plan-problem/1",
            "start_date": "2026-01-05",
            "horizon_days": 3,
            "item_types": [
                {"id": "A", "family": "a", "unit_weight_t": 1.0},
                {"id": "B", "family": "b", "unit_weight_t": 2.0},
            ],
            "sites": [
                {"id": "D", "kind": "depot", "country": "DEU", "lat": 50, "lon": 8},
                {"id": "H", "kind": "hub", "country": "POL", "lat": 50, "lon": 22},
                {"id": "S", "kind": "handover", "country": "UKR", "lat": 50, "lon": 24},
            ],
            "offers": [
                {
                    "id": "a",
                    "donor": "DEU",
                    "item_type": "A",
                    "quantity": 2,
                    "available_day": 0,
                    "origin": "D",
                },
                {
                    "id": "b",
                    "donor": "DEU",
                    "item_type": "B",
                    "quantity": 1,
                    "available_day": 0,
                    "origin": "D",
                },
            ],
            "needs": [
                {
                    "id": "top",
                    "quantity": 1,
                    "needed_by_day": 2,
                    "weight": 10,
                    "acceptable_item_types": ["B"],
                    "handover": "S",
                },
                {
                    "id": "low",
                    "quantity": 2,
                    "needed_by_day": 2,
                    "weight": 6,
                    "acceptable_item_types": ["A"],
                    "handover": "S",
                },
            ],
            "legs": [
                {
                    "from": "D",
                    "to": "H",
                    "mode": "road",
                    "transit_days": 1,
                    "capacity_t_per_day": 9,
                    "cost_per_t": 0,
                },
                {
                    "from": "H",
                    "to": "S",
                    "mode": "road",
                    "transit_days": 1,
                    "capacity_t_per_day": 9,
                    "cost_per_t": 0,
                },
            ],
            "hubs": [{"site": "H", "handling_capacity_t_per_day": 2}],
            "values": {
                "late_factor": 0.5,
                "substitute_factor": 0.8,
                "cost_weight": 0,
                "policy": policy,
            },
        }
    )


def test_policies_differ_where_priorities_conflict() -> None:
    weighted = solve(_priority_conflict("weighted"), EXACT)
    lexicographic = solve(_priority_conflict("lexicographic"), EXACT)
    assert {s.need for s in weighted.shipments} == {"low"}
    assert weighted.objective == pytest.approx(12.0)
    assert {s.need for s in lexicographic.shipments} == {"top"}
    assert lexicographic.objective == pytest.approx(10.0)
    assert lexicographic.bound == pytest.approx(10.0)
    unmet = {u.need: u for u in lexicographic.unmet}
    assert unmet["low"].quantity == 2
    assert "capacity" in {r.code for r in unmet["low"].reasons}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), problems())
def test_a_warm_start_from_any_plan_still_finds_the_optimum(
    problem: Problem, other: Problem
) -> None:
    """Starting from the plan of another problem (most of it will not fit) changes nothing."""
    cold = solve(problem, EXACT)
    warm = solve(problem, EXACT, start=solve(other, EXACT))
    same = solve(problem, EXACT, start=cold)
    assert warm.objective == pytest.approx(cold.objective, rel=1e-7, abs=1e-6)
    assert same.objective == pytest.approx(cold.objective, rel=1e-7, abs=1e-6)
    if cold.shipments:
        assert same.stats["warm_start"] is True


def test_a_warm_start_is_worth_what_the_solver_reports() -> None:
    """HiGHS can return a warm-started solution whose values do not match its objective; the
    planner must notice and re-solve, so a warm re-plan equals the cold one."""
    from nsatu.core.planner.scenario import Scenario, apply, delay
    from tests.core.planner.test_scenario import _doc

    problem = parse_problem(_doc())
    changed = apply(problem, Scenario("delay USA", (delay(donor="USA", days=6),)))
    cold = solve(changed)
    warm = solve(changed, start=solve(problem))
    assert warm.stats["warm_start"] is True
    assert warm.objective == pytest.approx(cold.objective)
    assert warm.objective == pytest.approx(warm.stats["model_objective"])
