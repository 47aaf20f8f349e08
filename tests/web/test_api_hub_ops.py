"""``GET /api/alerts`` and ``GET /api/hubs/{id}/utilisation`` as every role: the figures and alerts
are made of the consignments the caller may see (``core.access.consignment_visible``), and a hub
operator is answered for its own hub only (another hub is a 404, as if it did not exist)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Role
from nsatu.core.enums import Releasability
from nsatu.core.enums import TrackingEventKind as K
from nsatu.db.models import Consignment, Nation, Site
from nsatu.logistics import ingest
from nsatu.logistics.generate import seed_consignments
from tests.conftest import sign_in
from tests.logistics.test_hub_ops import D1, D3, at, ev, plan

TODAY = (D3 + dt.timedelta(days=3)).isoformat()


@pytest.fixture
def hubs(session_factory: sessionmaker[Session]) -> dict[str, int]:
    return seed_two_hubs(session_factory)


def seed_two_hubs(session_factory: sessionmaker[Session]) -> dict[str, int]:
    """Two hubs, each with one consignment that arrived over its capacity and is late; hub A's
    consignment is bilateral, hub B's coalition. Committed (as savepoints), for the app to see."""
    with session_factory() as s:
        for prefix, level in (("HUBA", Releasability.BILATERAL), ("HUBB", Releasability.COALITION)):
            (r,) = seed_consignments(s, 1, prefix=prefix, loaded=4)
            plan(s, prefix, road_cap=1)
            s.execute(
                update(Consignment)
                .where(Consignment.reference == r.reference)
                .values(releasability=level)
            )
            applied = ingest.ingest(
                s,
                [
                    ev(r, 1, K.DEPARTED, r.origin, at(D1, 1) - dt.timedelta(days=1)),
                    ev(r, 2, K.ARRIVED_HUB, r.hub, at(D1, 3)),
                ],
            ).applied
            assert applied == 2
        ids = dict(
            s.execute(
                select(Site.code, Site.id).where(Site.code.in_(["HUBA-HUB", "HUBB-HUB"]))
            ).all()
        )
        s.commit()
    return {"A": ids["HUBA-HUB"], "B": ids["HUBB-HUB"]}


def alert_hubs(client: TestClient) -> set[str]:
    r = client.get("/api/alerts", params={"on": TODAY})
    assert r.status_code == 200, r.text
    return {a["hub_code"] or a["consignment_reference"].split("-")[0] + "-HUB" for a in r.json()}


def actual_in(client: TestClient, hub: int) -> Decimal:
    r = client.get(
        f"/api/hubs/{hub}/utilisation", params={"from": D1.isoformat(), "to": D1.isoformat()}
    )
    assert r.status_code == 200, r.text
    return Decimal(r.json()["days"][0]["total"]["actual_in_t"])


def test_a_coordinator_sees_every_hub(client: TestClient, hubs: dict[str, int]) -> None:
    r = client.get("/api/alerts", params={"on": TODAY})
    kinds = {(a["kind"], a["hub_code"] or a["consignment_reference"]) for a in r.json()}
    assert ("hub_over_capacity", "HUBA-HUB") in kinds and ("hub_over_capacity", "HUBB-HUB") in kinds
    assert ("consignment_late", "HUBA-000000") in kinds
    assert actual_in(client, hubs["A"]) == Decimal(6)
    body = client.get(
        f"/api/hubs/{hubs['A']}/utilisation", params={"from": D1.isoformat(), "to": D1.isoformat()}
    ).json()
    assert body["days"][0]["over_capacity"] and body["days"][0]["backlog"] == 1
    assert body["days"][0]["modes"]["road"]["capacity_t"] == "1"


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.AUDITOR, {"HUBA-HUB", "HUBB-HUB"}),
        (Role.RECIPIENT_PLANNER, {"HUBA-HUB", "HUBB-HUB"}),
        # The bilateral consignment belongs to another donor: only the coalition one is seen.
        (Role.DONOR_LIAISON, {"HUBB-HUB"}),
        (Role.TRAINING_COORDINATOR, {"HUBB-HUB"}),
        (Role.PUBLIC, set()),
    ],
)
def test_every_role_sees_what_its_consignments_make(
    client: TestClient,
    session_factory: sessionmaker[Session],
    hubs: dict[str, int],
    role: Role,
    sees: set[str],
) -> None:
    if role is Role.PUBLIC:
        client.headers.pop("Authorization")
    else:
        sign_in(client, session_factory, role=role)
    assert alert_hubs(client) == sees
    assert actual_in(client, hubs["A"]) == (Decimal(6) if "HUBA-HUB" in sees else 0)
    assert actual_in(client, hubs["B"]) == (Decimal(6) if "HUBB-HUB" in sees else 0)


def test_a_hub_operator_sees_its_hub_only(
    client: TestClient, session_factory: sessionmaker[Session], hubs: dict[str, int]
) -> None:
    with session_factory() as s:
        hub = s.get(Site, hubs["A"])
        assert hub is not None and s.get(Nation, hub.nation_id) is not None
    sign_in(client, session_factory, role=Role.HUB_OPERATOR, site=hub)
    assert alert_hubs(client) == {"HUBA-HUB"}
    assert actual_in(client, hubs["A"]) == Decimal(6)
    other = client.get(f"/api/hubs/{hubs['B']}/utilisation")
    assert other.status_code == 404 and other.json()["error"] == "hub_not_found"


def test_a_span_too_long_or_reversed_is_a_422_naming_to(
    client: TestClient, hubs: dict[str, int]
) -> None:
    url = f"/api/hubs/{hubs['A']}/utilisation"
    r = client.get(url, params={"from": "2025-03-02", "to": "2025-03-01"})
    assert r.status_code == 422 and r.json()["field"] == "to"
    r = client.get(url, params={"from": "2024-01-01", "to": "2025-03-01"})
    assert r.status_code == 422 and r.json()["field"] == "to"
    assert client.get("/api/hubs/999999/utilisation").status_code == 404
