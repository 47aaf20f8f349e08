"""The proof-of-delivery form of a consignment (record, then verify by another user) and the
accountability report of serial-tracked items."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from nsatu.core.access import may_record_receipt, may_report_discrepancy, may_verify_receipt
from nsatu.core.enums import DiscrepancyReason
from nsatu.db.models import ConsignmentLine, Receipt
from nsatu.delivery import discrepancies, receipts, serials
from nsatu.delivery import schemas as s
from nsatu.logistics.service import consignment_lines
from nsatu.web.deps import DbSession
from nsatu.web.views.forms import FORM, Failure, FormInvalid, PostedForm, RowId, submit
from nsatu.web.views.rendering import render, render_page_or_partial

router = APIRouter(tags=["pages"], include_in_schema=False)

QUANTITIES = ("good", "damaged", "lost", "rejected")
REASONS = [(r.value, r.value.replace("_", " ")) for r in DiscrepancyReason]


def _context(
    request: Request,
    session: Session,
    consignment_id: int,
    values: dict[str, str] | None = None,
    failure: Failure | None = None,
) -> dict[str, Any]:
    consignment = receipts.visible_consignment(session, consignment_id)
    actor = request.state.auth.actor
    receipt = session.scalar(select(Receipt).where(Receipt.consignment_id == consignment_id))
    lines = consignment_lines(session, consignment_id)
    defaults = {f"good_{cl.id}": format(cl.quantity.normalize(), "f") for cl in lines}
    return {
        "c": consignment,
        "lines": lines,
        "receipt": receipts.read(session, receipt) if receipt else None,
        "receivable": consignment.status in receipts.RECEIVABLE,
        "may_record": may_record_receipt(actor),
        "may_verify": receipt is not None
        and may_verify_receipt(actor, recorded_by=receipt.recorded_by),
        "values": values if values is not None else defaults,
        "errors": failure.errors if failure else {},
        "failure": failure,
        "quantities": QUANTITIES,
        "reasons": REASONS,
        "reports": [
            discrepancies.read(session, r)
            for r in discrepancies.list_reports(session, consignment_id)
        ],
        "may_report": may_report_discrepancy(actor),
    }


def _parse(form: PostedForm, lines: list[ConsignmentLine]) -> s.ReceiptCreate:
    """The posted form as a receipt; errors keyed by the form's own field names."""
    when = (form.get("received_at") or "").strip()  # type: ignore[union-attr]
    if when and len(when) <= 16:  # a datetime-local value: the form says it is UTC
        when += ":00+00:00"
    data: dict[str, Any] = {
        "received_by": form.get("received_by") or "",
        "received_at": when or None,
        "note": (form.get("note") or None),
        "lines": [],
    }
    for cl in lines:
        line: dict[str, Any] = {"consignment_line_id": cl.id}
        for q in QUANTITIES:
            line[f"quantity_{q}"] = (form.get(f"{q}_{cl.id}") or "0").strip() or "0"  # type: ignore[union-attr]
            if q != "good":
                line[f"{q}_reason"] = form.get(f"{q}_reason_{cl.id}") or None
        data["lines"].append(line)
    try:
        return s.ReceiptCreate.model_validate(data)
    except ValidationError as exc:
        found: dict[str, str] = {}
        for err in exc.errors():
            found.setdefault(_form_name(err.get("loc", ()), lines), str(err.get("msg", "invalid")))
        raise FormInvalid(found) from None


def _form_name(loc: Any, lines: list[ConsignmentLine]) -> str:
    parts = [str(p) for p in loc]
    if len(parts) >= 3 and parts[0] == "lines":
        line_id = lines[int(parts[1])].id
        name = parts[2].removeprefix("quantity_")
        return f"{name}_{line_id}"
    return parts[0] if parts else FORM


def _rename(failure: Failure, lines: list[ConsignmentLine]) -> Failure:
    """``lines[0].damaged_reason`` from the service → the form's ``damaged_reason_<line id>``."""
    out: dict[str, str] = {}
    for name, msg in failure.errors.items():
        if name.startswith("lines[") and "]." in name:
            i, _, rest = name.removeprefix("lines[").partition("].")
            out[_form_name(("lines", i, rest), lines)] = msg
        else:
            out[name] = msg
    failure.errors = out
    return failure


