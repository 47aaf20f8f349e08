"""``nsatu audit verify`` on committed databases: after any row of the audit table is edited,
deleted, inserted or moved directly in the database, it exits 1 and names the entry; on an untouched
database it exits 0. Both backends."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from nsatu.cli import app
from nsatu.core.access import Actor, Channel, Role
from nsatu.core.audit_chain import entry_hash
from nsatu.db.models import AuditEntry, Nation
from nsatu.db.scoping import set_actor
from nsatu.db.session import make_engine, make_session_factory, transaction
from tests.audit.conftest import tamper

runner = CliRunner()


def nsatu(url: str, *args: str) -> Result:
    return runner.invoke(app, ["--database-url", url, *args], env={"COLUMNS": "200"})


def write_some_history(url: str) -> dict[int, int]:
    """Five entries in three transactions by three actors; returns seq → id."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with transaction(factory) as s:
        set_actor(s, Actor(role=Role.COORDINATOR, username="alice", user_id=1))
        s.add_all(Nation(code=c, name=f"Nation {c}") for c in ("QAA", "QBB", "QCC"))
    with transaction(factory) as s:
        set_actor(s, Actor(role=Role.COORDINATOR, username="bob", user_id=2, channel=Channel.WEB))
        s.scalars(select(Nation).where(Nation.code == "QBB")).one().name = "Renamed"
    with transaction(factory) as s:
        s.delete(s.scalars(select(Nation).where(Nation.code == "QCC")).one())
    with factory() as s:
        ids = {e.seq: e.id for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))}
    engine.dispose()
    assert list(ids) == [1, 2, 3, 4, 5]
    return ids


def forged_row(url: str, seq: int, *, prev_seq: int, valid_hash: bool) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        prev = conn.execute(select(AuditEntry.hash).where(AuditEntry.seq == prev_seq)).scalar_one()
    engine.dispose()
    fields = {
        "seq": seq,
        "at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "user_id": None,
        "username": "mallory",
        "role": "coordinator",
        "channel": "cli",
        "entity": "nation",
        "entity_id": 1,
        "action": "delete",
        "before": None,
        "after": None,
    }
    digest = entry_hash(prev, fields) if valid_hash else "f" * 64
    tamper(
        url,
        "INSERT INTO audit_entry (seq, at, user_id, username, role, channel, entity, entity_id,"
        " action, before, after, prev_hash, hash) VALUES (:seq, :at, NULL, 'mallory',"
        " 'coordinator', 'cli', 'nation', 1, 'delete', NULL, NULL, :prev, :hash)",
        seq=seq,
        at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC).isoformat(),
        prev=prev,
        hash=digest,
    )


def swap(url: str, a: int, b: int) -> None:
    tamper(url, "UPDATE audit_entry SET seq = -1 WHERE seq = :a", a=a)
    tamper(url, "UPDATE audit_entry SET seq = :a WHERE seq = :b", a=a, b=b)
    tamper(url, "UPDATE audit_entry SET seq = :b WHERE seq = -1", b=b)


Tamper = Callable[[str], None]

