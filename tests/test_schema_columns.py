"""Every text field the API accepts fits the column that stores it.

SQLite ignores VARCHAR lengths; PostgreSQL enforces them, so a limit looser than its column would
pass validation and then fail in the database as a server error.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import String

from nsatu.logistics.service import ENTITIES as LOGISTICS
from nsatu.needs import schemas as needs_schemas
from nsatu.needs import service as needs_service
from nsatu.offers import schemas as offers_schemas
from nsatu.offers import service as offers_service
from nsatu.planning.service import ALLOCATIONS
from nsatu.reference.service import ENTITIES as REFERENCE
from nsatu.shared.entity import Entity
from nsatu.training.service import ENTITIES as TRAINING


def _pairs() -> list[tuple[type[BaseModel], type[Any]]]:
    pairs: list[tuple[type[BaseModel], type[Any]]] = [
        (needs_schemas.RequirementCreate, needs_service.RESOURCE.model),
        (needs_schemas.RequirementUpdate, needs_service.RESOURCE.model),
        (offers_schemas.OfferCreate, offers_service.RESOURCE.model),
        (offers_schemas.OfferUpdate, offers_service.RESOURCE.model),
    ]
    entities: list[Entity[Any]] = [*REFERENCE, ALLOCATIONS, *LOGISTICS, *TRAINING]
    for e in entities:
        pairs.append((e.create_schema, e.resource.model))
        if e.update_schema is not None:
            pairs.append((e.update_schema, e.resource.model))
    return pairs


#: Fields a validator normalises before storing: the schema bounds what is typed, the validator
#: what is stored (an NSN typed as 5820-01-123-4567 is stored as 13 digits).
NORMALISED = {"nsn"}


def _variants(prop: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]


def _bounded_otherwise(prop: dict[str, Any]) -> bool:
    """Enumerations and fixed patterns (``^[A-Z]{3}$``, ``YYYY-MM``) bound the length themselves."""
    return all("$ref" in p or "enum" in p or "pattern" in p for p in _variants(prop))


def _max_length(prop: dict[str, Any]) -> int | None:
    lengths = [int(p["maxLength"]) for p in _variants(prop) if "maxLength" in p]
    return max(lengths) if lengths else None


@pytest.mark.parametrize(("schema", "model"), _pairs(), ids=lambda x: getattr(x, "__name__", ""))
def test_text_limits_fit_their_columns(schema: type[BaseModel], model: type[Any]) -> None:
    columns = model.__table__.c
    too_long = []
    for name, prop in schema.model_json_schema()["properties"].items():
        limit = _max_length(prop)
        if name in NORMALISED or name not in columns or not isinstance(columns[name].type, String):
            continue
        width = columns[name].type.length
        if limit is None and _bounded_otherwise(prop):
            continue
        if width is not None and (limit is None or limit > width):
            too_long.append(f"{name}: schema allows {limit}, column holds {width}")
    assert not too_long, f"{schema.__name__}: " + "; ".join(too_long)
