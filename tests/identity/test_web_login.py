"""Signing in and out through the pages: the session cookie and its flags, the generic failure
message, login CSRF, safe redirects, and sessions that expire or end; on every backend."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Role
from nsatu.db.models import User, WebSession
from nsatu.identity import service as identity_service
from nsatu.settings import Settings
from nsatu.web.app import create_app
from nsatu.web.views.auth import LOGIN_FAILED
from tests.factories import make_user
from tests.identity.conftest import PASSWORD, browser_session, csrf_of, log_in


def cookie_headers(response: httpx.Response) -> dict[str, str]:
    """``Set-Cookie`` headers by cookie name, lower-cased for flag checks."""
    out = {}
    for header in response.headers.get_list("set-cookie"):
        out[header.split("=", 1)[0]] = header.lower()
    return out


def sessions_of(session: Session, user: User) -> list[WebSession]:
    session.expire_all()
    return list(session.scalars(select(WebSession).where(WebSession.user_id == user.id)))


@pytest.fixture
def coordinator(session: Session) -> User:
    user = make_user(
        session, role=Role.COORDINATOR, username="coord", display_name="Cora Ordinator",
        password=PASSWORD,
    )  # fmt: skip
    session.commit()
    return user


def test_sign_in_sets_a_safe_session_cookie(
    anonymous_client: TestClient, session: Session, coordinator: User
) -> None:
    login_page = anonymous_client.get("/login")
    csrf_cookie = cookie_headers(login_page)["nsatu_csrf"]
    assert "httponly" in csrf_cookie and "samesite=lax" in csrf_cookie
    assert 'name="csrf_token"' in login_page.text

    r = log_in(anonymous_client, "coord", PASSWORD, next="/needs?priority=1")
    assert r.status_code == 303
    assert r.headers["location"] == "/needs?priority=1"
    flags = cookie_headers(r)["nsatu_session"]
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "path=/" in flags
    assert "max-age=43200" in flags  # 12 hours
    assert "secure" not in flags  # plain http (see the https test)

    value = anonymous_client.cookies["nsatu_session"]
    (row,) = sessions_of(session, coordinator)
    assert row.session_hash == hashlib.sha256(value.encode()).hexdigest()
    assert value not in (row.session_hash, row.csrf_token)
    assert (
        dt.timedelta(hours=11, minutes=59)
        < row.expires_at - row.created_at
        <= dt.timedelta(hours=12)
    )

    me = anonymous_client.get("/api/me").json()
    assert (me["username"], me["role"], me["channel"]) == ("coord", "coordinator", "web")
    home = anonymous_client.get("/").text
    assert "Cora Ordinator" in home and "Sign out" in home
    assert row.csrf_token in home  # the logout form and hx-headers carry it
    assert session.get(User, coordinator.id).last_login_at is not None  # type: ignore[union-attr]


@pytest.fixture
def https_client(session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    app = create_app(Settings(database_url="sqlite://"), session_factory=session_factory)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


def test_over_https_the_cookies_are_secure(https_client: TestClient, coordinator: User) -> None:
    assert "secure" in cookie_headers(https_client.get("/login"))["nsatu_csrf"]
    r = log_in(https_client, "coord", PASSWORD)
    assert r.status_code == 303
    assert "secure" in cookie_headers(r)["nsatu_session"]


def test_sign_out_deletes_the_session(
    anonymous_client: TestClient, session: Session, coordinator: User
) -> None:
    log_in(anonymous_client, "coord", PASSWORD)
    old = anonymous_client.cookies["nsatu_session"]
    csrf = csrf_of(anonymous_client.get("/").text)

    refused = anonymous_client.post("/logout", follow_redirects=False)
    assert refused.status_code == 403
    assert len(sessions_of(session, coordinator)) == 1

    r = anonymous_client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cleared = cookie_headers(r)["nsatu_session"]
    assert "max-age=0" in cleared or "expires=thu, 01 jan 1970" in cleared
    assert sessions_of(session, coordinator) == []

    # The old cookie, kept by someone, is worth nothing now.
    anonymous_client.cookies.set("nsatu_session", old)
    assert anonymous_client.get("/api/me").status_code == 401
    assert anonymous_client.get("/api/me").json()["error"] == "session_expired"
    page = anonymous_client.get("/")
    assert page.status_code == 200 and "Sign in" in page.text and "Sign out" not in page.text


@pytest.mark.parametrize("case", ["wrong password", "unknown user", "locked", "disabled"])
def test_every_failed_sign_in_gets_the_same_answer(
    anonymous_client: TestClient, session: Session, coordinator: User, case: str
) -> None:
    username, password = "coord", PASSWORD
    if case == "wrong password":
        password = "not the password"
    elif case == "unknown user":
        username = "nobody"
    elif case == "locked":
        coordinator.locked_until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    else:
        coordinator.is_active = False
    session.commit()

    r = log_in(anonymous_client, username, password)
    assert r.status_code == 401
    assert LOGIN_FAILED in r.text.replace("&#39;", "'")
    assert "nsatu_session" not in cookie_headers(r)
    assert sessions_of(session, coordinator) == []
    assert anonymous_client.get("/api/me").json()["authenticated"] is False


def test_failed_sign_ins_are_counted_and_lock_the_account(
    anonymous_client: TestClient, session: Session, coordinator: User
) -> None:
    for attempt in range(1, 6):
        assert log_in(anonymous_client, "coord", "wrong password!").status_code == 401
        session.expire_all()
        user = session.get(User, coordinator.id)
        assert user is not None
        if attempt < 5:
            assert user.failed_logins == attempt  # committed although the answer is an error
    assert user.locked_until is not None
    assert log_in(anonymous_client, "coord", PASSWORD).status_code == 401  # locked


def test_login_csrf_is_refused(
    anonymous_client: TestClient, session: Session, coordinator: User
) -> None:
    """A site that makes a visitor post the login form (to sign them in as the attacker) has no
    valid token: none, its own double-submit pair, or a pair that does not match."""
    form = {"username": "coord", "password": PASSWORD}
    assert anonymous_client.post("/login", data=form).status_code == 403

    planted = "A" * 43
    anonymous_client.cookies.set("nsatu_csrf", planted)
    r = anonymous_client.post("/login", data=form | {"csrf_token": planted})
    assert r.status_code == 403
    assert "CSRF" in r.text

    valid_elsewhere = csrf_of(TestClient(anonymous_client.app).get("/login").text)
    r = anonymous_client.post("/login", data=form | {"csrf_token": valid_elsewhere})
    assert r.status_code == 403

    assert sessions_of(session, coordinator) == []
    session.expire_all()
    assert session.get(User, coordinator.id).failed_logins == 0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/login",
    ],
)
def test_after_sign_in_only_local_pages(
    anonymous_client: TestClient, coordinator: User, target: str
) -> None:
    r = log_in(anonymous_client, "coord", PASSWORD, next=target)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_signing_in_again_replaces_the_session(
    anonymous_client: TestClient, session: Session, coordinator: User
) -> None:
    log_in(anonymous_client, "coord", PASSWORD)
    first = anonymous_client.cookies["nsatu_session"]
    log_in(anonymous_client, "coord", PASSWORD)
    assert anonymous_client.cookies["nsatu_session"] != first
    assert len(sessions_of(session, coordinator)) == 1


def test_an_expired_session_is_public_on_pages_and_401_on_the_api(
    anonymous_client: TestClient, session: Session
) -> None:
    user, csrf = browser_session(anonymous_client, session)
    (row,) = sessions_of(session, user)
    row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    session.commit()

    page = anonymous_client.get("/needs")
    assert page.status_code == 200 and "Sign in" in page.text
    api = anonymous_client.get("/api/needs")
    assert (api.status_code, api.json()["error"]) == (401, "session_expired")
    # A form posted after the session ended asks to sign in again, and stores nothing.
    r = anonymous_client.post(
        "/needs/1/actions/submit",
        data={"csrf_token": csrf, "version": "1"},
        headers={"Referer": "http://testserver/needs/1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fneeds%2F1&expired=1"
    assert "expired" in anonymous_client.get(r.headers["location"]).text


def test_disabling_a_user_ends_its_sessions(anonymous_client: TestClient, session: Session) -> None:
    user, _ = browser_session(anonymous_client, session)
    assert anonymous_client.get("/api/me").json()["authenticated"] is True
    identity_service.disable_user(session, user.username)
    session.commit()
    assert sessions_of(session, user) == []
    assert anonymous_client.get("/api/me").status_code == 401


def test_a_disabled_users_session_stops_working_even_if_kept(
    anonymous_client: TestClient, session: Session
) -> None:
    user, _ = browser_session(anonymous_client, session)
    user.is_active = False  # disabled behind the service's back: the session row survives
    session.commit()
    assert len(sessions_of(session, user)) == 1
    assert anonymous_client.get("/api/me").status_code == 401
