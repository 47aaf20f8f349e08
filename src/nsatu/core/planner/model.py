"""The planning MILP, built as arrays by named constraint families and passed to HiGHS in one call.

Formulation (exact for the contract in :mod:`nsatu.core.planner.problem`, and compact because
units of one item type are interchangeable once they have left their depot):

Columns
    ``x[l, k, t]``  units of item type *k* leaving on inbound leg *l* (depot → hub) on day *t*
    ``y[l, k, t]``  units of *k* leaving on outbound leg *l* (hub → handover) on day *t*
    ``stock[d, k, t]`` units of *k* still at depot *d* at the end of day *t* (continuous)
    ``inv[h, k, t]`` units of *k* waiting at hub *h* at the end of day *t* (continuous)
    ``arr[s, k, t]`` units of *k* handed over at site *s* by the end of day *t* (cumulative, continuous)
    ``on[n, k]``, ``late[n, k]``  units of *k* given to need *n* on time / late
    ``take[n]``     1 if an all-or-nothing need *n* is served (binary)

Constraint families (rows), each a contiguous block named in :attr:`Model.families`
    ``supply``     stock[d,k,t] = stock[d,k,t−1] + units of *k* becoming available − departures
                   (stock never negative; a chain rather than cumulative sums keeps every departure
                   in one supply row, which the interior-point solver handles far faster)
    ``leg_cap``    tonnes departing on a leg on a day ≤ its capacity
    ``hub_cap``    tonnes arriving at a hub on a day ≤ its handling capacity (0 when closed)
    ``hub_flow``   inv[h,k,t] = inv[h,k,t−1] + arrivals − departures (inventory never negative)
    ``handover``   arr[s,k,t] = arr[s,k,t−1] + units arriving on day t
    ``on_time``    Σ on[n,k] over needs at *s* due by day *D* ≤ arr[s,k,D]  (Hall's condition for
                   nested deadlines: it is exactly the condition for an on-time assignment to exist)
    ``delivered``  Σ (on + late)[n,k] over needs at *s* ≤ arr[s,k,T−1]
    ``need``       Σ_k (on + late)[n,k] ≤ quantity, or = quantity × take[n] when all-or-nothing

Integers: x, y, on, late and take. The inventory and arrival columns follow from them.
Variables that can never be used (before an offer is available, or too late to reach any handover
within the horizon) are not created, and capacity rows that cannot bind are not written.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from nsatu.core.planner.problem import Id, Leg, Problem

INF = math.inf
Float = npt.NDArray[np.float64]
Int = npt.NDArray[np.int64]


@dataclass(slots=True)
class Model:
    """A built MILP (maximisation) with the maps back to the problem."""

    problem: Problem
    types: list[Id]
    weight: dict[Id, float]
    in_legs: list[Leg]
    out_legs: list[Leg]
    # column attributes
    col_cost: Float
    col_lower: Float
    col_upper: Float
    integer: npt.NDArray[np.bool_]
    # column blocks: key tuples per column of each block
    x_cols: dict[tuple[int, Id, int], int] = field(default_factory=dict)
    y_cols: dict[tuple[int, Id, int], int] = field(default_factory=dict)
    on_cols: dict[tuple[int, Id], int] = field(default_factory=dict)
    late_cols: dict[tuple[int, Id], int] = field(default_factory=dict)
    take_cols: dict[int, int] = field(default_factory=dict)
    stock_cols: dict[tuple[Id, Id, int], int] = field(default_factory=dict)
    inv_cols: dict[tuple[Id, Id, int], int] = field(default_factory=dict)
    arr_cols: dict[tuple[Id, Id, int], int] = field(default_factory=dict)
    # rows (column-wise matrix)
    row_lower: Float = field(default_factory=lambda: np.zeros(0))
    row_upper: Float = field(default_factory=lambda: np.zeros(0))
    a_start: Int = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    a_index: Int = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    a_value: Float = field(default_factory=lambda: np.zeros(0))
    families: dict[str, tuple[int, int]] = field(default_factory=dict)
    row_keys: list[tuple[object, ...]] = field(default_factory=list)
    # per-family row lookups used by the explanations
    leg_cap_rows: dict[tuple[str, int, int], int] = field(default_factory=dict)
    hub_cap_rows: dict[tuple[Id, int], int] = field(default_factory=dict)

    @property
    def num_col(self) -> int:
        return len(self.col_cost)

    @property
    def num_row(self) -> int:
        return len(self.row_lower)

    @property
    def num_nz(self) -> int:
        return len(self.a_value)


class _Builder:
    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[bool] = []
        self.rows_i: list[int] = []
        self.rows_j: list[int] = []
        self.rows_v: list[float] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        self.row_keys: list[tuple[object, ...]] = []

    def col(self, cost: float, upper: float, *, integer: bool, lower: float = 0.0) -> int:
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(
        self, key: tuple[object, ...], terms: list[tuple[int, float]], lo: float, hi: float
    ) -> int:
        r = len(self.row_lower)
        for j, v in terms:
            self.rows_i.append(r)
            self.rows_j.append(j)
            self.rows_v.append(v)
        self.row_lower.append(lo)
        self.row_upper.append(hi)
        self.row_keys.append(key)
        return r


def build_model(problem: Problem) -> Model:  # noqa: PLR0912, PLR0915 - one pass per family reads best
    """Build the MILP for ``problem``."""
    T = problem.horizon_days
    late_factor = problem.values.late_factor
    sub_factor = problem.values.substitute_factor
    cw = problem.values.cost_weight
    weight = {t.id: t.unit_weight_t for t in problem.item_types}
    kinds = {s.id: s.kind for s in problem.sites}

    in_legs = [leg for leg in problem.legs if kinds[leg.from_site] == "depot"]
    out_legs = [leg for leg in problem.legs if kinds[leg.from_site] == "hub"]

    # What can reach where: types needed per handover, supply per (depot, type)
    needs = [n for n in problem.needs if n.quantity > 0]
    types_at_handover: dict[Id, set[Id]] = defaultdict(set)
    for n in needs:
        types_at_handover[n.handover].update(n.acceptable_item_types)
    supply: dict[tuple[Id, Id], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for o in problem.offers:
        if o.quantity > 0 and o.available_day < T:
            supply[(o.origin, o.item_type)][max(0, o.available_day)] += o.quantity
    types_at_depot: dict[Id, list[Id]] = defaultdict(list)
    for depot, k in supply:
        types_at_depot[depot].append(k)

    # Outbound legs per hub, the earliest day a type can be at a hub, and the types worth moving
    out_from_hub: dict[Id, list[int]] = defaultdict(list)
    for i, leg in enumerate(out_legs):
        out_from_hub[leg.from_site].append(i)
    hub_types_needed: dict[Id, set[Id]] = defaultdict(set)  # types some reachable handover wants
    min_out_transit: dict[tuple[Id, Id], int] = {}
    for leg in out_legs:
        for k in types_at_handover.get(leg.to_site, ()):
            hub_types_needed[leg.from_site].add(k)
            key = (leg.from_site, k)
            min_out_transit[key] = min(min_out_transit.get(key, T), leg.transit_days)

    b = _Builder()
    x_cols: dict[tuple[int, Id, int], int] = {}
    earliest_at_hub: dict[tuple[Id, Id], int] = {}
    for li, leg in enumerate(in_legs):
        for k in types_at_depot.get(leg.from_site, ()):
            if k not in hub_types_needed.get(leg.to_site, ()):
                continue
            first = min(supply[(leg.from_site, k)])
            last = T - 1 - leg.transit_days - min_out_transit[(leg.to_site, k)]
            cost = -cw * leg.cost_per_t * weight[k]
            for t in range(first, last + 1):
                x_cols[(li, k, t)] = b.col(cost, INF, integer=True)
            if first <= last:
                key = (leg.to_site, k)
                arrive = first + leg.transit_days
                earliest_at_hub[key] = min(earliest_at_hub.get(key, T), arrive)

    y_cols: dict[tuple[int, Id, int], int] = {}
    earliest_at_handover: dict[tuple[Id, Id], int] = {}
    for lo, leg in enumerate(out_legs):
        for k in sorted(types_at_handover.get(leg.to_site, ()), key=str):
            at_hub = earliest_at_hub.get((leg.from_site, k))
            if at_hub is None:
                continue
            first = at_hub
            cost = -cw * leg.cost_per_t * weight[k]
            for t in range(first, T - leg.transit_days):
                y_cols[(lo, k, t)] = b.col(cost, INF, integer=True)
            if first + leg.transit_days <= T - 1:
                key = (leg.to_site, k)
                arrive = first + leg.transit_days
                earliest_at_handover[key] = min(earliest_at_handover.get(key, T), arrive)

    # Hub inventory and handover arrival columns
    hub_keys = sorted(
        {(leg.to_site, k) for (li, k, _t) in x_cols for leg in [in_legs[li]]}, key=str
    )
    inv_cols: dict[tuple[Id, Id, int], int] = {}
    for h, k in hub_keys:
        for t in range(earliest_at_hub[(h, k)], T):
            inv_cols[(h, k, t)] = b.col(0.0, INF, integer=False)
    hand_keys = sorted(earliest_at_handover, key=str)
    arr_cols: dict[tuple[Id, Id, int], int] = {}
    for s, k in hand_keys:
        for t in range(earliest_at_handover[(s, k)], T):
            arr_cols[(s, k, t)] = b.col(0.0, INF, integer=False)

    # Assignment columns
    on_cols: dict[tuple[int, Id], int] = {}
    late_cols: dict[tuple[int, Id], int] = {}
    take_cols: dict[int, int] = {}
    for ni, n in enumerate(problem.needs):
        if n.quantity <= 0:
            continue
        for k in n.acceptable_item_types:
            reachable = earliest_at_handover.get((n.handover, k))
            if reachable is None:
                continue
            first = reachable
            value = n.weight * (1.0 if k == n.preferred_item_type else sub_factor)
            if first <= n.needed_by_day:
                on_cols[(ni, k)] = b.col(value, n.quantity, integer=True)
            # late units are worth late_factor; with 0 they still complete an all-or-nothing need
            if (late_factor > 0 or n.all_or_nothing) and n.needed_by_day < T - 1:
                late_cols[(ni, k)] = b.col(value * late_factor, n.quantity, integer=True)
        if n.all_or_nothing and any(
            (ni, k) in on_cols or (ni, k) in late_cols for k in n.acceptable_item_types
        ):
            take_cols[ni] = b.col(0.0, 1.0, integer=True)

    families: dict[str, tuple[int, int]] = {}
    stock_cols: dict[tuple[Id, Id, int], int] = {}

    def family(name: str, start: int) -> None:
        families[name] = (start, len(b.row_lower))

    # supply: a depot stock chain per type, stock[t] = stock[t-1] + available(t) - departures(t)
    start = len(b.row_lower)
    x_by_depot_type: dict[tuple[Id, Id], dict[int, list[int]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for (li, k, t), j in x_cols.items():
        x_by_depot_type[(in_legs[li].from_site, k)][t].append(j)
    for (depot, k), by_day in x_by_depot_type.items():
        avail = supply[(depot, k)]
        first = min(avail)
        last = max(by_day)
        previous: int | None = None
        for t in range(first, last + 1):
            stock = b.col(0.0, INF, integer=False)
            stock_cols[(depot, k, t)] = stock
            terms = [(stock, 1.0)] + [(j, 1.0) for j in by_day.get(t, ())]
            if previous is not None:
                terms.append((previous, -1.0))
            released = float(avail.get(t, 0))
            b.row(("supply", depot, k, t), terms, released, released)
            previous = stock
    family("supply", start)

    # leg capacity
    start = len(b.row_lower)
    leg_cap_rows: dict[tuple[str, int, int], int] = {}
    for direction, legs, cols_map in (("in", in_legs, x_cols), ("out", out_legs, y_cols)):
        by_leg_day: dict[tuple[int, int], list[tuple[int, float]]] = defaultdict(list)
        for (li, k, t), j in cols_map.items():
            by_leg_day[(li, t)].append((j, weight[k]))
        for (li, t), terms in sorted(by_leg_day.items()):
            cap = legs[li].capacity_t_per_day
            if math.isinf(cap):
                continue
            leg_cap_rows[(direction, li, t)] = b.row(
                ("leg_cap", direction, li, t), terms, -INF, cap
            )
    family("leg_cap", start)

    # hub handling capacity (arrivals per day)
    start = len(b.row_lower)
    hub_cap_rows: dict[tuple[Id, int], int] = {}
    arrivals_at_hub: dict[tuple[Id, int], list[tuple[int, float]]] = defaultdict(list)
    hub_arrivals_by_type: dict[tuple[Id, Id, int], list[int]] = defaultdict(list)
    for (li, k, t), j in x_cols.items():
        leg = in_legs[li]
        day = t + leg.transit_days
        arrivals_at_hub[(leg.to_site, day)].append((j, weight[k]))
        hub_arrivals_by_type[(leg.to_site, k, day)].append(j)
    for (h, day), terms in sorted(
        arrivals_at_hub.items(), key=lambda item: (str(item[0][0]), item[0][1])
    ):
        cap = problem.hub_capacity(h, day)
        if math.isinf(cap):
            continue
        hub_cap_rows[(h, day)] = b.row(("hub_cap", h, day), terms, -INF, cap)
    family("hub_cap", start)

    # hub inventory balance: inv[t] - inv[t-1] - arrivals(t) + departures(t) = 0
    start = len(b.row_lower)
    departures_from_hub: dict[tuple[Id, Id, int], list[int]] = defaultdict(list)
    for (lo, k, t), j in y_cols.items():
        departures_from_hub[(out_legs[lo].from_site, k, t)].append(j)
    for h, k in hub_keys:
        for t in range(earliest_at_hub[(h, k)], T):
            terms = [(inv_cols[(h, k, t)], 1.0)]
            if (h, k, t - 1) in inv_cols:
                terms.append((inv_cols[(h, k, t - 1)], -1.0))
            terms += [(j, -1.0) for j in hub_arrivals_by_type.get((h, k, t), ())]
            terms += [(j, 1.0) for j in departures_from_hub.get((h, k, t), ())]
            b.row(("hub_flow", h, k, t), terms, 0.0, 0.0)
    # departures with no inventory column (before any arrival) cannot exist: y starts at arrival
    family("hub_flow", start)

    # handover arrivals (cumulative)
    start = len(b.row_lower)
    arriving: dict[tuple[Id, Id, int], list[int]] = defaultdict(list)
    for (lo, k, t), j in y_cols.items():
        leg = out_legs[lo]
        arriving[(leg.to_site, k, t + leg.transit_days)].append(j)
    for s, k in hand_keys:
        for t in range(earliest_at_handover[(s, k)], T):
            terms = [(arr_cols[(s, k, t)], 1.0)]
            if (s, k, t - 1) in arr_cols:
                terms.append((arr_cols[(s, k, t - 1)], -1.0))
            terms += [(j, -1.0) for j in arriving.get((s, k, t), ())]
            b.row(("handover", s, k, t), terms, 0.0, 0.0)
    family("handover", start)

    # on time (Hall's condition over nested deadlines) and delivered in all
    start = len(b.row_lower)
    on_by_site_type: dict[tuple[Id, Id], list[tuple[int, int]]] = defaultdict(list)
    for (ni, k), j in on_cols.items():
        on_by_site_type[(problem.needs[ni].handover, k)].append(
            (problem.needs[ni].needed_by_day, j)
        )
    for (s, k), entries in sorted(on_by_site_type.items(), key=lambda item: str(item[0])):
        for deadline in sorted({d for d, _ in entries}):
            day = min(deadline, T - 1)
            terms = [(j, 1.0) for d, j in entries if d <= deadline]
            terms.append((arr_cols[(s, k, day)], -1.0))
            b.row(("on_time", s, k, deadline), terms, -INF, 0.0)
    family("on_time", start)
    start = len(b.row_lower)
    all_by_site_type: dict[tuple[Id, Id], list[int]] = defaultdict(list)
    for (ni, k), j in list(on_cols.items()) + list(late_cols.items()):
        all_by_site_type[(problem.needs[ni].handover, k)].append(j)
    for (s, k), site_cols in sorted(all_by_site_type.items(), key=lambda item: str(item[0])):
        terms = [(j, 1.0) for j in site_cols]
        terms.append((arr_cols[(s, k, T - 1)], -1.0))
        b.row(("delivered", s, k), terms, -INF, 0.0)
    family("delivered", start)

    # need quantity, all-or-nothing
    start = len(b.row_lower)
    for ni, n in enumerate(problem.needs):
        terms = [
            (cols[(ni, k)], 1.0)
            for k in n.acceptable_item_types
            for cols in (on_cols, late_cols)
            if (ni, k) in cols
        ]
        if not terms:
            continue
        if ni in take_cols:
            terms.append((take_cols[ni], -float(n.quantity)))
            b.row(("need", ni), terms, 0.0, 0.0)
        else:
            b.row(("need", ni), terms, -INF, float(n.quantity))
    family("need", start)

    # Column-wise sparse matrix
    num_col = len(b.cost)
    row_of = np.asarray(b.rows_i, dtype=np.int64)
    col_of = np.asarray(b.rows_j, dtype=np.int64)
    vals = np.asarray(b.rows_v, dtype=np.float64)
    order = np.lexsort((row_of, col_of))
    counts = np.bincount(col_of, minlength=num_col)
    a_start = np.zeros(num_col + 1, dtype=np.int64)
    np.cumsum(counts, out=a_start[1:])

    return Model(
        problem=problem,
        types=sorted({k for (_li, k, _t) in x_cols}, key=str),
        weight=weight,
        in_legs=in_legs,
        out_legs=out_legs,
        col_cost=np.asarray(b.cost, dtype=np.float64),
        col_lower=np.asarray(b.lower, dtype=np.float64),
        col_upper=np.asarray(b.upper, dtype=np.float64),
        integer=np.asarray(b.integer, dtype=np.bool_),
        x_cols=x_cols,
        y_cols=y_cols,
        on_cols=on_cols,
        late_cols=late_cols,
        take_cols=take_cols,
        stock_cols=stock_cols,
        inv_cols=inv_cols,
        arr_cols=arr_cols,
        row_lower=np.asarray(b.row_lower, dtype=np.float64),
        row_upper=np.asarray(b.row_upper, dtype=np.float64),
        a_start=a_start,
        a_index=row_of[order],
        a_value=vals[order],
        families=families,
        row_keys=b.row_keys,
        leg_cap_rows=leg_cap_rows,
        hub_cap_rows=hub_cap_rows,
    )
