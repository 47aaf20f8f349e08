"""The seat plan against the first-come-first-served baseline, measured in the same run.

For each instance (``demo``: the demo's training data, loaded into a fresh SQLite file and read by
:func:`nsatu.training.seat_plan.build_problem` as on the day of loading; ``1x``: a synthetic
instance of the demo's size, 20 courses, 100 events and 300 requests; ``10x``: ten times that; both
from :func:`nsatu.core.training_plan.generate.generate`, seed 0):

- ``<size>_seconds``, ``_objective``, ``_bound``, ``_gap``, ``_status``: the optimiser
  (:func:`nsatu.core.training_plan.solve.solve` with its default options: gap 1e-4, 120 s);
- ``<size>_greedy_objective``, ``_greedy_seconds``: the baseline;
  ``<size>_gain`` = objective / greedy objective − 1;
- ``<size>_assigned_requests``, ``_greedy_assigned_requests``, ``_requests``, ``_columns``,
  ``_rows``: what was planned and the model's size;
- ``<size>_checked``: the independent checker found nothing wrong with the plan.

Keys are stored as ``training_plan.<key>``. Choose instances with ``--sizes 1x`` when run alone,
or ``NSATU_BENCH_TRAINING_SIZES=1x`` (also through ``make bench BENCH=training_plan``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from _harness import Figures
from nsatu.core.training_plan.check import check_plan
from nsatu.core.training_plan.generate import generate
from nsatu.core.training_plan.greedy import greedy
from nsatu.core.training_plan.problem import SeatProblem
from nsatu.core.training_plan.solve import solve

SIZES_ENV = "NSATU_BENCH_TRAINING_SIZES"
ALL_SIZES = {"demo": 0, "1x": 1, "10x": 10}
SEED = 0


def sizes_from(text: str | None) -> tuple[str, ...]:
    if not text:
        return tuple(ALL_SIZES)
    chosen = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in chosen if s not in ALL_SIZES]
    if unknown:
        raise SystemExit(f"unknown training bench size(s) {unknown}; choose from {list(ALL_SIZES)}")
    return chosen


def demo_problem() -> SeatProblem:
    """The demo's seat problem: the demo loaded into a throwaway SQLite file, read as today."""
    from nsatu.db.migrate import upgrade
    from nsatu.db.session import make_engine, make_session_factory, transaction
    from nsatu.demo.execution import load_execution
    from nsatu.demo.service import load_demo
    from nsatu.demo.training import load_training
    from nsatu.training.seat_plan import build_problem

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        upgrade(url)
        engine = make_engine(url)
        today = dt.datetime.now(dt.UTC).date()
        try:
            t0 = time.perf_counter()
            with transaction(make_session_factory(engine)) as session:  # as `nsatu demo load`
                load_demo(session)
                load_execution(session, today=today)
                load_training(session, today=today)
            print(f"demo: loaded in {time.perf_counter() - t0:.1f} s")
            with transaction(make_session_factory(engine)) as session:
                return build_problem(session, today)
        finally:
            engine.dispose()


def bench_size(size: str) -> Figures:
    problem = demo_problem() if size == "demo" else generate(ALL_SIZES[size], SEED)
    if not problem.requests:
        print(f"{size}: no open seat requests; nothing to measure")
        return {f"{size}_requests": 0.0}
    t0 = time.perf_counter()
    base = greedy(problem, explained=False)
    greedy_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    plan = solve(problem, baseline=base)
    seconds = time.perf_counter() - t0
    gain = plan.objective / base.objective - 1.0 if base.objective else float("nan")
    print(
        f"{size}: greedy {base.objective:,.1f} in {greedy_seconds:.2f} s; optimiser "
        f"{plan.objective:,.1f} (bound {plan.bound:,.1f}, gap {plan.gap:.2e}, {plan.status}) in "
        f"{seconds:.1f} s; gain {gain:+.1%}"
    )
    return {
        f"{size}_requests": float(len(problem.requests)),
        f"{size}_events": float(len(problem.events)),
        f"{size}_columns": float(plan.stats["columns"]),
        f"{size}_rows": float(plan.stats["rows"]),
        f"{size}_seconds": round(seconds, 3),
        f"{size}_objective": round(plan.objective, 3),
        f"{size}_bound": round(plan.bound, 3),
        f"{size}_gap": plan.gap,
        f"{size}_status": plan.status,
        f"{size}_assigned_requests": float(len(plan.assignments)),
        f"{size}_greedy_seconds": round(greedy_seconds, 3),
        f"{size}_greedy_objective": round(base.objective, 3),
        f"{size}_greedy_assigned_requests": float(len(base.assignments)),
        f"{size}_gain": round(gain, 4),
        f"{size}_checked": check_plan(problem, plan) == [],
    }


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
