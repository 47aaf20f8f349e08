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
#: Rows a page's table shows unless ``?show=all`` asks for every row (the chart is made of every
#: row, and the CSV and XLSX downloads hold them all): a table of thousands of cells is most of a
#: page's time in the browser.
SHOWN_ROWS = 100
#: The page's own query parameter; every other one is the report's.
SHOW = "show"


def drawn(
    report: Report, session: Session, *, sites: bool = True, limit: int | None = None
) -> dict[str, Any]:
    """A report with what its page draws: its charts, for donors by country the map, and its
    rows (the first ``limit``, when given)."""
    figures = report_charts.map_figures(report, geo.map_sites(session) if sites else [])
    rows = list(report.rows)
    return {
        "report": report,
        "rows": rows if limit is None else rows[:limit],
        "charts": report_charts.charts(report),
        "map": figures,
        "world": geo.world_topology_text() if figures else None,
    }


def _limit(request: Request) -> int | None:
    return None if request.query_params.get(SHOW) == "all" else SHOWN_ROWS


@router.get("/reports", name="reports_index")
def reports_index(request: Request) -> Response:
    specs = [registry.get(name) for name in registry.names()]
    return render(request, "reports/index.html", {"specs": specs})


@router.get("/reports/{name}", name="report_detail")
def report_detail(request: Request, session: DbSession, actor: CurrentActor, name: str) -> Response:
    spec = registry.get(name)
    params = {k: v for k, v in request.query_params.items() if k != SHOW}
    report = spec.build(session, actor, params)
    r = drawn(report, session, limit=_limit(request))
    context = {
        "spec": spec,
        "report": report,
        "r": r,
        "with_map": r["map"] is not None,
        "query": params,
        "assets": APP_ASSETS,
        "cell": report_charts.cell,
        "world_source": geo.WORLD_SOURCE,
    }
    return render(request, "reports/detail.html", context)


@router.get("/public", name="public_release")
def public_page(request: Request, session: DbSession) -> Response:
    release = public_release.public_release(session)
    limit = _limit(request)
    reports = [drawn(r, session, sites=False, limit=limit) for r in release.reports]
    context = {
        "offers": release.offers if limit is None else release.offers[:limit],
        "with_map": any(r["map"] is not None for r in reports),
        "release": release,
        "reports": reports,
        "assets": APP_ASSETS,
        "cell": report_charts.cell,
        "world_source": geo.WORLD_SOURCE,
        "files": None,
    }
    return render(request, "public/page.html", context)
