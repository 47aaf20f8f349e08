"""Fixtures of the identity tests: committed databases for the CLI, and signing in through the
login page with a plain HTTP client."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nsatu.core.access import Role
from nsatu.db.migrate import upgrade
from nsatu.db.models import User
from nsatu.identity import service as identity_service
from tests.conftest import IN_CI, PG_ENV, drop_schema, private_schema
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


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("identity-cli") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def cli_url(request: pytest.FixtureRequest, migrated_sqlite: Path, tmp_path: Path) -> Iterator[str]:
    """A committed, migrated database of the test's own (the CLI commits): a copied SQLite file,
    or a fresh schema on the PostgreSQL test database."""
    if request.param == "sqlite":
        path = tmp_path / "cli.db"
        shutil.copy(migrated_sqlite, path)
        yield f"sqlite:///{path}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        if IN_CI:
            pytest.fail(f"{PG_ENV} must be set in CI: the PostgreSQL tests are required")
        pytest.skip(f"PostgreSQL tests need {PG_ENV}")
    name = f"identity_cli_{uuid.uuid4().hex[:12]}"
    url = private_schema(base, name)
    try:
        upgrade(url)
        yield url
    finally:
        drop_schema(base, name)
