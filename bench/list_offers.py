"""Listing offers: a filtered page of 50 over 100,000 offer lines, on SQLite and PostgreSQL.

Target (issue): the median of ``list_offers`` with a filter and a page of 50 is at most 50 ms on
both backends. Every figure is printed next to the same page fetched by hand-written SQL through
the raw DB-API connection, measured in the same run, so the ratio is the cost of our layers (ORM,
eager loading, the shared ``paginate``; for HTTP also FastAPI, validation and JSON).

Run alone with ``.venv/bin/python bench/list_offers.py``, or through ``make bench``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from _harness import (
    Figures,
    Line,
    Timing,
    measure,
    postgres_unreachable,
    postgres_url,
    print_table,
    scratch_schema,
)
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.enums import OfferChannel, OfferKind, Releasability
from nsatu.core.lifecycles import OfferStage
from nsatu.db.migrate import upgrade
from nsatu.db.models import Nation, OfferLine
from nsatu.db.session import make_engine, make_session_factory
from nsatu.offers import service as offer_service
from nsatu.offers.schemas import OfferFilter
from nsatu.settings import Settings
from nsatu.web.app import create_app

ROWS = 100_000
PAGE_SIZE = 50
TARGET_MS = 50.0
SEED = 20220224
WARMUP = 5
REPEAT = 30

# 40 donors. Weights fall off with rank (a few large donors, a long tail), so DEU, second, holds
# about 8 % of the lines and DEU + committed about 2,000 of them.
DONORS: tuple[tuple[str, str], ...] = (
    ("USA", "United States"), ("DEU", "Germany"), ("GBR", "United Kingdom"), ("POL", "Poland"),
    ("FRA", "France"), ("NLD", "Netherlands"), ("CAN", "Canada"), ("DNK", "Denmark"),
    ("SWE", "Sweden"), ("NOR", "Norway"), ("ITA", "Italy"), ("FIN", "Finland"),
    ("ESP", "Spain"), ("BEL", "Belgium"), ("CZE", "Czechia"), ("LTU", "Lithuania"),
    ("EST", "Estonia"), ("LVA", "Latvia"), ("AUS", "Australia"), ("JPN", "Japan"),
    ("PRT", "Portugal"), ("ROU", "Romania"), ("SVK", "Slovakia"), ("AUT", "Austria"),
    ("CHE", "Switzerland"), ("IRL", "Ireland"), ("GRC", "Greece"), ("HRV", "Croatia"),
    ("SVN", "Slovenia"), ("BGR", "Bulgaria"), ("LUX", "Luxembourg"), ("ISL", "Iceland"),
    ("NZL", "New Zealand"), ("KOR", "Republic of Korea"), ("TUR", "Türkiye"),
    ("MKD", "North Macedonia"), ("MNE", "Montenegro"), ("ALB", "Albania"), ("MLT", "Malta"),
    ("CYP", "Cyprus"),
)  # fmt: skip
STAGES = {
    OfferStage.ANNOUNCED: 20, OfferStage.COMMITTED: 25, OfferStage.ALLOCATED: 10,
    OfferStage.CONTRACTED: 15, OfferStage.SHIPPED: 10, OfferStage.DELIVERED: 15,
    OfferStage.WITHDRAWN: 5,
}  # fmt: skip
KINDS = {
    OfferKind.IN_KIND_STOCK: 45, OfferKind.NEW_PROCUREMENT: 25, OfferKind.CASH_POOLED: 10,
    OfferKind.TRAINING: 10, OfferKind.SERVICE: 10,
}  # fmt: skip
ITEMS = (
    "155 mm artillery rounds", "Leopard 2A4 main battle tanks", "IRIS-T SLM air defence system",
    "Patriot interceptors", "demining kits", "winter clothing", "diesel generators",
    "field hospital", "reconnaissance drones", "counter-battery radar", "armoured ambulances",
    "small arms ammunition", "anti-tank guided missiles", "body armour", "night vision devices",
    "4x4 utility trucks", "bridging equipment", "coastal defence missiles", "howitzer spare parts",
    "secure radios",
)  # fmt: skip
FIRST_DAY = dt.date(2022, 2, 24)
DAYS = (dt.date(2025, 12, 31) - FIRST_DAY).days


# --- data -----------------------------------------------------------------------------------


DONOR_WEIGHTS = [1 / rank**0.8 for rank in range(1, len(DONORS) + 1)]


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _offer_row(rng: random.Random, i: int, donor_ids: Sequence[int], now: dt.datetime) -> dict[str, Any]:
    donor = rng.choices(donor_ids, weights=DONOR_WEIGHTS)[0]
    kind = _pick(rng, KINDS)
    cash = kind == OfferKind.CASH_POOLED
    announced = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
    return {
        "reference": f"BENCH-{i:06d}",
        "donor_nation_id": donor,
        "channel": OfferChannel.POOLED_FUND if cash else OfferChannel.BILATERAL,
        "kind": kind,
        "description": f"{rng.choice(ITEMS)}, tranche {rng.randint(1, 40)}",
        "quantity": None if cash else Decimal(rng.randint(1, 5000)),
        "announced_on": announced,
        "currency": "EUR" if cash else None,
        "value_amount": Decimal(rng.randint(1, 500)) * 100_000 if cash else None,
        "eur_rate": Decimal(1) if cash else None,
        "stage": _pick(rng, STAGES),
        "releasability": Releasability.COALITION,
        "source": "bench",
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def seed(engine: Engine, *, rows: int = ROWS, batch: int = 10_000) -> None:
    """40 donor nations and ``rows`` offer lines, the same on every run (fixed seed).

    A Core ``executemany`` (not the ORM's bulk insert, twice as slow here) still runs every value
    through the column types, so the rows are stored exactly as the application stores them.
    """
    rng = random.Random(SEED)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(Nation),
            [
                {"code": c, "name": n, "is_donor": True, "version": 1, "created_at": now, "updated_at": now}
                for c, n in DONORS
            ],
        )
        ids = dict(conn.execute(select(Nation.code, Nation.id)).tuples().all())
        donor_ids = [ids[c] for c, _ in DONORS]
        for start in range(0, rows, batch):
            chunk = [_offer_row(rng, i, donor_ids, now) for i in range(start, min(rows, start + batch))]
            conn.execute(insert(OfferLine.__table__), chunk)


# --- the cases ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One listing, as the service sees it and as hand-written SQL."""

    key: str
    label: str
    filter: OfferFilter
    join_for_count: bool
    where: str  # over ``o`` (offer_line) and ``n`` (nation); ``{p}`` is the driver's placeholder
    params: tuple[Any, ...]

    def sql(self, paramstyle: str) -> tuple[str, str]:
        p = "?" if paramstyle == "qmark" else "%s"
        where = self.where.replace("{p}", p)
        offset = (self.filter.page - 1) * self.filter.size
        page = (
            "SELECT o.*, n.code, n.name FROM offer_line o JOIN nation n ON n.id = o.donor_nation_id"
            f" WHERE {where} ORDER BY o.announced_on DESC, o.id LIMIT {self.filter.size} OFFSET {offset}"
        )
        join = " JOIN nation n ON n.id = o.donor_nation_id" if self.join_for_count else ""
        count = f"SELECT count(*) FROM offer_line o{join} WHERE {where}"
        return count, page


def cases(like: str) -> list[Case]:
    """``like`` is the case-insensitive LIKE of the backend (SQLite's LIKE already is)."""
    return [
        Case(
            "service",
            "service: donor=DEU stage=committed p3",
            OfferFilter(donor="DEU", stage=OfferStage.COMMITTED, page=3, size=PAGE_SIZE, sort="-announced_on"),
            True,
            "n.code = {p} AND o.stage = {p}",
            ("DEU", "committed"),
        ),
        Case(
            "service_q",
            "service: stage=committed q=radar p1",
            OfferFilter(stage=OfferStage.COMMITTED, q="radar", page=1, size=PAGE_SIZE, sort="-announced_on"),
            False,
            f"(o.description {like} {{p}} OR o.reference {like} {{p}}) AND o.stage = {{p}}",
            ("%radar%", "%radar%", "committed"),
        ),
        Case(
            "service_deep",
            "service: no filter, deep page 500",
            OfferFilter(page=500, size=PAGE_SIZE, sort="-announced_on"),
            False,
            "1 = 1",
            (),
        ),
    ]


# --- measuring ------------------------------------------------------------------------------

HTTP_PATH = "/api/offers?donor=DEU&stage=committed&page=3&size=50&sort=-announced_on"


def _service_call(factory: sessionmaker[Session], f: OfferFilter) -> Callable[[], list[int]]:
    """One use case as a request runs it: a fresh session, the service call, close."""

    def call() -> list[int]:
        with factory() as session:
            return [o.id for o in offer_service.list_offers(session, f).items]

    return call


def _raw_call(raw: PoolProxiedConnection, paramstyle: str, case: Case) -> Callable[[], list[int]]:
    """The baseline: the count and the page as two hand-written statements on the DB-API."""
    count_sql, page_sql = case.sql(paramstyle)

    def call() -> list[int]:
        cur = raw.cursor()
        cur.execute(count_sql, case.params)
        cur.fetchone()
        cur.execute(page_sql, case.params)
        ids = [row[0] for row in cur.fetchall()]
        cur.close()
        raw.rollback()
        return ids

    return call


def _http_call(client: TestClient) -> Callable[[], list[int]]:
    def call() -> list[int]:
        response = client.get(HTTP_PATH)
        response.raise_for_status()
        return [item["id"] for item in response.json()["items"]]

    return call


def prepare(backend: str, url: str) -> tuple[Engine, float]:
    """Migrate ``url`` and seed it; returns the engine and the seconds it took."""
    started = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    seed(engine)
    if backend == "postgresql":
        # Autovacuum gathers statistics within a minute of a bulk load; do it now, as it would.
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return engine, time.perf_counter() - started


def measure_backend(backend: str, url: str) -> Figures:
    """Migrate ``url``, seed it, and time every case on it, interleaved."""
    engine, seeded_s = prepare(backend, url)
    factory = make_session_factory(engine)
    all_cases = cases("LIKE" if backend == "sqlite" else "ILIKE")
    raw = engine.raw_connection()
    app = create_app(Settings(database_url=url), session_factory=factory)
    for name in ("httpx", "httpx2"):  # create_app sets INFO logging; one line per request is noise
        logging.getLogger(name).setLevel(logging.WARNING)
    with TestClient(app) as client:
        calls: dict[str, Callable[[], list[int]]] = {}
        for case in all_cases:
            calls[f"raw_sql{case.suffix}"] = _raw_call(raw, engine.dialect.paramstyle, case)
            calls[f"service{case.suffix}"] = _service_call(factory, case.filter)
        calls["http"] = _http_call(client)
        _check_same_pages(calls)
        timings = measure_interleaved(calls, warmup=WARMUP, repeat=REPEAT)
    raw.close()
    engine.dispose()

    lines = [
        Line("raw SQL: donor=DEU stage=committed p3", timings["raw_sql"]),
        Line("service: donor=DEU stage=committed p3", timings["service"], timings["raw_sql"], TARGET_MS),
        Line("http: GET /api/offers (same filter)", timings["http"], timings["raw_sql"], TARGET_MS),
    ]
    for case in all_cases[1:]:
        baseline = timings[f"raw_sql{case.suffix}"]
        lines.append(Line(f"raw SQL: {case.label}", baseline))
        lines.append(Line(f"service: {case.label}", timings[f"service{case.suffix}"], baseline, TARGET_MS))
    print_table(
        f"list_offers on {backend}: {ROWS:,} offer lines, pages of {PAGE_SIZE}, "
        f"median of {REPEAT} interleaved runs",
        lines,
    )
    return _figures(timings, seeded_s)


def _check_same_pages(calls: dict[str, Callable[[], list[int]]]) -> None:
    """Each baseline must return the very page its service call returns, or the ratio lies."""
    for name in calls:
        if name.startswith("raw_sql"):
            suffix = name.removeprefix("raw_sql")
            ids = calls[name]()
            assert len(ids) == PAGE_SIZE, f"{name}: {len(ids)} rows, not a full page"
            assert ids == calls[f"service{suffix}"](), f"{name}: raw SQL and service disagree"
    assert calls["http"]() == calls["service"](), "HTTP and service disagree"


def _figures(timings: dict[str, Timing], seeded_s: float) -> Figures:
    figures: Figures = {"rows": ROWS, "seed_s": round(seeded_s, 1), "target_ms": TARGET_MS}
    for name, timing in timings.items():
        figures[f"{name}_median_ms"] = round(timing.median_ms, 2)
        figures[f"{name}_p95_ms"] = round(timing.p95_ms, 2)
    raw = timings["raw_sql"].median_ms
    figures["ratio_vs_raw_sql"] = round(timings["service"].median_ms / raw, 2)
    figures["http_ratio_vs_raw_sql"] = round(timings["http"].median_ms / raw, 2)
    for suffix in ("_q", "_deep"):
        ratio = timings[f"service{suffix}"].median_ms / timings[f"raw_sql{suffix}"].median_ms
        figures[f"service{suffix}_ratio_vs_raw_sql"] = round(ratio, 2)
    figures["target_met"] = max(timings["service"].median_ms, timings["http"].median_ms) <= TARGET_MS
    return figures


def run() -> Figures:
    """Both backends; keys are ``<backend>.<figure>`` (``run_all`` prefixes ``list_offers.``)."""
    logging.getLogger("alembic").setLevel(logging.WARNING)
    results: Figures = {}
    with tempfile.TemporaryDirectory(prefix="nsatu-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        results |= {f"sqlite.{k}": v for k, v in measure_backend("sqlite", url).items()}

    pg = postgres_url()
    reason = postgres_unreachable(pg)
    if reason is not None:
        print(f"\nlist_offers on postgresql: SKIPPED, {pg} is unreachable: {reason}")
        results["postgresql.skipped"] = reason
        return results
    with scratch_schema(pg, f"bench_{os.getpid()}") as url:
        results |= {f"postgresql.{k}": v for k, v in measure_backend("postgresql", url).items()}
    return results


if __name__ == "__main__":
    run()
