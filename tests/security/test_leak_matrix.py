"""The leak matrix: every ``/api`` route × every role × record owner × releasability level.

The routes come from the app's route table. Each is classified by its shape (a list, a create, a
read by id, an update, a lifecycle action) and its collection, and run as every caller of the
:mod:`~tests.security.world` against every record of that collection (or, for a create, every
create case). What each call must answer is computed from the pure predicates of
:mod:`nsatu.core.access`, never from the code under test:

- a list holds exactly the records the caller may see (never one it may not);
- a read of a record the caller may not see is a 404, as if it did not exist;
- a write to a record it may not see is a 404; one it may see but not change is a 403; either way
  the stored row is unchanged; a permitted write is not refused;
- a create the caller may not make is a 403 and stores nothing.

A route the matrix cannot classify fails :func:`test_the_matrix_covers_every_api_route`: a new
endpoint cannot escape it. Every write runs in a savepoint that is rolled back.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import sessionmaker

from nsatu.core.access import (
    Actor,
    Role,
    allocation_visible,
    consignment_visible,
    may_act_on_consignment,
    may_change_need,
    may_change_offer,
    may_change_reference,
    may_change_training,
    may_record_tracking_event,
    may_write_participant,
    may_write_seat_request,
    need_visible,
    offer_visible,
    seat_request_visible,
)
from nsatu.core.enums import TrackingEventKind
from nsatu.core.lifecycles import (
    ALLOCATION,
    CONSIGNMENT,
    OFFER,
    PARTICIPANT,
    REQUIREMENT,
    SEAT_REQUEST,
    TRAINING_EVENT,
    Lifecycle,
)
from nsatu.db import models
from nsatu.settings import Settings
from nsatu.web.app import create_app
from tests.security.signin import Caller
from tests.security.world import World, build_world

# --- What each collection is, who sees it and who changes it -----------------------------------

Facts = dict[str, Any]


@dataclass(frozen=True)
class CreateCase:
    """One create request: its body, whether the caller may make it, and whether every record it
    points at is in the caller's scope (if not, a permitted create is a 422 naming the field)."""

    label: str
    body: dict[str, Any]
    may: Callable[[Actor], bool]
    refs_visible: Callable[[Actor], bool] = lambda actor: True
    #: ``False`` when a permitted create breaks a domain rule whoever makes it (a tracking event
    #: at a site off the consignment's route): then it is a 409 that stores nothing.
    possible: bool = True


@dataclass(frozen=True)
class Collection:
    name: str
    model: type[Any]
    visible: Callable[[Actor, Facts], bool]
    #: May the actor make ``op`` (``update`` or an action's name) on a record with these facts?
    may_change: Callable[[Actor, Facts, str], bool]
    #: A harmless valid change for ``PATCH``.
    patch: dict[str, Any] | None
    creates: Callable[[World], list[CreateCase]]
    lifecycle: Lifecycle[Any] | None = None
    #: Read-only sub-resources of a record (``/{id}/<name>``).
    sub_reads: frozenset[str] = frozenset()


def everyone(actor: Actor, facts: Facts) -> bool:
    return True


def coordinators(actor: Actor, facts: Facts, op: str) -> bool:
    return actor.role is Role.COORDINATOR


def reference_data(actor: Actor, facts: Facts, op: str) -> bool:
    return may_change_reference(actor)


def training(actor: Actor, facts: Facts, op: str) -> bool:
    return may_change_training(actor, host_nation_id=facts["host_nation_id"])


def _consignment(actor: Actor, facts: Facts) -> bool:
    return consignment_visible(actor, **facts)


def _reference_create(body: dict[str, Any]) -> Callable[[World], list[CreateCase]]:
    return lambda w: [CreateCase("new", body | _fill(w, body), may_change_reference)]


def _fill(w: World, body: dict[str, Any]) -> dict[str, Any]:
    """Point ``*_id`` placeholders of a body at the world's rows."""
    ids = {"nation_id": w.nations["A"].id, "capability_area_id": w.area_id}
    return {k: ids[k] for k, v in body.items() if v is None and k in ids}


