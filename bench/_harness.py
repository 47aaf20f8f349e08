"""Shared bench helpers: timing, the result table, and a throwaway PostgreSQL schema.

Not a benchmark itself (``run_all`` skips modules whose name starts with ``_``).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from sqlalchemy.engine import make_url

PG_ENV = "NSATU_BENCH_DATABASE_URL"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

Figures = dict[str, float | str | bool]


@dataclass(frozen=True)
class Timing:
    """Wall-clock samples of one operation, in milliseconds."""

    samples_ms: tuple[float, ...]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95_ms(self) -> float:
        # Nearest-rank p95: with 30 samples this is the second-slowest one.
        ordered = sorted(self.samples_ms)
        rank = max(1, -(-95 * len(ordered) // 100))
        return ordered[rank - 1]


def measure_interleaved(
    calls: Mapping[str, Callable[[], object]], *, warmup: int = 5, repeat: int = 30
) -> dict[str, Timing]:
    """Time every call ``repeat`` times, round-robin, after ``warmup`` untimed rounds.

    Interleaving spreads background load (other processes on a 2-core machine) evenly over the
    figures, so a ratio compares samples taken under the same conditions.
    """
    for _ in range(warmup):
        for fn in calls.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeat):
        for name, fn in calls.items():
            start = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - start) * 1000.0)
    return {name: Timing(tuple(values)) for name, values in samples.items()}


@dataclass(frozen=True)
class Line:
    """One row of the printed table."""

    figure: str
    timing: Timing
    baseline: Timing | None = None
    target_ms: float | None = None

    @property
    def ratio(self) -> float | None:
        return None if self.baseline is None else self.timing.median_ms / self.baseline.median_ms

    @property
    def met(self) -> bool | None:
        return None if self.target_ms is None else self.timing.median_ms <= self.target_ms


def print_table(title: str, lines: list[Line]) -> None:
    head = f"{'figure':<46} {'median ms':>10} {'p95 ms':>9} {'vs raw SQL':>10} {'target':>8} {'met?':>5}"
    print(f"\n{title}\n{head}\n{'-' * len(head)}")
    for line in lines:
        ratio = "-" if line.ratio is None else f"{line.ratio:.2f}x"
        target = "-" if line.target_ms is None else f"<={line.target_ms:g}"
        met = "-" if line.met is None else ("yes" if line.met else "NO")
        print(
            f"{line.figure:<46} {line.timing.median_ms:>10.2f} {line.timing.p95_ms:>9.2f}"
            f" {ratio:>10} {target:>8} {met:>5}"
        )


def postgres_url() -> str:
    return os.environ.get(PG_ENV, PG_DEFAULT)


def _libpq_dsn(url: str) -> str:
    """The SQLAlchemy URL as a libpq connection string (for plain psycopg)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_unreachable(url: str) -> str | None:
    """``None`` when the server answers, otherwise why it does not (for the printed note)."""
    try:
        with psycopg.connect(_libpq_dsn(url), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def postgres_version(url: str) -> str | None:
    try:
        with psycopg.connect(_libpq_dsn(url), connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error:
        return None
    return None if row is None else str(row[0])


@contextmanager
def scratch_schema(url: str, name: str) -> Iterator[str]:
    """Create schema ``name``, yield ``url`` with ``search_path`` set to it alone, drop it after.

    Every table, index and the ``alembic_version`` row land in that schema, so the ``public``
    schema the test suite resets is never touched, and two bench runs never meet.
    """
    dsn = _libpq_dsn(url)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{name}"')
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={name}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def on_both_backends(
    backend: Callable[[str, str], tuple[list[Line], Figures]], name: str
) -> tuple[list[Line], Figures]:
    """Run ``backend(url, label)`` on a throwaway SQLite file, then on a scratch PostgreSQL
    schema ``nsatu_bench_<name>`` when the server answers (else say why it was skipped)."""
    import tempfile
    from pathlib import Path

    lines: list[Line] = []
    figures: Figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        got, fig = backend(f"sqlite:///{Path(tmp) / f'{name}.db'}", "sqlite")
        lines += got
        figures |= fig
    pg = postgres_url()
    why = postgres_unreachable(pg)
    if why is None:
        with scratch_schema(pg, f"nsatu_bench_{name}") as url:
            got, fig = backend(url, "postgresql")
            lines += got
            figures |= fig
    else:
        figures["postgresql.skipped"] = why
    return lines, figures
