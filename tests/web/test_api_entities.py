"""Generic tests of every registry entity under ``/api`` (NetBox style), then the rules of each domain.

Each entity is described once by a :class:`Spec`: how to build a valid create payload (making its
prerequisites with the factories), a valid change, a filter, a sort key, an invalid payload and, for
entities with a lifecycle, a short script of actions. The same tests then run over all of them, on
every backend.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.enums import OfferKind, SiteKind
from nsatu.core.lifecycles import (
    ConsignmentStatus,
    OfferStage,
    RequirementStatus,
    TrainingEventStatus,
)
from nsatu.db.models import Consignment, ConsignmentLine, Course, OfferLine, Site, TrainingEvent
from nsatu.settings import Settings
from nsatu.web.app import create_app
from tests.conftest import as_coordinator
from tests.factories import (
    make_capability_area,
    make_item_type,
    make_nation,
    make_offer,
    make_requirement,
    make_site,
)

Payload = dict[str, Any]
_seq = itertools.count(1)
MISSING = 999_999


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(database_url="sqlite://"))


@pytest.fixture
def client(app: FastAPI, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    """The shared ``client``, but with one app for the module: building the app's hundred-odd
    routes costs more than most of these tests. Each test still gets its own rolled-back
    transaction through ``session_factory``."""
    app.state.session_factory = session_factory
    with TestClient(app, raise_server_exceptions=False) as c:
        yield as_coordinator(c, session_factory)


# --- Local factories for the logistics and training rows ----------------------------------------


def make_consignment(session: Session, **kw: Any) -> Consignment:
    n = next(_seq)
    origin = kw.pop("origin", None) or make_site(session)
    destination = kw.pop("destination", None) or make_site(session)
    obj = Consignment(
        **(
            {
                "reference": f"CSG-T{n}",
                "origin_site_id": origin.id,
                "destination_site_id": destination.id,
            }
            | kw
        )
    )
    session.add(obj)
    session.flush()
    return obj


def make_shippable_offer(session: Session, quantity: int = 10, **kw: Any) -> OfferLine:
    return make_offer(session, quantity=quantity, **({"stage": OfferStage.COMMITTED} | kw))


def make_training_centre(session: Session, **kw: Any) -> Site:
    return make_site(session, **({"kind": SiteKind.TRAINING_CENTRE} | kw))


def make_course(session: Session, **kw: Any) -> Course:
    n = next(_seq)
    host = kw.pop("host", None) or make_nation(session, is_host=True)
    obj = Course(
        **(
            {
                "code": f"CRS-{n}",
                "title": f"Course {n}",
                "capability_area_id": make_capability_area(session).id,
                "host_nation_id": host.id,
                "duration_days": 10,
                "seats_per_event": 12,
            }
            | kw
        )
    )
    session.add(obj)
    session.flush()
    return obj


def make_event(session: Session, *, seats: int = 10, **kw: Any) -> TrainingEvent:
    course = kw.pop("course", None) or make_course(session)
    obj = TrainingEvent(
        **(
            {
                "course_id": course.id,
                "starts_on": dt.date(2025, 6, 2),
                "ends_on": dt.date(2025, 6, 13),
                "seats_offered": seats,
            }
            | kw
        )
    )
    session.add(obj)
    session.flush()
    return obj


def _letters(n: int) -> str:
    a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "Z" + a[(n // 26) % 26] + a[n % 26]


# --- Builders: a valid create payload each (n makes codes unique and sort keys differ) ----------


def build_nation(session: Session, n: int) -> Payload:
    return {"code": _letters(n), "name": f"Testland {n}", "is_donor": True, "nato_member": True}


def build_organisation(session: Session, n: int) -> Payload:
    return {"name": f"Org {n:05d}", "kind": "ministry", "nation_id": make_nation(session).id}


def build_site(session: Session, n: int) -> Payload:
    return {
        "code": f"SITE-X{n:05d}",
        "name": f"Hub {n}",
        "kind": "hub",
        "nation_id": make_nation(session).id,
        "latitude": "50.110000",
        "longitude": "22.020000",
        "road_capacity_per_day": 120,
    }


def build_capability_area(session: Session, n: int) -> Payload:
    return {"code": f"CAX{n:05d}", "name": f"Area {n}", "coalition": "Test coalition"}


def build_item_type(session: Session, n: int) -> Payload:
    return {
        "code": f"itx-{n:05d}",
        "public_name": f"Generator {n}",
        "category": "Power",
        "capability_area_id": make_capability_area(session).id,
        "substitution_family": f"fam-{n}",
        "nsn": f"6115{n:09d}",
        "reference_unit_value": "1500.00",
        "reference_value_currency": "EUR",
    }


def build_allocation(session: Session, n: int) -> Payload:
    area = make_capability_area(session)
    item = make_item_type(session, capability_area=area)
    need = make_requirement(
        session, capability_area=area, item_type_id=item.id, status=RequirementStatus.PUBLISHED
    )
    offer = make_shippable_offer(session, quantity=100, item_type_id=item.id)
    return {"offer_line_id": offer.id, "requirement_id": need.id, "quantity": f"{n % 50 + 1}"}


def build_consignment(session: Session, n: int) -> Payload:
    return {
        "reference": f"CSG-X{n}",
        "kind": "repair" if n % 2 else "delivery",
        "origin_site_id": make_site(session, kind=SiteKind.DEPOT).id,
        "destination_site_id": make_site(session, kind=SiteKind.HUB).id,
        "planned_departure_on": (dt.date(2025, 1, 1) + dt.timedelta(days=n % 300)).isoformat(),
        "notes": "pallets",
    }


def build_consignment_line(session: Session, n: int) -> Payload:
    return {
        "consignment_id": make_consignment(session).id,
        "offer_line_id": make_shippable_offer(session, quantity=100).id,
        "quantity": f"{n % 90 + 1}.5",
    }


def build_consignment_leg(session: Session, n: int) -> Payload:
    departs = dt.date(2025, 1, 1) + dt.timedelta(days=n % 300)
    return {
        "consignment_id": make_consignment(session).id,
        "seq": 1,
        "from_site_id": make_site(session).id,
        "to_site_id": make_site(session).id,
        "mode": "road",
        "carrier": f"Carrier {n}",
        "carrier_reference": f"CMR-{n}",
        "planned_departure_on": departs.isoformat(),
        "planned_arrival_on": (departs + dt.timedelta(days=2)).isoformat(),
        "weight_t": f"{n % 40 + 1}.250",
        "lift_units": "3.000",
        "dangerous_goods": n % 2 == 0,
        "oversize": n % 3 == 0,
    }


def make_ready_consignment(session: Session, quantity: int = 10, **kw: Any) -> Consignment:
    """A consignment carrying ``quantity`` units of one committed offer, ready to depart."""
    consignment = make_consignment(session, **kw)
    offer = make_shippable_offer(session, quantity=quantity)
    session.add(
        ConsignmentLine(
            consignment_id=consignment.id, offer_line_id=offer.id, quantity=Decimal(quantity)
        )
    )
    consignment.status = ConsignmentStatus.READY
    session.flush()
    return consignment


def build_tracking_event(session: Session, n: int) -> Payload:
    at = dt.datetime(2025, 1, 1, 8, tzinfo=dt.UTC) + dt.timedelta(hours=n)
    consignment = make_ready_consignment(session)
    return {
        "consignment_id": consignment.id,
        "event_id": f"scan-{n}",
        "site_id": consignment.origin_site_id,
        "kind": "departed",
        "occurred_at": at.isoformat(),
        "quantity": "10",
        "note": "left the depot",
    }


def build_course(session: Session, n: int) -> Payload:
    return {
        "code": f"CRX-{n:05d}",
        "title": f"Maintenance course {n}",
        "capability_area_id": make_capability_area(session).id,
        "host_nation_id": make_nation(session, is_host=True).id,
        "site_id": make_training_centre(session).id,
        "duration_days": 10,
        "seats_per_event": 16,
    }


def build_training_event(session: Session, n: int) -> Payload:
    starts = dt.date(2025, 1, 6) + dt.timedelta(days=n % 300)
    return {
        "course_id": make_course(session).id,
        "starts_on": starts.isoformat(),
        "ends_on": (starts + dt.timedelta(days=9)).isoformat(),
        "seats_offered": 20,
    }


def build_seat_request(session: Session, n: int) -> Payload:
    return {
        "training_event_id": make_event(session, seats=50).id,
        "seats": n % 40 + 1,
        "note": "crew",
    }


@dataclass(frozen=True)
class Step:
    """One lifecycle action: ``to`` is the new state (200) or, with ``allowed``, a refusal (409)."""

    action: str
    to: str | None = None
    allowed: list[str] | None = None


@dataclass(frozen=True)
class Spec:
    name: str
    build: Callable[[Session, int], Payload]
    change: Payload | None  # None: append-only, no PATCH
    filter: tuple[str, str]  # (query parameter, read field it selects on)
    sort: str
    invalid: tuple[Payload, str]  # (overrides making the payload invalid, the field named)
    initial: str | None = None  # the state a new row starts in (entities with a lifecycle)
    initial_actions: list[str] = field(default_factory=list)
    script: list[Step] = field(default_factory=list)

    def __str__(self) -> str:
        return self.name


SPECS = [
    Spec(
        "nations",
        build_nation,
        {"name": "Renamed", "eu_member": True},
        ("q", "code"),
        "code",
        ({"code": "12"}, "code"),
    ),
    Spec(
        "organisations",
        build_organisation,
        {"name": "Renamed org", "kind": "agency"},
        ("nation_id", "nation_id"),
        "name",
        ({"kind": "army"}, "kind"),
    ),
    Spec(
        "sites",
        build_site,
        {"name": "Renamed hub", "storage_capacity": 900},
        ("nation_id", "nation_id"),
        "code",
        ({"latitude": "91"}, "latitude"),
    ),
    Spec(
        "capability-areas",
        build_capability_area,
        {"description": "Air defence sustainment"},
        ("q", "code"),
        "code",
        ({"code": ""}, "code"),
    ),
    Spec(
        "item-types",
        build_item_type,
        {"public_name": "Renamed generator", "reference_unit_value": "1750.50"},
        ("capability_area_id", "capability_area_id"),
        "code",
        ({"nsn": "12-34"}, "nsn"),
    ),
    Spec(
        "allocations",
        build_allocation,
        {"quantity": "60", "note": "second tranche"},
        ("offer_line_id", "offer_line_id"),
        "quantity",
        ({"quantity": "0"}, "quantity"),
        initial="proposed",
        initial_actions=["accept", "reject"],
        script=[Step("accept", to="accepted"), Step("accept", allowed=["rejected"])],
    ),
    Spec(
        "consignments",
        build_consignment,
        {"planned_departure_on": "2026-02-01", "notes": "re-planned"},
        ("origin_site_id", "origin_site_id"),
        "planned_departure_on",
        ({"planned_departure_on": "2025-02-30"}, "planned_departure_on"),
        initial="created",
        initial_actions=["ready", "cancel"],
        script=[
            Step("close", allowed=["ready", "cancelled"]),
            Step("cancel", to="cancelled"),
            Step("ready", allowed=[]),
        ],
    ),
    Spec(
        "consignment-lines",
        build_consignment_line,
        {"quantity": "99.250"},
        ("consignment_id", "consignment_id"),
        "quantity",
        ({"quantity": "-1"}, "quantity"),
    ),
    Spec(
        "consignment-legs",
        build_consignment_leg,
        {"mode": "rail", "seq": 2, "carrier": "Rail Cargo", "dangerous_goods": True},
        ("consignment_id", "consignment_id"),
        "planned_departure_on",
        ({"mode": "teleport"}, "mode"),
    ),
    Spec(
        "tracking-events",
        build_tracking_event,
        None,
        ("consignment_id", "consignment_id"),
        "occurred_at",
        ({"occurred_at": "2025-03-01T10:00:00"}, "occurred_at"),  # no time zone
    ),
    Spec(
        "courses",
        build_course,
        {"title": "Renamed course", "seats_per_event": 24},
        ("host_nation_id", "host_nation_id"),
        "code",
        ({"duration_days": 0}, "duration_days"),
    ),
    Spec(
        "training-events",
        build_training_event,
        {"seats_offered": 25, "ends_on": "2026-01-01"},
        ("course_id", "course_id"),
        "starts_on",
        ({"starts_on": "soon"}, "starts_on"),
        initial="planned",
        initial_actions=["open", "cancel"],
        script=[
            Step("complete", allowed=["open", "cancelled"]),
            Step("open", to="open"),
            Step("open", allowed=["running", "cancelled"]),
        ],
    ),
    Spec(
        "seat-requests",
        build_seat_request,
        {"seats": 45, "note": "two crews"},
        ("training_event_id", "training_event_id"),
        "seats",
        ({"seats": 0}, "seats"),
        initial="requested",
        initial_actions=["confirm", "decline", "cancel"],
        script=[
            Step("attend", allowed=["confirmed", "declined", "cancelled"]),
            Step("confirm", to="confirmed"),
            Step("confirm", allowed=["attended", "cancelled"]),
        ],
    ),
]
UPDATABLE = [s for s in SPECS if s.change is not None]
WITH_LIFECYCLE = [s for s in SPECS if s.initial is not None]


def spec_named(name: str) -> Spec:
    return next(s for s in SPECS if s.name == name)


def same(sent: Any, got: Any) -> bool:
    """Equal as the API means it: decimals by value ("5" is "5.000"), times by instant."""
    if sent == got:
        return True
    if isinstance(sent, str) and isinstance(got, str):
        try:
            return Decimal(sent) == Decimal(got)
        except InvalidOperation:
            pass
        try:
            return dt.datetime.fromisoformat(sent) == dt.datetime.fromisoformat(got)
        except ValueError:
            return False
    return False


def assert_same_row(got: Payload, expected: Payload) -> None:
    """The same row: every field equal by value. (Decimals are compared by value because a POST or
    PATCH echoes the number as sent, "4.5", while a read shows the column's scale, "4.500".)"""
    assert got.keys() == expected.keys()
    diff = {k: (got[k], expected[k]) for k in got if not same(got[k], expected[k])}
    assert not diff


def sort_value(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


def create(client: TestClient, session: Session, spec: Spec) -> tuple[Payload, Payload]:
    """Build prerequisites, then POST; return (payload, created row)."""
    payload = spec.build(session, next(_seq))
    session.commit()
    r = client.post(f"/api/{spec.name}", json=payload)
    assert r.status_code == 201, r.text
    return payload, r.json()


def all_ids(client: TestClient, spec: Spec, **params: Any) -> list[int]:
    r = client.get(f"/api/{spec.name}", params={"size": 500, **params})
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]]


