"""Run every benchmark in ``bench/`` and write ``bench/results.json``.

A benchmark is a module ``bench/<name>.py`` (not starting with ``_``) with a function
``run() -> dict[str, float | str | bool]``. Its keys are stored as ``<name>.<key>``, next to
``meta.*`` keys describing the run, unless the module declares ``FLAT_KEYS = True``: then its keys
are stored as they are (``bench/planner.py`` does, so that its figures keep the names the issue
gives them, e.g. ``planner_small_gap``); such a module must prefix its own keys so they stay unique. ``make bench`` calls this script; every key is documented in
``docs/performance.md``.

``python bench/run_all.py NAME …`` (or ``make bench BENCH="NAME …"``) runs only the named
benchmarks and merges their figures into the existing ``bench/results.json``, keeping the others.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

from sqlalchemy.engine import make_url

from _harness import Figures, postgres_url, postgres_version

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results.json"

Run = Callable[[], Figures]


def benchmarks() -> list[tuple[str, Run, bool]]:
    """``(name, run, flat_keys)`` for every benchmark module, in name order."""
    found: list[tuple[str, Run, bool]] = []
    for path in sorted(BENCH.glob("*.py")):
        name = path.stem
        if name.startswith("_") or name == "run_all":
            continue
        module = importlib.import_module(name)
        run = getattr(module, "run", None)
        if callable(run):
            found.append((name, cast(Run, run), getattr(module, "FLAT_KEYS", False) is True))
    return found


def metadata() -> Figures:
    pg = postgres_url()
    return {
        "meta.date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "meta.cpu_cores": float(os.cpu_count() or 0),
        "meta.machine": f"{platform.system()} {platform.machine()}",
        "meta.python": platform.python_version(),
        "meta.sqlite": sqlite3.sqlite_version,
        "meta.postgresql": postgres_version(pg) or "unreachable",
        "meta.postgresql_url": make_url(pg).render_as_string(hide_password=True),
    }


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    chosen = set(argv)
    available = benchmarks()
    unknown = chosen - {name for name, _, _ in available}
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    results: Figures = {}
    if chosen and RESULTS.exists():  # a partial run keeps the other benchmarks' figures
        results = json.loads(RESULTS.read_text(encoding="utf-8"))
    results |= metadata()
    # Figures are wall-clock times: other work on the machine inflates them, so record how busy
    # it was (1-minute load average; the machine has meta.cpu_cores cores).
    results["meta.load_average_start"] = round(os.getloadavg()[0], 2)
    for name, run, flat in available:
        if chosen and name not in chosen:
            continue
        print(f"=== {name}")
        t0 = time.perf_counter()
        prefix = "" if flat else f"{name}."
        results |= {f"{prefix}{key}": value for key, value in run().items()}
        results[f"meta.{name}_runtime_s"] = round(time.perf_counter() - t0, 1)
    results["meta.load_average_end"] = round(os.getloadavg()[0], 2)
    results["meta.runtime_s"] = round(time.perf_counter() - started, 1)
    results["meta.benchmarks_run"] = ",".join(sorted(chosen)) if chosen else "all"
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    print(f"\n=== summary ({RESULTS.relative_to(BENCH.parent)})")
    width = max(len(k) for k in results)
    for key in sorted(results):
        print(f"{key:<{width}}  {results[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
