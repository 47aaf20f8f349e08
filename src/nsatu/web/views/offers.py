"""Offers and pledges: the filtered list, the detail page (valuation, parent and refinements, stage
buttons), and the new / edit forms."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from nsatu.core.access import Actor, Role
from nsatu.core.enums import OfferChannel, OfferKind, Releasability, ValuationBasis
from nsatu.core.lifecycles import OFFER, OfferStage
from nsatu.db.models import OfferLine
from nsatu.offers import service as offer_service
from nsatu.offers.schemas import OfferCreate, OfferFilter, OfferRead, OfferUpdate
from nsatu.reference.service import CAPABILITY_AREAS, ITEM_TYPES, ORGANISATIONS, SITES
from nsatu.shared.schemas import ActionRequest
from nsatu.web.auth import CanEditOffers
from nsatu.web.deps import DbSession
from nsatu.web.views import choices
from nsatu.web.views.forms import (
    Failure,
    PostedForm,
    RowId,
    parse,
    parse_filter,
    raw_values,
    submit,
    values_of,
)
from nsatu.web.views.rendering import render, render_page_or_partial, transitions

router = APIRouter(prefix="/offers", tags=["pages"], include_in_schema=False)

PAGE_SIZE = 25
#: A line's refinements are few; the detail page shows up to this many.
MAX_CHILDREN = 200
FILTER_FIELDS = ("q", "donor", "stage", "kind", "sort", "page", "size")
EDIT_FIELDS = (
    "description",
    "kind",
    "channel",
    "item_type_id",
    "quantity",
    "quantity_delivered",
    "announced_on",
    "available_from_on",
    "origin_site_id",
    "currency",
    "value_amount",
    "eur_rate",
    "eur_rate_on",
    "valuation_basis",
    "earmark_capability_area_id",
    "earmark",
    "parent_id",
    "releasability",
    "anonymise_donor",
    "notes",
    # Refused by the domain (403 naming the field) when a donor liaison names another nation.
    "donor_nation_id",
)
CREATE_FIELDS = ("reference", *EDIT_FIELDS)


def _list_context(session: Session, params: dict[str, str]) -> dict[str, Any]:
    f, errors = parse_filter(OfferFilter, params, size=PAGE_SIZE)
    page = offer_service.list_offers(session, f) if f else None
    return {
        "page": page,
        "rows": [OfferRead.model_validate(o) for o in page.items] if page else [],
        "params": params,
        "errors": errors,
        "donor_options": [
            (n.code, f"{n.name} ({n.code})") for n in choices.nations(session, role="donor")
        ],
        "stage_options": choices.enum_options(OfferStage),
        "kind_options": choices.enum_options(OfferKind),
    }


def _detail_context(session: Session, line: OfferLine) -> dict[str, Any]:
    # Read through the projection, which withholds an anonymous donor (and what leads to it).
    offer = OfferRead.model_validate(line)
    children = offer_service.list_offers(session, OfferFilter(parent_id=line.id, size=MAX_CHILDREN))
    return {
        "offer": offer,
        "organisation": _get(session, ORGANISATIONS, offer.donor_organisation_id),
        "item_type": _get(session, ITEM_TYPES, line.item_type_id),
        "origin_site": _get(session, SITES, offer.origin_site_id),
        "earmark_area": _get(session, CAPABILITY_AREAS, line.earmark_capability_area_id),
        "parent": offer_service.get_offer(session, offer.parent_id) if offer.parent_id else None,
        "children": [OfferRead.model_validate(c) for c in children.items],
        "children_total": children.total,
        "actions": transitions(OFFER, line.stage),
    }


def _get(session: Session, entity: Any, id_: int | None) -> Any:
    return entity.get(session, id_) if id_ is not None else None


def _donor_options(session: Session, editor: Actor) -> list[tuple[str, str]]:
    """The donors the editor may name: a donor liaison its own nation only (the domain refuses any
    other, whatever the form posts)."""
    nations = choices.nations(session, role="donor")
    if editor.role is Role.DONOR_LIAISON:
        nations = [n for n in nations if n.id == editor.nation_id]
    return choices.options(nations)


def _form_context(
    session: Session,
    editor: Actor,
    values: dict[str, str],
    failure: Failure | None,
    line: OfferLine | None,
) -> dict[str, Any]:
    return {
        "offer": line,
        "values": values,
        "errors": failure.errors if failure else {},
        "failure": failure,
        "fields": CREATE_FIELDS if line is None else EDIT_FIELDS,
        "donor_options": _donor_options(session, editor),
        "item_options": choices.options(choices.item_types(session)),
        "site_options": choices.options(choices.sites(session)),
        "area_options": choices.options(choices.capability_areas(session)),
        "kind_options": choices.enum_options(OfferKind),
        "channel_options": choices.enum_options(OfferChannel),
        "basis_options": choices.enum_options(ValuationBasis),
        "releasability_options": choices.enum_options(Releasability),
    }


@router.get("", name="offers_list")
def offers_list(request: Request, session: DbSession) -> Response:
    context = _list_context(session, raw_values(request.query_params, FILTER_FIELDS))
    status = 422 if context["errors"] else 200
    return render_page_or_partial(
        request, "offers/list.html", "offers/_table.html", context, status=status
    )


@router.get("/new", name="offers_new")
def offers_new(request: Request, session: DbSession, editor: CanEditOffers) -> Response:
    defaults = {
        "kind": "in_kind_stock",
        "channel": "bilateral",
        "releasability": "coalition",
        "anonymise_donor": "false",
    }
    if editor.role is Role.DONOR_LIAISON and editor.nation_id is not None:
        defaults["donor_nation_id"] = str(editor.nation_id)
    context = _form_context(session, editor, defaults, None, None)
    return render(request, "offers/form.html", context)


@router.post("", name="offers_create")
def offers_create(
    request: Request, session: DbSession, editor: CanEditOffers, form: PostedForm
) -> Response:
    values = raw_values(form, CREATE_FIELDS)
    result = submit(
        session, lambda: offer_service.create_offer(session, parse(OfferCreate, values))
    )
    if isinstance(result, Failure):
        context = _form_context(session, editor, values, result, None)
        return render(request, "offers/form.html", context, status=result.status)
    return RedirectResponse(f"/offers/{result.id}", status_code=303)


@router.get("/{id}", name="offers_detail")
def offers_detail(request: Request, session: DbSession, id: RowId) -> Response:
    line = offer_service.get_offer(session, id)
    return render(request, "offers/detail.html", _detail_context(session, line))


@router.get("/{id}/edit", name="offers_edit")
def offers_edit(request: Request, session: DbSession, editor: CanEditOffers, id: RowId) -> Response:
    line = offer_service.get_offer(session, id)
    values = values_of(line, EDIT_FIELDS) | {"version": str(line.version)}
    return render(request, "offers/form.html", _form_context(session, editor, values, None, line))


@router.post("/{id}/edit", name="offers_update")
def offers_update(
    request: Request, session: DbSession, editor: CanEditOffers, id: RowId, form: PostedForm
) -> Response:
    values = raw_values(form, (*EDIT_FIELDS, "version"))
    result = submit(
        session,
        lambda: offer_service.update_offer(
            session, id, parse(OfferUpdate, values, keep=OfferCreate)
        ),
    )
    if isinstance(result, Failure):
        line = offer_service.get_offer(session, id)
        context = _form_context(session, editor, values, result, line)
        return render(request, "offers/form.html", context, status=result.status)
    return RedirectResponse(f"/offers/{id}", status_code=303)


@router.post("/{id}/actions/{action}", name="offers_act")
def offers_act(
    request: Request,
    session: DbSession,
    editor: CanEditOffers,
    id: RowId,
    action: str,
    form: PostedForm,
) -> Response:
    values = raw_values(form, ("version",))
    result = submit(
        session,
        lambda: offer_service.act_on_offer(
            session, id, action, version=parse(ActionRequest, values).version
        ),
    )
    if isinstance(result, Failure):
        context = _detail_context(session, offer_service.get_offer(session, id))
        return render(
            request, "offers/detail.html", context | {"failure": result}, status=result.status
        )
    return RedirectResponse(f"/offers/{id}", status_code=303)
