"""Tracking-event ingest: events per second through ``nsatu.logistics.ingest``, on SQLite and
PostgreSQL, against a plain bulk insert of the same rows into the same table in the same run.

Each run applies a fresh batch of ``EVENTS`` events (seeded generator, ``nsatu.logistics.generate``:
whole or partial journeys over ``CONSIGNMENTS`` ready consignments, with a few duplicates, late
events and impossible ones) and commits: the whole use case, reads, replay, bulk writes, the audit
entry and the commit. The baseline writes the very rows that ingest stores for another batch of the
same shape, already converted, with the driver alone and commits: ``executemany`` on SQLite;
``COPY … FROM STDIN`` on PostgreSQL (the faster of the two plain ways there; ``executemany`` is
reported too). Runs alternate ingest and baseline, each on consignments of its own.

Targets: ≥ 20,000 events/s on PostgreSQL, ≥ 5,000 on SQLite, and at least a third of the
baseline's rows/s on each. Keys are stored unprefixed (``FLAT_KEYS``).

Run alone with ``.venv/bin/python bench/ingest_events.py``, or through ``make bench``.
"""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, func, select
from sqlalchemy.orm import Session, sessionmaker

from _harness import Figures, postgres_unreachable, postgres_url, scratch_schema
from nsatu.db.bulk import _convert, _processors
from nsatu.db.migrate import upgrade
from nsatu.db.models import TrackingEvent
from nsatu.db.session import make_engine, make_session_factory
from nsatu.logistics import ingest
from nsatu.logistics.generate import generate_batch, seed_consignments

FLAT_KEYS = True
EVENTS = 50_000
CONSIGNMENTS = 12_000
DUPLICATES, OUT_OF_ORDER, IMPOSSIBLE = 100, 50, 20
REPEAT = 3
TARGET_EVENTS_PER_S = {"postgres": 20_000.0, "sqlite": 5_000.0}
TARGET_VS_RAW = 1 / 3
EVENT = cast(Table, TrackingEvent.__table__)


def _batch(factory: sessionmaker[Session], prefix: str, seed: int) -> list[ingest.EventIn]:
    with factory() as session:
        routes = seed_consignments(session, CONSIGNMENTS, prefix=prefix)
        session.commit()
    batch = generate_batch(
        routes,
        total=EVENTS,
        duplicates=DUPLICATES,
        out_of_order=OUT_OF_ORDER,
        impossible=IMPOSSIBLE,
        seed=seed,
    )
    return batch.events


def _time_ingest(factory: sessionmaker[Session], events: list[ingest.EventIn]) -> float:
    with factory() as session:
        start = time.perf_counter()
        result = ingest.ingest(session, events)
        session.commit()
        elapsed = time.perf_counter() - start
    assert result.applied == EVENTS - DUPLICATES - IMPOSSIBLE, result.counts()
    return elapsed


def _rows(
    engine: Engine, factory: sessionmaker[Session], events: list[ingest.EventIn]
) -> list[tuple[Any, ...]]:
    """The rows ingest would store for ``events``, converted as the driver takes them."""
    with factory() as session:
        codes = {e.site for e in events if e.site}
        site_ids, names = ingest._sites(session, codes)
        targets = ingest._targets(session, {e.consignment for e in events}, names)
        sorter = ingest._Sorter(targets, site_ids, "bench", "raw")
        for ev in sorted(events, key=lambda e: (e.occurred_at, e.event_id)):
            sorter.take(ev)
        with engine.connect() as conn:
            procs = _processors(conn, EVENT, ingest.ROW_COLUMNS)
        columns = [_convert([row[i] for row in sorter.rows], proc) for i, proc in enumerate(procs)]
    return list(zip(*columns, strict=True))


def _time_raw(engine: Engine, rows: list[tuple[Any, ...]], *, copy: bool) -> float:
    names = ", ".join(ingest.ROW_COLUMNS)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        start = time.perf_counter()
        if copy:
            with cur.copy(f"COPY tracking_event ({names}) FROM STDIN") as out:  # type: ignore[attr-defined]
                for row in rows:
                    out.write_row(row)
        else:
            marks = ", ".join(
                ["?" if engine.dialect.paramstyle == "qmark" else "%s"] * len(rows[0])
            )
            cur.executemany(f"INSERT INTO tracking_event ({names}) VALUES ({marks})", rows)
        raw.commit()
        elapsed = time.perf_counter() - start
        cur.close()
    finally:
        raw.close()
    return elapsed


def measure(backend: str, url: str) -> Figures:
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    ingest_s: list[float] = []
    raw_s: list[float] = []
    many_s: list[float] = []
    run = 0

    def fresh() -> list[ingest.EventIn]:
        nonlocal run
        run += 1
        return _batch(factory, f"R{run:02d}", seed=run)

    for _ in range(REPEAT):
        ingest_s.append(_time_ingest(factory, fresh()))
        rows = _rows(engine, factory, fresh())
        raw_s.append(_time_raw(engine, rows, copy=backend == "postgres"))
        if backend == "postgres":
            many_s.append(_time_raw(engine, _rows(engine, factory, fresh()), copy=False))
    with factory() as session:
        stored = session.scalar(select(func.count()).select_from(TrackingEvent))
    engine.dispose()
    applied = EVENTS - DUPLICATES - IMPOSSIBLE
    rate = EVENTS / statistics.median(ingest_s)
    raw_rate = applied / statistics.median(raw_s)
    figures: Figures = {
        f"ingest_{backend}_events_per_s": round(rate),
        f"ingest_{backend}_raw_rows_per_s": round(raw_rate),
        f"ingest_{backend}_vs_raw": round(rate / raw_rate, 3),
        f"ingest_{backend}_runs_s": ", ".join(f"{x:.3f}" for x in ingest_s),
        f"ingest_{backend}_target_met": rate >= TARGET_EVENTS_PER_S[backend]
        and rate / raw_rate >= TARGET_VS_RAW,
    }
    if many_s:
        figures[f"ingest_{backend}_raw_executemany_rows_per_s"] = round(
            applied / statistics.median(many_s)
        )
    print(f"\ningest on {backend}: {EVENTS:,} events a run ({applied:,} applied), {REPEAT} runs")
    print(
        f"  ingest (service, commit included): {rate:,.0f} events/s  runs {figures[f'ingest_{backend}_runs_s']} s"
    )
    baseline = "COPY" if backend == "postgres" else "executemany"
    print(f"  plain {baseline} of the same rows:   {raw_rate:,.0f} rows/s")
    if many_s:
        print(
            f"  plain executemany of the same rows: {figures[f'ingest_{backend}_raw_executemany_rows_per_s']:,} rows/s"
        )
    print(
        f"  ingest / plain {baseline}: {rate / raw_rate:.2f} (target >= {TARGET_VS_RAW:.2f});"
        f" target {TARGET_EVENTS_PER_S[backend]:,.0f} events/s"
    )
    print(f"  rows stored: {stored:,}")
    return figures


def run() -> Figures:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    results: Figures = {}
    with tempfile.TemporaryDirectory(prefix="nsatu-bench-") as tmp:
        results |= measure("sqlite", f"sqlite:///{Path(tmp) / 'ingest.db'}")
    pg = postgres_url()
    reason = postgres_unreachable(pg)
    if reason is not None:
        print(f"\ningest on postgresql: SKIPPED, {pg} is unreachable: {reason}")
        results["ingest_postgres_skipped"] = reason
        return results
    with scratch_schema(pg, f"bench_ingest_{os.getpid()}") as url:
        results |= measure("postgres", url)
    return results


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
