"""The synthetic generator: reproducible, of the sizes asked for, valid and congested."""

from __future__ import annotations

import pytest

from nsatu.core.planner.generate import SIZES, SizeSpec, generate
from nsatu.core.planner.problem import parse_problem, problem_to_json


def test_same_seed_same_problem_other_seed_other_problem() -> None:
    assert generate("small", 5) == generate("small", 5)
    assert generate("small", 5).digest() == generate("small", 5).digest()
    assert generate("small", 5) != generate("small", 6)


@pytest.mark.parametrize("size", ["tiny", "small"])
def test_round_trips_through_json(size: str) -> None:
    problem = generate(size, 1)  # type: ignore[arg-type]
    assert parse_problem(problem_to_json(problem)) == problem


@pytest.mark.parametrize(
    ("size", "needs", "offers", "hubs", "days"),
    [("tiny", 12, 20, 2, 10), ("small", 200, 300, 3, 30), ("medium", 2000, 3000, 5, 30)],
)
def test_sizes(size: str, needs: int, offers: int, hubs: int, days: int) -> None:
    problem = generate(size, 0)  # type: ignore[arg-type]
    assert (len(problem.needs), len(problem.offers), len(problem.hubs)) == (needs, offers, hubs)
    assert problem.horizon_days == days
    assert sum(s.kind == "hub" for s in problem.sites) == hubs


def test_large_spec_and_custom_spec() -> None:
    large = SIZES["large"]
    assert (large.needs, large.offers, large.hubs, large.days) == (10_000, 15_000, 8, 30)
    problem = generate(SizeSpec(needs=30, offers=40, hubs=4, days=12, donors=10, handovers=3), 2)
    assert (len(problem.needs), len(problem.offers), len(problem.hubs)) == (30, 40, 4)


def test_realistic_shape() -> None:
    problem = generate("small", 0)
    donors = {o.donor for o in problem.offers}
    assert len(donors) >= 35  # about 50 contributors, a long tail offers little
    assert all(len(d) == 3 and d.isupper() for d in donors)
    hubs = [s for s in problem.sites if s.kind == "hub"]
    assert {s.country for s in hubs} <= {"POL", "ROU", "SVK"}
    assert "HUB-Rzeszów-Jasionka" in {s.id for s in hubs}
    handovers = [s for s in problem.sites if s.kind == "handover"]
    assert all(s.country == "UKR" and 22 <= s.lon <= 30 for s in handovers)
    assert {leg.mode for leg in problem.legs} >= {"road", "rail", "air"}
    assert all(1 <= leg.transit_days <= 4 for leg in problem.legs)
    assert {n.weight for n in problem.needs} == {100.0, 30.0, 10.0, 3.0, 1.0}
    assert any(n.all_or_nothing for n in problem.needs)
    family = {t.id: t.family for t in problem.item_types}
    for need in problem.needs:
        assert len({family[t] for t in need.acceptable_item_types}) == 1  # substitutes in family
    assert any(len(n.acceptable_item_types) > 1 for n in problem.needs)
    assert problem.values.late_factor == 0.5 and problem.values.substitute_factor == 0.8


@pytest.mark.parametrize("size", ["small", "medium"])
def test_congested(size: str) -> None:
    problem = generate(size, 0)  # type: ignore[arg-type]
    weight = {t.id: t.unit_weight_t for t in problem.item_types}
    offered = sum(o.quantity * weight[o.item_type] for o in problem.offers)
    hub_total = sum(h.capacity_on(d) for h in problem.hubs for d in range(problem.horizon_days))
    assert hub_total < 0.5 * offered
    # every hub site is capacity-limited, and every unit fits through every surface leg and hub
    assert {h.site for h in problem.hubs} == {s.id for s in problem.sites if s.kind == "hub"}
    heaviest = max(weight.values())
    assert all(leg.capacity_t_per_day >= heaviest for leg in problem.legs if leg.mode != "air")
