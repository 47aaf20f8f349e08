"""The planning pages in a real Chromium, on the planning world of the plan-run tests (two donors,
a hub, a handover point, the links between them) plus one need nobody can serve: a coordinator
starts a run from the page, watches its progress until it finishes, opens the summary, sees why a
need is unmet and the charts drawn, ticks two proposals and accepts them.

The data live on a live server of their own (its own seeded SQLite file), so the other browser
tests' data stay as they are. The run is solved for real (HiGHS) by the app's job, after the
response that started it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from nsatu.core.access import Role
from nsatu.core.lifecycles import RequirementStatus
from nsatu.db.migrate import upgrade
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.demo.service import load_demo
from tests.domains.plan_world import START, build_world
from tests.factories import make_item_type, make_requirement, make_user
from tests.web.browser_server import LiveServer, log_in
from tests.web.conftest import watched

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

USER = ("plan-coordinator", "plan-browser-password")
#: Pixels drawn on a canvas (alpha > 0): a chart that rendered is not blank.
DRAWN = """(canvas) => {
  if (!window.Chart || !Chart.getChart(canvas)) return 0;
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
  return n;
}"""


@pytest.fixture(scope="module")
def plan_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('plans')) / 'nsatu.db'}"
    upgrade(url)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        world = build_world(session)
        lonely = make_item_type(
            session, capability_area_id=world.wanted.capability_area_id, weight_kg_per_unit=10
        )
        make_requirement(
            session,
            reference="REQ-LONELY",
            title="Something nobody offers",
            capability_area_id=world.wanted.capability_area_id,
            item_type_id=lonely.id,
            quantity_requested=Decimal(5),
            priority=1,
            needed_by_on=START,
            destination_site_id=world.handover.id,
            status=RequirementStatus.APPROVED,
        )
        make_user(session, role=Role.COORDINATOR, username=USER[0], password=USER[1])
    engine.dispose()
    with LiveServer(url) as server:
        yield server


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo data as `make run` loads them (real Kiel lines, SYNTHETIC needs, demo depots)."""
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('demo-plans')) / 'nsatu.db'}"
    upgrade(url)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        load_demo(session)
        make_user(session, role=Role.COORDINATOR, username=USER[0], password=USER[1])
    engine.dispose()
    with LiveServer(url) as server:
        yield server


def _page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    yield from watched(browser, server, timeout_ms=10_000)


@pytest.fixture
def page(browser: Browser, plan_server: LiveServer) -> Iterator[Page]:
    yield from _page(browser, plan_server)


@pytest.fixture
def demo_page(browser: Browser, demo_server: LiveServer) -> Iterator[Page]:
    yield from _page(browser, demo_server)


def test_a_coordinator_plans_watches_and_accepts_two_proposals(page: Page) -> None:
    log_in(page, *USER, path="/plans")
    expect(page.locator("#plans-link")).to_have_attribute("aria-current", "page")

    # Start a run from the form; the fragment polls until the run is finished.
    page.locator("#f-horizon_days").fill("30")
    page.locator("#f-start_on").fill(START.isoformat())
    page.locator("#f-time_limit_s").fill("20")
    page.locator("#start-button").click()
    progress = page.locator("#started-run .run-progress")
    expect(progress.locator("progress")).to_be_attached()
    expect(progress).to_have_attribute("data-status", "finished", timeout=60_000)
    expect(progress.locator("progress")).to_have_attribute("value", "1.000")
    # The list below refreshed itself when the run finished.
    expect(page.locator('#plans-table tr[data-status="finished"]')).to_have_count(1)

    progress.locator("a.summary-link").click()
    page.wait_for_url(re.compile(r".*/plans/\d+$"))
    expect(page.locator("#value-vs-greedy")).to_contain_text("%")

    # Why the lonely need is unmet, linked to its page.
    row = page.locator('#unmet-table tr[data-need="REQ-LONELY"]')
    expect(row.locator('code.reason[data-code="no_compatible_offer"]')).to_be_visible()
    expect(row.locator("a")).to_have_attribute("href", re.compile(r"^/needs/\d+$"))

    # The charts are drawn (Chart.js, from /vendor), each with its table.
    for selector in ('canvas[data-chart="coverage"]', 'canvas[data-chart="hub"]'):
        canvas = page.locator(selector).first
        expect(canvas).to_be_visible()
        assert canvas.evaluate(DRAWN) > 100, f"{selector} is blank"
    assert page.locator('canvas[data-chart="leg"]').count() >= 1
    expect(page.locator("#coverage-table tbody tr")).not_to_have_count(0)
    expect(page.locator("#hub-loads table.load-table").first).to_be_visible()

    # Tick two proposals and accept them: the section updates in place.
    boxes = page.locator('input[name="allocation_ids"]')
    assert boxes.count() >= 2
    chosen = [boxes.nth(i).get_attribute("value") for i in range(2)]
    for i in range(2):
        boxes.nth(i).check()
    page.get_by_role("button", name="Accept selected").click()
    expect(page.locator("#decision-result")).to_contain_text("Accepted 2 allocations")
    for allocation_id in chosen:
        expect(page.locator(f'#proposals-table tr[data-id="{allocation_id}"]')).to_have_attribute(
            "data-status", "accepted"
        )
    expect(page.locator('#proposals-table tr[data-status="accepted"]')).to_have_count(2)

    # A reload shows the same: the decision was stored.
    page.reload()
    expect(page.locator('#proposals-table tr[data-status="accepted"]')).to_have_count(2)


def test_on_the_demo_data_every_unmet_need_is_explained_and_proposals_accepted(
    demo_page: Page,
) -> None:
    page = demo_page
    log_in(page, *USER, path="/plans")
    page.locator("#f-horizon_days").fill("60")
    page.locator("#f-time_limit_s").fill("60")
    page.locator("#start-button").click()
    progress = page.locator("#started-run .run-progress")
    expect(progress).to_have_attribute("data-status", "finished", timeout=120_000)
    progress.locator("a.summary-link").click()
    page.wait_for_url(re.compile(r".*/plans/\d+$"))

    # The demo leaves needs unmet; each one carries at least one reason.
    rows = page.locator("#unmet-table tbody tr")
    assert rows.count() > 0
    for i in range(rows.count()):
        assert rows.nth(i).locator("code.reason").count() >= 1, rows.nth(i).inner_text()

    boxes = page.locator('input[name="allocation_ids"]')
    assert boxes.count() >= 1
    chosen = boxes.first.get_attribute("value")
    boxes.first.check()
    page.get_by_role("button", name="Accept selected").click()
    expect(page.locator("#decision-result")).to_contain_text("Accepted 1 allocation")
    expect(page.locator(f'#proposals-table tr[data-id="{chosen}"]')).to_have_attribute(
        "data-status", "accepted"
    )
