"""Shared fixtures.

Database tests run on every backend: SQLite always, PostgreSQL when ``NSATU_TEST_DATABASE_URL`` is set
(CI sets it and requires it), in a schema of its own per run. Each backend is migrated once per run; each test runs inside a
transaction that is rolled back, and commits made by the code under test become savepoints.

Tests whose code commits for real (the command line, concurrent writers) take ``committed_url``
instead: a migrated database of their own on every backend (see ``committed_database``).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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
from nsatu.web.jobs import InlineJobRunner
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


def postgres_base_url() -> str:
    """The PostgreSQL test database (``NSATU_TEST_DATABASE_URL``); without it the test is skipped,
    or fails in CI, where the PostgreSQL tests are required."""
    url = os.environ.get(PG_ENV)
    if not url:
        if IN_CI:
            pytest.fail(f"{PG_ENV} must be set in CI: the PostgreSQL tests are required")
        pytest.skip(
            f"PostgreSQL tests need {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
        )
    return url


BACKENDS = ("sqlite", "postgresql")


@contextmanager
def committed_database(
    backend: str, directory: Path, *, schema: str | None = None, template: Path | None = None
) -> Iterator[str]:
    """A migrated database of the caller's own, whose commits are real (no rolled-back test
    transaction): a SQLite file in ``directory`` (a copy of ``template``, a migrated empty file,
    when given: copying is faster than migrating), or a private PostgreSQL schema (``schema``, by
    default a fresh ``nsatu_test_<pid>_<random>``) with it as the search path, dropped afterwards.
    Yields the URL. For code that commits: the command line, concurrent writers, an app that other
    code (schemathesis) calls directly."""
    if backend == "sqlite":
        path = directory / "committed.db"
        if template is not None:
            shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
        if template is None:
            upgrade(url)
        yield url
        return
    assert backend == "postgresql", backend
    base = postgres_base_url()
    name = schema or f"{PG_SCHEMA}_{uuid.uuid4().hex[:10]}"
    url = private_schema(base, name)
    try:
        upgrade(url)
        yield url
    finally:
        drop_schema(base, name)


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite file migrated once per run; ``committed_url`` copies it."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def committed_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database of the test's own that commits for real, on every backend: a SQLite file
    or a private PostgreSQL schema (see :func:`committed_database`). A test limited to one backend
    says so with ``@pytest.mark.parametrize("committed_url", ["sqlite"], indirect=True)``."""
    template = (
        request.getfixturevalue("migrated_sqlite_template") if request.param == "sqlite" else None
    )
    with committed_database(request.param, tmp_path, template=template) as url:
        yield url


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The database the rolled-back tests share, one per backend and run (migrated once)."""
    with committed_database(
        request.param, tmp_path_factory.mktemp(request.param), schema=PG_SCHEMA
    ) as url:
        yield url


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
    app = create_app(
        Settings(database_url="sqlite://"), session_factory=session_factory, jobs=InlineJobRunner()
    )
    with TestClient(app, raise_server_exceptions=False) as c:
        yield as_coordinator(c, session_factory)


@pytest.fixture
def anonymous_client(session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    app = create_app(
        Settings(database_url="sqlite://"), session_factory=session_factory, jobs=InlineJobRunner()
    )
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
