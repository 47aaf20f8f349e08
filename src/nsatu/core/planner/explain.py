"""Why a need is left (partly) unmet: an exact diagnosis from the problem and the solution.

For each need with an unmet quantity the reasons are established in this order, each from facts
of the problem or of the optimal solution, never from guesses:

``no_compatible_offer``  no offer of an acceptable item type exists;
``no_route``             compatible offers exist, but no leg pair links their depots to the
                         need's handover point through a hub;
``offers_too_late``      compatible offers can be routed, but none can arrive within the horizon;
``outranked``            compatible, reachable units exist but all of them went to other needs:
                         those needs are named, highest value first;
``capacity``             compatible units were left unshipped because legs or hubs on every route
                         are saturated: the saturated legs and hubs are named with their days;
``all_or_nothing``       added when the need takes its full quantity or nothing;
``cost``                 units and capacity were available, but moving them costs more than they
                         are worth under the problem's ``cost_weight``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from nsatu.core.planner.model import Float, Model
from nsatu.core.planner.plan import Reason, Shipment, Unmet
from nsatu.core.planner.problem import Id, Need

MAX_NAMED = 10


def _ranges(days: list[int]) -> str:
    """``[1, 2, 3, 7]`` → ``"1–3, 7"``."""
    out: list[str] = []
    start = prev = days[0]
    for d in days[1:]:
        if d == prev + 1:
            prev = d
            continue
        out.append(f"{start}" if start == prev else f"{start}–{prev}")
        start = prev = d
    out.append(f"{start}" if start == prev else f"{start}–{prev}")
    return ", ".join(out)


def _row_activity(model: Model, values: Float) -> Float:
    activity = np.zeros(model.num_row)
    cols = np.repeat(np.arange(model.num_col), np.diff(model.a_start))
    np.add.at(activity, model.a_index, model.a_value * values[cols])
    return activity


def explain(model: Model, values: Float, shipments: list[Shipment]) -> list[Unmet]:  # noqa: PLR0912, PLR0915
    problem = model.problem
    T = problem.horizon_days
    served: dict[Id, int] = defaultdict(int)
    used_of_offer: dict[Id, int] = defaultdict(int)
    consumers_of_type: dict[Id, dict[Id, int]] = defaultdict(lambda: defaultdict(int))
    offer_by_id = problem.offer_by_id
    for s in shipments:
        served[s.need] += s.quantity
        used_of_offer[s.offer] += s.quantity
        consumers_of_type[offer_by_id[s.offer].item_type][s.need] += s.quantity

    in_by_depot: dict[Id, list[int]] = defaultdict(list)
    for li, leg in enumerate(model.in_legs):
        in_by_depot[leg.from_site].append(li)
    out_to_site: dict[Id, list[int]] = defaultdict(list)
    for lo, leg in enumerate(model.out_legs):
        out_to_site[leg.to_site].append(lo)

    rooms: _Rooms | None = None
    unmet: list[Unmet] = []
    for need in problem.needs:
        missing = need.quantity - served.get(need.id, 0)
        if missing <= 0:
            continue
        reasons: list[Reason] = []
        acceptable = set(need.acceptable_item_types)
        compatible = [o for o in problem.offers if o.item_type in acceptable and o.quantity > 0]
        if not compatible:
            reasons.append(
                Reason(
                    "no_compatible_offer",
                    "no offer of an acceptable item type ("
                    + ", ".join(map(str, need.acceptable_item_types))
                    + ")",
                    {"acceptable_item_types": list(need.acceptable_item_types)},
                )
            )
            unmet.append(Unmet(need.id, missing, _with_aon(need, tuple(reasons))))
            continue

        # Routes: earliest arrival at the handover point for each compatible offer
        routable: list[tuple[Any, int]] = []
        for o in compatible:
            best: int | None = None
            for li in in_by_depot.get(o.origin, ()):
                leg_in = model.in_legs[li]
                for lo in out_to_site.get(need.handover, ()):
                    leg_out = model.out_legs[lo]
                    if leg_out.from_site != leg_in.to_site:
                        continue
                    arrive = max(0, o.available_day) + leg_in.transit_days + leg_out.transit_days
                    best = arrive if best is None else min(best, arrive)
            if best is not None:
                routable.append((o, best))
        if not routable:
            reasons.append(
                Reason(
                    "no_route",
                    f"no depot → hub → {need.handover} route for any compatible offer",
                    {"offers": [o.id for o in compatible[:MAX_NAMED]]},
                )
            )
            unmet.append(Unmet(need.id, missing, _with_aon(need, tuple(reasons))))
            continue
        in_time = [(o, a) for o, a in routable if a <= T - 1]
        if not in_time:
            earliest = min(a for _, a in routable)
            reasons.append(
                Reason(
                    "offers_too_late",
                    f"compatible offers can reach {need.handover} on day {earliest} at the earliest, "
                    f"after the horizon's last day {T - 1}",
                    {
                        "earliest_arrival_day": earliest,
                        "offers": [o.id for o, _ in routable[:MAX_NAMED]],
                    },
                )
            )
            unmet.append(Unmet(need.id, missing, _with_aon(need, tuple(reasons))))
            continue

        leftover = sum(o.quantity - used_of_offer.get(o.id, 0) for o, _ in in_time)
        rivals: dict[Id, int] = defaultdict(int)
        for k in acceptable:
            for other, qty in consumers_of_type.get(k, {}).items():
                if other != need.id:
                    rivals[other] += qty
        if leftover < missing and rivals:
            need_by_id = problem.need_by_id
            ranked = sorted(rivals, key=lambda nid: (-need_by_id[nid].weight, str(nid)))
            higher = [nid for nid in ranked if need_by_id[nid].weight > need.weight]
            named = higher or ranked
            reasons.append(
                Reason(
                    "outranked",
                    f"the compatible units that could reach it in time went to "
                    f"{'higher-value' if higher else 'other'} needs: "
                    + ", ".join(
                        f"{nid} (weight {need_by_id[nid].weight:g}, {rivals[nid]} units)"
                        for nid in named[:MAX_NAMED]
                    )
                    + (f" and {len(named) - MAX_NAMED} more" if len(named) > MAX_NAMED else ""),
                    {
                        "needs": [
                            {"need": nid, "weight": need_by_id[nid].weight, "units": rivals[nid]}
                            for nid in named[:MAX_NAMED]
                        ],
                        "unshipped_compatible_units": max(0, leftover),
                    },
                )
            )
        if leftover > 0:
            if rooms is None:
                rooms = _Rooms(model, values)
            saturated = _saturated(model, rooms, need, [o for o, _ in in_time], used_of_offer)
            if saturated:
                reasons.append(
                    Reason(
                        "capacity",
                        "saturated on the routes it could use: "
                        + "; ".join(
                            f"{name} on days {_ranges(days)}"
                            for name, days in saturated[:MAX_NAMED]
                        ),
                        {
                            "saturated": [
                                {"name": name, "days": days} for name, days in saturated[:MAX_NAMED]
                            ]
                        },
                    )
                )
            elif not reasons:
                reasons.append(
                    Reason(
                        "cost",
                        f"{leftover} compatible units were left at their depots: moving them costs "
                        "more than they are worth under the problem's cost_weight, or they would "
                        "arrive only after the value is gone",
                        {"unshipped_compatible_units": leftover},
                    )
                )
        if not reasons:
            reasons.append(
                Reason(
                    "outranked",
                    "the compatible units were all given to other needs",
                    {"needs": []},
                )
            )
        unmet.append(Unmet(need.id, missing, _with_aon(need, tuple(reasons))))
    return unmet


def _with_aon(need: Need, reasons: tuple[Reason, ...]) -> tuple[Reason, ...]:
    if not need.all_or_nothing:
        return reasons
    return (
        *reasons,
        Reason(
            "all_or_nothing",
            f"it takes its full quantity of {need.quantity} or nothing",
            {"quantity": need.quantity},
        ),
    )


class _Rooms:
    """Per leg and per hub, each day's capacity row and the room left in it by the plan."""

    def __init__(self, model: Model, values: Float) -> None:
        room = (model.row_upper - _row_activity(model, values)).tolist()
        self.legs: dict[tuple[str, int], list[tuple[int, float]]] = defaultdict(list)
        for (direction, li, t), row in model.leg_cap_rows.items():
            self.legs[(direction, li)].append((t, room[row]))
        self.hubs: dict[Id, list[tuple[int, float]]] = defaultdict(list)
        for (h, t), row in model.hub_cap_rows.items():
            self.hubs[h].append((t, room[row]))
        for days in (*self.legs.values(), *self.hubs.values()):
            days.sort()

    @staticmethod
    def full(days: list[tuple[int, float]], first_day: int, no_room: float) -> list[int]:
        return [t for t, left in days if t >= first_day and left < no_room]


