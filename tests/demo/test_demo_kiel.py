"""The Kiel R7 rows as offer-line specifications and the catalogue mapping (no database)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest

from nsatu.core.enums import OfferChannel, ValuationBasis
from nsatu.core.lifecycles import OfferStage
from nsatu.demo import catalogue, kiel, reference_data


@pytest.fixture(scope="module")
def rows() -> list[kiel.KielRow]:
    return kiel.read_rows()


@pytest.fixture(scope="module")
def specs(rows: list[kiel.KielRow]) -> list[kiel.OfferSpec]:
    return kiel.offer_specs(rows, kiel.read_rates())


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("14", Decimal(14)),
        (" 1190651.93 ", Decimal("1190651.93")),
        ("1.000.00", Decimal(1000)),
        ("15.000.00", Decimal(15000)),
        ("7.725", Decimal("7.725")),
        (".", None),
        ("", None),
        ("undisclosed", None),
        ("Undisclosed", None),
        ("No price", None),
        ("Not given", None),
        ("dozens", None),
    ],
)
def test_number_reads_kiel_cells(cell: str, expected: Decimal | None) -> None:
    assert kiel.number(cell) == expected


def test_every_row_is_exactly_one_line(
    rows: list[kiel.KielRow], specs: list[kiel.OfferSpec]
) -> None:
    covered = Counter(line for s in specs for line in s.rows)
    assert sorted(covered) == list(range(1, len(rows) + 1))
    assert set(covered.values()) == {1}
    assert len({s.reference for s in specs}) == len(specs)


def test_packages_get_one_parent_each(
    rows: list[kiel.KielRow], specs: list[kiel.OfferSpec]
) -> None:
    sizes = Counter(r.id for r in rows)
    parents = {s.reference for s in specs if not s.rows}
    assert parents == {pid for pid, n in sizes.items() if n > 1}
    for s in specs:
        if s.parent_reference is not None:
            assert s.parent_reference in parents
            assert s.reference.startswith(f"{s.parent_reference}-")


def test_parent_stage_is_delivered_only_when_all_children_are(specs: list[kiel.OfferSpec]) -> None:
    children: dict[str, list[kiel.OfferSpec]] = {}
    for s in specs:
        if s.parent_reference:
            children.setdefault(s.parent_reference, []).append(s)
    for s in specs:
        if s.reference in children:
            all_done = all(c.stage is OfferStage.DELIVERED for c in children[s.reference])
            assert (s.stage is OfferStage.DELIVERED) == all_done


def test_every_donor_is_mapped(rows: list[kiel.KielRow]) -> None:
    donors = {r.donor for r in rows}
    assert len(donors) == 43
    assert donors <= reference_data.DONOR_CODES.keys()
    codes = {reference_data.DONOR_CODES[d] for d in donors}
    assert len(codes) == 41  # 40 countries and the EU institutions as one donor
    assert all(len(c) == 3 and c.isupper() for c in codes)


def test_eu_institutions_are_pooled(specs: list[kiel.OfferSpec]) -> None:
    for s in specs:
        eu = s.donor in reference_data.EU_ORGANISATIONS
        assert (s.channel is OfferChannel.POOLED_FUND) == eu


def test_item_rows_map_to_catalogue_types(rows: list[kiel.KielRow]) -> None:
    used = {r.item_type for r in rows if r.item is not None}
    assert None not in used
    assert used <= catalogue.BY_CODE.keys()
    assert used == set(catalogue.BY_CODE)  # no catalogue type without a real pledge behind it


@pytest.mark.parametrize(
    ("type_of_item", "sub_type", "item", "code"),
    [
        ("Heavy weapon", "155mm howitzer", "Panzerhaubitze 2000", "spg-155"),
        ("Heavy weapon", "155mm howitzer", "M777 howitzer", "howitzer-155"),
        ("Ammunition for heavy weapon", "155mm howitzer ammunition", "155mm artillery round",
         "ammo-155"),
        ("Heavy weapon", "127mm MLRS", "Mars II", "mlrs-227"),
        ("Military equipment", ".", "helmet", "helmet"),
        ("Military equipment", ".", "Military trucks", "truck"),
        ("Military equipment", ".", "First-aid kit", "medical-consumables"),
        ("Military equipment", ".", "Other military equipment", "military-equipment-other"),
        ("Humanitarian", ".", "ton of food", "food-tonne"),
        ("Humanitarian", ".", "field kitchen", "humanitarian-other"),
    ],
)  # fmt: skip
def test_classify_examples(type_of_item: str, sub_type: str, item: str, code: str) -> None:
    humanitarian = type_of_item == "Humanitarian"
    assert catalogue.classify(type_of_item, sub_type, item, humanitarian=humanitarian) == code


def test_catalogue_is_consistent() -> None:
    areas = {a.code for a in catalogue.AREAS}
    assert len(areas) == len(catalogue.AREAS)
    assert len(catalogue.BY_CODE) == len(catalogue.ITEM_TYPES)
    for t in catalogue.ITEM_TYPES:
        assert t.area in areas
        assert Decimal(t.lift) >= 0
        assert t.family
    assert catalogue.BY_CODE["spg-155"].family == catalogue.BY_CODE["howitzer-155"].family
    assert catalogue.BY_CODE["ammo-155"].family != catalogue.BY_CODE["howitzer-155"].family


def test_single_line_carries_declared_total(specs: list[kiel.OfferSpec]) -> None:
    eem3 = next(s for s in specs if s.reference == "EEM3")
    assert eem3.value is not None
    assert eem3.value.currency == "EUR"
    assert eem3.value.amount == Decimal("5300000.00")
    assert eem3.value.basis is ValuationBasis.DONOR_DECLARED
    # The published date 2922-02-09 is an obvious typo, read as 2022 and noted.
    assert eem3.announced_on == dt.date(2022, 2, 9)
    assert eem3.notes is not None
    assert "2922-02-09" in eem3.notes


def test_children_carry_usd_estimates(specs: list[kiel.OfferSpec]) -> None:
    pzh = next(
        s for s in specs if s.parent_reference == "DEM1" and s.description == "Panzerhaubitze 2000"
    )
    assert pzh.value is not None
    assert pzh.value.currency == "USD"
    assert pzh.value.basis is ValuationBasis.PRICE_LIST
    assert pzh.value.eur_rate == Decimal("0.9887")


def test_contiguity_is_checked() -> None:
    rows = kiel.read_rows()
    a, b = rows[0], rows[1]
    with pytest.raises(ValueError, match="not contiguous"):
        kiel.offer_specs([a, b, a], kiel.read_rates())
