"""The batch ingest API and the refused events, for every role (the leak matrix leaves these
routes to this file: a batch names consignments by reference and answers counts)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Role
from nsatu.db.models import Consignment, Site, TrackingEvent, TrackingRejection
from nsatu.logistics.generate import RouteSpec, seed_consignments
from nsatu.settings import Settings
from nsatu.web.app import create_app
from tests.conftest import sign_in

URL = "/api/tracking-events/batch"


@dataclass
class World:
    a: list[RouteSpec]  # consignments through hub A-HUB
    b: list[RouteSpec]  # through B-HUB
    clients: dict[str, TestClient]


def _event(
    route: RouteSpec, n: int, kind: str, site: str | None, hour: int, **kw: Any
) -> dict[str, Any]:
    return {
        "event_id": f"{route.reference}-{n}",
        "consignment": route.reference,
        "kind": kind,
        "site": site,
        "occurred_at": f"2025-03-01T{hour:02d}:00:00+02:00",
        **kw,
    }


@pytest.fixture
def world(session: Session, session_factory: sessionmaker[Session]) -> Iterator[World]:
    a = seed_consignments(session, 3, prefix="A", loaded=5)
    b = seed_consignments(session, 3, prefix="B", loaded=5)
    hub_a = session.scalars(select(Site).where(Site.code == "A-HUB")).one()
    session.commit()
    clients: dict[str, TestClient] = {}
    for name, role, extra in (
        ("coordinator", Role.COORDINATOR, {}),
        ("hub_a", Role.HUB_OPERATOR, {"site": hub_a}),
        ("recipient", Role.RECIPIENT_PLANNER, {}),
        ("donor", Role.DONOR_LIAISON, {}),
        ("trainer", Role.TRAINING_COORDINATOR, {}),
        ("auditor", Role.AUDITOR, {}),
        ("public", Role.PUBLIC, {}),
    ):
        app = create_app(Settings(database_url="sqlite://"), session_factory=session_factory)
        c = TestClient(app, raise_server_exceptions=False)
        if role is not Role.PUBLIC:
            sign_in(c, session_factory, role=role, **extra)
        clients[name] = c
    yield World(a, b, clients)
    for c in clients.values():
        c.close()


def _count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _status(session: Session, reference: str) -> str:
    session.expire_all()
    return str(
        session.scalars(select(Consignment.status).where(Consignment.reference == reference)).one()
    )


def test_a_batch_applies_ignores_retries_and_keeps_refusals(world: World, session: Session) -> None:
    coordinator = world.clients["coordinator"]
    r0, r1 = world.a[0], world.a[1]
    events = [
        _event(r0, 2, "arrived_hub", "A-HUB", 12),  # sent before the departure it follows
        _event(r0, 1, "departed", "A-DEP", 8, quantity="5"),
        _event(r1, 1, "handed_over", "A-HOP", 9),  # before it departed: impossible
        _event(r1, 2, "departed", "A-DEP", 10, quantity="7", serials=[]),  # more than loaded
        _event(r0, 3, "hold", "ZZ-NOWHERE", 13),  # an unknown site
    ]
    r = coordinator.post(URL, json={"events": events})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["applied"], body["duplicates"], body["rejected"]) == (2, 0, 3)
    assert body["batch"] is not None
    reasons = {x["event_id"]: x["reason"] for x in body["refusals"]}
    assert "has not departed" in reasons[f"{r1.reference}-1"]
    assert "quantity 7 is more than 5 that was loaded" in reasons[f"{r1.reference}-2"]
    assert "unknown site ZZ-NOWHERE" in reasons[f"{r0.reference}-3"]
    assert {x["row"] for x in body["refusals"]} == {3, 4, 5}
    assert _status(session, r0.reference) == "at_hub"
    assert _status(session, r1.reference) == "ready"

    again = coordinator.post(URL, json={"events": events}).json()
    assert (again["applied"], again["duplicates"], again["rejected"]) == (0, 2, 3)
    assert again["batch"] is None
    listed = coordinator.get("/api/tracking-rejections").json()
    assert listed["total"] == 3
    assert {i["attempts"] for i in listed["items"]} == {1}

    # The refused departure, corrected and sent again with the same id, resolves its refusal.
    fixed = _event(r1, 2, "departed", "A-DEP", 10, quantity="5")
    r = coordinator.post(URL, json={"events": [fixed]}).json()
    assert (r["applied"], r["rejected"]) == (1, 0)
    assert coordinator.get("/api/tracking-rejections").json()["total"] == 2
    resolved = coordinator.get("/api/tracking-rejections", params={"resolved": True}).json()
    assert [i["event_id"] for i in resolved["items"]] == [f"{r1.reference}-2"]
    assert resolved["items"][0]["tracking_event_id"] is not None


def test_bad_input_is_a_422_naming_row_and_field_and_writes_nothing(
    world: World, session: Session
) -> None:
    coordinator = world.clients["coordinator"]
    route = world.a[0]
    good = _event(route, 1, "departed", "A-DEP", 8)
    for bad, field in (
        ({"occurred_at": "2025-03-01T08:00:00"}, "events.1.occurred_at"),  # no offset
        ({"kind": "teleported"}, "events.1.kind"),
        ({"quantity": "-1"}, "events.1.quantity"),
        ({"event_id": ""}, "events.1.event_id"),
        ({"serials": ["a;b"]}, "events.1.serials.0"),
        ({"occurred_at": "soon"}, "events.1.occurred_at"),
    ):
        r = coordinator.post(URL, json={"events": [good, good | bad]})
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["field"] == field
    assert coordinator.post(URL, json={"events": []}).status_code == 422
    assert (
        coordinator.post(
            URL, content=b"{not json", headers={"Content-Type": "application/json"}
        ).status_code
        == 422
    )
    assert _count(session, TrackingEvent) == 0
    assert _count(session, TrackingRejection) == 0


def test_roles_record_only_what_they_may_and_see_only_their_scope(
    world: World, session: Session
) -> None:
    a, b = world.a[0], world.b[0]
    hub_a = world.clients["hub_a"]
    # A hub operator records at its own hub ...
    coordinator = world.clients["coordinator"]
    coordinator.post(URL, json={"events": [_event(a, 1, "departed", "A-DEP", 8)]})
    r = hub_a.post(URL, json={"events": [_event(a, 2, "arrived_hub", "A-HUB", 12)]})
    assert r.status_code == 200 and r.json()["applied"] == 1
    # ... not elsewhere: 403 naming the row, nothing written.
    before = _count(session, TrackingEvent)
    r = hub_a.post(
        URL,
        json={
            "events": [
                _event(a, 3, "handled", "A-HUB", 13),
                _event(a, 4, "handed_over", "A-HOP", 14),
            ]
        },
    )
    assert r.status_code == 403 and "row 2" in r.json()["detail"] and r.json()["field"] == "site"
    assert _count(session, TrackingEvent) == before
    # A consignment outside its scope is not found, exactly as one that does not exist.
    r = hub_a.post(
        URL,
        json={
            "events": [
                _event(b, 1, "hold", "A-HUB", 8),
                {**_event(b, 2, "hold", "A-HUB", 8), "consignment": "NO-SUCH"},
            ]
        },
    ).json()
    assert r["rejected"] == 2
    assert [x["reason"].split(": ", 1)[1] for x in r["refusals"]] == [
        f"consignment {b.reference} not found",
        "consignment NO-SUCH not found",
    ]
    # The recipient proves delivery only.
    recipient = world.clients["recipient"]
    r = recipient.post(URL, json={"events": [_event(a, 5, "departed_hub", "A-HUB", 15)]})
    assert r.status_code == 403 and r.json()["field"] == "kind"
    r = recipient.post(URL, json={"events": [_event(a, 5, "damaged", None, 15, quantity="1")]})
    assert r.status_code == 200 and r.json()["applied"] == 1
    for name in ("donor", "trainer", "auditor", "public"):
        r = world.clients[name].post(URL, json={"events": [_event(a, 9, "hold", "A-HUB", 16)]})
        assert r.status_code == 403, name
        r = world.clients[name].post("/api/tracking-rejections/replay", json={})
        assert r.status_code == 403, name
    # Refusals: each sender sees its own; coordinators and auditors all; the public none.
    totals = {
        name: world.clients[name].get("/api/tracking-rejections").json()["total"]
        for name in world.clients
    }
    assert totals == {
        "coordinator": 2,
        "hub_a": 2,
        "recipient": 0,
        "donor": 0,
        "trainer": 0,
        "auditor": 2,
        "public": 0,
    }
    coordinator_own = coordinator.get("/api/tracking-rejections").json()["items"]
    assert {i["submitted_by"] for i in coordinator_own} == {
        i["submitted_by"] for i in hub_a.get("/api/tracking-rejections").json()["items"]
    }


def test_replay_applies_refusals_once_the_data_is_fixed(world: World, session: Session) -> None:
    coordinator = world.clients["coordinator"]
    route = world.a[0]
    late = _event(route, 2, "arrived_hub", "A-HUB", 12)
    r = coordinator.post(URL, json={"events": [late]}).json()
    assert r["rejected"] == 1
    refusal = coordinator.get("/api/tracking-rejections").json()["items"][0]
    # Still impossible: the replay keeps it, with one more attempt.
    r = coordinator.post("/api/tracking-rejections/replay", json={"ids": [refusal["id"]]}).json()
    assert r["rejected"] == 1
    assert coordinator.get("/api/tracking-rejections").json()["items"][0]["attempts"] == 2
    # The departure it was waiting for arrives; the replay now applies it.
    coordinator.post(URL, json={"events": [_event(route, 1, "departed", "A-DEP", 8)]})
    r = coordinator.post("/api/tracking-rejections/replay", json={}).json()
    assert (r["applied"], r["rejected"]) == (1, 0)
    assert coordinator.get("/api/tracking-rejections").json()["total"] == 0
    assert _status(session, route.reference) == "at_hub"
    r = coordinator.post("/api/tracking-rejections/replay", json={"ids": [refusal["id"]]})
    assert r.status_code == 404 and r.json()["field"] == "ids"


def test_a_failed_commit_is_an_error_and_stores_nothing(
    world: World, session: Session, session_factory: sessionmaker[Session]
) -> None:
    route = world.a[0]
    events = [
        _event(route, 1, "departed", "A-DEP", 8),
        _event(route, 2, "hold", "A-HUB", 9),
        _event(route, 3, "received", "A-HOP", 7),  # impossible: would be stored as a refusal
    ]

    def boom(_session: Session) -> None:
        raise RuntimeError("disk full")

    event.listen(session_factory, "before_commit", boom)
    try:
        r = world.clients["coordinator"].post(URL, json={"events": events})
    finally:
        event.remove(session_factory, "before_commit", boom)
    assert r.status_code == 500
    assert "request id" in r.json()["detail"]
    assert _count(session, TrackingEvent) == 0
    assert _count(session, TrackingRejection) == 0
    assert _status(session, route.reference) == "ready"