def _offer_creates(w: World) -> list[CreateCase]:
    return [
        CreateCase(
            f"offer of {owner}",
            {
                "donor_nation_id": nation.id,
                "kind": "in_kind_stock",
                "description": "new line",
                "quantity": "5",
                "releasability": "bilateral",
            },
            lambda actor, donor=nation.id: may_change_offer(actor, donor_nation_id=donor),
        )
        for owner, nation in w.nations.items()
    ]


def _need_creates(w: World) -> list[CreateCase]:
    body = {
        "title": "new need",
        "capability_area_id": w.area_id,
        "quantity_requested": "3",
        "priority": 2,
        "period": "2025-05",
        "needed_by_on": "2025-08-01",
    }
    return [CreateCase("need", body, may_change_need)]


def _offer_facts(w: World, owner: str) -> Facts:
    line = w.refs["offer"][owner]
    return {
        "donor_nation_id": line.donor_nation_id,
        "releasability": line.releasability,
        "allocated": False,
    }


def _need_facts(w: World) -> Facts:
    need = w.refs["need"]
    return {"status": need.status, "releasability": need.releasability}


def _allocation_creates(w: World) -> list[CreateCase]:
    return [
        CreateCase(
            f"allocation of {owner}'s line",
            {
                "offer_line_id": w.refs["offer"][owner].id,
                "requirement_id": w.refs["need"].id,
                "quantity": "1",
            },
            lambda actor: actor.role is Role.COORDINATOR,
            lambda actor, o=owner: (
                offer_visible(actor, **_offer_facts(w, o)) and need_visible(actor, **_need_facts(w))
            ),
        )
        for owner in w.nations
    ]


def _consignment_facts(w: World, owner: str) -> Facts:
    c = w.refs["consignment"][owner]
    return {
        "releasability": c.releasability,
        "site_ids": {c.origin_site_id, c.destination_site_id},
        "donor_nation_ids": {w.nations[owner].id},
    }


def _consignment_creates(w: World) -> list[CreateCase]:
    return [
        CreateCase(
            f"consignment from {owner}'s hub",
            {"origin_site_id": hub.id, "destination_site_id": w.handover.id},
            lambda actor: actor.role is Role.COORDINATOR,
        )
        for owner, hub in w.hubs.items()
    ]


def _line_creates(w: World) -> list[CreateCase]:
    return [
        CreateCase(
            f"line on {owner}'s consignment",
            {
                "consignment_id": w.refs["consignment"][owner].id,
                "offer_line_id": w.refs["offer"][owner].id,
                "quantity": "1",
            },
            lambda actor: actor.role is Role.COORDINATOR,
            lambda actor, o=owner: (
                _consignment(actor, _consignment_facts(w, o))
                and offer_visible(actor, **_offer_facts(w, o))
            ),
        )
        for owner in w.nations
    ]


def _leg_creates(w: World) -> list[CreateCase]:
    return [
        CreateCase(
            f"leg of {owner}'s consignment",
            {
                "consignment_id": w.refs["consignment"][owner].id,
                "from_site_id": w.handover.id,
                "to_site_id": w.hubs[owner].id,
                "mode": "rail",
            },
            lambda actor: actor.role is Role.COORDINATOR,
            lambda actor, o=owner: _consignment(actor, _consignment_facts(w, o)),
        )
        for owner in w.nations
    ]


def _event_creates(w: World) -> list[CreateCase]:
    """Events on each owner's consignment (not yet departed from its owner's hub): at either hub
    or at no site, of a kind hub operators report (a note) and one only the recipient may report
    besides them (damaged). A note at the other owner's hub is off the route, and damage before
    departure cannot happen: a 409 for whoever may try, never a 201."""
    cases = []
    for owner in w.nations:
        consignment = w.refs["consignment"][owner]
        for site_owner, site in (*w.hubs.items(), ("none", None)):
            for kind in (TrackingEventKind.NOTE, TrackingEventKind.DAMAGED):
                site_id = None if site is None else site.id
                cases.append(
                    CreateCase(
                        f"{kind} at {site_owner}'s hub on {owner}'s consignment",
                        {"consignment_id": consignment.id, "site_id": site_id, "kind": str(kind)},
                        lambda actor, s=site_id, k=kind: may_record_tracking_event(
                            actor, site_id=s, kind=k
                        ),
                        lambda actor, o=owner: _consignment(actor, _consignment_facts(w, o)),
                        possible=kind is TrackingEventKind.NOTE and site_owner in (owner, "none"),
                    )
                )
    return cases


