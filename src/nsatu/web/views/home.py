"""The overview: how many needs are in each status and how many offers in each stage."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from nsatu.core.lifecycles import OfferStage, RequirementStatus
from nsatu.needs import service as need_service
from nsatu.needs.schemas import RequirementFilter
from nsatu.offers import service as offer_service
from nsatu.offers.schemas import OfferFilter
from nsatu.web.deps import DbSession
from nsatu.web.views.rendering import render

router = APIRouter(tags=["pages"], include_in_schema=False)


def _counts(session: Session) -> dict[str, list[tuple[str, int]]]:
    # The list services' totals, one small COUNT per state: the same filters the linked lists use.
    needs = [
        (
            s.value,
            need_service.list_requirements(session, RequirementFilter(status=s, size=1)).total,
        )
        for s in RequirementStatus
    ]
    offers = [
        (s.value, offer_service.list_offers(session, OfferFilter(stage=s, size=1)).total)
        for s in OfferStage
    ]
    return {"need_counts": needs, "offer_counts": offers}


@router.get("/", name="home")
def home(request: Request, session: DbSession) -> Response:
    return render(request, "home.html", _counts(session))
