"""Scenarios: each change applied exactly, parse errors that name the field, and the comparison."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from nsatu.core.planner.plan import Plan
from nsatu.core.planner.problem import Offer, Problem, parse_problem
from nsatu.core.planner.scenario import (
    Scenario,
    ScenarioError,
    add_offers,
    apply,
    backfill_candidates,
    close_hub,
    compare,
    delay,
    format_days,
    parse_scenario,
    scale_hub,
    scale_leg,
    scenario,
    withdraw_donor,
)
from nsatu.core.planner.solve import solve


def _doc() -> dict[str, Any]:
    """USA dominates: its 10 units of A are the only ones that reach N1 (weight 10) in time.

    POL's 8 B go to N2 (weight 30, B only); DEU's 2 A become available after the horizon;
    GBR offers only C, which no need accepts. H2 is a hub without a ``hubs`` entry (unlimited).
    """
    return {
        "format": "nsatu-plan-problem/1",
        "start_date": "2025-03-01",
        "horizon_days": 10,
        "item_types": [
            {"id": "A", "unit_weight_t": 1.0},
            {"id": "B", "unit_weight_t": 1.0},
            {"id": "C", "unit_weight_t": 1.0},
        ],
        "sites": [
            {"id": "D1", "kind": "depot"},
            {"id": "D2", "kind": "depot"},
            {"id": "H1", "kind": "hub"},
            {"id": "H2", "kind": "hub"},
            {"id": "S1", "kind": "handover"},
        ],
        "offers": [
            {
                "id": "o1",
                "donor": "USA",
                "item_type": "A",
                "quantity": 10,
                "available_day": 0,
                "origin": "D1",
            },
            {
                "id": "o2",
                "donor": "POL",
                "item_type": "B",
                "quantity": 8,
                "available_day": 0,
                "origin": "D1",
            },
            {
                "id": "o3",
                "donor": "DEU",
                "item_type": "A",
                "quantity": 2,
                "available_day": 20,
                "origin": "D2",
            },
            {
                "id": "o4",
                "donor": "GBR",
                "item_type": "C",
                "quantity": 50,
                "available_day": 0,
                "origin": "D2",
            },
        ],
        "needs": [
            {
                "id": "N1",
                "quantity": 10,
                "needed_by_day": 5,
                "weight": 10,
                "acceptable_item_types": ["A", "B"],
                "handover": "S1",
            },
            {
                "id": "N2",
                "quantity": 8,
                "needed_by_day": 5,
                "weight": 30,
                "acceptable_item_types": ["B"],
                "handover": "S1",
            },
        ],
        "legs": [
            {
                "from": "D1",
                "to": "H1",
                "mode": "road",
                "transit_days": 1,
                "capacity_t_per_day": 100,
                "cost_per_t": 0,
            },
            {
                "from": "D2",
                "to": "H1",
                "mode": "road",
                "transit_days": 1,
                "capacity_t_per_day": 100,
                "cost_per_t": 0,
            },
            {
                "from": "D1",
                "to": "H2",
                "mode": "rail",
                "transit_days": 2,
                "capacity_t_per_day": 40,
                "cost_per_t": 0,
            },
            {
                "from": "H1",
                "to": "S1",
                "mode": "road",
                "transit_days": 1,
                "capacity_t_per_day": 100,
                "cost_per_t": 0,
            },
            {
                "from": "H2",
                "to": "S1",
                "mode": "road",
                "transit_days": 1,
                "capacity_t_per_day": 100,
                "cost_per_t": 0,
            },
        ],
        "hubs": [{"site": "H1", "handling_capacity_t_per_day": 50, "closed_days": [9]}],
        "values": {"late_factor": 0.5, "substitute_factor": 0.8, "cost_weight": 0.0},
    }


@pytest.fixture
def problem() -> Problem:
    return parse_problem(_doc())


def _errors(exc: pytest.ExceptionInfo[ScenarioError]) -> dict[str, str]:
    return dict(exc.value.errors)


# -- each change, exactly ------------------------------------------------------------------------


def test_withdraw_donor_removes_exactly_its_offers(problem: Problem) -> None:
    changed = apply(problem, scenario("s", withdraw_donor("USA")))
    assert [o.id for o in changed.offers] == ["o2", "o3", "o4"]
    assert changed.needs == problem.needs and changed.legs == problem.legs
    assert [o.id for o in problem.offers] == ["o1", "o2", "o3", "o4"]  # the original is untouched


def test_close_hub_adds_days_and_keeps_earlier_closures(problem: Problem) -> None:
    changed = apply(problem, scenario("s", close_hub("H1", range(3, 6))))
    assert changed.hub_by_site["H1"].closed_days == {3, 4, 5, 9}
    assert changed.hub_by_site["H1"].handling_capacity_t_per_day == 50
    assert changed.hub_capacity("H1", 4) == 0 and changed.hub_capacity("H1", 6) == 50


def test_close_hub_ignores_days_outside_the_horizon(problem: Problem) -> None:
    changed = apply(problem, scenario("s", close_hub("H1", [-1, 2, 10, 99])))
    assert changed.hub_by_site["H1"].closed_days == {2, 9}


def test_close_unlimited_hub_closes_it_and_keeps_it_unlimited_otherwise(problem: Problem) -> None:
    changed = apply(problem, scenario("s", close_hub("H2", [1, 2])))
    hub = changed.hub_by_site["H2"]
    assert hub.closed_days == {1, 2}
    # No day can receive more than everything offered (70 t), so the cap never binds.
    assert hub.handling_capacity_t_per_day > 70
    assert parse_problem(changed.to_json()) == changed  # still a valid, finite document


def test_delay_by_donor_shifts_only_that_donors_offers(problem: Problem) -> None:
    changed = apply(problem, scenario("s", delay(donor="POL", days=3)))
    assert [o.available_day for o in changed.offers] == [0, 3, 20, 0]


def test_delay_by_origin_and_donor_needs_both(problem: Problem) -> None:
    changed = apply(problem, scenario("s", delay(donor="USA", origin="D1", days=2)))
    assert [o.available_day for o in changed.offers] == [2, 0, 20, 0]
    changed = apply(problem, scenario("s", delay(origin="D2", days=-1)))
    assert [o.available_day for o in changed.offers] == [0, 0, 19, -1]


def test_delay_everything(problem: Problem) -> None:
    changed = apply(problem, scenario("s", delay(days=1)))
    assert [o.available_day for o in changed.offers] == [1, 1, 21, 1]


def test_scale_leg_changes_that_leg_only(problem: Problem) -> None:
    changed = apply(problem, scenario("s", scale_leg("D1", "H1", "road", 0.25)))
    caps = {leg.key: leg.capacity_t_per_day for leg in changed.legs}
    assert caps[("D1", "H1", "road")] == 25
    assert caps[("D2", "H1", "road")] == 100 and caps[("D1", "H2", "rail")] == 40


def test_scale_hub(problem: Problem) -> None:
    changed = apply(problem, scenario("s", scale_hub("H1", 0.5)))
    assert changed.hub_by_site["H1"].handling_capacity_t_per_day == 25
    assert changed.hub_by_site["H1"].closed_days == {9}


def test_add_offers_appends(problem: Problem) -> None:
    new = Offer("o9", "CAN", "B", 4, 1, "D2")
    changed = apply(problem, scenario("s", add_offers([new])))
    assert changed.offers[-1] == new and len(changed.offers) == 5
    assert changed.offer_by_id["o9"] == new  # lookups are rebuilt for the new problem


def test_changes_apply_in_order(problem: Problem) -> None:
    s = scenario("s", scale_hub("H1", 0.5), scale_hub("H1", 0.5), withdraw_donor("GBR"))
    changed = apply(problem, s)
    assert changed.hub_by_site["H1"].handling_capacity_t_per_day == 12.5
    assert "GBR" not in {o.donor for o in changed.offers}


def test_apply_errors_name_the_change_and_field(problem: Problem) -> None:
    s = scenario(
        "bad",
        withdraw_donor("XXX"),
        close_hub("D1", [1]),
        scale_leg("D1", "H1", "air", 0.5),
        scale_hub("H2", 0.5),
        delay(donor="NOPE", days=1),
        add_offers([Offer("o1", "CAN", "Z", 1, 0, "H1")]),
    )
    with pytest.raises(ScenarioError) as exc:
        apply(problem, s)
    errors = _errors(exc)
    assert errors["changes[0].donor"] == "no offer from donor 'XXX'"
    assert errors["changes[1].hub"] == "'D1' is a depot site, not a hub"
    assert "no leg 'D1' → 'H1' by 'air'" in errors["changes[2]"]
    assert "unlimited capacity" in errors["changes[3].hub"]
    assert "no offer matches" in errors["changes[4].donor"]
    assert "duplicate offer id" in errors["changes[5].offers[0].id"]
    assert "unknown item type" in errors["changes[5].offers[0].item_type"]
    assert "not a depot" in errors["changes[5].offers[0].origin"]


# -- JSON ----------------------------------------------------------------------------------------


def test_scenario_json_round_trip() -> None:
    s = scenario(
        "everything",
        withdraw_donor("USA"),
        close_hub("H1", range(3, 8)),
        delay(donor="POL", origin="D1", days=2),
        delay(days=-1),
        scale_leg("D1", "H1", "road", 0.5),
        scale_hub("H1", 2),
        add_offers([Offer("o9", "CAN", "B", 4, 1, "D2"), Offer(7, "CAN", 3, 1, 0, 5)]),
    )
    document = s.to_json()
    assert document["format"] == "nsatu-plan-scenario/1"
    assert parse_scenario(document) == s
    assert s.key() == parse_scenario(document).key()
    assert s.key() != scenario("everything", withdraw_donor("USA")).key()


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"kind": "explode"}, "changes[0].kind", "must be one of withdraw_donor"),
        ({"kind": "withdraw_donor"}, "changes[0].donor", "is required"),
        ({"kind": "withdraw_donor", "donor": 3}, "changes[0].donor", "non-empty string"),
        ({"kind": "close_hub", "hub": "H1"}, "changes[0].days", "is required"),
        ({"kind": "close_hub", "hub": "H1", "days": [1, "x"]}, "changes[0].days[1]", "integer day"),
        ({"kind": "close_hub", "days": [1]}, "changes[0].hub", "is required"),
        ({"kind": "delay", "donor": "USA"}, "changes[0].days", "is required"),
        ({"kind": "delay", "days": 1.5}, "changes[0].days", "must be an integer"),
        (
            {"kind": "scale_leg", "from": "D1", "to": "H1", "factor": 1},
            "changes[0].mode",
            "is required",
        ),
        ({"kind": "scale_hub", "hub": "H1", "factor": -1}, "changes[0].factor", "≥ 0"),
        ({"kind": "scale_hub", "hub": "H1", "factor": "half"}, "changes[0].factor", "a number"),
        ({"kind": "add_offers", "offers": []}, "changes[0].offers", "non-empty array"),
        (
            {
                "kind": "add_offers",
                "offers": [
                    {
                        "id": "o9",
                        "donor": "CAN",
                        "item_type": "B",
                        "quantity": -1,
                        "available_day": 0,
                        "origin": "D1",
                    }
                ],
            },
            "changes[0].offers[0].quantity",
            "≥ 0",
        ),
        (
            {
                "kind": "add_offers",
                "offers": [
                    {
                        "id": "o9",
                        "item_type": "B",
                        "quantity": 1,
                        "available_day": 0,
                        "origin": "D1",
                    }
                ],
            },
            "changes[0].offers[0].donor",
            "is required",
        ),
    ],
)
def test_parse_errors_name_the_field(change: dict[str, Any], field: str, fragment: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        parse_scenario({"name": "x", "changes": [change]})
    errors = _errors(exc)
    assert field in errors, errors
    assert fragment in errors[field]


def test_parse_errors_on_the_document() -> None:
    with pytest.raises(ScenarioError) as exc:
        parse_scenario({"format": "other/1", "name": 3, "changes": {}})
    assert set(_errors(exc)) == {"format", "name", "changes"}
    with pytest.raises(ScenarioError):
        parse_scenario([])


def test_format_days() -> None:
    assert format_days([7, 3, 4, 5]) == "3–5, 7"
    assert format_days([1]) == "1"


# -- compare -------------------------------------------------------------------------------------


def test_withdrawing_the_dominant_donor_loses_its_need(problem: Problem) -> None:
    baseline = solve(problem)
    s = scenario("no USA", withdraw_donor("USA"))
    changed_problem = apply(problem, s)
    changed = solve(changed_problem, start=baseline)
    report = compare(problem, baseline, changed_problem, changed, name=s.name)

    assert report.scenario == "no USA"
    assert report.withdrawn_donors == ("USA",)
    # Baseline: N1 10 A on time (value 100), N2 8 B on time (240). Without USA, POL's B all go
    # to N2 (30 a unit beats 10 × 0.8), so N1 gets nothing.
    assert report.baseline_value == pytest.approx(340)
    assert report.scenario_value == pytest.approx(240)
    assert report.value_lost == pytest.approx(100)
    assert report.value_lost_pct == pytest.approx(100 / 3.4)

    by_weight = {c.weight: c for c in report.coverage}
    assert [c.weight for c in report.coverage] == [30, 10]
    assert (by_weight[30].baseline_on_time, by_weight[30].scenario_on_time) == (8, 8)
    assert by_weight[30].value_delta == pytest.approx(0)
    assert (by_weight[10].needed, by_weight[10].baseline_on_time) == (10, 10)
    assert (by_weight[10].scenario_on_time, by_weight[10].scenario_late) == (0, 0)
    assert by_weight[10].on_time_delta == -10
    assert by_weight[10].value_delta == pytest.approx(-100)

    assert [n.need for n in report.lost] == ["N1"]
    lost = report.lost[0]
    assert (lost.units_lost, lost.on_time_lost, lost.value_lost) == (10, 10, pytest.approx(100))
    assert lost.reasons, "the changed plan says why N1 is unmet"
    assert {r.code for r in lost.reasons} & {"outranked", "offers_too_late"}
    # POL offered 8 compatible (B, a substitute), DEU 2 of the preferred A; GBR offered only C
    # and USA is withdrawn, so neither is a candidate.
    assert [(c.donor, c.quantity, c.preferred) for c in lost.candidates] == [
        ("POL", 8, 0),
        ("DEU", 2, 2),
    ]
    assert lost.candidates[1].offers == ("o3",)
    assert report.units_lost == 10

    document = report.to_json()
    assert document["lost"][0]["candidates"][0]["donor"] == "POL"
    assert document["coverage"][1]["delta"]["on_time"] == -10


def test_compare_without_change_loses_nothing(problem: Problem) -> None:
    baseline = solve(problem)
    report = compare(problem, baseline, problem, baseline)
    assert report.value_lost == 0 and report.lost == () and report.withdrawn_donors == ()


def test_compare_counts_late_as_lost_on_time(problem: Problem) -> None:
    baseline = solve(problem)
    changed_problem = apply(problem, scenario("late", delay(donor="USA", days=6)))
    changed = solve(changed_problem)
    report = compare(problem, baseline, changed_problem, changed)
    n1 = next(n for n in report.lost if n.need == "N1")
    assert n1.units_lost == 0 and n1.on_time_lost == 10
    assert n1.value_lost == pytest.approx(50)  # late at half value
    assert [c.donor for c in n1.candidates] == ["USA", "POL", "DEU"]  # nobody withdrawn


def test_compare_ignores_shipments_the_problem_does_not_know(problem: Problem) -> None:
    baseline = solve(problem)
    foreign = replace(baseline.shipments[0], offer="nope")
    odd = replace(baseline, shipments=(*baseline.shipments, foreign))
    assert compare(problem, odd, problem, baseline).value_lost == pytest.approx(0)


def test_backfill_candidates_rank_and_limit(problem: Problem) -> None:
    need = problem.need_by_id["N1"]
    assert [c.donor for c in backfill_candidates(problem, need)] == ["USA", "POL", "DEU"]
    assert [c.donor for c in backfill_candidates(problem, need, limit=1)] == ["USA"]
    assert backfill_candidates(problem, need, exclude=["USA", "POL", "DEU"]) == ()


def test_compare_is_deterministic(problem: Problem) -> None:
    baseline = solve(problem)
    s = Scenario("x", (withdraw_donor("USA"),))
    changed_problem = apply(problem, s)
    changed = solve(changed_problem, start=baseline)
    first = compare(problem, baseline, changed_problem, changed).to_json()
    again = compare(problem, baseline, changed_problem, solve(changed_problem)).to_json()
    first.pop("stats")
    again.pop("stats")
    assert first == again


def test_empty_plan_baseline_value_zero(problem: Problem) -> None:
    empty = Plan("feasible", 0.0, 0.0, 0.0, ())
    report = compare(problem, empty, problem, empty)
    assert report.value_lost_pct == 0.0
