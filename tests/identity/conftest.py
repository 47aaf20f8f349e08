"""Fixtures of the identity tests: committed databases for the CLI, and signing in through the
login page with a plain HTTP client."""

from __future__ import annotations

import re
from typing import Any

import httpx2 as httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nsatu.core.access import Role
from nsatu.db.models import User
from nsatu.identity import service as identity_service
from tests.factories import make_user

_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    m = _CSRF_FIELD.search(html)
    assert m, "the page has no form with a CSRF token"
    return m.group(1)


def log_in(client: TestClient, username: str, password: str, *, next: str = "/") -> httpx.Response:
    """Sign in as a browser does: load the login page (which sets the CSRF cookie), post the form."""
    page = client.get("/login", params={"next": next})
    assert page.status_code == 200, page.text[:300]
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "next": next,
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )


PASSWORD = "a long enough password"
#: argon2 at minimal cost. The production parameters take about half a second per hash on a small
#: machine; tests that are about hashing itself use them (``real_hasher``).
CHEAP = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identity_service, "HASHER", PasswordHasher(**CHEAP))


@pytest.fixture
def real_hasher(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    monkeypatch.setattr(identity_service, "HASHER", PasswordHasher())
    return identity_service.HASHER


def browser_session(
    client: TestClient, session: Session, *, role: Role = Role.COORDINATOR, **kw: Any
) -> tuple[User, str]:
    """Sign ``client`` in through the login page as a new user of ``role`` (committed to the
    test's database); returns the user and the CSRF token of its session."""
    user = make_user(session, role=role, password=PASSWORD, **kw)
    session.commit()
    response = log_in(client, user.username, PASSWORD)
    assert response.status_code == 303, response.text[:300]
    return user, csrf_of(client.get("/").text)


@pytest.fixture
def cli_url(committed_url: str) -> str:
    """A committed, migrated database of the test's own (the CLI commits), on every backend."""
    return committed_url