def _course_creates(w: World) -> list[CreateCase]:
    return [
        CreateCase(
            f"course hosted by {owner}",
            {
                "code": f"NEW-{owner}",
                "title": "New course",
                "capability_area_id": w.area_id,
                "host_nation_id": nation.id,
                "duration_days": 3,
                "seats_per_event": 8,
            },
            lambda actor, h=nation.id: may_change_training(actor, host_nation_id=h),
        )
        for owner, nation in w.nations.items()
    ]


def _training_event_creates(w: World) -> list[CreateCase]:
    return [
        CreateCase(
            f"event of {owner}'s course",
            {"course_id": course.id, "starts_on": "2026-04-06", "ends_on": "2026-04-08"},
            lambda actor, h=course.host_nation_id: may_change_training(actor, host_nation_id=h),
        )
        for owner, course in w.refs["course"].items()
    ]


def _seat_request_creates(w: World) -> list[CreateCase]:
    return [
        CreateCase(
            f"seats on {owner}'s event",
            {"training_event_id": event.id, "seats": 1},
            lambda actor, h=w.nations[owner].id: may_write_seat_request(
                actor, host_nation_id=h, op="create"
            ),
        )
        for owner, event in w.refs["event"].items()
    ]


def _participant_creates(w: World) -> list[CreateCase]:
    return [
        CreateCase(
            f"participant on {owner}'s request",
            {"reference": "SEC-NEW-1", "seat_request_id": request.id},
            lambda actor, h=w.nations[owner].id: may_write_participant(
                actor, host_nation_id=h, op="create"
            ),
        )
        for owner, request in w.refs["seat_request"].items()
    ]


def _crew_creates(w: World) -> list[CreateCase]:
    body = {
        "item_type_id": w.item_type_id,
        "crew_role": "maintainer",
        "crew_per_unit": 2,
        "course_id": w.refs["course"]["A"].id,
    }
    return [CreateCase("crew requirement", body, lambda actor: actor.role is Role.COORDINATOR)]


def _package_creates(w: World) -> list[CreateCase]:
    body = {"code": "SEC-NEW-PKG", "name": "New package", "capability_area_id": w.area_id}
    return [CreateCase("capability package", body, lambda actor: actor.role is Role.COORDINATOR)]


def _component_creates(w: World) -> list[CreateCase]:
    body = {
        "capability_package_id": w.refs["empty_package"].id,
        "requirement_id": w.refs["need"].id,
        "component": "radar",
    }
    return [CreateCase("package component", body, lambda actor: actor.role is Role.COORDINATOR)]