@router.get("/consignments/{id}/receipt", name="receipt_form")
def receipt_page(request: Request, session: DbSession, id: RowId) -> Response:
    return render(request, "delivery/receipt.html", _context(request, session, id))


@router.post("/consignments/{id}/receipt", name="receipt_record")
def receipt_record(request: Request, session: DbSession, id: RowId, form: PostedForm) -> Response:
    lines = consignment_lines(session, receipts.visible_consignment(session, id).id)
    result = submit(session, lambda: receipts.record_receipt(session, id, _parse(form, lines)))
    if isinstance(result, Failure):
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        context = _context(request, session, id, values, _rename(result, lines))
        return render(request, "delivery/receipt.html", context, status=result.status)
    return RedirectResponse(f"/consignments/{id}/receipt", status_code=303)


@router.post("/consignments/{id}/receipt/verify", name="receipt_verify")
def receipt_verify(request: Request, session: DbSession, id: RowId, form: PostedForm) -> Response:
    version = str(form.get("version") or "")
    result = submit(
        session,
        lambda: receipts.verify_receipt(
            session, id, version=int(version) if version.isdigit() else 0
        ),
    )
    if isinstance(result, Failure):
        context = _context(request, session, id, None, result)
        return render(request, "delivery/receipt.html", context, status=result.status)
    return RedirectResponse(f"/consignments/{id}/receipt", status_code=303)


@router.post("/consignments/{id}/discrepancies", name="discrepancy_report")
async def discrepancy_report(
    request: Request, session: DbSession, id: RowId, form: PostedForm
) -> Response:
    file = form.get("file")
    content = b""
    filename = ""
    if isinstance(file, UploadFile) and file.filename:
        limit: int = request.app.state.settings.attachment_max_bytes
        content, filename = await file.read(limit + 1), file.filename
    return _report(request, session, id, form, content, filename)


def _report(
    request: Request, session: Session, id: int, form: Any, content: bytes, filename: str
) -> Response:
    """Create the report and attach its file, in one transaction: a refused file stores neither."""
    limit: int = request.app.state.settings.attachment_max_bytes

    def create() -> Any:
        try:
            data = s.DiscrepancyCreate.model_validate(
                {
                    "consignment_id": id,
                    "reason": form.get("reason") or None,
                    "description": (form.get("description") or "").strip(),
                }
            )
        except ValidationError as exc:
            raise FormInvalid(
                {str(e["loc"][0]) if e.get("loc") else FORM: str(e["msg"]) for e in exc.errors()}
            ) from None
        report = discrepancies.create_report(session, data)
        if filename:
            discrepancies.attach(
                session, report.id, filename=filename, content=content, max_bytes=limit
            )
        return report

    result = submit(session, create)
    if isinstance(result, Failure):
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        context = _context(request, session, id, None, None) | {
            "report_values": values,
            "report_failure": result,
        }
        return render(request, "delivery/receipt.html", context, status=result.status)
    return RedirectResponse(f"/consignments/{id}/receipt#discrepancies", status_code=303)


@router.get("/accountability", name="accountability")
def accountability_page(request: Request, session: DbSession) -> Response:
    params = {k: v for k, v in request.query_params.items() if k in ("as_of", "since", "days")}
    problems: dict[str, str] = {}
    today = dt.datetime.now(dt.UTC).date()
    try:
        as_of = dt.date.fromisoformat(params["as_of"]) if params.get("as_of") else today
    except ValueError:
        problems["as_of"] = "a date, YYYY-MM-DD"
        as_of = today
    since = params.get("since") or None
    if since is not None and not (
        len(since) == 7 and since[4] == "-" and since.replace("-", "").isdigit()
    ):
        problems["since"] = "a month, YYYY-MM"
        since = None
    default_days = request.app.state.settings.end_use_check_days
    raw_days = params.get("days") or str(default_days)
    days = int(raw_days) if raw_days.isdigit() and 1 <= int(raw_days) <= 3650 else 0
    if not days:
        problems["days"] = "a whole number of days from 1 to 3650"
        days = default_days
    report = serials.accountability(session, as_of=as_of, interval_days=days, since=since)
    context = {
        "report": report,
        "params": params | {"as_of": params.get("as_of") or as_of.isoformat(), "days": raw_days},
        "errors": problems,
        "mismatches": serials.mismatches(session),
    }
    return render_page_or_partial(
        request,
        "delivery/accountability.html",
        "delivery/_accountability.html",
        context,
        status=422 if problems else 200,
    )
