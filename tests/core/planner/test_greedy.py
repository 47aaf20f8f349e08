"""The greedy baseline: every limit kept, priorities respected, all-or-nothing rolled back."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from typing import Any

import pytest

from nsatu.core.planner.check import check_plan
from nsatu.core.planner.generate import generate
from nsatu.core.planner.greedy import greedy, plan_objective
from nsatu.core.planner.plan import Plan
from nsatu.core.planner.problem import Problem, parse_problem

TOL = 1e-6


def violations(problem: Problem, plan: Plan) -> list[str]:  # noqa: PLR0912
    """An independent feasibility check of ``plan`` (written for this test, not shared code)."""
    found: list[str] = []
    T = problem.horizon_days
    offers, needs, legs = problem.offer_by_id, problem.need_by_id, problem.leg_by_key
    weight = {t.id: t.unit_weight_t for t in problem.item_types}
    leg_t: dict[tuple[Any, int], float] = defaultdict(float)
    hub_t: dict[tuple[Any, int], float] = defaultdict(float)
    offer_q: dict[Any, int] = defaultdict(int)
    need_q: dict[Any, int] = defaultdict(int)
    for s in plan.shipments:
        offer, need = offers[s.offer], needs[s.need]
        if s.quantity <= 0:
            found.append(f"{s}: quantity")
        if offer.item_type not in need.acceptable_item_types:
            found.append(f"{s}: incompatible")
        leg_in = legs.get((offer.origin, s.hub, s.mode_in))
        leg_out = legs.get((s.hub, need.handover, s.mode_out))
        if leg_in is None or leg_out is None:
            found.append(f"{s}: no such leg")
            continue
        arrive_hub = s.depart_day + leg_in.transit_days
        if s.depart_day < max(0, offer.available_day):
            found.append(f"{s}: leaves before available")
        if s.hub_depart_day < arrive_hub:
            found.append(f"{s}: leaves the hub before arriving")
        if s.hub_depart_day + leg_out.transit_days > T - 1:
            found.append(f"{s}: arrives after the horizon")
        tonnes = s.quantity * weight[offer.item_type]
        leg_t[leg_in.key, s.depart_day] += tonnes
        leg_t[leg_out.key, s.hub_depart_day] += tonnes
        hub_t[s.hub, arrive_hub] += tonnes
        offer_q[s.offer] += s.quantity
        need_q[s.need] += s.quantity
    for (key, day), tonnes in leg_t.items():
        if tonnes > legs[key].capacity_t_per_day + TOL:
            found.append(f"leg {key} day {day}: {tonnes} t")
    for (hub, day), tonnes in hub_t.items():
        if tonnes > problem.hub_capacity(hub, day) + TOL:
            found.append(f"hub {hub} day {day}: {tonnes} t")
    for offer_id, q in offer_q.items():
        if q > offers[offer_id].quantity:
            found.append(f"offer {offer_id}: {q} units")
    for need_id, q in need_q.items():
        need = needs[need_id]
        if q > need.quantity or (need.all_or_nothing and q not in (0, need.quantity)):
            found.append(f"need {need_id}: {q} units")
    return found


def doc(
    *,
    needs: list[dict[str, Any]],
    offers: list[dict[str, Any]],
    hub_capacity: float = 1000.0,
    leg_capacity: float = 1000.0,
    horizon: int = 6,
    closed: list[int] | None = None,
) -> Problem:
    """One depot, one hub, one handover; road legs of 1 day."""
    return parse_problem(
        {
            "format": "nsatu-plan-problem/1",
            "start_date": "2024-03-04",
            "horizon_days": horizon,
            "item_types": [
                {"id": "A", "family": "f", "unit_weight_t": 1.0},
                {"id": "B", "family": "f", "unit_weight_t": 1.0},
                {"id": "C", "family": "g", "unit_weight_t": 2.0},
            ],
            "sites": [
                {"id": "D", "kind": "depot", "country": "DEU", "lat": 50, "lon": 8},
                {"id": "H", "kind": "hub", "country": "POL", "lat": 50, "lon": 22},
                {"id": "S", "kind": "handover", "country": "UKR", "lat": 49.8, "lon": 24},
            ],
            "offers": [
                {"donor": "DEU", "origin": "D", "available_day": 0, **o} for o in offers
            ],
            "needs": [{"handover": "S", "needed_by_day": horizon - 1, **n} for n in needs],
            "legs": [
                {"from": "D", "to": "H", "mode": "road", "transit_days": 1,
                 "capacity_t_per_day": leg_capacity, "cost_per_t": 10.0},
                {"from": "H", "to": "S", "mode": "road", "transit_days": 1,
                 "capacity_t_per_day": leg_capacity, "cost_per_t": 10.0},
            ],
            "hubs": [
                {"site": "H", "handling_capacity_t_per_day": hub_capacity,
                 "closed_days": closed or []}
            ],
            "values": {"late_factor": 0.5, "substitute_factor": 0.8, "cost_weight": 0.001},
        }
    )  # fmt: skip


def served(plan: Plan) -> dict[Any, int]:
    out: dict[Any, int] = defaultdict(int)
    for s in plan.shipments:
        out[s.need] += s.quantity
    return dict(out)


@pytest.mark.parametrize(("size", "seed"), [("tiny", 0), ("tiny", 1), ("tiny", 7), ("small", 0)])
def test_generated_plans_keep_every_limit(size: str, seed: int) -> None:
    problem = generate(size, seed)  # type: ignore[arg-type]
    plan = greedy(problem)
    assert violations(problem, plan) == []
    report = check_plan(problem, plan)
    assert report.ok, report.violations[:5]
    assert plan.objective == pytest.approx(report.objective, rel=1e-9, abs=1e-6)
    assert plan.objective == pytest.approx(plan_objective(problem, plan.shipments))
    assert plan.status == "feasible"
    assert plan.bound == pytest.approx(sum(n.quantity * n.weight for n in problem.needs))
    assert 0.0 <= plan.gap <= 1.0 and not math.isnan(plan.gap)
    assert plan.stats["shipments"] == len(plan.shipments)
    # every need is either served in full or listed as unmet with its shortfall and a reason
    got = served(plan)
    unmet = {u.need: u for u in plan.unmet}
    for need in problem.needs:
        short = need.quantity - got.get(need.id, 0)
        if short:
            assert unmet[need.id].quantity == short
            assert unmet[need.id].reasons
        else:
            assert need.id not in unmet


def test_deterministic() -> None:
    problem = generate("small", 3)
    assert greedy(problem).to_json() | {"stats": {}} == greedy(problem).to_json() | {"stats": {}}


def test_higher_weight_is_served_first() -> None:
    # the hub takes 3 t a day on days 1..2 (day 3 closed, later arrivals too late): 6 units in all
    problem = doc(
        horizon=4,
        hub_capacity=3.0,
        closed=[3],
        offers=[{"id": "o1", "item_type": "A", "quantity": 10}],
        needs=[
            {"id": "low", "quantity": 5, "weight": 1.0, "acceptable_item_types": ["A"]},
            {"id": "high", "quantity": 5, "weight": 10.0, "acceptable_item_types": ["A"]},
        ],
    )
    plan = greedy(problem)
    assert violations(problem, plan) == []
    assert served(plan) == {"high": 5, "low": 1}
    (low,) = plan.unmet
    assert low.need == "low" and low.quantity == 4
    assert {r.code for r in low.reasons} == {"capacity"}


def test_earlier_deadline_breaks_weight_ties_and_prefers_the_preferred_type() -> None:
    problem = doc(
        offers=[
            {"id": "sub", "item_type": "B", "quantity": 4},
            {"id": "pref", "item_type": "A", "quantity": 2, "available_day": 2},
        ],
        needs=[
            {"id": "later", "quantity": 3, "weight": 5.0, "needed_by_day": 5,
             "acceptable_item_types": ["A", "B"]},
            {"id": "sooner", "quantity": 3, "weight": 5.0, "needed_by_day": 3,
             "acceptable_item_types": ["A", "B"]},
        ],
    )  # fmt: skip
    plan = greedy(problem)
    assert violations(problem, plan) == []
    by = {(s.need, s.offer): s.quantity for s in plan.shipments}
    # "sooner" goes first and takes the preferred type first, although it comes later
    assert by[("sooner", "pref")] == 2
    assert by[("sooner", "sub")] == 1
    assert by[("later", "sub")] == 3
    assert served(plan) == {"sooner": 3, "later": 3}


def test_all_or_nothing_is_rolled_back_and_frees_capacity() -> None:
    problem = doc(
        horizon=4,
        hub_capacity=3.0,
        closed=[3],
        offers=[{"id": "o1", "item_type": "A", "quantity": 20}],
        needs=[
            {"id": "big", "quantity": 8, "weight": 10.0, "acceptable_item_types": ["A"],
             "all_or_nothing": True},
            {"id": "small", "quantity": 6, "weight": 1.0, "acceptable_item_types": ["A"]},
        ],
    )  # fmt: skip
    plan = greedy(problem)
    assert violations(problem, plan) == []
    # "big" could get 6 of its 8 units, so it gets none, and "small" gets the 6 slots
    assert served(plan) == {"small": 6}
    (big,) = plan.unmet
    assert big.need == "big" and big.quantity == 8
    assert big.reasons[0].code == "all_or_nothing"


def test_reasons_for_no_offer_and_offers_too_late() -> None:
    problem = doc(
        horizon=4,
        offers=[{"id": "late", "item_type": "A", "quantity": 5, "available_day": 3}],
        needs=[
            {"id": "a", "quantity": 2, "weight": 1.0, "acceptable_item_types": ["A"]},
            {"id": "c", "quantity": 2, "weight": 1.0, "acceptable_item_types": ["C"]},
        ],
    )
    plan = greedy(problem)
    assert plan.shipments == ()
    reasons = {u.need: [r.code for r in u.reasons] for u in plan.unmet}
    assert reasons == {"a": ["offers_too_late"], "c": ["no_compatible_offer"]}


def test_outranked_names_the_needs_that_took_the_offer() -> None:
    problem = doc(
        offers=[{"id": "o1", "item_type": "A", "quantity": 4}],
        needs=[
            {"id": "low", "quantity": 3, "weight": 1.0, "acceptable_item_types": ["A"]},
            {"id": "high", "quantity": 3, "weight": 9.0, "acceptable_item_types": ["A"]},
        ],
    )
    plan = greedy(problem)
    (low,) = plan.unmet
    assert low.quantity == 2
    (reason,) = low.reasons
    assert reason.code == "outranked" and reason.details["needs"] == ["high"]


def test_units_worth_less_than_their_transport_are_not_shipped() -> None:
    # a 2 t unit of weight 0.01: 0.001 × 2 t × 20 per t = 0.04 > 0.01
    problem = doc(
        offers=[{"id": "o1", "item_type": "C", "quantity": 2}],
        needs=[{"id": "n", "quantity": 2, "weight": 0.01, "acceptable_item_types": ["C"]}],
    )
    plan = greedy(problem)
    assert plan.shipments == ()
    assert [r.code for r in plan.unmet[0].reasons] == ["capacity"]


def test_capacity_is_used_exactly_with_fractional_weights() -> None:
    problem = generate("tiny", 2)
    plan = greedy(problem)
    assert violations(problem, plan) == []
    assert plan.objective > 0


def test_site_order_does_not_matter() -> None:
    """Depots listed after hubs and handover points (as a database export lists them) plan the
    same as depots listed first."""
    problem = generate("tiny", seed=3)
    reordered = replace(problem, sites=tuple(sorted(problem.sites, key=lambda s: s.kind != "hub")))
    assert reordered.sites[0].kind == "hub"
    plan = greedy(reordered)
    assert check_plan(reordered, plan).ok
    assert plan.objective == greedy(problem).objective
