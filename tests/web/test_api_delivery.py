"""The delivery routes as every role: proof of delivery, discrepancy reports and attachments,
end-use checks, serial history, mismatches and the accountability report follow the scope of their
consignment (``core.access.consignment_visible``: out of scope is a 404, as if it did not exist);
who may write is ``core.access`` (a 403 stores nothing). Expectations come from the predicates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import (
    consignment_visible,
    may_record_end_use_check,
    may_record_receipt,
    may_report_discrepancy,
    may_verify_receipt,
)
from nsatu.core.enums import ConsignmentKind, Releasability
from nsatu.core.lifecycles import OfferStage
from nsatu.db.models import (
    Consignment,
    DiscrepancyReport,
    EndUseCheck,
    Nation,
    OfferLine,
    Receipt,
    ReceiptLine,
    RepairSerial,
    Site,
)
from nsatu.delivery import discrepancies, receipts
from nsatu.delivery import schemas as s
from nsatu.logistics.generate import SYNTHETIC_DONOR
from tests.delivery.world import RECORDER, T0, as_actor, delivered
from tests.web.callers import CALLERS, sign_in_caller

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@dataclass
class World:
    c1: int  # handed over, receipt recorded by "recorder", a discrepancy report with a file
    c2: int  # handed over, no receipt yet
    c2_line: int
    c2_offer: int
    repair: int
    report: int
    attachment: int
    serial: str
    sites: set[int]
    c2_sites: set[int]
    hub: int
    destination: int
    donor: int
    receipt_version: int
    report_version: int


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    with session_factory() as session:
        d1 = delivered(session, "APIA", loaded=3, handed_over=2, serial_tracked=True)
        d2 = delivered(session, "APIB", loaded=2)
        for d in (d1, d2):
            c = session.get(Consignment, d.consignment_id)
            assert c is not None
            c.releasability = Releasability.BILATERAL
        as_actor(session, RECORDER)
        r = receipts.record_receipt(
            session,
            d1.consignment_id,
            s.ReceiptCreate(
                received_by="Receiver",
                received_at=T0 + dt.timedelta(hours=21),
                lines=[
                    s.ReceiptLineIn(
                        consignment_line_id=d1.line_id,
                        quantity_good=Decimal(2),
                        quantity_lost=Decimal(1),
                        lost_reason="missing",  # type: ignore[arg-type]
                    )
                ],
            ),
        )
        rep = discrepancies.create_report(
            session,
            s.DiscrepancyCreate(
                consignment_id=d1.consignment_id,
                reason="missing",  # type: ignore[arg-type]
                description="one unit short",
            ),
        )
        att = discrepancies.attach(session, rep.id, filename="photo.png", content=PNG)
        codes = [d1.route.origin, d1.route.hub, d1.route.destination]
        sites = dict(session.execute(select(Site.code, Site.id).where(Site.code.in_(codes))).all())
        codes2 = [d2.route.origin, d2.route.hub, d2.route.destination]
        c2_sites = set(session.scalars(select(Site.id).where(Site.code.in_(codes2))))
        repair = Consignment(
            reference="RPR-APIA",
            kind=ConsignmentKind.REPAIR,
            origin_site_id=sites[d1.route.destination],
            destination_site_id=sites[d1.route.hub],
            releasability=Releasability.BILATERAL,
        )
        session.add(repair)
        session.flush()
        donor = session.scalar(select(Nation.id).where(Nation.code == SYNTHETIC_DONOR))
        assert donor is not None
        w = World(
            c1=d1.consignment_id,
            c2=d2.consignment_id,
            c2_line=d2.line_id,
            c2_offer=d2.offer_id,
            repair=repair.id,
            report=rep.id,
            attachment=att.id,
            serial=d1.serials[0],
            sites=set(sites.values()),
            c2_sites=c2_sites,
            hub=sites[d1.route.hub],
            destination=sites[d1.route.destination],
            donor=donor,
            receipt_version=r.version,
            report_version=rep.version,
        )
        session.commit()
    return w


def _count(factory: sessionmaker[Session], model: Any) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("caller", CALLERS)
def test_delivery_routes_as_every_role(
    client: TestClient, session_factory: sessionmaker[Session], world: World, caller: str
) -> None:
    w = world
    actor = sign_in_caller(client, session_factory, caller, donor=w.donor, hub=w.hub)
    visible = consignment_visible(
        actor,
        releasability=Releasability.BILATERAL,
        site_ids=w.sites,
        donor_nation_ids={w.donor},
    )
    seen = 200 if visible else 404

    def write(allowed: bool, ok: int = 200) -> int:
        return 404 if not visible else (ok if allowed else 403)

    # Reads.
    assert client.get(f"/api/consignments/{w.c1}/receipt").status_code == seen
    assert client.get(f"/api/discrepancies/{w.report}").status_code == seen
    got = client.get(f"/api/attachments/{w.attachment}")
    assert got.status_code == seen
    if visible:
        assert got.content == PNG and got.headers["content-type"] == "image/png"
    listed = client.get("/api/discrepancies").json()
    assert [x["id"] for x in listed] == ([w.report] if visible else [])
    assert client.get(f"/api/serials/{w.serial}/history").status_code == seen
    mismatches = client.get("/api/serial-mismatches").json()
    assert (w.c1 in {m["consignment_id"] for m in mismatches}) is visible
    report = client.get("/api/accountability", params={"as_of": "2025-12-31"}).json()
    assert (w.serial in report["overdue"]) is visible

    # Writes: 404 out of scope, 403 in scope without the right, and a 403 stores nothing.
    receipts_before = _count(session_factory, Receipt)
    r = client.post(
        f"/api/consignments/{w.c2}/receipt",
        json={
            "received_by": "R",
            "received_at": "2025-03-02T06:00:00Z",
            "lines": [{"consignment_line_id": w.c2_line, "quantity_good": "2"}],
        },
    )
    c2_visible = consignment_visible(
        actor,
        releasability=Releasability.BILATERAL,
        site_ids=w.c2_sites,
        donor_nation_ids={w.donor},
    )
    may = may_record_receipt(actor)
    assert r.status_code == (404 if not c2_visible else 201 if may else 403), r.text
    assert _count(session_factory, Receipt) == receipts_before + (r.status_code == 201)

    r = client.patch(
        f"/api/consignments/{w.c1}/receipt", json={"version": w.receipt_version, "note": "n"}
    )
    assert r.status_code == write(may_record_receipt(actor)), r.text
    version = r.json()["version"] if r.status_code == 200 else w.receipt_version
    r = client.post(f"/api/consignments/{w.c1}/receipt/verify", json={"version": version})
    assert r.status_code == write(may_verify_receipt(actor, recorded_by="recorder")), r.text

    reports_before = _count(session_factory, DiscrepancyReport)
    r = client.post(
        "/api/discrepancies",
        json={"consignment_id": w.c1, "reason": "damaged", "description": "dent"},
    )
    assert r.status_code == write(may_report_discrepancy(actor), 201), r.text
    assert _count(session_factory, DiscrepancyReport) == reports_before + (r.status_code == 201)
    r = client.post(
        f"/api/discrepancies/{w.report}/attachments",
        files={"file": ("scan.png", PNG, "image/png")},
    )
    assert r.status_code == write(may_report_discrepancy(actor), 201), r.text
    r = client.post(f"/api/discrepancies/{w.report}/close", json={"version": w.report_version})
    assert r.status_code == write(may_report_discrepancy(actor)), r.text

    checks_before = _count(session_factory, EndUseCheck)
    r = client.post(
        "/api/end-use-checks",
        json={"serial": w.serial, "checked_on": "2025-04-01", "outcome": "seen"},
    )
    expected = 403 if not may_record_end_use_check(actor) else (201 if visible else 404)
    assert r.status_code == expected, r.text
    assert _count(session_factory, EndUseCheck) == checks_before + (r.status_code == 201)
    r = client.post(
        f"/api/consignments/{w.repair}/repair-serials",
        json={"direction": "out", "serials": [w.serial]},
    )
    # The repair consignment carries no offer lines: its donor is nobody's.
    repair_visible = consignment_visible(
        actor,
        releasability=Releasability.BILATERAL,
        site_ids={w.hub, w.destination},
        donor_nation_ids=set(),
    )
    may = may_record_end_use_check(actor)
    assert r.status_code == (404 if not repair_visible else 201 if may else 403), r.text
    assert _count(session_factory, RepairSerial) == (r.status_code == 201)


def test_bad_input_is_a_422_naming_the_field_and_a_stale_version_a_409(
    client: TestClient, world: World
) -> None:
    w = world
    r = client.post(
        f"/api/consignments/{w.c2}/receipt",
        json={
            "received_by": "R",
            "received_at": "2025-03-02T06:00:00Z",
            "lines": [{"consignment_line_id": w.c2_line, "quantity_good": "1"}],
        },
    )
    assert r.status_code == 422 and r.json()["field"] == "lines[0].quantity_good", r.text
    r = client.post(
        f"/api/consignments/{w.c2}/receipt",
        json={"received_by": "R", "received_at": "2025-03-02T06:00:00", "lines": []},
    )
    assert r.status_code == 422, r.text
    r = client.patch(f"/api/consignments/{w.c1}/receipt", json={"version": 99, "note": "x"})
    assert r.status_code == 409 and r.json()["error"] == "stale_version", r.text
    r = client.post(
        f"/api/discrepancies/{w.report}/attachments",
        files={"file": ("evil.pdf", b"MZ\x90\x00", "application/pdf")},
    )
    assert r.status_code == 422 and r.json()["field"] == "file", r.text
    assert "not an accepted type" in r.json()["detail"]


def test_the_ledger_routes(client: TestClient, session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        d = delivered(session, "APIL", loaded=4, requested=4)
        session.commit()
    offer = client.get(f"/api/offers/{d.offer_id}/ledger").json()
    need = client.get(f"/api/needs/{d.need_id}/ledger").json()
    assert [Decimal(offer[k]) for k in ("allocated", "delivered", "remaining")] == [4, 4, 0]
    assert [Decimal(need[k]) for k in ("requested", "accepted", "remaining")] == [4, 0, 4]
    assert client.get("/api/needs/999999/ledger").status_code == 404


def test_a_failed_commit_is_an_error_and_stores_nothing(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    """The receipt, its lines and the stage and coverage it moves are one transaction."""
    w = world

    def boom(_session: Session) -> None:
        raise RuntimeError("disk full")

    before = _count(session_factory, Receipt)
    event.listen(session_factory, "before_commit", boom)
    try:
        r = client.post(
            f"/api/consignments/{w.c2}/receipt",
            json={
                "received_by": "R",
                "received_at": "2025-03-02T06:00:00Z",
                "lines": [{"consignment_line_id": w.c2_line, "quantity_good": "2"}],
            },
        )
    finally:
        event.remove(session_factory, "before_commit", boom)
    assert r.status_code == 500 and "request id" in r.json()["detail"]
    assert _count(session_factory, Receipt) == before
    assert _count(session_factory, ReceiptLine) == 1  # the world's one receipt of c1
    with session_factory() as session:
        offer = session.get(OfferLine, w.c2_offer)
        assert offer is not None and offer.stage == OfferStage.ALLOCATED  # not delivered
