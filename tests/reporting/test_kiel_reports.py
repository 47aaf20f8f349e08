"""The donors, monthly and burden-sharing reports on the imported releases, on both backends.

The expected figures are recomputed here from the packaged CSV files with the csv module and
``Decimal`` (no importer, no database), so the reports are checked against an independent reading
of the published data, not against themselves."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import Decimal
from importlib.resources import files
from typing import Any

import pytest
from sqlalchemy.orm import Session

from nsatu.core.access import PUBLIC
from nsatu.errors import InvalidInput, NotFound
from nsatu.reporting import kiel_import, registry
from nsatu.reporting.table import Report

DATA = files("nsatu") / "data"
DONOR_KEYS = [
    "donor",
    "iso3",
    "financial_eur_bn",
    "humanitarian_eur_bn",
    "military_eur_bn",
    "total_eur_bn",
    "total_pct_gdp",
    "eu_share_eur_bn",
    "total_with_eu_share_eur_bn",
    "total_with_eu_share_pct_gdp",
]
INSTITUTIONS = (
    "EU (Commission and Council)",
    "European Peace Facility",
    "European Investment Bank",
)


def _csv(folder: str, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader((DATA / folder / name).read_text(encoding="utf-8").splitlines()))


def _build(session: Session, name: str, **params: str) -> Report:
    return registry.get(name).build(session, PUBLIC, params)


@pytest.fixture
def imported(session: Session) -> Session:
    kiel_import.import_r7(session)
    kiel_import.import_r29(session)
    return session


def _expected_commitments() -> dict[str, dict[str, Decimal]]:
    """Σ total ÷ rate per donor and aid type, straight from the R7 files."""
    rates = {
        r["currency"]: Decimal(r["units_per_1_EUR"])
        for r in _csv("kiel_ust_release7", "exchange_rates.csv")
    }
    out: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for r in _csv("kiel_ust_release7", "bilateral_assistance_main_data.csv"):
        out[r["Donor"]]  # every donor shows, with zeros where it gave nothing
        total = r["Total (original currency)"].replace(",", "")
        if total not in ("", "."):
            value = Decimal(total) / rates[r["Original Currency"]]
            out[r["Donor"]][r["Type of Aid General"].lower()] += value
    return out


# --- donors --------------------------------------------------------------------------------------


def test_donors_json_is_one_object_per_donor_with_the_agreed_keys(imported: Session) -> None:
    report = _build(imported, "donors")
    rows = json.loads(json.dumps(list(report.rows)))
    assert isinstance(rows, list)
    assert len(rows) == 43
    assert len({r["donor"] for r in rows}) == 43
    for row in rows:
        assert list(row) == DONOR_KEYS
        assert isinstance(row["donor"], str) and len(row["iso3"]) == 3
        for key in DONOR_KEYS[2:7] + DONOR_KEYS[8:]:
            assert row[key] is None or isinstance(row[key], float), (row["donor"], key)
    assert [c.key for c in report.columns] == DONOR_KEYS


def test_donor_commitments_match_an_independent_reading_of_the_release(imported: Session) -> None:
    expected = _expected_commitments()
    rows = {r["donor"]: r for r in _build(imported, "donors").rows}
    assert set(rows) == set(expected)
    for donor, by_type in expected.items():
        for aid in ("financial", "humanitarian", "military"):
            want = float(by_type.get(aid, Decimal(0)) / 10**9)
            assert rows[donor][f"{aid}_eur_bn"] == pytest.approx(want, rel=1e-12, abs=1e-15)
        total = float(sum(by_type.values(), Decimal(0)) / 10**9)
        assert rows[donor]["total_eur_bn"] == pytest.approx(total, rel=1e-12, abs=1e-15)


def test_donor_total_is_the_sum_of_the_aid_types_and_pct_gdp_is_total_over_gdp(
    imported: Session,
) -> None:
    gdp = {r["Country"]: float(r["GDP (EUR) [€ billion]"])
           for r in _csv("kiel_ust_release7", "donor_gdp_2021.csv")}  # fmt: skip
    for r in _build(imported, "donors").rows:
        parts = r["financial_eur_bn"] + r["humanitarian_eur_bn"] + r["military_eur_bn"]
        assert r["total_eur_bn"] == pytest.approx(parts, rel=1e-12, abs=1e-15)
        if r["donor"] in gdp:
            pct = r["total_eur_bn"] / gdp[r["donor"]] * 100
            assert r["total_pct_gdp"] == pytest.approx(pct, rel=1e-12, abs=1e-15)
        else:  # the EPF and the EIB have no GDP of their own
            assert r["donor"] in INSTITUTIONS
            assert r["total_pct_gdp"] is None


def test_eu_share_uses_the_three_keys_and_adds_up_to_the_institutions(imported: Session) -> None:
    rows = {r["donor"]: r for r in _build(imported, "donors").rows}
    keys = {r["country"]: r for r in _csv("kiel_ust_release7", "eu_burden_sharing_keys.csv")}
    members = [r["Country"] for r in _csv("kiel_ust_release7", "donor_gdp_2021.csv")
               if r["EU member"] == "1"]  # fmt: skip
    commission, epf, eib = (rows[n]["total_eur_bn"] for n in INSTITUTIONS)
    assert (commission, epf, eib) == pytest.approx((11.74, 2.5, 2.0025), rel=1e-12)
    for name in members:
        k = keys[name]
        want = (
            float(k["eu_budget_share"]) * commission
            + float(k["epf_gni_share"]) * epf
            + float(k["eib_capital_share"]) * eib
        )
        row = rows[name]
        assert row["eu_share_eur_bn"] == pytest.approx(want, rel=1e-12)
        assert row["total_with_eu_share_eur_bn"] == pytest.approx(
            row["total_eur_bn"] + want, rel=1e-12
        )
        assert row["total_with_eu_share_pct_gdp"] == pytest.approx(
            row["total_pct_gdp"] * row["total_with_eu_share_eur_bn"] / row["total_eur_bn"],
            rel=1e-12,
        )
    attributed = sum(rows[n]["eu_share_eur_bn"] for n in members)
    assert attributed == pytest.approx(commission + epf + eib, rel=1e-12)
    for name, row in rows.items():
        if name not in members:  # no EU share: the figures with it are the bilateral ones
            assert row["eu_share_eur_bn"] is None
            assert row["total_with_eu_share_eur_bn"] == row["total_eur_bn"]
            assert row["total_with_eu_share_pct_gdp"] == row["total_pct_gdp"]


def test_group_aggregates(imported: Session) -> None:
    report = _build(imported, "donors")
    rows = list(report.rows)
    groups = {g["group"]: g for g in report.extra["groups"]}
    assert groups["EU members"]["donors"] == 27
    assert groups["EU institutions"]["donors"] == 3
    assert groups["EU members and institutions"]["donors"] == 30
    assert groups["All donors"]["donors"] == len(rows)
    assert groups["All donors"]["total_eur_bn"] == pytest.approx(
        sum(r["total_eur_bn"] for r in rows), rel=1e-12
    )
    both = groups["EU members and institutions"]["total_eur_bn"]
    assert both == pytest.approx(
        groups["EU members"]["total_eur_bn"] + groups["EU institutions"]["total_eur_bn"], rel=1e-12
    )
    assert groups["EU members"]["eu_share_eur_bn"] == pytest.approx(
        groups["EU institutions"]["total_eur_bn"], rel=1e-12
    )


def test_groups_count_the_eu_institutions_aid_once(imported: Session) -> None:
    """A member's EU share is the institutions' aid: a group holding both adds it once."""
    groups = {g["group"]: g for g in _build(imported, "donors").extra["groups"]}
    everyone = groups["All donors"]
    assert everyone["total_with_eu_share_eur_bn"] == pytest.approx(
        everyone["total_eur_bn"], rel=1e-12
    )
    eu = groups["EU members and institutions"]
    assert eu["total_with_eu_share_eur_bn"] == pytest.approx(eu["total_eur_bn"], rel=1e-12)
    assert eu["total_with_eu_share_eur_bn"] == pytest.approx(
        groups["EU members"]["total_with_eu_share_eur_bn"], rel=1e-12
    )
    # The same GDP under both: the members' (the EU row's GDP is theirs again).
    assert eu["total_pct_gdp"] == pytest.approx(
        groups["EU members"]["total_with_eu_share_pct_gdp"], rel=1e-12
    )
    gdp = sum(float(r["GDP (EUR) [€ billion]"]) for r in _csv("kiel_ust_release7",
              "donor_gdp_2021.csv") if r["Country"] not in INSTITUTIONS)  # fmt: skip
    assert everyone["total_pct_gdp"] == pytest.approx(
        everyone["total_eur_bn"] / gdp * 100, rel=1e-12
    )


def test_donor_notes_name_the_inconsistencies_of_the_release(imported: Session) -> None:
    notes = " ".join(_build(imported, "donors").notes)
    assert "DEM2" in notes
    assert "SIM4" in notes
    assert "2922-02-09" in notes
    assert "TWD" in notes


def test_reports_need_an_imported_release(session: Session) -> None:
    for name, command in (("donors", "kiel-r7"), ("monthly", "kiel-r29"),
                          ("burden-sharing", "kiel-r29")):  # fmt: skip
        with pytest.raises(NotFound, match=command):
            _build(session, name)


def test_a_release_can_be_asked_for_by_number(imported: Session) -> None:
    assert _build(imported, "monthly", release="29").rows
    assert _build(imported, "donors", release="7").rows
    with pytest.raises(InvalidInput, match=r"release: 28 is not an imported release .*\(29\)"):
        _build(imported, "monthly", release="28")
    with pytest.raises(InvalidInput, match="release: 7 is not an imported release with monthly"):
        _build(imported, "monthly", release="7")
    with pytest.raises(InvalidInput, match="release"):
        _build(imported, "monthly", release="latest")


# --- monthly -------------------------------------------------------------------------------------


def test_monthly_sums_equal_the_cumulative_totals(imported: Session) -> None:
    report = _build(imported, "monthly")
    rows = list(report.rows)
    months = _csv("kiel_ust_release29", "data_explorer.csv")
    assert [r["month"] for r in rows] == sorted({f"{int(m['year']):04d}-{int(m['month']):02d}"
                                                 for m in months})  # fmt: skip
    for aid in ("financial", "humanitarian", "military", "total"):
        want = sum((Decimal(m[aid]) for m in months), Decimal(0))
        got = sum(Decimal(str(r[f"{aid}_eur_bn"])) for r in rows)
        assert abs(got - want) < Decimal("1e-9"), aid
    running = Decimal(0)
    for r in rows:
        assert r["total_eur_bn"] == pytest.approx(
            r["financial_eur_bn"] + r["humanitarian_eur_bn"] + r["military_eur_bn"], abs=1e-9
        )
        assert r["commitments_eur_bn"] == pytest.approx(
            r["total_eur_bn"] + r["to_be_allocated_eur_bn"], abs=1e-9
        )
        running += Decimal(str(r["total_eur_bn"]))
        assert r["cumulative_eur_bn"] == pytest.approx(float(running), abs=1e-9)
    cumulative = report.extra["cumulative_by_donor"]
    assert rows[-1]["cumulative_eur_bn"] == pytest.approx(
        sum(c["total_eur_bn"] for c in cumulative), abs=1e-9
    )


def test_monthly_cumulative_per_donor(imported: Session) -> None:
    months = _csv("kiel_ust_release29", "data_explorer.csv")
    by_donor: dict[str, Decimal] = defaultdict(Decimal)
    for m in months:
        by_donor[m["iso"]] += Decimal(m["total"])
    cumulative = {c["iso"]: c for c in _build(imported, "monthly").extra["cumulative_by_donor"]}
    assert set(cumulative) == set(by_donor)
    for iso, total in by_donor.items():
        c = cumulative[iso]
        assert c["total_eur_bn"] == float(total)  # exact: summed from the published cells
        if c["gdp_eur_bn"]:
            assert c["pct_gdp"] == pytest.approx(float(total) / c["gdp_eur_bn"] * 100, rel=1e-12)
        else:
            assert c["pct_gdp"] is None
    assert round(cumulative["DEU"]["total_eur_bn"], 6) == 29.927507


def test_monthly_for_one_donor(imported: Session) -> None:
    rows = list(_build(imported, "monthly", donor="pol").rows)
    months = [m for m in _csv("kiel_ust_release29", "data_explorer.csv") if m["iso"] == "POL"]
    assert len(rows) == len(months)
    assert rows[-1]["cumulative_eur_bn"] == pytest.approx(
        float(sum(Decimal(m["total"]) for m in months)), abs=1e-12
    )
    with pytest.raises(InvalidInput, match=r"donor: 'XXX' is not a donor .*AUS, AUT") as caught:
        _build(imported, "monthly", donor="XXX")
    assert caught.value.field == "donor"


def test_monthly_notes_the_published_oddities(imported: Session) -> None:
    notes = " ".join(_build(imported, "monthly").notes)
    assert "EU (Commission and Council)" in notes  # GDP 0
    assert "negative" in notes


# --- burden sharing ------------------------------------------------------------------------------


def test_burden_sharing_per_eu_member(imported: Session) -> None:
    report = _build(imported, "burden-sharing")
    rows = {r["iso"]: r for r in report.rows}
    shares = {s["iso"]: Decimal(s["eu_share_bn"])
              for s in _csv("kiel_ust_release29", "eu_share_attribution_input.csv")}  # fmt: skip
    assert set(rows) == set(shares)
    bilateral: dict[str, Decimal] = defaultdict(Decimal)
    gdp: dict[str, Decimal] = {}
    for m in _csv("kiel_ust_release29", "data_explorer.csv"):
        bilateral[m["iso"]] += Decimal(m["total"])
        gdp[m["iso"]] = Decimal(m["gdp"])
    for iso, row in rows.items():
        assert row["bilateral_eur_bn"] == float(bilateral[iso])
        assert row["eu_share_eur_bn"] == float(shares[iso])
        assert row["bilateral_pct_gdp"] == pytest.approx(
            float(bilateral[iso] / gdp[iso] * 100), rel=1e-12
        )
        assert row["total_pct_gdp"] == pytest.approx(
            float((bilateral[iso] + shares[iso]) / gdp[iso] * 100), rel=1e-12
        )
    pcts = [r["total_pct_gdp"] for r in report.rows]
    assert pcts == sorted(pcts, reverse=True)


def test_burden_sharing_sets_nato_defence_spending_beside(imported: Session) -> None:
    report = _build(imported, "burden-sharing")
    rows = {r["iso"]: r for r in report.rows}
    nato = {r["Country"]: r for r in _csv("nato_defence_expenditure",
            "nato_defexp_2025ed_table3_pct_real_gdp_long.csv") if r["year"] == "2024"}  # fmt: skip
    assert rows["POL"]["nato_defence_pct_gdp"] == float(nato["Poland"]["pct_gdp"])
    assert rows["SVK"]["nato_defence_pct_gdp"] == float(nato["Slovak Republic"]["pct_gdp"])
    assert rows["POL"]["nato_year"] == "2024e"
    for not_allied in ("AUT", "CYP", "IRL", "MLT"):
        assert rows[not_allied]["nato_defence_pct_gdp"] is None
    assert [line["pct_gdp"] for line in report.extra["lines"]] == [2.0, 3.0]
    assert any("NATO" in s for s in report.sources)


def _keys(rows: Any) -> set[str]:
    return {k for r in rows for k in r}


def test_every_report_row_has_every_column(imported: Session) -> None:
    for name in ("donors", "monthly", "burden-sharing"):
        report = _build(imported, name)
        assert _keys(report.rows) == {c.key for c in report.columns}, name
        assert report.sources


def test_heavy_weapons_match_the_published_table_and_add_up(imported: Session) -> None:
    published = _csv("kiel_ust_release29", "weapons.csv")
    report = _build(imported, "heavy-weapons")
    got = {(r["donor"], r["category"]): r for r in report.rows}
    assert len(got) == len(published) == len(report.rows)
    for row in published:
        mine = got[row["donor"], row["category"]]
        assert mine["number"] == int(row["number_of_weapons"])
        assert Decimal(str(mine["value_eur"])) == Decimal(row["monetary_value_eur"])
        assert mine["weapons_list"] == row["weapons_list"].strip()
    for table, key in (("by_category", "category"), ("by_donor", "donor")):
        totals = {t[key]: t for t in report.extra[table]}
        assert set(totals) == {r[key] for r in published}
        for name, t in totals.items():
            mine_rows = [r for r in published if r[key] == name]
            assert t["number"] == sum(int(r["number_of_weapons"]) for r in mine_rows)
            expected = sum(Decimal(r["monetary_value_eur"]) for r in mine_rows)
            assert Decimal(str(t["value_eur"])) == expected
    values = [t["value_eur"] for t in report.extra["by_category"]]
    assert values == sorted(values, reverse=True)
