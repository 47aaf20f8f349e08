"""The greedy baseline: what careful people do by hand, in priority order.

Needs are served one at a time, by weight (descending), then ``needed_by_day`` (ascending), then
document order. A need takes compatible offers, preferred item type first, then the earliest
available, then document order, and sends each batch of units on the route that hands it over
earliest (ties: cheapest, then the order of the legs in the problem). Every limit is kept exactly:
the residual tonnes of every leg-day (departures) and hub-day (arrivals) are tracked, quantities
are integers, and an all-or-nothing need that cannot be served in full is rolled back.

Like a careful person it never ships a unit whose transport cost (× ``cost_weight``) is at least
the unit's value; otherwise it does not trade value against cost, and it never looks ahead: a
high-priority need takes the earliest capacity even when a later day would do. That is exactly
what the optimiser improves on.

The plan's ``bound`` is the trivial upper bound Σ quantity × weight over needs (no cost, all on
time, all preferred), so ``gap`` says how far from perfect the plan is, not from the optimum.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nsatu.core.planner.plan import Plan, Reason, Shipment, Unmet, relative_gap, value_and_cost
from nsatu.core.planner.problem import Id, Need, Problem

_EPS = 1e-9
_NEVER = np.iinfo(np.int64).max // 4
_SHOWN = 10  # at most this many ids in a reason's details

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(slots=True)
class _Pairs:
    """Every (leg in, leg out) pair from one depot to one handover, through the same hub."""

    leg_in: IntArray
    leg_out: IntArray
    hub: IntArray
    transit_in: IntArray
    transit_out: IntArray
    cost_per_t: FloatArray
    min_transit: int  # fewest days from depot to handover on any pair


@dataclass(slots=True)
class _Batch:
    offer: int
    leg_in: int
    hub: int
    t1: int
    leg_out: int
    t2: int
    quantity: int
    tonnes: float


@dataclass(slots=True)
class _State:
    leg_res: FloatArray  # (legs, T): tonnes that may still depart
    hub_res: FloatArray  # (hubs, T): tonnes that may still arrive (inf without a hubs entry)
    offer_left: IntArray  # units of each offer not yet shipped


@dataclass(slots=True)
class _Candidates:
    """Offers of one item type that can reach one handover, earliest available first."""

    offers: IntArray
    origin: IntArray  # index of the offer's depot
    avail: IntArray
    # per depot: the smallest available day from which no route has capacity left (residuals
    # only shrink, so that stays true until an all-or-nothing rollback gives capacity back)
    dead_from: IntArray


def greedy(problem: Problem) -> Plan:
    """The priority-order greedy plan for ``problem`` (deterministic)."""
    started = time.perf_counter()
    g = _Greedy(problem)
    shipments, unmet = g.run()
    objective = plan_objective(problem, shipments)
    bound = sum(n.quantity * n.weight for n in problem.needs)
    return Plan(
        status="feasible",
        objective=objective,
        bound=bound,
        gap=relative_gap(objective, bound),
        shipments=tuple(shipments),
        unmet=tuple(unmet),
        stats={"seconds": round(time.perf_counter() - started, 4), "shipments": len(shipments)},
    )


def plan_objective(problem: Problem, shipments: Iterable[Shipment]) -> float:
    """Value − cost_weight × transport cost of ``shipments``, exactly as the contract defines it."""
    value, cost = value_and_cost(problem, shipments)
    return value - cost


class _Greedy:
    def __init__(self, problem: Problem) -> None:
        self.p = problem
        self.T = horizon = problem.horizon_days
        self.legs = problem.legs
        hub_sites = [s.id for s in problem.sites if s.kind == "hub"]
        self.hub_ids = hub_sites
        self.hub_index = {h: j for j, h in enumerate(hub_sites)}
        hub_res = np.full((len(hub_sites), horizon), math.inf)
        for j, site in enumerate(hub_sites):
            for day in range(horizon):
                hub_res[j, day] = problem.hub_capacity(site, day)
        leg_res = np.array(
            [[leg.capacity_t_per_day] * horizon for leg in self.legs], dtype=np.float64
        ).reshape(len(self.legs), horizon)
        self.state = _State(
            leg_res, hub_res, np.array([o.quantity for o in problem.offers], dtype=np.int64)
        )
        depots = [s for s in problem.sites if s.kind == "depot"]
        self.origin_index = {s.id: i for i, s in enumerate(depots)}
        self._candidates: dict[tuple[Id, Id], _Candidates] = {}
        self.in_legs: dict[Id, list[int]] = {}
        self.out_legs: dict[tuple[Id, Id], list[int]] = {}
        for i, leg in enumerate(self.legs):
            if leg.from_site in self.hub_index:
                self.out_legs.setdefault((leg.from_site, leg.to_site), []).append(i)
            else:
                self.in_legs.setdefault(leg.from_site, []).append(i)
        self._pairs: dict[tuple[Id, Id], _Pairs] = {}
        self.weight = {t.id: t.unit_weight_t for t in problem.item_types}
        # offers by type, in the order a need takes them: earliest available, then document order
        by_type: dict[Id, list[int]] = {}
        for i, offer in enumerate(problem.offers):
            by_type.setdefault(offer.item_type, []).append(i)
        for ids in by_type.values():
            ids.sort(key=lambda i: (problem.offers[i].available_day, i))
        self.by_type = by_type
        self.days = np.arange(horizon, dtype=np.int64)
        # which needs took units of each offer (for "outranked" reasons)
        self.takers: list[list[Id]] = [[] for _ in problem.offers]

    # -- routes ------------------------------------------------------------------------------------
    def pairs(self, origin: Id, handover: Id) -> _Pairs:
        key = (origin, handover)
        found = self._pairs.get(key)
        if found is None:
            rows: list[tuple[int, int, int, int, int, float]] = []
            for li in self.in_legs.get(origin, []):
                leg_in = self.legs[li]
                for lo in self.out_legs.get((leg_in.to_site, handover), []):
                    leg_out = self.legs[lo]
                    rows.append(
                        (
                            li,
                            lo,
                            self.hub_index[leg_in.to_site],
                            leg_in.transit_days,
                            leg_out.transit_days,
                            leg_in.cost_per_t + leg_out.cost_per_t,
                        )
                    )
            # cheapest first, so that argmin on arrival breaks ties by cost, then by leg order
            rows.sort(key=lambda r: (r[5], r[0], r[1]))
            cols = list(zip(*rows, strict=True)) if rows else [()] * 6
            found = _Pairs(
                np.array(cols[0], dtype=np.int64),
                np.array(cols[1], dtype=np.int64),
                np.array(cols[2], dtype=np.int64),
                np.array(cols[3], dtype=np.int64),
                np.array(cols[4], dtype=np.int64),
                np.array(cols[5], dtype=np.float64),
                min((r[3] + r[4] for r in rows), default=_NEVER),
            )
            self._pairs[key] = found
        return found

    def reachable_in_time(self, origin: Id, handover: Id, available: int) -> bool:
        """Whether some route could hand over by T−1 on an empty network."""
        return max(0, available) + self.pairs(origin, handover).min_transit <= self.T - 1

    def route(
        self, offer_idx: int, need: Need, item_type: Id
    ) -> tuple[int, int, int, int, int, int] | bool | None:
        """The earliest-arrival route for one unit: ``(pair row, t1, t_arrive_hub, t2, arrival,
        units)``; ``None`` when no route has capacity left, ``False`` when routes have capacity
        but none is worth its cost."""
        offer = self.p.offers[offer_idx]
        pairs = self.pairs(offer.origin, need.handover)
        if not len(pairs.leg_in):
            return None
        last = self.T - 1
        uw = self.weight[item_type]
        need_t = uw - _EPS * max(1.0, uw)
        st = self.state
        days = self.days
        first = max(0, offer.available_day)
        # leaving the hub on or after day ta: the earliest arrival at the handover, per pair row
        out_ok = st.leg_res[pairs.leg_out] >= need_t
        out_arr = np.where(out_ok, days[None, :] + pairs.transit_out[:, None], _NEVER)
        out_arr[out_arr > last] = _NEVER
        suffix = np.minimum.accumulate(out_arr[:, ::-1], axis=1)[:, ::-1]
        # departing the depot on t1: arrives at the hub on t1 + transit_in
        ta = days[None, :] + pairs.transit_in[:, None]
        ta_c = np.minimum(ta, last)
        in_ok = (
            (st.leg_res[pairs.leg_in] >= need_t)
            & (st.hub_res[pairs.hub[:, None], ta_c] >= need_t)
            & (ta <= last)
            & (days[None, :] >= first)
        )
        rows = np.arange(len(pairs.leg_in))[:, None]
        arrival = np.where(in_ok, suffix[rows, ta_c], _NEVER)
        best_t1 = arrival.argmin(axis=1)  # earliest departure among the earliest arrivals
        best = arrival[np.arange(len(best_t1)), best_t1]
        if best.min() >= _NEVER:
            return None
        # worth it? value of a unit arriving then vs cost_weight × tonnes × cost per t
        on_time = best <= need.needed_by_day
        value = need.weight * (
            1.0 if item_type == need.preferred_item_type else self.p.values.substitute_factor
        )
        unit_value = np.where(on_time, value, value * self.p.values.late_factor)
        worth = (best < _NEVER) & (self.p.values.cost_weight * uw * pairs.cost_per_t < unit_value)
        if not worth.any():
            return False
        r = int(np.where(worth, best, _NEVER).argmin())
        t1 = int(best_t1[r])
        t_hub = t1 + int(pairs.transit_in[r])
        arrive = int(best[r])
        t2 = arrive - int(pairs.transit_out[r])
        lo, li, hub = int(pairs.leg_out[r]), int(pairs.leg_in[r]), int(pairs.hub[r])
        # the latest-capacity day at or after t_hub with this arrival is t2 (unique per leg)
        room = min(st.leg_res[li, t1], st.hub_res[hub, t_hub], st.leg_res[lo, t2])
        units = int((room + _EPS * max(1.0, room)) // uw) if math.isfinite(room) else 1 << 40
        return r, t1, t_hub, t2, arrive, max(1, units)

    # -- the loop ----------------------------------------------------------------------------------
    def run(self) -> tuple[list[Shipment], list[Unmet]]:
        p = self.p
        order = sorted(
            range(len(p.needs)), key=lambda i: (-p.needs[i].weight, p.needs[i].needed_by_day, i)
        )
        merged: dict[tuple[Id, Id, Id, str, int, str, int], int] = {}
        unmet: list[Unmet] = []
        for ni in order:
            need = p.needs[ni]
            batches, reachable, untaken = self.serve(need)
            served = sum(b.quantity for b in batches)
            rolled_back = need.all_or_nothing and 0 < served < need.quantity
            if rolled_back:
                self.undo(batches)
            else:
                for b in batches:
                    self.takers[b.offer].append(need.id)
                    offer = p.offers[b.offer]
                    key = (
                        offer.id,
                        need.id,
                        self.hub_ids[b.hub],
                        self.legs[b.leg_in].mode,
                        b.t1,
                        self.legs[b.leg_out].mode,
                        b.t2,
                    )
                    merged[key] = merged.get(key, 0) + b.quantity
            if served < need.quantity or rolled_back:
                short = need.quantity if rolled_back else need.quantity - served
                unmet.append(
                    Unmet(
                        need.id, short, self.reasons(need, served, rolled_back, reachable, untaken)
                    )
                )
        shipments = [
            Shipment(offer, need_id, q, hub, mode_in, t1, mode_out, t2)
            for (offer, need_id, hub, mode_in, t1, mode_out, t2), q in merged.items()
        ]
        need_rank = {n.id: i for i, n in enumerate(p.needs)}
        offer_rank = {o.id: i for i, o in enumerate(p.offers)}
        shipments.sort(
            key=lambda s: (need_rank[s.need], offer_rank[s.offer], s.depart_day, s.hub_depart_day)
        )
        unmet.sort(key=lambda u: need_rank[u.need])
        return shipments, unmet

    def candidates(self, item_type: Id, handover: Id) -> _Candidates:
        """The offers of ``item_type`` that could reach ``handover`` within the horizon on an empty
        network, in the order a need takes them."""
        key = (item_type, handover)
        found = self._candidates.get(key)
        if found is None:
            ids = [
                i
                for i in self.by_type.get(item_type, [])
                if self.reachable_in_time(
                    self.p.offers[i].origin, handover, self.p.offers[i].available_day
                )
            ]
            origins = [self.origin_index[self.p.offers[i].origin] for i in ids]
            found = _Candidates(
                np.array(ids, dtype=np.int64),
                np.array(origins, dtype=np.int64),
                np.array([self.p.offers[i].available_day for i in ids], dtype=np.int64),
                np.full(len(self.origin_index), _NEVER, dtype=np.int64),
            )
            self._candidates[key] = found
        return found

    def serve(self, need: Need) -> tuple[list[_Batch], list[int], int]:
        """Ship what can be shipped for ``need``; also return the compatible offers that can reach
        its handover in time on an empty network, and how many of their units were left for it."""
        st = self.state
        left_arr = st.offer_left
        left = need.quantity
        batches: list[_Batch] = []
        reachable: list[int] = []
        untaken = 0
        for item_type in need.acceptable_item_types:
            cand = self.candidates(item_type, need.handover)
            if not len(cand.offers):
                continue
            reachable.extend(cand.offers.tolist())
            untaken += int(left_arr[cand.offers].sum())
            if left == 0:
                continue
            # live: units left, and routes from its depot not known to be full from its day on
            live = (left_arr[cand.offers] > 0) & (cand.avail < cand.dead_from[cand.origin])
            for k in np.flatnonzero(live).tolist():
                oi = int(cand.offers[k])
                offer = self.p.offers[oi]
                if offer.available_day >= cand.dead_from[cand.origin[k]]:
                    continue  # found full while serving this need
                while left > 0 and left_arr[oi] > 0:
                    found = self.route(oi, need, item_type)
                    if found is None:  # full from this day on (residuals only shrink)
                        cand.dead_from[cand.origin[k]] = offer.available_day
                        break
                    if isinstance(found, bool):  # routes left, but none worth its cost
                        break
                    r, t1, t_hub, t2, _arrive, units = found
                    pairs = self.pairs(offer.origin, need.handover)
                    q = min(left, int(left_arr[oi]), units)
                    tonnes = q * self.weight[item_type]
                    li, lo, hub = int(pairs.leg_in[r]), int(pairs.leg_out[r]), int(pairs.hub[r])
                    st.leg_res[li, t1] -= tonnes
                    st.hub_res[hub, t_hub] -= tonnes
                    st.leg_res[lo, t2] -= tonnes
                    left_arr[oi] -= q
                    left -= q
                    batches.append(_Batch(oi, li, hub, t1, lo, t2, q, tonnes))
                    # after an exact fill the residual may be a hair above zero: clamp
                    for arr, a, b in (
                        (st.leg_res, li, t1),
                        (st.hub_res, hub, t_hub),
                        (st.leg_res, lo, t2),
                    ):
                        if abs(arr[a, b]) < _EPS * 1e3:
                            arr[a, b] = 0.0
                if left == 0:
                    break
        return batches, reachable, untaken

    def undo(self, batches: list[_Batch]) -> None:
        st = self.state
        for b in batches:
            leg_in = self.legs[b.leg_in]
            st.leg_res[b.leg_in, b.t1] += b.tonnes
            st.hub_res[b.hub, b.t1 + leg_in.transit_days] += b.tonnes
            st.leg_res[b.leg_out, b.t2] += b.tonnes
            st.offer_left[b.offer] += b.quantity
        for cand in self._candidates.values():  # capacity came back: routes may live again
            cand.dead_from.fill(_NEVER)

    # -- reasons -----------------------------------------------------------------------------------
    def reasons(
        self, need: Need, served: int, rolled_back: bool, reachable: list[int], untaken: int
    ) -> tuple[Reason, ...]:
        p = self.p
        out: list[Reason] = []
        compatible = [i for t in need.acceptable_item_types for i in self.by_type.get(t, [])]
        if rolled_back:
            out.append(
                Reason(
                    "all_or_nothing",
                    f"only {served} of {need.quantity} units could be delivered, so none was shipped",
                    {"deliverable": served},
                )
            )
        if not compatible:
            out.append(
                Reason(
                    "no_compatible_offer",
                    "no offer has an acceptable item type",
                    {"acceptable_item_types": list(need.acceptable_item_types)},
                )
            )
            return tuple(out)
        if not reachable:
            routed = [
                i for i in compatible if len(self.pairs(p.offers[i].origin, need.handover).leg_in)
            ]
            if not routed:
                out.append(
                    Reason(
                        "no_route",
                        "no leg connects the depots of the compatible offers to the handover through a hub",
                        {"offers": [p.offers[i].id for i in compatible[:_SHOWN]]},
                    )
                )
            else:
                out.append(
                    Reason(
                        "offers_too_late",
                        "the compatible offers become available too late to arrive within the horizon",
                        {"offers": [p.offers[i].id for i in routed[:_SHOWN]]},
                    )
                )
            return tuple(out)
        offered = sum(p.offers[i].quantity for i in reachable)
        if offered < need.quantity:
            out.append(
                Reason(
                    "no_compatible_offer",
                    f"only {offered} compatible units are offered that can arrive within the horizon",
                    {"offered": offered},
                )
            )
        if untaken < min(offered, need.quantity):
            takers: list[Id] = []
            for i in reachable:
                for taker in self.takers[i]:
                    if taker not in takers and taker != need.id:
                        takers.append(taker)
            out.append(
                Reason(
                    "outranked",
                    f"{offered - untaken} compatible units went to needs served before it",
                    {"needs": takers[:_SHOWN], "taken": offered - untaken},
                )
            )
        still = int(self.state.offer_left[reachable].sum())
        if still > 0:
            out.append(
                Reason(
                    "capacity",
                    f"{still} compatible units are still at their depots, but no route has leg or hub "
                    "capacity left for them (or the only routes left cost more than the units are worth)",
                    {"units_left": still},
                )
            )
        return tuple(out)
