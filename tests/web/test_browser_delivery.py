"""The proof-of-delivery form and the accountability report in a real Chromium: a recipient
planner records a receipt (the form names the field at fault first), a coordinator verifies it;
the accountability report redraws its table through HTMX when a filter changes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from nsatu.core.access import Role
from nsatu.db.migrate import upgrade
from nsatu.db.session import make_engine, make_session_factory, transaction
from tests.delivery.world import delivered
from tests.factories import make_user
from tests.web.browser_server import LiveServer, log_in
from tests.web.conftest import watched

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

PLANNER = ("pod-planner", "pod-planner-password")
COORDINATOR = ("pod-coordinator", "pod-coordinator-password")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('pod')) / 'nsatu.db'}"
    upgrade(url)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        d = delivered(session, "POD", loaded=4, requested=4, handed_over=3, serial_tracked=True)
        make_user(session, role=Role.RECIPIENT_PLANNER, username=PLANNER[0], password=PLANNER[1])
        make_user(session, role=Role.COORDINATOR, username=COORDINATOR[0], password=COORDINATOR[1])
        ids = {"consignment": d.consignment_id, "line": d.line_id}
    engine.dispose()
    with LiveServer(url, ids) as live:
        yield live


@pytest.fixture
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    yield from watched(browser, server, timeout_ms=10_000)


def test_record_then_verify_by_another_user(page: Page, server: LiveServer, tmp_path: Path) -> None:
    url = f"/consignments/{server.ids['consignment']}/receipt"
    line = server.ids["line"]
    # From the consignment's page, handed over: its proof of delivery is a link away.
    log_in(page, *PLANNER, path=f"/consignments/{server.ids['consignment']}")
    page.locator("#receipt-link").click()
    expect(page).to_have_url(server.base_url + url)
    form = page.locator("#receipt-form")
    expect(form.locator(f'tr[data-line="{line}"] .carried')).to_have_text("4")
    page.locator("#f-received_by").fill("Capt. Receiver, 1st Log Bn")
    page.locator("#f-received_at").fill("2025-03-02T06:00")
    page.locator(f'input[name="good_{line}"]').fill("3")
    page.locator(f'input[name="lost_{line}"]').fill("1")
    page.get_by_role("button", name="Record proof of delivery").click()
    error = page.locator(f'[data-field="lost_reason_{line}"]')
    expect(error).to_contain_text("a reason is required for 1 lost")
    # What was typed is still there; the reason is chosen and the form sent again.
    expect(page.locator(f'input[name="good_{line}"]')).to_have_value("3")
    page.locator(f'select[name="lost_reason_{line}"]').select_option("stolen")
    page.get_by_role("button", name="Record proof of delivery").click()
    expect(page.locator("#receipt-status")).to_have_text("Recorded")
    expect(page.locator("#verify-note")).to_be_visible()
    expect(page.locator("#verify")).to_have_count(0)

    page.get_by_role("button", name=re.compile("Sign out|Log out")).click()
    log_in(page, *COORDINATOR, path=url)
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#receipt-status")).to_have_text("Verified")
    expect(page.locator("#verified-by")).to_have_text(COORDINATOR[0])

    # A discrepancy report with its evidence; a file that is not what its name says is refused.
    fake = tmp_path / "scan.pdf"
    fake.write_bytes(b"MZ\x90\x00not a pdf")
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    form = page.locator("#discrepancy-form")
    form.locator('select[name="reason"]').select_option("stolen")
    form.locator('textarea[name="description"]').fill("one unit missing at handover")
    form.locator('input[name="file"]').set_input_files(fake)
    page.get_by_role("button", name="Report discrepancy").click()
    expect(page.locator('[data-field="file"]')).to_contain_text("not an accepted type")
    form.locator('select[name="reason"]').select_option("stolen")
    form.locator('input[name="file"]').set_input_files(photo)
    page.get_by_role("button", name="Report discrepancy").click()
    report = page.locator("#discrepancies article.discrepancy")
    expect(report).to_have_count(1)
    expect(report).to_contain_text("one unit missing at handover")
    expect(report.get_by_role("link", name="photo.png")).to_be_visible()


def test_the_accountability_report_redraws_on_a_filter(page: Page) -> None:
    log_in(page, *COORDINATOR, path="/accountability?as_of=2025-12-31")
    rows = page.locator("#accountability-table tbody tr[data-period]")
    expect(rows.first).to_be_visible()
    expect(page.locator("#overdue li")).to_have_count(3)
    expect(page.locator("#mismatches li")).to_contain_text("POD-SN003")
    page.locator('input[name="days"]').fill("365")
    page.locator('input[name="days"]').dispatch_event("change")
    expect(page.locator("#overdue li")).to_have_count(0)
    expect(page.locator("#as-of")).to_contain_text("every 365 days")
    assert "days=365" in page.url
