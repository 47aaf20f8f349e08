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


def _service_call(factory: sessionmaker[Session], f: OfferFilter) -> Callable[[], list[int]]:
    def call() -> list[int]:
        with factory() as session:
            return [o.id for o in offer_service.list_offers(session, f).items]

    return call


def _raw_call(engine: Engine, case: Case) -> tuple[Callable[[], list[int]], Callable[[], None]]:
    raw = engine.raw_connection()
    count_sql, page_sql = case.sql(engine.dialect.paramstyle)

    def call() -> list[int]:
        cur = raw.cursor()
        cur.execute(count_sql, case.params)
        cur.fetchone()
        cur.execute(page_sql, case.params)
        ids = [row[0] for row in cur.fetchall()]
        cur.close()
        raw.rollback()
        return ids

    return call, raw.close


def _http_call(client: TestClient, path: str) -> Callable[[], list[int]]:
    def call() -> list[int]:
        response = client.get(path)
        response.raise_for_status()
        return [item["id"] for item in response.json()["items"]]

    return call


def measure_backend(backend: str, url: str) -> Figures:
    """Migrate ``url``, seed it, and time every case on it."""
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    started = time.perf_counter()
    seed(engine)
    if backend == "postgresql":
        # Autovacuum would gather statistics after a bulk load within a minute; do it now.
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    seeded_s = time.perf_counter() - started

    like = "LIKE" if backend == "sqlite" else "ILIKE"
    lines: list[Line] = []
    figures: Figures = {"rows": float(ROWS), "seed_s": round(seeded_s, 2)}
    baselines: dict[str, Timing] = {}
    for case in cases(like):
        raw_call, close = _raw_call(engine, case)
        service_call = _service_call(factory, case.filter)
        assert raw_call() == service_call(), f"{case.key}: raw SQL and service disagree"
        baseline = measure(raw_call, warmup=WARMUP, repeat=REPEAT)
        timing = measure(service_call, warmup=WARMUP, repeat=REPEAT)
        close()
        baselines[case.key] = baseline
        lines.append(Line(f"raw SQL: {case.label.split(': ', 1)[1]}", baseline))
        lines.append(Line(case.label, timing, baseline, TARGET_MS))
        figures |= _figures(case.key, timing, baseline)
        figures[f"raw_sql{case.key.removeprefix('service')}_median_ms"] = round(baseline.median_ms, 3)

    main = cases(like)[0]
    app = create_app(Settings(database_url=url), session_factory=factory)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    path = "/api/offers?donor=DEU&stage=committed&page=3&size=50&sort=-announced_on"
    with TestClient(app) as client:
        http_call = _http_call(client, path)
        assert http_call() == _service_call(factory, main.filter)(), "HTTP and service disagree"
        http = measure(http_call, warmup=WARMUP, repeat=REPEAT)
    lines.insert(2, Line("http: GET /api/offers donor=DEU stage=committed p3", http, baselines["service"], TARGET_MS))
    figures |= _figures("http", http, baselines["service"])
    figures["raw_sql_p95_ms"] = round(baselines["service"].p95_ms, 3)
    figures["target_ms"] = TARGET_MS
    figures["target_met"] = bool(
        figures["service_median_ms"] <= TARGET_MS and figures["http_median_ms"] <= TARGET_MS  # type: ignore[operator]
    )
    engine.dispose()
    print_table(f"list_offers on {backend}: {ROWS:,} offer lines, page of {PAGE_SIZE}, {REPEAT} runs", lines)
    return figures


def _figures(key: str, timing: Timing, baseline: Timing) -> Figures:
    return {
        f"{key}_median_ms": round(timing.median_ms, 3),
        f"{key}_p95_ms": round(timing.p95_ms, 3),
        f"{key}_ratio_vs_raw_sql": round(timing.median_ms / baseline.median_ms, 2),
    }


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
        print(f"\nlist_offers on postgresql: skipped, {pg} is unreachable ({reason})")
        results["postgresql.skipped"] = reason
        return results
    with scratch_schema(pg, f"bench_{os.getpid()}") as url:
        results |= {f"postgresql.{k}": v for k, v in measure_backend("postgresql", url).items()}
    return results


if __name__ == "__main__":
    run()
    sys.exit(0)
