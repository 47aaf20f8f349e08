"""Reference routes beyond the generic registry ones: a nation's GDP series."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from nsatu.reference import service as reference_service
from nsatu.reference.schemas import GdpRead
from nsatu.web.deps import DbSession, PathId

router = APIRouter(prefix="/nations", tags=["nations"])


@router.get(
    "/{id}/gdp", response_model=list[GdpRead], summary="A nation's GDP series (current US$)"
)
def nation_gdp(session: DbSession, id: PathId) -> Any:
    return [GdpRead.model_validate(g) for g in reference_service.nation_gdp(session, id)]