COLLECTIONS: dict[str, Collection] = {
    c.name: c
    for c in (
        Collection(
            "offers",
            models.OfferLine,
            lambda a, f: offer_visible(a, **f),
            lambda a, f, op: may_change_offer(a, donor_nation_id=f["donor_nation_id"]),
            {"description": "changed"},
            _offer_creates,
            OFFER,
            sub_reads=frozenset({"ledger"}),
        ),
        Collection(
            "needs",
            models.Requirement,
            lambda a, f: need_visible(a, **f),
            lambda a, f, op: may_change_need(a),
            {"title": "changed"},
            _need_creates,
            REQUIREMENT,
            sub_reads=frozenset({"ledger"}),
        ),
        Collection(
            "allocations",
            models.Allocation,
            lambda a, f: allocation_visible(a, **f),
            coordinators,
            {"note": "changed"},
            _allocation_creates,
            ALLOCATION,
        ),
        Collection(
            "consignments",
            models.Consignment,
            _consignment,
            lambda a, f, op: may_act_on_consignment(a, op),
            {"notes": "changed"},
            _consignment_creates,
            CONSIGNMENT,
        ),
        Collection(
            "consignment-lines",
            models.ConsignmentLine,
            _consignment,
            coordinators,
            {"quantity": "2"},
            _line_creates,
        ),
        Collection(
            "consignment-legs",
            models.ConsignmentLeg,
            _consignment,
            coordinators,
            {"planned_departure_on": "2025-03-01"},
            _leg_creates,
        ),
        Collection(
            "tracking-events",
            models.TrackingEvent,
            _consignment,
            coordinators,
            None,
            _event_creates,
        ),
        Collection(
            "courses", models.Course, everyone, training, {"title": "changed"}, _course_creates
        ),
        Collection(
            "training-events",
            models.TrainingEvent,
            everyone,
            training,
            {"seats_offered": 11},
            _training_event_creates,
            TRAINING_EVENT,
        ),
        Collection(
            "seat-requests",
            models.SeatRequest,
            lambda a, f: seat_request_visible(a, **f),
            lambda a, f, op: may_write_seat_request(a, host_nation_id=f["host_nation_id"], op=op),
            {"note": "changed"},
            _seat_request_creates,
            SEAT_REQUEST,
        ),
        Collection(
            "participants",
            models.Participant,
            lambda a, f: seat_request_visible(a, **f),
            lambda a, f, op: may_write_participant(a, host_nation_id=f["host_nation_id"], op=op),
            {"crew_role": "operator"},
            _participant_creates,
            PARTICIPANT,
        ),
        Collection(
            "crew-requirements",
            models.CrewRequirement,
            everyone,
            coordinators,
            {"crew_per_unit": 4},
            _crew_creates,
        ),
        Collection(
            "capability-packages",
            models.CapabilityPackage,
            everyone,
            coordinators,
            {"name": "changed"},
            _package_creates,
        ),
        Collection(
            "package-components",
            models.PackageComponent,
            lambda a, f: need_visible(a, **f),
            coordinators,
            {"component": "spare parts"},
            _component_creates,
        ),
        Collection(
            "nations",
            models.Nation,
            everyone,
            reference_data,
            {"name": "Changed"},
            _reference_create({"code": "QZZ", "name": "New nation"}),
            sub_reads=frozenset({"gdp"}),
        ),
        Collection(
            "organisations",
            models.Organisation,
            everyone,
            reference_data,
            {"name": "Changed"},
            _reference_create({"name": "New org", "kind": "agency", "nation_id": None}),
        ),
        Collection(
            "sites",
            models.Site,
            everyone,
            reference_data,
            {"name": "Changed"},
            _reference_create(
                {
                    "code": "NEW-SITE",
                    "name": "New site",
                    "kind": "depot",
                    "nation_id": None,
                    "latitude": "50.0",
                    "longitude": "20.0",
                }
            ),
        ),
        Collection(
            "capability-areas",
            models.CapabilityArea,
            everyone,
            reference_data,
            {"name": "Changed"},
            _reference_create({"code": "NEW-CA", "name": "New area"}),
        ),
        Collection(
            "item-types",
            models.ItemType,
            everyone,
            reference_data,
            {"public_name": "Changed"},
            _reference_create(
                {
                    "code": "new-item",
                    "public_name": "New item",
                    "category": "Test",
                    "capability_area_id": None,
                    "substitution_family": "new",
                }
            ),
        ),
    )
}

#: Routes that serve no record, and why they are outside the matrix.
EXEMPT = {
    ("GET", "/api/openapi.json"): "the API's schema: no records",
    ("GET", "/api/docs"): "the API's documentation page: no records",
    ("GET", "/api/health"): "liveness: no records",
    ("GET", "/api/me"): "the caller's own identity, whatever its role",
}

