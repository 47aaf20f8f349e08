"""The training pages in a real Chromium: a coordinator reads the calendar (its bars, the
statistics chart drawn by Chart.js from /vendor), filters it by host nation, capability area and
month (HTMX, the URL pushed), opens an event from its bar and reads its seat fill, and follows a
count of the readiness board down to its packages and from there to a need's page, and runs the
seat plan.

The data (:mod:`tests.training_world`) live on a live server of their own, dated around today so
that the calendar's default span shows the coming events.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from nsatu.core.access import Role
from nsatu.db.migrate import upgrade
from nsatu.db.session import make_engine, make_session_factory, transaction
from tests.factories import make_user
from tests.training_world import build_readiness_world, build_training_world
from tests.web.browser_server import LiveServer, log_in
from tests.web.conftest import watched
from tests.web.test_browser_plans import DRAWN

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

COORDINATOR = ("training-coordinator-browser", "training-browser-password")
TODAY = dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class Site:
    """The live server, and the codes and months of its data that the tests look for."""

    server: LiveServer
    codes: dict[str, str]
    months: dict[str, str]

    @property
    def ids(self) -> dict[str, int]:
        return self.server.ids


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('training')) / 'nsatu.db'}"
    upgrade(url)
    engine = make_engine(url)
    ids: dict[str, int] = {}
    with transaction(make_session_factory(engine)) as session:
        w = build_training_world(session, TODAY, tag="BT")
        rw = build_readiness_world(session, w, tag="BT")
        make_user(session, role=Role.COORDINATOR, username=COORDINATOR[0], password=COORDINATOR[1])
        ids |= {f"event:{k}": e.id for k, e in w.events.items()}
        ids |= {f"host:{k}": n.id for k, n in w.nations.items()}
        ids |= {f"area:{k}": a.id for k, a in w.areas.items()}
        ids |= {f"need:{k}": n.id for k, n in rw.needs.items()}
        ids |= {f"request:{k}": r.id for k, r in w.requests.items()}
        codes = {f"area:{k}": a.code for k, a in w.areas.items()}
        codes |= {f"package:{k}": p.code for k, p in rw.packages.items()}
        codes |= {f"need:{k}": n.reference for k, n in rw.needs.items()}
        months = {k: e.starts_on.isoformat()[:7] for k, e in w.events.items()}
    engine.dispose()
    with LiveServer(url, ids) as live:
        yield Site(live, codes, months)


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    yield from watched(browser, site.server, timeout_ms=10_000)


def _bar(site: Site, event: str) -> str:
    return f'#calendar a.bar[data-event="{site.ids[f"event:{event}"]}"]'


def test_the_calendar_draws_events_and_filters_them(page: Page, site: Site) -> None:
    log_in(page, *COORDINATOR, path="/training")
    # This month and the next two: the planned e4 (A) and the cancelled e5 (B).
    expect(page.locator(_bar(site, "e4"))).to_be_visible()
    expect(page.locator(_bar(site, "e5"))).to_have_class(re.compile(r"\bcancelled\b"))
    rows = page.locator("#calendar tbody tr[data-host]")
    expect(rows).not_to_have_count(0)
    # The statistics: people trained per month by host nation, drawn.
    canvas = page.locator("#trained-chart")
    expect(canvas).to_be_visible()
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('trained-chart'))"
    )
    assert canvas.evaluate(DRAWN) > 100, "the statistics chart is blank"
    expect(page.locator("#training-months tbody tr").first).to_have_attribute(
        "data-month", re.compile(r"\d{4}-\d{2}")
    )

    # Host nation A only: the calendar is swapped in place and the URL pushed.
    page.locator('#calendar-filters select[name="host"]').select_option(str(site.ids["host:A"]))
    page.wait_for_url(re.compile(rf".*host={site.ids['host:A']}.*"))
    expect(page.locator(_bar(site, "e5"))).to_have_count(0)
    expect(page.locator(_bar(site, "e4"))).to_be_visible()
    expect(page.locator("#training-statistics")).to_be_visible()  # the rest of the page stays

    # Demining on top of it: A offers none in these months.
    page.locator('#calendar-filters select[name="area"]').select_option(
        str(site.ids["area:demining"])
    )
    page.wait_for_url(re.compile(rf".*area={site.ids['area:demining']}.*"))
    expect(page.locator("#calendar-empty")).to_be_visible()

    # Back to every host and area, in e1's month (40–50 days ago).
    page.locator('#calendar-filters select[name="area"]').select_option("")
    page.locator('#calendar-filters select[name="host"]').select_option("")
    page.locator("#f-month").fill(site.months["e1"])
    page.locator("#calendar-show").click()
    page.wait_for_url(re.compile(rf".*month={site.months['e1']}.*"))
    expect(page.locator(_bar(site, "e1"))).to_be_visible()
    expect(page.locator(_bar(site, "e4"))).to_have_count(0)


def test_an_event_bar_opens_the_event_and_its_seat_fill(page: Page, site: Site) -> None:
    log_in(page, *COORDINATOR, path=f"/training?month={site.months['e1']}")
    page.locator(_bar(site, "e1")).click()
    page.wait_for_url(f"**/training/events/{site.ids['event:e1']}")
    fill = page.locator("#seat-fill")
    expect(fill.locator('tr[data-fill="offered"] td[data-value]')).to_have_text("10")
    expect(fill.locator('tr[data-fill="assigned"] td[data-value]')).to_have_text("12")
    expect(fill.locator('tr[data-fill="attended"] td[data-value]')).to_have_text("8")
    expect(fill.locator('tr[data-fill="completed"] td[data-value]')).to_have_text("6")
    expect(page.locator("#instructors a")).to_have_count(2)
    expect(page.locator('#participants tr[data-status="accepted"] td.num')).to_have_text("2")
    # Its course, and from there the course that needs it first.
    page.locator("#event-facts dd a").first.click()
    page.wait_for_url(re.compile(r".*/training/courses/\d+$"))
    expect(page.locator("#leads-to a")).to_have_count(1)
    expect(page.locator("#course-events tbody tr[data-event]")).to_have_count(2)


def test_the_readiness_board_counts_lead_to_their_records(page: Page, site: Site) -> None:
    codes = site.codes
    log_in(page, *COORDINATOR, path="/training/readiness")
    air = page.locator(f'#readiness-board tr[data-area="{codes["area:air"]}"]')
    expect(air.locator('td[data-count="ready"]')).to_have_text("1")
    expect(air.locator('td[data-count="waiting_for_equipment"]')).to_have_text("1")
    expect(air.locator('td[data-count="waiting_for_training"]')).to_have_text("0")
    demining = page.locator(f'#readiness-board tr[data-area="{codes["area:demining"]}"]')
    expect(demining.locator('td[data-count="waiting_for_training"]')).to_have_text("1")

    # A count opens its packages in place (HTMX), with their records and dates.
    air.locator('td[data-count="ready"] a').click()
    page.wait_for_url(re.compile(r".*show=ready.*"))
    drill = page.locator("#readiness-drill")
    expect(drill.locator("tr[data-package]")).to_have_count(1)
    expect(drill.locator(f'tr[data-package="{codes["package:ready"]}"]')).to_contain_text(
        f"handed over {TODAY - dt.timedelta(days=10)}"
    )
    expect(drill.locator("li[data-consignment] a")).to_have_count(1)
    expect(drill.locator("li[data-event] a")).to_have_count(1)
    expect(drill.locator("li[data-seat-request]")).to_have_count(1)

    # The gap lists, each with its dates and records.
    expect(page.locator("#equipment-without-crews")).to_contain_text(codes["package:training"])
    expect(page.locator("#crews-without-equipment")).to_contain_text(codes["package:equipment"])

    # And down to the need itself.
    drill.locator("li[data-need] a").click()
    page.wait_for_url(f"**/needs/{site.ids['need:ready']}")
    expect(page.locator("main")).to_contain_text(codes["need:ready"])


def test_a_coordinator_runs_the_seat_plan_from_the_calendar(page: Page, site: Site) -> None:
    log_in(page, *COORDINATOR, path="/training")
    page.locator("#plan-link").click()
    page.wait_for_url("**/training/plan")
    page.locator("#f-time_limit_s").fill("10")
    page.locator("#plan-run").click()
    result = page.locator("#plan-result")
    expect(result).to_be_visible()
    expect(result.locator('[data-figure="gap"]')).to_contain_text("%")
    expect(page.locator("#plan-applied")).to_have_count(0)
    # The open request has no bookable event of its course: it is unmet, and says why.
    unmet = page.locator(f'#unmet tr[data-request="{site.ids["request:open"]}"]')
    expect(unmet.locator("li[data-reason]").first).to_be_visible()
