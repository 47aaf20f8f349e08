"""The cyclic garbage collector is paused only while a large batch is ingested, and always
switched back on, whether the batch succeeds or fails."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from nsatu.core.access import Actor, Role
from nsatu.db.actor import set_actor
from nsatu.errors import PermissionDenied
from nsatu.logistics import ingest
from nsatu.logistics.generate import generate_batch, seed_consignments


@pytest.fixture
def collector() -> Iterator[None]:
    assert gc.isenabled()
    yield
    gc.enable()


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    seen: list[bool] = []
    inner = ingest._ingest

    def spy(*args: object, **kwargs: object) -> ingest.IngestResult:
        seen.append(gc.isenabled())
        return inner(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest, "_ingest", spy)
    return seen


def test_a_large_batch_runs_with_the_collector_paused(
    session: Session, monkeypatch: pytest.MonkeyPatch, collector: None
) -> None:
    routes = seed_consignments(session, 3, prefix="GCL")
    events = generate_batch(routes, total=6, seed=1).events
    seen = _spy(monkeypatch)
    monkeypatch.setattr(ingest, "GC_PAUSE_FROM", 5)
    assert ingest.ingest(session, events).applied == 6
    assert seen == [False] and gc.isenabled()
    monkeypatch.setattr(ingest, "GC_PAUSE_FROM", 7)
    ingest.ingest(session, events)
    assert seen == [False, True] and gc.isenabled()


def test_the_collector_is_back_on_after_a_refused_batch(
    session: Session, monkeypatch: pytest.MonkeyPatch, collector: None
) -> None:
    routes = seed_consignments(session, 2, prefix="GCR")
    events = generate_batch(routes, total=4, seed=2).events
    monkeypatch.setattr(ingest, "GC_PAUSE_FROM", 1)
    set_actor(session, Actor(role=Role.AUDITOR, username="auditor"))
    with pytest.raises(PermissionDenied):
        ingest.ingest(session, events)
    assert gc.isenabled()


def test_a_collector_switched_off_elsewhere_stays_off(
    session: Session, monkeypatch: pytest.MonkeyPatch, collector: None
) -> None:
    routes = seed_consignments(session, 2, prefix="GCO")
    events = generate_batch(routes, total=4, seed=3).events
    monkeypatch.setattr(ingest, "GC_PAUSE_FROM", 1)
    gc.disable()
    ingest.ingest(session, events)
    assert not gc.isenabled()