#: Routes whose every role is checked by a dedicated test, because they need a record made by a
#: background job (a finished plan run) that the matrix's world does not have.
INGEST_TEST = (
    "tests/web/test_api_tracking_ingest.py (every role: scope of consignments and refusals, "
    "hub operators at their hub, proof of delivery, 403 for auditors and the public)"
)
HUB_OPS_TEST = (
    "tests/web/test_api_hub_ops.py (every role: figures and alerts made of the consignments it "
    "sees; a hub operator its own hub only, another a 404)"
)
PLAN_RUNS_TEST = "tests/web/test_api_plan_runs.py (coordinator runs and decides; auditor reads, 403 on writes; every other role 404)"
DELIVERY_TEST = (
    "tests/web/test_api_delivery.py (every role: receipts, discrepancies, attachments, end-use "
    "checks and serial reports follow the consignment's scope; who may record and verify)"
)
SPLIT_MERGE_TEST = (
    "tests/web/test_api_split_merge.py (every role: 404 outside the consignment's scope, 403 in it "
    "for all but coordinators, nothing written on a refusal)"
)
REPORTS_TEST = (
    "tests/web/test_api_reports.py (every role: a report is made of the offer lines it may see, "
    "anonymised donors undisclosed to the public; read-only aggregates, not records)"
)
TRAINING_TEST = (
    "tests/web/test_api_training.py (every role and the training coordinators of two hosts: "
    "readiness, seat fill and statistics name and count only the needs, consignments, seat "
    "requests and participants the caller may see; read-only aggregates, not records; the seat "
    "plan: 404 but for coordinators and auditors, stored by coordinators only)"
)
ELSEWHERE = {
    # Regrouping writes several consignments at once, none of them a create of the collection.
    ("POST", "/api/consignments/{id}/split"): SPLIT_MERGE_TEST,
    ("POST", "/api/consignments/merge"): SPLIT_MERGE_TEST,
    ("GET", "/api/plan-runs"): PLAN_RUNS_TEST,
    ("POST", "/api/plan-runs"): PLAN_RUNS_TEST,
    ("GET", "/api/plan-runs/{id}"): PLAN_RUNS_TEST,
    ("GET", "/api/plan-runs/{id}/plan"): PLAN_RUNS_TEST,
    ("POST", "/api/plan-runs/{id}/accept"): PLAN_RUNS_TEST,
    ("POST", "/api/plan-runs/{id}/reject"): PLAN_RUNS_TEST,
    # Batches name consignments by reference and sites by code, and answer counts, not records.
    ("POST", "/api/tracking-events/batch"): INGEST_TEST,
    ("GET", "/api/tracking-rejections"): INGEST_TEST,
    ("POST", "/api/tracking-rejections/replay"): INGEST_TEST,
    # Aggregates over consignments (tonnes per day, alerts), not records of one collection.
    ("GET", "/api/alerts"): HUB_OPS_TEST,
    # Proof of delivery is one record per consignment (a sub-resource that may not exist yet);
    # discrepancy reports, attachments, checks and serial reports need a delivered consignment.
    ("GET", "/api/consignments/{id}/receipt"): DELIVERY_TEST,
    ("POST", "/api/consignments/{id}/receipt"): DELIVERY_TEST,
    ("PATCH", "/api/consignments/{id}/receipt"): DELIVERY_TEST,
    ("POST", "/api/consignments/{id}/receipt/verify"): DELIVERY_TEST,
    ("POST", "/api/consignments/{id}/repair-serials"): DELIVERY_TEST,
    ("GET", "/api/discrepancies"): DELIVERY_TEST,
    ("POST", "/api/discrepancies"): DELIVERY_TEST,
    ("GET", "/api/discrepancies/{id}"): DELIVERY_TEST,
    ("POST", "/api/discrepancies/{id}/close"): DELIVERY_TEST,
    ("POST", "/api/discrepancies/{id}/attachments"): DELIVERY_TEST,
    ("GET", "/api/attachments/{id}"): DELIVERY_TEST,
    ("POST", "/api/end-use-checks"): DELIVERY_TEST,
    ("GET", "/api/serials/{serial}/history"): DELIVERY_TEST,
    ("GET", "/api/serial-mismatches"): DELIVERY_TEST,
    ("GET", "/api/accountability"): DELIVERY_TEST,
    ("GET", "/api/hubs/{id}/utilisation"): HUB_OPS_TEST,
    # Reports are aggregates computed from the records the caller may see.
    ("GET", "/api/reports"): REPORTS_TEST,
    # Training figures: aggregates over seat requests, participants, needs and consignments.
    ("GET", "/api/training/readiness"): TRAINING_TEST,
    ("GET", "/api/training/events/{id}/seat-fill"): TRAINING_TEST,
    ("GET", "/api/training/statistics"): TRAINING_TEST,
    # A seat plan run reads every open request and bookable event (coordinators and auditors),
    # and stores assignments of many requests at once (coordinators).
    ("POST", "/api/training/seat-plan"): TRAINING_TEST,
    ("GET", "/api/reports/{name}"): REPORTS_TEST,
    ("GET", "/api/reports/{name}.csv"): REPORTS_TEST,
    ("GET", "/api/reports/{name}.xlsx"): REPORTS_TEST,
}

