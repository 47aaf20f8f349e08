"""The published tracker data: importing Releases 7 and 29, and building the donors, monthly and
burden-sharing reports, on SQLite and PostgreSQL.

Target: each report renders in under 1 s on the demo data; building the ``Report`` (the queries and
the arithmetic) is the part measured here, against that 1 s. The imports are timed once on an empty
migrated database (the first import writes every row), then again with the same files (nothing
changes: the files are read, checked and hashed, and the release is left alone).

Run alone with ``.venv/bin/python bench/kiel_reports.py``, or through ``make bench``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from _harness import (
    Figures,
    Line,
    Timing,
    measure_interleaved,
    on_both_backends,
    print_table,
)
from nsatu.core.access import PUBLIC
from nsatu.db.migrate import upgrade
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.reporting import kiel_import, registry

REPORTS = ("donors", "monthly", "burden-sharing")
TARGET_MS = 1000.0
WARMUP = 3
REPEAT = 20


def _once(fn: Callable[[], object]) -> Timing:
    start = time.perf_counter()
    fn()
    return Timing(((time.perf_counter() - start) * 1000.0,))


def _backend(url: str, label: str) -> tuple[list[Line], Figures]:
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    lines: list[Line] = []
    figures: Figures = {}
    try:

        def imports() -> None:
            with transaction(factory) as session:
                kiel_import.import_r7(session)
                kiel_import.import_r29(session)

        first = _once(imports)
        again = _once(imports)
        lines += [Line(f"{label}: import R7 + R29 (empty database)", first),
                  Line(f"{label}: import R7 + R29 again (unchanged)", again)]  # fmt: skip
        figures[f"{label}.import_ms"] = round(first.median_ms, 1)
        figures[f"{label}.reimport_unchanged_ms"] = round(again.median_ms, 1)

        def build(name: str) -> Callable[[], object]:
            def run() -> object:
                with factory() as session:
                    return registry.get(name).build(session, PUBLIC, {})

            return run

        timings = measure_interleaved(
            {name: build(name) for name in REPORTS}, warmup=WARMUP, repeat=REPEAT
        )
        for name, timing in timings.items():
            lines.append(Line(f"{label}: build {name}", timing, target_ms=TARGET_MS))
            key = name.replace("-", "_")
            figures[f"{label}.{key}_median_ms"] = round(timing.median_ms, 2)
            figures[f"{label}.{key}_p95_ms"] = round(timing.p95_ms, 2)
    finally:
        engine.dispose()
    return lines, figures


def run() -> Figures:
    lines, figures = on_both_backends(_backend, "kiel")
    print_table("Published tracker data: imports and report builds", lines)
    return figures


if __name__ == "__main__":
    run()
