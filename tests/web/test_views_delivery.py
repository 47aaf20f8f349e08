"""The proof-of-delivery form and the accountability report, over HTTP: the form names the field
at fault, records, and is verified by another user; the report answers its HTMX partial."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Role
from nsatu.db.models import DiscrepancyReport, Receipt
from tests.conftest import sign_in
from tests.delivery.world import Delivered, delivered


@pytest.fixture
def d(session_factory: sessionmaker[Session]) -> Delivered:
    with session_factory() as session:
        out = delivered(session, "VIEW", loaded=4, requested=4, handed_over=3, serial_tracked=True)
        session.commit()
    return out


def test_the_form_names_the_field_then_records_and_another_user_verifies(
    client: TestClient, session_factory: sessionmaker[Session], d: Delivered
) -> None:
    url = f"/consignments/{d.consignment_id}/receipt"
    page = client.get(url)
    assert page.status_code == 200 and 'id="receipt-form"' in page.text
    line = d.line_id
    form = {
        "received_by": "Capt. Receiver",
        "received_at": "2025-03-02T06:00",
        f"good_{line}": "3",
        f"lost_{line}": "1",
    }
    r = client.post(url, data=form)
    assert r.status_code == 422
    assert re.search(rf'data-field="lost_reason_{line}">a reason is required for 1 lost', r.text)
    r = client.post(url, data=form | {f"good_{line}": "2", f"lost_reason_{line}": "stolen"})
    assert r.status_code == 422 and "add up to 3" in r.text
    r = client.post(url, data=form | {f"lost_reason_{line}": "stolen"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    shown = client.get(url).text
    assert 'data-status="recorded"' in shown and 'id="verify-note"' in shown

    sign_in(client, session_factory, role=Role.COORDINATOR)
    shown = client.get(url).text
    version = re.search(r'name="version" value="(\d+)"', shown).group(1)  # type: ignore[union-attr]
    r = client.post(f"{url}/verify", data={"version": version}, follow_redirects=False)
    assert r.status_code == 303
    with session_factory() as s:
        receipt = s.scalars(select(Receipt).where(Receipt.consignment_id == d.consignment_id)).one()
    assert receipt.status == "verified"
    stale = client.post(f"{url}/verify", data={"version": version})
    assert stale.status_code == 409


def test_a_consignment_out_of_scope_is_a_404(
    client: TestClient, session_factory: sessionmaker[Session], d: Delivered
) -> None:
    sign_in(client, session_factory, role=Role.HUB_OPERATOR)
    assert client.get(f"/consignments/{d.consignment_id}/receipt").status_code == 404


def test_the_accountability_report_and_its_partial(client: TestClient, d: Delivered) -> None:
    r = client.get("/accountability", params={"as_of": "2025-12-31", "days": "90"})
    assert r.status_code == 200 and "<html" in r.text
    assert 'data-period="2025-12"' in r.text and "VIEW-SN000" in r.text
    assert re.search(r'<li data-consignment="VIEW-000000">.*VIEW-SN003', r.text)
    partial = client.get(
        "/accountability", params={"as_of": "2025-12-31"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in partial.text and 'id="accountability-table"' in partial.text
    bad = client.get("/accountability", params={"days": "0", "since": "2025"})
    assert bad.status_code == 422 and 'data-field="days"' in bad.text


def test_a_discrepancy_with_its_evidence_from_the_page(
    client: TestClient, session_factory: sessionmaker[Session], d: Delivered
) -> None:
    url = f"/consignments/{d.consignment_id}/discrepancies"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    r = client.post(
        url,
        data={"reason": "damaged", "description": "crate crushed"},
        files={"file": ("photo.pdf", b"MZ\x90\x00", "application/pdf")},
    )
    assert r.status_code == 422 and re.search(r'data-field="file">.*not an accepted type', r.text)
    with session_factory() as s:
        assert s.scalars(select(DiscrepancyReport)).all() == []  # the refused file stored neither
    r = client.post(url, data={"reason": "", "description": ""})
    assert r.status_code == 422 and 'data-field="reason"' in r.text
    r = client.post(
        url,
        data={"reason": "damaged", "description": "crate crushed"},
        files={"file": ("photo.png", png, "image/png")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get(f"/consignments/{d.consignment_id}/receipt").text
    link = re.search(r'<a href="(/api/attachments/\d+)" download>photo.png</a>', page)
    assert link is not None and "crate crushed" in page
    got = client.get(link.group(1))
    assert got.status_code == 200 and got.content == png
