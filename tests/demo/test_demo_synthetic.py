"""Synthetic needs: reproducible, flagged, and consistent with the requirement lifecycle."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from decimal import Decimal

import pytest

from nsatu.core.lifecycles import REQUIREMENT, RequirementStatus
from nsatu.demo import catalogue, kiel, reference_data, synthetic


@pytest.fixture(scope="module")
def entries() -> list[synthetic.CatalogueEntry]:
    prices = kiel.median_unit_prices(kiel.read_rows())
    return [
        synthetic.CatalogueEntry(t.code, t.public_name, t.area, t.unit, prices.get(t.code))
        for t in catalogue.ITEM_TYPES
    ]


@pytest.fixture(scope="module")
def needs(entries: list[synthetic.CatalogueEntry]) -> list[synthetic.NeedSpec]:
    return synthetic.generate_needs(entries, reference_data.handover_codes())


def _reachable() -> set[RequirementStatus]:
    seen = {REQUIREMENT.initial}
    todo = [REQUIREMENT.initial]
    while todo:
        for nxt in REQUIREMENT.next_states(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_same_seed_gives_identical_needs(
    entries: list[synthetic.CatalogueEntry], needs: list[synthetic.NeedSpec]
) -> None:
    shuffled = list(entries)
    random.Random(1).shuffle(shuffled)
    again = synthetic.generate_needs(shuffled, list(reversed(reference_data.handover_codes())))
    assert again == needs
    assert repr(again) == repr(needs)


def test_another_seed_gives_other_needs(
    entries: list[synthetic.CatalogueEntry], needs: list[synthetic.NeedSpec]
) -> None:
    other = synthetic.generate_needs(entries, reference_data.handover_codes(), seed=7)
    assert other != needs


def test_needs_are_flagged_and_well_formed(
    entries: list[synthetic.CatalogueEntry], needs: list[synthetic.NeedSpec]
) -> None:
    names = {e.code: e.public_name for e in entries}
    assert 150 <= len(needs) <= 250
    assert len({n.reference for n in needs}) == len(needs)
    for n in needs:
        assert n.justification.startswith("[SYNTHETIC]")
        assert re.fullmatch(r"SYN-2025-0[1-6]-\d{3}", n.reference)
        assert n.reference == f"SYN-{n.period}-{n.rank:03d}"
        assert names[n.item_type] in n.title
        assert n.priority in (1, 2, 3)
        assert n.quantity_requested > 0
        assert n.destination in reference_data.handover_codes()
        assert n.needed_by_on > dt.date.fromisoformat(f"{n.period}-01")


def test_ranks_follow_priority_within_each_period(needs: list[synthetic.NeedSpec]) -> None:
    periods = Counter(n.period for n in needs)
    assert sorted(periods) == list(synthetic.PERIODS)
    for period, size in periods.items():
        in_period = [n for n in needs if n.period == period]
        assert [n.rank for n in in_period] == list(range(1, size + 1))
        assert [n.priority for n in in_period] == sorted(n.priority for n in in_period)


def test_statuses_are_reachable_and_spread(needs: list[synthetic.NeedSpec]) -> None:
    statuses = Counter(n.status for n in needs)
    assert set(statuses) <= _reachable()
    assert statuses.most_common(1)[0][0] is RequirementStatus.PUBLISHED
    assert len(statuses) >= 8
    for n in needs:
        if n.status in synthetic.APPROVED_ON:
            assert n.quantity_approved is not None
            assert Decimal(0) < n.quantity_approved <= n.quantity_requested
        else:
            assert n.quantity_approved is None


def test_every_capability_area_with_items_is_asked_for(
    entries: list[synthetic.CatalogueEntry], needs: list[synthetic.NeedSpec]
) -> None:
    assert {n.capability_area for n in needs} == {e.capability_area for e in entries}


def test_empty_inputs_are_refused(entries: list[synthetic.CatalogueEntry]) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        synthetic.generate_needs(entries, [])