# --- The generic tests -------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_create_then_read_back(client: TestClient, session: Session, spec: Spec) -> None:
    payload, created = create(client, session, spec)
    for key, value in payload.items():
        assert same(value, created[key]), (key, value, created[key])
    if spec.change is not None:
        assert created["version"] == 1
    if spec.initial is not None:
        assert created["status"] == spec.initial
    read = client.get(f"/api/{spec.name}/{created['id']}")
    assert read.status_code == 200
    assert_same_row(read.json(), created)


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_list_pages(client: TestClient, session: Session, spec: Spec) -> None:
    for _ in range(3):
        create(client, session, spec)
    every = all_ids(client, spec)
    assert len(every) >= 3
    seen: list[int] = []
    page = 1
    while True:
        r = client.get(f"/api/{spec.name}", params={"page": page, "size": 2})
        body = r.json()
        assert r.status_code == 200
        assert body["total"] == len(every)
        assert body["pages"] == -(-len(every) // 2)
        assert body["page"] == page and body["size"] == 2
        if not body["items"]:
            break
        assert len(body["items"]) <= 2
        seen += [i["id"] for i in body["items"]]
        page += 1
    assert page == body["pages"] + 1
    assert sorted(seen) == sorted(every) and len(seen) == len(set(seen))
    for bad in ({"size": 0}, {"size": 501}, {"page": 0}):
        r = client.get(f"/api/{spec.name}", params=bad)
        assert r.status_code == 422 and r.json()["field"] == next(iter(bad))


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_list_filter(client: TestClient, session: Session, spec: Spec) -> None:
    _, a = create(client, session, spec)
    _, b = create(client, session, spec)
    param, attr = spec.filter
    assert a[attr] != b[attr], "the builder must vary the filtered field"
    r = client.get(f"/api/{spec.name}", params={param: a[attr], "size": 500})
    assert r.status_code == 200
    items = r.json()["items"]
    ids = [i["id"] for i in items]
    assert a["id"] in ids and b["id"] not in ids
    for item in items:
        if param == attr:
            assert item[attr] == a[attr]
        else:  # a text search: the value appears in one of the row's texts
            texts = " ".join(str(v) for v in item.values() if isinstance(v, str)).lower()
            assert str(a[attr]).lower() in texts


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_list_sort(client: TestClient, session: Session, spec: Spec) -> None:
    for _ in range(3):
        create(client, session, spec)
    up = client.get(f"/api/{spec.name}", params={"sort": spec.sort, "size": 500}).json()["items"]
    down = client.get(f"/api/{spec.name}", params={"sort": f"-{spec.sort}", "size": 500}).json()[
        "items"
    ]
    values = [sort_value(i[spec.sort]) for i in up]
    assert len(set(values)) > 1, "the builder must vary the sort key"
    assert values == sorted(values)
    assert [sort_value(i[spec.sort]) for i in down] == sorted(values, reverse=True)
    bad = client.get(f"/api/{spec.name}", params={"sort": "no_such_field"})
    assert bad.status_code == 422 and bad.json()["field"] == "sort"


@pytest.mark.parametrize("spec", UPDATABLE, ids=str)
def test_update_bumps_the_version(client: TestClient, session: Session, spec: Spec) -> None:
    assert spec.change is not None
    _, created = create(client, session, spec)
    r = client.patch(f"/api/{spec.name}/{created['id']}", json={"version": 1, **spec.change})
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["version"] == 2
    for key, value in spec.change.items():
        assert same(value, updated[key]), (key, value, updated[key])
    untouched = set(created) - set(spec.change) - {"version", "updated_at"}
    assert_same_row({k: updated[k] for k in untouched}, {k: created[k] for k in untouched})
    assert_same_row(client.get(f"/api/{spec.name}/{created['id']}").json(), updated)


@pytest.mark.parametrize("spec", UPDATABLE, ids=str)
def test_stale_update_is_a_409_and_changes_nothing(
    client: TestClient, session: Session, spec: Spec
) -> None:
    assert spec.change is not None
    _, created = create(client, session, spec)
    url = f"/api/{spec.name}/{created['id']}"
    first = client.patch(url, json={"version": 1, **spec.change})
    assert first.status_code == 200, first.text
    # The same edit made again from the old copy: had it been applied, the version would move.
    stale = client.patch(url, json={"version": 1, **spec.change})
    assert stale.status_code == 409
    assert stale.json()["error"] == "stale_version"
    assert stale.json()["field"] == "version"
    assert_same_row(client.get(url).json(), first.json())


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_unknown_id_is_a_404(client: TestClient, spec: Spec) -> None:
    r = client.get(f"/api/{spec.name}/{MISSING}")
    assert r.status_code == 404
    assert r.json()["error"].endswith("not_found")
    assert str(MISSING) in r.json()["detail"]
    if spec.change is not None:
        r = client.patch(f"/api/{spec.name}/{MISSING}", json={"version": 1, **spec.change})
        assert r.status_code == 404
    if spec.initial is not None:
        assert client.get(f"/api/{spec.name}/{MISSING}/transitions").status_code == 404
        assert client.post(f"/api/{spec.name}/{MISSING}/{spec.script[0].action}").status_code == 404


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_invalid_payload_is_a_422_naming_the_field(
    client: TestClient, session: Session, spec: Spec
) -> None:
    payload = spec.build(session, next(_seq))
    session.commit()
    before = all_ids(client, spec)
    overrides, name = spec.invalid
    r = client.post(f"/api/{spec.name}", json=payload | overrides)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == name
    assert name in r.json()["detail"]
    missing_fk = next((k for k in payload if k.endswith("_id")), None)
    if missing_fk is not None:
        r = client.post(f"/api/{spec.name}", json=payload | {missing_fk: MISSING})
        assert r.status_code == 422 and r.json()["field"] == missing_fk
    r = client.post(f"/api/{spec.name}", json=payload | {"unexpected": 1})
    assert r.status_code == 422 and r.json()["field"] == "unexpected"
    assert all_ids(client, spec) == before


def test_tracking_events_are_append_only(client: TestClient, session: Session) -> None:
    spec = spec_named("tracking-events")
    _, created = create(client, session, spec)
    r = client.patch(f"/api/tracking-events/{created['id']}", json={"note": "rewritten"})
    assert r.status_code == 405
    assert_same_row(client.get(f"/api/tracking-events/{created['id']}").json(), created)


@pytest.mark.parametrize("spec", WITH_LIFECYCLE, ids=str)
def test_lifecycle_actions(client: TestClient, session: Session, spec: Spec) -> None:
    _, row = create(client, session, spec)
    url = f"/api/{spec.name}/{row['id']}"
    transitions = client.get(f"{url}/transitions")
    assert transitions.status_code == 200
    assert [t["action"] for t in transitions.json()] == spec.initial_actions
    for step in spec.script:
        r = client.post(f"{url}/{step.action}", json={"version": row["version"]})
        if step.allowed is not None:
            assert r.status_code == 409, r.text
            assert r.json()["error"] == "illegal_transition"
            assert r.json()["allowed"] == step.allowed
            assert_same_row(client.get(url).json(), row)
        else:
            assert r.status_code == 200, r.text
            moved = r.json()
            assert moved["status"] == step.to
            assert moved["version"] == row["version"] + 1
            row = moved
            targets = [t["target"] for t in client.get(f"{url}/transitions").json()]
            assert all(t != step.to for t in targets)


@pytest.mark.parametrize("spec", WITH_LIFECYCLE, ids=str)
def test_action_with_a_stale_version_is_a_409(
    client: TestClient, session: Session, spec: Spec
) -> None:
    _, row = create(client, session, spec)
    url = f"/api/{spec.name}/{row['id']}"
    legal = next(s for s in spec.script if s.to is not None)
    r = client.post(f"{url}/{legal.action}", json={"version": row["version"] + 1})
    assert r.status_code == 409 and r.json()["error"] == "stale_version"
    assert_same_row(client.get(url).json(), row)


# --- Reference rules ---------------------------------------------------------------------------


def test_item_type_nsn_must_be_13_digits(client: TestClient, session: Session) -> None:
    payload = build_item_type(session, next(_seq))
    session.commit()
    for bad in ("5820-01-123-456", "58200112345678", "0020011234567", "5820-O1-123-4567"):
        r = client.post("/api/item-types", json=payload | {"nsn": bad})
        assert r.status_code == 422, bad
        assert r.json()["field"] == "nsn"
    r = client.post("/api/item-types", json=payload | {"nsn": "5820-01-123-4567"})
    assert r.status_code == 201 and r.json()["nsn"] == "5820011234567"
    row = r.json()
    r = client.patch(f"/api/item-types/{row['id']}", json={"version": 1, "nsn": "1234"})
    assert r.status_code == 422 and r.json()["field"] == "nsn"
    assert_same_row(client.get(f"/api/item-types/{row['id']}").json(), row)


@pytest.mark.parametrize("kind", ["handover_point", "training_centre", "hq"])
def test_site_capacity_only_on_hubs_and_depots(
    client: TestClient, session: Session, kind: str
) -> None:
    payload = build_site(session, next(_seq))
    session.commit()
    r = client.post("/api/sites", json=payload | {"kind": kind})
    assert r.status_code == 422 and r.json()["field"] == "road_capacity_per_day"
    plain = {k: v for k, v in payload.items() if k != "road_capacity_per_day"}
    r = client.post("/api/sites", json=plain | {"kind": kind})
    assert r.status_code == 201
    r = client.patch(f"/api/sites/{r.json()['id']}", json={"version": 1, "storage_capacity": 5})
    assert r.status_code == 422 and r.json()["field"] == "storage_capacity"


def test_site_kind_cannot_change_while_it_has_a_capacity(
    client: TestClient, session: Session
) -> None:
    payload = build_site(session, next(_seq))
    session.commit()
    depot = client.post("/api/sites", json=payload | {"kind": "depot"}).json()
    r = client.patch(f"/api/sites/{depot['id']}", json={"version": 1, "kind": "hq"})
    assert r.status_code == 422 and r.json()["field"] == "road_capacity_per_day"
    r = client.patch(
        f"/api/sites/{depot['id']}",
        json={"version": 1, "kind": "hq", "road_capacity_per_day": None},
    )
    assert r.status_code == 200 and r.json()["kind"] == "hq"


# --- Logistics rules ---------------------------------------------------------------------------


def test_consignment_reference_is_generated_and_unique(
    client: TestClient, session: Session
) -> None:
    payload = build_consignment(session, next(_seq))
    session.commit()
    r = client.post("/api/consignments", json=payload | {"reference": None})
    assert r.status_code == 201
    generated = r.json()["reference"]
    assert generated.startswith("CSG-") and len(generated) == 12
    again = client.post("/api/consignments", json=payload | {"reference": generated})
    assert again.status_code == 409 and again.json()["field"] == "reference"
    other = client.post("/api/consignments", json=payload).json()
    r = client.patch(
        f"/api/consignments/{other['id']}", json={"version": 1, "reference": generated}
    )
    assert r.status_code == 409 and r.json()["field"] == "reference"


def test_consignment_origin_and_destination_differ(client: TestClient, session: Session) -> None:
    payload = build_consignment(session, next(_seq))
    session.commit()
    same_site = payload | {"destination_site_id": payload["origin_site_id"]}
    r = client.post("/api/consignments", json=same_site)
    assert r.status_code == 422 and r.json()["field"] == "destination_site_id"
    row = client.post("/api/consignments", json=payload).json()
    r = client.patch(
        f"/api/consignments/{row['id']}",
        json={"version": 1, "origin_site_id": payload["destination_site_id"]},
    )
    assert r.status_code == 422 and r.json()["field"] == "destination_site_id"


def test_required_fields_cannot_be_nulled(client: TestClient, session: Session) -> None:
    payload = build_consignment(session, next(_seq))
    session.commit()
    row = client.post("/api/consignments", json=payload).json()
    r = client.patch(f"/api/consignments/{row['id']}", json={"version": 1, "origin_site_id": None})
    assert r.status_code == 422 and r.json()["field"] == "origin_site_id"
    r = client.patch(f"/api/consignments/{row['id']}", json={"version": 1, "notes": None})
    assert r.status_code == 200 and r.json()["notes"] is None


def test_ready_needs_a_line_and_freezes_lines_and_route(
    client: TestClient, session: Session
) -> None:
    consignment = make_consignment(session)
    offer = make_shippable_offer(session, quantity=10)
    session.commit()
    url = f"/api/consignments/{consignment.id}"
    r = client.post(f"{url}/ready")
    assert r.status_code == 409 and r.json()["error"] == "consignment_empty"
    line = client.post(
        "/api/consignment-lines",
        json={"consignment_id": consignment.id, "offer_line_id": offer.id, "quantity": "4"},
    ).json()
    r = client.post(f"{url}/ready")
    assert r.status_code == 200 and r.json()["status"] == "ready"

    more = client.post(
        "/api/consignment-lines",
        json={"consignment_id": consignment.id, "offer_line_id": offer.id, "quantity": "1"},
    )
    assert more.status_code == 409 and more.json()["field"] == "consignment_id"
    r = client.patch(f"/api/consignment-lines/{line['id']}", json={"version": 1, "quantity": "2"})
    assert r.status_code == 409 and r.json()["field"] == "consignment_id"
    other_site = make_site(session)
    session.commit()
    r = client.patch(url, json={"version": 2, "destination_site_id": other_site.id})
    assert r.status_code == 409 and r.json()["field"] == "destination_site_id"
    r = client.patch(url, json={"version": 2, "notes": "late"})
    assert r.status_code == 200


def test_moves_made_by_events_have_no_route(client: TestClient, session: Session) -> None:
    """Departing, arriving, handing over, receiving and losing are recorded as tracking events;
    no action route sets them by hand."""
    consignment = make_ready_consignment(session)
    session.commit()
    for action in ("depart", "arrive_hub", "depart_hub", "hand_over", "receive", "lose"):
        r = client.post(f"/api/consignments/{consignment.id}/{action}")
        assert r.status_code in (404, 405), action
    transitions = client.get(f"/api/consignments/{consignment.id}/transitions").json()
    assert [t["action"] for t in transitions] == ["cancel"]
    assert client.get(f"/api/consignments/{consignment.id}").json()["status"] == "ready"


def test_lines_never_carry_more_than_the_offer(client: TestClient, session: Session) -> None:
    offer = make_shippable_offer(session, quantity=10)
    first, second = make_consignment(session), make_consignment(session)
    session.commit()

    def line(consignment_id: int, qty: str) -> Any:
        body = {"consignment_id": consignment_id, "offer_line_id": offer.id, "quantity": qty}
        return client.post("/api/consignment-lines", json=body)

    r = line(first.id, "10.001")
    assert r.status_code == 409 and r.json()["field"] == "quantity"
    assert r.json()["error"] == "offer_over_consigned"
    kept = line(first.id, "6").json()
    r = line(second.id, "5")
    assert r.status_code == 409 and r.json()["field"] == "quantity"
    assert "has 4.000 left" in r.json()["detail"]
    assert line(second.id, "4").status_code == 201
    # Growing a line counts the other lines, not its own old quantity.
    r = client.patch(f"/api/consignment-lines/{kept['id']}", json={"version": 1, "quantity": "7"})
    assert r.status_code == 409 and r.json()["field"] == "quantity"
    # A cancelled consignment gives its share back.
    assert client.post(f"/api/consignments/{second.id}/cancel").status_code == 200
    r = client.patch(f"/api/consignment-lines/{kept['id']}", json={"version": 1, "quantity": "10"})
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("offer_kw", "status", "named"),
    [
        ({"stage": OfferStage.WITHDRAWN}, 409, "offer_line_id"),
        ({"stage": OfferStage.ANNOUNCED}, 409, "offer_line_id"),
        ({"stage": OfferStage.DELIVERED}, 409, "offer_line_id"),
        ({"quantity": None, "kind": OfferKind.CASH_POOLED}, 422, "offer_line_id"),
    ],
)
def test_only_committed_goods_can_be_consigned(
    client: TestClient, session: Session, offer_kw: dict[str, Any], status: int, named: str
) -> None:
    kw = {"stage": OfferStage.COMMITTED} | offer_kw
    quantity = kw.pop("quantity", 10)
    offer = make_offer(session, **kw)
    offer.quantity = quantity  # the factory always sets one; cash offers have none
    consignment = make_consignment(session)
    session.commit()
    r = client.post(
        "/api/consignment-lines",
        json={"consignment_id": consignment.id, "offer_line_id": offer.id, "quantity": "1"},
    )
    assert r.status_code == status and r.json()["field"] == named


