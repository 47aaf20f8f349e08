"""Hostile input in a real Chromium: a need, an offer and the reference rows
they point at hold script, event-handler and SQL payloads in their text fields. Every page that
shows them (lists, details, edit forms, nations, sites, the audit trail), an HTMX search and a
refused form post render them as text: no injected script runs, no dialog opens, no request for
the injected image is made, and the payload is visible as typed.

The rows live on a live server of their own (its own seeded SQLite file), so the row counts the
other browser tests expect stay as they are. The HTTP-level checks of the same pages are in
``tests/security/test_hostile_input.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from nsatu.core.enums import OfferKind, OrganisationKind, SiteKind
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.needs import service as need_service
from nsatu.needs.schemas import RequirementCreate
from nsatu.offers import service as offer_service
from nsatu.offers.schemas import OfferCreate
from nsatu.reference import schemas as ref
from nsatu.reference.service import CAPABILITY_AREAS, ITEM_TYPES, NATIONS, ORGANISATIONS, SITES
from tests.web.browser_server import COORDINATOR, LiveServer, log_in, prepare_database

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Dialog

pytestmark = pytest.mark.browser

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '"><img src=x onerror="window.__pwned=1;alert(1)">'
SVG = "'><svg/onload=window.__pwned=1;alert(2)>"
SQL = "'; DROP TABLE offer_line; --"
JUSTIFICATION = f"{IMG}\n{SVG}\n{SQL}"


def seed_hostile(url: str) -> dict[str, int]:
    """Reference rows, a need and an offer whose texts are payloads, through the domain services
    on the server's database (as ``browser_server.seed`` fills it)."""
    ids: dict[str, int] = {}
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        nation = NATIONS.create(session, ref.NationCreate(code="XSS", name=SCRIPT, is_donor=True))
        area = CAPABILITY_AREAS.create(
            session, ref.CapabilityAreaCreate(code="xss", name=SCRIPT, description=IMG)
        )
        item = ITEM_TYPES.create(session, ref.ItemTypeCreate(
            code="xss-item", public_name=IMG, category=SCRIPT, capability_area_id=area.id,
            substitution_family="xss",
        ))  # fmt: skip
        site = SITES.create(session, ref.SiteCreate(
            code="XSS-DEPOT", name=SCRIPT, notes=IMG, kind=SiteKind.DEPOT, nation_id=nation.id,
            latitude=Decimal("50.1"), longitude=Decimal("20.2"),
        ))  # fmt: skip
        organisation = ORGANISATIONS.create(session, ref.OrganisationCreate(
            name=IMG, kind=OrganisationKind.MINISTRY, nation_id=nation.id,
        ))  # fmt: skip
        need = need_service.create_requirement(session, RequirementCreate(
            reference="REQ-XSS", title=SCRIPT, justification=JUSTIFICATION,
            capability_area_id=area.id, item_type_id=item.id, destination_site_id=site.id,
            quantity_requested=Decimal(5), priority=1, period="2025-03",
            needed_by_on=dt.date(2025, 4, 1),
        ))  # fmt: skip
        offer = offer_service.create_offer(session, OfferCreate(
            reference="OFR-XSS", donor_nation_id=nation.id, donor_organisation_id=organisation.id,
            kind=OfferKind.IN_KIND_STOCK, description=SCRIPT, earmark=IMG, notes=SVG,
            source_ref=SQL, item_type_id=item.id, quantity=Decimal(3), origin_site_id=site.id,
            earmark_capability_area_id=area.id,
        ))  # fmt: skip
        ids |= {"nation": nation.id, "site": site.id, "need": need.id, "offer": offer.id}
    engine.dispose()
    return ids


