"""The report pages and the public release in a real Chromium: every registered report's page
draws its charts (Chart.js from /vendor), the donors' page draws the map (d3-geo and
topojson-client from /vendor: country paths shaded by % of GDP, the hubs and handover points),
the public page works for a visitor who has not signed in, and the static export opens from disk
with its charts and map drawn. No request leaves the app (or, from disk, the folder).

The server has the browser tests' seed with both tracker releases imported, and a few offer lines
released as public (one of a donor who asked to stay anonymous).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from nsatu.core.enums import Releasability
from nsatu.db.models import OfferLine
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.reporting import kiel_import, registry
from nsatu.web.static_export import write_public_release
from tests.reporting.fixture_reports import registered
from tests.web.browser_server import COORDINATOR, ROOT, LiveServer, log_in, prepare_database
from tests.web.conftest import watched
from tests.web.test_browser_plans import DRAWN

if TYPE_CHECKING:
    from playwright.sync_api import Browser, StorageState

pytestmark = pytest.mark.browser

#: Offer lines of the seed released as public; the last one's donor (Norway) stays anonymous.
PUBLIC_LINES = ("OFR-DEU-GEN", "OFR-POL-AMB", "OFR-NOR-KITS")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url, ids = prepare_database(tmp_path_factory.mktemp("reports") / "nsatu.db")
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        kiel_import.import_r7(session)
        kiel_import.import_r29(session)
        session.execute(
            update(OfferLine)
            .where(OfferLine.reference.in_(PUBLIC_LINES))
            .values(releasability=Releasability.PUBLIC)
        )
        session.execute(
            update(OfferLine)
            .where(OfferLine.reference == PUBLIC_LINES[-1])
            .values(anonymise_donor=True)
        )
    engine.dispose()
    with registered(), LiveServer(url, ids) as live:
        yield live


@pytest.fixture(scope="module")
def signed_in(browser: Browser, server: LiveServer) -> StorageState:
    context = browser.new_context(base_url=server.base_url)
    log_in(context.new_page(), *COORDINATOR)
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def tab(browser: Browser, server: LiveServer, signed_in: StorageState) -> Iterator[Page]:
    yield from watched(browser, server, signed_in, timeout_ms=15_000)


@pytest.fixture
def visitor(browser: Browser, server: LiveServer) -> Iterator[Page]:
    yield from watched(browser, server, timeout_ms=15_000)


def _charts_drawn(page: Page) -> int:
    boxes = page.locator("article.report-chart")
    n = boxes.count()
    for i in range(n):
        canvas = boxes.nth(i).locator("canvas")
        expect(boxes.nth(i)).to_have_attribute("data-drawn", "true")
        assert canvas.evaluate(DRAWN) > 100, f"chart {i} is blank"
    return n


def test_every_report_page_draws_its_charts(tab: Page) -> None:
    names = registry.names()
    assert {"donors", "monthly", "burden-sharing", "pipeline", "dependence"} <= set(names)
    tab.goto("/reports")
    for name in names:
        expect(tab.locator(f'tr[data-report="{name}"] a[href="/reports/{name}"]')).to_be_visible()
    for name in names:
        response = tab.goto(f"/reports/{name}")
        assert response is not None and response.status == 200, name
        assert _charts_drawn(tab) >= 1, f"{name} has no chart"
        expect(
            tab.locator(f'table.report-table[data-report="{name}"] tbody tr').first
        ).to_be_visible()
        expect(tab.locator("#download-csv")).to_have_attribute(
            "href", f"/api/reports/{name}?format=csv"
        )


def test_the_map_of_donors_draws_countries_hubs_and_handover_points(tab: Page) -> None:
    tab.goto("/reports/donors")
    world = tab.locator("svg.map-world-view")
    expect(world).to_have_attribute("data-drawn", "true")
    assert world.locator("path.country").count() > 150
    # Donors shaded by their % of GDP; a country with no figure is grey.
    germany = world.locator('path.country[data-iso3="DEU"]')
    assert germany.get_attribute("fill") is not None
    assert "no-figure" in (world.locator('path[data-iso3="BRA"]').get_attribute("class") or "")
    # The seed's hub and handover point, on both views, inside the Europe view's frame.
    europe = tab.locator("svg.map-europe-view")
    expect(europe).to_have_attribute("data-drawn", "true")
    hub = europe.locator('circle.site.hub[data-site="HUB-RZE"]')
    handover = europe.locator('rect.site.handover_point[data-site="HOP-A"]')
    expect(hub).to_have_count(1)
    expect(handover).to_have_count(1)
    x, y = float(hub.get_attribute("cx") or -1), float(hub.get_attribute("cy") or -1)
    assert 0 < x < 960 and 0 < y < 500
    assert world.locator("circle.site.hub").count() == 1


def test_the_public_release_works_for_a_visitor(visitor: Page) -> None:
    response = visitor.goto("/public")
    assert response is not None and response.status == 200
    rows = visitor.locator("#public-offer-lines tbody tr")
    expect(rows).to_have_count(len(PUBLIC_LINES))
    anonymous = rows.filter(has_text=PUBLIC_LINES[-1])
    expect(anonymous).to_contain_text("undisclosed")
    expect(anonymous).not_to_contain_text("Norway")
    # The published tracker reports with their charts and the map of donors (no sites).
    assert _charts_drawn(visitor) >= 3
    world = visitor.locator("#report-donors svg.map-world-view")
    expect(world).to_have_attribute("data-drawn", "true")
    assert world.locator("path.country").count() > 150
    assert world.locator(".site").count() == 0


def test_the_static_export_opens_from_disk(
    browser: Browser, server: LiveServer, tmp_path: Path
) -> None:
    engine = make_engine(server.database_url)
    with transaction(make_session_factory(engine)) as session:
        write_public_release(session, tmp_path, assets_dir=ROOT / "node_modules")
    engine.dispose()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda r: None if r.url.startswith("file://") else outside.append(r.url))
    page.goto((tmp_path / "index.html").as_uri())
    expect(page.locator("#public-offer-lines tbody tr")).to_have_count(len(PUBLIC_LINES))
    assert _charts_drawn(page) >= 3
    expect(page.locator("svg.map-world-view").first).to_have_attribute("data-drawn", "true")
    assert page.locator("svg.map-world-view").first.locator("path.country").count() > 150
    context.close()
    assert not errors, errors
    assert not outside, outside
