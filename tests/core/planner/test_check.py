"""The independent checker: a plan that breaks exactly one limit is refused naming that limit, and
a feasible plan passes with the objective worked out by hand.

The problem is ``small_problem()`` from test_problem.py: D1 → H1 by road (1 day, 20 t/day,
100/t), H1 → X1 by road (2 days, 15 t/day, 150/t), D1 → H2 by rail (2 days, 10 t/day, 50/t),
H2 → X1 by road (1 day, 100 t/day, 80/t); H1 handles 10 t/day and is closed on day 3; H2 has no
``hubs`` entry (unlimited). T = 10, so the last day is 9.
"""

from __future__ import annotations

import dataclasses
import math
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nsatu.core.planner.check import VIOLATION_CODES, CheckReport, check_plan
from nsatu.core.planner.plan import Plan, Reason, Shipment, Unmet
from nsatu.core.planner.problem import Problem, parse_problem
from tests.core.planner.test_problem import integer_ids_problem, small_problem

PROBLEM = parse_problem(small_problem())


def ship(
    offer: Any,
    need: Any,
    quantity: int,
    hub: Any,
    depart: int,
    hub_depart: int,
    *,
    mode_in: str | None = None,
    mode_out: str = "road",
) -> Shipment:
    if mode_in is None:
        mode_in = "road" if hub == "H1" else "rail"
    return Shipment(offer, need, quantity, hub, mode_in, depart, mode_out, hub_depart)


#: 20 A on time through H1 (10 t), 20 B late through H2 (5 t), all 4 C on time through H2 (4 t).
FEASIBLE = (
    ship("O1", "N1", 20, "H1", 1, 2),  # hub day 2: 10 t of 10; arrives day 4 ≤ 5
    ship("O2", "N1", 20, "H2", 0, 6),  # arrives day 7 > 5: late, and B substitutes for A
    ship("O3", "N2", 4, "H2", 0, 2),  # O3 is available from day -2: day 0 is fine; arrives 3
)
# value: 20 × 10 + 20 × 10 × 0.5 × 0.8 + 4 × 20 = 200 + 80 + 80 = 360
# cost:  10 × (100 + 150) + 5 × (50 + 80) + 4 × (50 + 80) = 2500 + 650 + 520 = 3670
# objective: 360 − 0.001 × 3670 = 356.33
VALUE, COST, OBJECTIVE = 360.0, 3670.0, 356.33


def plan_of(
    shipments: tuple[Shipment, ...] | list[Shipment],
    objective: float = OBJECTIVE,
    unmet: tuple[Unmet, ...] = (),
) -> Plan:
    return Plan("feasible", objective, objective, 0.0, tuple(shipments), unmet)


def honest(
    shipments: tuple[Shipment, ...] | list[Shipment],
    problem: Problem = PROBLEM,
    unmet: tuple[Unmet, ...] = (),
) -> CheckReport:
    """Check a plan that states the objective the checker recomputes, so that only the limits
    the shipments break are reported."""
    first = check_plan(problem, plan_of(shipments, unmet=unmet))
    return check_plan(problem, plan_of(shipments, first.objective, unmet))


def test_a_feasible_plan_passes_with_the_objective_worked_out_by_hand() -> None:
    report = check_plan(PROBLEM, plan_of(FEASIBLE))
    assert report.ok, report.violations
    assert report.violations == ()
    assert report.value == pytest.approx(VALUE, rel=1e-12)
    assert report.cost == pytest.approx(COST, rel=1e-12)
    assert report.objective == pytest.approx(OBJECTIVE, rel=1e-12)
    assert report.reported_objective == OBJECTIVE


def test_the_empty_plan_is_feasible_and_worth_nothing() -> None:
    report = check_plan(PROBLEM, plan_of((), 0.0))
    assert report.ok
    assert (report.value, report.cost, report.objective) == (0.0, 0.0, 0.0)


