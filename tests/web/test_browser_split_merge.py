"""Splitting and merging from the consignment page in a real Chromium: a coordinator is refused
with the reason next to the field (nothing changes), splits part of a line into a new
consignment, then merges it back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from nsatu.core.access import Role
from nsatu.db.migrate import upgrade
from nsatu.db.models import Consignment, ConsignmentLine
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.logistics.generate import seed_consignments
from tests.factories import make_user
from tests.web.browser_server import LiveServer, log_in
from tests.web.conftest import watched

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

COORDINATOR = ("split-coordinator", "split-browser-password")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('split')) / 'nsatu.db'}"
    upgrade(url)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        seed_consignments(session, 2, prefix="BSM", loaded=10)
        make_user(session, role=Role.COORDINATOR, username=COORDINATOR[0], password=COORDINATOR[1])
        ids = dict(session.execute(select(Consignment.reference, Consignment.id)).all())
        ids |= {
            f"line:{ref}": line
            for ref, line in session.execute(
                select(Consignment.reference, ConsignmentLine.id).join(
                    ConsignmentLine, ConsignmentLine.consignment_id == Consignment.id
                )
            )
        }
    engine.dispose()
    with LiveServer(url, ids) as live:
        yield live


@pytest.fixture
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    yield from watched(browser, server, timeout_ms=10_000)


def test_a_coordinator_splits_then_merges(page: Page, server: LiveServer) -> None:
    first, line = server.ids["BSM-000000"], server.ids["line:BSM-000000"]
    log_in(page, *COORDINATOR, path=f"/consignments/{first}")
    field = page.locator(f"#f-move_{line}")
    expect(page.locator(f'#lines tr[data-line="{line}"] .carried')).to_have_text("10")

    # Refused: more than the line carries. The reason is next to the field; nothing moved.
    field.fill("12")
    page.locator("#split").click()
    expect(page.locator(f'small.field-error[data-field="move_{line}"]')).to_contain_text(
        "carries 10"
    )
    expect(page.locator(f"#f-move_{line}")).to_have_attribute("aria-invalid", "true")
    page.goto(f"/consignments/{first}")
    expect(page.locator(f'#lines tr[data-line="{line}"] .carried')).to_have_text("10")

    # Split 4 of 10 into a new consignment: the page of the new one opens.
    page.locator(f"#f-move_{line}").fill("4")
    page.locator("#f-reference").fill("BSM-PART")
    page.locator("#split").click()
    page.wait_for_url(re.compile(r".*/consignments/\d+$"))
    expect(page.locator("h1")).to_contain_text("BSM-PART")
    expect(page.locator("#lines .carried")).to_have_text("4")
    part = int(page.url.rsplit("/", 1)[1])

    # Merge it back into the first: the first carries 10 again, the part is cancelled.
    page.goto(f"/consignments/{first}")
    expect(page.locator(f'#lines tr[data-line="{line}"] .carried')).to_have_text("6")
    page.locator("#f-other").select_option(label="BSM-PART (ready)")
    page.locator("#merge").click()
    page.wait_for_url(f"**/consignments/{first}")
    expect(page.locator(f'#lines tr[data-line="{line}"] .carried')).to_have_text("10")
    page.goto(f"/consignments/{part}")
    expect(page.locator("h1")).to_contain_text("cancelled", ignore_case=True)
    expect(page.locator("#split-form")).to_have_count(0)


def test_a_refused_merge_is_shown_next_to_the_choice(page: Page, server: LiveServer) -> None:
    first = server.ids["BSM-000000"]
    log_in(page, *COORDINATOR, path=f"/consignments/{first}")
    page.locator("#merge").click()
    expect(page.locator('small.field-error[data-field="other"]')).to_contain_text(
        "choose the consignment"
    )
