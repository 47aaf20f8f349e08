"""The baseline the planner is measured against: the straightforward MIP, on HiGHS defaults.

What someone would write first, with highspy's high-level modelling API, one constraint at a time:

- ``y[offer]``: units of an offer used (integer, ≤ quantity; offers available on day ≥ T are left
  out);
- per item type, a time-expanded flow network over every day of the horizon: depot inventory
  ``inv[depot, type, t]``, departures ``x[leg, type, t]`` on depot→hub legs, hub inventory
  ``hinv[hub, type, t]``, departures ``z[leg, type, t]`` on hub→handover legs (only for types some
  need at that handover accepts), all integer;
- ``w[need, type, d]``: units of a type handed over to a need on day ``d`` (integer), at most what
  arrives at the handover that day, at most the need's quantity, and exactly quantity × ``b[need]``
  (binary) for all-or-nothing needs;
- leg capacity on tonnes departing per day, hub capacity on tonnes arriving per day;
- maximise Σ w × unit value − cost_weight × Σ tonnes × cost per t.

This is exact for the contract, not a relaxation: an integer flow of one item type in a
time-expanded network splits into integer unit paths (offer → depot, wait, leg, hub, wait, leg,
handover → need), each of which is a shipment, and the offer and need quantities, capacities and
values are the same. The test suite checks it against brute force on tiny instances.

Variables are only created where they can carry flow (a leg departure that arrives by T−1, a type
held at a depot that offers it); nothing smarter. Not a benchmark itself: ``bench/planner.py``
calls :func:`solve_plain_mip`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import highspy

from nsatu.core.planner.problem import Id, Problem


@dataclass(frozen=True)
class PlainResult:
    status: str  # HiGHS model status, e.g. "Optimal", "Time limit reached"
    objective: float  # best integer solution found (nan when none)
    bound: float  # HiGHS dual bound
    gap: float  # (bound − objective) / max(1, |bound|)
    build_seconds: float
    solve_seconds: float
    columns: int
    rows: int

    @property
    def seconds(self) -> float:
        return self.build_seconds + self.solve_seconds

    @property
    def optimal(self) -> bool:
        return self.status == "Optimal"


def solve_plain_mip(  # noqa: PLR0912, PLR0915 (one model builder, read top to bottom)
    problem: Problem,
    *,
    time_limit_s: float | None = None,
    relax: bool = False,
    mip_rel_gap: float | None = None,
) -> PlainResult:
    """Build and solve the straightforward MIP (``relax``: its LP relaxation instead).

    HiGHS defaults throughout (relative gap 1e-4), except a time limit if given; tests pass
    ``mip_rel_gap=0`` to get the exact optimum.
    """
    started = time.perf_counter()
    h = highspy.Highs()
    h.silent()
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    if mip_rel_gap is not None:
        h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    vtype = highspy.HighsVarType.kContinuous if relax else highspy.HighsVarType.kInteger
    T = problem.horizon_days  # noqa: N806 (the paper's name for the horizon)
    weight = {t.id: t.unit_weight_t for t in problem.item_types}
    cw = problem.values.cost_weight
    objective: list[Any] = []

    def var(ub: float = highspy.kHighsInf, *, binary: bool = False) -> Any:
        if binary and not relax:
            return h.addBinary()
        return h.addVariable(lb=0.0, ub=ub, type=vtype)

    # -- supply: offers feed their depot's inventory of their item type ------------------------
    supply: dict[tuple[Id, Id, int], list[Any]] = {}  # (depot, type, day) -> y vars
    for offer in problem.offers:
        if offer.available_day >= T or offer.quantity <= 0:
            continue
        y = var(offer.quantity)
        supply.setdefault((offer.origin, offer.item_type, max(0, offer.available_day)), []).append(
            y
        )
    depot_types: dict[Id, set[Id]] = {}
    for depot, item_type, _day in supply:
        depot_types.setdefault(depot, set()).add(item_type)
    all_types = sorted({t for types in depot_types.values() for t in types}, key=str)

    accepted_at: dict[Id, set[Id]] = {}
    for need in problem.needs:
        accepted_at.setdefault(need.handover, set()).update(need.acceptable_item_types)

    in_legs = [leg for leg in problem.legs if problem.site_by_id[leg.from_site].kind == "depot"]
    out_legs = [leg for leg in problem.legs if problem.site_by_id[leg.from_site].kind == "hub"]

    # -- depot → hub departures ----------------------------------------------------------------
    x: dict[tuple[int, Id, int], Any] = {}  # (leg index, type, day)
    for li, leg in enumerate(in_legs):
        for item_type in sorted(depot_types.get(leg.from_site, ()), key=str):
            for t in range(T - leg.transit_days):
                v = var()
                x[li, item_type, t] = v
                objective.append(-cw * weight[item_type] * leg.cost_per_t * v)
    # depot inventory balance: inv[t-1] + supply[t] = inv[t] + departures[t]
    for depot, types in depot_types.items():
        legs_here = [li for li, leg in enumerate(in_legs) if leg.from_site == depot]
        for item_type in sorted(types, key=str):
            previous: Any = None
            for t in range(T):
                inv = var()
                inflow = list(supply.get((depot, item_type, t), []))
                if previous is not None:
                    inflow.append(previous)
                out = [x[li, item_type, t] for li in legs_here if (li, item_type, t) in x]
                h.addConstr(h.qsum(inflow) - h.qsum(out) - inv == 0)
                previous = inv

    # -- hub → handover departures -------------------------------------------------------------
    z: dict[tuple[int, Id, int], Any] = {}
    for lo, leg in enumerate(out_legs):
        for item_type in all_types:
            if item_type not in accepted_at.get(leg.to_site, ()):
                continue
            for t in range(T - leg.transit_days):
                v = var()
                z[lo, item_type, t] = v
                objective.append(-cw * weight[item_type] * leg.cost_per_t * v)
    hub_sites = [s.id for s in problem.sites if s.kind == "hub"]
    for hub in hub_sites:
        arriving = [li for li, leg in enumerate(in_legs) if leg.to_site == hub]
        leaving = [lo for lo, leg in enumerate(out_legs) if leg.from_site == hub]
        for item_type in all_types:
            previous = None
            for t in range(T):
                inflow = [
                    x[li, item_type, t - in_legs[li].transit_days]
                    for li in arriving
                    if (li, item_type, t - in_legs[li].transit_days) in x
                ]
                out = [z[lo, item_type, t] for lo in leaving if (lo, item_type, t) in z]
                if previous is None and not inflow and not out:
                    continue
                hinv = var()
                if previous is not None:
                    inflow.append(previous)
                h.addConstr(h.qsum(inflow) - h.qsum(out) - hinv == 0)
                previous = hinv
        # hub handling capacity: tonnes arriving per day
        cap_hub = problem.hub_by_site.get(hub)
        if cap_hub is None:
            continue
        for t in range(T):
            terms = [
                weight[item_type] * x[li, item_type, t - in_legs[li].transit_days]
                for li in arriving
                for item_type in all_types
                if (li, item_type, t - in_legs[li].transit_days) in x
            ]
            if terms:
                h.addConstr(h.qsum(terms) <= cap_hub.capacity_on(t))

    # -- leg capacity: tonnes departing per day ------------------------------------------------
    for flows, legs in ((x, in_legs), (z, out_legs)):
        for li, leg in enumerate(legs):
            for t in range(T):
                terms = [
                    weight[item_type] * flows[li, item_type, t]
                    for item_type in all_types
                    if (li, item_type, t) in flows
                ]
                if terms:
                    h.addConstr(h.qsum(terms) <= leg.capacity_t_per_day)

    # -- handover: what arrives on day d goes to the needs there -------------------------------
    w: dict[tuple[int, Id, int], Any] = {}
    needs_at: dict[Id, list[int]] = {}
    for ni, need in enumerate(problem.needs):
        needs_at.setdefault(need.handover, []).append(ni)
    for handover, need_ids in needs_at.items():
        legs_in = [lo for lo, leg in enumerate(out_legs) if leg.to_site == handover]
        for item_type in sorted(accepted_at[handover], key=str):
            for d in range(T):
                arrivals = [
                    z[lo, item_type, d - out_legs[lo].transit_days]
                    for lo in legs_in
                    if (lo, item_type, d - out_legs[lo].transit_days) in z
                ]
                if not arrivals:
                    continue
                takes = []
                for ni in need_ids:
                    need = problem.needs[ni]
                    if item_type not in need.acceptable_item_types:
                        continue
                    v = var(need.quantity)
                    w[ni, item_type, d] = v
                    takes.append(v)
                    objective.append(problem.unit_value(need, item_type, d) * v)
                h.addConstr(h.qsum(takes) - h.qsum(arrivals) <= 0)
    by_need: dict[int, list[Any]] = {}
    for (ni, _t, _d), v in w.items():
        by_need.setdefault(ni, []).append(v)
    for ni, need in enumerate(problem.needs):
        served = by_need.get(ni)
        if not served:
            continue
        if need.all_or_nothing:
            b = var(1.0, binary=True)
            h.addConstr(h.qsum(served) - need.quantity * b == 0)
        else:
            h.addConstr(h.qsum(served) <= need.quantity)

    h.setObjective(h.qsum(objective), sense=highspy.ObjSense.kMaximize)
    built = time.perf_counter()
    h.run()
    solved = time.perf_counter()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    value = float(info.objective_function_value) if has_solution else float("nan")
    bound = float(info.mip_dual_bound) if not relax else value
    if relax or status == "Optimal":
        bound = value if relax else bound
    gap = max(0.0, bound - value) / max(1.0, abs(bound)) if has_solution else float("inf")
    return PlainResult(
        status=status,
        objective=value,
        bound=bound,
        gap=gap,
        build_seconds=built - started,
        solve_seconds=solved - built,
        columns=h.getNumCol(),
        rows=h.getNumRow(),
    )
