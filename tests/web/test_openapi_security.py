"""The OpenAPI schema says how to authenticate: the bearer token and the session cookie, required on
every operation that needs a login and optional on the scoped public reads; the error bodies stay
documented. The schema is built without a database."""

from __future__ import annotations

from typing import Any

import pytest

from nsatu.settings import Settings
from nsatu.web.app import create_app

LOGIN = [{"bearerAuth": []}, {"sessionCookie": []}]
WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return create_app(Settings(database_url="sqlite://")).openapi()


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if method in WRITES | {"get"}
    ]


def test_the_schemes_are_declared(schema: dict[str, Any]) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["type"] == "http"
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["sessionCookie"] == schemes["sessionCookie"] | {
        "type": "apiKey",
        "in": "cookie",
        "name": "nsatu_session",
    }
    assert "X-CSRF-Token" in schemes["sessionCookie"]["description"]


def test_operations_that_need_a_login_require_it(schema: dict[str, Any]) -> None:
    ops = _operations(schema)
    writes = [(path, method, op) for path, method, op in ops if method in WRITES]
    assert len(writes) > 30
    for path, method, op in writes:
        assert op.get("security") == LOGIN, (method, path)
    for path in ("/api/audit", "/api/audit/export", "/api/audit/verify"):
        assert schema["paths"][path]["get"]["security"] == LOGIN, path


def test_public_reads_take_a_login_optionally(schema: dict[str, Any]) -> None:
    for path in ("/api/offers", "/api/offers/{id}", "/api/needs", "/api/nations", "/api/me"):
        security = schema["paths"][path]["get"]["security"]
        assert security[0] == {} and security[1:] == LOGIN, path


def test_every_operation_states_its_security_and_keeps_the_error_bodies(
    schema: dict[str, Any],
) -> None:
    for path, method, op in _operations(schema):
        assert "security" in op, (method, path)
        for status in ("401", "403", "404", "409", "422"):
            content = op["responses"][status]["content"]["application/json"]
            assert content["schema"]["$ref"].endswith("/ErrorBody"), (method, path, status)


def test_the_docs_page_is_served(schema: dict[str, Any]) -> None:
    from fastapi.testclient import TestClient

    app = create_app(Settings(database_url="sqlite://"))
    with TestClient(app) as c:
        assert c.get("/api/openapi.json").json()["components"]["securitySchemes"]
        assert "persistAuthorization" in c.get("/api/docs").text
