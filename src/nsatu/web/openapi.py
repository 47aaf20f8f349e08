"""How the OpenAPI schema (``/api/openapi.json``, shown at ``/api/docs``) tells clients to sign in.

Two security schemes, the two credentials :func:`nsatu.web.auth.authenticate` accepts:

- ``bearerAuth``: ``Authorization: Bearer nsatu_…``, an API token (``nsatu user token create``);
- ``sessionCookie``: the ``nsatu_session`` cookie the login page sets; a write with it also needs
  the ``X-CSRF-Token`` header.

Operations that need a login carry both as alternatives: every write (the public changes nothing)
and the audit trail (auditors and coordinators only). Every other read is open to the public and
scoped by need-to-know, so its requirement lists ``{}`` (anonymous) beside them: signing in may show
more rows, never fewer.

The requirements are added to the generated schema here, after FastAPI has built it, rather than as
``Security`` dependencies on each route: authentication already runs once for every route in
``guard_request``, and which operations need a login follows from the method and this one list.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

BEARER = "bearerAuth"
COOKIE = "sessionCookie"

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "nsatu API token (nsatu_…)",
        "description": (
            "An API token: `Authorization: Bearer nsatu_…`. Create one with "
            "`nsatu token create USERNAME`. A bad, expired or revoked token, or a disabled "
            "user, is a 401 (never a silent fall-back to the public). No CSRF token is needed."
        ),
    },
    COOKIE: {
        "type": "apiKey",
        "in": "cookie",
        "name": "nsatu_session",
        "description": (
            "The browser session set by signing in at `/login` (HttpOnly, SameSite=Lax, 12 hours). "
            "A write with this cookie must also send the session's CSRF token in the "
            "`X-CSRF-Token` header, else it is a 403."
        ),
    },
}

#: Either credential will do (alternatives, in OpenAPI's terms).
LOGIN: list[dict[str, list[str]]] = [{BEARER: []}, {COOKIE: []}]
#: Anonymous, or either credential.
OPTIONAL_LOGIN: list[dict[str, list[str]]] = [{}, *LOGIN]

WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
#: Reads only a signed-in user may make (path prefixes).
LOGIN_READS = ("/api/audit",)


def needs_login(path: str, method: str) -> bool:
    return method in WRITE_METHODS or path.startswith(LOGIN_READS)


def add_security(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare the schemes in ``schema`` and set each operation's requirement (in place)."""
    schema.setdefault("components", {}).setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if method in WRITE_METHODS or method in ("get", "head"):
                operation["security"] = LOGIN if needs_login(path, method) else OPTIONAL_LOGIN
    return schema


def install(app: FastAPI) -> None:
    """Build ``app``'s schema with the security schemes (once, then cached like FastAPI's)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
                servers=app.servers,
            )
            app.openapi_schema = add_security(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
