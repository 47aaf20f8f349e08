"""The training records over the API: courses with their item types and prerequisites (no
cycles), events with host, instructors and funding, seat requests by course or capability area,
and participants through their lifecycle. Every refusal names its field and changes nothing."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.core.enums import SiteKind
from nsatu.core.lifecycles import AllocationStatus
from nsatu.db.models import Allocation, Participant
from tests.factories import (
    make_capability_area,
    make_item_type,
    make_nation,
    make_offer,
    make_requirement,
    make_site,
)

_n = itertools.count(1)


def _course(client: TestClient, session: Session, **kw: Any) -> dict[str, Any]:
    n = next(_n)
    host = kw.pop("host", None) or make_nation(session, is_host=True)
    body = {
        "code": f"TRC-{n}",
        "title": f"Course {n}",
        "capability_area_id": kw.pop("area_id", None) or make_capability_area(session).id,
        "host_nation_id": host.id,
        "site_id": make_site(session, nation=host, kind=SiteKind.TRAINING_CENTRE).id,
        "duration_days": 10,
        "seats_per_event": 6,
    } | kw
    session.commit()
    r = client.post("/api/courses", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _event(client: TestClient, course: dict[str, Any], **kw: Any) -> dict[str, Any]:
    body = {"course_id": course["id"], "starts_on": "2026-07-06", "ends_on": "2026-07-15"} | kw
    r = client.post("/api/training-events", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_course_fields_item_types_and_prerequisites(client: TestClient, session: Session) -> None:
    area = make_capability_area(session)
    items = [make_item_type(session, capability_area=area).id for _ in range(2)]
    basic = _course(client, session, area_id=area.id)
    course = _course(
        client,
        session,
        area_id=area.id,
        course_type="collective",
        language="UK",
        pass_mark=75,
        item_type_ids=items,
        prerequisite_ids=[basic["id"]],
    )
    assert (course["course_type"], course["language"], course["pass_mark"]) == (
        "collective",
        "uk",
        75,
    )
    assert course["item_type_ids"] == items and course["prerequisite_ids"] == [basic["id"]]
    listed = client.get("/api/courses", params={"item_type_id": items[1]}).json()["items"]
    assert [c["id"] for c in listed] == [course["id"]]
    r = client.patch(
        f"/api/courses/{course['id']}", json={"version": course["version"], "item_type_ids": []}
    )
    assert r.status_code == 200 and r.json()["item_type_ids"] == []
    # A change of a list alone bumps the version: a write based on the old one is stale.
    assert r.json()["version"] == course["version"] + 1
    stale = client.patch(
        f"/api/courses/{course['id']}", json={"version": course["version"], "item_type_ids": items}
    )
    assert stale.status_code == 409 and stale.json()["field"] == "version"
    r = client.post("/api/courses", json={**_body(course), "code": "X-1", "item_type_ids": [2**30]})
    assert r.status_code == 422 and r.json()["field"] == "item_type_ids"


def _body(course: dict[str, Any]) -> dict[str, Any]:
    keep = ("title", "capability_area_id", "host_nation_id", "site_id", "duration_days")
    return {k: course[k] for k in keep} | {"seats_per_event": 5}


def test_a_prerequisite_cycle_is_refused_naming_the_field(
    client: TestClient, session: Session
) -> None:
    a = _course(client, session)
    b = _course(client, session, prerequisite_ids=[a["id"]])
    c = _course(client, session, prerequisite_ids=[b["id"]])
    # a ← b ← c: making c a prerequisite of a closes the loop.
    r = client.patch(f"/api/courses/{a['id']}", json={"version": 1, "prerequisite_ids": [c["id"]]})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "prerequisite_ids" and "cycle" in r.json()["detail"]
    assert f"{a['code']} → {c['code']} → {b['code']} → {a['code']}" in r.json()["detail"]
    r = client.patch(f"/api/courses/{a['id']}", json={"version": 1, "prerequisite_ids": [a["id"]]})
    assert r.status_code == 422 and r.json()["field"] == "prerequisite_ids"
    assert client.get(f"/api/courses/{a['id']}").json()["prerequisite_ids"] == []
    # Replacing b's prerequisites is no cycle through b's old edge.
    r = client.patch(f"/api/courses/{b['id']}", json={"version": 1, "prerequisite_ids": []})
    assert r.status_code == 200
    r = client.patch(f"/api/courses/{a['id']}", json={"version": 1, "prerequisite_ids": [c["id"]]})
    assert r.status_code == 200, r.text


def test_event_host_instructors_and_funding(client: TestClient, session: Session) -> None:
    course = _course(client, session)
    other = make_nation(session, is_host=True)
    not_host = make_nation(session)
    session.commit()
    e = _event(client, course, funding="eu_epf", instructor_nation_ids=[other.id])
    assert e["host_nation_id"] == course["host_nation_id"]
    assert (e["funding"], e["instructor_nation_ids"]) == ("eu_epf", [other.id])
    e2 = _event(client, course, host_nation_id=other.id)
    assert e2["host_nation_id"] == other.id
    r = client.post(
        "/api/training-events",
        json={
            "course_id": course["id"],
            "starts_on": "2026-07-06",
            "ends_on": "2026-07-15",
            "host_nation_id": not_host.id,
        },
    )
    assert r.status_code == 422 and r.json()["field"] == "host_nation_id"
    listed = client.get("/api/training-events", params={"host_nation_id": other.id}).json()
    assert [x["id"] for x in listed["items"]] == [e2["id"]]


def test_seat_requests_by_course_area_or_event(client: TestClient, session: Session) -> None:
    course = _course(client, session)
    other = _course(client, session)
    e = _event(client, course)
    need = make_requirement(session)
    offer = make_offer(session)
    proposed = Allocation(offer_line_id=offer.id, requirement_id=need.id, quantity=1)
    accepted = Allocation(
        offer_line_id=offer.id,
        requirement_id=need.id,
        quantity=1,
        status=AllocationStatus.ACCEPTED,
    )
    session.add_all([proposed, accepted])
    session.commit()
    base = {"recipient_unit": "Brigade", "seats": 3}
    r = client.post(
        "/api/seat-requests",
        json=base
        | {
            "course_id": course["id"],
            "earliest_start_on": "2026-07-01",
            "latest_finish_on": "2026-09-01",
            "weight": 5,
            "completed_course_ids": [other["id"]],
            "allocation_id": accepted.id,
        },
    )
    assert r.status_code == 201, r.text
    row = r.json()
    assert (row["training_event_id"], row["weight"], row["completed_course_ids"]) == (
        None,
        5,
        [other["id"]],
    )
    r = client.post("/api/seat-requests", json=base | {"training_event_id": e["id"]})
    assert r.status_code == 201 and r.json()["course_id"] == course["id"]
    r = client.post(
        "/api/seat-requests", json=base | {"capability_area_id": course["capability_area_id"]}
    )
    assert r.status_code == 201 and r.json()["course_id"] is None
    refusals = [
        (base, "course_id"),
        (base | {"course_id": other["id"], "training_event_id": e["id"]}, "training_event_id"),
        (
            base
            | {
                "course_id": course["id"],
                "earliest_start_on": "2026-07-01",
                "latest_finish_on": "2026-06-01",
            },
            "latest_finish_on",
        ),
        (base | {"course_id": course["id"], "allocation_id": proposed.id}, "allocation_id"),
        (base | {"course_id": course["id"], "seats": 0}, None),
    ]
    before = client.get("/api/seat-requests").json()["total"]
    for body, field in refusals:
        r = client.post("/api/seat-requests", json=body)
        assert r.status_code == 422, (body, r.text)
        if field:
            assert r.json()["field"] == field, r.text
    assert client.get("/api/seat-requests").json()["total"] == before
    # Assigning the open request to an event of its course: the seats are checked.
    r = client.patch(
        f"/api/seat-requests/{row['id']}",
        json={"version": row["version"], "training_event_id": e["id"], "seats": 4},
    )
    assert r.status_code == 409 and r.json()["field"] == "seats"  # 6 offered, 3 held
    r = client.patch(
        f"/api/seat-requests/{row['id']}",
        json={"version": row["version"], "training_event_id": e["id"]},
    )
    assert r.status_code == 200 and r.json()["training_event_id"] == e["id"]


def test_participants_through_their_lifecycle(client: TestClient, session: Session) -> None:
    course = _course(client, session, pass_mark=70)
    e = _event(client, course)
    req = client.post("/api/seat-requests", json={"training_event_id": e["id"], "seats": 2}).json()
    url = "/api/participants"
    r = client.post(url, json={"reference": "John Smith", "seat_request_id": req["id"]})
    assert r.status_code == 422  # a pseudonymous reference only, never a name
    p1 = client.post(url, json={"reference": "ua-000101", "seat_request_id": req["id"]}).json()
    assert (p1["reference"], p1["status"], p1["training_event_id"]) == (
        "UA-000101",
        "nominated",
        e["id"],
    )
    dup = client.post(url, json={"reference": "UA-000101", "seat_request_id": req["id"]})
    assert dup.status_code == 409 and dup.json()["field"] == "reference"
    p2 = client.post(url, json={"reference": "UA-000102", "seat_request_id": req["id"]}).json()
    r = client.post(url, json={"reference": "UA-000103", "seat_request_id": req["id"]})
    assert r.status_code == 409 and r.json()["field"] == "seat_request_id"  # 2 seats, 2 people

    def act(p: dict[str, Any], action: str) -> Any:
        return client.post(f"{url}/{p['id']}/{action}")

    assert act(p1, "accept").json()["status"] == "accepted"
    r = act(p1, "attend")
    assert r.status_code == 409 and r.json()["field"] == "training_event_id"  # not running yet
    for action in ("open", "start"):
        assert client.post(f"/api/training-events/{e['id']}/{action}").status_code == 200
    assert act(p1, "attend").json()["status"] == "attended"
    fresh = client.get(f"{url}/{p1['id']}").json()
    r = client.patch(f"{url}/{p1['id']}", json={"version": fresh["version"], "score": 60})
    assert r.status_code == 200
    r = act(p1, "complete")
    assert r.status_code == 409 and r.json()["field"] == "score"  # below the pass mark of 70
    assert act(p1, "fail").json()["status"] == "failed"
    r = act(p1, "complete")
    assert r.status_code == 409 and "allowed" in r.json()["detail"].lower()
    assert act(p2, "withdraw").json()["status"] == "withdrawn"
    # Failed and withdrawn people free their seats.
    p3 = client.post(url, json={"reference": "UA-000104", "seat_request_id": req["id"]})
    assert p3.status_code == 201, p3.text
    assert session.scalar(select(func.count()).select_from(Participant)) == 3
