"""Turn the model's aggregated flows back into offer → need shipments.

The model moves units of an item type, not offers. The decomposition follows each unit, first in
first out, which the model's constraints guarantee is always possible:

1. at each depot, departures in day order take the offers in order of availability (the
   ``supply`` rows make every departure covered by an offer already available);
2. at each hub, departures in day order take the earliest arrivals (``hub_flow`` keeps the
   inventory non-negative);
3. at each handover point, the needs served on time take units in deadline order, earliest
   arrivals first (``on_time`` is Hall's condition for exactly this), then the late ones take the
   rest.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from nsatu.core.planner.model import Float, Model
from nsatu.core.planner.plan import Shipment
from nsatu.core.planner.problem import Id

K = TypeVar("K")


@dataclass(slots=True)
class _Lot:
    offer: int  # index into problem.offers
    leg_in: int
    depart: int
    qty: int
    leg_out: int = -1
    hub_depart: int = -1
    arrive: int = 0


def _take(queue: deque[_Lot], qty: int) -> list[_Lot]:
    """Take ``qty`` units from the front of ``queue``, splitting the last lot if needed."""
    taken: list[_Lot] = []
    while qty > 0 and queue:
        lot = queue[0]
        if lot.qty <= qty:
            taken.append(queue.popleft())
            qty -= lot.qty
        else:
            part = _Lot(
                lot.offer, lot.leg_in, lot.depart, qty, lot.leg_out, lot.hub_depart, lot.arrive
            )
            lot.qty -= qty
            taken.append(part)
            qty = 0
    return taken


def _ints(cols: Mapping[K, int], values: Float) -> list[tuple[K, int]]:
    """The positive integer values of the columns ``cols`` (key → column), with their keys."""
    if not cols:
        return []
    keys = list(cols)
    index = np.fromiter(cols.values(), dtype=np.int64, count=len(cols))
    rounded = np.rint(values[index]).astype(np.int64)
    return [(keys[i], int(rounded[i])) for i in np.flatnonzero(rounded > 0)]


def decompose(model: Model, values: Float) -> list[Shipment]:
    problem = model.problem
    in_legs, out_legs = model.in_legs, model.out_legs

    # 1. depots: departures take offers in order of availability
    offers_at: dict[tuple[Id, Id], deque[list[int]]] = defaultdict(deque)
    order = sorted(
        range(len(problem.offers)), key=lambda i: (max(0, problem.offers[i].available_day), i)
    )
    for i in order:
        o = problem.offers[i]
        if o.quantity > 0:
            offers_at[(o.origin, o.item_type)].append([i, o.quantity])
    departures = sorted(_ints(model.x_cols, values), key=lambda kv: (kv[0][2], kv[0][0]))
    at_hub: dict[tuple[Id, Id], list[_Lot]] = defaultdict(list)
    for (li, k, t), qty in departures:
        leg = in_legs[li]
        queue = offers_at[(leg.from_site, k)]
        remaining = qty
        while remaining > 0 and queue:
            entry = queue[0]
            if problem.offers[entry[0]].available_day > t:
                break  # cannot happen for a feasible solution; keeps the plan honest if it does
            used = min(entry[1], remaining)
            at_hub[(leg.to_site, k)].append(
                _Lot(entry[0], li, t, used, arrive=t + leg.transit_days)
            )
            entry[1] -= used
            remaining -= used
            if entry[1] == 0:
                queue.popleft()

    # 2. hubs: departures take the earliest arrivals
    hub_queues = {
        key: deque(sorted(lots, key=lambda lot: (lot.arrive, lot.depart, lot.offer)))
        for key, lots in at_hub.items()
    }
    hub_departures = sorted(_ints(model.y_cols, values), key=lambda kv: (kv[0][2], kv[0][0]))
    at_handover: dict[tuple[Id, Id], list[_Lot]] = defaultdict(list)
    for (lo, k, t2), qty in hub_departures:
        out_leg = out_legs[lo]
        waiting = hub_queues.get((out_leg.from_site, k), deque())
        for lot in _take(waiting, qty):
            lot.leg_out, lot.hub_depart, lot.arrive = lo, t2, t2 + out_leg.transit_days
            at_handover[(out_leg.to_site, k)].append(lot)

    # 3. handover points: on time in deadline order, then late
    hand_queues = {
        key: deque(
            sorted(lots, key=lambda lot: (lot.arrive, lot.hub_depart, lot.depart, lot.offer))
        )
        for key, lots in at_handover.items()
    }
    served: list[tuple[int, _Lot]] = []
    on = sorted(
        _ints(model.on_cols, values),
        key=lambda kv: (problem.needs[kv[0][0]].needed_by_day, kv[0][0]),
    )
    late = sorted(_ints(model.late_cols, values), key=lambda kv: kv[0][0])
    for (ni, k), qty in on + late:
        need = problem.needs[ni]
        arrived = hand_queues.get((need.handover, k), deque())
        served.extend((ni, lot) for lot in _take(arrived, qty))

    merged: dict[tuple[int, int, int, int, int, int], int] = defaultdict(int)
    for ni, lot in served:
        merged[(ni, lot.offer, lot.leg_in, lot.depart, lot.leg_out, lot.hub_depart)] += lot.qty
    shipments = []
    for (ni, oi, li, t1, lo, t2), qty in sorted(merged.items()):
        shipments.append(
            Shipment(
                offer=problem.offers[oi].id,
                need=problem.needs[ni].id,
                quantity=qty,
                hub=in_legs[li].to_site,
                mode_in=in_legs[li].mode,
                depart_day=t1,
                mode_out=out_legs[lo].mode,
                hub_depart_day=t2,
            )
        )
    return shipments