def test_leg_rules(client: TestClient, session: Session) -> None:
    payload = build_consignment_leg(session, next(_seq))
    session.commit()
    r = client.post("/api/consignment-legs", json=payload | {"to_site_id": payload["from_site_id"]})
    assert r.status_code == 422 and r.json()["field"] == "to_site_id"
    r = client.post(
        "/api/consignment-legs",
        json=payload | {"planned_arrival_on": "2024-12-31", "planned_departure_on": "2025-01-01"},
    )
    assert r.status_code == 422 and r.json()["field"] == "planned_arrival_on"
    first = client.post("/api/consignment-legs", json=payload).json()
    dup = client.post("/api/consignment-legs", json=payload)
    assert dup.status_code == 409 and dup.json()["field"] == "seq"
    appended = client.post("/api/consignment-legs", json=payload | {"seq": None})
    assert appended.status_code == 201 and appended.json()["seq"] == 2
    r = client.patch(
        f"/api/consignment-legs/{first['id']}",
        json={"version": 1, "planned_arrival_on": "2024-01-01"},
    )
    assert r.status_code == 422 and r.json()["field"] == "planned_arrival_on"
    r = client.patch(f"/api/consignment-legs/{first['id']}", json={"version": 1, "seq": 2})
    assert r.status_code == 409 and r.json()["field"] == "seq"
    assert_same_row(client.get(f"/api/consignment-legs/{first['id']}").json(), first)


