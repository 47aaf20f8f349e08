"""Proof of delivery, discrepancy reports and attachments, the quantity ledger and serial
accountability over HTTP. Scoped like consignments (every record follows its consignment); the
services check who may write (``nsatu.core.access``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, Request, Response, UploadFile

from nsatu.delivery import discrepancies, ledger, receipts, serials
from nsatu.delivery import schemas as s
from nsatu.shared.schemas import Id
from nsatu.web.deps import DbSession, PathId

router = APIRouter(tags=["delivery"])

SerialPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^;\s/]+$")]
Period = Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


# --- Proof of delivery -------------------------------------------------------------------------


@router.get("/consignments/{id}/receipt", response_model=s.ReceiptRead, summary="Proof of delivery")
def read_receipt(session: DbSession, id: PathId) -> Any:
    return receipts.read(session, receipts.get_receipt(session, id))


@router.post(
    "/consignments/{id}/receipt",
    response_model=s.ReceiptRead,
    status_code=201,
    summary="Record the proof of delivery of a handed-over consignment",
)
def record_receipt(session: DbSession, id: PathId, data: s.ReceiptCreate) -> Any:
    return receipts.read(session, receipts.record_receipt(session, id, data))


@router.patch(
    "/consignments/{id}/receipt",
    response_model=s.ReceiptRead,
    summary="Correct a proof of delivery not yet verified",
)
def update_receipt(session: DbSession, id: PathId, data: s.ReceiptUpdate) -> Any:
    return receipts.read(session, receipts.update_receipt(session, id, data))


@router.post(
    "/consignments/{id}/receipt/verify",
    response_model=s.ReceiptRead,
    summary="Verify a proof of delivery (by another user than the one who recorded it)",
)
def verify_receipt(session: DbSession, id: PathId, data: s.VersionRequest) -> Any:
    return receipts.read(session, receipts.verify_receipt(session, id, version=data.version))


@router.post(
    "/consignments/{id}/repair-serials",
    response_model=list[str],
    status_code=201,
    summary="Link delivered serials to a repair consignment (out or back)",
)
def link_repair(session: DbSession, id: PathId, data: s.RepairSerialsIn) -> Any:
    return [r.serial for r in serials.link_repair(session, id, data)]


# --- Ledger ------------------------------------------------------------------------------------


@router.get("/offers/{id}/ledger", response_model=s.LedgerRead, summary="An offer line's ledger")
def offer_ledger(session: DbSession, id: PathId) -> Any:
    return ledger.offer_ledger(session, id).as_dict()


@router.get("/needs/{id}/ledger", response_model=s.LedgerRead, summary="A need's ledger")
def need_ledger(session: DbSession, id: PathId) -> Any:
    return ledger.need_ledger(session, id).as_dict()


# --- Discrepancy reports -----------------------------------------------------------------------


@router.get("/discrepancies", response_model=list[s.DiscrepancyRead], summary="Discrepancy reports")
def list_discrepancies(
    session: DbSession, consignment_id: Annotated[Id | None, Query()] = None
) -> Any:
    return [
        discrepancies.read(session, r) for r in discrepancies.list_reports(session, consignment_id)
    ]


@router.post(
    "/discrepancies",
    response_model=s.DiscrepancyRead,
    status_code=201,
    summary="Report a discrepancy on a consignment",
)
def create_discrepancy(session: DbSession, data: s.DiscrepancyCreate) -> Any:
    return discrepancies.read(session, discrepancies.create_report(session, data))


@router.get("/discrepancies/{id}", response_model=s.DiscrepancyRead, summary="A discrepancy report")
def read_discrepancy(session: DbSession, id: PathId) -> Any:
    return discrepancies.read(session, discrepancies.get_report(session, id))


@router.post(
    "/discrepancies/{id}/close",
    response_model=s.DiscrepancyRead,
    summary="Close a discrepancy report (resolved)",
)
def close_discrepancy(session: DbSession, id: PathId, data: s.VersionRequest) -> Any:
    report = discrepancies.close_report(session, id, version=data.version)
    return discrepancies.read(session, report)


@router.post(
    "/discrepancies/{id}/attachments",
    response_model=s.AttachmentRead,
    status_code=201,
    summary="Attach a file (PDF, PNG, JPEG, CSV or XLSX, recognised by content)",
)
async def attach(
    request: Request, session: DbSession, id: PathId, file: Annotated[UploadFile, File()]
) -> Any:
    limit: int = request.app.state.settings.attachment_max_bytes
    # Read one byte past the limit: enough to refuse a larger file without holding all of it.
    content = await file.read(limit + 1)
    att = discrepancies.attach(
        session, id, filename=file.filename or "", content=content, max_bytes=limit
    )
    return s.AttachmentRead.model_validate(att)


@router.get(
    "/attachments/{id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the file"}},
    summary="Download an attachment",
)
def download_attachment(session: DbSession, id: PathId) -> Response:
    att = discrepancies.get_attachment(session, id)
    return Response(
        content=att.content,
        media_type=att.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{att.filename.replace(chr(34), "")}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


# --- Serial accountability ---------------------------------------------------------------------


@router.post(
    "/end-use-checks",
    response_model=s.EndUseCheckRead,
    status_code=201,
    summary="Record an end-use check of a delivered serial",
)
def record_check(session: DbSession, data: s.EndUseCheckCreate) -> Any:
    return s.EndUseCheckRead.model_validate(serials.record_check(session, data))


@router.get(
    "/serials/{serial}/history",
    response_model=s.SerialHistory,
    summary="A serial's chain: delivery, end-use checks, repairs",
)
def serial_history(session: DbSession, serial: SerialPath) -> Any:
    return serials.history(session, serial)


@router.get(
    "/serial-mismatches",
    response_model=list[s.SerialMismatch],
    summary="Consignments whose serials handed over differ from those loaded",
)
def serial_mismatches(
    session: DbSession, consignment_id: Annotated[Id | None, Query()] = None
) -> Any:
    return serials.mismatches(session, consignment_id)


@router.get(
    "/accountability",
    response_model=s.AccountabilityReport,
    summary="Share of serials verified by item type and month; overdue end-use checks",
)
def accountability(
    request: Request,
    session: DbSession,
    as_of: Annotated[
        dt.date | None, Query(ge=dt.date(2000, 1, 1), le=dt.date(2999, 12, 31))
    ] = None,
    since: Period | None = None,
    interval_days: Annotated[int | None, Query(ge=1, le=3650)] = None,
) -> Any:
    days = interval_days or request.app.state.settings.end_use_check_days
    return serials.accountability(
        session, as_of=as_of or dt.datetime.now(dt.UTC).date(), interval_days=days, since=since
    )
