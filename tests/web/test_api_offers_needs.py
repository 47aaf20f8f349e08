"""The JSON API for offers and needs, through HTTP, on every backend."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from nsatu.db.models import NationGdp, OfferLine
from tests.factories import make_capability_area, make_nation


def _offer(client: TestClient, donor_id: int, **kw: Any) -> dict[str, Any]:
    body = {"donor_nation_id": donor_id, "kind": "in_kind_stock", "description": "Tents"} | kw
    r = client.post("/api/offers", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_health(client: TestClient) -> None:
    r = client.get("/api/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_offer_crud_stage_actions_and_errors(client: TestClient, session: Session) -> None:
    donor = make_nation(session, code="DNK", name="Denmark")
    session.commit()
    line = _offer(
        client, donor.id, quantity="12", currency="DKK", value_amount="1000", eur_rate="7.4368"
    )
    assert line["donor_code"] == "DNK"
    assert line["value_eur"] == "134.47"

    r = client.patch(f"/api/offers/{line['id']}", json={"version": 1, "quantity": "13"})
    assert r.status_code == 200 and r.json()["version"] == 2
    stale = client.patch(f"/api/offers/{line['id']}", json={"version": 1, "quantity": "14"})
    assert stale.status_code == 409
    assert stale.json()["error"] == "stale_version"
    assert client.get(f"/api/offers/{line['id']}").json()["quantity"] == "13.000"

    illegal = client.post(f"/api/offers/{line['id']}/deliver")
    assert illegal.status_code == 409
    assert illegal.json()["allowed"] == ["committed", "withdrawn"]
    moved = client.post(f"/api/offers/{line['id']}/commit", json={"version": 2})
    assert moved.status_code == 200 and moved.json()["stage"] == "committed"
    withdrawn = client.post(f"/api/offers/{line['id']}/withdraw")
    assert withdrawn.json()["stage"] == "withdrawn"

    assert client.get("/api/offers/999999").status_code == 404
    bad = client.post(
        "/api/offers",
        json={
            "donor_nation_id": donor.id,
            "kind": "in_kind_stock",
            "description": "x",
            "quantity": "lots",
        },
    )
    assert bad.status_code == 422 and bad.json()["field"] == "quantity"
    bad_kind = client.post(
        "/api/offers", json={"donor_nation_id": donor.id, "kind": "gift", "description": "x"}
    )
    assert bad_kind.status_code == 422 and bad_kind.json()["field"] == "kind"
    missing = client.post(
        "/api/offers", json={"donor_nation_id": 999999, "kind": "service", "description": "x"}
    )
    assert missing.status_code == 422 and missing.json()["field"] == "donor_nation_id"


def test_offer_list_filter_sort_page(client: TestClient, session: Session) -> None:
    a = make_nation(session, code="EST", name="Estonia")
    b = make_nation(session, code="LVA", name="Latvia")
    session.commit()
    for q in range(1, 6):
        _offer(client, a.id, quantity=str(q))
    _offer(client, b.id, quantity="100")
    r = client.get(
        "/api/offers", params={"donor": "est", "sort": "-quantity", "size": 2, "page": 2}
    )
    body = r.json()
    assert r.status_code == 200
    assert body["total"] == 5 and body["pages"] == 3
    assert [i["quantity"] for i in body["items"]] == ["3.000", "2.000"]
    assert client.get("/api/offers", params={"size": 0}).status_code == 422
    assert client.get("/api/offers", params={"stage": "lost"}).json()["field"] == "stage"


def test_need_lifecycle_through_the_api(client: TestClient, session: Session) -> None:
    area = make_capability_area(session)
    session.commit()
    body = {
        "title": "Field generators",
        "capability_area_id": area.id,
        "quantity_requested": "20",
        "priority": 2,
        "period": "2025-03",
        "needed_by_on": "2025-05-01",
    }
    r = client.post("/api/needs", json=body)
    assert r.status_code == 201, r.text
    need = r.json()
    assert need["status"] == "draft"
    for action, status in [
        ("submit", "submitted"),
        ("validate", "validated"),
        ("approve", "approved"),
    ]:
        r = client.post(f"/api/needs/{need['id']}/{action}")
        assert r.status_code == 200 and r.json()["status"] == status
    r = client.post(f"/api/needs/{need['id']}/close")
    assert r.status_code == 409
    assert set(r.json()["allowed"]) == {"published", "rejected", "cancelled"}
    listed = client.get("/api/needs", params={"status": "approved", "period": "2025-03"}).json()
    assert [n["id"] for n in listed["items"]] == [need["id"]]
    bad = client.post("/api/needs", json=body | {"priority": 9})
    assert bad.status_code == 422 and bad.json()["field"] == "priority"


def test_a_failed_commit_is_an_error_and_stores_nothing(
    client: TestClient, session: Session, session_factory: sessionmaker[Session]
) -> None:
    donor = make_nation(session)
    session.commit()

    def boom(_session: Session) -> None:
        raise RuntimeError("disk full")

    event.listen(session_factory, "before_commit", boom)
    try:
        r = client.post(
            "/api/offers", json={"donor_nation_id": donor.id, "kind": "service", "description": "x"}
        )
    finally:
        event.remove(session_factory, "before_commit", boom)
    assert r.status_code == 500
    assert "request id" in r.json()["detail"]
    assert session.scalar(select(func.count()).select_from(OfferLine)) == 0


def test_text_with_a_nul_character_is_a_422_on_every_backend(client: TestClient) -> None:
    r = client.post("/api/capability-areas", json={"code": "X", "name": "a\u0000b"})
    assert r.status_code == 422
    assert r.json()["field"] == "name"
    q = client.get("/api/offers", params={"q": "a\x00"})
    assert q.status_code == 422
    assert q.json()["field"] == "q"


def test_a_write_answers_what_a_later_read_returns(client: TestClient, session: Session) -> None:
    donor = make_nation(session)
    session.commit()
    created = _offer(client, donor.id, quantity="4.5")
    assert created == client.get(f"/api/offers/{created['id']}").json()
    assert created["quantity"] == "4.500"


def test_a_nations_gdp_series(client: TestClient, session: Session) -> None:
    nation = make_nation(session)
    session.add_all(
        [
            NationGdp(
                nation_id=nation.id, year=2022, gdp_usd=Decimal("2000.50"), source="World Bank"
            ),
            NationGdp(
                nation_id=nation.id, year=2021, gdp_usd=Decimal("1900.00"), source="World Bank"
            ),
        ]
    )
    session.commit()
    r = client.get(f"/api/nations/{nation.id}/gdp")
    assert r.status_code == 200
    assert [(g["year"], g["gdp_usd"]) for g in r.json()] == [(2021, "1900.00"), (2022, "2000.50")]
    assert client.get("/api/nations/999999/gdp").status_code == 404
