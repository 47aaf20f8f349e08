"""The training statistics on hand-built data (:mod:`tests.training_world`): people trained per
month by host nation and course type, and the fill, no-show and failure rates, counted by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from nsatu.core.access import PUBLIC, Actor, Role
from nsatu.db.scoping import set_actor
from nsatu.errors import InvalidInput
from nsatu.reporting import registry
from nsatu.reporting.training_reports import (
    failure_rate,
    fill_rate,
    no_show_rate,
    parse_filters,
    training_statistics,
)
from tests.training_world import TrainingWorld, build_training_world

TODAY = dt.date(2025, 6, 15)


@pytest.fixture
def world(session: Session) -> TrainingWorld:
    return build_training_world(session, TODAY)


def _month(w: TrainingWorld, event: str) -> str:
    return w.events[event].ends_on.isoformat()[:7]


def _rows(session: Session, **params: str) -> list[dict[str, Any]]:
    report = registry.get("training").build(session, PUBLIC, params)
    return [dict(r) for r in report.rows]


def _mine(w: TrainingWorld, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    hosts = {w.nations["A"].code, w.nations["B"].code}
    return [r for r in rows if r["host_nation"] in hosts]


def test_the_rates_are_defined_on_their_counts() -> None:
    assert fill_rate(10, 8) == 0.8
    assert fill_rate(0, 0) is None
    assert no_show_rate(2, 8) == 0.2
    assert no_show_rate(0, 0) is None
    assert failure_rate(6, 2) == 0.25
    assert failure_rate(0, 0) is None


def test_people_trained_and_rates_per_month_host_and_course_type(
    session: Session, world: TrainingWorld
) -> None:
    w = world
    a, b = w.nations["A"].code, w.nations["B"].code
    rows = _mine(w, _rows(session))
    by_key = {(r["month"], r["host_nation"], r["course_type"]): r for r in rows}
    # Only completed events count: the planned e4 and the cancelled e5 are in no row.
    assert set(by_key) == {
        (_month(w, "e1"), a, "collective"),
        (_month(w, "e2"), b, "individual"),
        (_month(w, "e3"), b, "collective"),
    }
    e1 = by_key[_month(w, "e1"), a, "collective"]
    # 6 completed + 1 failed + 1 attended took their seat of 10; 2 accepted never came; the
    # withdrawn and the nominated are neither.
    assert (e1["events"], e1["seats_offered"], e1["attended"]) == (1, 10, 8)
    assert (e1["trained"], e1["failed"], e1["no_shows"]) == (6, 1, 2)
    assert e1["fill_rate"] == pytest.approx(0.8)
    assert e1["no_show_rate"] == pytest.approx(2 / 10)
    assert e1["failure_rate"] == pytest.approx(1 / 7)
    e2 = by_key[_month(w, "e2"), b, "individual"]
    assert (e2["trained"], e2["attended"], e2["no_shows"], e2["failed"]) == (4, 4, 0, 0)
    assert e2["fill_rate"] == pytest.approx(0.5)
    assert e2["no_show_rate"] == 0
    assert e2["failure_rate"] == 0
    # e3 is course c1 (hosted by A) offered by B: it counts under B, the nation offering it.
    e3 = by_key[_month(w, "e3"), b, "collective"]
    assert (e3["seats_offered"], e3["attended"], e3["trained"], e3["failed"]) == (5, 4, 2, 2)
    assert e3["fill_rate"] == pytest.approx(0.8)
    assert e3["no_show_rate"] == pytest.approx(1 / 5)
    assert e3["failure_rate"] == pytest.approx(0.5)


def test_totals_per_month_and_overall(session: Session, world: TrainingWorld) -> None:
    w = world
    report = training_statistics(session, parse_filters({"from": _month(w, "e1")}))
    months = {m["month"]: m for m in report.extra["months"]}
    # Whatever else the database holds, the filter keeps only this world's months and later.
    e1_month = months[_month(w, "e1")]
    assert e1_month["trained"] >= 6
    trained = {
        (r["month"], r["host_nation"]): r["trained"] for r in report.extra["trained_by_host_nation"]
    }
    assert trained[_month(w, "e1"), w.nations["A"].code] == 6
    # Every further table is flat, as the CSV and XLSX exports need.
    for table in report.extra.values():
        for row in table:
            assert all(isinstance(v, str | int | float | None) for v in row.values()), row
    total = report.extra["total"][0]
    mine = _mine(w, [dict(r) for r in report.rows])
    assert total["trained"] == sum(r["trained"] for r in report.rows)
    assert sum(r["trained"] for r in mine) == 12
    assert sum(r["seats_offered"] for r in mine) == 23


def test_filters_by_host_nation_course_type_and_months(
    session: Session, world: TrainingWorld
) -> None:
    w = world
    b = w.nations["B"].code
    rows = _rows(session, host_nation=b.lower())
    assert {r["host_nation"] for r in rows} == {b}
    assert sum(r["trained"] for r in rows) == 6
    rows = _mine(w, _rows(session, course_type="collective"))
    assert {r["course_type"] for r in rows} == {"collective"}
    assert sum(r["trained"] for r in rows) == 8
    e3 = _month(w, "e3")
    rows = _mine(w, _rows(session, **{"from": e3, "to": e3}))
    assert {r["month"] for r in rows} == {e3}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2025-13"}, "from"),
        ({"to": "March"}, "to"),
        ({"from": "2025-05", "to": "2025-04"}, "to"),
        ({"course_type": "lecture"}, "course_type"),
        ({"host_nation": "DE\x00"}, "host_nation"),
        ({"host_nation": "Germany"}, "host_nation"),
    ],
)
def test_a_bad_parameter_is_named(session: Session, params: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        registry.get("training").build(session, PUBLIC, params)
    assert caught.value.field == field


def test_participants_are_counted_in_the_callers_scope(
    session: Session, world: TrainingWorld
) -> None:
    """Events are visible to all, participants with their seat request only: a donor liaison sees
    the seats offered and nobody on them; the training coordinator of B sees e2 and e3 (offered
    by B), not e1."""
    w = world
    donor = Actor(role=Role.DONOR_LIAISON, username="d", nation_id=w.nations["R"].id)
    set_actor(session, donor)
    rows = _mine(w, _rows(session))
    assert sum(r["seats_offered"] for r in rows) == 23
    assert sum(r["attended"] + r["no_shows"] for r in rows) == 0
    host_b = Actor(role=Role.TRAINING_COORDINATOR, username="b", nation_id=w.nations["B"].id)
    set_actor(session, host_b)
    by_host = {r["host_nation"]: r for r in _mine(w, _rows(session)) if r["trained"]}
    assert set(by_host) == {w.nations["B"].code}
    assert sum(r["trained"] for r in _mine(w, _rows(session))) == 6
