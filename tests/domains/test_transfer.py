"""Spreadsheet import and export of offers and needs (service level, on every backend)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.enums import OfferKind, OrganisationKind, Releasability, ValuationBasis
from nsatu.core.lifecycles import OfferStage, RequirementStatus
from nsatu.db.models import (
    CapabilityArea,
    ItemType,
    Nation,
    OfferLine,
    Organisation,
    Requirement,
    Site,
)
from nsatu.db.session import transaction
from nsatu.errors import Conflict
from nsatu.needs.schemas import RequirementFilter
from nsatu.offers import service as offer_service
from nsatu.offers.schemas import OfferFilter
from nsatu.reference.errors import NationNotFound
from nsatu.transfer import service as transfer_service
from nsatu.transfer import sheets
from nsatu.transfer.columns import NEED_COLUMNS, OFFER_COLUMNS, CellError, CellKind, parse_cell
from nsatu.transfer.errors import ImportRejected, UnreadableFile, UnsupportedFormat
from nsatu.transfer.schemas import Format, RowError
from tests.factories import make_item_type, make_nation, make_offer, make_requirement, make_site

OFFER_HEADER = [c.name for c in OFFER_COLUMNS]


def excel_dt(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A cell datetime as openpyxl gives it: Excel has no time zones, so it is naive."""
    return dt.datetime.combine(dt.date(year, month, day), dt.time(hour, minute))


NEED_HEADER = [c.name for c in NEED_COLUMNS]

# --- shared builders (also used by the CLI tests) ---------------------------------------------


@dataclass(frozen=True)
class Ref:
    donor: Nation
    other: Nation
    area: CapabilityArea
    item: ItemType
    site: Site
    organisation: Organisation


def seed_reference(session: Session) -> Ref:
    donor = make_nation(session)
    other = make_nation(session)
    item = make_item_type(session)
    area = session.get(CapabilityArea, item.capability_area_id)
    assert area is not None
    site = make_site(session, nation=donor)
    org = Organisation(
        name="Ministry of Defence", kind=OrganisationKind.MINISTRY, nation_id=donor.id
    )
    session.add(org)
    session.flush()
    return Ref(donor=donor, other=other, area=area, item=item, site=site, organisation=org)


def offer_row(ref: Ref, i: int) -> dict[str, Any]:
    """A valid offer row as CSV text."""
    return {
        "reference": f"IMP-{i:03d}",
        "donor": ref.donor.code,
        "channel": "bilateral",
        "kind": "in_kind_stock",
        "item_type": ref.item.code,
        "description": f"Generator sets, batch {i}",
        "quantity": str(10 + i),
        "announced_on": "2025-01-15",
        "origin_site": ref.site.code,
        "currency": "EUR",
        "value_amount": f"{1000 + i}.50",
        "eur_rate": "1",
        "eur_rate_on": "2025-01-15",
        "valuation_basis": "donor_declared",
        "releasability": "coalition",
        "source": "test",
        "source_ref": f"T-{i}",
    }


def offer_rows(ref: Ref, n: int) -> list[dict[str, Any]]:
    return [offer_row(ref, i) for i in range(1, n + 1)]


def need_row(ref: Ref, i: int) -> dict[str, Any]:
    return {
        "reference": f"NEED-{i:03d}",
        "title": f"Generator sets for region {i}",
        "capability_area": ref.area.code,
        "item_type": ref.item.code,
        "quantity_requested": str(20 + i),
        "quantity_approved": str(10 + i),
        "priority": str(1 + i % 3),
        "rank": str(i),
        "period": "2025-03",
        "needed_by_on": "2025-04-30",
        "destination_site": ref.site.code,
        "justification": "winter readiness",
        "releasability": "coalition",
    }


def to_csv(
    rows: Sequence[dict[str, Any]],
    header: Sequence[str] | None = None,
    *,
    bom: bool = False,
    delimiter: str = ",",
) -> bytes:
    header = list(header or rows[0].keys())
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows([row.get(h, "") for h in header] for row in rows)
    return buf.getvalue().encode("utf-8-sig" if bom else "utf-8")


