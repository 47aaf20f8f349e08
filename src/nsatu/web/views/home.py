"""The overview: how many needs are in each status and how many offers in each stage."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from nsatu.needs import service as need_service
from nsatu.offers import service as offer_service
from nsatu.web.deps import DbSession
from nsatu.web.views.rendering import render

router = APIRouter(tags=["pages"], include_in_schema=False)


def _counts(session: Session) -> dict[str, list[tuple[str, int]]]:
    needs = need_service.count_by_status(session)
    offers = offer_service.count_by_stage(session)
    return {
        "need_counts": [(s.value, n) for s, n in needs.items()],
        "offer_counts": [(s.value, n) for s, n in offers.items()],
    }


@router.get("/", name="home")
def home(request: Request, session: DbSession) -> Response:
    return render(request, "home.html", _counts(session))
