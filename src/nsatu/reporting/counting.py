"""Counting the system's own pledges once, stage by stage (pure: no database).

Three rules, each tested on its own and by a property test over random trees:

- **Stages.** A line has reached a stage when its stage is that one or a later one (announced →
  committed → allocated → contracted → shipped → delivered); withdrawn lines count nowhere. The value
  that reached stage *s* is the counted-once total (:func:`nsatu.core.pledges.tree_value`) of the
  lines that reached *s*: a parent-linked pledge → commitment → disbursement chain counts once at
  every stage, and at each stage it counts the most advanced refinement that got there. Delivered
  values may be partial (from the delivery ledger): a line counts for delivered with the value of
  what arrived.
- **Counts.** A stage's count is the number of *leaves* (lines with no live refinement) that
  reached it, so that a package of ten items counts ten and a refined pledge counts once.
- **Pooled funds.** A line given through a pooled fund by the fund itself (a *fund line*, its
  donor being the fund's own nation) counts for the fund's contributors in proportion to what they
  contributed, never for the fund as well. Contributions (pooled-fund lines of other donors to the
  same fund) are then the keys, not counted themselves: the money is counted where it leaves the
  fund. A fund with no recorded contributions counts for the contributors of published keys when
  it has some (the EU institutions: the release's EU budget, EPF and EIB keys), else for itself;
  contributions to a fund with no lines of its own count for their donors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from nsatu.core.pledges import PledgeNode, tree_value

#: The stages a line passes, in order; a later one implies the earlier ones.
STAGES = ("announced", "committed", "allocated", "contracted", "shipped", "delivered")
ZERO = Decimal(0)
UNASSIGNED = "(unassigned)"
UNDATED = "(undated)"


@dataclass(frozen=True)
class Line:
    """One offer line as the counting sees it.

    ``stage`` is an index into :data:`STAGES` (``-1``: withdrawn). ``delivered`` is the EUR value of
    what arrived (the whole value for a line at ``delivered``, part of it from the delivery ledger).
    ``fund`` names the pooled fund a pooled-fund line goes through; ``fund_owner`` says the line is
    the fund's own (not a contribution to it).
    """

    id: int
    parent_id: int | None
    donor: str
    value: Decimal | None
    stage: int
    delivered: Decimal = ZERO
    area: str | None = None
    month: str | None = None
    fund: str | None = None
    fund_owner: bool = False


@dataclass
class Cell:
    """The figures of one donor × capability area × month."""

    counts: list[int] = field(default_factory=lambda: [0] * len(STAGES))
    values: list[Decimal] = field(default_factory=lambda: [ZERO] * len(STAGES))
    #: The delivered value (possibly partial deliveries); ``values[-1]`` counts whole lines only
    #: where the ledger knows no better, so both are kept.
    delivered: Decimal = ZERO
    withdrawn: int = 0


Key = tuple[str, str, str]  # donor, area, month


@dataclass
class Counted:
    cells: dict[Key, Cell]
    #: Fund → contributor → share (summing to 1), for the funds whose lines were attributed.
    keys: dict[str, dict[str, Decimal]]
    #: Fund → (contributed, given through its lines), both counted once, at ``announced``.
    funds: dict[str, tuple[Decimal, Decimal]]
    #: The funds whose keys are published ones, not recorded contributions.
    published: frozenset[str] = frozenset()


def fund_keys(
    lines: Sequence[Line], published: Mapping[str, Mapping[str, Decimal]] | None = None
) -> tuple[dict[str, dict[str, Decimal]], set[str]]:
    """Each fund's contributors' shares, and the funds that have lines of their own.

    A share is a contributor's counted-once contributions over all contributions to the fund.
    Only funds with lines of their own get keys: from their contributions, or else from
    ``published`` (fund → contributor → key, normalised here to add up to 1).
    """
    live = [ln for ln in lines if ln.stage >= 0]
    owners = {ln.fund for ln in live if ln.fund is not None and ln.fund_owner}
    contributed: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for root, value in _roots(
        [ln for ln in live if ln.fund is not None and not ln.fund_owner], lambda ln: ln.value
    ):
        assert root.fund is not None
        contributed[root.fund][root.donor] += value
    keys: dict[str, dict[str, Decimal]] = {}
    for fund, by_donor in contributed.items():
        whole = sum(by_donor.values(), ZERO)
        if fund in owners and whole > 0:
            keys[fund] = {d: v / whole for d, v in sorted(by_donor.items()) if v > 0}
    for fund, key in (published or {}).items():
        whole = sum((v for v in key.values() if v > 0), ZERO)
        if fund in owners and fund not in keys and whole > 0:
            keys[fund] = {d: v / whole for d, v in sorted(key.items()) if v > 0}
    return keys, owners


def _forest(
    lines: Sequence[Line], value: Callable[[Line], Decimal | None]
) -> tuple[list[Line], dict[int, Decimal], set[int]]:
    """The lines whose parent is not among ``lines`` (the roots), every line's counted-once value
    within ``lines``, and their ids."""
    ids = {ln.id for ln in lines}
    values = tree_value(PledgeNode(ln.id, ln.parent_id, value(ln)) for ln in lines)
    return [ln for ln in lines if ln.parent_id not in ids], values, ids


def _roots(
    lines: Sequence[Line], value: Callable[[Line], Decimal | None]
) -> list[tuple[Line, Decimal]]:
    """The roots of ``lines``, each with its tree's counted-once value."""
    roots, values, _ = _forest(lines, value)
    return [(ln, values[ln.id]) for ln in roots]


