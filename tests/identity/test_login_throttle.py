"""Login throttling per client address (in-process sliding window), beside the per-account lockout."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from nsatu.db.models import User
from nsatu.settings import Settings
from nsatu.web.app import create_app
from nsatu.web.throttle import SlidingWindow
from tests.factories import make_user
from tests.identity.conftest import PASSWORD, log_in


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_slides() -> None:
    clock = Clock()
    window = SlidingWindow(3, 60, clock=clock)
    for _ in range(3):
        assert window.retry_after("a") is None
        window.record_failure("a")
        clock.now += 10
    assert window.retry_after("a") == 30  # the first failure (t=1000) leaves at t=1060
    assert window.retry_after("b") is None  # another address is not affected
    clock.now = 1060.0
    assert window.retry_after("a") is None
    window.record_failure("a")
    assert window.retry_after("a") == 10  # now the failure of t=1010 is the oldest counted
    clock.now = 2000.0
    assert window.retry_after("a") is None


def test_memory_is_bounded() -> None:
    window = SlidingWindow(1, 60, max_keys=100, clock=Clock())
    for i in range(1000):
        window.record_failure(f"10.0.{i // 256}.{i % 256}")
    assert len(window._failures) == 100
    assert window.retry_after("10.0.3.231") is not None  # the most recent are kept
    assert window.retry_after("10.0.0.0") is None


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        SlidingWindow(0, 60)
    with pytest.raises(ValueError, match="positive"):
        SlidingWindow(3, 0)


def _client(factory: sessionmaker[Session], address: str) -> TestClient:
    settings = Settings(
        database_url="sqlite://", login_failures_per_address=3, login_window_seconds=600
    )
    app = create_app(settings, session_factory=factory)
    return TestClient(app, raise_server_exceptions=False, client=(address, 40000))


@pytest.fixture
def user(session: Session) -> User:
    account = make_user(session, password=PASSWORD)
    session.commit()
    return account


@pytest.fixture
def attacker(session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    with _client(session_factory, "203.0.113.7") as c:
        yield c


def test_an_address_that_keeps_failing_is_throttled_before_the_password_is_checked(
    attacker: TestClient, session: Session, session_factory: sessionmaker[Session], user: User
) -> None:
    # Three different accounts, one guess each: no account reaches its lockout.
    for name in ("nobody-1", "nobody-2", user.username):
        assert log_in(attacker, name, "wrong password").status_code == 401
    blocked = log_in(attacker, user.username, PASSWORD)  # even the right password
    assert blocked.status_code == 429, blocked.text[:300]
    assert 1 <= int(blocked.headers["Retry-After"]) <= 600
    assert "Too many failed sign-ins" in blocked.text
    assert "nsatu_session" not in blocked.cookies
    session.expire_all()
    stored = session.get(User, user.id)
    assert stored is not None and stored.failed_logins == 1  # the throttled try was not counted

    # The user, from their own address, signs in normally.
    app = attacker.app
    with TestClient(app, raise_server_exceptions=False, client=("198.51.100.2", 40000)) as own:
        assert log_in(own, user.username, PASSWORD).status_code == 303


def test_successes_do_not_reset_the_window(attacker: TestClient, user: User) -> None:
    assert log_in(attacker, user.username, "wrong password").status_code == 401
    assert log_in(attacker, user.username, PASSWORD).status_code == 303
    assert log_in(attacker, "nobody", "wrong password").status_code == 401
    assert log_in(attacker, "nobody", "wrong password").status_code == 401
    assert log_in(attacker, user.username, PASSWORD).status_code == 429
