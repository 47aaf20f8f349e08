"""The execution pages in a real Chromium: a coordinator goes from the navigation to the hubs and
their alerts, the utilisation chart (drawn by Chart.js from /vendor), the consignment board, a
consignment's event chain and map, and imports a scan file; a hub operator sees its own hub only.

The data live on a live server of their own (its own seeded SQLite file), dated around today so
that the pages' default span shows them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from nsatu.core.access import Role
from nsatu.core.enums import TrackingEventKind as K
from nsatu.db.migrate import upgrade
from nsatu.db.models import Consignment, ConsignmentLeg, Site
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.logistics import ingest, scanfile
from nsatu.logistics.generate import RouteSpec, seed_consignments
from tests.factories import make_user
from tests.web.browser_server import LiveServer, log_in
from tests.web.conftest import watched
from tests.web.test_browser_plans import DRAWN

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

COORDINATOR = ("hub-coordinator", "hub-browser-password")
OPERATOR = ("hub-operator", "hub-operator-password")
TODAY = dt.datetime.now(dt.UTC).date()
ARRIVAL = TODAY - dt.timedelta(days=3)


def _when(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


def _ev(r: RouteSpec, n: int, kind: K, site: str, at: dt.datetime) -> ingest.EventIn:
    return ingest.EventIn(
        event_id=f"{r.reference}-{n}", consignment=r.reference, kind=kind, site=site, occurred_at=at
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('hubs')) / 'nsatu.db'}"
    upgrade(url)
    engine = make_engine(url)
    ids: dict[str, int] = {}
    with transaction(make_session_factory(engine)) as session:
        routes = seed_consignments(session, 3, prefix="BRH", loaded=4)
        seed_consignments(session, 1, prefix="BRX", loaded=4)
        hub = session.scalars(select(Site).where(Site.code == "BRH-HUB")).one()
        hub.road_capacity_per_day = 10
        for seq, dep, arr in (
            (1, ARRIVAL - dt.timedelta(days=1), ARRIVAL),
            (2, ARRIVAL + dt.timedelta(days=1), TODAY + dt.timedelta(days=2)),
        ):
            session.execute(
                update(ConsignmentLeg)
                .where(ConsignmentLeg.seq == seq)
                .values(weight_t=Decimal(6), planned_departure_on=dep, planned_arrival_on=arr)
            )
        a, b, _c = routes
        result = ingest.ingest(
            session,
            [
                _ev(a, 1, K.DEPARTED, a.origin, _when(ARRIVAL - dt.timedelta(days=1), 8)),
                _ev(a, 2, K.ARRIVED_HUB, a.hub, _when(ARRIVAL, 6)),
                _ev(b, 1, K.DEPARTED, b.origin, _when(ARRIVAL - dt.timedelta(days=1), 9)),
                _ev(b, 2, K.ARRIVED_HUB, b.hub, _when(ARRIVAL, 9)),
                _ev(a, 3, K.DEPARTED_HUB, a.hub, _when(ARRIVAL + dt.timedelta(days=1), 7)),
            ],
        )
        assert result.applied == 5
        make_user(session, role=Role.COORDINATOR, username=COORDINATOR[0], password=COORDINATOR[1])
        make_user(
            session, role=Role.HUB_OPERATOR, site=hub, username=OPERATOR[0], password=OPERATOR[1]
        )
        ids = dict(session.execute(select(Consignment.reference, Consignment.id)).all())
        ids |= dict(session.execute(select(Site.code, Site.id)).all())
    engine.dispose()
    with LiveServer(url, ids) as live:
        yield live


@pytest.fixture
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    yield from watched(browser, server, timeout_ms=10_000)


def test_a_coordinator_follows_the_hub_pages(page: Page, server: LiveServer) -> None:
    log_in(page, *COORDINATOR, path="/")
    page.get_by_role("link", name="Hubs", exact=True).click()
    page.wait_for_url("**/hubs")
    alerts = page.locator("#alerts")
    expect(alerts.locator('li[data-kind="hub_over_capacity"]')).to_contain_text("BRH-HUB")
    # c never left its depot: behind plan.
    expect(alerts.locator('li[data-kind="consignment_late"]').first).to_be_visible()

    page.locator("#hubs").get_by_role("link", name="Utilisation").first.click()
    page.wait_for_url(re.compile(r".*/hubs/\d+$"))
    canvas = page.locator("#utilisation-chart")
    expect(canvas).to_be_visible()
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('utilisation-chart'))"
    )
    assert canvas.evaluate(DRAWN) > 100, "the utilisation chart is blank"
    over = page.locator(f'#utilisation tr.over[data-day="{ARRIVAL}"]')
    expect(over).to_contain_text("road")
    expect(page.locator("#over-banner")).to_contain_text(str(ARRIVAL))

    # Other days: the figures are swapped in place (HTMX), the URL pushed, the chart redrawn.
    later = ARRIVAL + dt.timedelta(days=1)
    page.locator('input[name="from"]').fill(later.isoformat())
    page.locator("#span-show").click()
    page.wait_for_url(re.compile(rf".*from={later}.*"))
    expect(page.locator("#utilisation tbody tr").first).to_have_attribute("data-day", str(later))
    expect(page.locator(f'#utilisation tr[data-day="{ARRIVAL}"]')).to_have_count(0)
    page.wait_for_function("() => Chart.getChart(document.getElementById('utilisation-chart'))")
    assert page.locator("#utilisation-chart").evaluate(DRAWN) > 100, "not redrawn"
    page.goto(f"/hubs/{server.ids['BRH-HUB']}?from={ARRIVAL - dt.timedelta(days=2)}")

    page.get_by_role("link", name="Consignment board").click()
    page.wait_for_url(re.compile(r".*/hubs/\d+/board.*"))
    row = page.locator('#board tr[data-consignment="BRH-000000"]')
    expect(row.locator(".bar.in")).to_be_visible()
    expect(row.locator(".bar.out")).to_be_visible()
    expect(page.locator("#board .today").first).to_be_attached()
    row.get_by_role("link", name="BRH-000000").click()
    page.wait_for_url(re.compile(r".*/consignments/\d+$"))
    expect(page.locator("#events li")).to_have_count(3)
    expect(page.locator("#events li").last).to_have_attribute("data-kind", "departed_hub")
    expect(page.locator("#route-map circle.site")).to_have_count(3)
    expect(page.locator("#route-map #position")).to_be_attached()
    expect(page.locator("#position-text")).to_have_text("BRH-HUB")


def test_a_coordinator_imports_a_scan_file(page: Page, tmp_path: Path) -> None:
    log_in(page, *COORDINATOR, path="/events/import")
    c = RouteSpec("BRH-000002", "BRH-DEP", "BRH-HUB", "BRH-HOP", 4)
    events = [
        _ev(c, 1, K.DEPARTED, c.origin, _when(ARRIVAL, 10)),
        _ev(c, 2, K.HANDED_OVER, c.hub, _when(ARRIVAL, 11)),
    ]
    file = tmp_path / "scans.csv"
    file.write_text(scanfile.write(events), encoding="utf-8")
    page.locator('input[name="file"]').set_input_files(file)
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#applied")).to_have_text("1")
    expect(page.locator("#rejected")).to_have_text("1")
    expect(page.locator("#refusals")).to_contain_text("BRH-000002-2")
    # Sent again: nothing new.
    page.locator('input[name="file"]').set_input_files(file)
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#applied")).to_have_text("0")
    expect(page.locator("#duplicates")).to_have_text("1")


def test_a_hub_operator_sees_its_own_hub(page: Page, server: LiveServer) -> None:
    log_in(page, *OPERATOR, path="/hubs")
    expect(page.locator("#hubs tbody tr")).to_have_count(1)
    expect(page.locator("#hubs")).to_contain_text("BRH-HUB")
    response = page.goto(f"/hubs/{server.ids['BRX-HUB']}")
    assert response is not None and response.status == 404
    response = page.goto(f"/consignments/{server.ids['BRX-000000']}")
    assert response is not None and response.status == 404
