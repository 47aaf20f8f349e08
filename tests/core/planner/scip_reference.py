"""A second, independent model of the planning problem, solved by SCIP.

It is the straightforward path formulation: one integer variable per offer, need, inbound leg,
departure day, outbound leg and hub departure day. It shares no code with the planner's model, so
agreement between the two optima is evidence that both are right.
"""

from __future__ import annotations

from collections import defaultdict

import pyscipopt

from nsatu.core.planner.problem import Problem


def scip_optimum(problem: Problem) -> float:  # noqa: PLR0912 - one loop per limit reads best
    T = problem.horizon_days
    weight = {t.id: t.unit_weight_t for t in problem.item_types}
    m = pyscipopt.Model()
    m.hideOutput()
    m.setParam("limits/gap", 0.0)
    objective = []
    by_offer: dict[object, list[pyscipopt.Variable]] = defaultdict(list)
    by_need: dict[object, list[pyscipopt.Variable]] = defaultdict(list)
    leg_load: dict[tuple[object, int], list[tuple[float, pyscipopt.Variable]]] = defaultdict(list)
    hub_load: dict[tuple[object, int], list[tuple[float, pyscipopt.Variable]]] = defaultdict(list)
    legs = problem.legs
    for o in problem.offers:
        for n in problem.needs:
            if o.item_type not in n.acceptable_item_types or o.quantity == 0 or n.quantity == 0:
                continue
            w = weight[o.item_type]
            for a in legs:
                if a.from_site != o.origin:
                    continue
                for b in legs:
                    if b.from_site != a.to_site or b.to_site != n.handover:
                        continue
                    for t1 in range(max(0, o.available_day), T):
                        for t2 in range(t1 + a.transit_days, T - b.transit_days):
                            arrive = t2 + b.transit_days
                            value = problem.unit_value(n, o.item_type, arrive)
                            cost = problem.values.cost_weight * w * (a.cost_per_t + b.cost_per_t)
                            v = m.addVar(vtype="I", lb=0)
                            objective.append((value - cost) * v)
                            by_offer[o.id].append(v)
                            by_need[n.id].append(v)
                            leg_load[(a.key, t1)].append((w, v))
                            leg_load[(b.key, t2)].append((w, v))
                            hub_load[(a.to_site, t1 + a.transit_days)].append((w, v))
    for o in problem.offers:
        if by_offer[o.id]:
            m.addCons(pyscipopt.quicksum(by_offer[o.id]) <= o.quantity)
    for n in problem.needs:
        if not by_need[n.id]:
            continue
        if n.all_or_nothing:
            take = m.addVar(vtype="B")
            m.addCons(pyscipopt.quicksum(by_need[n.id]) == n.quantity * take)
        else:
            m.addCons(pyscipopt.quicksum(by_need[n.id]) <= n.quantity)
    leg_by_key = problem.leg_by_key
    for (key, _t), terms in leg_load.items():
        m.addCons(pyscipopt.quicksum(w * v for w, v in terms) <= leg_by_key[key].capacity_t_per_day)
    for (hub, day), terms in hub_load.items():
        cap = problem.hub_capacity(hub, day)
        if cap != float("inf"):
            m.addCons(pyscipopt.quicksum(w * v for w, v in terms) <= cap)
    m.setObjective(pyscipopt.quicksum(objective) if objective else 0, "maximize")
    m.optimize()
    assert m.getStatus() == "optimal", m.getStatus()
    return float(m.getObjVal())
