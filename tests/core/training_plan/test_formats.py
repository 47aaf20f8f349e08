"""The ``nsatu-seat-problem/1`` document: a faithful round trip, and every bad field named."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings

from nsatu.core.planner.problem import ProblemError
from nsatu.core.training_plan.formats import (
    PROBLEM_FORMAT,
    load_problem,
    parse_problem,
    problem_to_json,
)
from nsatu.core.training_plan.generate import generate
from nsatu.core.training_plan.problem import SeatProblem
from tests.core.training_plan.strategies import problems


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_round_trip_through_json_text(problem: SeatProblem) -> None:
    text = json.dumps(problem_to_json(problem))
    assert load_problem(text) == problem


def test_generated_instance_round_trips_with_its_day_zero() -> None:
    problem = replace(generate(1, seed=1), day0=dt.date(2030, 1, 1))
    document = problem_to_json(problem)
    assert document["format"] == PROBLEM_FORMAT
    assert document["day0"] == "2030-01-01"
    assert parse_problem(json.loads(json.dumps(document))) == problem


def test_every_bad_field_is_named() -> None:
    document = {
        "format": "something else",
        "day0": "2030-02-30",
        "travel": {"days": [{"from": "DEU", "to": 3, "days": "two"}]},
        "courses": [{"id": True, "prerequisites": "A"}],
        "events": [{"id": "E", "course": "A", "place": {"country": ""}, "start_day": 1.5}],
        "requests": [{"id": 1, "cohort": "ten", "courses": [], "weight": float("inf")}],
    }
    with pytest.raises(ProblemError) as caught:
        parse_problem(document)
    fields = {path for path, _ in caught.value.errors}
    assert {
        "format",
        "day0",
        "travel.days[0].to",
        "travel.days[0].days",
        "courses[0].id",
        "courses[0].prerequisites",
        "events[0].place.country",
        "events[0].start_day",
        "events[0].end_day",
        "events[0].seats",
        "requests[0].cohort",
        "requests[0].earliest_start",
        "requests[0].weight",
    } <= fields


def test_problem_rules_follow_the_shape() -> None:
    document = problem_to_json(generate(1, seed=0))
    document["requests"][0]["courses"] = ["no such course"]
    with pytest.raises(ProblemError) as caught:
        parse_problem(document)
    assert ("requests[0].courses", "unknown course 'no such course'") in caught.value.errors


def test_not_json() -> None:
    with pytest.raises(ProblemError) as caught:
        load_problem("{")
    assert caught.value.errors[0][0] == "$"
