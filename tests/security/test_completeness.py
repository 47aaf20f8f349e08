"""Nothing escapes the scoping by being new: every mapped entity is classified, and the record API
serves and writes no user, token, session or audit row, nor any field named ``role``."""

from __future__ import annotations

from typing import Any

from nsatu.db.base import Base
from nsatu.db.scoping import SCOPED, VISIBLE_TO_ALL, not_exposed
from nsatu.logistics.service import ENTITIES as LOGISTICS
from nsatu.needs.service import RESOURCE as NEEDS
from nsatu.offers.service import RESOURCE as OFFERS
from nsatu.planning.service import ALLOCATIONS
from nsatu.reference.service import ENTITIES as REFERENCE
from nsatu.settings import Settings
from nsatu.training.service import ENTITIES as TRAINING
from nsatu.web.app import create_app
from tests.security.test_leak_matrix import api_routes, classify


def test_every_mapped_entity_is_scoped_public_or_not_exposed() -> None:
    for mapper in Base.registry.mappers:
        entity = mapper.class_
        groups = [entity in SCOPED, entity in VISIBLE_TO_ALL, not_exposed(entity)]
        assert sum(groups) == 1, (
            f"{entity.__name__} must be in exactly one of nsatu.db.scoping's SCOPED (with a rule), "
            f"VISIBLE_TO_ALL or the not-exposed modules; it is in {sum(groups)}"
        )


def test_the_record_api_serves_no_identity_or_audit_table() -> None:
    resources: list[Any] = [
        OFFERS,
        NEEDS,
        ALLOCATIONS.resource,
        *(e.resource for e in (*REFERENCE, *LOGISTICS, *TRAINING)),
    ]
    exposed = [r.model.__name__ for r in resources if not_exposed(r.model)]
    assert not exposed, f"users, tokens, sessions and the audit trail are not records: {exposed}"


def test_no_record_route_accepts_a_role() -> None:
    """Nobody changes a role, their own least of all, through the record API (users are managed
    by the identity domain only)."""
    schema = create_app(Settings(database_url="sqlite://")).openapi()
    components = schema["components"]["schemas"]
    offending, bodies = [], 0
    for method, path in api_routes():
        if classify(method, path) is None:
            continue
        operation = schema["paths"].get(path, {}).get(method.lower(), {})
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        for ref in _refs(body.get("schema", {})):
            bodies += 1
            properties = components[ref.rsplit("/", 1)[-1]].get("properties", {})
            if "role" in properties or "user_id" in properties:
                offending.append(f"{method} {path}")
    assert bodies > 20  # the creates, updates and actions were inspected
    assert not offending, offending


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []
