"""docs/planner.md is the contract: its JSON Schemas accept what the code writes and reads, what
they reject the code refuses too (naming the field), and its worked example checks as stated."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, get_args

import pytest
from jsonschema import Draft202012Validator

from nsatu.core.planner.check import VIOLATION_CODES, check_plan
from nsatu.core.planner.plan import (
    PLAN_FORMAT,
    Plan,
    Reason,
    ReasonCode,
    Shipment,
    Status,
    Unmet,
    parse_plan,
)
from nsatu.core.planner.problem import (
    PROBLEM_FORMAT,
    ProblemError,
    parse_problem,
    problem_to_json,
)
from tests.core.planner.test_problem import REFUSALS, integer_ids_problem, small_problem

DOC = Path(__file__).resolve().parents[3] / "docs" / "planner.md"


def doc_block(marker: str) -> Any:
    """The ```json block right after ``<!-- marker -->``."""
    text = DOC.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {re.escape(marker)} -->\s*```json\n(.*?)\n```", text, re.DOTALL)
    assert found, f"docs/planner.md has no ```json block after <!-- {marker} -->"
    return json.loads(found.group(1))


@cache
def _validator(fmt: str) -> Draft202012Validator:
    schema = doc_block(f"schema: {fmt}")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def problem_schema() -> Draft202012Validator:
    return _validator(PROBLEM_FORMAT)


def plan_schema() -> Draft202012Validator:
    return _validator(PLAN_FORMAT)


def _errors(validator: Draft202012Validator, document: Any) -> list[str]:
    return [e.message for e in validator.iter_errors(document)]


def test_the_schemas_are_valid_draft_2020_12() -> None:
    for validator in (problem_schema(), plan_schema()):
        assert validator.schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert problem_schema().schema["properties"]["format"] == {"const": PROBLEM_FORMAT}
    assert plan_schema().schema["properties"]["format"] == {"const": PLAN_FORMAT}


# -- problems --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [small_problem, integer_ids_problem, lambda: doc_block("example: problem")],
    ids=["small", "integer-ids", "worked-example"],
)
def test_problems_and_their_round_trip_validate(make: Callable[[], Any]) -> None:
    document = make()
    assert _errors(problem_schema(), document) == []
    problem = parse_problem(document)
    written = problem_to_json(problem)
    assert _errors(problem_schema(), written) == []
    assert _errors(problem_schema(), json.loads(json.dumps(written))) == []
    assert parse_problem(written) == problem


def test_a_minimal_problem_validates() -> None:
    document = small_problem()
    del document["hubs"]
    for item in document["item_types"]:
        del item["family"]
    for site in document["sites"]:
        del site["country"], site["lat"], site["lon"]
    document["unknown_key"] = {"ignored": True}
    assert _errors(problem_schema(), document) == []
    parse_problem(document)


SCHEMA_REFUSALS = [r for r in REFUSALS if r[3]]


@pytest.mark.parametrize(
    ("mutate", "path"),
    [(m, p) for _, m, p, _ in SCHEMA_REFUSALS],
    ids=[r[0] for r in SCHEMA_REFUSALS],
)
def test_what_the_schema_rejects_the_reader_refuses(
    mutate: Callable[[dict[str, Any]], None], path: str
) -> None:
    document = small_problem()
    mutate(document)
    assert _errors(problem_schema(), document), "the schema accepts it"
    with pytest.raises(ProblemError) as exc:
        parse_problem(document)
    assert path in [p for p, _ in exc.value.errors]


def test_cross_references_are_beyond_the_schema_but_the_reader_refuses_them() -> None:
    cross = [r for r in REFUSALS if not r[3]]
    assert len(cross) >= 10
    for _name, mutate, path, _ in cross:
        document = small_problem()
        mutate(document)
        with pytest.raises(ProblemError) as exc:
            parse_problem(document)
        assert path in [p for p, _ in exc.value.errors]


# -- plans -----------------------------------------------------------------------------------------


def _plan() -> Plan:
    return Plan(
        status="time_limit",
        objective=12.5,
        bound=20.0,
        gap=0.375,
        shipments=(
            Shipment("O1", "N1", 3, "H1", "road", 1, "road", 2),
            Shipment(7, 8, 1, 9, "rail", 0, "road", 4),
        ),
        unmet=(
            Unmet(
                "N2",
                4,
                (
                    Reason("capacity", "H1 is full", {"hubs": ["H1"], "days": [2, 3]}),
                    Reason("all_or_nothing", "full quantity or nothing"),
                ),
            ),
        ),
        stats={"solver": "test", "seconds": 0.5},
    )


def test_a_plan_document_validates_and_reads_back() -> None:
    document = _plan().to_json()
    assert _errors(plan_schema(), document) == []
    assert _errors(plan_schema(), json.loads(json.dumps(document))) == []
    again = parse_plan(document)
    assert again.shipments == _plan().shipments
    assert again.to_json() == document


def test_the_worked_example_checks_as_documented() -> None:
    problem_doc, plan_doc = doc_block("example: problem"), doc_block("example: plan")
    assert _errors(plan_schema(), plan_doc) == []
    problem, plan = parse_problem(problem_doc), parse_plan(plan_doc)
    report = check_plan(problem, plan)
    assert report.ok, report.violations
    assert (report.value, report.cost, report.objective) == pytest.approx((380.0, 5000.0, 375.0))
    assert plan.gap == pytest.approx((plan.bound - plan.objective) / plan.bound)
    assert _errors(plan_schema(), plan.to_json()) == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update(format="nsatu-plan/0"), "format"),
        (lambda d: d.update(status="done"), "status"),
        (lambda d: d["shipments"][0].update(quantity=0), "quantity"),
        (lambda d: d["shipments"][0].update(depart_day=1.5), "depart_day"),
        (lambda d: d["shipments"][0].pop("mode_out"), "mode_out"),
        (lambda d: d["shipments"][0].update(hub=True), "hub"),
        (lambda d: d["unmet"][0]["reasons"][0].update(code="bad_luck"), "code"),
        (lambda d: d.pop("shipments"), "shipments"),
    ],
    ids=["format", "status", "zero-quantity", "fractional-day", "no-mode", "boolean-hub",
         "reason-code", "no-shipments"],
)  # fmt: skip
def test_the_plan_schema_rejects(change: Callable[[dict[str, Any]], Any], where: str) -> None:
    document = copy.deepcopy(_plan().to_json())
    change(document)
    errors = list(plan_schema().iter_errors(document))
    assert errors
    assert any(where in "/".join(map(str, e.absolute_path)) or where in e.message for e in errors)


# -- the lists in the doc match the code -----------------------------------------------------------


def test_enumerations_match_the_code() -> None:
    plan_defs = plan_schema().schema["$defs"]
    assert plan_defs["reason"]["properties"]["code"]["enum"] == list(get_args(ReasonCode))
    assert plan_schema().schema["properties"]["status"]["enum"] == list(get_args(Status))
    text = DOC.read_text(encoding="utf-8")
    reasons_table = text.split("### Reason codes", 1)[1].split("##", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \|", reasons_table, re.MULTILINE)
    assert sorted(documented) == sorted(get_args(ReasonCode))
    codes_table = text.split("<!-- violation-codes -->", 1)[1].split("\n\n", 1)[0]
    assert re.findall(r"^\| `(\w+)` \|", codes_table, re.MULTILINE) == list(VIOLATION_CODES)
