"""Passwords: argon2 hashing, verification, rehashing, the lockout after five failures, and
disabled accounts; on every backend."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher
from pydantic import SecretStr
from sqlalchemy.orm import Session

from nsatu.db.models import User
from nsatu.identity import service as identity_service
from nsatu.identity.schemas import PasswordChange
from tests.factories import make_user
from tests.identity.conftest import CHEAP

PASSWORD = "correct horse battery"
T0 = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


def fresh(session: Session, user: User) -> User:
    session.expire_all()
    found = session.get(User, user.id)
    assert found is not None
    return found


def test_the_hash_is_argon2id_and_verifies(session: Session, real_hasher: PasswordHasher) -> None:
    user = make_user(session, password=PASSWORD)
    assert user.password_hash is not None
    assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in user.password_hash
    assert identity_service.check_password(session, user.username, PASSWORD, now=T0) is user
    assert identity_service.check_password(session, user.username, PASSWORD + "x", now=T0) is None


def test_same_password_hashes_differently() -> None:
    assert identity_service.hash_password(PASSWORD) != identity_service.hash_password(PASSWORD)


def test_username_is_case_insensitive(session: Session) -> None:
    user = make_user(session, username="alice", password=PASSWORD)
    assert identity_service.check_password(session, " Alice ", PASSWORD, now=T0) is user


def test_success_records_the_time_and_resets_the_count(session: Session) -> None:
    user = make_user(session, password=PASSWORD)
    identity_service.check_password(session, user.username, "wrong", now=T0)
    assert fresh(session, user).failed_logins == 1
    identity_service.check_password(session, user.username, PASSWORD, now=T0)
    user = fresh(session, user)
    assert user.failed_logins == 0
    assert user.last_login_at == T0
    assert user.version == 1, "sign-in bookkeeping is not an edit of the account"


def test_a_hash_with_old_parameters_is_replaced_at_sign_in(session: Session) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
    user = make_user(session)
    user.password_hash = weak.hash(PASSWORD)
    session.flush()
    old = user.password_hash
    assert identity_service.HASHER.check_needs_rehash(old)

    assert identity_service.check_password(session, user.username, PASSWORD, now=T0) is not None
    new = fresh(session, user).password_hash
    assert new is not None and new != old
    assert not identity_service.HASHER.check_needs_rehash(new)
    assert identity_service.check_password(session, user.username, PASSWORD, now=T0) is not None


def test_five_failures_lock_the_account_for_fifteen_minutes(session: Session) -> None:
    user = make_user(session, password=PASSWORD)
    for attempt in range(1, 5):
        assert identity_service.check_password(session, user.username, "wrong", now=T0) is None
        assert fresh(session, user).failed_logins == attempt
        assert fresh(session, user).locked_until is None
    assert identity_service.check_password(session, user.username, "wrong", now=T0) is None
    locked = fresh(session, user)
    assert locked.locked_until == T0 + dt.timedelta(minutes=15)

    # Locked: even the right password is refused, and further tries do not extend the lock.
    almost = T0 + dt.timedelta(minutes=14, seconds=59)
    assert identity_service.check_password(session, user.username, PASSWORD, now=almost) is None
    assert fresh(session, user).locked_until == T0 + dt.timedelta(minutes=15)

    later = T0 + dt.timedelta(minutes=15, seconds=1)
    assert identity_service.check_password(session, user.username, PASSWORD, now=later) is not None
    unlocked = fresh(session, user)
    assert unlocked.locked_until is None and unlocked.failed_logins == 0


def test_after_a_lock_the_count_starts_again(session: Session) -> None:
    user = make_user(session, password=PASSWORD)
    for _ in range(5):
        identity_service.check_password(session, user.username, "wrong", now=T0)
    later = T0 + dt.timedelta(minutes=16)
    identity_service.check_password(session, user.username, "wrong", now=later)
    assert fresh(session, user).failed_logins == 1
    assert identity_service.check_password(session, user.username, PASSWORD, now=later) is not None


def test_a_new_password_lifts_the_lock(session: Session) -> None:
    user = make_user(session, password=PASSWORD)
    for _ in range(5):
        identity_service.check_password(session, user.username, "wrong")
    identity_service.set_password(
        session, user.username, PasswordChange(password=SecretStr("another long password"))
    )
    assert identity_service.check_password(session, user.username, "another long password")
    assert identity_service.check_password(session, user.username, PASSWORD) is None


def test_a_disabled_user_cannot_sign_in(session: Session) -> None:
    user = make_user(session, password=PASSWORD)
    identity_service.disable_user(session, user.username)
    assert identity_service.check_password(session, user.username, PASSWORD, now=T0) is None
    assert fresh(session, user).failed_logins == 0
    identity_service.enable_user(session, user.username)
    assert identity_service.check_password(session, user.username, PASSWORD, now=T0) is not None


def test_a_machine_account_has_no_password(session: Session) -> None:
    user = make_user(session)
    assert user.password_hash is None
    assert identity_service.check_password(session, user.username, "", now=T0) is None
    assert identity_service.check_password(session, user.username, PASSWORD, now=T0) is None


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(**CHEAP)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        return super().verify(hash, password)


@pytest.mark.parametrize("case", ["unknown", "wrong", "locked", "disabled", "no password"])
def test_every_failure_does_the_same_argon2_work(
    session: Session, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """No answer, and no shortcut, tells an unknown username from a wrong password."""
    user = make_user(session, password=None if case == "no password" else PASSWORD)
    if case == "locked":
        user.locked_until = T0 + dt.timedelta(minutes=5)
    if case == "disabled":
        user.is_active = False
    session.flush()
    hasher = CountingHasher()
    monkeypatch.setattr(identity_service, "HASHER", hasher)
    username = "nobody-here" if case == "unknown" else user.username
    password = "wrong" if case == "wrong" else PASSWORD
    assert identity_service.check_password(session, username, password, now=T0) is None
    assert hasher.verified == 1
