"""An independent check of a plan against its problem: every limit, and the objective recomputed.

:func:`check_plan` reads nothing but the :class:`~nsatu.core.planner.problem.Problem` and the
:class:`~nsatu.core.planner.plan.Plan`; it shares no code with the model or the solver, so a bug
in either shows up here as a named violation instead of hiding behind the same mistake twice.

Every violation names the limit it breaks (``code``), the entity and the figures (``message``) and
the shipments involved (indices into ``plan.shipments``). Per-shipment lookups run in one Python
pass; the checks and the daily sums over legs and hubs are numpy operations, so a plan of 100,000
shipments checks in a fraction of a second.

Conventions (see ``docs/planner.md``):

- a shipment that cannot be placed (unknown offer, need or leg) counts towards every sum it still
  can: an unknown leg carries nothing, an unknown offer weighs nothing;
- a shipment with a quantity ≤ 0 is reported and then counts as 0 everywhere;
- only a shipment with a known offer and need, both legs, and an acceptable item type earns value;
  every known leg it uses costs ``tonnes × cost_per_t``;
- a capacity is broken when the load exceeds it by more than ``tolerance × max(1, capacity)``; the
  objective stated by the plan must match the recomputed one within
  ``tolerance × max(1, |objective|)``;
- an ``unmet`` entry that names a need must state its shortfall, ``quantity − delivered``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt

from nsatu.core.planner.plan import Plan
from nsatu.core.planner.problem import Id, Leg, Need, Offer, Problem

ViolationCode = Literal[
    "non_positive_quantity",
    "unknown_offer",
    "unknown_need",
    "no_such_leg",
    "incompatible_type",
    "before_available",
    "hub_departure_before_arrival",
    "arrives_after_horizon",
    "offer_over_quantity",
    "need_over_quantity",
    "all_or_nothing_partial",
    "leg_capacity",
    "hub_capacity",
    "unmet_mismatch",
    "objective_mismatch",
]
VIOLATION_CODES: tuple[ViolationCode, ...] = get_args(ViolationCode)

#: Days and quantities beyond this are clamped for the arithmetic (numpy int64); the messages still
#: quote the plan's own figures.
_CLAMP = 2**52

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken limit. ``shipments`` are indices into ``plan.shipments`` (empty when none apply)."""

    code: ViolationCode
    message: str
    shipments: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "shipments": list(self.shipments)}


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The verdict on one plan: ``ok`` when ``violations`` is empty, and the recomputed figures."""

    ok: bool
    violations: tuple[Violation, ...]
    objective: float
    value: float
    cost: float
    reported_objective: float

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(v.code for v in self.violations)

    def counts(self) -> dict[str, int]:
        """How many violations of each code, in the order of :data:`VIOLATION_CODES`."""
        found: dict[str, int] = {}
        for v in self.violations:
            found[v.code] = found.get(v.code, 0) + 1
        return {code: found[code] for code in VIOLATION_CODES if code in found}

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "objective": self.objective,
            "value": self.value,
            "cost": self.cost,
            "reported_objective": self.reported_objective,
            "counts": self.counts(),
            "violations": [v.to_json() for v in self.violations],
        }


def _n(ident: Id) -> str:
    return str(ident)


def _fig(x: float) -> str:
    """A figure for a message: 42.5, 40, 0.125 (rounding noise from sums removed)."""
    return f"{x:.10g}"


def _leg_name(leg: Leg) -> str:
    return f"{_n(leg.from_site)} → {_n(leg.to_site)} by {leg.mode}"


def _clamp(x: int) -> int:
    return -_CLAMP if x < -_CLAMP else _CLAMP if x > _CLAMP else x


def _group(keys: tuple[IntArray, IntArray]) -> tuple[IntArray, IntArray, IntArray]:
    """Group rows by a pair of keys (the first ≥ 0): the pair of each group, the group of each row."""
    a, b = keys
    if len(a) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    low = int(b.min())
    span = int(b.max()) - low + 1
    if span * (int(a.max()) + 1) < 2**62:  # one int64 key: a sort of 1-D keys is fast
        uniq, inverse = np.unique(a * span + (b - low), return_inverse=True)
        return uniq // span, uniq % span + low, inverse.reshape(-1).astype(np.int64)
    pairs, inverse = np.unique(np.stack([a, b], axis=1), axis=0, return_inverse=True)
    return pairs[:, 0], pairs[:, 1], inverse.reshape(-1).astype(np.int64)


def _members(
    inverse: IntArray, rows: IntArray, groups: Iterable[int]
) -> dict[int, tuple[int, ...]]:
    """The shipment indices (``rows``) that fall in each of ``groups``."""
    wanted = np.fromiter(groups, dtype=np.int64)
    if len(wanted) == 0:
        return {}
    hit = np.isin(inverse, wanted)
    out: dict[int, list[int]] = {int(g): [] for g in wanted}
    for g, row in zip(inverse[hit].tolist(), rows[hit].tolist(), strict=True):
        out[g].append(row)
    return {g: tuple(sorted(rows_)) for g, rows_ in out.items()}


@dataclass(frozen=True, slots=True)
class _Table:
    """The plan's shipments as index and figure arrays over the problem's entities.

    Entity indices are -1 for an unknown offer, need or leg; every per-entity array ends with a
    sentinel row, so indexing with -1 reads a harmless 0 and needs no masking.
    """

    oi: IntArray
    ni: IntArray
    li_in: IntArray
    li_out: IntArray
    qty: IntArray
    d1: IntArray
    d2: IntArray
    compat: BoolArray
    preferred: BoolArray
    q: IntArray
    tonnes: FloatArray
    arrive_hub: IntArray
    arrive_end: IntArray
    offer_qty: IntArray
    offer_avail: IntArray
    need_qty: IntArray
    need_due: IntArray
    need_weight: FloatArray
    need_aon: BoolArray
    leg_cap: FloatArray
    leg_cost: FloatArray
    leg_hub: IntArray


def _table(problem: Problem, plan: Plan) -> _Table:
    offers, needs, legs = problem.offers, problem.needs, problem.legs
    offer_ix = {o.id: i for i, o in enumerate(offers)}
    need_ix = {n.id: i for i, n in enumerate(needs)}
    leg_ix = {leg.key: i for i, leg in enumerate(legs)}
    accepts = [frozenset(n.acceptable_item_types) for n in needs]

    # One Python pass from ids to indices; everything after it is numpy.
    count = len(plan.shipments)
    oi_l, ni_l, li_in_l, li_out_l = [-1] * count, [-1] * count, [-1] * count, [-1] * count
    qty_l, d1_l, d2_l = [0] * count, [0] * count, [0] * count
    compat_l, preferred_l = [False] * count, [False] * count
    for k, s in enumerate(plan.shipments):
        qty_l[k] = s.quantity
        d1_l[k] = s.depart_day
        d2_l[k] = s.hub_depart_day
        o = offer_ix.get(s.offer, -1)
        n = need_ix.get(s.need, -1)
        oi_l[k], ni_l[k] = o, n
        if o >= 0:
            offer = offers[o]
            li_in_l[k] = leg_ix.get((offer.origin, s.hub, s.mode_in), -1)
            if n >= 0:
                compat_l[k] = offer.item_type in accepts[n]
                preferred_l[k] = offer.item_type == needs[n].acceptable_item_types[0]
        if n >= 0:
            li_out_l[k] = leg_ix.get((s.hub, needs[n].handover, s.mode_out), -1)

    def ints(values: list[int]) -> IntArray:
        try:
            return np.array(values, dtype=np.int64)
        except OverflowError:  # absurd days or quantities: clamp them for the arithmetic
            return np.array([_clamp(v) for v in values], dtype=np.int64)

    weight_of = {t.id: t.unit_weight_t for t in problem.item_types}
    hub_ix = {h.site: i for i, h in enumerate(problem.hubs)}
    oi, li_in, li_out, qty = ints(oi_l), ints(li_in_l), ints(li_out_l), ints(qty_l)
    d1, d2 = ints(d1_l), ints(d2_l)
    offer_unit_t = np.array([weight_of.get(o.item_type, 0.0) for o in offers] + [0.0])
    leg_transit = ints([leg.transit_days for leg in legs] + [0])
    q = np.where(qty > 0, qty, 0)
    return _Table(
        oi=oi,
        ni=ints(ni_l),
        li_in=li_in,
        li_out=li_out,
        qty=qty,
        d1=d1,
        d2=d2,
        compat=np.array(compat_l, dtype=np.bool_),
        preferred=np.array(preferred_l, dtype=np.bool_),
        q=q,
        tonnes=q * offer_unit_t[oi],
        arrive_hub=d1 + leg_transit[li_in],
        arrive_end=d2 + leg_transit[li_out],
        offer_qty=ints([o.quantity for o in offers] + [0]),
        offer_avail=ints([max(0, o.available_day) for o in offers] + [0]),
        need_qty=ints([n.quantity for n in needs] + [0]),
        need_due=ints([n.needed_by_day for n in needs] + [0]),
        need_weight=np.array([n.weight for n in needs] + [0.0]),
        need_aon=np.array([n.all_or_nothing for n in needs] + [False], dtype=np.bool_),
        leg_cap=np.array([leg.capacity_t_per_day for leg in legs] + [0.0]),
        leg_cost=np.array([leg.cost_per_t for leg in legs] + [0.0]),
        leg_hub=ints([hub_ix.get(leg.to_site, -1) for leg in legs] + [-1]),
    )


def check_plan(problem: Problem, plan: Plan, *, tolerance: float = 1e-6) -> CheckReport:
    """Check every limit of ``problem`` on ``plan`` and recompute its objective."""
    t = _table(problem, plan)
    violations = _per_shipment(problem, plan, t)
    got = np.rint(
        np.bincount(t.ni[t.ni >= 0], weights=t.q[t.ni >= 0], minlength=len(problem.needs))
    ).astype(np.int64)
    violations.extend(_quantities(problem, t, got))
    violations.extend(
        _leg_capacity(problem, (t.li_in, t.li_out), (t.d1, t.d2), t.tonnes, t.leg_cap, tolerance)
    )
    violations.extend(
        _hub_capacity(problem, t.leg_hub[t.li_in], t.li_in >= 0, t.arrive_hub, t.tonnes, tolerance)
    )
    violations.extend(_unmet(problem, plan, got))

    values = problem.values
    has_in, has_out = t.li_in >= 0, t.li_out >= 0
    earns = (t.oi >= 0) & (t.ni >= 0) & has_in & has_out & t.compat
    late = np.where(t.arrive_end > t.need_due[t.ni], values.late_factor, 1.0)
    sub = np.where(t.preferred, 1.0, values.substitute_factor)
    value = float(np.sum(np.where(earns, t.q * t.need_weight[t.ni] * late * sub, 0.0)))
    cost = float(
        np.sum(np.where(has_in, t.tonnes * t.leg_cost[t.li_in], 0.0))
        + np.sum(np.where(has_out, t.tonnes * t.leg_cost[t.li_out], 0.0))
    )
    objective = value - values.cost_weight * cost
    reported = plan.objective
    if not (
        math.isfinite(reported)
        and abs(reported - objective) <= tolerance * max(1.0, abs(objective))
    ):
        violations.append(
            Violation(
                "objective_mismatch",
                f"the plan states objective {_fig(reported)}, recomputed {_fig(objective)} "
                f"(value {_fig(value)} − {_fig(values.cost_weight)} × cost {_fig(cost)})",
            )
        )
    return CheckReport(
        ok=not violations,
        violations=tuple(violations),
        objective=objective,
        value=value,
        cost=cost,
        reported_objective=reported,
    )


def _per_shipment(problem: Problem, plan: Plan, t: _Table) -> list[Violation]:
    """The limits one shipment breaks on its own, in shipment order."""
    offers, needs, ships = problem.offers, problem.needs, plan.shipments
    horizon = problem.horizon_days
    known_o, known_n = t.oi >= 0, t.ni >= 0
    has_in, has_out = t.li_in >= 0, t.li_out >= 0
    found: list[tuple[int, int, Violation]] = []  # (shipment, code order, violation)

    def offer(k: int) -> Offer:
        return offers[int(t.oi[k])]

    def need(k: int) -> Need:
        return needs[int(t.ni[k])]

    def route(k: int) -> str:
        s = ships[k]
        return f"shipment {k} (offer {_n(s.offer)} → need {_n(s.need)})"

    def add(code: ViolationCode, mask: BoolArray, say: Callable[[int], str]) -> None:
        order = VIOLATION_CODES.index(code)
        for k in np.flatnonzero(mask).tolist():
            found.append((k, order, Violation(code, say(k), (k,))))

    add(
        "non_positive_quantity",
        t.qty <= 0,
        lambda k: f"{route(k)}: quantity {ships[k].quantity} is not positive",
    )
    add(
        "unknown_offer",
        ~known_o,
        lambda k: f"shipment {k}: offer {_n(ships[k].offer)} is not in the problem",
    )
    add(
        "unknown_need",
        ~known_n,
        lambda k: f"shipment {k}: need {_n(ships[k].need)} is not in the problem",
    )
    add(
        "no_such_leg",
        known_o & ~has_in,
        lambda k: (
            f"{route(k)}: no leg {_n(offer(k).origin)} → {_n(ships[k].hub)} "
            f"by {ships[k].mode_in} in the problem"
        ),
    )
    add(
        "no_such_leg",
        known_n & ~has_out,
        lambda k: (
            f"{route(k)}: no leg {_n(ships[k].hub)} → {_n(need(k).handover)} "
            f"by {ships[k].mode_out} in the problem"
        ),
    )
    add(
        "incompatible_type",
        known_o & known_n & ~t.compat,
        lambda k: (
            f"{route(k)}: item type {_n(offer(k).item_type)} is not acceptable for need "
            f"{_n(ships[k].need)} (accepts {', '.join(_n(i) for i in need(k).acceptable_item_types)})"
        ),
    )
    add(
        "before_available",
        known_o & (t.d1 < t.offer_avail[t.oi]),
        lambda k: (
            f"{route(k)}: leaves {_n(offer(k).origin)} on day {ships[k].depart_day}, "
            f"before the offer is available (day {max(0, offer(k).available_day)})"
        ),
    )
    add(
        "hub_departure_before_arrival",
        has_in & (t.d2 < t.arrive_hub),
        lambda k: (
            f"{route(k)}: leaves hub {_n(ships[k].hub)} on day {ships[k].hub_depart_day}, "
            f"before it arrives there (day {int(t.arrive_hub[k])})"
        ),
    )
    add(
        "arrives_after_horizon",
        has_out & (t.arrive_end > horizon - 1),
        lambda k: (
            f"{route(k)}: arrives at {_n(need(k).handover)} on day {int(t.arrive_end[k])}, "
            f"after the last day of the horizon (day {horizon - 1})"
        ),
    )
    found.sort(key=lambda item: (item[0], item[1]))
    return [v for _, _, v in found]


def _quantities(problem: Problem, t: _Table, got: IntArray) -> list[Violation]:
    """What each offer gives and each need receives, summed over its shipments."""
    rows = np.arange(len(t.oi), dtype=np.int64)
    out: list[Violation] = []
    known_o = t.oi >= 0
    sent = np.rint(
        np.bincount(t.oi[known_o], weights=t.q[known_o], minlength=len(problem.offers))
    ).astype(np.int64)
    over = np.flatnonzero(sent > t.offer_qty[:-1]).tolist()
    members = _members(t.oi, rows, over)
    for o in over:
        offer = problem.offers[o]
        out.append(
            Violation(
                "offer_over_quantity",
                f"offer {_n(offer.id)}: {int(sent[o])} units shipped, only {offer.quantity} offered",
                members[o],
            )
        )
    over = np.flatnonzero(got > t.need_qty[:-1]).tolist()
    partial = np.flatnonzero(t.need_aon[:-1] & (got > 0) & (got < t.need_qty[:-1])).tolist()
    members = _members(t.ni, rows, over + partial)
    for n in over:
        need = problem.needs[n]
        out.append(
            Violation(
                "need_over_quantity",
                f"need {_n(need.id)}: {int(got[n])} units delivered, only {need.quantity} needed",
                members[n],
            )
        )
    for n in partial:
        need = problem.needs[n]
        out.append(
            Violation(
                "all_or_nothing_partial",
                f"need {_n(need.id)} is all-or-nothing: {int(got[n])} of {need.quantity} units "
                "delivered",
                members[n],
            )
        )
    return out


def _leg_capacity(
    problem: Problem,
    leg_index: tuple[IntArray, IntArray],
    day: tuple[IntArray, IntArray],
    tonnes: FloatArray,
    leg_cap: FloatArray,
    tolerance: float,
) -> list[Violation]:
    """Tonnes departing on each leg and day, both legs of every shipment together."""
    rows = np.arange(len(tonnes), dtype=np.int64)
    parts = [(li >= 0) for li in leg_index]
    legs_ = np.concatenate([li[m] for li, m in zip(leg_index, parts, strict=True)])
    days_ = np.concatenate([d[m] for d, m in zip(day, parts, strict=True)])
    load_t = np.concatenate([tonnes[m] for m in parts])
    who = np.concatenate([rows[m] for m in parts])
    g_leg, g_day, inverse = _group((legs_, days_))
    if len(g_leg) == 0:
        return []
    load = np.bincount(inverse, weights=load_t, minlength=len(g_leg))
    cap = leg_cap[g_leg]
    over = np.flatnonzero(load > cap + tolerance * np.maximum(1.0, cap)).tolist()
    members = _members(inverse, who, over)
    out: list[Violation] = []
    for g in over:
        leg = problem.legs[int(g_leg[g])]
        out.append(
            Violation(
                "leg_capacity",
                f"leg {_leg_name(leg)}, day {int(g_day[g])}: {_fig(float(load[g]))} t depart, "
                f"capacity {_fig(leg.capacity_t_per_day)} t",
                members[g],
            )
        )
    return out


def _hub_capacity(
    problem: Problem,
    hub_index: IntArray,
    has_in: BoolArray,
    arrival: IntArray,
    tonnes: FloatArray,
    tolerance: float,
) -> list[Violation]:
    """Tonnes arriving at each hub (with a ``hubs`` entry) on each day."""
    mask = has_in & (hub_index >= 0)
    who = np.flatnonzero(mask).astype(np.int64)
    g_hub, g_day, inverse = _group((hub_index[mask], arrival[mask]))
    if len(g_hub) == 0:
        return []
    load = np.bincount(inverse, weights=tonnes[mask], minlength=len(g_hub))
    hubs = problem.hubs
    cap = np.array(
        [hubs[h].capacity_on(d) for h, d in zip(g_hub.tolist(), g_day.tolist(), strict=True)]
    )
    over = np.flatnonzero(load > cap + tolerance * np.maximum(1.0, cap)).tolist()
    members = _members(inverse, who, over)
    out: list[Violation] = []
    for g in over:
        hub = hubs[int(g_hub[g])]
        d = int(g_day[g])
        closed = " (closed)" if d in hub.closed_days else ""
        out.append(
            Violation(
                "hub_capacity",
                f"hub {_n(hub.site)}, day {d}: {_fig(float(load[g]))} t arrive, "
                f"capacity {_fig(float(cap[g]))} t{closed}",
                members[g],
            )
        )
    return out


def _unmet(problem: Problem, plan: Plan, delivered: IntArray) -> list[Violation]:
    """An ``unmet`` entry must name a need of the problem and state its shortfall."""
    need_ix = {n.id: i for i, n in enumerate(problem.needs)}
    out: list[Violation] = []
    for j, u in enumerate(plan.unmet):
        n = need_ix.get(u.need, -1)
        if n < 0:
            out.append(
                Violation("unmet_mismatch", f"unmet[{j}]: need {_n(u.need)} is not in the problem")
            )
            continue
        quantity = problem.needs[n].quantity
        short = quantity - int(delivered[n])
        if u.quantity != short:
            out.append(
                Violation(
                    "unmet_mismatch",
                    f"unmet[{j}]: need {_n(u.need)} is stated {u.quantity} units short; "
                    f"{int(delivered[n])} of {quantity} delivered leaves {short}",
                )
            )
    return out