def test_no_legs_change_once_a_consignment_is_closed(client: TestClient, session: Session) -> None:
    payload = build_consignment_leg(session, next(_seq))
    session.commit()
    leg = client.post("/api/consignment-legs", json=payload).json()
    assert client.post(f"/api/consignments/{payload['consignment_id']}/cancel").status_code == 200
    r = client.post("/api/consignment-legs", json=payload | {"seq": 2})
    assert r.status_code == 409 and r.json()["field"] == "consignment_id"
    r = client.patch(f"/api/consignment-legs/{leg['id']}", json={"version": 1, "mode": "air"})
    assert r.status_code == 409 and r.json()["field"] == "consignment_id"


def test_leg_loads_are_never_negative(client: TestClient, session: Session) -> None:
    payload = build_consignment_leg(session, next(_seq))
    session.commit()
    for field_name in ("weight_t", "lift_units"):
        r = client.post("/api/consignment-legs", json=payload | {field_name: "-0.5"})
        assert r.status_code == 422 and r.json()["field"] == field_name


def test_tracking_event_rules(client: TestClient, session: Session) -> None:
    consignment = make_ready_consignment(session)
    leg_payload = build_consignment_leg(session, next(_seq))  # a leg of another consignment
    session.commit()
    foreign_leg = client.post("/api/consignment-legs", json=leg_payload).json()
    base = {
        "consignment_id": consignment.id,
        "kind": "departed",
        "site_id": consignment.origin_site_id,
    }
    r = client.post("/api/tracking-events", json=base | {"leg_id": foreign_leg["id"]})
    assert r.status_code == 422 and r.json()["field"] == "leg_id"
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat()
    r = client.post("/api/tracking-events", json=base | {"occurred_at": future})
    assert r.status_code == 422 and r.json()["field"] == "occurred_at"
    r = client.post("/api/tracking-events", json=base | {"occurred_at": "1999-12-31T23:00:00Z"})
    assert r.status_code == 422 and r.json()["field"] == "occurred_at"
    # An impossible event is a 409 with the reason, and stores nothing.
    r = client.post(
        "/api/tracking-events",
        json=base | {"kind": "handed_over", "site_id": consignment.destination_site_id},
    )
    assert r.status_code == 409 and r.json()["error"] == "tracking_event_impossible"
    assert f"consignment {consignment.reference}" in r.json()["detail"]
    assert "has not departed" in r.json()["detail"]
    # An offset time is stored as the same instant in UTC; the event moves the consignment.
    r = client.post(
        "/api/tracking-events",
        json=base | {"occurred_at": "2025-03-01T12:00:00+02:00", "event_id": "dep-1"},
    )
    assert r.status_code == 201
    assert r.json()["occurred_at"] == "2025-03-01T10:00:00Z"
    assert r.json()["event_id"] == "dep-1" and r.json()["quantity"] is None  # all on board
    assert client.get(f"/api/consignments/{consignment.id}").json()["status"] == "in_transit"
    before = dt.datetime.now(dt.UTC)
    r = client.post("/api/tracking-events", json={"consignment_id": consignment.id, "kind": "note"})
    assert r.status_code == 201
    stamped = dt.datetime.fromisoformat(r.json()["occurred_at"])
    assert before - dt.timedelta(seconds=1) <= stamped <= dt.datetime.now(dt.UTC)
    # A cancelled consignment takes notes only.
    other = make_ready_consignment(session)
    session.commit()
    assert client.post(f"/api/consignments/{other.id}/cancel").status_code == 200
    body = {"consignment_id": other.id, "kind": "departed", "site_id": other.origin_site_id}
    r = client.post("/api/tracking-events", json=body)
    assert r.status_code == 409 and r.json()["field"] == "kind"
    assert "takes only notes" in r.json()["detail"]
    r = client.post("/api/tracking-events", json=body | {"kind": "note", "note": "called off"})
    assert r.status_code == 201


