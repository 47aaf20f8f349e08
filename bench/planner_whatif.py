"""What-if re-planning: warm re-plans and a 50-donor sweep, each against cold solves in the same run.

On the small generated instance (:func:`nsatu.core.planner.generate.generate` ``("small", 0)``):

- ``replan_small_offer_seconds``: re-plan after one offer changes (the offer the baseline ships
  most of loses half its quantity), warm: :class:`nsatu.core.planner.resolve.Replanner` holds the
  baseline's LP basis and plan (prepared once, ``replan_small_prepare_seconds``, as a planning
  cell's session keeps it) and re-plans the change as edits to them;
  ``replan_small_offer_cold_seconds``: the same changed problem solved cold;
  ``replan_small_offer_ratio`` = warm / cold.
- ``replan_small_hub_seconds``, ``_hub_cold_seconds``, ``_hub_ratio``: the same after one hub-day
  closes (the busiest hub, on the day it receives most).
- ``replan_small_seconds`` = the larger of the two warm re-plans; ``replan_small_cold_seconds``
  = the larger of the two cold solves; ``replan_small_ratio`` = their ratio.
  ``replan_small_objective_match``: every warm re-plan reached its cold solve's objective
  (within the gap).
- ``sweep50_small_seconds``: :func:`nsatu.core.planner.sweep.sweep_withdraw_each_donor` over 50
  single-donor withdrawals (every donor of the instance, topped up with repeats of the first ones
  when it has fewer; no cache) on the local process pool with 2 workers, each re-plan warm.
  ``sweep50_small_baseline_seconds``: 50 cold sequential solves of the same scenarios — the
  way a what-if was answered before. Cold solves of small take minutes, so the baseline is capped
  at ``NSATU_BENCH_SWEEP_BASELINE_N`` solves (default 10) and extrapolated linearly to 50
  (``sweep50_small_baseline_solves`` says how many were made, ``_baseline_extrapolated`` whether it
  was); ``sweep50_small_speedup`` = baseline / sweep.
  ``NSATU_BENCH_SWEEP_SCENARIOS`` lowers the 50 for a quick run (the key names keep ``50``;
  ``sweep50_small_scenarios`` records the real count).

Timings are wall-clock on a shared machine: the baseline and the measured figure come from the same
run, so their ratio is what to read. The keys are stored unprefixed (``FLAT_KEYS``).

Run alone with ``.venv/bin/python bench/planner_whatif.py``, or through ``make bench``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from _harness import Figures
from nsatu.core.planner.generate import generate
from nsatu.core.planner.plan import Plan
from nsatu.core.planner.problem import Problem
from nsatu.core.planner.resolve import Replanner
from nsatu.core.planner.scenario import apply, close_hub, scenario, withdraw_donor
from nsatu.core.planner.solve import solve
from nsatu.core.planner.sweep import donors_of, sweep_withdraw_each_donor

FLAT_KEYS = True
SEED = 0
SCENARIOS = 50
WORKERS = 2
BASELINE_ENV = "NSATU_BENCH_SWEEP_BASELINE_N"
SCENARIOS_ENV = "NSATU_BENCH_SWEEP_SCENARIOS"
DEFAULT_BASELINE_N = 10


def _timed(fn: Callable[[], Plan]) -> tuple[Plan, float]:
    t0 = time.perf_counter()
    plan = fn()
    return plan, time.perf_counter() - t0


def one_offer_changed(problem: Problem, baseline: Plan) -> Problem:
    """The offer the baseline ships most of keeps only half its quantity."""
    shipped: Counter[object] = Counter()
    for s in baseline.shipments:
        shipped[s.offer] += s.quantity
    target = max(problem.offers, key=lambda o: (shipped[o.id], str(o.id)))
    offers = tuple(
        replace(o, quantity=o.quantity // 2) if o.id == target.id else o for o in problem.offers
    )
    return replace(problem, offers=offers)


def one_hub_day_closed(problem: Problem, baseline: Plan) -> Problem:
    """The busiest hub is closed on the day it receives most (in the baseline plan)."""
    legs, offers = problem.leg_by_key, problem.offer_by_id
    weight = problem.item_type_by_id
    load: Counter[tuple[object, int]] = Counter()
    for s in baseline.shipments:
        offer = offers[s.offer]
        arrival = s.depart_day + legs[(offer.origin, s.hub, s.mode_in)].transit_days
        load[(s.hub, arrival)] += s.quantity * weight[offer.item_type].unit_weight_t
    (hub, day), _ = max(load.items(), key=lambda kv: (kv[1], str(kv[0])))
    return apply(problem, scenario("close", close_hub(hub, [day])))  # type: ignore[arg-type]


def bench_replan(problem: Problem, baseline: Plan) -> Figures:
    out: Figures = {}
    replanner = Replanner(problem, baseline)
    out["replan_small_prepare_seconds"] = round(replanner.prepare(), 3)
    matches = True
    warm_all: list[float] = []
    cold_all: list[float] = []
    for name, changed in (
        ("offer", one_offer_changed(problem, baseline)),
        ("hub", one_hub_day_closed(problem, baseline)),
    ):
        cold_plan, cold = _timed(lambda changed=changed: solve(changed))
        warm_plan, warm = _timed(lambda changed=changed: replanner.solve(changed))
        tolerance = 2e-3 * max(1.0, abs(cold_plan.objective))
        matches = matches and warm_plan.objective >= cold_plan.objective - tolerance
        out[f"replan_small_{name}_seconds"] = round(warm, 3)
        out[f"replan_small_{name}_cold_seconds"] = round(cold, 3)
        out[f"replan_small_{name}_ratio"] = round(warm / cold, 4)
        print(
            f"replan after one {name} change: warm {warm:.2f} s ({warm_plan.objective:,.1f}), "
            f"cold {cold:.2f} s ({cold_plan.objective:,.1f})",
            flush=True,
        )
        warm_all.append(warm)
        cold_all.append(cold)
    out["replan_small_seconds"] = round(max(warm_all), 3)
    out["replan_small_cold_seconds"] = round(max(cold_all), 3)
    out["replan_small_ratio"] = round(max(warm_all) / max(cold_all), 4)
    out["replan_small_objective_match"] = matches
    return out


def bench_sweep(problem: Problem, baseline: Plan) -> Figures:
    count = int(os.environ.get(SCENARIOS_ENV) or SCENARIOS)
    cap = int(os.environ.get(BASELINE_ENV) or DEFAULT_BASELINE_N)
    everyone = donors_of(problem)
    donors = [everyone[i % len(everyone)] for i in range(count)]
    # The pool ranks each donor once; repeats (when the instance has fewer than 50 donors) are
    # swept as a second pass so that 50 scenarios are solved.
    t0 = time.perf_counter()
    rows = []
    for start in range(0, count, len(everyone)):
        chunk = donors[start : start + len(everyone)]
        rows += sweep_withdraw_each_donor(
            problem, baseline, workers=WORKERS, donors=chunk, cache_dir=None
        )
    sweep_seconds = time.perf_counter() - t0
    print(f"sweep of {count} withdrawals on {WORKERS} workers: {sweep_seconds:.1f} s", flush=True)

    solves = min(cap, count)
    cold: list[float] = []
    for donor in donors[:solves]:
        changed = apply(problem, scenario("cold", withdraw_donor(donor)))
        _, seconds = _timed(lambda changed=changed: solve(changed))
        cold.append(seconds)
        print(f"  cold solve without {donor}: {seconds:.1f} s", flush=True)
    baseline_seconds = sum(cold) if solves == count else statistics.fmean(cold) * count
    return {
        "sweep50_small_seconds": round(sweep_seconds, 3),
        "sweep50_small_scenarios": float(count),
        "sweep50_small_workers": float(WORKERS),
        "sweep50_small_baseline_seconds": round(baseline_seconds, 3),
        "sweep50_small_baseline_solves": float(solves),
        "sweep50_small_baseline_extrapolated": solves < count,
        "sweep50_small_speedup": round(baseline_seconds / sweep_seconds, 2),
        "sweep50_small_rows": float(len(rows)),
    }


def run() -> Figures:
    problem = generate("small", SEED)
    t0 = time.perf_counter()
    baseline = solve(problem)
    print(f"small baseline: cold {time.perf_counter() - t0:.1f} s ({baseline.objective:,.1f})")
    figures: Figures = {"whatif_small_baseline_seconds": round(time.perf_counter() - t0, 3)}
    figures |= bench_replan(problem, baseline)
    figures |= bench_sweep(problem, baseline)
    return figures


def main() -> int:
    figures = run()
    width = max((len(key) for key in figures), default=0)
    for key in sorted(figures):
        print(f"{key:<{width}}  {figures[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