def test_integer_ids_check_the_same() -> None:
    problem = parse_problem(integer_ids_problem())
    ids: dict[Any, Any] = {
        "O1": 100,
        "O2": 101,
        "O3": 102,
        "N1": 200,
        "N2": 201,
        "H1": 20,
        "H2": 21,
    }
    shipments = [
        dataclasses.replace(s, offer=ids[s.offer], need=ids[s.need], hub=ids[s.hub])
        for s in FEASIBLE
    ]
    report = check_plan(problem, plan_of(shipments))
    assert report.ok, report.violations
    assert report.objective == pytest.approx(OBJECTIVE, rel=1e-12)
    # "100" is not 100.
    wrong = check_plan(problem, plan_of([dataclasses.replace(shipments[0], offer="100")]))
    assert "unknown_offer" in wrong.codes


def test_a_plan_split_into_more_shipments_checks_the_same() -> None:
    split = [
        ship("O1", "N1", 12, "H1", 1, 2),
        ship("O1", "N1", 8, "H1", 1, 2),
        *FEASIBLE[1:],
    ]
    report = check_plan(PROBLEM, plan_of(split))
    assert report.ok
    assert report.objective == pytest.approx(OBJECTIVE, rel=1e-12)


# -- each limit, broken alone --------------------------------------------------------------------

#: (code, the shipments added to FEASIBLE (or replacing it: ``None`` first), a text the message
#: must contain).
BREAKS: list[tuple[str, list[Shipment | None], str]] = [
    (
        "non_positive_quantity",
        [ship("O1", "N1", 0, "H1", 4, 5)],
        "shipment 3 (offer O1 → need N1): quantity 0 is not positive",
    ),
    ("non_positive_quantity", [ship("O1", "N1", -5, "H1", 4, 5)], "quantity -5"),
    (
        "unknown_offer",
        [ship("O9", "N1", 1, "H1", 4, 5)],
        "shipment 3: offer O9 is not in the problem",
    ),
    (
        "unknown_need",
        [ship("O1", "N9", 1, "H1", 4, 5)],
        "shipment 3: need N9 is not in the problem",
    ),
    ("no_such_leg", [ship("O1", "N1", 1, "H1", 4, 5, mode_in="rail")], "no leg D1 → H1 by rail"),
    ("no_such_leg", [ship("O1", "N1", 1, "H1", 4, 5, mode_out="air")], "no leg H1 → X1 by air"),
    ("no_such_leg", [ship("O1", "N1", 1, "X1", 4, 5, mode_in="road")], "no leg D1 → X1 by road"),
    (
        "incompatible_type",
        [ship("O3", "N3", 1, "H2", 0, 2)],
        "item type C is not acceptable for need N3 (accepts B, A)",
    ),
    (
        "before_available",
        [ship("O1", "N1", 1, "H1", 0, 1)],
        "leaves D1 on day 0, before the offer is available (day 1)",
    ),
    (
        "before_available",
        [None, ship("O3", "N2", 4, "H2", -1, 2)],
        "leaves D1 on day -1, before the offer is available (day 0)",
    ),
    (
        "hub_departure_before_arrival",
        [ship("O1", "N1", 1, "H1", 4, 4)],
        "leaves hub H1 on day 4, before it arrives there (day 5)",
    ),
    (
        "arrives_after_horizon",
        [ship("O1", "N1", 1, "H1", 4, 8)],
        "arrives at X1 on day 10, after the last day of the horizon (day 9)",
    ),
    (
        "offer_over_quantity",
        [ship("O2", "N3", 11, "H2", 1, 3)],
        "offer O2: 31 units shipped, only 30 offered",
    ),
    (
        "need_over_quantity",
        [ship("O1", "N1", 11, "H2", 1, 3)],
        "need N1: 51 units delivered, only 50 needed",
    ),
    (
        "all_or_nothing_partial",
        [*FEASIBLE[:2], None, ship("O3", "N2", 3, "H2", 0, 2)],
        "need N2 is all-or-nothing: 3 of 4 units delivered",
    ),
    (
        "leg_capacity",
        [ship("O2", "N3", 5, "H2", 0, 2)],
        "leg D1 → H2 by rail, day 0: 10.25 t depart, capacity 10 t",
    ),
    (
        "hub_capacity",
        [ship("O1", "N1", 1, "H1", 2, 4)],
        "hub H1, day 3: 0.5 t arrive, capacity 0 t (closed)",
    ),
    (
        "hub_capacity",
        [ship("O1", "N3", 20, "H1", 4, 5), ship("O2", "N3", 4, "H1", 4, 6)],
        "hub H1, day 5: 11 t arrive, capacity 10 t",
    ),
]