def test_tracking_events_filter_by_time(client: TestClient, session: Session) -> None:
    consignment = make_consignment(session)
    session.commit()
    for hour in (8, 10, 12):
        at = f"2025-03-01T{hour:02d}:00:00Z"
        body = {"consignment_id": consignment.id, "kind": "note", "occurred_at": at}
        assert client.post("/api/tracking-events", json=body).status_code == 201
    r = client.get(
        "/api/tracking-events",
        params={
            "consignment_id": consignment.id,
            "occurred_from": "2025-03-01T11:00:00+02:00",  # 09:00 UTC
            "occurred_to": "2025-03-01T12:00:00Z",
            "sort": "-occurred_at",
        },
    )
    assert [i["occurred_at"] for i in r.json()["items"]] == [
        "2025-03-01T12:00:00Z",
        "2025-03-01T10:00:00Z",
    ]


def test_consignment_filters_by_site_and_status(client: TestClient, session: Session) -> None:
    hub = make_site(session)
    a = make_consignment(session, origin=hub)
    b = make_consignment(session, destination=hub)
    c = make_consignment(session)
    session.commit()
    assert sorted(all_ids(client, spec_named("consignments"), site_id=hub.id)) == sorted(
        [a.id, b.id]
    )
    client.post(f"/api/consignments/{b.id}/cancel")
    assert all_ids(client, spec_named("consignments"), site_id=hub.id, status="cancelled") == [b.id]
    assert c.id in all_ids(client, spec_named("consignments"), status="created")


