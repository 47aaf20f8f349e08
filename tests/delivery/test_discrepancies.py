"""Discrepancy reports and their attachments: recognised by content, size-limited, scoped."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy.orm import Session

from nsatu.core import filetypes
from nsatu.core.access import Actor, Role
from nsatu.core.lifecycles import DiscrepancyStatus
from nsatu.delivery import discrepancies, errors
from nsatu.delivery import schemas as s
from nsatu.errors import PermissionDenied, StaleVersion
from tests.delivery.world import RECORDER, as_actor, delivered

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
CSV = b"serial;state\nSN1;damaged\nSN2;missing\n"


def xlsx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "x")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "kind"),
    [
        (PNG, "photo.png", filetypes.PNG),
        (PDF, "form.PDF", filetypes.PDF),
        (JPEG, "photo.jpeg", filetypes.JPEG),
        (CSV, "count.csv", filetypes.CSV),
        (xlsx(), "count.xlsx", filetypes.XLSX),
    ],
)
def test_accepted_types_are_recognised_by_content(content: bytes, name: str, kind: str) -> None:
    assert filetypes.recognise(content, name).content_type == kind


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "x.pdf", "the file is empty"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "report.pdf", "not an accepted type by its content"),
        (PNG, "report.pdf", "the content is PNG but the name 'report.pdf' says otherwise"),
        (plain_zip(), "count.xlsx", "not an XLSX workbook"),
        (b"a,b\n1,2,3\n\x01", "count.csv", "not an accepted type"),
        (PDF + b"x" * 200, "big.pdf", "larger than the limit of 200 bytes"),
    ],
)
def test_refused_files_say_why(content: bytes, name: str, message: str) -> None:
    with pytest.raises(filetypes.FileRefused, match=message):
        filetypes.recognise(content, name, max_bytes=200)


def test_a_report_with_attachments(session: Session) -> None:
    d = delivered(session, "DISA", loaded=3)
    as_actor(session, RECORDER)
    report = discrepancies.create_report(
        session,
        s.DiscrepancyCreate(consignment_id=d.consignment_id, reason="damaged", description="crate"),
    )
    a = discrepancies.attach(session, report.id, filename="C:\\scans\\photo.png", content=PNG)
    assert (a.filename, a.content_type, a.size_bytes) == ("photo.png", filetypes.PNG, len(PNG))
    with pytest.raises(errors.AttachmentRefused) as exc:
        discrepancies.attach(session, report.id, filename="evil.pdf", content=b"#!/bin/sh\n\x00")
    assert exc.value.field == "file"
    read = discrepancies.read(session, report)
    assert [x.filename for x in read.attachments] == ["photo.png"]
    assert discrepancies.get_attachment(session, a.id).content == PNG
    with pytest.raises(StaleVersion):
        discrepancies.close_report(session, report.id, version=report.version + 1)
    discrepancies.close_report(session, report.id, version=report.version)
    assert report.status == DiscrepancyStatus.CLOSED


def test_who_may_report_and_who_sees(session: Session) -> None:
    d = delivered(session, "DISB", loaded=3)
    as_actor(session, RECORDER)
    report = discrepancies.create_report(
        session,
        s.DiscrepancyCreate(consignment_id=d.consignment_id, reason="missing", description="x"),
    )
    a = discrepancies.attach(session, report.id, filename="x.csv", content=CSV)
    as_actor(session, Actor(role=Role.AUDITOR, username="aud"))
    with pytest.raises(PermissionDenied):
        discrepancies.attach(session, report.id, filename="y.csv", content=CSV)
    # A hub operator of another hub does not see the consignment, so neither report nor file.
    other_hub = Actor(role=Role.HUB_OPERATOR, username="hub", site_id=10**6)
    as_actor(session, other_hub)
    session.expunge_all()
    with pytest.raises(errors.DiscrepancyNotFound):
        discrepancies.get_report(session, report.id)
    with pytest.raises(errors.AttachmentNotFound):
        discrepancies.get_attachment(session, a.id)
