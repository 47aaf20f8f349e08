"""The double-counting guard for pledge trees.

A pledge can be refined into commitments, a commitment into disbursements, and a package into its item
lines. Each refinement is a child line that points at its parent. When totals are summed, each tree must
count once: a line's own value counts when it has one, and its children's values only fill in for a
parent that has none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class PledgeNode:
    id: int
    parent_id: int | None
    value: Decimal | None


class PledgeCycleError(ValueError):
    """The parent links form a cycle, so no total can be computed."""


def find_cycle(parents: Mapping[int, int | None]) -> list[int] | None:
    """Return the ids on one parent-link cycle, or ``None`` when the links form a forest."""
    state: dict[int, int] = {}  # 1 = on the current path, 2 = done
    for start in parents:
        path: list[int] = []
        node: int | None = start
        while node is not None and state.get(node, 0) == 0:
            state[node] = 1
            path.append(node)
            node = parents.get(node)
        if node is not None and state.get(node) == 1:
            return path[path.index(node) :]
        for n in path:
            state[n] = 2
    return None


def tree_value(nodes: Iterable[PledgeNode]) -> dict[int, Decimal]:
    """Value of every line counted once, without double counting parents and children.

    Parameters:
        nodes: every line of the trees concerned; a parent id not among them is treated as absent.

    Returns:
        For each line, the value it contributes to a total of its tree: its own value when it has
        one, otherwise the sum of its children's values computed the same way.

    Raises:
        PledgeCycleError: the parent links form a cycle.
    """
    by_id = {n.id: n for n in nodes}
    parents = {n.id: (n.parent_id if n.parent_id in by_id else None) for n in by_id.values()}
    cycle = find_cycle(parents)
    if cycle is not None:
        raise PledgeCycleError(f"parent links form a cycle: {' → '.join(map(str, cycle))}")
    children: dict[int, list[int]] = {}
    for nid, pid in parents.items():
        if pid is not None:
            children.setdefault(pid, []).append(nid)
    memo: dict[int, Decimal] = {}

    def value(nid: int) -> Decimal:
        # Iterative post-order keeps deep chains within Python's recursion limit.
        stack = [(nid, False)]
        while stack:
            cur, expanded = stack.pop()
            if cur in memo:
                continue
            own = by_id[cur].value
            if own is not None:
                memo[cur] = own
            elif expanded:
                memo[cur] = sum((memo[c] for c in children.get(cur, [])), Decimal(0))
            else:
                stack.append((cur, True))
                stack.extend((c, False) for c in children.get(cur, []))
        return memo[nid]

    for nid in by_id:
        value(nid)
    return memo


def total(nodes: Iterable[PledgeNode]) -> Decimal:
    """Sum of the roots' tree values: each pledge tree counted exactly once."""
    node_list = list(nodes)
    ids = {n.id for n in node_list}
    values = tree_value(node_list)
    return sum(
        (values[n.id] for n in node_list if n.parent_id is None or n.parent_id not in ids),
        Decimal(0),
    )
