"""The tracker importers on both backends: what they keep, that a second import changes nothing,
and that a malformed file is refused with its file, row and column while nothing is written."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.db.models import AuditEntry
from nsatu.db.models.kiel import (
    KielExchangeRate,
    KielMonth,
    KielR7Row,
    KielRelease,
    KielWeapon,
)
from nsatu.reporting import kiel_import as ki


def _copy(tmp_path: Path, folder: str, name: str = "copy") -> Path:
    target = tmp_path / name / folder
    source = ki.packaged(folder)
    target.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.name.endswith(".csv"):
            (target / entry.name).write_bytes(entry.read_bytes())
    return target


def _edit(path: Path, change: Callable[[list[list[str]]], object]) -> None:
    """Rewrite a CSV after ``change`` edits its rows (the header is ``rows[0]``)."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    change(rows)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _set(column: str, row: int, value: str) -> Callable[[list[list[str]]], None]:
    """Set the cell of spreadsheet row ``row`` (the header is row 1) in ``column``."""

    def change(rows: list[list[str]]) -> None:
        rows[row - 1][rows[0].index(column)] = value

    return change


# --- what is kept ----------------------------------------------------------------------------------


def test_r7_rows_keep_ids_sources_codes_and_the_rate_used(session: Session) -> None:
    result = ki.import_r7(session)
    assert result.status == "imported"
    assert result.counts == {
        "kiel_r7_row": 1032,
        "kiel_exchange_rate": 17,
        "kiel_donor_gdp": 41,
        "kiel_eu_key": 43,
    }
    rows = {r.row: r for r in session.scalars(select(KielR7Row))}
    assert len(rows) == 1032
    first = rows[2]  # AUH1, the file's first data row
    assert (first.kiel_id, first.donor, first.iso3, first.aid_type) == (
        "AUH1", "Australia", "AUS", "humanitarian",
    )  # fmt: skip
    assert first.currency == "AUD"
    assert first.total == Decimal(35000000)
    assert first.source_url == "https://pmtranscripts.pmc.gov.au/release/transcript-43831"
    assert first.raw["Item"] == "."  # the cell as published
    assert first.item is None  # "." = not applicable
    undisclosed = [r for r in rows.values() if r.raw["No. of Units"] == "undisclosed"]
    assert len(undisclosed) == 240
    assert all(r.units is None for r in undisclosed)
    european = next(r for r in rows.values() if r.raw["No. of Units"] == "15.000.00")
    assert european.units == Decimal(15000)


def test_every_converted_value_is_the_original_amount_over_its_rate(session: Session) -> None:
    ki.import_r7(session)
    rates = {r.currency: r.units_per_eur for r in session.scalars(select(KielExchangeRate))}
    converted = list(session.scalars(select(KielR7Row).where(KielR7Row.value_eur.is_not(None))))
    assert len(converted) == 432 - 52 - 1  # packages, less "." totals and DEM2 (no total at all)
    for r in converted:
        assert r.currency is not None and r.total is not None and r.eur_rate is not None
        assert r.eur_rate == rates[r.currency]
        assert float(r.value_eur or 0) == pytest.approx(float(r.total / r.eur_rate), rel=1e-12)
        # The original amount is the published cell itself (SQLite keeps it as a double).
        assert float(r.total) == float(r.raw["Total (original currency)"].replace(",", ""))


def test_only_the_first_row_of_a_package_carries_a_value(session: Session) -> None:
    ki.import_r7(session)
    later = session.scalars(
        select(KielR7Row).where(KielR7Row.package_seq > 1, KielR7Row.value_eur.is_not(None))
    ).all()
    assert later == []
    usm1 = session.scalars(
        select(KielR7Row).where(KielR7Row.kiel_id == "USM1").order_by(KielR7Row.package_seq)
    ).all()
    assert [r.package_seq for r in usm1] == list(range(1, len(usm1) + 1))
    assert usm1[0].total is not None and all(r.total is None for r in usm1[1:])


def test_published_inconsistencies_are_noted(session: Session) -> None:
    result = ki.import_r7(session)
    assert any("DEM2" in n and "not converted" in n for n in result.notes)
    assert any("2922-02-09" in n for n in result.notes)
    sim4 = next(n for n in result.notes if n.startswith("Package SIM4"))
    assert "USD estimates" in sim4 and "currency is EUR" in sim4
    assert "17779673.80 EUR" in sim4 and "17982880.35 EUR" in sim4  # 17779673.8 ÷ 0.9887
    assert len(result.notes) == 3
    dem2 = session.scalars(select(KielR7Row).where(KielR7Row.kiel_id == "DEM2")).one()
    assert dem2.value_eur is None and dem2.amount == Decimal(30666666)


