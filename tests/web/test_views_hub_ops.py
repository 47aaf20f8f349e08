"""The execution pages over HTTP: hubs and alerts, a hub's utilisation and board, a consignment's
event chain and map, the scan-file import; and their scoping (a hub operator sees its own hub
only; a consignment outside the caller's scope is the ordinary 404 page)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Role
from nsatu.core.enums import TrackingEventKind as K
from nsatu.db.models import Consignment, Site, TrackingEvent
from nsatu.logistics import ingest, scanfile
from nsatu.logistics.generate import RouteSpec, seed_consignments
from tests.conftest import sign_in
from tests.delivery.world import delivered
from tests.logistics.test_hub_ops import D1, at, ev, plan

SPAN = {"from": "2025-02-27", "to": "2025-03-04"}


@pytest.fixture
def seeded(session_factory: sessionmaker[Session]) -> dict[str, object]:
    """Hub VWA: two consignments (one through the hub and on, one still there; both arrived on D1
    over the road capacity of 10 t); hub VWB: one consignment, not scanned."""
    with session_factory() as s:
        a, b = seed_consignments(s, 2, prefix="VWA", loaded=4)
        plan(s, "VWA", road_cap=10)
        (c,) = seed_consignments(s, 1, prefix="VWB", loaded=4)
        plan(s, "VWB")
        result = ingest.ingest(
            s,
            [
                ev(a, 1, K.DEPARTED, a.origin, at(D1, 1) - dt.timedelta(days=1)),
                ev(a, 2, K.ARRIVED_HUB, a.hub, at(D1, 6)),
                ev(a, 3, K.DEPARTED_HUB, a.hub, at(D1, 20)),
                ev(b, 1, K.DEPARTED, b.origin, at(D1, 1) - dt.timedelta(days=1)),
                ev(b, 2, K.ARRIVED_HUB, b.hub, at(D1, 8)),
            ],
        )
        assert result.applied == 5
        ids = dict(s.execute(select(Consignment.reference, Consignment.id)).all())
        hubs = dict(s.execute(select(Site.code, Site.id)).all())
        s.commit()
    return {"a": a, "b": b, "c": c, "ids": ids, "hubs": hubs}


def test_hubs_list_with_alerts(client: TestClient, seeded: dict[str, object]) -> None:
    r = client.get("/hubs")
    assert r.status_code == 200, r.text
    assert "VWA-HUB" in r.text and "VWB-HUB" in r.text
    # Demo dates are in the past: every consignment is behind plan (no scan of c at all).
    c: RouteSpec = seeded["c"]  # type: ignore[assignment]
    alerts = re.search(r'<ul class="alerts" id="alerts">.*?</ul>', r.text, re.DOTALL)
    assert alerts is not None and c.reference in alerts.group(0)
    assert 'href="/hubs"' in client.get("/").text


def test_utilisation_page_table_and_chart_data(
    client: TestClient, seeded: dict[str, object]
) -> None:
    hub = seeded["hubs"]["VWA-HUB"]  # type: ignore[index]
    r = client.get(f"/hubs/{hub}", params=SPAN)
    assert r.status_code == 200, r.text
    data = json.loads(
        re.search(r'<script type="application/json" id="hub-chart">(.*?)</script>', r.text).group(1)
    )  # type: ignore[union-attr]
    assert data["labels"][2] == "2025-03-01"
    assert (data["planned"][2], data["actual"][2], data["capacity"][2]) == (12.0, 12.0, 10.0)
    assert data["over"] == [False, False, True, False, False, False]
    row = re.search(r'<tr class="over" data-day="2025-03-01">.*?</tr>', r.text, re.DOTALL)
    assert row is not None and "road" in row.group(0)
    assert 'id="over-banner"' in r.text
    assert "/vendor/chart.js/dist/chart.umd.min.js" in r.text and "/static/hubs.js" in r.text
    assert client.get(f"/hubs/{hub}", params={"from": "March"}).status_code == 422


def test_board_shows_legs_as_bars(client: TestClient, seeded: dict[str, object]) -> None:
    hub = seeded["hubs"]["VWA-HUB"]  # type: ignore[index]
    a: RouteSpec = seeded["a"]  # type: ignore[assignment]
    r = client.get(f"/hubs/{hub}/board", params=SPAN)
    assert r.status_code == 200, r.text
    row = re.search(rf'<tr data-consignment="{a.reference}">.*?</tr>', r.text, re.DOTALL)
    assert row is not None
    bars = re.findall(
        r'class="bar (in|out)" style="left: ([\d.]+)%; width: ([\d.]+)%"', row.group(0)
    )
    # Six days from 27 February: leg 1 is 28 February–1 March (days 1–2), leg 2 2–3 March (3–4).
    assert bars == [("in", "16.67", "33.33"), ("out", "50.00", "33.33")]
    assert "in 2025-03-01 06:00 UTC" in row.group(0) and "out 2025-03-01 20:00 UTC" in row.group(0)
    assert "VWB-" not in r.text


def test_consignment_page_chain_and_map(client: TestClient, seeded: dict[str, object]) -> None:
    b: RouteSpec = seeded["b"]  # type: ignore[assignment]
    cid = seeded["ids"][b.reference]  # type: ignore[index]
    r = client.get(f"/consignments/{cid}")
    assert r.status_code == 200, r.text
    assert re.findall(r'<li data-kind="(\w+)">', r.text) == ["departed", "arrived_hub"]
    assert 'id="position"' in r.text and ">VWA-HUB<" in r.text
    assert re.search(r'id="position-text">VWA-HUB<', r.text)
    assert len(re.findall(r'<circle class="site ', r.text)) == 3
    assert "http" not in re.search(r"<svg.*?</svg>", r.text, re.DOTALL).group(0)  # type: ignore[union-attr]
    assert 'id="late-banner"' in r.text
    assert client.get("/consignments/999999").status_code == 404


def test_a_hub_operator_sees_its_hub_only(
    client: TestClient, session_factory: sessionmaker[Session], seeded: dict[str, object]
) -> None:
    hubs: dict[str, int] = seeded["hubs"]  # type: ignore[assignment]
    with session_factory() as s:
        own = s.get(Site, hubs["VWA-HUB"])
    sign_in(client, session_factory, role=Role.HUB_OPERATOR, site=own)
    listing = client.get("/hubs").text
    assert "VWA-HUB" in listing and "VWB-HUB" not in listing
    assert client.get(f"/hubs/{hubs['VWB-HUB']}").status_code == 404
    assert client.get(f"/hubs/{hubs['VWB-HUB']}/board").status_code == 404
    c: RouteSpec = seeded["c"]  # type: ignore[assignment]
    ids: dict[str, int] = seeded["ids"]  # type: ignore[assignment]
    r = client.get(f"/consignments/{ids[c.reference]}")
    assert r.status_code == 404 and c.reference not in r.text
    assert client.get(f"/consignments/{ids[seeded['a'].reference]}").status_code == 200  # type: ignore[attr-defined]


def test_scan_file_import(
    client: TestClient, session_factory: sessionmaker[Session], seeded: dict[str, object]
) -> None:
    c: RouteSpec = seeded["c"]  # type: ignore[assignment]
    events = [
        ev(c, 1, K.DEPARTED, c.origin, at(D1, 2)),
        ev(c, 2, K.HANDED_OVER, c.hub, at(D1, 3)),  # not the destination: refused
    ]
    body = scanfile.write(events).encode()
    r = client.post("/events/import", files={"file": ("scans.csv", body, "text/csv")})
    assert r.status_code == 200, r.text
    found = {
        k: re.search(rf'id="{k}">(\d+)<', r.text).group(1)
        for k in ("applied", "duplicates", "rejected")
    }  # type: ignore[union-attr]
    assert found == {"applied": "1", "duplicates": "0", "rejected": "1"}
    assert f"{c.reference}-2" in re.search(
        r'<table id="refusals">.*?</table>', r.text, re.DOTALL
    ).group(0)  # type: ignore[union-attr]
    again = client.post("/events/import", files={"file": ("scans.csv", body, "text/csv")})
    assert re.search(r'id="duplicates">1<', again.text)
    bad = client.post(
        "/events/import", files={"file": ("x.csv", b"event_id,kind\n1,departed\n", "text/csv")}
    )
    assert bad.status_code == 422 and 'id="import-error"' in bad.text
    with session_factory() as s:
        ids: dict[str, int] = seeded["ids"]  # type: ignore[assignment]
        n = s.scalars(
            select(TrackingEvent.id).where(TrackingEvent.consignment_id == ids[c.reference])
        ).all()
    assert len(n) == 1
    assert 'id="import-form"' in client.get("/events/import").text


def test_the_public_and_auditors_may_not_import(
    client: TestClient, session_factory: sessionmaker[Session], anonymous_client: TestClient
) -> None:
    page = anonymous_client.get("/events/import")
    assert page.status_code == 200 and 'id="import-refused"' in page.text
    sign_in(client, session_factory, role=Role.AUDITOR)
    r = client.post("/events/import", files={"file": ("scans.csv", b"", "text/csv")})
    assert r.status_code == 403


def test_htmx_gets_the_figures_only(client: TestClient, seeded: dict[str, object]) -> None:
    hub = seeded["hubs"]["VWA-HUB"]  # type: ignore[index]
    for path, root in ((f"/hubs/{hub}", "hub-figures"), (f"/hubs/{hub}/board", "hub-board")):
        r = client.get(path, params=SPAN, headers={"HX-Request": "true"})
        assert r.status_code == 200, r.text
        assert r.text.lstrip().startswith(f'<div id="{root}">') and "<html" not in r.text
        assert r.headers["Vary"] == "HX-Request"
        assert f'hx-target="#{root}"' in client.get(path, params=SPAN).text
    partial = client.get(f"/hubs/{hub}", params=SPAN, headers={"HX-Request": "true"}).text
    assert 'id="hub-chart"' in partial and 'data-day="2025-03-01"' in partial


def test_consignment_page_links_to_its_proof_of_delivery(
    client: TestClient, session_factory: sessionmaker[Session], seeded: dict[str, object]
) -> None:
    """Once handed over, a user who may record a receipt finds the proof-of-delivery page from the
    consignment; before that, or for a role that may not record one, there is no link."""
    with session_factory() as s:
        d = delivered(s, "VWP")
        s.commit()
    done, underway = d.consignment_id, seeded["ids"][seeded["b"].reference]  # type: ignore[attr-defined,index]
    link = f'href="/consignments/{done}/receipt" id="receipt-link"'
    r = client.get(f"/consignments/{done}")
    assert r.status_code == 200 and link in r.text
    assert client.get(f"/consignments/{done}/receipt").status_code == 200
    assert 'id="receipt-link"' not in client.get(f"/consignments/{underway}").text
    sign_in(client, session_factory, role=Role.RECIPIENT_PLANNER)
    assert link in client.get(f"/consignments/{done}").text
    sign_in(client, session_factory, role=Role.AUDITOR)
    r = client.get(f"/consignments/{done}")
    assert r.status_code == 200 and 'id="receipt-link"' not in r.text
