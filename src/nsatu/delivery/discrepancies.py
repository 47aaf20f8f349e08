"""Discrepancy reports and their attachments.

Attachments are stored in the database (``discrepancy_attachment.content``), not on disk: they are
written and rolled back with the report in the request's one transaction, scoped by the same
need-to-know rule as their consignment, recorded by the audit trail, and backed up with the rest.
Files are small evidence (a photo, a scanned form), limited to
:data:`nsatu.core.filetypes.MAX_ATTACHMENT_BYTES`, and recognised by content.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.access import may_report_discrepancy
from nsatu.core.filetypes import MAX_ATTACHMENT_BYTES, FileRefused, recognise
from nsatu.core.lifecycles import DISCREPANCY
from nsatu.db.models import DiscrepancyAttachment, DiscrepancyReport
from nsatu.db.repository import check_version, flush
from nsatu.delivery import errors
from nsatu.delivery import schemas as s
from nsatu.delivery.receipts import current_actor, visible_consignment
from nsatu.errors import PermissionDenied


def _may_report(session: Session) -> str:
    actor = current_actor(session)
    if not may_report_discrepancy(actor):
        raise PermissionDenied(
            "discrepancies are reported by coordinators, the recipient's planners and hub operators"
        )
    return actor.username


def create_report(session: Session, data: s.DiscrepancyCreate) -> DiscrepancyReport:
    visible_consignment(session, data.consignment_id)
    username = _may_report(session)
    obj = DiscrepancyReport(
        consignment_id=data.consignment_id,
        reason=data.reason,
        description=data.description,
        reported_by=username,
    )
    session.add(obj)
    flush(session, "discrepancy report")
    return obj


def get_report(session: Session, report_id: int) -> DiscrepancyReport:
    obj = session.get(DiscrepancyReport, report_id)
    if obj is None:
        raise errors.DiscrepancyNotFound(f"discrepancy report {report_id} not found")
    return obj


def list_reports(session: Session, consignment_id: int | None = None) -> list[DiscrepancyReport]:
    stmt = select(DiscrepancyReport).order_by(DiscrepancyReport.id)
    if consignment_id is not None:
        stmt = stmt.where(DiscrepancyReport.consignment_id == consignment_id)
    return list(session.scalars(stmt))


def attachments(session: Session, report_id: int) -> list[DiscrepancyAttachment]:
    stmt = (
        select(DiscrepancyAttachment)
        .where(DiscrepancyAttachment.report_id == report_id)
        .order_by(DiscrepancyAttachment.id)
    )
    return list(session.scalars(stmt))


def read(session: Session, obj: DiscrepancyReport) -> s.DiscrepancyRead:
    return s.DiscrepancyRead.model_validate(
        {
            **{c: getattr(obj, c) for c in s.DiscrepancyRead.model_fields if c != "attachments"},
            "attachments": [
                s.AttachmentRead.model_validate(a) for a in attachments(session, obj.id)
            ],
        }
    )


def close_report(session: Session, report_id: int, *, version: int) -> DiscrepancyReport:
    obj = get_report(session, report_id)
    _may_report(session)
    check_version(obj, version, label=f"discrepancy report {report_id}")
    obj.status = DISCREPANCY.apply(obj.status, "close")
    flush(session, f"discrepancy report {report_id}")
    return obj


def attach(
    session: Session,
    report_id: int,
    *,
    filename: str,
    content: bytes,
    max_bytes: int = MAX_ATTACHMENT_BYTES,
) -> DiscrepancyAttachment:
    """Attach a file to a report, recognised by its content (422 naming ``file`` otherwise)."""
    report = get_report(session, report_id)
    username = _may_report(session)
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or len(name) > 200 or "\x00" in name:
        raise errors.AttachmentRefused(
            "file: give the file a name of 1 to 200 characters", field="file"
        )
    try:
        kind = recognise(content, name, max_bytes=max_bytes)
    except FileRefused as exc:
        raise errors.AttachmentRefused(str(exc), field="file") from None
    obj = DiscrepancyAttachment(
        report_id=report.id,
        consignment_id=report.consignment_id,
        filename=name,
        content_type=kind.content_type,
        size_bytes=kind.size,
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=username,
    )
    session.add(obj)
    flush(session, "attachment")
    return obj


def get_attachment(session: Session, attachment_id: int) -> DiscrepancyAttachment:
    obj = session.get(DiscrepancyAttachment, attachment_id)
    if obj is None:
        raise errors.AttachmentNotFound(f"attachment {attachment_id} not found")
    return obj
