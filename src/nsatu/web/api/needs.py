"""Requirements (needs): CRUD, listing and lifecycle actions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from nsatu.core.lifecycles import REQUIREMENT
from nsatu.needs import service as need_service
from nsatu.needs.schemas import (
    RequirementCreate,
    RequirementFilter,
    RequirementRead,
    RequirementUpdate,
)
from nsatu.shared.schemas import ActionRequest, Page
from nsatu.web.crud_routes import page_of
from nsatu.web.deps import DbSession, PathId

router = APIRouter(prefix="/needs", tags=["needs"])


@router.get("", response_model=Page[RequirementRead], summary="List requirements")
def list_needs(session: DbSession, f: Annotated[RequirementFilter, Query()]) -> Any:
    return page_of(RequirementRead, need_service.list_requirements(session, f))


@router.post("", response_model=RequirementRead, status_code=201, summary="Record a requirement")
def create_need(session: DbSession, data: RequirementCreate) -> Any:
    return RequirementRead.model_validate(need_service.create_requirement(session, data))


@router.get("/{id}", response_model=RequirementRead, summary="Read a requirement")
def read_need(session: DbSession, id: PathId) -> Any:
    return RequirementRead.model_validate(need_service.get_requirement(session, id))


@router.patch("/{id}", response_model=RequirementRead, summary="Update a requirement")
def update_need(session: DbSession, id: PathId, data: RequirementUpdate) -> Any:
    return RequirementRead.model_validate(need_service.update_requirement(session, id, data))


def _action_route(name: str, label: str) -> None:
    def action(session: DbSession, id: PathId, body: ActionRequest | None = None) -> Any:
        need = need_service.act_on_requirement(
            session, id, name, version=body.version if body else None
        )
        return RequirementRead.model_validate(need)

    router.add_api_route(
        f"/{{id}}/{name}",
        action,
        methods=["POST"],
        response_model=RequirementRead,
        summary=f"{label} (requirement)",
        name=f"needs:{name}",
    )


for _act in REQUIREMENT.actions:
    _action_route(_act.name, _act.label)