def test_r29_months_shares_and_weapons(session: Session) -> None:
    result = ki.import_r29(session)
    assert result.release == 29
    assert result.counts == {"kiel_month": 1079, "kiel_eu_share": 27, "kiel_weapon": 61}
    release = session.scalars(select(KielRelease)).one()
    assert release.period == "04/2026" and release.released_on is not None
    assert release.released_on.isoformat() == "2026-08-04"
    assert _count(session, KielMonth) == 1079
    abrams = session.scalars(
        select(KielWeapon).where(KielWeapon.donor == "Australia", KielWeapon.category == "Tanks")
    ).one()
    assert (abrams.number, abrams.value_eur) == (49, Decimal(463047927))


# --- idempotence -----------------------------------------------------------------------------------


def test_importing_twice_changes_nothing(session: Session) -> None:
    ki.import_r7(session)
    ki.import_r29(session)
    before = [
        (r.id, r.imported_at) for r in session.scalars(select(KielRelease).order_by(KielRelease.id))
    ]
    max_row = session.scalar(select(func.max(KielR7Row.id)))
    audited = _count(session, AuditEntry)
    again = [ki.import_r7(session), ki.import_r29(session)]
    assert [a.status for a in again] == ["unchanged", "unchanged"]
    after = [
        (r.id, r.imported_at) for r in session.scalars(select(KielRelease).order_by(KielRelease.id))
    ]
    assert after == before
    assert session.scalar(select(func.max(KielR7Row.id))) == max_row
    assert _count(session, KielR7Row) == 1032
    assert _count(session, AuditEntry) == audited  # not a single write


def test_a_changed_file_replaces_the_release(session: Session, tmp_path: Path) -> None:
    ki.import_r29(session)
    folder = _copy(tmp_path, ki.R29_FOLDER)
    _edit(folder / ki.R29_WEAPONS, lambda rows: rows.pop())  # one weapons row fewer
    result = ki.import_r29(session, folder)
    assert result.status == "replaced"
    assert _count(session, KielWeapon) == 60
    assert _count(session, KielMonth) == 1079
    assert _count(session, KielRelease) == 1


# --- malformed files: refused with file, row and column; nothing written ---------------------------


R7_CASES = [
    (ki.R7_MAIN, _set("Total (original currency)", 2, "35 million"), 2,
     "Total (original currency)", "is not a number"),
    (ki.R7_MAIN, _set("Original Currency", 2, "XYZ"), 2, "Original Currency",
     "not in the release's exchange rates"),
    (ki.R7_MAIN, _set("Type of Aid General", 5, "Cultural"), 5, "Type of Aid General",
     "not Military, Financial or Humanitarian"),
    (ki.R7_MAIN, _set("Donor", 7, "Atlantis"), 7, "Donor", "not a donor"),
    (ki.R7_MAIN, _set("Announcement Date", 3, "2022-13-01"), 3, "Announcement Date",
     "not a date"),
    (ki.R7_MAIN, _set("ID", 4, "AUH1"), 4, "ID", "not together"),
    (ki.R7_RATES, _set("units_per_1_EUR", 3, "n/a"), 3, "units_per_1_EUR", "not a number"),
    (ki.R7_GDP, _set("EU member", 2, "yes"), 2, "EU member", "not 0 or 1"),
]  # fmt: skip


@pytest.mark.parametrize(("file", "change", "row", "column", "message"), R7_CASES)
def test_a_malformed_r7_file_is_refused_naming_row_and_column(
    session: Session,
    tmp_path: Path,
    file: str,
    change: Callable[[list[list[str]]], None],
    row: int,
    column: str,
    message: str,
) -> None:
    folder = _copy(tmp_path, ki.R7_FOLDER)
    _edit(folder / file, change)
    with pytest.raises(ki.KielFileInvalid) as caught:
        ki.import_r7(session, folder)
    detail = caught.value.detail
    assert detail.startswith(f"{file}, row {row}, column {column!r}: "), detail
    assert message in detail
    assert caught.value.field == column
    assert _count(session, KielRelease) == 0
    assert _count(session, KielR7Row) == 0


def test_a_total_on_a_later_package_row_is_refused(session: Session, tmp_path: Path) -> None:
    folder = _copy(tmp_path, ki.R7_FOLDER)
    rows = list(csv.DictReader((folder / ki.R7_MAIN).read_text(encoding="utf-8").splitlines()))
    second = next(i for i in range(1, len(rows)) if rows[i]["ID"] == rows[i - 1]["ID"]) + 2
    _edit(folder / ki.R7_MAIN, _set("Total (original currency)", second, "1000"))
    with pytest.raises(ki.KielFileInvalid, match=rf"row {second}, column 'Total \(original"):
        ki.import_r7(session, folder)
    assert _count(session, KielR7Row) == 0


