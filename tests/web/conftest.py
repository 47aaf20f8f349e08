"""Fixtures of the browser tests: one live server over a seeded SQLite file, and one headless
Chromium, per run; a fresh browser context (cookies, history) per test. ``page`` is signed in as
the seeded coordinator (through the login page, once per run: each context starts with that
session's cookie); ``anonymous_page`` is a visitor who has not signed in.

Without Chromium the browser tests are skipped locally, and fail in CI (``CI`` set): there they
are required.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Role
from nsatu.settings import Settings
from nsatu.web.app import create_app
from nsatu.web.jobs import InlineJobRunner
from tests.conftest import sign_in
from tests.web.browser_server import (
    CHROMIUM_ARGS,
    COORDINATOR,
    LiveServer,
    log_in,
    prepare_database,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, StorageState

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


def _context(
    browser: Browser, live_server: LiveServer, state: StorageState | None = None
) -> BrowserContext:
    context = browser.new_context(
        base_url=live_server.base_url,
        viewport={"width": 1280, "height": 900},
        storage_state=state,
    )
    context.set_default_timeout(5_000)
    return context


def watched(
    browser: Browser,
    server: LiveServer,
    state: StorageState | None = None,
    *,
    timeout_ms: float = 5_000,
) -> Iterator[Page]:
    """A tab on ``server`` (signed in with ``state``, if given) that fails the test, once it is
    done, on any JavaScript error and on any request that leaves the app (nothing is fetched
    from elsewhere at run time). Use it with ``yield from`` in a fixture."""
    context = _context(browser, server, state)
    context.set_default_timeout(timeout_ms)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    outside: list[str] = []
    tab.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(server.base_url) else None,
    )
    yield tab
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not outside, f"requests outside the app: {outside}"


@pytest.fixture(scope="session")
def coordinator_state(browser: Browser, live_server: LiveServer) -> StorageState:
    """The cookies of the coordinator after signing in through the login page."""
    context = _context(browser, live_server)
    log_in(context.new_page(), *COORDINATOR)
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def page(
    browser: Browser, live_server: LiveServer, coordinator_state: StorageState
) -> Iterator[Page]:
    yield from watched(browser, live_server, coordinator_state)


@pytest.fixture
def anonymous_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    yield from watched(browser, live_server)


MakeClient = Callable[[Role], TestClient]


@pytest.fixture
def as_role(session_factory: sessionmaker[Session]) -> Iterator[MakeClient]:
    """A maker of API clients signed in as a fresh user of the given role (the public: none),
    over the test's database; each is closed at the end of the test."""
    opened: list[TestClient] = []

    def make(role: Role) -> TestClient:
        app = create_app(
            Settings(database_url="sqlite://"),
            session_factory=session_factory,
            jobs=InlineJobRunner(),
        )
        c = TestClient(app, raise_server_exceptions=False)
        if role is not Role.PUBLIC:
            sign_in(c, session_factory, role=role)
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.close()
