"""The reports on the system's own pledges, ``pipeline`` and ``dependence``, and their exports, on
the demo data (real Kiel R7 pledge lines, synthetic needs, allocations and consignments), on SQLite
and PostgreSQL.

Target: each report renders in under 1 s on the demo data; building the ``Report`` (the scoped
queries, the delivery ledger and the counting) is measured against that 1 s, as a coordinator (every
line) and as the public (public lines only), and so are the CSV and XLSX exports of the built
report.

Run alone with ``.venv/bin/python bench/own_reports.py``, or through ``make bench``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from _harness import (
    Figures,
    Line,
    measure_interleaved,
    on_both_backends,
    print_table,
)
from nsatu.core.access import PUBLIC, Actor, system_actor
from nsatu.db.migrate import upgrade
from nsatu.db.scoping import set_actor
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.demo import execution as demo_execution
from nsatu.demo import service as demo_service
from nsatu.reporting import export, registry
from nsatu.reporting.table import Report

REPORTS = ("pipeline", "dependence")
TARGET_MS = 1000.0
WARMUP = 2
REPEAT = 10


def _backend(url: str, label: str) -> tuple[list[Line], Figures]:
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    lines: list[Line] = []
    figures: Figures = {}
    try:
        with transaction(factory) as session:
            demo_service.load_demo(session)
            demo_execution.load_execution(session, today=dt.datetime.now(dt.UTC).date())

        def build(name: str, actor: Actor) -> Callable[[], Report]:
            def run() -> Report:
                with factory() as session:
                    set_actor(session, actor)
                    return registry.get(name).build(session, actor, {})

            return run

        coordinator = system_actor("bench")
        calls: dict[str, Callable[[], object]] = {f"{name} as {who}": build(name, actor)
                 for name in REPORTS
                 for who, actor in (("coordinator", coordinator), ("public", PUBLIC))}  # fmt: skip
        built = build("pipeline", coordinator)()
        calls["pipeline CSV export"] = lambda: export.csv_bytes(built)
        calls["pipeline XLSX export"] = lambda: export.xlsx_bytes([built])
        timings = measure_interleaved(calls, warmup=WARMUP, repeat=REPEAT)
        for name, timing in timings.items():
            lines.append(Line(f"{label}: {name}", timing, target_ms=TARGET_MS))
            key = name.replace(" ", "_")
            figures[f"{label}.{key}_median_ms"] = round(timing.median_ms, 2)
            figures[f"{label}.{key}_p95_ms"] = round(timing.p95_ms, 2)
    finally:
        engine.dispose()
    return lines, figures


def run() -> Figures:
    lines, figures = on_both_backends(_backend, "own_reports")
    print_table("The system's own pledges: pipeline and dependence reports", lines)
    return figures


if __name__ == "__main__":
    run()
