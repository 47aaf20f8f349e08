"""The layout's alert banner over HTTP: every page of a signed-in user carries a placeholder that
loads ``/alerts/banner`` lazily; the banner counts the alerts the caller may see (the same as
``GET /api/alerts``) and links to ``/hubs``; the public gets no placeholder and no count."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Role
from nsatu.db.models import Site
from tests.conftest import sign_in
from tests.web.test_api_hub_ops import seed_two_hubs

SLOT = 'id="alert-banner-slot" hx-get="/alerts/banner"'


@pytest.fixture
def hubs(session_factory: sessionmaker[Session]) -> dict[str, int]:
    """Two hubs, each with a consignment far behind its plan (``test_api_hub_ops``)."""
    return seed_two_hubs(session_factory)


def _banner(client: TestClient) -> tuple[int, int]:
    r = client.get("/alerts/banner", headers={"HX-Request": "true"})
    assert r.status_code == 200, r.text
    m = re.search(r'id="alert-banner"[^>]*data-count="(\d+)"', r.text)
    assert m is not None, r.text
    critical = re.search(r"\((\d+) critical\)", r.text)
    return int(m.group(1)), int(critical.group(1)) if critical else 0


def _api(client: TestClient) -> tuple[int, int]:
    found = client.get("/api/alerts").json()
    return len(found), sum(1 for a in found if a["severity"] == "critical")


@pytest.mark.parametrize("page", ["/", "/needs", "/offers", "/accountability"])
def test_every_page_of_a_signed_in_user_loads_the_banner(
    client: TestClient, hubs: dict[str, int], page: str
) -> None:
    r = client.get(page)
    assert r.status_code == 200
    assert r.text.count(SLOT) == 1


def test_the_hubs_page_lists_the_alerts_itself(client: TestClient, hubs: dict[str, int]) -> None:
    assert SLOT not in client.get("/hubs").text


def test_the_coordinator_banner_counts_every_alert_and_links_to_them(
    client: TestClient, hubs: dict[str, int]
) -> None:
    count, critical = _banner(client)
    # Both consignments are far behind their plan of March 2025.
    assert count >= 2 and critical >= 2
    assert (count, critical) == _api(client)
    assert 'href="/hubs#alerts"' in client.get("/alerts/banner").text


@pytest.mark.parametrize(
    "role", [Role.AUDITOR, Role.DONOR_LIAISON, Role.RECIPIENT_PLANNER, Role.TRAINING_COORDINATOR]
)
def test_each_role_counts_what_it_may_see(
    client: TestClient,
    session_factory: sessionmaker[Session],
    hubs: dict[str, int],
    role: Role,
) -> None:
    sign_in(client, session_factory, role=role)
    assert _banner(client) == _api(client)


def test_a_hub_operator_counts_its_hub_only(
    client: TestClient, session_factory: sessionmaker[Session], hubs: dict[str, int]
) -> None:
    everything = _banner(client)
    with session_factory() as s:
        hub = s.get(Site, hubs["A"])
    sign_in(client, session_factory, role=Role.HUB_OPERATOR, site=hub)
    own = _banner(client)
    assert own == _api(client)
    assert 0 < own[0] < everything[0]


def test_nothing_to_show_is_an_empty_hidden_element(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    r = client.get("/alerts/banner")
    assert r.status_code == 200
    assert 'data-count="0" hidden' in r.text and "/hubs" not in r.text


def test_the_public_gets_no_banner(anonymous_client: TestClient, hubs: dict[str, int]) -> None:
    assert SLOT not in anonymous_client.get("/").text
    r = anonymous_client.get("/alerts/banner")
    assert r.status_code == 200 and 'data-count="0"' in r.text