def _shipments(spec: list[Shipment | None]) -> list[Shipment]:
    if None in spec:  # replace FEASIBLE: the shipments before None are kept
        return [s for s in spec if s is not None]
    return [*FEASIBLE, *(s for s in spec if s is not None)]


@pytest.mark.parametrize(
    ("code", "spec", "text"), BREAKS, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(BREAKS)]
)
def test_each_limit_broken_alone_is_named(
    code: str, spec: list[Shipment | None], text: str
) -> None:
    report = honest(_shipments(spec))
    assert not report.ok
    assert report.codes == {code}, report.violations
    assert any(text in v.message for v in report.violations), [v.message for v in report.violations]


def test_a_load_exactly_at_a_capacity_is_within_it() -> None:
    # D1 → H2 by rail carries 9 t on day 0 in FEASIBLE; 4 B more make exactly 10 t.
    assert honest([*FEASIBLE, ship("O2", "N3", 4, "H2", 0, 2)]).ok
    # H1 takes 10 t on day 2 in FEASIBLE; anything more on day 2 is over.
    assert honest([*FEASIBLE, ship("O2", "N3", 1, "H1", 1, 2)]).codes == {"hub_capacity"}


def test_the_second_leg_counts_tonnes_leaving_the_hub() -> None:
    doc = small_problem()
    doc["legs"][1]["capacity_t_per_day"] = 12
    problem = parse_problem(doc)
    # 10 t of A arrive at H1 on day 2, 2.5 t of B on day 1; both leave on day 2.
    late_and_early = [*FEASIBLE, ship("O2", "N3", 10, "H1", 0, 2)]
    report = honest(late_and_early, problem)
    assert report.codes == {"leg_capacity"}
    assert report.violations[0].message == (
        "leg H1 → X1 by road, day 2: 12.5 t depart, capacity 12 t"
    )
    assert report.violations[0].shipments == (0, 3)
    # Leaving a day later keeps the limit.
    assert honest([*FEASIBLE, ship("O2", "N3", 10, "H1", 0, 3)], problem).ok


def test_violations_name_the_shipments_involved() -> None:
    shipments = [*FEASIBLE, ship("O2", "N3", 5, "H2", 0, 2)]
    (violation,) = honest(shipments).violations
    assert violation.code == "leg_capacity"
    assert violation.shipments == (1, 2, 3)  # the three that leave D1 by rail on day 0
    over = honest([*FEASIBLE, ship("O1", "N1", 11, "H2", 1, 3)]).violations[0]
    assert over.shipments == (0, 1, 3)  # every shipment for N1


def test_the_stated_objective_must_match() -> None:
    report = check_plan(PROBLEM, plan_of(FEASIBLE, objective=360.0))
    assert report.codes == {"objective_mismatch"}
    assert "states objective 360, recomputed 356.33" in report.violations[0].message
    assert report.objective == pytest.approx(OBJECTIVE)
    assert report.reported_objective == 360.0
    # Within 1e-6 relative is a match; NaN never is.
    assert check_plan(PROBLEM, plan_of(FEASIBLE, OBJECTIVE * (1 + 5e-7))).ok
    assert not check_plan(PROBLEM, plan_of(FEASIBLE, OBJECTIVE * (1 + 5e-6))).ok
    assert check_plan(PROBLEM, plan_of(FEASIBLE, math.nan)).codes == {"objective_mismatch"}
    # The tolerance is a parameter.
    assert check_plan(PROBLEM, plan_of(FEASIBLE, 356.0), tolerance=1e-2).ok


