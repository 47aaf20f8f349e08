"""The layout's alert banner in a real Chromium: loaded after the page, it shows the count of the
alerts the user may see and leads to them on /hubs; a failed count leaves the page as it was."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, Route, expect
from sqlalchemy import update

from nsatu.core.access import Role
from nsatu.db.migrate import upgrade
from nsatu.db.models import ConsignmentLeg
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.logistics.generate import seed_consignments
from tests.factories import make_user
from tests.web.browser_server import LiveServer, log_in
from tests.web.conftest import watched

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

COORDINATOR = ("banner-coordinator", "banner-browser-password")
#: Two consignments that never left, planned to depart ten days ago: two critical alerts.
PLANNED = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('banner')) / 'nsatu.db'}"
    upgrade(url)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        seed_consignments(session, 2, prefix="BAB", loaded=4)
        session.execute(
            update(ConsignmentLeg).values(
                planned_departure_on=PLANNED, planned_arrival_on=PLANNED + dt.timedelta(days=1)
            )
        )
        make_user(session, role=Role.COORDINATOR, username=COORDINATOR[0], password=COORDINATOR[1])
    engine.dispose()
    with LiveServer(url, {}) as live:
        yield live


@pytest.fixture
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    yield from watched(browser, server, timeout_ms=10_000)


def test_the_banner_counts_the_alerts_and_leads_to_them(page: Page) -> None:
    log_in(page, *COORDINATOR, path="/needs")
    banner = page.locator("#alert-banner")
    expect(banner).to_have_attribute("data-count", "2")
    expect(banner).to_contain_text("2 alerts (2 critical)")
    expect(page.locator("#alert-banner-slot")).to_have_count(0)
    banner.get_by_role("link").click()
    page.wait_for_url("**/hubs#alerts")
    expect(page.locator('#alerts li[data-kind="consignment_late"]')).to_have_count(2)
    # /hubs lists the alerts itself: no banner there.
    expect(page.locator("#alert-banner")).to_have_count(0)


def test_a_failed_count_leaves_the_page_alone(page: Page) -> None:
    log_in(page, *COORDINATOR, path="/")
    expect(page.locator("#alert-banner")).to_have_attribute("data-count", "2")

    def fail(route: Route) -> None:
        route.fulfill(status=500, body="<p id='broken'>Internal error</p>")

    page.route("**/alerts/banner", fail)
    with page.expect_response("**/alerts/banner") as answer:
        page.goto("/offers")
    assert answer.value.status == 500
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#broken")).to_have_count(0)
    expect(page.locator("#alert-banner")).to_have_count(0)
