"""Fixtures of the browser tests: one live server over a seeded SQLite file, and one headless
Chromium, per run; a fresh browser context (cookies, history) per test.

Without Chromium the browser tests are skipped locally, and fail in CI (``CI`` set): there they
are required.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.web.browser_server import CHROMIUM_ARGS, LiveServer, prepare_database

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path(os.environ.get("NSATU_CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url, ids = prepare_database(tmp_path_factory.mktemp("browser") / "nsatu.db")
    with LiveServer(url, ids) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = (
            f"the browser tests need Chromium at {CHROMIUM} "
            "(apt-get install chromium, or set NSATU_CHROMIUM)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI requires them")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.base_url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(5_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
