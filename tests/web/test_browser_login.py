"""Signing in and out in a real Chromium: the login page, a wrong password, the session cookie's
flags as the browser stores them, the edit controls that appear for a coordinator, and signing out
(itself a form post that must carry the CSRF token)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web.browser_server import COORDINATOR, LiveServer

pytestmark = pytest.mark.browser


def test_sign_in_and_out_through_the_pages(anonymous_page: Page, live_server: LiveServer) -> None:
    page = anonymous_page
    username, password = COORDINATOR
    page.goto("/needs")
    expect(page.locator("h1")).to_have_text("Needs")
    expect(page.locator('a[href="/needs/new"]')).to_have_count(0)
    page.goto(f"/needs/{live_server.ids['need:life']}")
    expect(page.locator("[data-action]")).to_have_count(0)

    page.goto("/needs")
    page.get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/login\?next=/needs$"))
    assert page.locator("input[name=csrf_token]").get_attribute("value")

    page.locator("#f-username").fill(username)
    page.locator("#f-password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#login-error")).to_contain_text("Sign-in failed")
    expect(page.locator("#f-username")).to_have_value(username)

    page.locator("#f-password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/needs$"))
    expect(page.locator("#signed-in-user")).to_contain_text("Test Coordinator")
    expect(page.locator('a[href="/needs/new"]')).to_be_visible()

    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["nsatu_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"
    assert session["secure"] is False  # plain http on 127.0.0.1
    assert "nsatu_session" not in page.evaluate("document.cookie"), "readable by scripts"
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token and token in (page.locator("body").get_attribute("hx-headers") or "")
    page.screenshot(path="/tmp/nsatu-signed-in.png")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    assert "nsatu_session" not in {c["name"] for c in page.context.cookies()}
    page.goto("/needs/new")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fneeds%2Fnew$"))


def test_a_forged_form_post_is_refused(anonymous_page: Page, live_server: LiveServer) -> None:
    """A page on another origin that posts to nsatu gets a 403 (the form has no valid token)."""
    page = anonymous_page
    page.goto("/login")
    page.locator("#f-username").fill(COORDINATOR[0])
    page.locator("#f-password").fill(COORDINATOR[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signed-in-user")).to_be_visible()

    need_id = live_server.ids["need:life"]
    response = page.request.post(
        f"/needs/{need_id}/actions/cancel", form={"version": "1"}, max_redirects=0
    )
    assert response.status == 403
    page.goto(f"/needs/{need_id}")
    expect(page.locator("#status")).not_to_contain_text("Cancelled")
