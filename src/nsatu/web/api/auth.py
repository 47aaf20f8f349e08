"""``GET /api/me``: who the credentials of this request stand for."""

from __future__ import annotations

from fastapi import APIRouter

from nsatu.identity import service as identity_service
from nsatu.identity.schemas import Me
from nsatu.web.auth import CurrentActor
from nsatu.web.deps import DbSession

router = APIRouter(tags=["identity"])


@router.get("/me", response_model=Me, summary="The signed-in user (or the public)")
def me(session: DbSession, actor: CurrentActor) -> Me:
    return identity_service.describe(session, actor)
