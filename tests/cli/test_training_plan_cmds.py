"""``nsatu training plan`` end to end, on committed databases of every backend."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from nsatu.cli import app
from nsatu.db.models import SeatRequest
from nsatu.db.session import make_engine, make_session_factory, transaction
from tests.training.seat_world import TODAY, SeatWorld, seat_world

runner = CliRunner()
AS_OF = TODAY.isoformat()


def nsatu(url: str, *args: str) -> Result:
    return runner.invoke(app, ["--database-url", url, *args], env={"COLUMNS": "200"})


def _seed(url: str) -> SeatWorld:
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        world = seat_world(session)
    engine.dispose()
    return world


def _event_of(url: str, request_id: int) -> int | None:
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        row = session.get(SeatRequest, request_id)
        assert row is not None
        event = row.training_event_id
    engine.dispose()
    return event


def test_plan_json_reports_objective_bound_gap_greedy_and_reasons(committed_url: str) -> None:
    w = _seed(committed_url)
    r = nsatu(committed_url, "training", "plan", "--json", "--gap", "0", "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)  # nothing but the document on standard output
    assert (body["objective"], body["greedy_objective"], body["bound"]) == (20.0, 10.0, 20.0)
    assert body["gap"] == 0.0
    assert body["assigned_seats"] == 30
    [unmet] = body["unmet_requests"]
    assert unmet["request"] == w.too_late.id
    assert [reason["code"] for reason in unmet["reasons"]] == ["no_event_before_deadline"]
    assert body["applied"] is False
    assert _event_of(committed_url, w.wide.id) is None


def test_plan_apply_stores_and_a_table_by_default(committed_url: str) -> None:
    w = _seed(committed_url)
    r = nsatu(committed_url, "training", "plan", "--apply", "--as-of", AS_OF)
    assert r.exit_code == 0, r.output
    assert "Seat plan" in r.output and "first come" in r.output
    assert "Stored: 2 requests assigned, 1 prerequisite seat requests created." in r.output
    assert _event_of(committed_url, w.wide.id) == w.a2.id
    assert _event_of(committed_url, w.chain.id) == w.b1.id


def test_bad_option_is_a_user_error(committed_url: str) -> None:
    r = nsatu(committed_url, "training", "plan", "--gap", "2", "--json")
    assert r.exit_code == 2
    assert "--gap" in r.output
    r = nsatu(committed_url, "training", "plan", "--as-of", "2030-02-30", "--json")
    assert r.exit_code == 2
    assert json.loads(r.stdout) == {"error": "--as-of: '2030-02-30' is not a date (YYYY-MM-DD)"}


def test_events_already_started_are_not_offered(committed_url: str) -> None:
    _seed(committed_url)
    r = nsatu(committed_url, "training", "plan", "--json", "--as-of", "2030-01-10")
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)
    assert body["events"] == 2  # A1 started on day 5
    assert body["objective"] == 10.0  # only the wide request, on A2


def test_help() -> None:
    r = runner.invoke(app, ["training", "plan", "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0
    for option in ("--json", "--time-limit", "--gap", "--apply"):
        assert option in r.output


def test_problem_out_then_solve_the_file_without_the_database(
    committed_url: str, tmp_path: Path
) -> None:
    _seed(committed_url)
    file = tmp_path / "seats.json"
    r = nsatu(
        committed_url, "training", "plan", "--json", "--as-of", AS_OF, "--problem-out", str(file)
    )
    assert r.exit_code == 0, r.output
    first = json.loads(r.stdout)
    assert json.loads(file.read_text(encoding="utf-8"))["format"] == "nsatu-seat-problem/1"
    again = runner.invoke(app, ["training", "plan", "--json", "--problem", str(file)])
    assert again.exit_code == 0, again.output
    second = json.loads(again.stdout)
    for key in ("objective", "bound", "greedy_objective", "assigned_seats", "unmet_requests"):
        assert second[key] == first[key]


def test_problem_file_errors_name_the_fields(tmp_path: Path) -> None:
    file = tmp_path / "bad.json"
    file.write_text(json.dumps({"format": "nsatu-seat-problem/1", "courses": [{"id": 1.5}]}))
    r = runner.invoke(app, ["training", "plan", "--json", "--problem", str(file)])
    assert r.exit_code == 2
    fields = {e["field"] for e in json.loads(r.stdout)["errors"]}
    assert {"courses[0].id", "events", "requests"} <= fields
    r = runner.invoke(app, ["training", "plan", "--json", "--problem", str(file), "--apply"])
    assert r.exit_code == 2
    assert "--apply" in json.loads(r.stdout)["error"]
    r = runner.invoke(app, ["training", "plan", "--problem", str(tmp_path / "missing.json")])
    assert r.exit_code == 2
