"""Report pages: the reports (``/reports``), one report with its chart(s), table, notes, sources
and downloads (``/reports/{name}``; a report of donors by country also draws the map of donors),
and the public release (``/public``).

Every report is built by its registered builder for the caller (:mod:`nsatu.reporting.registry`;
the builders read through the caller's scope); the public release reads only what is released as
public, whoever asks (:mod:`nsatu.reporting.public`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from nsatu.reporting import geo, registry
from nsatu.reporting import public as public_release
from nsatu.reporting.table import Report
from nsatu.web.auth import CurrentActor
from nsatu.web.deps import DbSession
from nsatu.web.views import report_charts
from nsatu.web.views.rendering import render

router = APIRouter(tags=["pages"], include_in_schema=False)

#: Where the pages load their scripts from (the static export writes its own copies).
APP_ASSETS = {
    "chart": "/vendor/chart.js/dist/chart.umd.min.js",
    "d3_array": "/vendor/d3-array/dist/d3-array.min.js",
    "d3_geo": "/vendor/d3-geo/dist/d3-geo.min.js",
    "topojson": "/vendor/topojson-client/dist/topojson-client.min.js",
    "reports_js": "/static/reports.js",
    "reports_css": "/static/reports.css",
}


def drawn(report: Report, session: Session, *, sites: bool = True) -> dict[str, Any]:
    """A report with what its page draws: its charts and, for donors by country, the map."""
    figures = report_charts.map_figures(report, geo.map_sites(session) if sites else [])
    return {
        "report": report,
        "charts": report_charts.charts(report),
        "map": figures,
        "world": geo.world_topology_text() if figures else None,
    }


@router.get("/reports", name="reports_index")
def reports_index(request: Request) -> Response:
    specs = [registry.get(name) for name in registry.names()]
    return render(request, "reports/index.html", {"specs": specs})


@router.get("/reports/{name}", name="report_detail")
def report_detail(request: Request, session: DbSession, actor: CurrentActor, name: str) -> Response:
    spec = registry.get(name)
    report = spec.build(session, actor, dict(request.query_params))
    context = {
        "spec": spec,
        "report": report,
        "r": drawn(report, session),
        "assets": APP_ASSETS,
        "cell": report_charts.cell,
        "world_source": geo.WORLD_SOURCE,
    }
    return render(request, "reports/detail.html", context)


@router.get("/public", name="public_release")
def public_page(request: Request, session: DbSession) -> Response:
    release = public_release.public_release(session)
    reports = [drawn(r, session, sites=False) for r in release.reports]
    context = {
        "release": release,
        "reports": reports,
        "assets": APP_ASSETS,
        "cell": report_charts.cell,
        "world_source": geo.WORLD_SOURCE,
        "files": None,
    }
    return render(request, "public/page.html", context)
