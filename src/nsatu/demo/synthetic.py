"""Synthetic monthly priority lists: Ukraine's real needs are not public, so the demo makes some up.

The generator is pure and reproducible: the same catalogue, destinations and seed give the same needs,
byte for byte, because every random draw comes from one ``random.Random(seed)`` in a fixed order. Each
need says it is synthetic twice: ``is_synthetic`` is set on the row, and the justification starts with
``[SYNTHETIC]``. Statuses follow the requirement lifecycle. Older periods have moved further on (covered,
closed) and the latest still hold drafts. Approved quantities exist only from ``approved`` on.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from nsatu.core.lifecycles import RequirementStatus

DEFAULT_SEED = 20250101
PERIODS: tuple[str, ...] = ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06")
PER_PERIOD = (28, 38)  # needs per period, inclusive range
TAG = "[SYNTHETIC]"

_S = RequirementStatus

#: Relative weight of each capability area in the lists (areas not named here weigh 1).
AREA_WEIGHTS: dict[str, float] = {
    "air-defence": 4,
    "artillery": 5,
    "ammunition": 3,
    "drones": 4,
    "armour": 2.5,
    "demining": 1.5,
    "it-comms": 1.5,
    "soldier": 1.5,
    "maritime": 0.7,
    "aviation": 0.7,
    "humanitarian": 0.4,
}

#: Status weights by how many periods ago the list was issued (0 = the latest).
STATUS_WEIGHTS: tuple[tuple[range, dict[RequirementStatus, int]], ...] = (
    (range(4, 99), {_S.PUBLISHED: 30, _S.PARTIALLY_COVERED: 20, _S.COVERED: 15, _S.CLOSED: 15,
                    _S.APPROVED: 5, _S.VALIDATED: 3, _S.SUBMITTED: 2, _S.REJECTED: 5,
                    _S.CANCELLED: 5}),
    (range(2, 4), {_S.PUBLISHED: 45, _S.PARTIALLY_COVERED: 12, _S.COVERED: 6, _S.CLOSED: 3,
                   _S.APPROVED: 10, _S.VALIDATED: 8, _S.SUBMITTED: 6, _S.DRAFT: 3, _S.REJECTED: 4,
                   _S.CANCELLED: 3}),
    (range(0, 2), {_S.PUBLISHED: 30, _S.PARTIALLY_COVERED: 4, _S.APPROVED: 12, _S.VALIDATED: 14,
                   _S.SUBMITTED: 18, _S.DRAFT: 18, _S.REJECTED: 2, _S.CANCELLED: 2}),
)  # fmt: skip

#: Statuses that have passed approval, so carry an approved quantity.
APPROVED_ON = frozenset({_S.APPROVED, _S.PUBLISHED, _S.PARTIALLY_COVERED, _S.COVERED, _S.CLOSED})

#: Typical quantity when the catalogue has no reference price, by unit of measure.
_DEFAULT_RANGE: dict[str, tuple[int, int]] = {
    "round": (1_000, 50_000),
    "each": (5, 200),
    "litre": (10_000, 500_000),
    "tonne": (10, 500),
    "pallet": (20, 200),
    "pack": (1_000, 20_000),
    "metre": (50, 500),
    "service": (1, 12),
}

#: Upper bound of a request by unit of measure, so cheap items do not come out in the millions.
_CAPS: dict[str, int] = {
    "round": 20_000_000,
    "each": 20_000,
    "litre": 2_000_000,
    "tonne": 5_000,
    "pallet": 2_000,
    "pack": 200_000,
    "metre": 2_000,
    "service": 12,
}

_PURPOSES = (
    "replenishment of consumed stocks",
    "equipping a newly formed brigade",
    "replacement of combat losses",
    "training stock",
    "sustainment of units in the east",
    "protection of critical infrastructure",
)

_DAYS_BY_PRIORITY = {1: (14, 45), 2: (30, 90), 3: (60, 150)}


@dataclass(frozen=True)
class CatalogueEntry:
    """What the generator needs to know about one item type."""

    code: str
    public_name: str
    capability_area: str
    unit: str
    unit_value_usd: Decimal | None


@dataclass(frozen=True)
class NeedSpec:
    reference: str
    title: str
    period: str
    capability_area: str
    item_type: str
    quantity_requested: Decimal
    quantity_approved: Decimal | None
    priority: int
    rank: int
    needed_by_on: dt.date
    destination: str
    justification: str
    status: RequirementStatus


def _nice(value: float) -> int:
    """Round to two significant digits, at least 1 (lists ask for round numbers)."""
    if value < 1:
        return 1
    digits = math.floor(math.log10(value))
    step: int = 10 ** max(digits - 1, 0)
    return max(1, round(value / step) * step)


def _quantity(rng: random.Random, entry: CatalogueEntry) -> int:
    if entry.unit_value_usd is not None and entry.unit_value_usd > 0:
        budget = math.exp(rng.uniform(math.log(5e5), math.log(6e7)))  # 0.5 to 60 million USD
        wanted = budget / float(entry.unit_value_usd)
    else:
        low, high = _DEFAULT_RANGE.get(entry.unit, (5, 200))
        wanted = math.exp(rng.uniform(math.log(low), math.log(high)))
    return _nice(min(wanted, _CAPS.get(entry.unit, 20_000)))


def _status(rng: random.Random, age: int) -> RequirementStatus:
    for ages, weights in STATUS_WEIGHTS:
        if age in ages:
            states = list(weights)
            return rng.choices(states, weights=[weights[s] for s in states])[0]
    raise ValueError(f"no status weights for age {age}")  # pragma: no cover - ranges cover all


def _areas_to_draw(rng: random.Random, areas: list[str], total: int) -> list[str]:
    """One draw per need: every area at least once, the rest by weight, in random order."""
    weights = [AREA_WEIGHTS.get(a, 1.0) for a in areas]
    picks = list(areas) + rng.choices(areas, weights=weights, k=max(total - len(areas), 0))
    rng.shuffle(picks)
    return picks


def generate_needs(
    catalogue: Sequence[CatalogueEntry],
    destinations: Sequence[str],
    *,
    seed: int = DEFAULT_SEED,
    periods: Sequence[str] = PERIODS,
) -> list[NeedSpec]:
    """Generate the synthetic priority lists of ``periods``.

    Parameters:
        catalogue: the item types needs may ask for (input order does not matter).
        destinations: site codes of the handover points needs are delivered to.
        seed: the random seed; the same seed gives identical needs.
        periods: the monthly lists to generate, as ``YYYY-MM``.

    Returns:
        The needs ordered by period and rank, referenced ``SYN-<period>-<rank:03d>``.

    Raises:
        ValueError: the catalogue or the destinations are empty.
    """
    if not catalogue or not destinations:
        raise ValueError("synthetic needs require a non-empty catalogue and destinations")
    rng = random.Random(seed)
    entries = sorted(catalogue, key=lambda e: e.code)
    by_area: dict[str, list[CatalogueEntry]] = {}
    for e in entries:
        by_area.setdefault(e.capability_area, []).append(e)
    sizes = [rng.randint(*PER_PERIOD) for _ in periods]
    area_draws = iter(_areas_to_draw(rng, sorted(by_area), sum(sizes)))
    dests = sorted(destinations)
    needs: list[NeedSpec] = []
    for index, (period, size) in enumerate(zip(periods, sizes, strict=True)):
        age = len(periods) - 1 - index
        start = dt.date.fromisoformat(f"{period}-01")
        drafts: list[tuple[int, float, CatalogueEntry]] = []
        for _ in range(size):
            entry = rng.choice(by_area[next(area_draws)])
            priority = rng.choices((1, 2, 3), weights=(30, 45, 25))[0]
            drafts.append((priority, rng.random(), entry))
        drafts.sort(key=lambda d: (d[0], d[1]))  # rank: by priority, ties in random order
        for rank, (priority, _, entry) in enumerate(drafts, start=1):
            needs.append(_need(rng, entry, period, start, age, priority, rank, dests, seed))
    return needs


def _need(
    rng: random.Random,
    entry: CatalogueEntry,
    period: str,
    start: dt.date,
    age: int,
    priority: int,
    rank: int,
    dests: list[str],
    seed: int,
) -> NeedSpec:
    requested = _quantity(rng, entry)
    status = _status(rng, age)
    approved: Decimal | None = None
    if status in APPROVED_ON:
        share = rng.choice((1.0, 1.0, 1.0, 0.8, 0.5))
        approved = Decimal(_nice(requested * share) if share < 1 else requested)
    purpose = rng.choice(_PURPOSES)
    low, high = _DAYS_BY_PRIORITY[priority]
    return NeedSpec(
        reference=f"SYN-{period}-{rank:03d}",
        title=f"{entry.public_name}: {purpose}"[:200],
        period=period,
        capability_area=entry.capability_area,
        item_type=entry.code,
        quantity_requested=Decimal(requested),
        quantity_approved=approved,
        priority=priority,
        rank=rank,
        needed_by_on=start + dt.timedelta(days=rng.randint(low, high)),
        destination=rng.choice(dests),
        justification=(
            f"{TAG} Generated demo need (seed {seed}), not a real Ukrainian requirement. "
            f"Priority {priority} for {purpose}, list {period}."
        ),
        status=status,
    )
