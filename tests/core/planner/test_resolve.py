"""The warm re-planner: edits to the baseline's LP give exactly the changed problem's LP, and its
plans are as good as cold ones."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nsatu.core.planner.check import check_plan
from nsatu.core.planner.generate import SizeSpec, generate
from nsatu.core.planner.model import build_model
from nsatu.core.planner.plan import Plan, relative_gap
from nsatu.core.planner.problem import Offer, Problem
from nsatu.core.planner.resolve import Replanner
from nsatu.core.planner.scenario import (
    Scenario,
    add_offers,
    apply,
    close_hub,
    delay,
    scale_hub,
    scale_leg,
    scenario,
    withdraw_donor,
)
from nsatu.core.planner.solve import SolveOptions, _lp, solve

SPEC = SizeSpec(needs=40, offers=60, hubs=2, days=12, donors=8, handovers=2)
OPTIONS = SolveOptions(mip_rel_gap=1e-4)


@pytest.fixture(scope="module")
def baseline() -> tuple[Problem, Plan]:
    problem = generate(SPEC, 3)
    return problem, solve(problem, OPTIONS)


def _scenarios(problem: Problem) -> list[Scenario]:
    donors = sorted({o.donor for o in problem.offers})
    hub = problem.hubs[0].site
    leg = next(leg for leg in problem.legs if leg.from_site == hub)
    return [
        scenario("withdraw", withdraw_donor(donors[0])),
        scenario("withdraw another", withdraw_donor(donors[1])),
        scenario("close", close_hub(hub, [2, 3, 4])),
        scenario("delay", delay(donors[2], days=3)),
        scenario("scale leg", scale_leg(leg.from_site, leg.to_site, leg.mode, 0.5)),
        scenario("scale hub", scale_hub(hub, 1.5)),
    ]


def _cold_lp_bound(problem: Problem) -> float:
    relaxed = _lp(build_model(problem), OPTIONS, deadline=float("inf"))
    assert relaxed is not None
    return relaxed[1]


def test_warm_relaxation_is_the_changed_problems_lp(baseline: tuple[Problem, Plan]) -> None:
    problem, plan = baseline
    replanner = Replanner(problem, plan, OPTIONS)
    # each scenario is applied on top of whatever the previous one left in the LP
    for s in [*_scenarios(problem), *_scenarios(problem)[:2]]:
        changed = apply(problem, s)
        warm = _warm_bound(replanner, changed)
        assert warm == pytest.approx(_cold_lp_bound(changed), rel=1e-9), s.name


def test_warm_plans_are_checked_and_as_good_as_cold(baseline: tuple[Problem, Plan]) -> None:
    problem, plan = baseline
    replanner = Replanner(problem, plan, OPTIONS)
    for s in _scenarios(problem):
        changed = apply(problem, s)
        warm = replanner.solve(changed)
        cold = solve(changed, OPTIONS)
        assert warm.stats["warm_lp"] is True
        assert check_plan(changed, warm).ok, s.name
        # both are within the asked gap of the same optimum, so of each other
        assert warm.objective >= cold.objective - 2e-4 * abs(cold.objective), s.name
        assert warm.gap <= OPTIONS.mip_rel_gap + 1e-9
        assert relative_gap(warm.objective, cold.bound) <= OPTIONS.mip_rel_gap + 1e-9


def _warm_bound(replanner: Replanner, problem: Problem) -> float:
    model = build_model(problem)
    matched = replanner.match(model)
    assert matched is not None
    relaxation = replanner.relax(model, *matched)
    assert relaxation is not None
    return relaxation.bound


def test_the_baseline_itself_reverts_every_edit(baseline: tuple[Problem, Plan]) -> None:
    problem, plan = baseline
    replanner = Replanner(problem, plan, OPTIONS)
    first = _warm_bound(replanner, problem)
    moved = _warm_bound(replanner, apply(problem, _scenarios(problem)[0]))
    again = _warm_bound(replanner, problem)
    assert moved < first  # the withdrawal cost something …
    assert again == pytest.approx(first, rel=1e-12)  # … and reverting restores it


def test_a_change_that_adds_routes_is_solved_cold(baseline: tuple[Problem, Plan]) -> None:
    problem, plan = baseline
    depots = [s.id for s in problem.sites if s.kind == "depot"]
    used = {(o.origin, o.item_type) for o in problem.offers}
    wanted = {k for n in problem.needs for k in n.acceptable_item_types}
    origin, item_type = next((d, k) for d in depots for k in sorted(wanted) if (d, k) not in used)
    extra = Offer("OF-NEW", problem.offers[0].donor, item_type, 5, 0, origin)
    changed = apply(problem, scenario("add", add_offers([extra])))
    replanner = Replanner(problem, plan, OPTIONS)
    assert replanner.match(build_model(changed)) is None
    warm = replanner.solve(changed)
    assert warm.stats["warm_lp"] is False
    assert check_plan(changed, warm).ok
    assert warm.gap <= OPTIONS.mip_rel_gap + 1e-9


def test_changed_coefficients_are_not_matched(baseline: tuple[Problem, Plan]) -> None:
    problem, plan = baseline
    heavier = tuple(replace(t, unit_weight_t=t.unit_weight_t * 2) for t in problem.item_types)
    changed = replace(problem, item_types=heavier)
    assert Replanner(problem, plan, OPTIONS).match(build_model(changed)) is None
