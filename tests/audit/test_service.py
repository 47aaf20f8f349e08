"""The audit domain: who may read the log, filters, and exports (CSV formula guard, XLSX, JSON that
can be re-verified elsewhere)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook
from pydantic import ValidationError
from sqlalchemy.orm import Session

from nsatu.audit import service as audit_service
from nsatu.audit.errors import AuditEntryNotFound, AuditLogNotFound
from nsatu.audit.schemas import AuditFilter, AuditSelection, ExportFormat
from nsatu.core.access import Actor, Channel, Role
from nsatu.core.audit_chain import verify
from nsatu.db.scoping import set_actor
from nsatu.needs import service as need_service
from tests.audit.conftest import log
from tests.factories import make_nation, make_requirement


def actor(role: Role, username: str = "someone") -> Actor:
    return Actor(role=role, username=username, nation_id=1, site_id=1, user_id=3)


def history(session: Session) -> None:
    """Entries by two users: alice creates two nations and a need, bob submits the need."""
    set_actor(session, actor(Role.COORDINATOR, "alice"))
    make_nation(session, name="First")
    make_nation(session, name="Second")
    need = make_requirement(session)
    set_actor(session, Actor(role=Role.COORDINATOR, username="bob", channel=Channel.WEB))
    need_service.act_on_requirement(session, need.id, "submit")
    set_actor(session, None)


# --- who may read ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.COORDINATOR])
def test_auditors_and_coordinators_read_the_log(session: Session, role: Role) -> None:
    history(session)
    set_actor(session, actor(role))
    assert audit_service.list_entries(session, AuditFilter()).total == len(log(session))
    assert audit_service.get_entry(session, 1).seq == 1
    assert audit_service.verify_chain(session).ok
    out = io.BytesIO()
    assert audit_service.export_entries(session, out, ExportFormat.JSON, AuditSelection()).exported


@pytest.mark.parametrize("role", sorted(set(Role) - {Role.AUDITOR, Role.COORDINATOR}))
def test_everyone_else_is_told_the_log_does_not_exist(session: Session, role: Role) -> None:
    history(session)
    set_actor(session, actor(role))
    calls = [
        lambda: audit_service.list_entries(session, AuditFilter()),
        lambda: audit_service.get_entry(session, 1),
        lambda: audit_service.verify_chain(session),
        lambda: audit_service.export_entries(
            session, io.BytesIO(), ExportFormat.CSV, AuditSelection()
        ),
        lambda: list(audit_service.entries(session, AuditSelection())),
    ]
    for call in calls:
        with pytest.raises(AuditLogNotFound) as exc:
            call()
        # The same answer as a route that does not exist.
        assert exc.value.to_dict() == {"error": "not_found", "detail": "Not Found"}


def test_a_missing_entry_is_a_404_for_a_reader(session: Session) -> None:
    with pytest.raises(AuditEntryNotFound):
        audit_service.get_entry(session, 12345)


# --- filters -------------------------------------------------------------------------------------


def seqs(session: Session, **criteria: object) -> list[int]:
    page = audit_service.list_entries(session, AuditFilter.model_validate(criteria))
    return [e.seq for e in page.items]


def test_filters_by_record_user_action_and_time(session: Session) -> None:
    history(session)
    entries = log(session)
    need = entries[-1]
    assert seqs(session) == [e.seq for e in reversed(entries)]  # newest first
    assert seqs(session, sort="seq") == [e.seq for e in entries]
    assert seqs(session, entity="requirement", entity_id=need.entity_id) == [
        e.seq for e in reversed(entries) if e.entity == "requirement"
    ]
    assert seqs(session, user="bob") == [need.seq]
    assert seqs(session, action="transition") == [need.seq]
    assert seqs(session, action="transition:submit") == [need.seq]
    assert seqs(session, action="transition:approve") == []
    assert len(seqs(session, action="create")) == len(entries) - 1
    assert seqs(session, since=need.at.isoformat()) == [
        e.seq for e in reversed(entries) if e.at >= need.at
    ]
    assert seqs(session, until=entries[0].at.isoformat()) == []
    later = need.at + dt.timedelta(seconds=1)
    assert seqs(session, since=later.isoformat()) == []
    assert seqs(session, size=2, page=2) == [e.seq for e in reversed(entries)][2:4]


def test_times_without_a_zone_are_utc_and_an_empty_window_is_refused() -> None:
    f = AuditSelection(since=dt.datetime(2026, 1, 1), until="2026-01-02T00:00")  # noqa: DTZ001
    assert f.since == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert f.until == dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    with pytest.raises(ValidationError, match="until"):
        AuditSelection(since="2026-01-02T00:00Z", until="2026-01-01T00:00Z")


# --- export -------------------------------------------------------------------------------------


HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"]


def test_csv_export_disarms_formulas(session: Session) -> None:
    for name in HOSTILE:
        set_actor(session, Actor(role=Role.COORDINATOR, username=name))
        make_nation(session, name=name)
    set_actor(session, None)
    out = io.BytesIO()
    result = audit_service.export_entries(session, out, ExportFormat.CSV, AuditSelection())
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert result.exported == len(rows) == len(HOSTILE)
    assert [r["username"] for r in rows] == ["'" + name for name in HOSTILE]
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@")), cell
        assert json.loads(row["after"])["name"] in HOSTILE


def test_xlsx_export_writes_text_cells(session: Session) -> None:
    set_actor(session, Actor(role=Role.COORDINATOR, username="=1+1"))
    make_nation(session)
    set_actor(session, None)
    out = io.BytesIO()
    audit_service.export_entries(session, out, ExportFormat.XLSX, AuditSelection())
    sheet = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["seq", "at", "username"]
    assert sheet.max_row == 2
    cell = sheet.cell(row=2, column=3)
    assert (cell.value, cell.data_type) == ("=1+1", "s")


def test_json_export_can_be_verified_elsewhere(session: Session) -> None:
    history(session)
    out = io.BytesIO()
    audit_service.export_entries(session, out, ExportFormat.JSON, AuditSelection())
    document = json.loads(out.getvalue())
    exported = document["entries"]
    assert [e["seq"] for e in exported] == [e.seq for e in log(session)]
    # The file alone is enough: every field is there as it was hashed.
    assert verify(exported) is None
    exported[1]["username"] = "mallory"
    broken = verify(exported)
    assert broken is not None and broken.seq == 2


def test_export_follows_the_selection(session: Session) -> None:
    history(session)
    out = io.BytesIO()
    result = audit_service.export_entries(
        session, out, ExportFormat.JSON, AuditSelection(user="bob")
    )
    assert result.exported == 1
    assert [e["username"] for e in json.loads(out.getvalue())["entries"]] == ["bob"]


def test_an_xlsx_export_survives_control_characters_in_its_filters(session: Session) -> None:
    """Filters are echoed on the About sheet; a control character there must not break the file."""
    out = io.BytesIO()
    audit_service.export_entries(
        session, out, ExportFormat.XLSX, AuditSelection(entity="\x01offer\x0b")
    )
    wb = load_workbook(io.BytesIO(out.getvalue()))
    about = " ".join(str(c.value) for row in wb["About"].iter_rows() for c in row if c.value)
    assert "offer" in about
    assert "\x01" not in about
