"""Small random planning problems for property tests (hypothesis strategies)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from nsatu.core.planner.problem import Problem, parse_problem

DEPOTS = ("D1", "D2")
HUBS = ("H1", "H2")
HANDOVERS = ("S1", "S2")
TYPES = (("A", "f", 1.0), ("B", "f", 1.5), ("C", "g", 2.5))


@st.composite
def problems(draw: st.DrawFn, *, max_horizon: int = 7) -> Problem:
    """A tiny but complete problem: every family of constraint can bind."""
    horizon = draw(st.integers(3, max_horizon))
    sites = [
        *({"id": d, "kind": "depot", "country": "DEU", "lat": 50.0, "lon": 8.0} for d in DEPOTS),
        *({"id": h, "kind": "hub", "country": "POL", "lat": 50.0, "lon": 22.0} for h in HUBS),
        *(
            {"id": s, "kind": "handover", "country": "UKR", "lat": 50.0, "lon": 24.0}
            for s in HANDOVERS
        ),
    ]
    legs: list[dict[str, Any]] = []
    for src, dsts in ((DEPOTS, HUBS), (HUBS, HANDOVERS)):
        for a in src:
            for b in dsts:
                for mode in ("road", "rail"):
                    if draw(st.booleans()):
                        legs.append(
                            {
                                "from": a,
                                "to": b,
                                "mode": mode,
                                "transit_days": draw(st.integers(1, 2)),
                                "capacity_t_per_day": draw(st.sampled_from([1.0, 2.5, 4.0, 10.0])),
                                "cost_per_t": draw(st.sampled_from([0.0, 1.0, 3.0])),
                            }
                        )
    offers = [
        {
            "id": f"o{i}",
            "donor": draw(st.sampled_from(["DEU", "POL", "USA"])),
            "item_type": draw(st.sampled_from([t[0] for t in TYPES])),
            "quantity": draw(st.integers(0, 6)),
            "available_day": draw(st.integers(-1, horizon)),
            "origin": draw(st.sampled_from(DEPOTS)),
        }
        for i in range(draw(st.integers(1, 4)))
    ]
    needs = []
    for i in range(draw(st.integers(1, 4))):
        acceptable = draw(
            st.lists(st.sampled_from([t[0] for t in TYPES]), min_size=1, max_size=3, unique=True)
        )
        needs.append(
            {
                "id": f"n{i}",
                "quantity": draw(st.integers(0, 6)),
                "needed_by_day": draw(st.integers(-1, horizon)),
                "weight": draw(st.sampled_from([1.0, 3.0, 10.0, 30.0])),
                "acceptable_item_types": acceptable,
                "handover": draw(st.sampled_from(HANDOVERS)),
                "all_or_nothing": draw(st.booleans()),
            }
        )
    hubs = [
        {
            "site": h,
            "handling_capacity_t_per_day": draw(st.sampled_from([0.0, 2.0, 3.0, 8.0])),
            "closed_days": draw(st.lists(st.integers(0, horizon - 1), max_size=2, unique=True)),
        }
        for h in HUBS
        if draw(st.booleans())
    ]
    document = {
        "format": "nsatu-plan-problem/1",
        "start_date": "2026-01-05",
        "horizon_days": horizon,
        "item_types": [{"id": i, "family": f, "unit_weight_t": w} for i, f, w in TYPES],
        "sites": sites,
        "offers": offers,
        "needs": needs,
        "legs": legs,
        "hubs": hubs,
        "values": {
            "late_factor": draw(st.sampled_from([0.0, 0.5, 1.0])),
            "substitute_factor": draw(st.sampled_from([0.5, 0.8, 1.0])),
            "cost_weight": draw(st.sampled_from([0.0, 0.01, 1.0])),
        },
    }
    return parse_problem(document)
