"""Migration 0006 on both backends: existing courses, events and seat requests move to the new
columns (item type → qualified item types, event host from the course, request course from the
event), and the downgrade brings the old columns back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from nsatu.db import migrate
from nsatu.db.session import make_engine
from tests.conftest import PG_ENV, drop_schema, private_schema

NOW = "2025-03-01 10:00:00"
STAMPS = f"1, '{NOW}', '{NOW}'"
ROWS = (
    "INSERT INTO nation (id, code, name, is_donor, is_recipient, is_host, eu_member, nato_member,"
    f" version, created_at, updated_at) VALUES (1, 'QQQ', 'N', false, false, true, false, false,"
    f" {STAMPS})",
    f"INSERT INTO capability_area (id, code, name, version, created_at, updated_at) VALUES"
    f" (1, 'CA', 'CA', {STAMPS})",
    "INSERT INTO item_type (id, code, public_name, category, capability_area_id, unit_of_measure,"
    " lift_units_per_unit, substitution_family, serial_tracked, version, created_at, updated_at)"
    f" VALUES (7, 'it', 'Item', 'Cat', 1, 'each', 1, 'fam', false, {STAMPS})",
    "INSERT INTO course (id, code, title, capability_area_id, item_type_id, host_nation_id,"
    " duration_days, seats_per_event, version, created_at, updated_at) VALUES"
    f" (1, 'C1', 'C', 1, 7, 1, 5, 10, {STAMPS}), (2, 'C2', 'C', 1, NULL, 1, 5, 10, {STAMPS})",
    "INSERT INTO training_event (id, course_id, starts_on, ends_on, seats_offered, status,"
    f" version, created_at, updated_at) VALUES (1, 2, '2025-01-01', '2025-01-05', 10, 'planned',"
    f" {STAMPS})",
    "INSERT INTO seat_request (id, training_event_id, seats, status, version, created_at,"
    f" updated_at) VALUES (1, 1, 3, 'requested', {STAMPS})",
)


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
    schema = f"nsatu_m6_{os.getpid()}"
    yield private_schema(base, schema)
    drop_schema(base, schema)


def test_0006_moves_existing_training_rows_and_back(empty_url: str) -> None:
    migrate.upgrade(empty_url, "0005")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            for sql in ROWS:
                conn.execute(text(sql))
        migrate.upgrade(empty_url, "0006")
        with engine.connect() as conn:
            links = conn.execute(text("SELECT course_id, item_type_id FROM course_item_type"))
            assert links.all() == [(1, 7)]
            event = conn.execute(text("SELECT host_nation_id, funding FROM training_event")).one()
            assert tuple(event) == (1, "national")
            request = conn.execute(text("SELECT course_id, weight FROM seat_request")).one()
            assert tuple(request) == (2, 1)
            course = conn.execute(text("SELECT course_type, language FROM course WHERE id = 1"))
            assert tuple(course.one()) == ("individual", "en")
        migrate.downgrade(empty_url, "0005")
        with engine.connect() as conn:
            back = conn.execute(text("SELECT id, item_type_id FROM course ORDER BY id")).all()
            assert back == [(1, 7), (2, None)]
            assert conn.execute(text("SELECT training_event_id FROM seat_request")).all() == [(1,)]
    finally:
        engine.dispose()
