"""``plan run``, ``plan export-problem`` and ``plan reap`` (``nsatu.cli.plan_db_cmds``) end to end, on committed
databases of every backend, through a Typer app of the test's own that calls ``register()``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from typer.testing import CliRunner, Result

from nsatu.cli import plan_db_cmds
from nsatu.cli.common import state
from nsatu.core.lifecycles import PlanRunStatus
from nsatu.core.planner.problem import load_problem
from nsatu.db.models import Allocation, PlanRun
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.planning import runs
from nsatu.planning.schemas import PlanRunCreate
from nsatu.settings import Settings
from nsatu.web.app import create_app
from tests.conftest import sign_in
from tests.domains.plan_world import START, build_world

runner = CliRunner()


def _app(url: str) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        state.database_url = url

    plan_db_cmds.register(app)
    return app


def plan(url: str, *args: str) -> Result:
    return runner.invoke(_app(url), list(args), env={"COLUMNS": "200"})


def _seed(url: str) -> None:
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        build_world(session)
    engine.dispose()


def _count(url: str, model: type[PlanRun | Allocation]) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(model)) or 0
    engine.dispose()
    return n


def test_export_problem_writes_a_valid_file(committed_url: str, tmp_path: Path) -> None:
    _seed(committed_url)
    out = tmp_path / "problem.json"
    r = plan(committed_url, "export-problem", str(out), "--start-date", START.isoformat(), "--json")
    assert r.exit_code == 0, r.output
    figures = json.loads(r.output)
    problem = load_problem(out.read_text())
    assert figures["digest"] == problem.digest()
    assert (figures["offers"], figures["needs"], figures["legs"]) == (3, 2, 3)
    r = plan(committed_url, "export-problem", str(out), "--start-date", START.isoformat())
    assert r.exit_code == 0 and "Planning problem" in r.output
    assert _count(committed_url, PlanRun) == 0  # exporting stores nothing


def test_run_solves_and_stores_proposals(committed_url: str) -> None:
    _seed(committed_url)
    r = plan(
        committed_url, "run", "--start-date", START.isoformat(), "--time-limit", "20", "--json"
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["status"] == "finished"
    assert out["unmet"] == 0
    assert out["objective"] is not None and out["bound"] is not None and out["gap"] is not None
    assert _count(committed_url, PlanRun) == 1
    assert _count(committed_url, Allocation) == out["proposals"] > 0
    r = plan(committed_url, "run", "--start-date", START.isoformat())
    assert r.exit_code == 0 and "Plan run 2" in r.output


def test_bad_input_exits_2(committed_url: str) -> None:
    r = plan(committed_url, "run", "--start-date", "tomorrow", "--json")
    assert r.exit_code == 2
    assert "start-date" in json.loads(r.output)["error"]
    assert _count(committed_url, PlanRun) == 0


def test_reap_fails_only_runs_no_job_is_working_on(committed_url: str) -> None:
    _seed(committed_url)
    r = plan(committed_url, "run", "--start-date", START.isoformat(), "--json")
    assert r.exit_code == 0, r.output
    finished = json.loads(r.output)["run_id"]
    engine = make_engine(committed_url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:  # queued by a process that then died, an hour ago
        stuck = runs.start_run(session, None, PlanRunCreate(start_on=START, time_limit_s=60))
        session.flush()
        stuck_id = stuck.id
    with transaction(factory) as session:
        session.execute(
            update(PlanRun)
            .where(PlanRun.id.in_([stuck_id, finished]))
            .values(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
        )
    r = plan(committed_url, "reap", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"failed": [stuck_id]}  # never the finished one
    with factory() as session:
        assert session.get(PlanRun, stuck_id).status is PlanRunStatus.FAILED  # type: ignore[union-attr]
        assert session.get(PlanRun, finished).status is PlanRunStatus.FINISHED  # type: ignore[union-attr]
    engine.dispose()
    assert json.loads(plan(committed_url, "reap", "--json").output) == {"failed": []}


def test_the_web_app_fails_interrupted_runs_as_it_starts(committed_url: str) -> None:
    _seed(committed_url)
    engine = make_engine(committed_url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        stuck = runs.start_run(session, None, PlanRunCreate(start_on=START, time_limit_s=60))
        session.flush()
        stuck_id = stuck.id
    with transaction(factory) as session:
        session.execute(
            update(PlanRun)
            .where(PlanRun.id == stuck_id)
            .values(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
        )
    with TestClient(create_app(Settings(database_url=committed_url), session_factory=factory)):
        pass  # the lifespan ran
    with factory() as session:
        run = session.get(PlanRun, stuck_id)
        assert run is not None and run.status is PlanRunStatus.FAILED
        assert run.error == runs.INTERRUPTED
    engine.dispose()


def test_an_app_used_again_after_its_lifespan_still_runs_jobs(committed_url: str) -> None:
    """A stopped job pool is not reused: after the lifespan the app runs jobs inline."""
    _seed(committed_url)
    engine = make_engine(committed_url)
    app = create_app(
        Settings(database_url=committed_url), session_factory=make_session_factory(engine)
    )
    with TestClient(app):
        pass
    with TestClient(app) as client:  # a second lifespan starts a fresh pool
        sign_in(client, make_session_factory(engine))
        r = client.post("/api/plan-runs", json={"start_on": START.isoformat(), "time_limit_s": 5})
        assert r.status_code == 202, r.text
    client = TestClient(app)  # no lifespan at all: inline
    sign_in(client, make_session_factory(engine))
    r = client.post("/api/plan-runs", json={"start_on": START.isoformat(), "time_limit_s": 5})
    assert r.status_code == 202, r.text
    engine.dispose()