@pytest.fixture(scope="module")
def hostile_server(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A live server of its own: the usual seed plus the hostile rows. (Asks for ``browser`` first,
    so that without Chromium nothing is built before the skip.)"""
    url, ids = prepare_database(Path(tmp_path_factory.mktemp("hostile")) / "nsatu.db")
    ids |= seed_hostile(url)
    with LiveServer(url, ids) as server:
        yield server


@dataclass
class Watch:
    """What a page did that it must not: dialogs, script errors, requests for the injected image."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    image_requests: list[str] = field(default_factory=list)

    def on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def assert_clean(self, page: Page) -> None:
        assert page.evaluate("typeof window.__pwned") == "undefined", f"a payload ran on {page.url}"
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"
        assert not self.errors, f"JavaScript errors: {self.errors}"
        assert not self.image_requests, f"the injected image was requested: {self.image_requests}"


@pytest.fixture
def watched(browser: Browser, hostile_server: LiveServer) -> Iterator[tuple[Page, Watch]]:
    """A signed-in coordinator's tab on the hostile server, with its misdeeds recorded."""
    context = browser.new_context(
        base_url=hostile_server.base_url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(5_000)
    page = context.new_page()
    watch = Watch()
    page.on("dialog", watch.on_dialog)
    page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
    page.on(
        "request",
        lambda req: watch.image_requests.append(req.url) if req.url.endswith("/x") else None,
    )
    log_in(page, *COORDINATOR)
    yield page, watch
    context.close()


def visit(page: Page, watch: Watch, path: str) -> None:
    """Open ``path``; once it has loaded (images failed, inline scripts ran), nothing may have run."""
    page.goto(path)
    watch.assert_clean(page)


def test_no_payload_runs_on_the_record_pages(
    watched: tuple[Page, Watch], hostile_server: LiveServer
) -> None:
    page, watch = watched
    ids = hostile_server.ids

    visit(page, watch, "/needs?q=REQ-XSS")
    expect(page.locator("#needs-table tbody tr[data-id]")).to_have_count(1)
    expect(page.locator("#needs-table tbody tr[data-id]")).to_contain_text(SCRIPT)

    visit(page, watch, f"/needs/{ids['need']}")
    expect(page.locator("h1")).to_contain_text(SCRIPT)
    expect(page.locator("dd.prose")).to_contain_text(IMG)
    expect(page.locator("dd.prose")).to_contain_text(SVG)
    expect(page.get_by_role("link", name=SCRIPT, exact=True)).to_have_attribute(
        "href", f"/sites/{ids['site']}"
    )

    visit(page, watch, f"/needs/{ids['need']}/edit")
    expect(page.locator("#f-title")).to_have_value(SCRIPT)
    expect(page.locator("#f-justification")).to_have_value(JUSTIFICATION)
    expect(page.locator("#f-item_type_id option:checked")).to_have_text(f"{SCRIPT} — {IMG}")

    visit(page, watch, "/offers?q=OFR-XSS")
    expect(page.locator("#offers-table tbody tr[data-id]")).to_have_count(1)
    expect(page.locator("#offers-table tbody tr[data-id]")).to_contain_text(SCRIPT)

    visit(page, watch, f"/offers/{ids['offer']}")
    expect(page.locator("h1")).to_have_text(SCRIPT)
    expect(page.get_by_text(SVG, exact=True)).to_be_visible()  # the notes
    expect(page.locator("dd").filter(has_text=SQL)).to_have_count(1)  # the source reference
    assert IMG in page.locator("main").inner_text()  # earmark, organisation, item type

    visit(page, watch, f"/offers/{ids['offer']}/edit")
    expect(page.locator("#f-description")).to_have_value(SCRIPT)
    expect(page.locator("#f-earmark")).to_have_value(IMG)
    expect(page.locator("#f-notes")).to_have_value(SVG)

    for path in ("/nations", f"/nations/{ids['nation']}", "/sites", f"/sites/{ids['site']}"):
        visit(page, watch, path)
        expect(page.locator("main")).to_contain_text(SCRIPT)
    expect(page.locator("h1")).to_have_text(SCRIPT)
    expect(page.get_by_text(IMG, exact=True)).to_be_visible()  # the site's notes

    visit(page, watch, "/audit?entity=offer_line")
    expect(page.locator("#audit-table tbody tr[data-seq]").first).to_be_visible()
    watch.assert_clean(page)


def test_an_htmx_search_and_a_refused_form_run_no_payload(
    watched: tuple[Page, Watch], hostile_server: LiveServer
) -> None:
    page, watch = watched
    visit(page, watch, "/needs")
    search = page.locator("input[name=q]")
    # The table is swapped in by HTMX, with the payload row in it.
    search.fill(SCRIPT)
    expect(page.locator("#needs-table tbody tr[data-id]")).to_have_count(1)
    watch.assert_clean(page)
    expect(page.locator("#needs-table tbody tr[data-id]")).to_contain_text(SCRIPT)
    # A payload as the search text finds nothing and runs nothing.
    search.fill(IMG)
    expect(page.locator("#needs-table tbody")).to_contain_text("No needs match this filter.")
    search.fill(SQL)
    expect(page.locator("#needs-table tbody")).to_contain_text("No needs match this filter.")
    expect(search).to_have_value(SQL)
    watch.assert_clean(page)

    # A refused edit shows the typed payloads again, as values.
    visit(page, watch, f"/needs/{hostile_server.ids['need']}/edit")
    page.locator("#f-title").fill(IMG)
    page.locator("#f-period").fill(SVG)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("label:has(#f-period) small.field-error")).to_be_visible()
    watch.assert_clean(page)
    expect(page.locator("#f-title")).to_have_value(IMG)
    expect(page.locator("#f-period")).to_have_value(SVG)

    visit(page, watch, f"/needs/{hostile_server.ids['need']}")
    expect(page.locator("h1")).to_contain_text(SCRIPT)  # nothing was saved