# --- Training rules ----------------------------------------------------------------------------


def test_course_host_nation_and_site(client: TestClient, session: Session) -> None:
    payload = build_course(session, next(_seq))
    not_host = make_nation(session, is_host=False)
    hub = make_site(session, kind=SiteKind.HUB)
    session.commit()
    r = client.post("/api/courses", json=payload | {"host_nation_id": not_host.id})
    assert r.status_code == 422 and r.json()["field"] == "host_nation_id"
    r = client.post("/api/courses", json=payload | {"host_nation_id": MISSING})
    assert r.status_code == 422 and r.json()["field"] == "host_nation_id"
    r = client.post("/api/courses", json=payload | {"site_id": hub.id})
    assert r.status_code == 422 and r.json()["field"] == "site_id"
    row = client.post("/api/courses", json=payload).json()
    dup = client.post("/api/courses", json=payload)
    assert dup.status_code == 409 and dup.json()["field"] == "code"
    r = client.patch(
        f"/api/courses/{row['id']}", json={"version": 1, "host_nation_id": not_host.id}
    )
    assert r.status_code == 422 and r.json()["field"] == "host_nation_id"


def test_training_event_dates_and_defaults(client: TestClient, session: Session) -> None:
    centre = make_training_centre(session)
    course = make_course(session, site_id=centre.id, seats_per_event=14)
    session.commit()
    body = {"course_id": course.id, "starts_on": "2025-06-10", "ends_on": "2025-06-09"}
    r = client.post("/api/training-events", json=body)
    assert r.status_code == 422 and r.json()["field"] == "ends_on"
    r = client.post("/api/training-events", json=body | {"ends_on": "2025-06-10"})
    assert r.status_code == 201
    event = r.json()
    assert event["seats_offered"] == 14 and event["site_id"] == centre.id
    r = client.patch(
        f"/api/training-events/{event['id']}", json={"version": 1, "starts_on": "2025-06-11"}
    )
    assert r.status_code == 422 and r.json()["field"] == "ends_on"