def to_xlsx(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_offer_row(ref: Ref, i: int) -> list[Any]:
    """A valid offer row with real Excel numbers and dates."""
    return [
        f"IMP-{i:03d}",
        ref.donor.code,
        "in_kind_stock",
        ref.item.code,
        f"Generator sets, batch {i}",
        10 + i,
        excel_dt(2025, 1, 15),
        Decimal("1000.5") + i,
        "EUR",
    ]


XLSX_OFFER_HEADER = [
    "reference",
    "donor",
    "kind",
    "item_type",
    "description",
    "quantity",
    "announced_on",
    "value_amount",
    "currency",
]


def count(session: Session, model: type[Any]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def ref(session: Session) -> Ref:
    return seed_reference(session)


def rejected(
    session: Session, data: bytes, fmt: Format = Format.CSV, *, needs: bool = False
) -> list[RowError]:
    run = transfer_service.import_needs if needs else transfer_service.import_offers
    with pytest.raises(ImportRejected) as exc:
        run(session, data, fmt)
    return exc.value.errors


# --- import offers: the acceptance cases ---------------------------------------------------------


def test_a_valid_100_row_csv_imports_every_row(session: Session, ref: Ref) -> None:
    before = count(session, OfferLine)
    result = transfer_service.import_offers(session, to_csv(offer_rows(ref, 100)), Format.CSV)
    assert (result.rows, result.imported, result.dry_run) == (100, 100, False)
    assert count(session, OfferLine) == before + 100
    line = session.scalars(select(OfferLine).where(OfferLine.reference == "IMP-057")).one()
    assert line.donor_nation_id == ref.donor.id
    assert line.item_type_id == ref.item.id
    assert line.origin_site_id == ref.site.id
    assert line.quantity == Decimal(67)
    assert line.value_amount == Decimal("1057.50")
    assert line.announced_on == dt.date(2025, 1, 15)
    assert line.valuation_basis is ValuationBasis.DONOR_DECLARED
    assert (line.source, line.source_ref) == ("test", "T-57")
    assert line.stage is OfferStage.ANNOUNCED


def test_one_bad_cell_in_100_csv_rows_names_row_and_column_and_writes_nothing(
    session: Session, ref: Ref
) -> None:
    rows = offer_rows(ref, 100)
    rows[55]["quantity"] = "abc"  # data row 56 is spreadsheet row 57 (the header is row 1)
    before = count(session, OfferLine)
    errors = rejected(session, to_csv(rows))
    assert errors == [RowError(row=57, column="quantity", value="abc", message="not a number")]
    assert count(session, OfferLine) == before


def test_one_bad_cell_in_100_xlsx_rows_names_row_and_column_and_writes_nothing(
    session: Session, ref: Ref
) -> None:
    rows = [xlsx_offer_row(ref, i) for i in range(1, 101)]
    rows[55][XLSX_OFFER_HEADER.index("quantity")] = "abc"
    before = count(session, OfferLine)
    errors = rejected(session, to_xlsx(XLSX_OFFER_HEADER, rows), Format.XLSX)
    assert errors == [RowError(row=57, column="quantity", value="abc", message="not a number")]
    assert count(session, OfferLine) == before


def test_a_valid_100_row_xlsx_with_excel_dates_and_numbers_imports_every_row(
    session: Session, ref: Ref
) -> None:
    rows = [xlsx_offer_row(ref, i) for i in range(1, 101)]
    result = transfer_service.import_offers(session, to_xlsx(XLSX_OFFER_HEADER, rows), Format.XLSX)
    assert result.imported == 100
    line = session.scalars(select(OfferLine).where(OfferLine.reference == "IMP-100")).one()
    assert line.quantity == Decimal(110)
    assert line.value_amount == Decimal("1100.50")
    assert line.announced_on == dt.date(2025, 1, 15)


def test_every_bad_row_is_reported_not_only_the_first(session: Session, ref: Ref) -> None:
    rows = offer_rows(ref, 5)
    rows[0]["donor"] = "XXX"
    rows[2]["announced_on"] = "15/01/2025"
    rows[2]["kind"] = "gift"
    rows[4]["value_amount"] = "1,5"
    errors = rejected(session, to_csv(rows))
    assert [(e.row, e.column) for e in errors] == [
        (2, "donor"),
        (4, "kind"),
        (4, "announced_on"),
        (6, "value_amount"),
    ]
    assert errors[0].value == "XXX"
    assert "unknown nation code 'XXX'" in errors[0].message
    assert "in_kind_stock" in errors[1].message  # the schema names the allowed values
    assert errors[2].message == "expected a date as YYYY-MM-DD"
    assert "dot" in errors[3].message


def test_an_unknown_donor_is_reported_on_the_donor_column(session: Session, ref: Ref) -> None:
    rows = offer_rows(ref, 3)
    rows[1]["donor"] = "ZZZ"
    errors = rejected(session, to_csv(rows))
    # The donor is required: its missing id must not be reported a second time.
    assert [(e.row, e.column, e.value) for e in errors] == [(3, "donor", "ZZZ")]


def test_codes_match_ignoring_case(session: Session, ref: Ref) -> None:
    row = offer_row(ref, 1) | {"donor": ref.donor.code.lower(), "item_type": ref.item.code.upper()}
    transfer_service.import_offers(session, to_csv([row]), Format.CSV)
    line = session.scalars(select(OfferLine).where(OfferLine.reference == "IMP-001")).one()
    assert (line.donor_nation_id, line.item_type_id) == (ref.donor.id, ref.item.id)


def test_unknown_and_missing_columns_are_named_in_row_1(session: Session, ref: Ref) -> None:
    row = offer_row(ref, 1)
    del row["kind"]
    row["colour"] = "green"
    row["descripton"] = row.pop("description")
    errors = rejected(session, to_csv([row]))
    assert {(e.row, e.column) for e in errors} == {
        (1, "colour"),
        (1, "descripton"),
        (1, "kind"),
        (1, "description"),
    }
    by_column = {e.column: e.message for e in errors}
    assert "did you mean 'description'" in by_column["descripton"]
    assert "missing" in by_column["kind"]


def test_human_headers_and_bom_and_semicolons_are_accepted(session: Session, ref: Ref) -> None:
    rows = [{k.replace("_", " ").title(): v for k, v in offer_row(ref, i).items()} for i in (1, 2)]
    result = transfer_service.import_offers(
        session, to_csv(rows, bom=True, delimiter=";"), Format.CSV
    )
    assert result.imported == 2


def test_duplicates_in_the_file_and_in_the_database_are_rejected(
    session: Session, ref: Ref
) -> None:
    make_offer(session, donor=ref.donor, reference="OLD-1", source="test", source_ref="S-OLD")
    rows = offer_rows(ref, 4)
    rows[1]["reference"] = "IMP-001"
    rows[2]["reference"] = "OLD-1"
    rows[3]["source_ref"] = "T-2"
    rows[0]["source_ref"] = "S-OLD"
    errors = rejected(session, to_csv(rows))
    assert [(e.row, e.column) for e in errors] == [
        (2, "source_ref"),
        (3, "reference"),
        (4, "reference"),
        (5, "source_ref"),
    ]
    assert "already stored" in errors[0].message
    assert "already used on row 2" in errors[1].message
    assert "already exists" in errors[2].message
    assert errors[3].message == "test 'T-2' is already used on row 3"


def test_a_parent_is_found_in_the_database_or_on_an_earlier_row(session: Session, ref: Ref) -> None:
    stored = make_offer(session, donor=ref.donor, reference="PKG-DB")
    rows = offer_rows(ref, 3)
    rows[1]["parent_reference"] = "IMP-001"  # earlier row
    rows[2]["parent_reference"] = "PKG-DB"
    transfer_service.import_offers(session, to_csv(rows, OFFER_HEADER), Format.CSV)
    lines = {
        line.reference: line
        for line in session.scalars(select(OfferLine).where(OfferLine.reference.like("IMP-%")))
    }
    assert lines["IMP-002"].parent_id == lines["IMP-001"].id
    assert lines["IMP-003"].parent_id == stored.id


def test_bad_parent_references_are_rejected(session: Session, ref: Ref) -> None:
    make_offer(session, donor=ref.other, reference="OTHER-DONOR")
    rows = offer_rows(ref, 4)
    rows[0]["parent_reference"] = "IMP-002"  # a later row
    rows[1]["parent_reference"] = "IMP-002"  # itself
    rows[2]["parent_reference"] = "NOWHERE"
    rows[3]["parent_reference"] = "OTHER-DONOR"
    errors = rejected(session, to_csv(rows))
    assert [(e.row, e.column) for e in errors] == [(r, "parent_reference") for r in (2, 3, 4, 5)]
    messages = [e.message for e in errors]
    assert "later row (3)" in messages[0]
    assert "own parent" in messages[1]
    assert "no offer 'NOWHERE'" in messages[2]
    assert "another donor" in messages[3]


def test_the_organisation_is_found_by_name_within_the_donor(session: Session, ref: Ref) -> None:
    good = offer_row(ref, 1) | {"donor_organisation": "ministry of defence"}
    transfer_service.import_offers(session, to_csv([good]), Format.CSV)
    line = session.scalars(select(OfferLine).where(OfferLine.reference == "IMP-001")).one()
    assert line.donor_organisation_id == ref.organisation.id

    wrong = offer_row(ref, 2) | {
        "donor": ref.other.code,
        "donor_organisation": "Ministry of Defence",
    }
    errors = rejected(session, to_csv([wrong]))
    assert [(e.column, e.message) for e in errors] == [
        ("donor_organisation", "organisation 'Ministry of Defence' belongs to another nation")
    ]


def test_cross_field_rules_of_the_schema_name_their_column(session: Session, ref: Ref) -> None:
    no_currency = offer_row(ref, 1) | {"currency": "", "eur_rate": ""}
    delivered = offer_row(ref, 2) | {"quantity_delivered": "999"}
    errors = rejected(session, to_csv([no_currency, delivered], OFFER_HEADER))
    assert [(e.row, e.column, e.message) for e in errors] == [
        (2, "currency", "required when value_amount is given"),
        (3, "quantity_delivered", "cannot exceed quantity"),
    ]


def test_an_empty_required_cell_is_reported_once(session: Session, ref: Ref) -> None:
    errors = rejected(session, to_csv([offer_row(ref, 1) | {"description": "  "}]))
    assert [(e.row, e.column, e.message) for e in errors] == [
        (2, "description", "required: the cell is empty")
    ]


def test_a_value_without_a_header_is_an_error(session: Session, ref: Ref) -> None:
    data = to_csv([offer_row(ref, 1)]).decode().splitlines()
    data[1] += ",stray"
    errors = rejected(session, "\n".join(data).encode())
    assert [(e.row, e.column, e.value) for e in errors] == [(2, "column R", "stray")]


def test_a_dry_run_validates_but_writes_nothing(session: Session, ref: Ref) -> None:
    before = count(session, OfferLine)
    result = transfer_service.import_offers(
        session, to_csv(offer_rows(ref, 10)), Format.CSV, dry_run=True
    )
    assert (result.rows, result.imported, result.dry_run) == (10, 0, True)
    assert count(session, OfferLine) == before


def test_progress_is_reported_per_row(session: Session, ref: Ref) -> None:
    seen: list[tuple[str, int, int]] = []
    transfer_service.import_offers(
        session, to_csv(offer_rows(ref, 3)), Format.CSV, progress=lambda *a: seen.append(a)
    )
    assert seen == [("checking", i, 3) for i in (1, 2, 3)] + [("writing", i, 3) for i in (1, 2, 3)]


def test_a_failure_while_writing_rolls_the_whole_file_back(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(session_factory) as s:
        ref = seed_reference(s)
        before = count(s, OfferLine)
    original = offer_service.create_offer
    written: list[str] = []

    def fails_on_row_61(session: Session, data: Any) -> OfferLine:
        if data.reference == "IMP-060":
            raise Conflict("simulated write failure", field="reference")
        line = original(session, data)
        written.append(line.reference)
        return line

    monkeypatch.setattr(offer_service, "create_offer", fails_on_row_61)
    with pytest.raises(ImportRejected) as exc, transaction(session_factory) as s:
        transfer_service.import_offers(s, to_csv(offer_rows(ref, 100)), Format.CSV)
    assert len(written) == 59  # rows before the failure were flushed ...
    assert [(e.row, e.column) for e in exc.value.errors] == [(61, "reference")]
    assert "simulated write failure" in exc.value.errors[0].message
    with session_factory() as s:
        assert count(s, OfferLine) == before  # ... and rolled back with the transaction


# --- import needs --------------------------------------------------------------------------------


def test_valid_needs_import(session: Session, ref: Ref) -> None:
    before = count(session, Requirement)
    rows = [need_row(ref, i) for i in range(1, 31)] + [need_row(ref, 31) | {"synthetic": "yes"}]
    result = transfer_service.import_needs(session, to_csv(rows, NEED_HEADER), Format.CSV)
    assert result.imported == 31
    assert count(session, Requirement) == before + 31
    need = session.scalars(select(Requirement).where(Requirement.reference == "NEED-007")).one()
    assert need.capability_area_id == ref.area.id
    assert need.destination_site_id == ref.site.id
    assert (need.quantity_requested, need.quantity_approved) == (Decimal(27), Decimal(17))
    assert (need.priority, need.rank, need.period) == (2, 7, "2025-03")
    assert need.status is RequirementStatus.DRAFT
    assert need.is_synthetic is False
    synthetic = session.scalars(
        select(Requirement).where(Requirement.reference == "NEED-031")
    ).one()
    assert synthetic.is_synthetic is True


def test_one_bad_need_rejects_the_file(session: Session, ref: Ref) -> None:
    rows = [need_row(ref, i) for i in range(1, 41)]
    rows[20]["priority"] = "high"
    rows[30]["capability_area"] = "no-such-area"
    rows[35]["quantity_approved"] = "500"
    before = count(session, Requirement)
    errors = rejected(session, to_csv(rows), needs=True)
    assert [(e.row, e.column, e.value) for e in errors] == [
        (22, "priority", "high"),
        (32, "capability_area", "no-such-area"),
        (37, "quantity_approved", "500"),
    ]
    assert errors[0].message == "expected a whole number"
    assert errors[2].message == "cannot exceed quantity_requested"
    assert count(session, Requirement) == before


def test_needs_from_xlsx_accept_a_period_excel_turned_into_a_date(
    session: Session, ref: Ref
) -> None:
    header = [
        "title",
        "capability_area",
        "quantity_requested",
        "priority",
        "period",
        "needed_by_on",
    ]
    rows = [
        ["Tents", ref.area.code, 40, 1, excel_dt(2025, 3, 1), excel_dt(2025, 4, 1)],
        ["Stoves", ref.area.code, 12.5, 3, "2025-04", "2025-05-02"],
    ]
    result = transfer_service.import_needs(session, to_xlsx(header, rows), Format.XLSX)
    assert result.imported == 2
    tents = session.scalars(select(Requirement).where(Requirement.title == "Tents")).one()
    assert (tents.period, tents.needed_by_on) == ("2025-03", dt.date(2025, 4, 1))
    assert tents.reference.startswith("REQ-2025-03-")  # generated when the column is absent
    stoves = session.scalars(select(Requirement).where(Requirement.title == "Stoves")).one()
    assert stoves.quantity_requested == Decimal("12.5")


def test_duplicate_need_references_are_rejected(session: Session, ref: Ref) -> None:
    make_requirement(session, capability_area=ref.area, reference="NEED-001")
    rows = [need_row(ref, 1), need_row(ref, 2), need_row(ref, 2)]
    errors = rejected(session, to_csv(rows), needs=True)
    assert [(e.row, e.column) for e in errors] == [(2, "reference"), (4, "reference")]


# --- files ---------------------------------------------------------------------------------------


def test_file_formats_are_checked() -> None:
    assert sheets.format_for("a/b/Offers.XLSX") is Format.XLSX
    assert sheets.format_for("needs.csv") is Format.CSV
    with pytest.raises(UnsupportedFormat):
        sheets.format_for("needs.xls")
    with pytest.raises(UnreadableFile, match=r"not a readable \.xlsx"):
        sheets.read(b"not a zip file", Format.XLSX)
    with pytest.raises(UnreadableFile, match="not UTF-8"):
        sheets.read("reference,donor\nA,Köln\n".encode("latin-1"), Format.CSV)
    with pytest.raises(UnreadableFile, match="no header row"):
        sheets.read(b"", Format.CSV)


def test_multi_line_cells_and_blank_rows_keep_spreadsheet_row_numbers() -> None:
    data = b'a,b\r\n"one\nline two",x\r\n,\r\n\r\nlast,y\r\n'
    sheet = sheets.read(data, Format.CSV)
    assert [(n, cells) for n, cells in sheet.rows] == [
        (2, ("one\nline two", "x")),
        (5, ("last", "y")),
    ]


def test_xlsx_rows_are_numbered_as_excel_shows_them() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["a", "b"])
    ws["A4"] = "fourth"
    buf = io.BytesIO()
    wb.save(buf)
    sheet = sheets.read(buf.getvalue(), Format.XLSX)
    assert [n for n, _ in sheet.rows] == [4]


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (CellKind.DECIMAL, " 12.50 ", Decimal("12.50")),
        (CellKind.DECIMAL, 0.1, Decimal("0.1")),
        (CellKind.DECIMAL, 7, Decimal(7)),
        (CellKind.INTEGER, 3.0, 3),
        (CellKind.INTEGER, "2", 2),
        (CellKind.DATE, excel_dt(2025, 1, 2), dt.date(2025, 1, 2)),
        (CellKind.DATE, "2025-01-02", dt.date(2025, 1, 2)),
        (CellKind.PERIOD, excel_dt(2025, 11, 1), "2025-11"),
        (CellKind.BOOL, "Yes", True),
        (CellKind.BOOL, False, False),
        (CellKind.ENUM, "In kind stock", "in_kind_stock"),
        (CellKind.TEXT, 1234.0, "1234"),
        (CellKind.TEXT, "  ", None),
        (CellKind.DECIMAL, None, None),
    ],
)
def test_cells_are_read_by_kind(kind: CellKind, raw: Any, expected: Any) -> None:
    assert parse_cell(kind, raw, escaped=False) == expected


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        (CellKind.DECIMAL, "abc", "not a number"),
        (CellKind.DECIMAL, "1 000", "not a number"),
        (CellKind.DECIMAL, "NaN", "not a number"),
        (CellKind.DECIMAL, float("inf"), "expected a finite number"),
        (CellKind.DECIMAL, True, "expected a number"),
        (CellKind.INTEGER, "2.5", "expected a whole number"),
        (CellKind.DATE, "2025-02-30", "not a valid date"),
        (CellKind.DATE, 45000, "expected a date as YYYY-MM-DD"),
        (CellKind.DATE, excel_dt(2025, 1, 2, 13, 5), "expected a date without a time of day"),
        (CellKind.PERIOD, "2025-13", "expected a period as YYYY-MM"),
        (CellKind.BOOL, "maybe", "expected yes or no"),
    ],
)
def test_bad_cells_say_what_was_expected(kind: CellKind, raw: Any, message: str) -> None:
    with pytest.raises(CellError) as exc:
        parse_cell(kind, raw, escaped=False)
    assert str(exc.value) == message


