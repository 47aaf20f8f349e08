"""Exports of any report: JSON values, CSV with a header and the formula guard, and the workbook laid
out like the tracker's Country Summary (a sheet per report and table, Sources, Notes; frozen
headers; number formats by column kind; no cell ever a formula)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from nsatu.errors import InvalidInput
from nsatu.reporting import export
from nsatu.reporting.table import Column, Report

D = Decimal
HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+2", "-3+4", "@SUM(A1)", "\tx", "\rcmd"]


def report(name: str = "donors") -> Report:
    return Report(
        name=name,
        title=f"{name} title",
        columns=[
            Column("donor", "Donor"),
            Column("total_eur_bn", "Total (€ bn)", "eur_bn"),
            Column("total_pct_gdp", "Total (% of GDP)", "pct"),
            Column("share", "Share", "share"),
            Column("lines", "Lines", "int"),
            Column("on", "On", "date"),
        ],
        rows=[
            {
                "donor": text,
                "total_eur_bn": D("1.2345"),
                "total_pct_gdp": D("0.12"),
                "share": D("0.25"),
                "lines": 3,
                "on": dt.date(2025, 1, 31),
            }
            for text in HOSTILE
        ]
        + [
            {
                "donor": "Plain",
                "total_eur_bn": None,
                "total_pct_gdp": None,
                "share": None,
                "lines": 0,
                "on": None,
            }
        ],
        notes=["=a note that looks like a formula", "Row 3 left unconverted by the release."],
        sources=["Kiel Institute, Ukraine Support Tracker"],
        extra={"groups": [{"group": "EU members", "total_eur_bn": D("2.5"), "share": D("0.5")}]},
    )


def test_json_values_are_numbers_and_iso_dates() -> None:
    body = export.as_json(report())
    assert body["rows"][0]["total_eur_bn"] == 1.2345
    assert body["rows"][0]["lines"] == 3 and body["rows"][0]["on"] == "2025-01-31"
    assert body["extra"]["groups"][0]["total_eur_bn"] == 2.5
    assert [c["kind"] for c in body["columns"]][:2] == ["text", "eur_bn"]
    assert export.json_value(D(7)) == 7 and isinstance(export.json_value(D(7)), int)


def test_csv_has_a_header_of_keys_and_disarms_formulas() -> None:
    text = export.csv_bytes(report()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["donor", "total_eur_bn", "total_pct_gdp", "share", "lines", "on"]
    donors = [r[0] for r in rows[1:]]
    # Every cell a spreadsheet would run as a formula starts with an apostrophe instead.
    assert donors[: len(HOSTILE)] == ["'" + h for h in HOSTILE]
    assert donors[-1] == "Plain"
    assert rows[1][1:] == ["1.2345", "0.12", "0.25", "3", "2025-01-31"]
    groups = export.csv_bytes(report(), "groups").decode("utf-8-sig").splitlines()
    assert groups[0] == "group,total_eur_bn,share"
    with pytest.raises(InvalidInput, match="table"):
        export.csv_bytes(report(), "missing")


def test_the_workbook_is_laid_out_like_the_country_summary() -> None:
    wb = load_workbook(io.BytesIO(export.xlsx_bytes([report(), report("monthly")])))
    assert wb.sheetnames == ["donors", "donors groups", "monthly", "monthly groups", "Sources",
                             "Notes"]  # fmt: skip
    ws = wb["donors"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F8"
    assert [c.value for c in ws[1]] == ["Donor", "Total (€ bn)", "Total (% of GDP)", "Share",
                                        "Lines", "On"]  # fmt: skip
    assert ws["A1"].font.b
    # Number formats by column kind.
    assert ws["B2"].number_format == "#,##0.000" and ws["B2"].value == pytest.approx(1.2345)
    assert ws["C2"].number_format == "0.000"
    assert ws["D2"].number_format == "0.0%"
    assert ws["E2"].number_format == "#,##0"
    assert ws["F2"].number_format == "yyyy-mm-dd"
    assert wb["donors groups"]["C2"].number_format == "0.0%"
    # No cell is a formula: the hostile texts are strings, exactly as given.
    for row, hostile in zip(ws.iter_rows(min_row=2), HOSTILE, strict=False):
        assert row[0].data_type == "s"
        # (XML reads a carriage return back as a line feed.)
        assert str(row[0].value).replace("\n", "\r") == hostile
    sources = [tuple(c.value for c in r) for r in wb["Sources"].iter_rows()]
    assert sources[0] == ("Report", "Source")
    assert ("donors", "Kiel Institute, Ukraine Support Tracker") in sources
    notes = wb["Notes"]
    assert notes["B2"].data_type == "s" and str(notes["B2"].value).startswith("=")


def test_sheet_names_are_valid_and_unique() -> None:
    taken: set[str] = set()
    first = export.sheet_name("a/b:c*d?[e]" + "x" * 40, taken)
    assert len(first) <= 31 and not set("/:*?[]") & set(first)
    second = export.sheet_name("a/b:c*d?[e]" + "x" * 40, taken)
    assert second != first and len(second) <= 31
