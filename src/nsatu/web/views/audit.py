"""The auditor's view of the audit trail: entries filtered by record, user, action and time, each
with a link to its record's history and to the record's page; one page per entry with every value
before and after. Anyone but an auditor or a coordinator gets the ordinary 404 page."""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from nsatu.audit import service as audit_service
from nsatu.audit.schemas import AuditEntryRead, AuditExport, AuditFilter
from nsatu.errors import InvalidInput
from nsatu.web.api.audit import MEDIA_TYPES
from nsatu.web.deps import DbSession
from nsatu.web.views.forms import RowId, parse_filter, raw_values
from nsatu.web.views.rendering import qs, render, render_page_or_partial

router = APIRouter(prefix="/audit", tags=["pages"], include_in_schema=False)

PAGE_SIZE = 50
FILTER_FIELDS = ("entity", "entity_id", "user", "action", "since", "until", "sort", "page", "size")
ACTIONS = ("create", "update", "delete", "transition", "bulk_insert", "bulk_update", "bulk_delete")

#: Records that have a page of their own.
RECORD_PAGES = {
    "requirement": "/needs/{id}",
    "offer_line": "/offers/{id}",
    "nation": "/nations/{id}",
    "site": "/sites/{id}",
}


def record_url(entity: str, entity_id: int | None) -> str | None:
    page = RECORD_PAGES.get(entity)
    return page.format(id=entity_id) if page and entity_id is not None else None


def history_url(entity: str, entity_id: int | None) -> str:
    return "/audit" + qs({"entity": entity, "entity_id": entity_id})


def _helpers() -> dict[str, Any]:
    return {
        "record_url": record_url,
        "history_url": history_url,
        "summary": audit_service.summary,
    }


@router.get("", name="audit_list")
def audit_list(request: Request, session: DbSession) -> Response:
    audit_service.require_reader(session)
    params = raw_values(request.query_params, FILTER_FIELDS)
    f, errors = parse_filter(AuditFilter, params, size=PAGE_SIZE)
    page = audit_service.list_entries(session, f) if f else None
    context = {
        "page": page,
        "params": params,
        "errors": errors,
        "entities": audit_service.entities(),
        "actions": ACTIONS,
        **_helpers(),
    }
    return render_page_or_partial(
        request, "audit/list.html", "audit/_table.html", context, status=422 if errors else 200
    )


@router.get("/export", name="audit_export")
def audit_export(request: Request, session: DbSession) -> Response:
    """The filtered entries as a download (the same export as ``GET /api/audit/export``)."""
    audit_service.require_reader(session)
    params = raw_values(request.query_params, (*FILTER_FIELDS, "format"))
    selection = {k: v for k, v in params.items() if k not in ("sort", "page", "size")}
    f, errors = parse_filter(AuditExport, selection)
    if f is None:
        raise InvalidInput("; ".join(f"{k}: {v}" for k, v in errors.items()))
    out = io.BytesIO()
    audit_service.export_entries(session, out, f.format, f)
    return Response(
        out.getvalue(),
        media_type=MEDIA_TYPES[f.format],
        headers={"Content-Disposition": f'attachment; filename="nsatu-audit.{f.format}"'},
    )


@router.get("/{seq}", name="audit_detail")
def audit_detail(request: Request, session: DbSession, seq: RowId) -> Response:
    entry = AuditEntryRead.model_validate(audit_service.get_entry(session, seq))
    before, after = entry.before or {}, entry.after or {}
    columns = list(dict.fromkeys([*before, *after]))
    return render(request, "audit/detail.html", {"entry": entry, "columns": columns, **_helpers()})