def test_unmet_entries_must_state_the_shortfall() -> None:
    reason = (Reason("outranked", "other needs came first"),)
    right = (Unmet("N1", 10, reason), Unmet("N3", 100, reason))
    assert honest(FEASIBLE, unmet=right).ok
    wrong = (Unmet("N1", 7, reason), Unmet("N2", 4, reason), Unmet("N9", 1, reason))
    report = honest(FEASIBLE, unmet=wrong)
    assert report.codes == {"unmet_mismatch"}
    messages = [v.message for v in report.violations]
    assert messages == [
        "unmet[0]: need N1 is stated 7 units short; 40 of 50 delivered leaves 10",
        "unmet[1]: need N2 is stated 4 units short; 4 of 4 delivered leaves 0",
        "unmet[2]: need N9 is not in the problem",
    ]


def test_several_breaks_are_all_reported_in_shipment_order() -> None:
    shipments = [
        ship("O1", "N1", 0, "H1", 0, 0),  # quantity, before available, hub departure
        ship("O9", "N9", 1, "H1", 1, 2),  # unknown offer and need
        ship("O3", "N1", 1, "H2", 0, 9),  # incompatible and after the horizon
    ]
    report = honest(shipments)
    assert [(v.shipments, v.code) for v in report.violations] == [
        ((0,), "non_positive_quantity"),
        ((0,), "before_available"),
        ((0,), "hub_departure_before_arrival"),
        ((1,), "unknown_offer"),
        ((1,), "unknown_need"),
        ((2,), "incompatible_type"),
        ((2,), "arrives_after_horizon"),
    ]
    assert report.counts() == {
        "non_positive_quantity": 1,
        "unknown_offer": 1,
        "unknown_need": 1,
        "incompatible_type": 1,
        "before_available": 1,
        "hub_departure_before_arrival": 1,
        "arrives_after_horizon": 1,
    }
    as_json = report.to_json()
    assert as_json["ok"] is False
    assert as_json["violations"][0] == {
        "code": "non_positive_quantity",
        "message": "shipment 0 (offer O1 → need N1): quantity 0 is not positive",
        "shipments": [0],
    }


def test_value_counts_lateness_substitutes_and_only_acceptable_types() -> None:
    # One B unit for N3 (B preferred) on time: 1; one A unit for N3 late is impossible (day 9 is
    # its due day and the last day), so substitute only: 0.8.
    report = honest([ship("O2", "N3", 1, "H2", 0, 2), ship("O1", "N3", 1, "H2", 1, 3)])
    assert report.ok
    assert report.value == pytest.approx(1.0 + 0.8)
    # Late and substitute multiply: B for N1 after day 5.
    report = honest([ship("O2", "N1", 1, "H1", 0, 5)])
    assert report.value == pytest.approx(10 * 0.5 * 0.8)
    # An incompatible unit earns nothing but its transport still costs.
    report = honest([ship("O3", "N1", 1, "H2", 0, 2)])
    assert report.value == 0.0
    assert report.cost == pytest.approx(1.0 * (50 + 80))


def test_huge_days_and_quantities_do_not_crash() -> None:
    shipments = [
        ship("O1", "N1", 10**30, "H1", 10**25, 10**26),
        ship("O2", "N3", 1, "H2", -(10**40), -(10**40)),
    ]
    report = check_plan(PROBLEM, plan_of(shipments, 0.0))
    assert report.codes == {
        "offer_over_quantity",
        "need_over_quantity",
        "arrives_after_horizon",
        "before_available",
        "hub_departure_before_arrival",
        "leg_capacity",
        "hub_capacity",
        "objective_mismatch",
    }
    # Per-shipment messages quote the plan's own figures.
    assert any(f"on day {-(10**40)}, before" in v.message for v in report.violations)


# -- random plans ----------------------------------------------------------------------------------

OFFERS = ["O1", "O2", "O3", "O9", 1]
NEEDS = ["N1", "N2", "N3", "N9", 2]
HUBS = ["H1", "H2", "X1", "D1"]
MODES = ["road", "rail", "air"]

shipments_st = st.builds(
    Shipment,
    offer=st.sampled_from(OFFERS),
    need=st.sampled_from(NEEDS),
    quantity=st.integers(-3, 60) | st.sampled_from([10**20, -(10**20)]),
    hub=st.sampled_from(HUBS),
    mode_in=st.sampled_from(MODES),
    depart_day=st.integers(-3, 14),
    mode_out=st.sampled_from(MODES),
    hub_depart_day=st.integers(-3, 14),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(shipments_st, max_size=12), st.floats(allow_nan=True, allow_infinity=True))
