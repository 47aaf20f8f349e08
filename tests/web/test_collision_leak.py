"""A unique key never reveals a record the caller cannot see.

An offer's reference (and its ``(source, source_ref)``) is unique per donor, and a donor liaison sees
every line of its own nation: so a clash is only ever with a line the caller sees, and answers a
clear 409 naming the field; a reference that another donor uses on a hidden line is simply free.
Every unique key of a scoped entity is listed below with the reason its writers see every row it
could clash with, so a new key cannot slip in unreviewed. On every backend.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Actor, Channel, Role
from nsatu.core.enums import Releasability
from nsatu.db.actor import set_actor
from nsatu.db.crud import unique_keys
from nsatu.db.models import Nation, OfferLine, Requirement
from nsatu.db.scoping import SCOPED
from nsatu.transfer import service as transfer_service
from nsatu.transfer.schemas import Format
from tests.conftest import sign_in
from tests.factories import make_nation, make_offer, make_requirement

#: Every unique key on a scoped table, and why a clash is only ever with a row its writers see.
REVIEWED_KEYS: dict[tuple[str, tuple[str, ...]], str] = {
    ("offer_line", ("donor_nation_id", "reference")): "a donor liaison sees all its nation's lines",
    ("offer_line", ("donor_nation_id", "source", "source_ref")): "the same, per donor",
    ("requirement", ("reference",)): "only recipient planners and coordinators write needs; both "
    "see every need",
    ("consignment", ("reference",)): "only coordinators create consignments; they see all",
    ("consignment_leg", ("consignment_id", "seq")): "only coordinators write legs",
    ("tracking_event", ("consignment_id", "event_id")): "an event id is unique per consignment, "
    "and whoever records an event sees the consignment and so every event of it",
    ("tracking_rejection", ("submitted_by", "event_id")): "unique per sender, and a sender sees "
    "every refusal it sent",
    ("receipt", ("consignment_id",)): "one receipt per consignment; a receipt is visible exactly "
    "when its consignment is, and only a writer who sees the consignment gets past its 404",
    ("receipt_line", ("receipt_id", "consignment_line_id")): "lines of one receipt, written "
    "with it by whoever may write the receipt (and so sees it)",
    ("repair_serial", ("consignment_id", "serial")): "serials of one repair consignment, linked "
    "by coordinators and recipient planners only after the consignment is found in their scope, "
    "and visible whenever that consignment is",
    ("offer_line_valuation", ("offer_line_id", "basis")): "one per line and basis; a valuation is "
    "visible exactly when its line is, its writer must see the line (404 otherwise) and so every "
    "valuation of it, and recording a basis again replaces it (no 409)",
    ("participant", ("seat_request_id", "reference")): "participants are seen with their seat "
    "request, and a writer names only a seat request it sees (another is refused with one answer "
    "for hidden and foreign requests), so it sees every participant of that request",
    ("package_component", ("capability_package_id", "requirement_id")): "only coordinators write "
    "package components, and they see every need",
}


def test_every_unique_key_of_a_scoped_entity_is_reviewed() -> None:
    found = {
        (model.__table__.name, key)  # type: ignore[attr-defined]
        for model in SCOPED
        for key in unique_keys(model)
    }
    assert found == set(REVIEWED_KEYS)


def _body(donor: Nation, **kw: Any) -> dict[str, Any]:
    return {
        "donor_nation_id": donor.id,
        "kind": "in_kind_stock",
        "description": "Generators",
        "quantity": "5",
    } | kw


@pytest.fixture
def donors(session: Session) -> tuple[Nation, Nation]:
    mine, theirs = make_nation(session, is_donor=True), make_nation(session, is_donor=True)
    session.commit()
    return mine, theirs


@pytest.fixture
def liaison(
    anonymous_client: TestClient,
    session_factory: sessionmaker[Session],
    donors: tuple[Nation, Nation],
) -> TestClient:
    """A client signed in as the donor liaison of the first donor."""
    sign_in(anonymous_client, session_factory, role=Role.DONOR_LIAISON, nation=donors[0])
    return anonymous_client


@pytest.mark.parametrize("level", [Releasability.BILATERAL, Releasability.INTERNAL])
def test_a_hidden_lines_reference_is_free_for_another_donor(
    liaison: TestClient,
    session: Session,
    donors: tuple[Nation, Nation],
    level: Releasability,
) -> None:
    mine, theirs = donors
    hidden = make_offer(
        session,
        donor=theirs,
        reference="SECRET-1",
        releasability=level,
        source="kiel",
        source_ref="K-9",
    )
    session.commit()
    assert liaison.get(f"/api/offers/{hidden.id}").status_code == 404  # it is hidden

    # Same reference, same source reference: accepted, exactly as if the hidden line did not exist.
    r = liaison.post(
        "/api/offers", json=_body(mine, reference="SECRET-1", source="kiel", source_ref="K-9")
    )
    assert r.status_code == 201, r.text
    assert r.json()["reference"] == "SECRET-1"
    listed = liaison.get("/api/offers", params={"q": "SECRET-1"}).json()
    assert [o["id"] for o in listed["items"]] == [r.json()["id"]]


def test_a_clash_with_a_visible_line_is_a_409_naming_the_field(
    liaison: TestClient, session: Session, donors: tuple[Nation, Nation]
) -> None:
    mine, _ = donors
    own = liaison.post(
        "/api/offers", json=_body(mine, reference="OWN-1", source="kiel", source_ref="K-1")
    )
    assert own.status_code == 201, own.text

    again = liaison.post("/api/offers", json=_body(mine, reference="OWN-1"))
    assert again.status_code == 409, again.text
    assert again.json()["error"] == "conflict" and again.json()["field"] == "reference"
    assert "OWN-1" in again.json()["detail"]

    same_source = liaison.post(
        "/api/offers", json=_body(mine, reference="OWN-2", source="kiel", source_ref="K-1")
    )
    assert same_source.status_code == 409, same_source.text
    assert same_source.json()["field"] == "source_ref"
    session.expire_all()
    count = select(func.count()).where(OfferLine.donor_nation_id == mine.id)
    assert session.scalar(count) == 1  # nothing half-written


def test_a_coordinator_moving_a_line_onto_a_taken_reference_gets_a_409(
    client: TestClient, session: Session, donors: tuple[Nation, Nation]
) -> None:
    mine, theirs = donors
    make_offer(session, donor=theirs, reference="DUP-1")
    line = make_offer(session, donor=mine, reference="DUP-1")  # another donor: allowed
    session.commit()
    r = client.patch(f"/api/offers/{line.id}", json={"version": 1, "donor_nation_id": theirs.id})
    assert r.status_code == 409, r.text
    assert r.json()["field"] == "reference"
    assert client.get(f"/api/offers/{line.id}").json()["donor_nation_id"] == mine.id
    third = make_nation(session, is_donor=True)
    session.commit()
    moved = client.patch(f"/api/offers/{line.id}", json={"version": 1, "donor_nation_id": third.id})
    assert moved.status_code == 200, moved.text


def test_a_need_reference_clash_is_a_409_naming_the_field(
    anonymous_client: TestClient, session_factory: sessionmaker[Session], session: Session
) -> None:
    """Recipient planners see every need, draft or internal, so a clash is with a need they see."""
    internal = make_requirement(
        session, reference="REQ-INT-1", releasability=Releasability.INTERNAL
    )
    session.commit()
    sign_in(anonymous_client, session_factory, role=Role.RECIPIENT_PLANNER)
    assert anonymous_client.get(f"/api/needs/{internal.id}").status_code == 200
    body = {
        "reference": "REQ-INT-1",
        "title": "Water",
        "capability_area_id": internal.capability_area_id,
        "quantity_requested": "3",
        "priority": 1,
        "period": "2025-05",
        "needed_by_on": "2025-06-01",
    }
    r = anonymous_client.post("/api/needs", json=body)
    assert r.status_code == 409, r.text
    assert r.json()["field"] == "reference"
    assert session.scalar(select(func.count()).where(Requirement.reference == "REQ-INT-1")) == 1


def test_import_by_a_donor_liaison_ignores_hidden_lines_of_other_donors(
    session: Session, donors: tuple[Nation, Nation]
) -> None:
    mine, theirs = donors
    make_offer(
        session,
        donor=theirs,
        reference="HID-1",
        releasability=Releasability.BILATERAL,
        source="test",
        source_ref="S-1",
    )
    liaison = Actor(
        role=Role.DONOR_LIAISON, username="liaison", nation_id=mine.id, channel=Channel.IMPORT
    )
    set_actor(session, liaison)
    header = "reference,donor,kind,description,quantity,source,source_ref,parent_reference\n"
    rows = (
        f"HID-1,{mine.code},in_kind_stock,Parent,4,test,S-1,\n"
        f"HID-2,{mine.code},in_kind_stock,Child,2,test,S-2,HID-1\n"
    )
    result = transfer_service.import_offers(session, (header + rows).encode(), Format.CSV)
    assert result.imported == 2
    set_actor(session, None)
    lines = session.scalars(
        select(OfferLine).where(OfferLine.donor_nation_id == mine.id).order_by(OfferLine.id)
    ).all()
    assert [(o.reference, o.source_ref) for o in lines] == [("HID-1", "S-1"), ("HID-2", "S-2")]
    assert lines[1].parent_id == lines[0].id  # the donor's own HID-1, not the hidden one