@given(st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=0, max_value=10**12))
def test_a_decimal_written_to_csv_reads_back_equal(value: Decimal) -> None:
    assert parse_cell(CellKind.DECIMAL, sheets.display(value), escaped=True) == value


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00")))
def test_text_written_to_csv_reads_back_unchanged(text: str) -> None:
    buf = io.BytesIO()
    sheets.write(buf, Format.CSV, title="t", header=["a", "b"], rows=[[text, "x"]], about=[])
    [(_, cells)] = sheets.read(buf.getvalue(), Format.CSV).rows
    assert parse_cell(CellKind.TEXT, cells[0], escaped=True) == (text.strip() or None)


def test_xlsx_export_drops_characters_xml_cannot_hold() -> None:
    buf = io.BytesIO()
    sheets.write(buf, Format.XLSX, title="t", header=["a"], rows=[["line\x0bbreak\x00"]], about=[])
    assert first_sheet(buf.getvalue()) == [("a",), ("linebreak",)]


def test_csv_export_disarms_formulas() -> None:
    buf = io.BytesIO()
    sheets.write(
        buf, Format.CSV, title="t", header=["a"], rows=[["=HYPERLINK(1)"], ["-5 units"]], about=[]
    )
    text = buf.getvalue().decode("utf-8-sig").splitlines()
    assert text[1:] == ["'=HYPERLINK(1)", "'-5 units"]


