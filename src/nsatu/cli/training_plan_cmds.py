"""``nsatu training plan``: the optimised allocation of training seats.

It plans the seat requests still open (requested, no event yet) on the events still bookable,
against the first-come-first-served baseline on the same data, and explains every request left
untrained (docs/training_plan.md). Nothing is stored unless ``--apply`` is given; then the whole
plan is stored in one transaction, or nothing is. ``--problem-out`` keeps the problem solved as a
``nsatu-seat-problem/1`` file, and ``--problem`` solves such a file without the database.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from nsatu.cli.common import (
    EXIT_USER_ERROR,
    JsonOpt,
    console,
    err_console,
    fail,
    print_json,
    print_table,
    unit_of_work,
)

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from nsatu.core.training_plan.problem import SeatProblem

#: The human table of untrained requests stops here; ``--json`` lists every one.
MAX_SHOWN = 30


class _Status:
    """A transient progress line on standard error, fed by the solver's ``progress``."""

    def __init__(self) -> None:
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, phase: str, fraction: float) -> None:
        if self._progress is None:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(phase, total=1.0)
        assert self._task is not None
        self._progress.update(self._task, description=phase, completed=min(1.0, max(0.0, fraction)))

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _read_problem(file: Path, as_json: bool) -> SeatProblem:
    from nsatu.core.planner.problem import ProblemError
    from nsatu.core.training_plan.formats import load_problem

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        fail(f"--problem: cannot read {file}: {reason}", code=EXIT_USER_ERROR, as_json=as_json)
    try:
        return load_problem(text)
    except ProblemError as exc:
        errors = [{"field": path, "message": message} for path, message in exc.errors]
        if as_json:
            print_json({"error": f"{file}: {len(errors)} error(s)", "errors": errors})
        else:
            err_console.print(f"[red]error:[/red] {file} is not valid:", highlight=False)
            for e in errors[:MAX_SHOWN]:
                err_console.print(f"  {e['field']}: {e['message']}", markup=False, highlight=False)
        raise typer.Exit(EXIT_USER_ERROR) from exc


def _write(file: Path, document: dict[str, Any], as_json: bool) -> None:
    """Write through a temporary file, so FILE is either complete or untouched."""
    if not file.parent.is_dir():
        fail(
            f"--problem-out: {file.parent} is not a directory",
            code=EXIT_USER_ERROR,
            as_json=as_json,
        )
    tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(file)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(
            f"--problem-out: cannot write {file}: {exc.strerror or exc}",
            code=EXIT_USER_ERROR,
            as_json=as_json,
        )


def _number(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def plan_command(
    time_limit: float = typer.Option(
        120.0, "--time-limit", min=1.0, metavar="S", help="Stop the solver after S seconds."
    ),
    gap: float = typer.Option(
        1e-4,
        "--gap",
        min=0.0,
        max=1.0,
        metavar="G",
        help="Stop once the plan is proven within the relative gap G of the best possible.",
    ),
    apply: bool = typer.Option(
        False,
        "--apply",
        help="Store the plan: assign each trained request its event, and give each prerequisite "
        "event of its chain a seat request of its own. Without it nothing is written.",
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        metavar="YYYY-MM-DD",
        help="Plan as on this day: events starting before it are not offered (default: today, UTC).",
    ),
    problem_file: Path | None = typer.Option(
        None,
        "--problem",
        metavar="PROBLEM.json",
        help="Solve this nsatu-seat-problem/1 document instead of the database's requests "
        "(nothing is read from or written to the database).",
    ),
    problem_out: Path | None = typer.Option(
        None,
        "--problem-out",
        metavar="PROBLEM.json",
        help="Also write the problem solved as an nsatu-seat-problem/1 document (replaced if it "
        "exists), to solve it again later with --problem.",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Optimise the allocation of training seats to the open seat requests.

    Whole cohorts go to events within their dates, prerequisites first (with the travel between
    host nations), trained before their equipment's handover where possible. Prints the
    objective (priority-weighted cohorts trained, less the cost of days late), its proven bound
    and gap, the first-come-first-served baseline's objective, and why each request left out
    could not be trained.
    """
    from nsatu.core.planner.solve import SolveOptions
    from nsatu.core.training_plan.formats import problem_to_json
    from nsatu.training.seat_plan import plan_seats, solve_problem

    if problem_file is not None and (apply or as_of is not None):
        name = "--apply" if apply else "--as-of"
        fail(
            f"{name}: applies to the database's requests, not to --problem",
            code=EXIT_USER_ERROR,
            as_json=as_json,
        )
    today = None
    if as_of is not None:
        try:
            today = dt.date.fromisoformat(as_of)
        except ValueError:
            fail(
                f"--as-of: {as_of!r} is not a date (YYYY-MM-DD)",
                code=EXIT_USER_ERROR,
                as_json=as_json,
            )
    options = SolveOptions(time_limit_s=time_limit, mip_rel_gap=gap)
    status = _Status()
    try:
        if problem_file is not None:
            result = solve_problem(
                _read_problem(problem_file, as_json), options=options, progress=status
            )
        else:
            with unit_of_work() as session:
                result = plan_seats(
                    session, today=today, options=options, apply=apply, progress=status
                )
        document = result.to_json()
    finally:
        status.close()
    if problem_out is not None:
        _write(problem_out, problem_to_json(result.problem), as_json)
    document["bound"] = _number(document["bound"])
    document["gain"] = _number(document["gain"])
    if as_json:
        print_json(document)
        return
    _print_human(document)


def _print_human(d: dict[str, Any]) -> None:
    gain = "—" if d["gain"] is None else f"{d['gain']:+.1%}"
    print_table(
        "Seat plan",
        ("", "optimised", "first come, first served"),
        [
            ("objective", f"{d['objective']:,.1f}", f"{d['greedy_objective']:,.1f}"),
            ("requests trained", d["assigned_requests"], d["greedy_assigned_requests"]),
            ("seats taken", d["assigned_seats"], d["greedy_assigned_seats"]),
            ("bound", "—" if d["bound"] is None else f"{d['bound']:,.1f}", ""),
            ("gap", f"{d['gap']:.2%} ({d['status']})", ""),
            ("gain", gain, ""),
        ],
    )
    unmet = d["unmet_requests"]
    if unmet:
        print_table(
            f"Untrained requests ({len(unmet)})",
            ("request", "cohort", "reasons"),
            [
                (u["request"], u["cohort"], "; ".join(r["message"] for r in u["reasons"]))
                for u in unmet[:MAX_SHOWN]
            ],
        )
        if len(unmet) > MAX_SHOWN:
            console.print(f"… and {len(unmet) - MAX_SHOWN} more (use --json to list all).")
    if d["applied"]:
        console.print(
            f"Stored: {d['assigned_requests']} requests assigned, "
            f"{len(d['created_requests'])} prerequisite seat requests created."
        )
    else:
        console.print("Nothing stored (use --apply to store the plan).")


def register(app: typer.Typer) -> None:
    """Add the seat-plan commands to ``nsatu training``."""
    app.command("plan")(plan_command)
