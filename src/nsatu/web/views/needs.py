"""Needs (requirements): the filtered list, the detail page with its lifecycle buttons, and the
new / edit forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from nsatu.core.enums import Releasability
from nsatu.core.lifecycles import REQUIREMENT, RequirementStatus
from nsatu.db.models import Requirement
from nsatu.needs import service as need_service
from nsatu.needs.schemas import RequirementCreate, RequirementFilter, RequirementUpdate
from nsatu.reference.service import CAPABILITY_AREAS, ITEM_TYPES, SITES
from nsatu.shared.schemas import ActionRequest
from nsatu.web.auth import CanEditNeeds
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

router = APIRouter(prefix="/needs", tags=["pages"], include_in_schema=False)

PAGE_SIZE = 25
FILTER_FIELDS = ("q", "status", "priority", "period", "capability_area_id", "sort", "page", "size")
EDIT_FIELDS = (
    "title",
    "capability_area_id",
    "item_type_id",
    "quantity_requested",
    "quantity_approved",
    "priority",
    "rank",
    "period",
    "needed_by_on",
    "destination_site_id",
    "justification",
    "releasability",
)
CREATE_FIELDS = ("reference", *EDIT_FIELDS)


def _list_context(session: Session, params: dict[str, str]) -> dict[str, Any]:
    f, errors = parse_filter(RequirementFilter, params, size=PAGE_SIZE)
    areas = choices.capability_areas(session)
    return {
        "page": need_service.list_requirements(session, f) if f else None,
        "params": params,
        "errors": errors,
        "area_options": choices.options(areas),
        "area_names": choices.names(areas),
        "status_options": choices.enum_options(RequirementStatus),
    }


def _detail_context(session: Session, need: Requirement) -> dict[str, Any]:
    return {
        "need": need,
        "area": CAPABILITY_AREAS.get(session, need.capability_area_id),
        "item_type": ITEM_TYPES.get(session, need.item_type_id) if need.item_type_id else None,
        "site": SITES.get(session, need.destination_site_id) if need.destination_site_id else None,
        "actions": transitions(REQUIREMENT, need.status),
    }


def _form_context(
    session: Session, values: dict[str, str], failure: Failure | None, need: Requirement | None
) -> dict[str, Any]:
    return {
        "need": need,
        "values": values,
        "errors": failure.errors if failure else {},
        "failure": failure,
        "fields": CREATE_FIELDS if need is None else EDIT_FIELDS,
        "area_options": choices.options(choices.capability_areas(session)),
        "item_options": choices.options(choices.item_types(session)),
        "site_options": choices.options(choices.sites(session)),
        "releasability_options": choices.enum_options(Releasability),
    }


@router.get("", name="needs_list")
def needs_list(request: Request, session: DbSession) -> Response:
    context = _list_context(session, raw_values(request.query_params, FILTER_FIELDS))
    status = 422 if context["errors"] else 200
    return render_page_or_partial(
        request, "needs/list.html", "needs/_table.html", context, status=status
    )


@router.get("/new", name="needs_new")
def needs_new(request: Request, session: DbSession, editor: CanEditNeeds) -> Response:
    defaults = {
        "priority": "2",
        "period": dt.datetime.now(dt.UTC).strftime("%Y-%m"),
        "releasability": "coalition",
    }
    return render(request, "needs/form.html", _form_context(session, defaults, None, None))


@router.post("", name="needs_create")
def needs_create(
    request: Request, session: DbSession, editor: CanEditNeeds, form: PostedForm
) -> Response:
    values = raw_values(form, CREATE_FIELDS)
    result = submit(
        session, lambda: need_service.create_requirement(session, parse(RequirementCreate, values))
    )
    if isinstance(result, Failure):
        context = _form_context(session, values, result, None)
        return render(request, "needs/form.html", context, status=result.status)
    return RedirectResponse(f"/needs/{result.id}", status_code=303)


@router.get("/{id}", name="needs_detail")
def needs_detail(request: Request, session: DbSession, id: RowId) -> Response:
    need = need_service.get_requirement(session, id)
    return render(request, "needs/detail.html", _detail_context(session, need))


@router.get("/{id}/edit", name="needs_edit")
def needs_edit(request: Request, session: DbSession, editor: CanEditNeeds, id: RowId) -> Response:
    need = need_service.get_requirement(session, id)
    values = values_of(need, EDIT_FIELDS) | {"version": str(need.version)}
    return render(request, "needs/form.html", _form_context(session, values, None, need))


@router.post("/{id}/edit", name="needs_update")
def needs_update(
    request: Request, session: DbSession, editor: CanEditNeeds, id: RowId, form: PostedForm
) -> Response:
    values = raw_values(form, (*EDIT_FIELDS, "version"))
    result = submit(
        session,
        lambda: need_service.update_requirement(
            session, id, parse(RequirementUpdate, values, keep=RequirementCreate)
        ),
    )
    if isinstance(result, Failure):
        context = _form_context(session, values, result, need_service.get_requirement(session, id))
        return render(request, "needs/form.html", context, status=result.status)
    return RedirectResponse(f"/needs/{id}", status_code=303)


@router.post("/{id}/actions/{action}", name="needs_act")
def needs_act(
    request: Request,
    session: DbSession,
    editor: CanEditNeeds,
    id: RowId,
    action: str,
    form: PostedForm,
) -> Response:
    values = raw_values(form, ("version",))
    result = submit(
        session,
        lambda: need_service.act_on_requirement(
            session, id, action, version=parse(ActionRequest, values).version
        ),
    )
    if isinstance(result, Failure):
        context = _detail_context(session, need_service.get_requirement(session, id))
        return render(
            request, "needs/detail.html", context | {"failure": result}, status=result.status
        )
    return RedirectResponse(f"/needs/{id}", status_code=303)
