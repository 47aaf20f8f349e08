"""The training figures over HTTP (``/api/training/...``): readiness per capability area, an event's
seat fill and the training statistics, for every role. What each caller must be answered is
computed from the pure predicates of :mod:`nsatu.core.access` (needs, consignments and seat
requests outside its scope are never named, nor counted), never from the code under test."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import (
    Actor,
    Role,
    consignment_visible,
    need_visible,
    seat_request_visible,
)
from nsatu.core.lifecycles import TrainingEventStatus
from nsatu.db.models import SeatRequest, TrainingEvent
from tests.conftest import sign_in
from tests.training_world import (
    ReadinessWorld,
    TrainingWorld,
    build_readiness_world,
    build_training_world,
)
from tests.web.callers import CALLERS, sign_in_caller

TODAY = dt.datetime.now(dt.UTC).date()
#: Every role, and the training coordinators of the two host nations.
EVERY_CALLER = [*CALLERS, "training_coordinator:A", "training_coordinator:B"]

World = tuple[TrainingWorld, ReadinessWorld]


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    with session_factory() as s:
        w = build_training_world(s, TODAY, tag="AT")
        rw = build_readiness_world(s, w, tag="AT")
        s.commit()
    return w, rw


def _caller(client: TestClient, factory: sessionmaker[Session], caller: str, world: World) -> Actor:
    w, rw = world
    if caller.startswith("training_coordinator:"):
        nation = w.nations[caller.rsplit(":", 1)[1]]
        user = sign_in(client, factory, role=Role.TRAINING_COORDINATOR, nation=nation)
        return Actor(role=Role.TRAINING_COORDINATOR, username=user.username, nation_id=nation.id)
    return sign_in_caller(client, factory, caller, donor=rw.donor.id, hub=rw.handover.id)


def _needs_seen(actor: Actor, rw: ReadinessWorld) -> set[int]:
    return {
        n.id
        for n in rw.needs.values()
        if need_visible(actor, status=n.status, releasability=n.releasability)
    }


def _consignments_seen(actor: Actor, rw: ReadinessWorld) -> set[int]:
    return {
        c.id
        for c in rw.consignments.values()
        if consignment_visible(
            actor,
            releasability=c.releasability,
            site_ids={c.origin_site_id, c.destination_site_id},
            donor_nation_ids={rw.donor.id},
        )
    }


def _request_seen(actor: Actor, w: TrainingWorld, event: str) -> bool:
    e = w.events[event]
    course_host = next(c.host_nation_id for c in w.courses.values() if c.id == e.course_id)
    return seat_request_visible(
        actor, host_nation_id=course_host, event_host_nation_id=e.host_nation_id
    )


def _ids(body: dict[str, Any], key: str, packages: set[int]) -> set[int]:
    """Every id under ``key`` of the world's packages, in every count and gap list."""
    refs = [
        ref
        for area in body["areas"].values()
        for count in ("ready", "waiting_for_equipment", "waiting_for_training")
        for ref in area[count]["packages"]
        if ref["id"] in packages
    ]
    refs += [
        gap
        for gap in body["equipment_without_crews"] + body["crews_without_equipment"]
        if gap["package_id"] in packages
    ]
    return {i for ref in refs for i in ref[key]}


@pytest.mark.parametrize("caller", EVERY_CALLER)
def test_readiness_names_only_the_records_the_caller_may_see(
    client: TestClient, session_factory: sessionmaker[Session], world: World, caller: str
) -> None:
    w, rw = world
    actor = _caller(client, session_factory, caller, world)
    r = client.get("/api/training/readiness")
    assert r.status_code == 200, r.text
    body = r.json()
    packages = {p.id for p in rw.packages.values()}
    needs = _needs_seen(actor, rw)
    assert _ids(body, "need_ids", packages) == needs
    assert _ids(body, "consignment_ids", packages) <= _consignments_seen(actor, rw)
    # A seat request is named when the caller sees it and the need it serves.
    expected = {
        w.requests[e].id
        for e, need in (("e1", "ready"), ("e3", "equipment"))
        if _request_seen(actor, w, e) and rw.needs[need].id in needs
    }
    assert _ids(body, "seat_request_ids", packages) == expected


def test_readiness_per_area_for_a_coordinator(client: TestClient, world: World) -> None:
    w, rw = world
    r = client.get("/api/training/readiness", params={"area": w.areas["air"].code})
    assert r.status_code == 200, r.text
    assert list(r.json()["areas"]) == [w.areas["air"].code]
    area = r.json()["areas"][w.areas["air"].code]
    assert area["ready"]["count"] == 1
    assert area["ready"]["package_ids"] == [rw.packages["ready"].id]
    assert area["ready"]["packages"][0]["code"] == rw.packages["ready"].code
    assert area["ready"]["packages"][0]["consignment_ids"] == [rw.consignments["ready"].id]
    assert area["ready"]["packages"][0]["event_ids"] == [w.events["e1"].id]
    assert area["waiting_for_equipment"]["count"] == 1
    assert area["waiting_for_training"] == {"count": 0, "package_ids": [], "packages": []}
    gaps = r.json()["crews_without_equipment"]
    assert [g["code"] for g in gaps] == [rw.packages["equipment"].code]
    assert gaps[0]["trained_on"] == w.events["e3"].ends_on.isoformat()
    assert gaps[0]["equipment_expected_on"] is None
    (ready,) = [p for p in r.json()["packages"] if p["id"] == rw.packages["ready"].id]
    assert ready["status"] == "ready"
    assert ready["equipment_on"] == (TODAY - dt.timedelta(days=10)).isoformat()
    assert ready["readiness_on"] == ready["equipment_on"]
    # By id as well as by code.
    same = client.get("/api/training/readiness", params={"area": str(w.areas["air"].id)})
    assert same.json()["areas"] == r.json()["areas"]


