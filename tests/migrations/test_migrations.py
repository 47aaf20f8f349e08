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


def test_execution_migration_moves_rows_to_the_new_vocabularies(empty_url: str) -> None:
    """0004 renames consignment states and event kinds, and gives recorded events an event id."""
    migrate.upgrade(empty_url, "0003")
    engine = make_engine(empty_url)
    now = "2025-03-01 10:00:00"
    stamps = f"1, '{now}', '{now}'"
    try:
        with engine.begin() as conn:
            for sql in (
                f"INSERT INTO nation (id, code, name, is_donor, is_recipient, is_host, eu_member,"
                f" nato_member, version, created_at, updated_at) VALUES"
                f" (1, 'QQQ', 'N', true, false, false, false, false, {stamps})",
                f"INSERT INTO site (id, code, name, kind, nation_id, latitude, longitude, version,"
                f" created_at, updated_at) VALUES (1, 'S1', 'S1', 'depot', 1, 50, 20, {stamps}),"
                f" (2, 'S2', 'S2', 'hub', 1, 50, 21, {stamps})",
                f"INSERT INTO consignment (id, reference, origin_site_id, destination_site_id,"
                f" status, releasability, version, created_at, updated_at) VALUES"
                f" (1, 'C1', 1, 2, 'planned', 'bilateral', {stamps}),"
                f" (2, 'C2', 1, 2, 'dispatched', 'bilateral', {stamps})",
                f"INSERT INTO capability_area (id, code, name, version, created_at, updated_at)"
                f" VALUES (1, 'CA', 'CA', {stamps})",
                f"INSERT INTO item_type (id, code, public_name, category, capability_area_id,"
                f" unit_of_measure, lift_units_per_unit, substitution_family, version, created_at,"
                f" updated_at) VALUES (1, 'it', 'Item', 'Cat', 1, 'each', 1, 'fam', {stamps})",
                f"INSERT INTO consignment_leg (id, consignment_id, seq, from_site_id, to_site_id,"
                f" mode, version, created_at, updated_at) VALUES (1, 2, 1, 1, 2, 'road', {stamps})",
                f"INSERT INTO tracking_event (id, consignment_id, leg_id, kind, occurred_at) VALUES"
                f" (7, 2, 1, 'arrived', '{now}'), (8, 2, NULL, 'discrepancy', '{now}')",
            ):
                conn.exec_driver_sql(sql)
        migrate.upgrade(empty_url)
        with engine.connect() as conn:
            states = dict(conn.exec_driver_sql("SELECT reference, status FROM consignment").all())
            kinds = conn.exec_driver_sql(
                "SELECT id, kind, event_id FROM tracking_event ORDER BY id"
            ).all()
            kind_of = conn.exec_driver_sql("SELECT kind FROM consignment WHERE id = 1").scalar()
        assert states == {"C1": "created", "C2": "in_transit"}
        assert [tuple(k) for k in kinds] == [
            (7, "arrived_hub", "legacy-7"),
            (8, "damaged", "legacy-8"),
        ]
        assert kind_of == "delivery"
        with engine.connect() as conn:  # nothing that referenced a rebuilt table was lost
            for table in ("item_type", "consignment_leg"):
                assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == 1
        migrate.downgrade(empty_url, "0003")
        with engine.connect() as conn:
            states = dict(conn.exec_driver_sql("SELECT reference, status FROM consignment").all())
            kinds = conn.exec_driver_sql("SELECT kind FROM tracking_event ORDER BY id").all()
        assert states == {"C1": "planned", "C2": "dispatched"}
        assert [k[0] for k in kinds] == ["arrived", "discrepancy"]
    finally:
        engine.dispose()