def test_seats_never_exceed_what_the_event_offers(client: TestClient, session: Session) -> None:
    event = make_event(session, seats=10)
    session.commit()

    def ask(seats: int) -> Any:
        return client.post(
            "/api/seat-requests", json={"training_event_id": event.id, "seats": seats}
        )

    r = ask(11)
    assert r.status_code == 409 and r.json()["field"] == "seats"
    assert r.json()["error"] == "seats_unavailable"
    a = ask(6).json()
    b = ask(3).json()
    assert client.post(f"/api/seat-requests/{b['id']}/confirm").status_code == 200
    r = ask(2)
    assert r.status_code == 409 and r.json()["field"] == "seats"
    assert "1 seats free" in r.json()["detail"]
    r = client.patch(f"/api/seat-requests/{a['id']}", json={"version": 1, "seats": 8})
    assert r.status_code == 409 and r.json()["field"] == "seats"
    assert (
        client.patch(f"/api/seat-requests/{a['id']}", json={"version": 1, "seats": 7}).status_code
        == 200
    )
    # Declined and cancelled requests give their seats back.
    assert client.post(f"/api/seat-requests/{a['id']}/decline").status_code == 200
    assert ask(7).status_code == 201
    # The event cannot offer fewer seats than are held.
    r = client.patch(f"/api/training-events/{event.id}", json={"version": 1, "seats_offered": 9})
    assert r.status_code == 409 and r.json()["field"] == "seats_offered"
    r = client.patch(f"/api/training-events/{event.id}", json={"version": 1, "seats_offered": 10})
    assert r.status_code == 200


