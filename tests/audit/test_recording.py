"""Every write through a session appends an audit entry in the same transaction: who, when, from
where, what, and the values before and after."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from nsatu.audit import service as audit_service
from nsatu.core.access import Actor, Channel, Role
from nsatu.core.audit_chain import GENESIS
from nsatu.core.enums import Releasability
from nsatu.db import auditing
from nsatu.db.auditing import REDACTED, AppendOnlyViolation
from nsatu.db.models import ApiToken, AuditEntry, Nation, User, WebSession
from nsatu.db.scoping import set_actor
from nsatu.db.session import transaction
from nsatu.needs import service as need_service
from tests.audit.conftest import log
from tests.factories import make_nation, make_offer, make_requirement

ALICE = Actor(role=Role.COORDINATOR, username="alice", user_id=7, channel=Channel.WEB)


def test_create_update_delete_record_who_when_where_and_the_values(session: Session) -> None:
    set_actor(session, ALICE)
    started = dt.datetime.now(dt.UTC)
    nation = make_nation(session, code="QQA", name="Before")
    nation.name = "After"
    session.flush()
    session.delete(nation)
    session.flush()

    created, updated, deleted = log(session, entity="nation")
    for e in (created, updated, deleted):
        assert (e.username, e.user_id, e.role, e.channel) == ("alice", 7, "coordinator", "web")
        assert e.entity_id == nation.id
        assert started <= e.at <= dt.datetime.now(dt.UTC)
    assert [e.action for e in (created, updated, deleted)] == ["create", "update", "delete"]
    # A create carries every column, an update only the changed ones, a delete every column.
    columns = {c.key for c in Nation.__table__.columns}
    assert created.before is None and set(created.after or {}) == columns
    assert created.after is not None and created.after["name"] == "Before"
    assert updated.before == {
        "name": "Before",
        "version": 1,
        "updated_at": updated.before["updated_at"],
    }  # type: ignore[index]
    assert updated.after is not None
    assert (updated.after["name"], updated.after["version"]) == ("After", 2)
    assert deleted.after is None and set(deleted.before or {}) == columns
    assert deleted.before is not None and deleted.before["name"] == "After"


def test_in_process_code_without_an_actor_is_recorded_as_system(session: Session) -> None:
    make_nation(session)
    (entry,) = log(session)
    assert (entry.username, entry.role, entry.channel, entry.user_id) == (
        "system",
        "system",
        "system",
        None,
    )


def test_a_lifecycle_move_is_a_transition_named_after_its_action(session: Session) -> None:
    need = make_requirement(session)
    set_actor(session, ALICE)
    need_service.act_on_requirement(session, need.id, "submit")
    need_service.act_on_requirement(session, need.id, "return")
    submit, back = log(session, entity="requirement", username="alice")
    assert submit.action == "transition:submit"
    assert submit.before is not None and submit.after is not None
    assert (submit.before["status"], submit.after["status"]) == ("draft", "submitted")
    assert back.action == "transition:return"
    # A status written directly, by no action of the lifecycle, is still recorded as a move.
    need.status = "covered"  # type: ignore[assignment]
    session.flush()
    assert log(session, entity="requirement")[-1].action == "transition"


def test_offer_stage_moves_are_transitions_too(session: Session) -> None:
    offer = make_offer(session)
    offer.stage = "committed"  # type: ignore[assignment]
    session.flush()
    entry = log(session, entity="offer_line")[-1]
    assert entry.action == "transition:commit"
    assert entry.before is not None and entry.before["stage"] == "announced"


def test_values_are_stored_as_json_text_that_round_trips(session: Session) -> None:
    offer = make_offer(session, quantity=Decimal("12.500"), announced_on=dt.date(2024, 3, 1))
    entry = log(session, entity="offer_line")[0]
    assert entry.after is not None
    assert entry.after["quantity"] == "12.500"
    assert entry.after["announced_on"] == "2024-03-01"
    assert entry.after["releasability"] == str(offer.releasability)
    assert entry.after["created_at"] == offer.created_at.isoformat()


def test_setting_a_value_to_what_it_was_records_nothing(session: Session) -> None:
    nation = make_nation(session, name="Same")
    nation.name = "Same"
    session.flush()
    assert [e.action for e in log(session)] == ["create"]


def test_secrets_are_never_copied_into_the_log(session: Session) -> None:
    user = User(
        username="bob", display_name="Bob", role=Role.AUDITOR, password_hash="argon2-secret"
    )
    session.add(user)
    session.flush()
    token = ApiToken(user_id=user.id, name="ci", prefix="nsa_x", token_hash="t" * 64)
    web = WebSession(
        session_hash="s" * 64,
        user_id=user.id,
        csrf_token="c" * 64,
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
    )
    session.add_all([token, web])
    session.flush()
    user.password_hash = "argon2-new-secret"
    session.flush()

    created_user = log(session, entity="app_user")[0]
    assert created_user.after is not None and created_user.after["password_hash"] == REDACTED
    changed = log(session, entity="app_user")[-1]
    assert changed.before is not None and changed.after is not None
    assert changed.before["password_hash"] == changed.after["password_hash"] == REDACTED
    (created_token,) = log(session, entity="api_token")
    assert created_token.after is not None and created_token.after["token_hash"] == REDACTED
    # Web sessions are not recorded at all.
    assert log(session, entity="web_session") == []
    texts = " ".join(str((e.before, e.after)) for e in log(session))
    for secret in ("argon2-secret", "argon2-new-secret", "t" * 64, "s" * 64, "c" * 64):
        assert secret not in texts


def test_a_tokens_last_used_bump_is_not_a_change(session: Session) -> None:
    user = User(username="carol", display_name="Carol", role=Role.AUDITOR)
    session.add(user)
    session.flush()
    token = ApiToken(user_id=user.id, name="ci", prefix="nsa_y", token_hash="u" * 64)
    session.add(token)
    session.flush()
    before = len(log(session))
    token.last_used_at = dt.datetime.now(dt.UTC)
    session.flush()
    assert len(log(session)) == before
    token.revoked_at = dt.datetime.now(dt.UTC)
    session.flush()
    entry = log(session)[-1]
    assert entry.action == "update" and entry.after is not None
    assert set(entry.after) == {"revoked_at"}


def test_bulk_statements_are_recorded_row_by_row_or_as_a_count(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_actor(session, ALICE)
    other = make_nation(session)
    session.execute(insert(Nation), [{"code": "QQB", "name": "B"}, {"code": "QQC", "name": "C"}])
    b, c = (
        session.scalars(select(Nation.id).where(Nation.code == x)).one() for x in ("QQB", "QQC")
    )
    session.execute(update(Nation).where(Nation.code.in_(["QQB", "QQC"])).values(name="X"))
    # As sign-in bookkeeping does it: an UPDATE … RETURNING whose result the caller reads.
    returned = session.execute(
        update(Nation).where(Nation.id == b).values(is_donor=True).returning(Nation.is_donor)
    ).scalar_one()
    assert returned is True
    session.execute(delete(Nation).where(Nation.code == "QQB"))
    monkeypatch.setattr(auditing, "BULK_DETAIL_LIMIT", 1)
    session.execute(update(Nation).where(Nation.code.in_(["QQC", "QQD"])).values(name="Y"))
    session.execute(update(Nation).where(Nation.id.in_([c, other.id])).values(name="Z"))

    entries = log(session, entity="nation")[1:]  # after the factory's create
    assert all(e.username == "alice" for e in entries)
    assert [(e.action, e.entity_id) for e in entries] == [
        ("bulk_insert", None),
        ("update", b),
        ("update", c),
        ("update", b),
        ("delete", b),
        ("update", c),  # one row matched: within the (patched) limit
        ("bulk_update", None),  # two rows: beyond it
    ]
    assert entries[0].after == {"rows": 2}
    renamed = entries[1]
    assert renamed.before is not None and renamed.after is not None
    assert (renamed.before["name"], renamed.after["name"]) == ("B", "X")
    assert "updated_at" in renamed.after  # the column's onupdate ran
    assert entries[3].after is not None and entries[3].after["is_donor"] is True
    assert entries[4].before is not None and entries[4].before["name"] == "X"
    assert entries[6].after == {"rows": 2}
    assert audit_service.verify_chain(session).ok


def test_the_log_is_append_only_for_the_application(session: Session) -> None:
    make_nation(session)
    entry = log(session)[0]
    entry.username = "mallory"
    with pytest.raises(AppendOnlyViolation):
        session.flush()
    session.rollback()

    forged = AuditEntry(
        seq=99,
        at=dt.datetime.now(dt.UTC),
        username="m",
        role="coordinator",
        channel="api",
        entity="nation",
        action="create",
        prev_hash=GENESIS,
        hash="f" * 64,
    )
    session.add(forged)
    with pytest.raises(AppendOnlyViolation):
        session.flush()
    session.rollback()

    for stmt in (delete(AuditEntry), update(AuditEntry).values(username="m")):
        with pytest.raises(AppendOnlyViolation):
            session.execute(stmt)


def test_entries_are_part_of_the_writes_transaction(
    session_factory: sessionmaker[Session],
) -> None:
    def failing_unit_of_work() -> None:
        with transaction(session_factory) as s:
            make_nation(s)
            assert len(log(s)) == 1
            raise RuntimeError("the unit of work fails")

    with pytest.raises(RuntimeError, match="fails"):
        failing_unit_of_work()
    with transaction(session_factory) as s:
        assert log(s) == []

    # A savepoint rolled back takes its entries with it, and the chain goes on without a gap.
    with transaction(session_factory) as s:
        make_nation(s)
        nested = s.begin_nested()
        make_nation(s)
        nested.rollback()
        make_nation(s)
    with transaction(session_factory) as s:
        assert [e.seq for e in log(s)] == [1, 2]
        assert audit_service.verify_chain(s).ok


def test_every_write_of_a_realistic_unit_of_work_keeps_the_chain_intact(session: Session) -> None:
    set_actor(session, ALICE)
    offer = make_offer(session, releasability=Releasability.COALITION)
    need = make_requirement(session)
    need_service.act_on_requirement(session, need.id, "submit")
    offer.notes = "checked"
    session.flush()
    entries = log(session)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    report = audit_service.verify_chain(session)
    assert report.ok and report.entries == len(entries)
    assert (report.head_seq, report.head_hash) == (entries[-1].seq, entries[-1].hash)
    head = session.execute(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())).scalar()
    assert head == len(entries)


def test_rows_the_database_deletes_with_their_parent_are_recorded(session: Session) -> None:
    user = User(username="dave", display_name="Dave", role=Role.AUDITOR)
    session.add(user)
    session.flush()
    session.add_all(
        ApiToken(user_id=user.id, name=f"t{i}", prefix=f"nsa_{i}", token_hash=str(i) * 64)
        for i in (1, 2)
    )
    session.flush()
    token_ids = sorted(e.entity_id for e in log(session, entity="api_token") if e.entity_id)
    session.expunge_all()
    doomed = session.get(User, user.id)
    session.expire(doomed)  # a delete records every column even if none was loaded
    session.delete(doomed)
    session.flush()
    parent, *children = log(session)[-3:]
    assert (parent.entity, parent.action, parent.entity_id) == ("app_user", "delete", user.id)
    assert parent.before is not None and parent.before["username"] == "dave"
    assert sorted((c.entity, c.action, c.entity_id) for c in children) == [
        ("api_token", "delete:cascade", token_ids[0]),
        ("api_token", "delete:cascade", token_ids[1]),
    ]
    assert all(c.before and c.before["token_hash"] == REDACTED for c in children)
    assert session.scalars(select(ApiToken)).all() == []
    assert audit_service.verify_chain(session).ok