# --- export and round trip -----------------------------------------------------------------------


def seed_offers_and_needs(session: Session, ref: Ref) -> None:
    """Lines that use every column, a pledge tree, Kiel lines and synthetic needs."""
    pkg = make_offer(
        session,
        donor=ref.donor,
        reference="PKG-1",
        kind=OfferKind.NEW_PROCUREMENT,
        description="Winter package",
        currency="NOK",
        value_amount=Decimal("1250000.75"),
        eur_rate=Decimal("11.48612345"),
        eur_rate_on=dt.date(2025, 1, 31),
        valuation_basis=ValuationBasis.CONTRACT_PRICE,
        donor_organisation_id=ref.organisation.id,
        earmark_capability_area_id=ref.area.id,
        earmark="for the winter",
        notes='multi-line\nnote with "quotes", commas; and =formula',
        releasability=Releasability.COALITION,
        stage=OfferStage.COMMITTED,
    )
    pkg.quantity = None  # a package is valued, not counted
    # A child created before its parent exists in id order would break a naive export.
    child = make_offer(
        session,
        donor=ref.donor,
        reference="PKG-1-01",
        item_type_id=ref.item.id,
        quantity=40,
        quantity_delivered=Decimal("12.5"),
        origin_site_id=ref.site.id,
        available_from_on=dt.date(2025, 2, 1),
        description="=cmd|' /C calc'!A0",
    )
    root = make_offer(session, donor=ref.donor, reference="A-ROOT", quantity=100)
    session.execute(update(OfferLine).where(OfferLine.id == child.id).values(parent_id=root.id))
    session.execute(update(OfferLine).where(OfferLine.id == root.id).values(parent_id=pkg.id))
    for i in range(3):
        make_offer(
            session,
            donor=ref.other,
            reference=f"KIEL-{i}",
            source="kiel_ust_r7",
            source_ref=f"K{i}",
            description="Kiel line",
            stage=OfferStage.DELIVERED,
        )
    make_requirement(session, capability_area=ref.area, reference="N-REAL", period="2025-02")
    make_requirement(
        session,
        capability_area=ref.area,
        reference="N-SYN",
        item_type_id=ref.item.id,
        destination_site_id=ref.site.id,
        quantity_approved=Decimal("7.5"),
        rank=3,
        justification="[SYNTHETIC] demo",
        is_synthetic=True,
        status=RequirementStatus.PUBLISHED,
    )
    session.expire_all()


