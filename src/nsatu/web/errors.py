"""One place that renders every error: JSON for the API, a page for HTML."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from nsatu.errors import NsatuError
from nsatu.web.views.rendering import error_page, wants_html

log = logging.getLogger("nsatu.web")


class FieldError(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    """Every error the API returns: a stable code, a sentence, and the field when one is at fault.

    Lifecycle conflicts add ``state``, ``action`` and ``allowed`` (the next states); stale versions
    add ``current_version``; validation errors add ``errors``, one per field."""

    model_config = ConfigDict(extra="allow")

    error: str
    detail: str
    field: str | None = None
    errors: list[FieldError] | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Invalid, expired or revoked credentials"},
    403: {"model": ErrorBody, "description": "Not allowed for this role, or no valid CSRF token"},
    404: {"model": ErrorBody, "description": "No such record"},
    409: {"model": ErrorBody, "description": "Stale version, illegal lifecycle move or conflict"},
    422: {"model": ErrorBody, "description": "Invalid input; `field` names the culprit"},
}


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        msg = str(err.get("msg", "invalid"))
        field = _field(err.get("loc", ()))
        # Cross-field rules raise "field: message"; surface that field.
        if msg.startswith("Value error, ") and ":" in msg:
            msg = msg.removeprefix("Value error, ")
            named, _, rest = msg.partition(":")
            if named and " " not in named.strip():
                field = named.strip() if field == "body" else f"{field}.{named.strip()}"
                msg = rest.strip()
        out.append({"field": field, "message": msg})
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(NsatuError)
    async def _nsatu(request: Request, exc: NsatuError) -> Response:
        if wants_html(request):
            return error_page(request, exc.status_code, exc.detail)
        return JSONResponse(exc.to_dict(), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = validation_errors(exc)
        first = errors[0] if errors else {"field": "body", "message": "invalid"}
        if wants_html(request):
            return error_page(request, 422, f"{first['field']}: {first['message']}")
        body = {
            "error": "invalid_input",
            "detail": f"{first['field']}: {first['message']}",
            "field": first["field"],
            "errors": errors,
        }
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_html(request):
            return error_page(request, exc.status_code, str(exc.detail))
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse({"error": code, "detail": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        request_id = uuid.uuid4().hex[:12]
        log.exception("unexpected error, request %s", request_id)
        if wants_html(request):
            return error_page(request, 500, f"Unexpected error; request id {request_id}")
        return JSONResponse(
            {"error": "internal", "detail": f"unexpected error; request id {request_id}"},
            status_code=500,
        )
