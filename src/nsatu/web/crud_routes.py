"""Build the CRUD and lifecycle routes of a registry-style entity from its :class:`Entity`.

No ``from __future__ import annotations`` here: FastAPI must see the schema classes bound in the
closures as real types, not as strings it cannot resolve."""

# ruff: noqa: N803, N806 (schema classes bound to local names keep their class-style names)

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from nsatu.shared.entity import Entity
from nsatu.shared.schemas import ActionRequest, Page, Transition
from nsatu.web.deps import DbSession, PathId


def page_of(read: type[Any], page: Any) -> dict[str, Any]:
    return {
        "items": [read.model_validate(i) for i in page.items],
        "total": page.total,
        "page": page.page,
        "size": page.size,
        "pages": page.pages,
    }


def entity_router(entity: Entity[Any]) -> APIRouter:
    """Routes: ``GET /`` (filter, sort, page), ``POST /``, ``GET /{id}``, ``PATCH /{id}``, and
    ``POST /{id}/{action}`` for every manual action of the entity's lifecycle."""
    router = APIRouter(prefix=f"/{entity.name}", tags=[entity.name])
    Read, Create, Filter = entity.read_schema, entity.create_schema, entity.filter_schema
    label = entity.resource.label

    @router.get("", response_model=Page[Read], summary=f"List {entity.name}")  # type: ignore[valid-type]
    def list_(session: DbSession, f: Annotated[Filter, Query()]) -> Any:  # type: ignore[valid-type]
        return page_of(Read, entity.list(session, f))

    @router.post("", response_model=Read, status_code=201, summary=f"Create a {label}")
    def create(session: DbSession, data: Annotated[Create, Body()]) -> Any:  # type: ignore[valid-type]
        return Read.model_validate(entity.create(session, data))

    @router.get("/{id}", response_model=Read, summary=f"Read a {label}")
    def read(session: DbSession, id: PathId) -> Any:
        return Read.model_validate(entity.get(session, id))

    if entity.update_schema is not None:
        Update = entity.update_schema

        @router.patch("/{id}", response_model=Read, summary=f"Update a {label}")
        def update(session: DbSession, id: PathId, data: Annotated[Update, Body()]) -> Any:  # type: ignore[valid-type]
            return Read.model_validate(entity.update(session, id, data))

    lifecycle = entity.resource.lifecycle
    if lifecycle is not None:
        # Moves that only recorded events make (a consignment departing) get no route.
        for act in lifecycle.manual_actions:
            _add_action(router, entity, act.name, act.label, Read)

        @router.get("/{id}/transitions", response_model=list[Transition])
        def transitions(session: DbSession, id: PathId) -> Any:
            obj = entity.get(session, id)
            state = getattr(obj, entity.resource.state_attr)
            return [
                {
                    "action": a,
                    "target": lifecycle.action(a).target,
                    "label": lifecycle.action(a).label,
                }
                for a in lifecycle.allowed_actions(state)
                if lifecycle.action(a).manual
            ]

    return router


def _add_action(router: APIRouter, entity: Entity[Any], name: str, label: str, Read: Any) -> None:
    def action(session: DbSession, id: PathId, body: ActionRequest | None = None) -> Any:
        version = body.version if body else None
        return Read.model_validate(entity.act(session, id, name, version=version))

    router.add_api_route(
        f"/{{id}}/{name}",
        action,
        methods=["POST"],
        response_model=Read,
        summary=f"{label} ({entity.resource.label})",
        name=f"{entity.name}:{name}",
    )
