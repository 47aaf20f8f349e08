"""One migration history for both backends: empty → head → base → head, and the models agree."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

import nsatu.db.models  # noqa: F401  (registers every table)
from nsatu.db import migrate
from nsatu.db.base import Base
from nsatu.db.session import make_engine
from tests.conftest import PG_ENV, drop_schema, private_schema


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} must be set in CI")
        pytest.skip(f"PostgreSQL tests need {PG_ENV}")
    schema = f"nsatu_migr_{os.getpid()}"
    yield private_schema(base, schema)
    drop_schema(base, schema)


def test_upgrade_empty_database_to_head_and_back(empty_url: str) -> None:
    head = ScriptDirectory.from_config(migrate.alembic_config(empty_url)).get_current_head()
    migrate.upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        assert migrate.current_revision(engine) == head
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        # The schema the migrations build is the schema the models describe.
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
        migrate.downgrade(empty_url, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(empty_url)
        assert migrate.current_revision(engine) == head
    finally:
        engine.dispose()
