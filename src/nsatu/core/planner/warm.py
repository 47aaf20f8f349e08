"""A previous plan as a starting point for a changed problem (re-plans and what-if scenarios).

The shipments of the old plan that still fit the new problem are kept, the rest dropped, and the
survivors are written as column values of the new model: HiGHS then starts from a feasible plan
and only has to improve it. Fitting is decided by the independent checker: shipments named in a
violation are dropped, and the check repeats until none is left (a few rounds at most).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from nsatu.core.planner.check import check_plan
from nsatu.core.planner.model import Float, Model
from nsatu.core.planner.plan import Plan, Shipment
from nsatu.core.planner.problem import Id

MAX_ROUNDS = 20


def surviving_shipments(model: Model, plan: Plan) -> list[Shipment]:
    """The shipments of ``plan`` that keep every limit of ``model.problem``."""
    problem = model.problem
    offers, needs = problem.offer_by_id, problem.need_by_id
    kept = [s for s in plan.shipments if s.offer in offers and s.need in needs and s.quantity > 0]
    for _ in range(MAX_ROUNDS):
        report = check_plan(problem, Plan("feasible", 0.0, 0.0, 0.0, tuple(kept)))
        broken = {
            i
            for v in report.violations
            if v.code not in {"objective_mismatch", "unmet_mismatch"}
            for i in v.shipments
        }
        if not broken:
            return kept
        kept = [s for i, s in enumerate(kept) if i not in broken]
    return []


def start_values(model: Model, plan: Plan) -> Float | None:
    """Column values of ``model`` for the part of ``plan`` that still fits, or ``None``."""
    problem = model.problem
    shipments = surviving_shipments(model, plan)
    if not shipments:
        return None
    values = np.zeros(model.num_col)
    in_index = {leg.key: i for i, leg in enumerate(model.in_legs)}
    out_index = {leg.key: i for i, leg in enumerate(model.out_legs)}
    need_index = {n.id: i for i, n in enumerate(problem.needs)}
    available: dict[tuple[Id, Id, int], float] = defaultdict(float)
    for o in problem.offers:
        if o.quantity > 0:
            available[(o.origin, o.item_type, max(0, o.available_day))] += o.quantity
    departed: dict[tuple[Id, Id, int], float] = defaultdict(float)
    hub_in: dict[tuple[Id, Id, int], float] = defaultdict(float)
    hub_out: dict[tuple[Id, Id, int], float] = defaultdict(float)
    handed: dict[tuple[Id, Id, int], float] = defaultdict(float)
    for s in shipments:
        offer = problem.offer_by_id[s.offer]
        need = problem.need_by_id[s.need]
        k = offer.item_type
        li = in_index[(offer.origin, s.hub, s.mode_in)]
        lo = out_index[(s.hub, need.handover, s.mode_out)]
        cols = (
            model.x_cols.get((li, k, s.depart_day)),
            model.y_cols.get((lo, k, s.hub_depart_day)),
        )
        arrival = s.hub_depart_day + model.out_legs[lo].transit_days
        ni = need_index[s.need]
        assign = (model.on_cols if arrival <= need.needed_by_day else model.late_cols).get((ni, k))
        if assign is None and arrival <= need.needed_by_day:
            assign = model.late_cols.get((ni, k))
        if cols[0] is None or cols[1] is None or assign is None:
            return (
                None  # the model pruned a column this plan uses: no start rather than a wrong one
            )
        values[cols[0]] += s.quantity
        values[cols[1]] += s.quantity
        values[assign] += s.quantity
        departed[(offer.origin, k, s.depart_day)] += s.quantity
        hub_in[(s.hub, k, s.depart_day + model.in_legs[li].transit_days)] += s.quantity
        hub_out[(s.hub, k, s.hub_depart_day)] += s.quantity
        handed[(need.handover, k, arrival)] += s.quantity
    chains = (
        (model.stock_cols, (available, departed)),
        (model.inv_cols, (hub_in, hub_out)),
        (model.arr_cols, (handed, None)),
    )
    for chain, flows in chains:
        # columns of one (site, type) were created day by day, so column order is day order
        for (site, k, t), j in sorted(chain.items(), key=lambda kv: kv[1]):
            before = chain.get((site, k, t - 1))
            level = values[before] if before is not None else 0.0
            gained, lost = flows
            values[j] = level + gained.get((site, k, t), 0.0)
            if lost is not None:
                values[j] -= lost.get((site, k, t), 0.0)
    served: dict[int, float] = defaultdict(float)
    for s in shipments:
        served[need_index[s.need]] += s.quantity
    for ni, j in model.take_cols.items():
        values[j] = 1.0 if served.get(ni, 0.0) > 0 else 0.0
    return values
