"""``nsatu plan scenario`` and ``nsatu plan sweep withdraw-each-donor``: files in, output, exit codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from nsatu.cli.plan_scenario_cmds import register
from nsatu.core.planner.check import check_plan
from nsatu.core.planner.plan import load_plan
from nsatu.core.planner.problem import parse_problem
from nsatu.core.planner.solve import solve
from tests.core.planner.test_scenario import _doc

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    plan = typer.Typer()
    register(plan)
    app.add_typer(plan, name="plan")
    return app


APP = _app()


def nsatu(*args: str) -> Result:
    return runner.invoke(APP, list(args), env={"COLUMNS": "200"})


def write(path: Path, document: Any) -> str:
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


@pytest.fixture
def problem_file(tmp_path: Path) -> str:
    return write(tmp_path / "problem.json", _doc())


@pytest.fixture
def baseline_file(tmp_path: Path) -> str:
    return write(tmp_path / "baseline.json", solve(parse_problem(_doc())).to_json())


# -- scenario ------------------------------------------------------------------------------------


def test_withdraw_json(problem_file: str, baseline_file: str) -> None:
    result = nsatu(
        "plan", "scenario", problem_file, "--baseline", baseline_file, "--withdraw", "USA", "--json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["value_lost"] == pytest.approx(100)
    assert report["withdrawn_donors"] == ["USA"]
    assert report["changes"] == [{"kind": "withdraw_donor", "donor": "USA"}]
    assert [n["need"] for n in report["lost"]] == ["N1"]
    assert [c["donor"] for c in report["lost"][0]["candidates"]] == ["POL", "DEU"]
    assert report["plan"]["warm_start"] is True
    assert [c["weight"] for c in report["coverage"]] == [30, 10]


def test_withdraw_table_solves_the_baseline_itself(problem_file: str, tmp_path: Path) -> None:
    out = tmp_path / "scenario-plan.json"
    result = nsatu("plan", "scenario", problem_file, "--withdraw", "USA", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Coverage by priority" in result.output
    assert "Needs that lose cover (1)" in result.output
    assert "POL 8, DEU 2" in result.output
    assert "-100.0 lost" not in result.output and "+100.0 lost (+29.41 %)" in result.output
    changed = parse_problem(_doc())
    plan = load_plan(out.read_text(encoding="utf-8"))
    # The written plan is the scenario's: no USA offer in it, and it fits the changed problem.
    assert all(s.offer != "o1" for s in plan.shipments)
    assert check_plan(changed, plan).ok


def test_several_changes_at_once(problem_file: str, baseline_file: str, tmp_path: Path) -> None:
    offers = write(
        tmp_path / "offers.json",
        [
            {
                "id": "o9",
                "donor": "CAN",
                "item_type": "A",
                "quantity": 10,
                "available_day": 0,
                "origin": "D1",
            }
        ],
    )
    result = nsatu(
        "plan", "scenario", problem_file, "--baseline", baseline_file,
        "--withdraw", "USA", "--add-offers", offers,
        "--close-hub", "H1", "--days", "7-8",
        "--delay", "POL=1", "--scale-hub", "H1=0.5", "--scale-leg", "D1,H2,rail=0.5",
        "--name", "mixed", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["scenario"] == "mixed"
    assert [c["kind"] for c in report["changes"]] == [
        "withdraw_donor",
        "close_hub",
        "delay",
        "scale_hub",
        "scale_leg",
        "add_offers",
    ]
    assert report["changes"][1]["days"] == [7, 8]
    assert report["value_lost"] == pytest.approx(0)  # CAN's 10 A replace USA's


def test_scenario_file(problem_file: str, baseline_file: str, tmp_path: Path) -> None:
    scenario = write(
        tmp_path / "s.json",
        {"name": "from file", "changes": [{"kind": "withdraw_donor", "donor": "USA"}]},
    )
    result = nsatu(
        "plan",
        "scenario",
        problem_file,
        "--baseline",
        baseline_file,
        "--scenario",
        scenario,
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["scenario"] == "from file"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--withdraw", "XXX"], "--withdraw XXX: no offer from donor 'XXX'"),
        (["--close-hub", "H1"], "--days: is required with --close-hub"),
        (["--close-hub", "H1", "--days", "7-3"], "the range ends before it starts"),
        (
            ["--close-hub", "S1", "--days", "3"],
            "--close-hub S1: 'S1' is a handover site, not a hub",
        ),
        (["--days", "3"], "--days: is only used with --close-hub"),
        (["--delay", "POL"], "--delay POL: must be NAME=VALUE"),
        (["--delay", "POL=soon"], "must be an integer"),
        (["--scale-hub", "H1=-2"], "the factor must be a number ≥ 0"),
        (["--scale-leg", "D1,H1=0.5"], "must be FROM,TO,MODE=FACTOR"),
        (
            ["--scale-leg", "D1,H1,air=0.5"],
            "--scale-leg D1,H1,air=0.5: no leg 'D1' → 'H1' by 'air'",
        ),
        ([], "no change given"),
    ],
)
def test_bad_changes_exit_2_naming_the_option(
    problem_file: str, baseline_file: str, args: list[str], expected: str
) -> None:
    result = nsatu("plan", "scenario", problem_file, "--baseline", baseline_file, *args)
    assert result.exit_code == 2, result.output
    assert expected in " ".join(result.output.split())


def test_bad_added_offers_name_the_file_and_field(
    problem_file: str, baseline_file: str, tmp_path: Path
) -> None:
    offers = write(
        tmp_path / "offers.json",
        {
            "offers": [
                {
                    "id": "o1",
                    "donor": "CAN",
                    "item_type": "Z",
                    "quantity": 1,
                    "available_day": 0,
                    "origin": "D1",
                }
            ]
        },
    )
    result = nsatu(
        "plan",
        "scenario",
        problem_file,
        "--baseline",
        baseline_file,
        "--add-offers",
        offers,
        "--json",
    )
    assert result.exit_code == 2, result.output
    errors = {e["field"]: e["message"] for e in json.loads(result.stdout)["errors"]}
    assert errors[f"--add-offers {offers}[0].id"] == "duplicate offer id 'o1'"
    assert errors[f"--add-offers {offers}[0].item_type"] == "unknown item type 'Z'"


def test_baseline_of_another_problem_is_refused(problem_file: str, tmp_path: Path) -> None:
    plan = solve(parse_problem(_doc())).to_json()
    plan["shipments"][0]["offer"] = "nope"
    result = nsatu(
        "plan", "scenario", problem_file, "--baseline", write(tmp_path / "b.json", plan),
        "--withdraw", "USA",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "does not fit" in result.output


# -- sweep ---------------------------------------------------------------------------------------


def test_sweep_ranks_donors_and_resumes(
    problem_file: str, baseline_file: str, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    args = [
        "plan", "sweep", "withdraw-each-donor", problem_file, "--baseline", baseline_file,
        "--workers", "1", "--cache-dir", str(cache), "--json",
    ]  # fmt: skip
    first = nsatu(*args)
    assert first.exit_code == 0, first.output
    document = json.loads(first.stdout)
    # Without POL, N2 (weight 30) loses its 8 units: 240; without USA, N1 loses 100.
    assert [r["donor"] for r in document["rows"]][:2] == ["POL", "USA"]
    assert document["scenarios"] == 4 and document["cached"] == 0
    assert [r["value_lost"] for r in document["rows"]][:2] == [
        pytest.approx(240),
        pytest.approx(100),
    ]
    again = json.loads(nsatu(*args, "--top", "2").stdout)
    assert again["cached"] == 4 and len(again["rows"]) == 2
    assert [r["donor"] for r in again["rows"]] == [r["donor"] for r in document["rows"][:2]]


def test_sweep_table(problem_file: str, baseline_file: str) -> None:
    result = nsatu(
        "plan", "sweep", "withdraw-each-donor", problem_file, "--baseline", baseline_file,
        "--workers", "1", "--top", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Dependence on each donor (1 of 4" in result.output
    assert "POL" in result.output and "GBR" not in result.output


def test_sweep_without_ray_installed_exits_2(
    problem_file: str, baseline_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray → ImportError
    result = nsatu(
        "plan", "sweep", "withdraw-each-donor", problem_file, "--baseline", baseline_file,
        "--ray-address", "local",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "Ray is not installed" in " ".join(result.output.split())