#: name → (how the database is changed, seq named, whose id is named (seq before the change;
#: ``None`` for a missing entry), problem)
CASES: dict[str, tuple[Tamper, int, int | None, str]] = {
    "after edited": (
        lambda u: tamper(
            u, """UPDATE audit_entry SET after = '{"name": "Forged"}' WHERE seq = 4"""
        ),
        4,
        4,
        "hash_mismatch",
    ),
    "username edited": (
        lambda u: tamper(u, "UPDATE audit_entry SET username = 'mallory' WHERE seq = 2"),
        2,
        2,
        "hash_mismatch",
    ),
    "time edited": (
        lambda u: tamper(
            u,
            "UPDATE audit_entry SET at = :at WHERE seq = 1",
            at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC).isoformat(),
        ),
        1,
        1,
        "hash_mismatch",
    ),
    "hash rewritten": (
        lambda u: tamper(u, "UPDATE audit_entry SET hash = :h WHERE seq = 3", h="0" * 63 + "1"),
        3,
        3,
        "hash_mismatch",
    ),
    "middle row deleted": (
        lambda u: tamper(u, "DELETE FROM audit_entry WHERE seq = 3"),
        3,
        None,
        "seq_gap",
    ),
    "first row deleted": (
        lambda u: tamper(u, "DELETE FROM audit_entry WHERE seq = 1"),
        1,
        None,
        "seq_gap",
    ),
    "last row deleted": (
        lambda u: tamper(u, "DELETE FROM audit_entry WHERE seq = 5"),
        5,
        None,
        "seq_gap",
    ),
    "forged row appended": (
        lambda u: forged_row(u, 6, prev_seq=5, valid_hash=False),
        6,
        None,  # a new row: its id is checked separately
        "head_mismatch",
    ),
    "forged row with a correct hash appended": (
        lambda u: forged_row(u, 6, prev_seq=5, valid_hash=True),
        6,
        None,
        "head_mismatch",
    ),
    "two rows swapped": (lambda u: swap(u, 2, 3), 2, 3, "prev_hash_mismatch"),
    "head moved back": (
        lambda u: tamper(u, "UPDATE audit_head SET seq = 4"),
        5,
        5,
        "head_mismatch",
    ),
}


def test_an_untouched_database_verifies(committed_url: str) -> None:
    write_some_history(committed_url)
    result = nsatu(committed_url, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "Audit trail intact: 5 entries verified." in result.stdout
    as_json = nsatu(committed_url, "audit", "verify", "--json")
    assert as_json.exit_code == 0
    body = json.loads(as_json.stdout)
    assert body["ok"] is True and body["head_seq"] == 5 and body["broken"] is None


@pytest.mark.parametrize("case", list(CASES))
def test_tampering_makes_verify_fail_naming_the_entry(committed_url: str, case: str) -> None:
    ids = write_some_history(committed_url)
    change, seq, old_seq, problem = CASES[case]
    change(committed_url)

    result = nsatu(committed_url, "audit", "verify", "--json")
    assert result.exit_code == 1, result.output
    broken = json.loads(result.stdout)["broken"]
    assert (broken["seq"], broken["problem"]) == (seq, problem), broken
    if old_seq is not None:
        assert broken["entry_id"] == ids[old_seq]
    elif "appended" in case:
        assert broken["entry_id"] not in ids.values()
    else:
        assert broken["entry_id"] is None

    human = nsatu(committed_url, "audit", "verify")
    assert human.exit_code == 1
    assert f"Audit trail BROKEN at entry seq {seq}" in human.stderr
    assert problem in human.stderr


def test_a_recorded_anchor_catches_a_rewritten_chain(committed_url: str) -> None:
    write_some_history(committed_url)
    first = json.loads(nsatu(committed_url, "audit", "verify", "--json").stdout)
    anchor = f"{first['head_seq']}:{first['head_hash']}"
    assert nsatu(committed_url, "audit", "verify", "--anchor", anchor).exit_code == 0

    # Someone with SQL access rewrites entry 5 and recomputes its hash and the head: the chain
    # is consistent in itself, but no longer ends in the anchored hash.
    engine = make_engine(committed_url)
    with engine.connect() as conn:
        row = conn.execute(select(AuditEntry.__table__).where(AuditEntry.seq == 5)).mappings().one()
    engine.dispose()
    forged = dict(row) | {"username": "mallory"}
    digest = entry_hash(forged["prev_hash"], forged)
    tamper(
        committed_url,
        "UPDATE audit_entry SET username = 'mallory', hash = :h WHERE seq = 5",
        h=digest,
    )
    tamper(committed_url, "UPDATE audit_head SET hash = :h", h=digest)
    assert nsatu(committed_url, "audit", "verify").exit_code == 0
    result = nsatu(committed_url, "audit", "verify", "--anchor", anchor, "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["broken"]["problem"] == "anchor_mismatch"


def test_a_malformed_anchor_is_a_user_error(committed_url: str) -> None:
    result = nsatu(committed_url, "audit", "verify", "--anchor", "five:abc")
    assert result.exit_code == 2
    assert "--anchor" in result.stderr
