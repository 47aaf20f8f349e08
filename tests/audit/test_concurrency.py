"""Concurrent writers, real commits: the chain neither forks nor gaps (both backends)."""

from __future__ import annotations

import threading

from sqlalchemy import select

from nsatu.audit import service as audit_service
from nsatu.core.access import Actor, Channel, Role
from nsatu.db.models import AuditEntry, Nation
from nsatu.db.scoping import set_actor
from nsatu.db.session import make_engine, make_session_factory, transaction

WRITERS = 6
ROUNDS = 5


def test_concurrent_writers_append_one_gapless_chain(committed_url: str) -> None:
    engine = make_engine(committed_url)
    factory = make_session_factory(engine)
    barrier = threading.Barrier(WRITERS, timeout=30)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        actor = Actor(role=Role.COORDINATOR, username=f"writer{n}", channel=Channel.API)
        try:
            barrier.wait()
            for r in range(ROUNDS):
                # Two flushes per unit of work: a create, then an update of the same row.
                with transaction(factory) as s:
                    set_actor(s, actor)
                    nation = Nation(code=f"Q{n}{r}", name=f"Writer {n} round {r}")
                    s.add(nation)
                    s.flush()
                    nation.is_donor = True
        except BaseException as exc:  # reported below, with the thread's name
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,), name=f"w{n}") for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)

    expected = WRITERS * ROUNDS * 2
    with transaction(factory) as s:
        seqs = list(s.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
        assert seqs == list(range(1, expected + 1))
        report = audit_service.verify_chain(s)
        assert report.ok, report.broken
        assert (report.entries, report.head_seq) == (expected, expected)
        # Each unit of work's two entries are adjacent: a writer holds the chain until it commits.
        users = list(s.scalars(select(AuditEntry.username).order_by(AuditEntry.seq)))
        assert all(users[i] == users[i + 1] for i in range(0, expected, 2))
    engine.dispose()