def test_random_plans_never_crash_the_checker(shipments: list[Shipment], objective: float) -> None:
    report = check_plan(PROBLEM, plan_of(shipments, objective))
    assert report.ok == (not report.violations)
    assert all(v.code in VIOLATION_CODES for v in report.violations)
    assert all(0 <= k < len(shipments) for v in report.violations for k in v.shipments)
    assert all(v.message for v in report.violations)
    assert math.isfinite(report.value) or abs(report.value) == math.inf
    # The shipments' order changes neither the verdict nor the figures.
    shuffled = list(shipments)
    random.Random(0).shuffle(shuffled)
    again = check_plan(PROBLEM, plan_of(shuffled, objective))
    assert again.counts() == report.counts()
    assert again.objective == pytest.approx(report.objective, rel=1e-9, abs=1e-9)


def _routed(offer: str, need: str, quantity: int, via: str, depart: int, wait: int) -> Shipment:
    """A shipment along existing legs, leaving the hub ``wait`` days after it arrives."""
    transit = 1 if via == "H1" else 2
    return ship(offer, need, quantity, via, depart, depart + transit + wait)


routed_st = st.builds(
    _routed,
    offer=st.sampled_from(["O1", "O2", "O3"]),
    need=st.sampled_from(["N1", "N2", "N3"]),
    quantity=st.integers(1, 40),
    via=st.sampled_from(["H1", "H2"]),
    depart=st.integers(0, 4),
    wait=st.integers(0, 2),
)


@settings(max_examples=200, deadline=None)
@given(routed_st)
def test_a_shipment_doubled_beyond_its_offer_is_refused(shipment: Shipment) -> None:
    offer = PROBLEM.offer_by_id[shipment.offer]
    quantity = min(shipment.quantity, offer.quantity) // 2 + offer.quantity // 2 + 1
    one = dataclasses.replace(shipment, quantity=quantity)
    assert 2 * quantity > offer.quantity
    report = check_plan(PROBLEM, plan_of([one, one], 0.0))
    assert "offer_over_quantity" in report.codes
    (over,) = [v for v in report.violations if v.code == "offer_over_quantity"]
    assert over.shipments == (0, 1)
    assert f"{2 * quantity} units shipped, only {offer.quantity} offered" in over.message


@settings(max_examples=200, deadline=None)
@given(st.lists(routed_st, max_size=6))
def test_value_agrees_with_the_problems_unit_value(shipments: list[Shipment]) -> None:
    """A second opinion on the value, through ``Problem.unit_value``, for routed shipments."""
    report = check_plan(PROBLEM, plan_of(shipments, 0.0))
    expected_value = 0.0
    expected_cost = 0.0
    for s in shipments:
        offer, need = PROBLEM.offer_by_id[s.offer], PROBLEM.need_by_id[s.need]
        leg_in = PROBLEM.leg_by_key[(offer.origin, s.hub, s.mode_in)]
        leg_out = PROBLEM.leg_by_key[(s.hub, need.handover, s.mode_out)]
        tonnes = s.quantity * PROBLEM.item_type_by_id[offer.item_type].unit_weight_t
        expected_cost += tonnes * (leg_in.cost_per_t + leg_out.cost_per_t)
        if offer.item_type in need.acceptable_item_types:
            arrival = s.hub_depart_day + leg_out.transit_days
            expected_value += s.quantity * PROBLEM.unit_value(need, offer.item_type, arrival)
    assert report.value == pytest.approx(expected_value, rel=1e-9, abs=1e-9)
    assert report.cost == pytest.approx(expected_cost, rel=1e-9, abs=1e-9)
    # A plan is feasible iff it is refused for nothing but the objective.
    assert report.codes <= {
        "incompatible_type",
        "before_available",
        "arrives_after_horizon",
        "offer_over_quantity",
        "need_over_quantity",
        "all_or_nothing_partial",
        "leg_capacity",
        "hub_capacity",
        "objective_mismatch",
    }