def export(session: Session, kind: str, fmt: Format, f: Any = None) -> bytes:
    buf = io.BytesIO()
    if kind == "offers":
        transfer_service.export_offers(session, buf, fmt, f or OfferFilter())
    else:
        transfer_service.export_needs(session, buf, fmt, f or RequirementFilter())
    return buf.getvalue()


def first_sheet(data: bytes) -> list[tuple[Any, ...]]:
    wb = load_workbook(io.BytesIO(data))
    return [tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def empty_offers_and_needs(session: Session) -> None:
    session.execute(update(OfferLine).values(parent_id=None))
    session.execute(delete(OfferLine))
    session.execute(delete(Requirement))
    session.expunge_all()


@pytest.mark.parametrize("fmt", [Format.CSV, Format.XLSX])
def test_an_export_reimports_into_an_empty_database_unchanged(
    session: Session, ref: Ref, fmt: Format
) -> None:
    seed_offers_and_needs(session, ref)
    offers, needs = export(session, "offers", fmt), export(session, "needs", fmt)
    empty_offers_and_needs(session)
    assert count(session, OfferLine) == count(session, Requirement) == 0

    assert transfer_service.import_offers(session, offers, fmt).imported == 6
    assert transfer_service.import_needs(session, needs, fmt).imported == 2
    again_offers, again_needs = export(session, "offers", fmt), export(session, "needs", fmt)
    if fmt is Format.CSV:
        assert again_offers == offers
        assert again_needs == needs
    else:
        assert first_sheet(again_offers) == first_sheet(offers)
        assert first_sheet(again_needs) == first_sheet(needs)
    tree = {line.reference: line.parent_id for line in session.scalars(select(OfferLine))}
    ids = {line.reference: line.id for line in session.scalars(select(OfferLine))}
    assert tree["PKG-1-01"] == ids["A-ROOT"]
    assert tree["A-ROOT"] == ids["PKG-1"]
    child = session.scalars(select(OfferLine).where(OfferLine.reference == "PKG-1-01")).one()
    assert child.description == "=cmd|' /C calc'!A0"
    assert child.quantity_delivered == Decimal("12.5")
    pkg = session.scalars(select(OfferLine).where(OfferLine.reference == "PKG-1")).one()
    assert pkg.eur_rate == Decimal("11.48612345")
    assert pkg.notes == 'multi-line\nnote with "quotes", commas; and =formula'
    assert session.scalars(
        select(Requirement.is_synthetic).where(Requirement.reference == "N-SYN")
    ).one()


def test_the_export_puts_parents_above_children(session: Session, ref: Ref) -> None:
    seed_offers_and_needs(session, ref)
    refs = [r[0] for r in first_sheet(export(session, "offers", Format.XLSX))[1:]]
    assert refs.index("PKG-1") < refs.index("A-ROOT") < refs.index("PKG-1-01")


def test_the_xlsx_export_is_formatted_and_cites_its_sources(session: Session, ref: Ref) -> None:
    seed_offers_and_needs(session, ref)
    wb = load_workbook(io.BytesIO(export(session, "offers", Format.XLSX)))
    assert wb.sheetnames == ["Offers", "About"]
    ws = wb["Offers"]
    assert [c.value for c in ws[1]] == OFFER_HEADER
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["G"].width > ws.column_dimensions["B"].width  # description > donor
    pkg = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "PKG-1")
    by_name = dict(zip(OFFER_HEADER, pkg, strict=True))
    assert by_name["eur_rate_on"].is_date
    assert by_name["eur_rate_on"].value == excel_dt(2025, 1, 31)
    assert by_name["value_amount"].data_type == "n"
    assert by_name["value_amount"].value == pytest.approx(1250000.75)
    about = dict(wb["About"].iter_rows(values_only=True))
    assert "3 of these lines (source = kiel_ust_r7)" in about["Source"]
    assert "Kiel Working Paper, No. 2218" in about["Citation"]

    needs = load_workbook(io.BytesIO(export(session, "needs", Format.XLSX)))
    needs_about = dict(needs["About"].iter_rows(values_only=True))
    assert "1 of these 2 needs are SYNTHETIC" in needs_about["SYNTHETIC"]


