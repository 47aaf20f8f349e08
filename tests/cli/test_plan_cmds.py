"""``nsatu plan check`` and ``nsatu plan solve``: files in, exit codes and output; no database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from nsatu.cli import app
from tests.core.planner.test_formats_doc import doc_block, plan_schema

runner = CliRunner()


def nsatu(*args: str) -> Result:
    # A wide terminal, so that Rich does not wrap the table cells the assertions look for.
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def write(path: Path, document: Any) -> str:
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


@pytest.fixture
def problem_file(tmp_path: Path) -> str:
    """The worked example of docs/planner.md."""
    return write(tmp_path / "problem.json", doc_block("example: problem"))


@pytest.fixture
def plan_file(tmp_path: Path) -> str:
    return write(tmp_path / "plan.json", doc_block("example: plan"))


def broken_plan() -> dict[str, Any]:
    plan: dict[str, Any] = doc_block("example: plan")
    plan["shipments"][0]["quantity"] = 45  # 45 of the 40 offered; 22.5 t on 20 t and 15 t legs
    return plan


# -- check -----------------------------------------------------------------------------------------


def test_check_accepts_a_feasible_plan(problem_file: str, plan_file: str) -> None:
    result = nsatu("plan", "check", problem_file, plan_file)
    assert result.exit_code == 0, result.output
    assert "keeps every limit" in result.output
    assert "objective 375 = value 380 − 0.001 × cost 5,000" in result.output


def test_check_json_on_a_feasible_plan(problem_file: str, plan_file: str) -> None:
    result = nsatu("plan", "check", problem_file, plan_file, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["violations"] == []
    assert (report["value"], report["cost"], report["objective"]) == (380.0, 5000.0, 375.0)
    assert report["reported_objective"] == 375.0
    assert report["shipments"] == 2


def test_check_refuses_a_plan_that_breaks_limits(problem_file: str, tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.json", broken_plan())
    result = nsatu("plan", "check", problem_file, bad)
    assert result.exit_code == 1
    out = result.output
    for text in (
        "offer_over_quantity",
        "offer OF-1: 45 units shipped, only 40 offered",
        "need_over_quantity",
        "leg DEP-PL1 → HUB-RZE by road, day 1: 22.5 t depart, capacity 20 t",
        "leg HUB-RZE → HO-LVIV by road, day 2: 22.5 t depart, capacity 15 t",
        "objective_mismatch",
        "5 violation(s); the plan is refused",
    ):
        assert text in out, out


def test_check_json_lists_every_violation(problem_file: str, tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.json", broken_plan())
    result = nsatu("plan", "check", problem_file, bad, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert [v["code"] for v in report["violations"]] == [
        "offer_over_quantity",
        "need_over_quantity",
        "leg_capacity",
        "leg_capacity",
        "objective_mismatch",
    ]
    assert report["violations"][0]["shipments"] == [0]
    assert report["counts"]["leg_capacity"] == 2


def test_check_shows_a_long_list_in_part(problem_file: str, tmp_path: Path) -> None:
    plan = doc_block("example: plan")
    plan["shipments"] = [dict(plan["shipments"][0], quantity=0) for _ in range(60)]
    plan["objective"] = 0.0
    bad = write(tmp_path / "bad.json", plan)
    result = nsatu("plan", "check", problem_file, bad)
    assert result.exit_code == 1
    assert "… and 10 more (non_positive_quantity 60); --json lists all." in result.output
    as_json = json.loads(nsatu("plan", "check", problem_file, bad, "--json").stdout)
    assert len(as_json["violations"]) == 60


def test_check_names_every_field_of_a_malformed_problem(plan_file: str, tmp_path: Path) -> None:
    problem = doc_block("example: problem")
    problem["offers"][0]["origin"] = "HUB-RZE"
    problem["legs"][1]["transit_days"] = 0
    problem["values"]["policy"] = "random"
    bad = write(tmp_path / "problem.json", problem)
    result = nsatu("plan", "check", bad, plan_file)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    for text in (
        "is not valid",
        "offers[0].origin: 'HUB-RZE' is a hub site, not a depot",
        "legs[1].transit_days: must be ≥ 1, not 0",
        "values.policy: must be one of weighted, lexicographic, not 'random'",
    ):
        assert text in result.stderr, result.stderr
    as_json = nsatu("plan", "check", bad, plan_file, "--json")
    assert as_json.exit_code == 2
    errors = json.loads(as_json.stdout)["errors"]
    assert [e["field"] for e in errors] == [
        "offers[0].origin",
        "legs[1].transit_days",
        "values.policy",
    ]


def test_check_refuses_a_malformed_plan(problem_file: str, tmp_path: Path) -> None:
    plan = doc_block("example: plan")
    plan["shipments"][1]["quantity"] = "twenty"
    plan["shipments"][1]["mode_in"] = None
    bad = write(tmp_path / "plan.json", plan)
    result = nsatu("plan", "check", problem_file, bad, "--json")
    assert result.exit_code == 2
    fields = [e["field"] for e in json.loads(result.stdout)["errors"]]
    assert fields == ["shipments[1].mode_in", "shipments[1].quantity"]


def test_check_refuses_an_unreadable_unmet_entry(problem_file: str, tmp_path: Path) -> None:
    plan = doc_block("example: plan")
    plan["unmet"][0]["quantity"] = "four"
    bad = write(tmp_path / "plan.json", plan)
    result = nsatu("plan", "check", problem_file, bad)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_check_refuses_malformed_json_and_missing_files(problem_file: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "nsatu-plan/1",\n "shipments": [,]}', encoding="utf-8")
    result = nsatu("plan", "check", problem_file, str(broken))
    assert result.exit_code == 2
    assert "line 2 column" in result.stderr
    result = nsatu("plan", "check", problem_file, str(tmp_path / "nowhere.json"))
    assert result.exit_code == 2
    assert "cannot read the file" in result.stderr
    assert "Traceback" not in result.output


# -- solve -----------------------------------------------------------------------------------------


def test_solve_refuses_a_malformed_problem_and_writes_nothing(tmp_path: Path) -> None:
    problem = doc_block("example: problem")
    del problem["horizon_days"]
    problem["needs"][0]["acceptable_item_types"] = []
    bad = write(tmp_path / "problem.json", problem)
    out = tmp_path / "plan.json"
    result = nsatu("plan", "solve", bad, "--out", str(out))
    assert result.exit_code == 2
    assert "horizon_days: is required" in result.stderr
    assert "needs[0].acceptable_item_types: must be a non-empty array" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()
    as_json = nsatu("plan", "solve", bad, "--out", str(out), "--json")
    assert as_json.exit_code == 2
    assert len(json.loads(as_json.stdout)["errors"]) == 2


@pytest.mark.parametrize(
    "option", [["--time-limit", "0"], ["--time-limit", "-1"], ["--gap", "-0.1"]]
)
def test_solve_refuses_bad_options(problem_file: str, tmp_path: Path, option: list[str]) -> None:
    result = nsatu("plan", "solve", problem_file, "--out", str(tmp_path / "p.json"), *option)
    assert result.exit_code == 2
    assert not (tmp_path / "p.json").exists()


def test_solve_writes_a_plan_that_check_accepts(problem_file: str, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = nsatu("plan", "solve", problem_file, "--out", str(out), "--time-limit", "30")
    assert result.exit_code == 0, result.output
    assert f"Plan written to {out}" in result.output
    assert "every limit kept" in result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert list(plan_schema().iter_errors(document)) == []
    checked = nsatu("plan", "check", problem_file, str(out), "--json")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["ok"] is True


def test_solve_json_summary(problem_file: str, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = nsatu("plan", "solve", problem_file, "--out", str(out), "--gap", "0", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {"status", "objective", "bound", "gap", "shipments", "unmet", "stats"} <= set(summary)
    # Worked out in docs/planner.md: all 40 preferred units and 10 substitutes on time,
    # 480 − 0.001 × 5625.
    assert summary["status"] == "optimal"
    assert summary["objective"] == pytest.approx(474.375, rel=1e-9)
    assert summary["gap"] == pytest.approx(0.0, abs=1e-9)
    assert summary["unmet"] == 1  # N-2: no 30 kVA generator is offered
    assert summary["check"]["ok"] is True
    document = json.loads(out.read_text(encoding="utf-8"))
    assert len(document["shipments"]) == summary["shipments"]
