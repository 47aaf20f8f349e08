"""Sites: depots, logistics hubs, handover points, training centres and HQs, with hub capacities."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from nsatu.core.enums import SiteKind, TransportMode
from nsatu.reference import schemas as ref
from nsatu.reference import service as reference_service
from nsatu.web.deps import DbSession
from nsatu.web.views import choices
from nsatu.web.views.forms import RowId, parse_filter, raw_values
from nsatu.web.views.rendering import render, render_page_or_partial

router = APIRouter(prefix="/sites", tags=["pages"], include_in_schema=False)

PAGE_SIZE = 50
FILTER_FIELDS = ("q", "kind", "sort", "page", "size")


@router.get("", name="sites_list")
def sites_list(request: Request, session: DbSession) -> Response:
    params = raw_values(request.query_params, FILTER_FIELDS)
    f, errors = parse_filter(ref.SiteFilter, params, size=PAGE_SIZE, sort="kind,name")
    page = reference_service.SITES.list(session, f) if f else None
    context = {
        "page": page,
        "params": params,
        "errors": errors,
        "kind_options": choices.enum_options(SiteKind),
        "nation_names": {n.id: n.code for n in choices.nations(session)},
    }
    return render_page_or_partial(
        request, "sites/list.html", "sites/_table.html", context, status=422 if errors else 200
    )


@router.get("/{id}", name="sites_detail")
def sites_detail(request: Request, session: DbSession, id: RowId) -> Response:
    site = reference_service.SITES.get(session, id)
    modes = [(m.value, getattr(site, f"{m.value}_capacity_per_day")) for m in TransportMode]
    context = {
        "site": site,
        "nation": reference_service.NATIONS.get(session, site.nation_id),
        "modes": modes,
        "has_capacity": any(c is not None for _, c in modes) or site.storage_capacity is not None,
    }
    return render(request, "sites/detail.html", context)
