"""The pages in a real headless Chromium against a live server: navigation, HTMX filtering and
sorting without reloads, form errors next to their field, lifecycle buttons, and every area
rendering. Screenshots land in /tmp/nsatu-*.png for a human look."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.web.browser_server import LiveServer

pytestmark = pytest.mark.browser

ROWS = "#{table} tbody tr[data-id]"


def rows(page: Page, table: str = "needs-table") -> Locator:
    return page.locator(ROWS.format(table=table))


def test_navigation_and_local_assets(page: Page) -> None:
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Overview")
    assert page.evaluate("typeof htmx") == "object", "htmx did not load from /vendor"
    container_width = page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth")
    assert container_width != "none", "pico.css did not load from /vendor"
    expect(page.locator("footer")).to_contain_text(
        "Pledge data: Kiel Institute, Ukraine Support Tracker (release 7)"
    )
    expect(page.get_by_role("link", name="API docs")).to_have_attribute("href", "/api/docs")

    nav = page.get_by_role("navigation", name="Main")
    for label in ("Needs", "Offers", "Nations", "Sites"):
        nav.get_by_role("link", name=label, exact=True).click()
        expect(page).to_have_url(re.compile(rf"/{label.lower()}$"))
        expect(page.locator("h1")).to_have_text(label)
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_attribute(
            "aria-current", "page"
        )

    # The overview's counts open the filtered lists.
    page.goto("/")
    page.locator('a[href="/needs?status=validated"]').click()
    expect(page).to_have_url(re.compile(r"/needs\?status=validated$"))
    expect(page.locator("select[name=status]")).to_have_value("validated")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Heated tents")


def test_needs_filters_swap_only_the_table(page: Page) -> None:
    page.goto("/needs")
    expect(rows(page)).to_have_count(8)
    page.evaluate("window.__sameDocument = true")

    page.locator("input[name=q]").fill("tents")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Heated tents")
    expect(rows(page).first.locator(".badge.synthetic")).to_have_text("SYNTHETIC")
    expect(page).to_have_url(re.compile(r"[?&]q=tents"))

    page.locator("input[name=q]").fill("")
    page.locator("select[name=priority]").select_option("1")
    expect(rows(page)).to_have_count(3)
    expect(page).to_have_url(re.compile(r"[?&]priority=1"))
    assert page.evaluate("window.__sameDocument") is True, "the filter reloaded the whole page"

    # An invalid filter explains itself in place of the table (HTMX swaps the 422 too).
    page.locator("input[name=period]").fill("2025-13")
    page.locator("input[name=period]").press("Enter")
    expect(page.locator("#filter-errors")).to_contain_text("Period")
    page.locator("input[name=period]").fill("")
    page.locator("input[name=period]").press("Enter")
    expect(rows(page)).to_have_count(3)

    # The pushed URL is a bookmark: loading it afresh shows the same filtered list.
    page.reload()
    assert page.evaluate("window.__sameDocument") is None
    expect(page.locator("select[name=priority]")).to_have_value("1")
    expect(rows(page)).to_have_count(3)


def test_needs_sort_by_column(page: Page) -> None:
    page.goto("/needs")
    page.evaluate("window.__sameDocument = true")
    priority = page.locator("#needs-table tbody tr td:nth-child(3)")

    page.locator("th a[data-sort=priority]").click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Priority")
    expect(page).to_have_url(re.compile(r"sort=priority"))
    ascending = [int(p) for p in priority.all_inner_texts()]
    assert ascending == sorted(ascending) and len(set(ascending)) > 1

    page.locator("th a[data-sort=priority]").click()
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Priority")
    assert [int(p) for p in priority.all_inner_texts()] == sorted(ascending, reverse=True)

    # Filtering keeps the chosen order.
    page.locator("select[name=capability_area_id]").select_option(label="Power and shelter")
    expect(rows(page)).to_have_count(3)
    expect(page).to_have_url(re.compile(r"sort=-priority"))
    assert [int(p) for p in priority.all_inner_texts()] == [3, 2, 1]
    assert page.evaluate("window.__sameDocument") is True
    page.screenshot(path="/tmp/nsatu-needs-list-sorted.png")


def test_needs_list_screenshot(page: Page) -> None:
    page.goto("/needs")
    expect(rows(page)).to_have_count(8)
    page.screenshot(path="/tmp/nsatu-needs-list.png", full_page=True)


def test_invalid_edit_shows_the_error_next_to_the_field(
    page: Page, live_server: LiveServer
) -> None:
    need_id = live_server.ids["need:edit"]
    page.goto(f"/needs/{need_id}/edit")
    page.locator("#f-quantity_approved").fill("41")  # 40 requested
    page.get_by_role("button", name="Save").click()

    field = page.locator("#f-quantity_approved")
    error = page.locator("label:has(#f-quantity_approved) small.field-error")
    expect(error).to_contain_text("cannot exceed quantity_requested")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("41")
    expect(page.locator(".field-error")).to_have_count(1)
    field_box, error_box = field.bounding_box(), error.bounding_box()
    assert field_box and error_box
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 40, (
        "error not under field"
    )
    page.screenshot(path="/tmp/nsatu-need-form-error.png")

    page.goto(f"/needs/{need_id}")
    expect(page.locator("dt:has-text('Quantity approved') + dd")).to_have_text("—")
    expect(page.locator("dt:has-text('Version') + dd")).to_contain_text("1")


def test_lifecycle_button_moves_the_need(page: Page, live_server: LiveServer) -> None:
    page.goto(f"/needs/{live_server.ids['need:life']}")
    expect(page.locator("#status")).to_have_text("Draft")
    buttons = page.locator(".lifecycle button")
    expect(buttons).to_have_text(["Submit", "Cancel"])

    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#status")).to_have_text("Submitted")
    expect(buttons).to_have_text(["Validate", "Return to draft", "Reject", "Cancel"])
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#status")).to_have_text("Validated")


def test_offers_list_and_detail(page: Page) -> None:
    page.goto("/offers")
    table = "offers-table"
    expect(rows(page, table)).to_have_count(12)
    page.locator("select[name=donor]").select_option("DEU")
    expect(rows(page, table)).to_have_count(4)
    page.locator("select[name=stage]").select_option("allocated")
    expect(rows(page, table)).to_have_count(1)
    expect(rows(page, table).first).to_contain_text("Generator sets 100 kVA")
    page.locator("select[name=stage]").select_option("")

    page.get_by_role("link", name="OFR-DEU-PKG").click()
    expect(page.locator("h1")).to_have_text("Winter support package")
    expect(page.locator("#value-eur")).to_have_text("120,000,000.00 EUR")
    expect(page.locator("#children tbody tr")).to_have_count(2)
    expect(page.locator(".lifecycle button")).to_have_text(["Allocate", "Withdraw"])
    page.screenshot(path="/tmp/nsatu-offer-detail.png", full_page=True)

    page.locator("#children").get_by_role("link", name="OFR-DEU-GEN").click()
    expect(page.locator("#parent-link")).to_have_text("OFR-DEU-PKG")
    expect(page.locator("#stage")).to_have_text("Allocated")

    page.goto("/offers?donor=NOR&sort=-value_amount")
    expect(rows(page, table).first).to_contain_text("250,000,000.00 NOK")
    expect(rows(page, table).first).to_contain_text("21,460,148.50")  # 250e6 / 11.6495


def test_nations_and_sites_pages(page: Page) -> None:
    page.goto("/nations")
    expect(rows(page, "nations-table")).to_have_count(6)
    page.locator("select[name=role]").select_option("recipient")
    expect(rows(page, "nations-table")).to_have_count(1)
    page.locator("select[name=role]").select_option("")
    page.get_by_role("link", name="DEU").click()
    expect(page.locator("h1")).to_contain_text("Germany")
    expect(page.locator("#gdp svg rect")).to_have_count(9)
    expect(page.locator("#gdp svg")).to_have_attribute("aria-label", re.compile("4,456.0 bn USD"))

    page.goto("/sites")
    page.locator("select[name=kind]").select_option("hub")
    expect(rows(page, "sites-table")).to_have_count(1)
    page.get_by_role("link", name="HUB-RZE").click()
    expect(page.locator("h1")).to_have_text("Logistics hub Rzeszów")
    expect(page.locator("#unlocode")).to_have_text("PLRZE")
    expect(page.locator("#latitude")).to_have_text("50.1100°")
    expect(page.locator("#capacities")).to_contain_text("400")
    expect(page.locator("#capacities tfoot")).to_contain_text("5,000")
