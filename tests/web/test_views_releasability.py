"""The needs and offers forms carry releasability and the anonymise-donor flag, with errors next to
the field; a donor liaison cannot use the offer form to record or move a line for another nation
(mass assignment). Through HTTP, on every backend."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Role
from nsatu.core.enums import Releasability
from nsatu.db.models import Nation, OfferLine, Requirement
from tests.conftest import sign_in
from tests.factories import make_capability_area, make_nation, make_offer
from tests.web.test_views import control, field_error, fresh


def _offer_form(donor: Nation, **kw: str) -> dict[str, str]:
    return {
        "donor_nation_id": str(donor.id),
        "description": "Zform field kitchens",
        "kind": "in_kind_stock",
        "channel": "bilateral",
        "quantity": "4",
        "releasability": "coalition",
        "anonymise_donor": "false",
    } | kw


def _count(session: Session, description: str) -> int:
    session.expire_all()
    stmt = select(func.count()).where(OfferLine.description == description)
    return session.scalar(stmt) or 0


def _created_id(location: str) -> int:
    return int(location.rsplit("/", 1)[1])


def test_offer_form_sets_and_clears_releasability_and_anonymity(
    client: TestClient, session: Session
) -> None:
    donor = make_nation(session, is_donor=True)
    session.commit()
    page = client.get("/offers/new").text
    assert 'type="checkbox"' in control(page, "anonymise_donor")
    assert "f-releasability" in page

    # A ticked box posts the hidden "false" and then "true": the last value wins.
    form: dict[str, Any] = _offer_form(donor, releasability="internal")
    form["anonymise_donor"] = ["false", "true"]
    r = client.post("/offers", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    line = fresh(session, OfferLine, _created_id(r.headers["location"]))
    assert line.releasability is Releasability.INTERNAL and line.anonymise_donor is True
    detail = client.get(f"/offers/{line.id}").text
    assert "Undisclosed (anonymised)" in detail

    edit = client.get(f"/offers/{line.id}/edit").text
    assert "checked" in control(edit, "anonymise_donor")
    assert 'value="internal" selected' in edit
    values = _offer_form(donor, releasability="public") | {"version": str(line.version)}
    r = client.post(f"/offers/{line.id}/edit", data=values, follow_redirects=False)
    assert r.status_code == 303, r.text
    line = fresh(session, OfferLine, line.id)
    assert line.releasability is Releasability.PUBLIC and line.anonymise_donor is False


@pytest.mark.parametrize(
    ("name", "value"), [("releasability", "secret"), ("anonymise_donor", "perhaps")]
)
def test_bad_offer_access_values_are_shown_next_to_the_field(
    client: TestClient, session: Session, name: str, value: str
) -> None:
    donor = make_nation(session, is_donor=True)
    session.commit()
    r = client.post("/offers", data=_offer_form(donor, **{name: value}))
    assert r.status_code == 422, r.text
    assert field_error(r.text, name)
    assert 'aria-invalid="true"' in control(r.text, name)
    assert _count(session, "Zform field kitchens") == 0


def _need_form(area_id: int, **kw: str) -> dict[str, str]:
    return {
        "title": "Zform water purification",
        "capability_area_id": str(area_id),
        "quantity_requested": "2",
        "priority": "1",
        "period": "2025-04",
        "needed_by_on": "2025-05-01",
        "releasability": "coalition",
    } | kw


def test_need_form_sets_releasability_and_rejects_a_bad_one(
    client: TestClient, session: Session
) -> None:
    area = make_capability_area(session)
    session.commit()
    bad = client.post("/needs", data=_need_form(area.id, releasability="top_secret"))
    assert bad.status_code == 422, bad.text
    assert field_error(bad.text, "releasability")
    assert 'aria-invalid="true"' in control(bad.text, "releasability")
    assert "Zform water purification" in bad.text  # the other values are kept
    r = client.post(
        "/needs", data=_need_form(area.id, releasability="bilateral"), follow_redirects=False
    )
    assert r.status_code == 303, r.text
    need = fresh(session, Requirement, _created_id(r.headers["location"]))
    assert need.releasability is Releasability.BILATERAL


# --- a donor liaison and another nation's offers ------------------------------------------------


@pytest.fixture
def two_donors(session: Session) -> tuple[Nation, Nation]:
    mine, theirs = make_nation(session, is_donor=True), make_nation(session, is_donor=True)
    session.commit()
    return mine, theirs


@pytest.fixture
def liaison(
    anonymous_client: TestClient,
    session_factory: sessionmaker[Session],
    two_donors: tuple[Nation, Nation],
) -> TestClient:
    sign_in(anonymous_client, session_factory, role=Role.DONOR_LIAISON, nation=two_donors[0])
    return anonymous_client


def test_liaison_form_offers_only_its_own_nation(
    liaison: TestClient, two_donors: tuple[Nation, Nation]
) -> None:
    mine, theirs = two_donors
    page = liaison.get("/offers/new")
    assert page.status_code == 200
    donor_select = page.text.split('id="f-donor_nation_id"', 1)[1].split("</select>", 1)[0]
    assert f'value="{mine.id}" selected' in donor_select
    assert f'value="{theirs.id}"' not in donor_select


def test_liaison_cannot_create_an_offer_for_another_nation(
    liaison: TestClient, session: Session, two_donors: tuple[Nation, Nation]
) -> None:
    mine, theirs = two_donors
    r = liaison.post("/offers", data=_offer_form(theirs), follow_redirects=False)
    assert r.status_code == 403, r.text
    assert "own nation" in (field_error(r.text, "donor_nation_id") or "")
    assert _count(session, "Zform field kitchens") == 0
    ok = liaison.post("/offers", data=_offer_form(mine), follow_redirects=False)
    assert ok.status_code == 303, ok.text
    assert _count(session, "Zform field kitchens") == 1


def test_liaison_cannot_move_its_offer_to_another_nation(
    liaison: TestClient, session: Session, two_donors: tuple[Nation, Nation]
) -> None:
    mine, theirs = two_donors
    line = make_offer(session, donor=mine, description="Zmine")
    session.commit()
    values: dict[str, Any] = _offer_form(theirs, description="Zmoved") | {"version": "1"}
    r = liaison.post(f"/offers/{line.id}/edit", data=values, follow_redirects=False)
    assert r.status_code == 403, r.text
    assert field_error(r.text, "donor_nation_id")
    stored = fresh(session, OfferLine, line.id)
    assert (stored.donor_nation_id, stored.description, stored.version) == (mine.id, "Zmine", 1)


def test_liaison_cannot_edit_another_nations_visible_offer(
    liaison: TestClient, session: Session, two_donors: tuple[Nation, Nation]
) -> None:
    mine, theirs = two_donors
    line = make_offer(
        session, donor=theirs, description="Ztheirs", releasability=Releasability.COALITION
    )
    session.commit()
    assert liaison.get(f"/offers/{line.id}").status_code == 200  # visible, but not theirs to edit
    values = _offer_form(mine, description="Ztaken") | {"version": "1"}
    r = liaison.post(f"/offers/{line.id}/edit", data=values, follow_redirects=False)
    assert r.status_code == 403, r.text
    assert "belongs to another donor" in r.text
    stored = fresh(session, OfferLine, line.id)
    assert (stored.donor_nation_id, stored.description) == (theirs.id, "Ztheirs")
