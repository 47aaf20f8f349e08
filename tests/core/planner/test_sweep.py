"""Sweeps: the same ranking however they run (in process, process pool, Ray), and resuming."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from nsatu.core.planner import sweep as sweep_module
from nsatu.core.planner.generate import generate
from nsatu.core.planner.plan import Plan
from nsatu.core.planner.problem import Problem
from nsatu.core.planner.resolve import Replanner
from nsatu.core.planner.scenario import ScenarioError
from nsatu.core.planner.solve import solve
from nsatu.core.planner.sweep import SweepRow, donors_of, sweep_withdraw_each_donor


@pytest.fixture(scope="module")
def instance() -> tuple[Problem, Plan]:
    problem = generate("tiny", 1)
    return problem, solve(problem)


def _ranking(rows: list[SweepRow]) -> list[tuple[str, float, int, int]]:
    return [(r.donor, r.value_lost, r.units_lost, r.needs_losing_cover) for r in rows]


@pytest.fixture
def count_solves(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every solve the sweep makes in this process (``workers=1``): baseline and re-plans."""
    calls: list[str] = []
    real_solve, real_replan = sweep_module.solve, Replanner.solve

    def counting(problem: Problem, *args: Any, **kwargs: Any) -> Plan:
        calls.append("solve")
        return real_solve(problem, *args, **kwargs)

    def counting_replans(self: Replanner, problem: Problem, *args: Any, **kwargs: Any) -> Plan:
        calls.append("replan")
        return real_replan(self, problem, *args, **kwargs)

    monkeypatch.setattr(sweep_module, "solve", counting)
    monkeypatch.setattr(Replanner, "solve", counting_replans)
    return calls


def test_sequential_ranks_by_value_lost(instance: tuple[Problem, Plan]) -> None:
    problem, baseline = instance
    seen: list[tuple[int, int, str]] = []
    rows = sweep_withdraw_each_donor(
        problem, baseline, workers=1, progress=lambda d, t, r: seen.append((d, t, r.donor))
    )
    assert sorted(r.donor for r in rows) == donors_of(problem)
    values = [r.value_lost for r in rows]
    assert values == sorted(values, reverse=True) and values[0] > 0
    assert [(d, t) for d, t, _ in seen] == [(i, len(rows)) for i in range(1, len(rows) + 1)]
    top = rows[0]
    assert top.offers == sum(o.donor == top.donor for o in problem.offers)
    assert top.value_lost_pct == pytest.approx(
        100 * top.value_lost / baseline.stats["value"], abs=1e-3
    )


def test_pool_of_two_gives_the_sequential_ranking(instance: tuple[Problem, Plan]) -> None:
    problem, baseline = instance
    sequential = sweep_withdraw_each_donor(problem, baseline, workers=1)
    pooled = sweep_withdraw_each_donor(problem, baseline, workers=2)
    assert _ranking(pooled) == _ranking(sequential)


def test_resume_reuses_cached_rows(
    instance: tuple[Problem, Plan], tmp_path: Path, count_solves: list[str]
) -> None:
    problem, baseline = instance
    donors = donors_of(problem)
    first = sweep_withdraw_each_donor(problem, baseline, workers=1, cache_dir=tmp_path)
    assert len(count_solves) == len(donors)
    files = sorted((tmp_path / problem.digest()).glob("*.json"))
    assert len(files) == len(donors)
    stored = json.loads(files[0].read_text(encoding="utf-8"))
    assert stored["format"] == "nsatu-sweep-row/1"
    assert stored["scenario"]["changes"][0]["kind"] == "withdraw_donor"

    # A sweep stopped after all but two scenarios: the restart solves just those two.
    files[0].unlink()
    files[1].write_text("{ truncated", encoding="utf-8")
    count_solves.clear()
    again = sweep_withdraw_each_donor(problem, baseline, workers=1, cache_dir=tmp_path)
    assert len(count_solves) == 2
    assert sum(r.cached for r in again) == len(donors) - 2
    assert _ranking(again) == _ranking(first)

    count_solves.clear()
    third = sweep_withdraw_each_donor(problem, baseline, workers=1, cache_dir=tmp_path)
    assert count_solves == [] and all(r.cached for r in third)


def test_cache_is_keyed_by_the_problem(
    instance: tuple[Problem, Plan], tmp_path: Path, count_solves: list[str]
) -> None:
    problem, baseline = instance
    donor = donors_of(problem)[0]
    sweep_withdraw_each_donor(problem, baseline, workers=1, cache_dir=tmp_path, donors=[donor])
    other = replace(problem, horizon_days=problem.horizon_days + 1)
    count_solves.clear()
    sweep_withdraw_each_donor(other, baseline, workers=1, cache_dir=tmp_path, donors=[donor])
    assert len(count_solves) == 1  # a changed problem reuses nothing


def test_baseline_is_solved_when_not_given(
    instance: tuple[Problem, Plan], count_solves: list[str]
) -> None:
    problem, _ = instance
    rows = sweep_withdraw_each_donor(problem, workers=1, donors=donors_of(problem)[:1])
    assert len(rows) == 1 and count_solves == ["solve", "replan"]  # baseline, then scenario


def test_unknown_donor_is_an_error(instance: tuple[Problem, Plan]) -> None:
    problem, baseline = instance
    with pytest.raises(ScenarioError) as exc:
        sweep_withdraw_each_donor(problem, baseline, workers=1, donors=["ATLANTIS"])
    assert exc.value.errors == [("donors[0]", "no offer from donor 'ATLANTIS'")]


def test_scenario_errors_survive_pickling() -> None:
    import pickle

    error = ScenarioError([("changes[0].donor", "no offer from donor 'X'")])
    again = pickle.loads(pickle.dumps(error))
    assert again.errors == error.errors and str(again) == str(error)


def test_row_json_round_trip() -> None:
    row = SweepRow("POL", "k", 2, 10, 5.0, 1.5, 3, 1, 90.0, "optimal", 0.0, 0.2)
    assert SweepRow.from_json(row.to_json()) == row


# -- Ray (an optional extra) ------------------------------------------------------------------------

HAS_RAY = importlib.util.find_spec("ray") is not None


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


@pytest.mark.ray
@pytest.mark.skipif(not HAS_RAY, reason="the optional 'ray' extra is not installed")
def test_ray_gives_the_sequential_ranking(
    instance: tuple[Problem, Plan], local_ray: None, tmp_path: Path
) -> None:
    problem, baseline = instance
    sequential = sweep_withdraw_each_donor(problem, baseline, workers=1)
    on_ray = sweep_withdraw_each_donor(problem, baseline, ray_address="local", cache_dir=tmp_path)
    assert _ranking(on_ray) == _ranking(sequential)
    assert len(list((tmp_path / problem.digest()).glob("*.json"))) == len(sequential)
