"""Shared fixtures.

Database tests run on every backend: SQLite always, PostgreSQL when ``NSATU_TEST_DATABASE_URL`` is set
(CI sets it and requires it), in a schema of its own per run. Each backend is migrated once per run; each test runs inside a
transaction that is rolled back, and commits made by the code under test become savepoints.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Role
from nsatu.db.migrate import upgrade
from nsatu.db.models import User
from nsatu.db.session import enable_sqlite_savepoints, make_engine
from nsatu.settings import Settings
from nsatu.web.app import create_app
from tests.factories import make_token, make_user

PG_ENV = "NSATU_TEST_DATABASE_URL"
IN_CI = bool(os.environ.get("CI"))
PG_SCHEMA = f"nsatu_test_{os.getpid()}"


def sign_in(
    client: TestClient,
    session_factory: sessionmaker[Session],
    *,
    role: Role = Role.COORDINATOR,
    **user: Any,
) -> User:
    """Sign ``client`` in for real: a user of ``role`` (see ``make_user`` for ``user``) and an API
    token are committed to the test's database, and every request of the client carries
    ``Authorization: Bearer``. Returns the user."""
    with session_factory() as s:
        account = make_user(s, role=role, **user)
        token = make_token(s, account)
        s.commit()
    client.headers["Authorization"] = f"Bearer {token}"
    return account


def as_coordinator(client: TestClient, session_factory: sessionmaker[Session]) -> TestClient:
    """``client`` signed in as a coordinator (full rights) with a real user and token."""
    sign_in(client, session_factory, role=Role.COORDINATOR)
    return client


def private_schema(url: str, name: str) -> str:
    """Create a fresh schema ``name`` and return ``url`` with it as the search path, so that
    concurrent runs (and the benchmarks) sharing the database never see each other's tables."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()
    return (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={name}"})
        .render_as_string(hide_password=False)
    )


def drop_schema(url: str, name: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


def backend_url(backend: str, tmp_dir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / 'test.db'}"
    url = os.environ.get(PG_ENV)
    if not url:
        if IN_CI:
            pytest.fail(f"{PG_ENV} must be set in CI: the PostgreSQL tests are required")
        pytest.skip(
            f"PostgreSQL tests need {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
        )
    return private_schema(url, PG_SCHEMA)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    url = backend_url(request.param, tmp_path_factory.mktemp(request.param))
    upgrade(url)
    yield url
    if request.param == "postgresql":
        drop_schema(url, PG_SCHEMA)


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    if eng.dialect.name == "sqlite":
        enable_sqlite_savepoints(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    if outer.is_active:
        outer.rollback()
    conn.close()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions bound to the test's connection: their commits release savepoints only."""
    return sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    s = session_factory()
    yield s
    s.close()


@pytest.fixture
def client(session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    """A client of the app on the test's database, signed in as a coordinator (a real user with a
    real bearer token). ``anonymous_client`` has no credentials."""
    app = create_app(Settings(database_url="sqlite://"), session_factory=session_factory)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield as_coordinator(c, session_factory)


@pytest.fixture
def anonymous_client(session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    app = create_app(Settings(database_url="sqlite://"), session_factory=session_factory)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