def test_a_missing_column_or_file_is_refused(session: Session, tmp_path: Path) -> None:
    folder = _copy(tmp_path, ki.R7_FOLDER)
    _edit(folder / ki.R7_RATES, lambda rows: rows[0].__setitem__(1, "rate"))
    with pytest.raises(ki.KielFileInvalid, match=r"exchange_rates\.csv, row 1: missing column"):
        ki.import_r7(session, folder)
    folder = _copy(tmp_path, ki.R7_FOLDER, "second")
    (folder / ki.R7_KEYS).unlink()
    with pytest.raises(ki.KielFileInvalid, match=r"eu_burden_sharing_keys\.csv: file not found"):
        ki.import_r7(session, folder)
    assert _count(session, KielRelease) == 0


R29_CASES = [
    (ki.R29_MONTHS, _set("military", 10, "NA"), 10, "military", "is not a number"),
    (ki.R29_MONTHS, _set("month", 4, "13"), 4, "month", "whole number from 1 to 12"),
    (ki.R29_MONTHS, _set("month", 3, "2"), 3, None, "repeats row 2"),
    (ki.R29_EU_SHARE, _set("eu_share_bn", 5, ""), 5, "eu_share_bn", "is not a number"),
    (ki.R29_WEAPONS, _set("number_of_weapons", 2, "six"), 2, "number_of_weapons", "whole number"),
    (ki.R29_INFO, _set("date", 2, "August 2026"), 2, "date", "not a date"),
]  # fmt: skip


@pytest.mark.parametrize(("file", "change", "row", "column", "message"), R29_CASES)
def test_a_malformed_r29_file_is_refused_naming_row_and_column(
    session: Session,
    tmp_path: Path,
    file: str,
    change: Callable[[list[list[str]]], None],
    row: int,
    column: str | None,
    message: str,
) -> None:
    folder = _copy(tmp_path, ki.R29_FOLDER)
    _edit(folder / file, change)
    with pytest.raises(ki.KielFileInvalid) as caught:
        ki.import_r29(session, folder)
    where = f"{file}, row {row}" + (f", column {column!r}" if column else "")
    assert caught.value.detail.startswith(where + ": "), caught.value.detail
    assert message in caught.value.detail
    assert _count(session, KielRelease) == 0
    assert _count(session, KielMonth) == 0


def test_a_refused_file_leaves_the_stored_release_as_it_was(
    session: Session, tmp_path: Path
) -> None:
    ki.import_r29(session)
    folder = _copy(tmp_path, ki.R29_FOLDER)
    _edit(folder / ki.R29_WEAPONS, lambda rows: rows.pop())  # a change: it would replace ...
    _edit(folder / ki.R29_MONTHS, _set("total", 1079, "lots"))  # ... but the last row is bad
    with pytest.raises(ki.KielFileInvalid, match="row 1079"):
        ki.import_r29(session, folder)
    assert _count(session, KielWeapon) == 61
    assert _count(session, KielMonth) == 1079


def test_a_directory_can_be_the_shared_original(session: Session) -> None:
    shared = Path("/work/shared/data/kiel_ust_release7")
    if not shared.is_dir():
        pytest.skip("the shared data folder is not available here")
    ki.import_r7(session)
    assert ki.import_r7(session, shared).status == "unchanged"  # same bytes, same digests


def test_progress_is_reported_while_reading_and_writing(session: Session) -> None:
    calls: list[tuple[str, int, int]] = []
    ki.import_r7(session, progress=lambda phase, done, total: calls.append((phase, done, total)))
    reading = [c for c in calls if c[0] == "reading"]
    writing = [c for c in calls if c[0] == "writing"]
    assert reading and all(total == 1032 for _, _, total in reading)
    assert writing[-1] == ("writing", 1032 + 17 + 41 + 43, 1032 + 17 + 41 + 43)
    assert [done for _, done, _ in writing] == sorted(done for _, done, _ in writing)


def test_items_map_onto_the_catalogue_as_the_demo_maps_them(session: Session) -> None:
    from nsatu.demo import catalogue, kiel

    ki.import_r7(session, classify=catalogue.classify)
    imported: dict[int, str | None] = dict(
        session.execute(select(KielR7Row.row, KielR7Row.item_code)).all()
    )
    demo = {r.line + 1: r.item_type for r in kiel.read_rows()}  # data row n is spreadsheet row n+1
    assert imported == demo
    codes = {t.code for t in catalogue.ITEM_TYPES}
    assert {c for c in imported.values() if c is not None} <= codes
    assert sum(c is not None for c in imported.values()) > 500


def test_without_a_classifier_items_keep_kiel_types_only(session: Session) -> None:
    ki.import_r7(session)
    coal = session.scalars(select(KielR7Row).where(KielR7Row.kiel_id == "AUH2")).one()
    assert (coal.item, coal.item_type, coal.item_code) == ("ton of coal", "Humanitarian", None)