def count(
    lines: Sequence[Line], published: Mapping[str, Mapping[str, Decimal]] | None = None
) -> Counted:
    """Stage counts and counted-once values per donor × area × month (see the module docstring).

    ``published`` gives keys for funds with no recorded contributions (:func:`fund_keys`).

    Raises:
        PledgeCycleError: the parent links form a cycle.
    """
    keys, _ = fund_keys(lines, published)
    by_id = {ln.id: ln for ln in lines}
    # Contributions to a fund whose own lines are counted are keys, not pledges of their own.
    counted = [
        ln for ln in lines if not (ln.fund is not None and not ln.fund_owner and ln.fund in keys)
    ]
    live = [ln for ln in counted if ln.stage >= 0]
    live_ids = {ln.id for ln in live}
    children: dict[int, list[Line]] = defaultdict(list)
    for ln in live:
        if ln.parent_id in live_ids:
            children[ln.parent_id].append(ln)
    cells: dict[Key, Cell] = defaultdict(Cell)

    def month_of(ln: Line) -> str:
        # The month of the pledge at the top of the tree, so that a tree stays in one month.
        top = ln
        seen = {top.id}
        while top.parent_id is not None and top.parent_id in by_id and top.parent_id not in seen:
            top = by_id[top.parent_id]
            seen.add(top.id)
        return top.month or ln.month or UNDATED

    def donors_of(ln: Line) -> Mapping[str, Decimal]:
        if ln.fund is not None and ln.fund_owner and ln.fund in keys:
            return keys[ln.fund]
        return {ln.donor: Decimal(1)}

    for ln in counted:
        # Counts go to the most refined lines; withdrawn lines are counted apart.
        if ln.stage >= 0 and children.get(ln.id):
            continue
        for donor in donors_of(ln):
            cell = cells[(donor, ln.area or UNASSIGNED, month_of(ln))]
            cell.withdrawn += ln.stage < 0
            for k in range(ln.stage + 1):
                cell.counts[k] += 1

    def add(
        members: Sequence[Line],
        value: Callable[[Line], Decimal | None],
        put: Callable[[Cell, Decimal], None],
    ) -> None:
        roots, values, ids = _forest(members, value)
        for root in roots:
            month, whole = month_of(root), values[root.id]
            for area, area_share in _areas(root, whole, ids, values, children).items():
                for donor, donor_share in donors_of(root).items():
                    put(cells[(donor, area, month)], whole * area_share * donor_share)

    for k in range(len(STAGES)):

        def put(cell: Cell, v: Decimal, k: int = k) -> None:
            cell.values[k] += v

        add([ln for ln in live if ln.stage >= k], lambda ln: ln.value, put)

    def put_delivered(cell: Cell, v: Decimal) -> None:
        cell.delivered += v

    add(
        [ln for ln in live if ln.delivered > 0 or ln.stage == len(STAGES) - 1],
        lambda ln: ln.delivered if ln.delivered > 0 else ln.value,
        put_delivered,
    )
    funds = fund_totals(lines)
    from_published = frozenset(f for f in keys if funds.get(f, (ZERO, ZERO))[0] == 0)
    return Counted(cells=dict(cells), keys=keys, funds=funds, published=from_published)


def fund_totals(lines: Sequence[Line]) -> dict[str, tuple[Decimal, Decimal]]:
    """Per fund: what was contributed to it and what its own lines give, each counted once."""
    live = [ln for ln in lines if ln.stage >= 0]
    totals: dict[str, tuple[Decimal, Decimal]] = {}
    for fund in sorted({ln.fund for ln in live if ln.fund is not None}):
        paid, given = (
            sum(
                (
                    v
                    for _, v in _roots(
                        [ln for ln in live if ln.fund == fund and ln.fund_owner is owner],
                        lambda ln: ln.value,
                    )
                ),
                ZERO,
            )
            for owner in (False, True)
        )
        totals[fund] = (paid, given)
    return totals


def _areas(
    root: Line,
    value: Decimal,
    member_ids: set[int],
    values: Mapping[int, Decimal],
    children: Mapping[int, list[Line]],
) -> dict[str, Decimal]:
    """How a root's value spreads over capability areas: its own area when it has one; otherwise
    the areas of its refinements among ``member_ids``, in proportion to their counted-once
    ``values`` (a line's value depends on its own subtree only, so the forest's values serve)."""
    if root.area is not None or value == 0:
        return {root.area or UNASSIGNED: Decimal(1)}
    weights: dict[str, Decimal] = defaultdict(Decimal)
    stack = [c for c in children.get(root.id, []) if c.id in member_ids]
    while stack:
        ln = stack.pop()
        below = [c for c in children.get(ln.id, []) if c.id in member_ids]
        if ln.area is not None or not below:
            weights[ln.area or UNASSIGNED] += values[ln.id]
        else:
            stack.extend(below)
    whole = sum(weights.values(), ZERO)
    if whole <= 0:
        return {UNASSIGNED: Decimal(1)}
    return {area: w / whole for area, w in weights.items()}
