"""The planner on synthetic congested instances: its gap and time, against greedy and a plain MIP.

For each size (``small``, ``medium``, ``large`` from :mod:`nsatu.core.planner.generate`, seed 0):

- ``planner_<size>_objective``, ``_gap``, ``_seconds``: :func:`nsatu.core.planner.solve.solve`
  with default options;
- ``planner_<size>_greedy_objective``, ``_greedy_seconds``: the priority-order greedy;
  ``planner_<size>_vs_greedy`` = planner objective / greedy objective − 1;
- ``planner_<size>_plain_mip_seconds``, ``_plain_mip_gap``, ``_plain_mip_objective``,
  ``_plain_mip_build_seconds``: the straightforward MIP of ``bench/_plain_mip.py`` on HiGHS defaults
  (build + solve), capped at :data:`PLAIN_MIP_LIMIT_S` (it does not finish even on small); when
  the cap is hit ``planner_<size>_plain_mip_capped`` is true and
  ``planner_<size>_vs_plain_mip_speedup`` (= plain MIP seconds / planner seconds) is a lower bound.

The keys are stored unprefixed (``FLAT_KEYS``). Choose sizes with ``--sizes small,medium`` when run
alone, or ``NSATU_BENCH_PLANNER_SIZES=small`` (also through ``make bench``); the default is all
three. ``NSATU_BENCH_PLAIN_MIP_LIMIT_S`` overrides the plain MIP's cap.

Run alone with ``.venv/bin/python bench/planner.py [--sizes small]``, or through ``make bench``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

from _harness import Figures
from _plain_mip import solve_plain_mip
from nsatu.core.planner.generate import generate
from nsatu.core.planner.greedy import greedy
from nsatu.core.planner.solve import solve

FLAT_KEYS = True
SIZES_ENV = "NSATU_BENCH_PLANNER_SIZES"
LIMIT_ENV = "NSATU_BENCH_PLAIN_MIP_LIMIT_S"
ALL_SIZES = ("small", "medium", "large")
# The plain MIP does not finish on small within 15 minutes (measured: incumbent 5 % of the
# optimum, gap 0.95, after 900 s), so every size is capped.
PLAIN_MIP_LIMIT_S: dict[str, float | None] = {"small": 900.0, "medium": 600.0, "large": 600.0}
SEED = 0


def sizes_from(text: str | None) -> tuple[str, ...]:
    if not text:
        return ALL_SIZES
    chosen = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in chosen if s not in ALL_SIZES]
    if unknown:
        raise SystemExit(f"unknown planner bench size(s) {unknown}; choose from {ALL_SIZES}")
    return chosen


def bench_size(size: str) -> Figures:
    k = f"planner_{size}"
    problem = generate(size, SEED)  # type: ignore[arg-type]
    out: Figures = {}

    t0 = time.perf_counter()
    base = greedy(problem)
    out[f"{k}_greedy_seconds"] = round(time.perf_counter() - t0, 3)
    out[f"{k}_greedy_objective"] = round(base.objective, 3)
    print(f"{size}: greedy {base.objective:,.1f} in {out[f'{k}_greedy_seconds']} s")

    planner_seconds: float | None = None
    try:
        t0 = time.perf_counter()
        plan = solve(problem)
        planner_seconds = time.perf_counter() - t0
    except NotImplementedError:
        print(f"{size}: solve() is not implemented yet; planner figures left out")
    else:
        out[f"{k}_objective"] = round(plan.objective, 3)
        out[f"{k}_gap"] = plan.gap
        out[f"{k}_seconds"] = round(planner_seconds, 3)
        out[f"{k}_vs_greedy"] = round(plan.objective / base.objective - 1.0, 4)
        print(
            f"{size}: planner {plan.objective:,.1f} gap {plan.gap:.2e} in {planner_seconds:.1f} s"
        )

    limit = PLAIN_MIP_LIMIT_S[size]
    if os.environ.get(LIMIT_ENV):
        limit = float(os.environ[LIMIT_ENV])
    mip = solve_plain_mip(problem, time_limit_s=limit)
    capped = not mip.optimal
    out[f"{k}_plain_mip_seconds"] = round(mip.seconds, 3)
    out[f"{k}_plain_mip_build_seconds"] = round(mip.build_seconds, 3)
    out[f"{k}_plain_mip_gap"] = mip.gap if mip.gap != float("inf") else "no solution"
    out[f"{k}_plain_mip_objective"] = (
        round(mip.objective, 3) if mip.objective == mip.objective else "no solution"
    )
    out[f"{k}_plain_mip_capped"] = capped
    out[f"{k}_plain_mip_status"] = mip.status
    print(
        f"{size}: plain MIP {mip.status} {mip.objective:,.1f} gap {mip.gap:.2e} in {mip.seconds:.1f} s"
        f" ({mip.columns:,} columns, {mip.rows:,} rows)"
    )
    if planner_seconds is not None:
        out[f"{k}_vs_plain_mip_speedup"] = round(mip.seconds / planner_seconds, 2)
    return out


def run(sizes: Sequence[str] | None = None) -> Figures:
    chosen = tuple(sizes) if sizes is not None else sizes_from(os.environ.get(SIZES_ENV))
    figures: Figures = {}
    for size in chosen:
        figures |= bench_size(size)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", help=f"comma-separated, from {','.join(ALL_SIZES)}")
    args = parser.parse_args(argv)
    figures = run(sizes_from(args.sizes or os.environ.get(SIZES_ENV)))
    width = max((len(key) for key in figures), default=0)
    for key in sorted(figures):
        print(f"{key:<{width}}  {figures[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