#: Routes only some roles may call at all; every other caller gets 404, as for no route.
AUDIT_ROLES = frozenset({Role.COORDINATOR, Role.AUDITOR})
GATED = {
    ("GET", "/api/audit"): AUDIT_ROLES,
    ("GET", "/api/audit/export"): AUDIT_ROLES,
    ("GET", "/api/audit/verify"): AUDIT_ROLES,
}


# --- The route table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    kind: str  # list | create | read | update | action
    collection: str
    action: str | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@functools.cache
def api_routes() -> frozenset[tuple[str, str]]:
    """Every (method, path) the app serves under ``/api``, from its route table (routers included
    in routers too, and routes left out of the OpenAPI schema)."""
    app = create_app(Settings(database_url="sqlite://"))
    return frozenset(
        (method, route.path)
        for route in iter_route_contexts(app.routes)
        if route.path is not None and (route.path == "/api" or route.path.startswith("/api/"))
        for method in route.methods or {"(mounted)"}
        if method != "HEAD"
    )


def classify(method: str, path: str) -> Route | None:
    """The matrix case of a route, or ``None`` when the matrix does not know how to run it."""
    if (method, path) in GATED:
        return Route(method, path, "gated", "")
    parts = path.removeprefix("/api/").split("/")
    coll = COLLECTIONS.get(parts[0])
    if coll is None:
        return None
    match (method, parts[1:]):
        case ("GET", []):
            return Route(method, path, "list", coll.name)
        case ("POST", []):
            return Route(method, path, "create", coll.name)
        case ("GET", ["{id}"]):
            return Route(method, path, "read", coll.name)
        case ("PATCH", ["{id}"]) if coll.patch is not None:
            return Route(method, path, "update", coll.name)
        case ("GET", ["{id}", "transitions"]) if coll.lifecycle is not None:
            return Route(method, path, "read", coll.name)
        case ("GET", ["{id}", sub]) if sub in coll.sub_reads:
            return Route(method, path, "read", coll.name)
        case ("POST", ["{id}", act]) if coll.lifecycle and act in {
            a.name for a in coll.lifecycle.actions
        }:
            return Route(method, path, "action", coll.name, act)
    return None


ROUTES = sorted((r for m, p in api_routes() if (r := classify(m, p)) is not None), key=str)


def test_the_matrix_covers_every_api_route() -> None:
    uncovered = sorted(
        f"{m} {p}"
        for m, p in api_routes()
        if (m, p) not in EXEMPT and (m, p) not in ELSEWHERE and classify(m, p) is None
    )
    assert not uncovered, (
        "these /api routes are not in the leak matrix; describe their collection in COLLECTIONS "
        f"(or, if they serve no record, add them to EXEMPT with the reason): {uncovered}"
    )
    stale = sorted(f"{m} {p}" for m, p in {**EXEMPT, **ELSEWHERE} if (m, p) not in api_routes())
    assert not stale, f"EXEMPT or ELSEWHERE names routes that no longer exist: {stale}"


# --- Fixtures: one world per backend, shared by every route ------------------------------------


@dataclass
class Matrix:
    world: World
    client: TestClient
    conn: Connection

    def row(self, model: type[Any], id_: int) -> dict[str, Any] | None:
        found = self.conn.execute(select(model.__table__).where(model.__table__.c.id == id_))
        row = found.mappings().one_or_none()
        return None if row is None else dict(row)

    def count(self, model: type[Any]) -> int:
        return int(self.conn.scalar(select(func.count()).select_from(model.__table__)) or 0)