@pytest.mark.parametrize("caller", EVERY_CALLER)
def test_seat_fill_counts_the_participants_the_caller_may_see(
    client: TestClient, session_factory: sessionmaker[Session], world: World, caller: str
) -> None:
    w, _ = world
    actor = _caller(client, session_factory, caller, world)
    r = client.get(f"/api/training/events/{w.events['e1'].id}/seat-fill")
    assert r.status_code == 200, r.text
    fill = r.json()
    assert fill["offered"] == 10
    if _request_seen(actor, w, "e1"):
        assert (fill["assigned"], fill["attended"], fill["completed"]) == (12, 8, 6)
        assert fill["participants"]["accepted"] == 2
    else:
        assert (fill["assigned"], fill["attended"], fill["completed"]) == (0, 0, 0)
        assert sum(fill["participants"].values()) == 0


@pytest.mark.parametrize("caller", EVERY_CALLER)
def test_statistics_count_the_participants_the_caller_may_see(
    client: TestClient, session_factory: sessionmaker[Session], world: World, caller: str
) -> None:
    w, _ = world
    actor = _caller(client, session_factory, caller, world)
    month = w.events["e1"].ends_on.isoformat()[:7]
    r = client.get(
        "/api/training/statistics",
        params={"from": month, "to": month, "host_nation": w.nations["A"].code},
    )
    assert r.status_code == 200, r.text
    (row,) = r.json()["rows"]
    assert (row["month"], row["course_type"], row["seats_offered"]) == (month, "collective", 10)
    seen = _request_seen(actor, w, "e1")
    assert row["trained"] == (6 if seen else 0)
    assert row["fill_rate"] == (0.8 if seen else 0)
    assert row["failure_rate"] == (pytest.approx(1 / 7) if seen else None)
    assert r.json()["notes"]


def test_a_missing_event_is_a_404(client: TestClient, world: World) -> None:
    r = client.get("/api/training/events/999999999/seat-fill")
    assert r.status_code == 404
    assert r.json()["error"] == "training_event_not_found"


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/training/readiness", {"area": "no-such-area"}, "area"),
        ("/api/training/statistics", {"from": "2025-13"}, "from"),
        ("/api/training/statistics", {"from": "2025-05", "to": "2025-04"}, "to"),
        ("/api/training/statistics", {"course_type": "lecture"}, "course_type"),
        ("/api/training/statistics", {"host_nation": "A\x00B"}, "host_nation"),
        ("/api/training/readiness", {"area": "air\x00"}, "area"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, world: World, path: str, params: dict[str, str], field: str
) -> None:
    r = client.get(path, params=params)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field


# --- The seat plan -------------------------------------------------------------------------------


@pytest.fixture
def bookable(session_factory: sessionmaker[Session], world: World) -> int:
    """An open event of c2 in 30 days, in the open request's window."""
    w, _ = world
    with session_factory() as s:
        event = TrainingEvent(
            course_id=w.courses["c2"].id,
            host_nation_id=w.nations["B"].id,
            site_id=w.sites["B"].id,
            starts_on=TODAY + dt.timedelta(days=30),
            ends_on=TODAY + dt.timedelta(days=37),
            seats_offered=8,
            status=TrainingEventStatus.OPEN,
        )
        s.add(event)
        s.commit()
        return event.id


def _assigned(factory: sessionmaker[Session], w: TrainingWorld) -> int | None:
    with factory() as s:
        return s.scalar(
            select(SeatRequest.training_event_id).where(SeatRequest.id == w.requests["open"].id)
        )


@pytest.mark.parametrize("caller", EVERY_CALLER)
@pytest.mark.parametrize("apply", [False, True])
def test_the_seat_plan_runs_for_coordinators_and_auditors_and_is_stored_by_coordinators(
    client: TestClient,
    session_factory: sessionmaker[Session],
    world: World,
    bookable: int,
    caller: str,
    apply: bool,
) -> None:
    w, _ = world
    actor = _caller(client, session_factory, caller, world)
    r = client.post("/api/training/seat-plan", json={"time_limit_s": 10, "apply": apply})
    if actor.role not in (Role.COORDINATOR, Role.AUDITOR):
        assert r.status_code == 404, r.text
    elif apply and actor.role is Role.AUDITOR:
        assert r.status_code == 403, r.text
    else:
        assert r.status_code == 200, r.text
        plan = r.json()
        assert plan["applied"] is apply
        assert plan["objective"] >= plan["greedy_objective"] >= 0
        trained = {a["request"]: a for a in plan["assignments"]}
        assert [e["event"] for e in trained[w.requests["open"].id]["events"]] == [bookable]
    stored = _assigned(session_factory, w)
    assert stored == (bookable if apply and actor.role is Role.COORDINATOR else None)


def test_an_unmet_request_says_why(client: TestClient, world: World) -> None:
    """Without a bookable event of its course, the open request is unmet, with a reason."""
    w, _ = world
    r = client.post("/api/training/seat-plan", json={})
    assert r.status_code == 200, r.text
    unmet = {u["request"]: u for u in r.json()["unmet_requests"]}
    reasons = unmet[w.requests["open"].id]["reasons"]
    assert reasons and all(x["code"] and x["message"] for x in reasons)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_limit_s": 0}, "time_limit_s"),
        ({"time_limit_s": 500}, "time_limit_s"),
        ({"apply": "soon"}, "apply"),
        ({"extra": 1}, "extra"),
    ],
)
def test_a_bad_seat_plan_run_is_a_422_naming_the_field(
    client: TestClient, world: World, body: dict[str, Any], field: str
) -> None:
    r = client.post("/api/training/seat-plan", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
