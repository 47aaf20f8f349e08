"""The audit trail for auditors and coordinators: list, export, verify. Everyone else gets 404, as
for a route that does not exist."""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from nsatu.audit import service as audit_service
from nsatu.audit.schemas import AuditEntryRead, AuditExport, AuditFilter, ChainReport, ExportFormat
from nsatu.shared.schemas import Page
from nsatu.web.crud_routes import page_of
from nsatu.web.deps import DbSession

router = APIRouter(prefix="/audit", tags=["audit"])

MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.JSON: "application/json",
}


@router.get(
    "",
    response_model=Page[AuditEntryRead],
    summary="List audit entries (auditors and coordinators), newest first",
)
def list_audit(session: DbSession, f: Annotated[AuditFilter, Query()]) -> Any:
    return page_of(AuditEntryRead, audit_service.list_entries(session, f))


@router.get(
    "/export",
    response_class=Response,
    summary="Export audit entries as CSV, XLSX or JSON, oldest first",
    responses={200: {"content": {m.split(";")[0]: {} for m in MEDIA_TYPES.values()}}},
)
def export_audit(session: DbSession, f: Annotated[AuditExport, Query()]) -> Response:
    out = io.BytesIO()
    audit_service.export_entries(session, out, f.format, f)
    return Response(
        out.getvalue(),
        media_type=MEDIA_TYPES[f.format],
        headers={"Content-Disposition": f'attachment; filename="nsatu-audit.{f.format}"'},
    )


@router.get(
    "/verify",
    response_model=ChainReport,
    summary="Walk the hash chain and report the first broken entry",
)
def verify_audit(session: DbSession) -> Any:
    return audit_service.verify_chain(session)
