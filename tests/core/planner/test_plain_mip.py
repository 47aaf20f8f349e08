"""The bench's plain MIP (``bench/_plain_mip.py``) finds the true optimum: brute force agrees."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from nsatu.core.planner.generate import generate
from nsatu.core.planner.greedy import greedy
from nsatu.core.planner.problem import Problem, parse_problem

BENCH = Path(__file__).resolve().parents[3] / "bench"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_plain_mip", BENCH / "_plain_mip.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["_plain_mip"] = module
    spec.loader.exec_module(module)
    return module


plain = _load()


def micro(seed: int) -> Problem:
    """Two offers, two needs, one hub, horizon 4: few enough unit routes to enumerate."""
    rng = np.random.default_rng(seed)
    offers = [
        {"id": f"o{i}", "donor": "DEU", "item_type": str(rng.choice(["A", "B"])),
         "quantity": int(rng.integers(1, 3)), "available_day": int(rng.integers(-1, 2)),
         "origin": "D"}
        for i in range(2)
    ]  # fmt: skip
    needs = [
        {"id": f"n{i}", "quantity": int(rng.integers(1, 3)),
         "needed_by_day": int(rng.integers(1, 4)), "weight": float(rng.choice([1.0, 3.0, 10.0])),
         "acceptable_item_types": ["A", "B"] if rng.random() < 0.5 else ["B", "A"],
         "handover": "S", "all_or_nothing": bool(rng.random() < 0.4)}
        for i in range(2)
    ]  # fmt: skip
    return parse_problem(
        {
            "format": "nsatu-plan-problem/1",
            "start_date": "2024-03-04",
            "horizon_days": 4,
            "item_types": [
                {"id": "A", "family": "f", "unit_weight_t": 1.0},
                {"id": "B", "family": "f", "unit_weight_t": 1.5},
            ],
            "sites": [
                {"id": "D", "kind": "depot", "country": "DEU"},
                {"id": "H", "kind": "hub", "country": "POL"},
                {"id": "S", "kind": "handover", "country": "UKR"},
            ],
            "offers": offers,
            "needs": needs,
            "legs": [
                {"from": "D", "to": "H", "mode": "road", "transit_days": 1,
                 "capacity_t_per_day": float(rng.choice([1.5, 2.5, 9.0])), "cost_per_t": 50.0},
                {"from": "H", "to": "S", "mode": "rail", "transit_days": 1,
                 "capacity_t_per_day": float(rng.choice([1.0, 2.0, 9.0])), "cost_per_t": 30.0},
            ],
            "hubs": [{"site": "H", "handling_capacity_t_per_day": float(rng.choice([1.5, 3.0])),
                      "closed_days": [int(rng.integers(1, 3))] if rng.random() < 0.3 else []}],
            "values": {"late_factor": 0.5, "substitute_factor": 0.8, "cost_weight": 0.002},
        }
    )  # fmt: skip


def brute_force(problem: Problem) -> float:
    """The best objective over every way to send every unit (or leave it), by enumeration."""
    T = problem.horizon_days
    weight = {t.id: t.unit_weight_t for t in problem.item_types}
    (leg_in,) = [leg for leg in problem.legs if leg.from_site == "D"]
    (leg_out,) = [leg for leg in problem.legs if leg.from_site == "H"]
    units = [o for o in problem.offers for _ in range(o.quantity)]
    options: list[list[Any]] = []
    for offer in units:
        choices: list[Any] = [None]
        for need in problem.needs:
            if offer.item_type not in need.acceptable_item_types:
                continue
            for t1 in range(max(0, offer.available_day), T):
                for t2 in range(t1 + leg_in.transit_days, T - leg_out.transit_days):
                    choices.append((need, t1, t2))
        options.append(choices)
    best = 0.0
    for combo in itertools.product(*options):
        leg_t: dict[tuple[str, int], float] = defaultdict(float)
        hub_t: dict[int, float] = defaultdict(float)
        got: dict[Any, int] = defaultdict(int)
        value = 0.0
        for offer, choice in zip(units, combo, strict=True):
            if choice is None:
                continue
            need, t1, t2 = choice
            w = weight[offer.item_type]
            leg_t["in", t1] += w
            leg_t["out", t2] += w
            hub_t[t1 + leg_in.transit_days] += w
            got[need.id] += 1
            value += problem.unit_value(need, offer.item_type, t2 + leg_out.transit_days)
            value -= problem.values.cost_weight * w * (leg_in.cost_per_t + leg_out.cost_per_t)
        if any(
            t > (leg_in if k == "in" else leg_out).capacity_t_per_day + 1e-9
            for (k, _d), t in leg_t.items()
        ):
            continue
        if any(t > problem.hub_capacity("H", d) + 1e-9 for d, t in hub_t.items()):
            continue
        if any(
            got[n.id] > n.quantity or (n.all_or_nothing and got[n.id] not in (0, n.quantity))
            for n in problem.needs
        ):
            continue
        best = max(best, value)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_plain_mip_equals_brute_force(seed: int) -> None:
    problem = micro(seed)
    result = plain.solve_plain_mip(problem, mip_rel_gap=0.0)
    assert result.optimal
    assert result.objective == pytest.approx(brute_force(problem), abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_plain_mip_is_at_least_greedy_on_tiny(seed: int) -> None:
    problem = generate("tiny", seed)
    result = plain.solve_plain_mip(problem, mip_rel_gap=0.0)
    assert result.optimal
    assert result.objective >= greedy(problem).objective - 1e-6
    relaxed = plain.solve_plain_mip(problem, relax=True)
    assert relaxed.objective >= result.objective - 1e-6
