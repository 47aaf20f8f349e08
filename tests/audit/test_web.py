"""The audit routes over HTTP, kept small: the rules live in the service tests. A coordinator (the
shared ``client``) reads, filters and exports; without sign-in every audit route is a 404."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from nsatu.settings import Settings
from nsatu.web.app import create_app

ROUTES = ["/api/audit", "/api/audit/export", "/api/audit/verify", "/audit", "/audit/1"]


@pytest.fixture
def public(session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    """A client that never signs in."""
    app = create_app(Settings(database_url="sqlite://"), session_factory=session_factory)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_writes_through_the_api_are_recorded_with_the_api_channel(client: TestClient) -> None:
    created = client.post("/api/nations", json={"code": "QXA", "name": "Audited"})
    assert created.status_code == 201, created.text
    nation_id = created.json()["id"]
    page = client.get("/api/audit", params={"entity": "nation", "entity_id": nation_id})
    assert page.status_code == 200, page.text
    (entry,) = page.json()["items"]
    assert (entry["action"], entry["channel"]) == ("create", "api")
    assert entry["after"]["name"] == "Audited"
    assert entry["role"] == "coordinator"


def test_list_pages_and_refuses_a_bad_filter(client: TestClient) -> None:
    for code in ("QXB", "QXC", "QXD"):
        client.post("/api/nations", json={"code": code, "name": code})
    body = client.get("/api/audit", params={"entity": "nation", "size": 2}).json()
    assert (body["total"], body["size"], body["pages"], len(body["items"])) == (3, 2, 2, 2)
    assert body["items"][0]["seq"] > body["items"][1]["seq"]
    bad = client.get("/api/audit", params={"since": "yesterday"})
    assert bad.status_code == 422 and bad.json()["field"] == "since"


def test_export_and_verify(client: TestClient) -> None:
    client.post("/api/nations", json={"code": "QXE", "name": "=cmd|' /C calc'!A0"})
    exported = client.get("/api/audit/export", params={"format": "csv", "entity": "nation"})
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    (row,) = csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")))
    assert row["entity"] == "nation" and row["action"] == "create"
    as_json = client.get("/api/audit/export", params={"format": "json"})
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.json()["entries"]
    report = client.get("/api/audit/verify").json()
    assert report["ok"] is True and report["entries"] == report["head_seq"] > 0


def test_the_auditors_page_filters_and_links_each_record(client: TestClient) -> None:
    nation_id = client.post("/api/nations", json={"code": "QXF", "name": "Paged"}).json()["id"]
    page = client.get("/audit", params={"entity": "nation", "entity_id": nation_id})
    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="audit-link"' in html  # in the navigation, for auditors and coordinators
    assert f'href="/nations/{nation_id}"' in html  # the record
    assert f"/audit?entity=nation&amp;entity_id={nation_id}" in html  # its history
    partial = client.get("/audit", params={"user": "nobody"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert 'id="audit-table"' in partial.text and "<html" not in partial.text
    assert "No audit entries match" in partial.text
    invalid = client.get("/audit", params={"since": "soon"})
    assert invalid.status_code == 422 and "filter-errors" in invalid.text

    seq = client.get("/api/audit", params={"entity": "nation"}).json()["items"][0]["seq"]
    detail = client.get(f"/audit/{seq}")
    assert detail.status_code == 200
    assert "Paged" in detail.text and 'id="audit-values"' in detail.text
    download = client.get("/audit/export", params={"format": "csv", "entity": "nation"})
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize("path", ROUTES)
def test_without_sign_in_the_audit_routes_do_not_exist(public: TestClient, path: str) -> None:
    response = public.get(path)
    assert response.status_code == 404
    unknown = public.get(path.replace("audit", "no-such-thing"))
    assert unknown.status_code == 404
    if path.startswith("/api"):
        assert response.json() == unknown.json() == {"error": "not_found", "detail": "Not Found"}
    else:
        assert 'id="audit-link"' not in response.text
