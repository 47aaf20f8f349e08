"""Helpers and fixtures of the audit tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from nsatu.db.migrate import upgrade
from nsatu.db.models import AuditEntry
from nsatu.db.session import make_engine
from tests.conftest import IN_CI, PG_ENV, drop_schema, private_schema


def log(session: Session, **where: Any) -> list[AuditEntry]:
    """The entries, oldest first (``where``: column = value)."""
    stmt = select(AuditEntry).order_by(AuditEntry.seq)
    for name, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, name) == value)
    return list(session.scalars(stmt))


@pytest.fixture(params=["sqlite", "postgresql"])
def committed_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database of the test's own that commits for real (a file for SQLite, a private
    schema for PostgreSQL): for concurrent writers and for the command line."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'audit.db'}"
        upgrade(url)
        yield url
        return
    base = os.environ.get(PG_ENV)
    if not base:
        if IN_CI:
            pytest.fail(f"{PG_ENV} must be set in CI: the PostgreSQL tests are required")
        pytest.skip(f"PostgreSQL tests need {PG_ENV}")
    schema = f"audit_{uuid.uuid4().hex[:12]}"
    url = private_schema(base, schema)
    try:
        upgrade(url)
        yield url
    finally:
        drop_schema(base, schema)


def tamper(url: str, sql: str, **params: Any) -> None:
    """Change the database behind the application's back, as someone with SQL access could."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(sql), params)
    engine.dispose()
