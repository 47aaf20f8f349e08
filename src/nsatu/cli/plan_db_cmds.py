"""``nsatu plan run`` and ``nsatu plan export-problem``: the planner on the database.

``run`` snapshots the open needs and allocatable offers, commits a queued run, solves it in the
foreground (progress on the terminal) and stores the result with its proposed allocations, the
same service functions the web's background job calls. ``export-problem`` writes the snapshot as
a ``nsatu-plan-problem/1`` file, for ``nsatu plan solve`` or for inspection. Both run as the CLI's
system actor (full rights), recorded in the audit trail. Exit codes: 0 done, 1 the run failed,
2 bad input.

:func:`register` adds them to a Typer app (the ``plan`` sub-app).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from nsatu.cli.common import (
    EXIT_FAILURE,
    EXIT_USER_ERROR,
    JsonOpt,
    console,
    err_console,
    fail,
    print_json,
    print_table,
    settings,
    unit_of_work,
)

if TYPE_CHECKING:
    from nsatu.db.models import PlanRun
    from nsatu.planning.schemas import PlanRunCreate

StartOpt = typer.Option(
    None, "--start-date", help="Day 0 of the plan, YYYY-MM-DD (default: today).", show_default=False
)
HorizonOpt = typer.Option(60, "--horizon-days", min=1, max=366, help="Days planned.")


def _params(
    start_date: str | None, horizon_days: int, time_limit: float | None, as_json: bool
) -> PlanRunCreate:
    from pydantic import ValidationError

    from nsatu.planning.schemas import PlanRunCreate

    try:
        start = dt.date.fromisoformat(start_date) if start_date else None
        extra = {} if time_limit is None else {"time_limit_s": time_limit}
        return PlanRunCreate(start_on=start, horizon_days=horizon_days, **extra)
    except ValueError as exc:
        message = (
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            if isinstance(exc, ValidationError)
            else f"--start-date: {exc}"
        )
        fail(message, code=EXIT_USER_ERROR, as_json=as_json)


def _summary(run: PlanRun) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "status": str(run.status),
        "plan_status": run.plan_status,
        "objective": run.objective,
        "bound": run.bound,
        "gap": run.gap,
        "unmet": run.unmet_count,
        "shipments": run.shipment_count,
        "proposals": run.proposal_count,
        "runtime_s": run.runtime_s,
        "input_digest": run.input_digest,
        "error": run.error,
    }


class _Bar:
    """The solver's progress on the terminal (stderr, so ``--json`` output stays clean)."""

    def __init__(self, enabled: bool) -> None:
        from rich.progress import Progress

        self.progress = Progress(console=err_console, transient=True, disable=not enabled)
        self.task = self.progress.add_task("queued", total=1.0)
        self.progress.start()

    def __call__(self, phase: str, fraction: float) -> None:
        self.progress.update(self.task, description=phase, completed=fraction)

    def close(self) -> None:
        self.progress.stop()


def run_command(
    start_date: str | None = StartOpt,
    horizon_days: int = HorizonOpt,
    time_limit: float | None = typer.Option(
        None, "--time-limit", min=0.1, help="Seconds the solver may take (default 60)."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Plan from the database: snapshot, solve, store the run and its proposed allocations."""
    from nsatu.db.session import make_engine, make_session_factory
    from nsatu.errors import NsatuError
    from nsatu.planning import runs

    params = _params(start_date, horizon_days, time_limit, as_json)
    with unit_of_work() as session:
        run = runs.start_run(session, None, params)
        run_id = run.id
    engine = make_engine(settings().database_url)
    bar = _Bar(enabled=not as_json)
    try:
        run = runs.execute_run(make_session_factory(engine), run_id, on_progress=bar)
    except NsatuError as exc:
        fail(exc.detail, as_json=as_json)
    finally:
        bar.close()
        engine.dispose()
    summary = _summary(run)
    if as_json:
        print_json(summary)
    else:
        print_table(
            f"Plan run {run.id}",
            ("figure", "value"),
            [(k, v) for k, v in summary.items() if v is not None],
        )
    if run.error is not None:
        if not as_json:
            err_console.print(f"[red]error:[/red] {run.error}")
        raise typer.Exit(EXIT_FAILURE)


def export_problem_command(
    file: Path = typer.Argument(..., metavar="FILE", help="Where to write the problem JSON."),
    start_date: str | None = StartOpt,
    horizon_days: int = HorizonOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Write the planning problem the database holds now (nsatu-plan-problem/1)."""
    from nsatu.core.planner.problem import problem_to_json
    from nsatu.planning import runs
    from nsatu.planning.problem_export import counts

    params = _params(start_date, horizon_days, None, as_json)
    with unit_of_work() as session:
        problem, index = runs.snapshot(session, params)
    try:
        file.write_text(json.dumps(problem_to_json(problem), indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        fail(f"{file}: {exc.strerror or exc}", code=EXIT_USER_ERROR, as_json=as_json)
    figures = {"file": str(file), "digest": problem.digest()} | counts(problem, index)
    if as_json:
        print_json(figures)
        return
    skipped = figures.pop("skipped")
    print_table("Planning problem", ("figure", "value"), list(figures.items()))
    if skipped:
        print_table("Left out", ("reason", "records"), sorted(skipped.items()))
    console.print(f"Wrote {file}")


def reap_command(as_json: bool = JsonOpt) -> None:
    """Fail the plan runs left queued or running by a web process that stopped (a restart):
    those untouched for longer than their time limit plus two minutes. The web app does this
    as it starts."""
    from nsatu.db.session import make_engine, make_session_factory
    from nsatu.planning import runs

    engine = make_engine(settings().database_url)
    try:
        reaped = runs.reap_interrupted(make_session_factory(engine))
    finally:
        engine.dispose()
    if as_json:
        print_json({"failed": reaped})
    elif reaped:
        console.print(
            f"Marked {len(reaped)} interrupted run(s) failed: {', '.join(map(str, reaped))}"
        )
    else:
        console.print("No interrupted runs.")


def register(app: typer.Typer) -> None:
    """Add ``run``, ``export-problem`` and ``reap`` to ``app`` (the ``plan`` sub-app)."""
    app.command("run")(run_command)
    app.command("export-problem")(export_problem_command)
    app.command("reap")(reap_command)
