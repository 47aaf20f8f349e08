"""Reports over HTTP: the list, and each report as JSON (columns, rows, notes, sources, further
tables), CSV or XLSX. Read-only and scoped like every read: a report is computed from the records
the caller may see (an anonymous caller gets the public view, anonymised donors undisclosed).

Query parameters other than ``format`` and ``table`` are the report's own (``donor``, ``area``,
``stage`` ...); an unknown one is a 422 naming it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from nsatu.core.access import PUBLIC
from nsatu.db.actor import actor_of
from nsatu.reporting import export, registry
from nsatu.reporting.table import Report
from nsatu.web.deps import DbSession

router = APIRouter(tags=["reports"])

#: Query parameters of the route itself, not of the report.
OWN = frozenset({"format", "table"})


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class ReportInfo(BaseModel):
    name: str
    title: str
    summary: str


Table = Annotated[
    str | None, Query(description="one of the report's further tables (JSON rows and CSV)")
]


def _build(request: Request, session: DbSession, name: str) -> Report:
    spec = registry.get(name)
    params = {k: v for k, v in request.query_params.items() if k not in OWN}
    return spec.build(session, actor_of(session) or PUBLIC, params)


def _file(report: Report, fmt: ReportFormat, table: str | None) -> Response:
    if fmt is ReportFormat.JSON:
        if table is None:
            return JSONResponse(export.as_json(report))
        _, rows = export.table(report, table)
        return JSONResponse(export.json_rows(rows))
    if fmt is ReportFormat.CSV:
        data = export.csv_bytes(report, table)
        suffix = f"-{table}" if table else ""
    else:
        data, suffix = export.xlsx_bytes([report]), ""
    return Response(
        data,
        media_type=export.MIME[fmt.value],
        headers={
            "Content-Disposition": f'attachment; filename="nsatu-{report.name}{suffix}.{fmt.value}"'
        },
    )


@router.get("/reports", response_model=list[ReportInfo], summary="The reports: names and titles")
def list_reports() -> Any:
    return [
        ReportInfo(name=s.name, title=s.title, summary=s.summary)
        for s in (registry.get(n) for n in registry.names())
    ]


_FILES: dict[int | str, dict[str, Any]] = {
    200: {"content": {m.split(";")[0]: {} for m in export.MIME.values()}}
}


@router.get(
    "/reports/{name}.csv",
    response_class=Response,
    summary="A report's main table (or ?table=) as CSV, in the caller's scope",
    responses=_FILES,
)
def report_csv(request: Request, session: DbSession, name: str, table: Table = None) -> Response:
    return _file(_build(request, session, name), ReportFormat.CSV, table)


@router.get(
    "/reports/{name}.xlsx",
    response_class=Response,
    summary="A report as an XLSX workbook (its tables, Sources, Notes), in the caller's scope",
    responses=_FILES,
)
def report_xlsx(request: Request, session: DbSession, name: str) -> Response:
    return _file(_build(request, session, name), ReportFormat.XLSX, None)


@router.get(
    "/reports/{name}",
    response_class=Response,
    summary="A report in the caller's scope: JSON (columns, rows, notes, sources, further "
    "tables; with ?table= that table's rows), or ?format=csv|xlsx",
    responses=_FILES,
)
def get_report(
    request: Request,
    session: DbSession,
    name: str,
    format: Annotated[ReportFormat, Query(description="json, csv or xlsx")] = ReportFormat.JSON,
    table: Table = None,
) -> Response:
    return _file(_build(request, session, name), format, table)