@pytest.mark.parametrize(
    "status",
    [TrainingEventStatus.RUNNING, TrainingEventStatus.COMPLETED, TrainingEventStatus.CANCELLED],
)
def test_seats_only_for_events_to_come(
    client: TestClient, session: Session, status: TrainingEventStatus
) -> None:
    event = make_event(session, status=status)
    session.commit()
    r = client.post("/api/seat-requests", json={"training_event_id": event.id, "seats": 1})
    assert r.status_code == 409 and r.json()["field"] == "training_event_id"
    r = client.patch(f"/api/training-events/{event.id}", json={"version": 1, "seats_offered": 30})
    assert r.status_code == 409 and r.json()["field"] == "seats_offered"


def test_confirm_and_attend_follow_the_event(client: TestClient, session: Session) -> None:
    event = make_event(session, seats=10)
    session.commit()
    ids = [
        client.post("/api/seat-requests", json={"training_event_id": event.id, "seats": 1}).json()[
            "id"
        ]
        for _ in range(2)
    ]
    assert client.post(f"/api/seat-requests/{ids[0]}/confirm").status_code == 200
    r = client.post(f"/api/seat-requests/{ids[0]}/attend")
    assert r.status_code == 409 and r.json()["field"] == "training_event_id"
    for action in ("open", "start"):
        assert client.post(f"/api/training-events/{event.id}/{action}").status_code == 200
    r = client.post(f"/api/seat-requests/{ids[0]}/attend")
    assert r.status_code == 200 and r.json()["status"] == "attended"
    r = client.post(f"/api/seat-requests/{ids[1]}/confirm")
    assert r.status_code == 409 and r.json()["field"] == "training_event_id"
    assert client.get(f"/api/seat-requests/{ids[1]}").json()["status"] == "requested"


def test_seat_request_for_a_need(client: TestClient, session: Session) -> None:
    event = make_event(session)
    need = make_requirement(session)
    session.commit()
    body = {"training_event_id": event.id, "seats": 2, "requirement_id": need.id}
    row = client.post("/api/seat-requests", json=body).json()
    assert row["requirement_id"] == need.id
    assert all_ids(client, spec_named("seat-requests"), requirement_id=need.id) == [row["id"]]
    r = client.post("/api/seat-requests", json=body | {"requirement_id": MISSING})
    assert r.status_code == 422 and r.json()["field"] == "requirement_id"


# --- Values the database cannot hold are refused up front (a 500 on PostgreSQL otherwise) -------


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("consignments", "notes", "pallets\x00"),
        ("consignments", "origin_site_id", 2**31),
        ("consignment-lines", "offer_line_id", 2**63),
        ("tracking-events", "occurred_at", "0001-01-01T00:00:00+01:00"),
        ("courses", "title", "Course\x00"),
        ("seat-requests", "training_event_id", 2**40),
    ],
)
def test_unstorable_values_are_a_422(
    client: TestClient, session: Session, name: str, field: str, value: Any
) -> None:
    payload = spec_named(name).build(session, next(_seq))
    session.commit()
    r = client.post(f"/api/{name}", json=payload | {field: value})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("consignments", {"q": "CSG\x00"}, "q"),
        ("consignments", {"site_id": 2**31}, "site_id"),
        ("tracking-events", {"occurred_from": "9999-12-31T23:59:59-01:00"}, "occurred_from"),
        ("courses", {"q": "\x00"}, "q"),
    ],
)
def test_unstorable_filters_are_a_422(
    client: TestClient, name: str, params: dict[str, Any], field: str
) -> None:
    r = client.get(f"/api/{name}", params=params)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
