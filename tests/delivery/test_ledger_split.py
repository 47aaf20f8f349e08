"""The split of an offer line's outcomes over its allocations (pure, no database)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from nsatu.db.models import Allocation
from nsatu.delivery.ledger import Outcomes, split

NAMES = ("accepted", "pending", "damaged", "rejected", "lost", "in_transit")
amounts = st.integers(min_value=0, max_value=50).map(Decimal)


def test_outcomes_fill_allocations_in_order() -> None:
    total = Outcomes(accepted=Decimal(6), damaged=Decimal(2), lost=Decimal(2))
    a, b = Allocation(id=1, quantity=Decimal(7)), Allocation(id=2, quantity=Decimal(5))
    shares = split(total, [a, b])
    assert (shares[1].accepted, shares[1].damaged, shares[1].lost) == (6, 1, 0)
    assert (shares[2].accepted, shares[2].damaged, shares[2].lost) == (0, 1, 2)


@given(
    st.tuples(*(amounts for _ in NAMES)),
    st.lists(st.integers(min_value=1, max_value=40).map(Decimal), min_size=1, max_size=5),
)
def test_no_allocation_takes_more_than_its_quantity_and_nothing_is_counted_twice(
    totals: tuple[Decimal, ...], quantities: list[Decimal]
) -> None:
    total = Outcomes(**dict(zip(NAMES, totals, strict=True)))
    allocs = [Allocation(id=i + 1, quantity=q) for i, q in enumerate(quantities)]
    shares = split(total, allocs)
    for a in allocs:
        assert sum(getattr(shares[a.id], n) for n in NAMES) <= a.quantity
    for n in NAMES:
        assert sum(getattr(s, n) for s in shares.values()) <= getattr(total, n)
    attributed = sum(getattr(s, n) for s in shares.values() for n in NAMES)
    # Everything is attributed up to what the allocations can hold.
    assert attributed == min(sum(totals), sum(quantities))
