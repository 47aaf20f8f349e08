"""CSRF and access on the pages and the API: a forged state-changing request is a 403 that changes
nothing; bearer requests need no token; the public and read-only roles cannot use the edit pages;
on every backend."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.core.access import Role
from nsatu.core.lifecycles import RequirementStatus
from nsatu.db.models import CapabilityArea, Requirement
from tests.factories import make_capability_area, make_requirement
from tests.identity.conftest import browser_session, csrf_of


def needs_count(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Requirement)) or 0


def need_form(area: CapabilityArea, **kw: str) -> dict[str, str]:
    return {
        "title": "Water purification units",
        "capability_area_id": str(area.id),
        "quantity_requested": "12",
        "priority": "2",
        "period": "2025-05",
        "needed_by_on": "2025-06-30",
        "releasability": "coalition",
    } | kw


def need_json(area: CapabilityArea) -> dict[str, Any]:
    return {
        "title": "Generators",
        "capability_area_id": area.id,
        "quantity_requested": "5",
        "priority": 1,
        "period": "2025-05",
        "needed_by_on": "2025-06-01",
    }


@pytest.fixture
def area(session: Session) -> CapabilityArea:
    area = make_capability_area(session)
    session.commit()
    return area


def test_a_form_post_without_the_right_token_is_403_and_changes_nothing(
    anonymous_client: TestClient, session: Session, area: CapabilityArea
) -> None:
    client = anonymous_client
    _, csrf = browser_session(client, session)
    other = TestClient(client.app)
    _, other_csrf = browser_session(other, session)
    assert other_csrf != csrf
    before = needs_count(session)

    for token in (None, "", "forged", other_csrf, csrf[:-1]):
        data = need_form(area) | ({} if token is None else {"csrf_token": token})
        r = client.post("/needs", data=data, follow_redirects=False)
        assert r.status_code == 403, token
        assert "CSRF token" in r.text
    assert needs_count(session) == before

    ok = client.post("/needs", data=need_form(area, csrf_token=csrf), follow_redirects=False)
    assert ok.status_code == 303, ok.text[:500]
    assert needs_count(session) == before + 1


def test_every_post_form_on_the_pages_carries_the_token(
    anonymous_client: TestClient, session: Session, area: CapabilityArea
) -> None:
    _, csrf = browser_session(anonymous_client, session)
    need = make_requirement(session, capability_area=area)
    session.commit()
    for path in ("/needs/new", f"/needs/{need.id}", f"/needs/{need.id}/edit", "/offers/new"):
        html = anonymous_client.get(path).text
        forms = re.findall(r'<form method="post".*?</form>', html, flags=re.S)
        assert forms, path
        for form in forms:
            assert f'name="csrf_token" value="{csrf}"' in form, (path, form[:200])
        assert f'hx-headers=\'{{"X-CSRF-Token": "{csrf}"}}\'' in html, path


def test_lifecycle_buttons_check_the_token(
    anonymous_client: TestClient, session: Session, area: CapabilityArea
) -> None:
    _, csrf = browser_session(anonymous_client, session)
    need = make_requirement(session, capability_area=area)
    session.commit()
    url = f"/needs/{need.id}/actions/submit"

    assert anonymous_client.post(url, data={"version": "1"}).status_code == 403
    session.expire_all()
    assert session.get(Requirement, need.id).status is RequirementStatus.DRAFT  # type: ignore[union-attr]

    # HTMX sends the token as a header (hx-headers on <body>).
    r = anonymous_client.post(
        url, data={"version": "1"}, headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
    )
    assert r.status_code == 200
    session.expire_all()
    assert session.get(Requirement, need.id).status is RequirementStatus.SUBMITTED  # type: ignore[union-attr]


def test_cookie_authenticated_api_writes_need_the_header(
    anonymous_client: TestClient, session: Session, area: CapabilityArea
) -> None:
    _, csrf = browser_session(anonymous_client, session)
    before = needs_count(session)
    r = anonymous_client.post("/api/needs", json=need_json(area))
    assert r.status_code == 403
    assert r.json()["error"] == "csrf_failed"
    assert "X-CSRF-Token" in r.json()["detail"]
    # The form field does not count on the API: only the header does.
    r = anonymous_client.post("/api/needs", data={"csrf_token": csrf})
    assert r.status_code == 403
    assert needs_count(session) == before

    ok = anonymous_client.post("/api/needs", json=need_json(area), headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201, ok.text
    assert needs_count(session) == before + 1
    # Reads need no token.
    assert anonymous_client.get("/api/needs").status_code == 200


def test_bearer_requests_need_no_csrf_token(
    client: TestClient, session: Session, area: CapabilityArea
) -> None:
    """A bearer token is no ambient credential: a browser never adds it by itself."""
    before = needs_count(session)
    assert client.post("/api/needs", json=need_json(area)).status_code == 201
    r = client.post("/needs", data=need_form(area), follow_redirects=False)
    assert r.status_code == 303
    assert needs_count(session) == before + 2


def test_the_public_reads_but_is_sent_to_sign_in_for_edits(
    anonymous_client: TestClient, session: Session, area: CapabilityArea
) -> None:
    need = make_requirement(session, capability_area=area)
    session.commit()
    listing = anonymous_client.get("/needs")
    assert listing.status_code == 200
    assert "New need" not in listing.text and "Sign in" in listing.text
    assert "New offer" not in anonymous_client.get("/offers").text

    r = anonymous_client.get("/needs/new", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fneeds%2Fnew"
    r = anonymous_client.get("/needs/new", headers={"HX-Request": "true"})
    assert r.status_code == 401 and r.headers["HX-Redirect"].startswith("/login?next=")

    # Even with a valid (anonymous) CSRF token, a post needs a signed-in user.
    token = csrf_of(anonymous_client.get("/login").text)
    before = needs_count(session)
    for path in ("/needs", f"/needs/{need.id}/edit", f"/needs/{need.id}/actions/submit"):
        r = anonymous_client.post(
            path, data=need_form(area, csrf_token=token, version="1"), follow_redirects=False
        )
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    assert needs_count(session) == before
    session.expire_all()
    assert session.get(Requirement, need.id).status is RequirementStatus.DRAFT  # type: ignore[union-attr]


def test_roles_see_only_the_edit_pages_they_may_use(
    anonymous_client: TestClient, session: Session, area: CapabilityArea
) -> None:
    _, csrf = browser_session(anonymous_client, session, role=Role.AUDITOR)
    assert "New need" not in anonymous_client.get("/needs").text
    r = anonymous_client.get("/needs/new")
    assert r.status_code == 403 and "auditor" in r.text
    before = needs_count(session)
    r = anonymous_client.post("/needs", data=need_form(area, csrf_token=csrf))
    assert r.status_code == 403
    assert needs_count(session) == before

    liaison = TestClient(anonymous_client.app)
    browser_session(liaison, session, role=Role.DONOR_LIAISON)
    assert liaison.get("/offers/new").status_code == 200
    assert "New offer" in liaison.get("/offers").text
    assert liaison.get("/needs/new").status_code == 403
    assert "New need" not in liaison.get("/needs").text