@pytest.fixture(scope="module")
def matrix(engine: Engine) -> Iterator[Matrix]:
    conn = engine.connect()
    outer = conn.begin()
    factory = sessionmaker(
        bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    with factory() as session:
        world = build_world(session)
        session.commit()
    app = create_app(Settings(database_url="sqlite://"), session_factory=factory)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Matrix(world, client, conn)
    outer.rollback()
    conn.close()


# --- The matrix --------------------------------------------------------------------------------


def _check_list(m: Matrix, route: Route, caller: Caller) -> list[str]:
    coll = COLLECTIONS[route.collection]
    records = m.world.records[coll.name]
    r = m.client.get(route.path, params={"size": 500}, headers=caller.headers)
    if r.status_code != 200:
        return [f"{caller.name}: list answered {r.status_code} {r.text[:200]}"]
    listed = {item["id"] for item in r.json()["items"]}
    problems = []
    for rec in records:
        visible = coll.visible(caller.actor, rec.facts)
        if (rec.id in listed) is not visible:
            verb = "lists" if rec.id in listed else "omits"
            problems.append(f"{caller.name}: {verb} {rec.label} (may see: {visible})")
    return problems


def _check_read(m: Matrix, route: Route, caller: Caller) -> list[str]:
    coll = COLLECTIONS[route.collection]
    problems = []
    for rec in m.world.records[coll.name]:
        r = m.client.get(route.path.replace("{id}", str(rec.id)), headers=caller.headers)
        expected = 200 if coll.visible(caller.actor, rec.facts) else 404
        if r.status_code != expected:
            problems.append(f"{caller.name}: {rec.label} answered {r.status_code}, not {expected}")
    return problems


def _check_write(m: Matrix, route: Route, caller: Caller) -> list[str]:
    coll = COLLECTIONS[route.collection]
    op = route.action or "update"
    problems = []
    for rec in m.world.records[coll.name]:
        url = route.path.replace("{id}", str(rec.id))
        changes = (coll.patch or {}) if route.kind == "update" else {}
        body = {"version": rec.version} | changes
        visible = coll.visible(caller.actor, rec.facts)
        allowed = visible and coll.may_change(caller.actor, rec.facts, op)
        before = m.row(coll.model, rec.id)
        savepoint = m.conn.begin_nested()
        try:
            r = m.client.request(route.method, url, json=body, headers=caller.headers)
            after = m.row(coll.model, rec.id)
        finally:
            savepoint.rollback()
        status = r.status_code
        if not visible and status != 404:
            problems.append(f"{caller.name}: {rec.label} answered {status}, not 404")
        elif visible and not allowed and status != 403:
            problems.append(f"{caller.name}: {rec.label} answered {status}, not 403")
        elif allowed and status not in (200, 409):
            problems.append(
                f"{caller.name}: a permitted write to {rec.label} answered {status} {r.text[:200]}"
            )
        if not allowed and after != before:
            problems.append(f"{caller.name}: a refused write changed {rec.label}")
    return problems


def _check_create(m: Matrix, route: Route, caller: Caller) -> list[str]:
    coll = COLLECTIONS[route.collection]
    problems = []
    for case in coll.creates(m.world):
        allowed = case.may(caller.actor)
        expected = 403
        if allowed:
            expected = 422 if not case.refs_visible(caller.actor) else 201 if case.possible else 409
        rows = m.count(coll.model)
        savepoint = m.conn.begin_nested()
        try:
            r = m.client.post(route.path, json=case.body, headers=caller.headers)
            stored = m.count(coll.model)
        finally:
            savepoint.rollback()
        if r.status_code != expected:
            problems.append(
                f"{caller.name}: {case.label} answered {r.status_code}, not {expected} {r.text[:200]}"
            )
        if expected != 201 and stored != rows:
            problems.append(f"{caller.name}: a refused create of {case.label} stored a row")
    return problems


def _check_gated(m: Matrix, route: Route, caller: Caller) -> list[str]:
    r = m.client.request(route.method, route.path, headers=caller.headers)
    expected = 200 if caller.actor.role in GATED[(route.method, route.path)] else 404
    if r.status_code != expected:
        return [f"{caller.name}: answered {r.status_code}, not {expected} {r.text[:200]}"]
    return []


CHECKS = {
    "gated": _check_gated,
    "list": _check_list,
    "read": _check_read,
    "update": _check_write,
    "action": _check_write,
    "create": _check_create,
}


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_no_route_leaks(matrix: Matrix, route: Route) -> None:
    problems = [
        problem
        for caller in matrix.world.callers
        for problem in CHECKS[route.kind](matrix, route, caller)
    ]
    assert not problems, f"{route}: {len(problems)} problems:\n" + "\n".join(problems[:40])


def test_the_matrix_is_not_empty(matrix: Matrix) -> None:
    """Every collection has records of both owners (where owners apply) at every level, and every
    role is a caller."""
    assert {c.actor.role for c in matrix.world.callers} == set(Role)
    for name in COLLECTIONS:
        assert matrix.world.records[name], name
    assert {r.kind for r in ROUTES} == set(CHECKS)
