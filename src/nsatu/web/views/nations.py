"""Nations: roles and EU / NATO membership, and each nation's GDP series as a server-drawn chart."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from nsatu.db.models import Nation, NationGdp
from nsatu.reference import schemas as ref
from nsatu.reference import service as reference_service
from nsatu.web.deps import DbSession
from nsatu.web.views.forms import RowId, parse_filter, raw_values
from nsatu.web.views.rendering import render, render_page_or_partial

router = APIRouter(prefix="/nations", tags=["pages"], include_in_schema=False)

PAGE_SIZE = 50
FILTER_FIELDS = ("q", "role", "eu_member", "nato_member", "sort", "page", "size")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    year: int
    label: str
    show_year: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    max_label: str


def usd_billions(value: Decimal) -> str:
    return f"{value / Decimal(1_000_000_000):,.1f} bn USD"


def gdp_chart(series: list[NationGdp], *, width: int = 640, height: int = 220) -> Chart | None:
    """Bars scaled to the largest year; year labels thinned so about a dozen fit."""
    if not series:
        return None
    top, bottom = 16.0, 22.0
    plot = height - top - bottom
    peak = max(g.gdp_usd for g in series) or Decimal(1)
    slot = width / len(series)
    every = math.ceil(len(series) / 12)
    bars = []
    for i, g in enumerate(series):
        h = float(g.gdp_usd / peak) * plot
        bars.append(
            Bar(
                x=i * slot + slot * 0.1,
                y=top + plot - h,
                width=slot * 0.8,
                height=h,
                year=g.year,
                label=f"{g.year}: {usd_billions(g.gdp_usd)}",
                show_year=(len(series) - 1 - i) % every == 0,
            )
        )
    return Chart(width, height, top + plot, bars, usd_billions(peak))


def _detail_context(session: Session, nation: Nation) -> dict[str, Any]:
    gdp = reference_service.nation_gdp(session, nation.id)
    sites = reference_service.SITES.list(
        session, ref.SiteFilter(nation_id=nation.id, size=200, sort="kind,name")
    )
    return {
        "nation": nation,
        "gdp": gdp,
        "chart": gdp_chart(gdp),
        "gdp_source": gdp[-1].source if gdp else None,
        "sites": sites.items,
    }


@router.get("", name="nations_list")
def nations_list(request: Request, session: DbSession) -> Response:
    params = raw_values(request.query_params, FILTER_FIELDS)
    f, errors = parse_filter(ref.NationFilter, params, size=PAGE_SIZE, sort="name")
    page = reference_service.NATIONS.list(session, f) if f else None
    context = {"page": page, "params": params, "errors": errors}
    return render_page_or_partial(
        request, "nations/list.html", "nations/_table.html", context, status=422 if errors else 200
    )


@router.get("/{id}", name="nations_detail")
def nations_detail(request: Request, session: DbSession, id: RowId) -> Response:
    nation = reference_service.NATIONS.get(session, id)
    return render(request, "nations/detail.html", _detail_context(session, nation))
