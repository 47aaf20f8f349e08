"""Optimistic concurrency under real concurrency: two writers, real commits, one database.

These tests need committed data seen by two connections, so they use their own database (a file
for SQLite, a private schema for PostgreSQL: ``committed_url``) instead of the rolled-back test
transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from nsatu.db.models import Nation, OfferLine
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.errors import StaleVersion
from nsatu.offers import service as offer_service
from nsatu.offers.schemas import OfferCreate, OfferUpdate


@pytest.fixture
def committed_factory(committed_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(committed_url)
    yield make_session_factory(engine)
    engine.dispose()


def _seed(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as s:
        nation = Nation(code="DEU", name="Germany", is_donor=True)
        s.add(nation)
        s.flush()
        line = offer_service.create_offer(
            s,
            OfferCreate(
                donor_nation_id=nation.id,
                kind="in_kind_stock",
                description="Generators",
                quantity=Decimal(10),
            ),
        )
        return line.id


def test_two_updates_from_the_same_version_one_wins_one_gets_409(
    committed_factory: sessionmaker[Session],
) -> None:
    offer_id = _seed(committed_factory)
    barrier = threading.Barrier(2, timeout=20)
    outcomes: dict[int, str] = {}

    def writer(qty: int) -> None:
        try:
            with transaction(committed_factory) as s:
                offer_service.get_offer(s, offer_id)  # both read version 1 ...
                barrier.wait()  # ... before either writes
                offer_service.update_offer(
                    s, offer_id, OfferUpdate(version=1, quantity=Decimal(qty))
                )
            outcomes[qty] = "ok"
        except StaleVersion:
            outcomes[qty] = "409"

    threads = [threading.Thread(target=writer, args=(q,)) for q in (11, 12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["409", "ok"], outcomes
    winner = next(q for q, o in outcomes.items() if o == "ok")
    with committed_factory() as s:
        line = s.scalars(select(OfferLine).where(OfferLine.id == offer_id)).one()
        assert line.quantity == Decimal(winner)
        assert line.version == 2


def test_a_failed_commit_leaves_no_partial_state(committed_factory: sessionmaker[Session]) -> None:
    """Two writes in one unit of work; the commit fails; neither is stored."""
    offer_id = _seed(committed_factory)

    def boom(*_: object) -> None:
        raise RuntimeError("commit failed")

    def unit_of_work() -> None:
        with transaction(committed_factory) as s:
            offer_service.update_offer(s, offer_id, OfferUpdate(version=1, quantity=Decimal(99)))
            s.add(Nation(code="POL", name="Poland"))
            s.flush()
            event.listen(s, "before_commit", boom)

    with pytest.raises(RuntimeError, match="commit failed"):
        unit_of_work()
    with committed_factory() as s:
        assert s.get(OfferLine, offer_id).quantity == Decimal(10)  # type: ignore[union-attr]
        assert s.scalar(select(Nation).where(Nation.code == "POL")) is None