def _saturated(
    model: Model,
    rooms: _Rooms,
    need: Need,
    offers: list[Any],
    used_of_offer: dict[Id, int],
) -> list[tuple[str, list[int]]]:
    """Legs and hubs on the need's routes with no room for one more compatible unit, by day."""
    problem = model.problem
    lightest = min(model.weight[k] for k in need.acceptable_item_types)
    depots = {o.origin for o in offers if o.quantity > used_of_offer.get(o.id, 0)}
    first_day = min(max(0, o.available_day) for o in offers)
    out_legs = [lo for lo, leg in enumerate(model.out_legs) if leg.to_site == need.handover]
    hubs = {model.out_legs[lo].from_site for lo in out_legs}
    in_legs = [
        li
        for li, leg in enumerate(model.in_legs)
        if leg.from_site in depots and leg.to_site in hubs
    ]
    found: list[tuple[str, list[int]]] = []
    no_room = lightest - 1e-9  # a row with less room than this takes no more compatible unit

    for direction, legs, picked in (
        ("in", model.in_legs, in_legs),
        ("out", model.out_legs, out_legs),
    ):
        for li in picked:
            leg = legs[li]
            days = rooms.full(rooms.legs.get((direction, li), []), first_day, no_room)
            if days:
                found.append((f"leg {leg.from_site} → {leg.to_site} by {leg.mode}", days))
    for h in sorted(hubs, key=str):
        days = rooms.full(rooms.hubs.get(h, []), first_day, no_room)
        closed = sorted(problem.hub_by_site[h].closed_days) if h in problem.hub_by_site else []
        if days:
            found.append((f"hub {h}", days))
        elif closed:
            found.append((f"hub {h} (closed)", closed))
    return found
