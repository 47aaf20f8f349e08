"""Offer / pledge lines: CRUD, listing and stage actions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from nsatu.core.lifecycles import OFFER
from nsatu.offers import service as offer_service
from nsatu.offers.schemas import OfferCreate, OfferFilter, OfferRead, OfferUpdate
from nsatu.shared.schemas import ActionRequest, Page
from nsatu.web.crud_routes import page_of
from nsatu.web.deps import DbSession, PathId

router = APIRouter(prefix="/offers", tags=["offers"])


@router.get("", response_model=Page[OfferRead], summary="List offer lines")
def list_offers(session: DbSession, f: Annotated[OfferFilter, Query()]) -> Any:
    return page_of(OfferRead, offer_service.list_offers(session, f))


@router.post("", response_model=OfferRead, status_code=201, summary="Record an offer line")
def create_offer(session: DbSession, data: OfferCreate) -> Any:
    return OfferRead.model_validate(offer_service.create_offer(session, data))


@router.get("/{id}", response_model=OfferRead, summary="Read an offer line")
def read_offer(session: DbSession, id: PathId) -> Any:
    return OfferRead.model_validate(offer_service.get_offer(session, id))


@router.patch("/{id}", response_model=OfferRead, summary="Update an offer line")
def update_offer(session: DbSession, id: PathId, data: OfferUpdate) -> Any:
    return OfferRead.model_validate(offer_service.update_offer(session, id, data))


def _action_route(name: str, label: str) -> None:
    def action(session: DbSession, id: PathId, body: ActionRequest | None = None) -> Any:
        line = offer_service.act_on_offer(session, id, name, version=body.version if body else None)
        return OfferRead.model_validate(line)

    router.add_api_route(
        f"/{{id}}/{name}",
        action,
        methods=["POST"],
        response_model=OfferRead,
        summary=f"{label} (offer stage)",
        name=f"offers:{name}",
    )


for _act in OFFER.actions:
    _action_route(_act.name, _act.label)