def test_about_has_no_kiel_citation_without_kiel_lines(session: Session, ref: Ref) -> None:
    make_offer(session, donor=ref.donor, reference="PLAIN")
    wb = load_workbook(io.BytesIO(export(session, "offers", Format.XLSX)))
    about = dict(wb["About"].iter_rows(values_only=True))
    assert "Citation" not in about
    assert "Source" not in about


def test_export_filters(session: Session, ref: Ref) -> None:
    seed_offers_and_needs(session, ref)

    def refs(data: bytes) -> set[str]:
        return {r[0] for r in first_sheet(data)[1:]}

    by_donor = export(session, "offers", Format.XLSX, OfferFilter(donor=ref.other.code))
    assert refs(by_donor) == {"KIEL-0", "KIEL-1", "KIEL-2"}
    by_stage = export(session, "offers", Format.XLSX, OfferFilter(stage=OfferStage.COMMITTED))
    assert refs(by_stage) == {"PKG-1"}
    by_status = export(
        session, "needs", Format.XLSX, RequirementFilter(status=RequirementStatus.PUBLISHED)
    )
    assert refs(by_status) == {"N-SYN"}
    by_period = export(session, "needs", Format.XLSX, RequirementFilter(period="2025-02"))
    assert refs(by_period) == {"N-REAL"}
    about = dict(load_workbook(io.BytesIO(by_period))["About"].iter_rows(values_only=True))
    assert about["Filters"] == "period=2025-02"
    with pytest.raises(NationNotFound):
        export(session, "offers", Format.CSV, OfferFilter(donor="ZZZ"))
