"""Kiel's cell codes (``.``, ``undisclosed``, European thousands, known typos) and the invariants the
published tracker files hold, checked on the packaged copies with the csv module alone (no database,
no importer), so a wrong importer cannot hide a wrong file or the other way round."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import pytest

from nsatu.core import kiel as codes

DATA = files("nsatu") / "data"
SHARED = Path("/work/shared/data")


def _rows(folder: str, name: str) -> list[dict[str, str]]:
    text = (DATA / folder / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (".", None),
        ("", None),
        ("undisclosed", None),
        ("Undisclosed", None),
        ("Not given", None),
        ("No price", None),
        ("dozens", None),
        ("partially", None),
        ("-5", None),
        ("35000000", Decimal("35000000")),
        ("1,250", Decimal("1250")),
        ("15.000.00", Decimal("15000.00")),
        ("216.66666666666666", Decimal("216.66666666666666")),
        ("114999.99999999999", Decimal("114999.99999999999")),
    ],
)
def test_number_reads_kiel_cells(cell: str, expected: Decimal | None) -> None:
    assert codes.number(cell) == expected


def test_not_given_cells() -> None:
    assert codes.is_not_given(" . ")
    assert codes.is_not_given("undisclosed")
    assert not codes.is_not_given("0")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Military", codes.AidType.MILITARY),
        ("financial ", codes.AidType.FINANCIAL),
        ("Humanitarian", codes.AidType.HUMANITARIAN),
        ("Other", None),
        ("", None),
    ],
)
def test_aid_type(cell: str, expected: codes.AidType | None) -> None:
    assert codes.aid_type(cell) == expected


def test_known_date_typo_is_corrected_with_a_note() -> None:
    assert codes.corrected_date("EEM3", "2922-02-09") == (
        "2022-02-09",
        "Announcement date published as 2922-02-09; read as 2022-02-09.",
    )
    assert codes.corrected_date("EEM4", "2922-02-09") == ("2922-02-09", None)


def test_every_donor_of_both_releases_has_an_iso3_code() -> None:
    names = {r["Donor"] for r in _rows("kiel_ust_release7", "bilateral_assistance_main_data.csv")}
    names |= {r["Country"] for r in _rows("kiel_ust_release7", "donor_gdp_2021.csv")}
    assert names <= set(codes.DONOR_ISO3)
    for r in _rows("kiel_ust_release29", "data_explorer.csv"):
        if r["iso"] != "EU":
            assert codes.DONOR_ISO3[r["country"]] == r["iso"], r["country"]


@pytest.mark.parametrize(
    "name",
    ["data_explorer.csv", "eu_share_attribution_input.csv", "weapons.csv", "release_info.csv"],
)
def test_packaged_r29_files_are_the_shared_ones(name: str) -> None:
    shared = SHARED / "kiel_ust_release29" / name
    if not shared.is_file():
        pytest.skip("the shared data folder is not available here")
    assert (DATA / "kiel_ust_release29" / name).read_bytes() == shared.read_bytes()


# --- invariants of the published inputs ------------------------------------------------------------


def test_r29_total_is_military_plus_financial_plus_humanitarian() -> None:
    for r in _rows("kiel_ust_release29", "data_explorer.csv"):
        parts = Decimal(r["military"]) + Decimal(r["financial"]) + Decimal(r["humanitarian"])
        assert Decimal(r["total"]) == parts, r


def test_r29_commitments_are_allocations_plus_to_be_allocated() -> None:
    for r in _rows("kiel_ust_release29", "data_explorer.csv"):
        assert Decimal(r["commitments"]) == Decimal(r["total"]) + Decimal(r["to_be_allocated"]), r


def test_r29_pct_gdp_is_total_over_gdp() -> None:
    checked = 0
    for r in _rows("kiel_ust_release29", "data_explorer.csv"):
        gdp = float(r["gdp"])
        if gdp == 0:  # the EU institutions: no GDP, and the release writes 0
            assert float(r["pct_gdp"]) == 0
            continue
        assert float(r["pct_gdp"]) == pytest.approx(float(r["total"]) / gdp * 100, rel=1e-12)
        checked += 1
    assert checked > 1000


def test_r29_gdp_is_one_figure_per_donor() -> None:
    gdp: dict[str, set[str]] = defaultdict(set)
    for r in _rows("kiel_ust_release29", "data_explorer.csv"):
        gdp[r["iso"]].add(r["gdp"])
    assert all(len(v) == 1 for v in gdp.values())


def test_r7_gdp_in_eur_is_usd_gdp_over_the_usd_rate() -> None:
    usd = Decimal(
        next(r for r in _rows("kiel_ust_release7", "exchange_rates.csv") if r["currency"] == "USD")[
            "units_per_1_EUR"
        ]
    )
    for r in _rows("kiel_ust_release7", "donor_gdp_2021.csv"):
        assert float(r["GDP (EUR) [€ billion]"]) == pytest.approx(
            float(Decimal(r["GDP (2021) [US$ billion]"]) / usd), rel=1e-12
        ), r["Country"]


@pytest.mark.parametrize("key", ["eu_budget_share", "epf_gni_share", "eib_capital_share"])
def test_r7_eu_keys_of_the_members_add_up_to_the_27_countries_total(key: str) -> None:
    rows = _rows("kiel_ust_release7", "eu_burden_sharing_keys.csv")
    total = next(r for r in rows if r["country"] == "27 Countries total")
    members = {r["Country"] for r in _rows("kiel_ust_release7", "donor_gdp_2021.csv")
               if r["EU member"] == "1"}  # fmt: skip
    assert len(members) == 27
    assert sum(float(r[key]) for r in rows if r["country"] in members) == pytest.approx(
        float(total[key]), rel=1e-12
    )
    assert all(float(r[key]) == 0 for r in rows if r["country"] not in members | {total["country"]})


def test_r7_package_total_only_on_the_first_row() -> None:
    seen: dict[str, int] = defaultdict(int)
    for r in _rows("kiel_ust_release7", "bilateral_assistance_main_data.csv"):
        seen[r["ID"]] += 1
        if seen[r["ID"]] > 1:
            assert r["Total (original currency)"] == "", r["ID"]


def test_r29_eu_shares_add_up_to_the_eu_institutions_allocations() -> None:
    shares = sum(
        (
            Decimal(r["eu_share_bn"])
            for r in _rows("kiel_ust_release29", "eu_share_attribution_input.csv")
        ),
        Decimal(0),
    )
    eu = sum(
        (
            Decimal(r["total"])
            for r in _rows("kiel_ust_release29", "data_explorer.csv")
            if r["iso"] == "EU"
        ),
        Decimal(0),
    )
    # 27 figures rounded to 6 decimals: at most 27 half-units of the last place apart.
    assert abs(shares - eu) <= Decimal("0.0000005") * 27


def test_donor_codes_agree_with_the_nations_of_the_reference_data() -> None:
    """The importer's codes are the ``nation`` codes the demo's reference data creates."""
    from nsatu.demo import reference_data

    for name, code in reference_data.DONOR_CODES.items():
        assert codes.DONOR_ISO3[name] == code, name
    r7 = {codes.DONOR_ISO3[r["Donor"]]
          for r in _rows("kiel_ust_release7", "bilateral_assistance_main_data.csv")}  # fmt: skip
    assert r7 <= set(reference_data.nation_codes())
