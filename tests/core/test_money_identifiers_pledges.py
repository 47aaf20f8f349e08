from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nsatu.core import identifiers, money
from nsatu.core.pledges import PledgeCycleError, PledgeNode, find_cycle, total, tree_value


@pytest.mark.parametrize("raw", ["5820011234567", "5820-01-123-4567", " 1005-12-345-6789 "])
def test_valid_nsns_normalise_to_13_digits(raw: str) -> None:
    digits = identifiers.normalise_nsn(raw)
    assert len(digits) == 13 and digits.isdigit()
    assert identifiers.format_nsn(digits).count("-") == 3


@pytest.mark.parametrize(
    "raw",
    ["582001123456", "58200112345678", "5820-011-23-4567", "ABCD011234567", "0020011234567", ""],
)
def test_invalid_nsns_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="NSN"):
        identifiers.normalise_nsn(raw)


def test_locode_and_alpha3() -> None:
    assert identifiers.normalise_locode("pl rze") == "PLRZE"
    assert identifiers.check_alpha3("deu") == "DEU"
    with pytest.raises(ValueError, match="alpha-3"):
        identifiers.check_alpha3("DE")
    with pytest.raises(ValueError, match="UN/LOCODE"):
        identifiers.normalise_locode("PL-RZE")


@given(
    amount=st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False),
    rate=st.decimals(min_value=Decimal("0.0001"), max_value=10**4, places=4, allow_nan=False),
)
def test_conversion_round_trips_within_a_cent(amount: Decimal, rate: Decimal) -> None:
    eur = money.convert(amount, units_per_target=rate)
    back = eur * rate
    assert abs(back - amount) < Decimal("0.01")


def test_conversion_refuses_non_positive_rates() -> None:
    with pytest.raises(ValueError, match="positive"):
        money.convert(Decimal(1), units_per_target=Decimal(0))


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", ""])
def test_parse_decimal_names_the_field(bad: str) -> None:
    with pytest.raises(ValueError, match=r"^qty:"):
        money.parse_decimal(bad, field="qty")


def test_tree_values_count_each_tree_once() -> None:
    nodes = [
        PledgeNode(1, None, Decimal(100)),  # a package with a total ...
        PledgeNode(2, 1, Decimal(60)),  # ... and its items: not added again
        PledgeNode(3, 1, Decimal(70)),
        PledgeNode(4, None, None),  # a pledge without a value: its items count
        PledgeNode(5, 4, Decimal(5)),
        PledgeNode(6, 4, Decimal(6)),
    ]
    assert tree_value(nodes)[4] == Decimal(11)
    assert total(nodes) == Decimal(111)


def test_cycles_are_detected() -> None:
    assert find_cycle({1: 2, 2: 3, 3: 1}) is not None
    assert find_cycle({1: None, 2: 1, 3: 2}) is None
    with pytest.raises(PledgeCycleError):
        tree_value([PledgeNode(1, 2, None), PledgeNode(2, 1, None)])


@given(st.lists(st.decimals(min_value=0, max_value=10**6, places=2), min_size=1, max_size=20))
def test_total_of_flat_lines_is_their_sum(values: list[Decimal]) -> None:
    nodes = [PledgeNode(i, None, v) for i, v in enumerate(values)]
    assert total(nodes) == sum(values)
