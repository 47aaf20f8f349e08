"""``nsatu plan``: solve a planning problem from a JSON file and check a plan against its problem.

These commands are pure: they read and write files and touch no database. The formats are
``nsatu-plan-problem/1`` and ``nsatu-plan/1`` (docs/planner.md). Exit codes: 0 done, 1 the plan
breaks a limit or the solver failed, 2 malformed input.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from nsatu.cli.common import (
    EXIT_FAILURE,
    EXIT_USER_ERROR,
    JsonOpt,
    console,
    err_console,
    print_json,
    print_table,
)

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from nsatu.core.planner.check import CheckReport
    from nsatu.core.planner.plan import Plan
    from nsatu.core.planner.problem import Problem, ProblemError

#: The table of violations or field errors stops here; ``--json`` always lists every one.
MAX_SHOWN = 50

app = typer.Typer(
    help="The planner: match donor offers to recipient needs through the logistics hubs. "
    "Problems and plans are JSON files (docs/planner.md).",
    no_args_is_help=True,
)

ProblemArg = typer.Argument(
    ...,
    metavar="PROBLEM.json",
    help="A nsatu-plan-problem/1 document.",
    show_default=False,
)


# --- reading -----------------------------------------------------------------------------------


def _read(file: Path, as_json: bool) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        _refuse(file, [("$", f"cannot read the file: {reason}")], as_json)


def _refuse(file: Path, errors: list[tuple[str, str]], as_json: bool) -> NoReturn:
    """Exit 2 listing every field error of ``file``."""
    summary = f"{file}: {len(errors)} error(s)"
    if as_json:
        print_json(
            {
                "error": summary,
                "file": str(file),
                "errors": [{"field": path, "message": message} for path, message in errors],
            }
        )
    else:
        err_console.print(f"[red]error:[/red] {file} is not valid:", highlight=False)
        for path, message in errors[:MAX_SHOWN]:
            err_console.print(f"  {path}: {message}", markup=False, highlight=False)
        if len(errors) > MAX_SHOWN:
            err_console.print(f"  … and {len(errors) - MAX_SHOWN} more (use --json to list all).")
    raise typer.Exit(EXIT_USER_ERROR)


def _problem(file: Path, as_json: bool) -> Problem:
    from nsatu.core.planner.problem import ProblemError, load_problem

    text = _read(file, as_json)
    try:
        return load_problem(text)
    except ProblemError as exc:
        _refuse(file, _errors(exc), as_json)


def _plan(file: Path, as_json: bool) -> Plan:
    from nsatu.core.planner.plan import load_plan
    from nsatu.core.planner.problem import ProblemError

    text = _read(file, as_json)
    try:
        return load_plan(text)
    except ProblemError as exc:
        _refuse(file, _errors(exc), as_json)
    except (TypeError, ValueError) as exc:  # a shape parse_plan does not check field by field
        _refuse(file, [("$", f"not a valid plan: {exc}")], as_json)


def _errors(exc: ProblemError) -> list[tuple[str, str]]:
    return [(str(path), str(message)) for path, message in exc.errors]


def _number(x: float) -> float | None:
    """JSON has no NaN or infinity: an unknown bound or gap is ``null``."""
    return x if math.isfinite(x) else None


# --- solve -------------------------------------------------------------------------------------


class _Status:
    """A transient Rich progress line fed by the solver's ``progress(phase, fraction)``."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, phase: str, fraction: float) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f} %"),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(phase, total=1.0)
        assert self._task is not None
        done = min(1.0, max(0.0, fraction)) if math.isfinite(fraction) else 0.0
        self._progress.update(self._task, description=phase, completed=done)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _write(file: Path, document: dict[str, Any], as_json: bool) -> None:
    """Write through a temporary file, so FILE is either complete or untouched."""
    if not file.parent.is_dir():
        _refuse(file, [("--out", f"{file.parent} is not a directory")], as_json)
    tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(file)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        _refuse(file, [("--out", f"cannot write the file: {exc.strerror or exc}")], as_json)


@app.command("solve")
def solve_command(
    problem_file: Path = ProblemArg,
    out: Path = typer.Option(
        ...,
        "--out",
        "-o",
        metavar="PLAN.json",
        help="Where to write the nsatu-plan/1 document (replaced if it exists).",
        show_default=False,
    ),
    time_limit: float | None = typer.Option(
        None,
        "--time-limit",
        metavar="S",
        help="Stop after S seconds with the best plan found (default: the solver's, 300 s).",
        show_default=False,
    ),
    gap: float | None = typer.Option(
        None,
        "--gap",
        min=0.0,
        metavar="G",
        help="Stop once the relative gap to the bound is at most G (default: the solver's, 0.001).",
        show_default=False,
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Solve PROBLEM.json and write the plan to --out.

    The plan is checked independently before it is written; exit 1 when the solver failed or
    its plan breaks a limit (the plan is written all the same, for inspection), 2 when
    PROBLEM.json is malformed.
    """
    from dataclasses import replace

    from nsatu.core.planner.check import check_plan
    from nsatu.core.planner.solve import SolveOptions, solve

    if time_limit is not None and not (time_limit > 0 and math.isfinite(time_limit)):
        raise typer.BadParameter("must be a positive number of seconds", param_hint="--time-limit")
    problem = _problem(problem_file, as_json)
    options = SolveOptions()
    if time_limit is not None:
        options = replace(options, time_limit_s=time_limit)
    if gap is not None:
        options = replace(options, mip_rel_gap=gap)
    status = _Status(enabled=not as_json and err_console.is_terminal)
    try:
        plan = solve(problem, options, progress=status)
    finally:
        status.close()
    _write(out, plan.to_json(), as_json)
    report = check_plan(problem, plan)
    failed = plan.status in ("infeasible", "error") or not report.ok
    if as_json:
        print_json(
            {
                "status": plan.status,
                "objective": _number(plan.objective),
                "bound": _number(plan.bound),
                "gap": _number(plan.gap),
                "shipments": len(plan.shipments),
                "unmet": len(plan.unmet),
                "unmet_units": sum(u.quantity for u in plan.unmet),
                "stats": plan.stats,
                "out": str(out),
                "check": {
                    "ok": report.ok,
                    "objective": report.objective,
                    "counts": report.counts(),
                    "violations": [v.to_json() for v in report.violations],
                },
            }
        )
    else:
        _show_solve(problem, plan, report, out)
    if failed:
        raise typer.Exit(EXIT_FAILURE)


def _show_solve(problem: Problem, plan: Plan, report: CheckReport, out: Path) -> None:
    delivered = sum(s.quantity for s in plan.shipments)
    needed = sum(n.quantity for n in problem.needs)
    rows: list[tuple[str, Any]] = [
        ("status", plan.status),
        ("objective", f"{plan.objective:,.6g}"),
        ("bound", f"{plan.bound:,.6g}"),
        ("gap", f"{plan.gap:.4%}" if math.isfinite(plan.gap) else "unknown"),
        ("shipments", f"{len(plan.shipments):,}"),
        ("units delivered", f"{delivered:,} of {needed:,} needed"),
        ("needs not fully met", f"{len(plan.unmet):,}"),
    ]
    rows.extend(
        (str(key), f"{value:.4g}" if isinstance(value, float) else str(value))
        for key, value in plan.stats.items()
        if isinstance(value, str | int | float)  # nested figures are in --json
    )
    rows.append(
        ("check", "every limit kept" if report.ok else f"{len(report.violations)} violation(s)")
    )
    print_table(
        f"Plan for {len(problem.needs)} needs, {len(problem.offers)} offers", ["", "value"], rows
    )
    if not report.ok:
        _show_violations(report)
    console.print(f"Plan written to {out}", markup=False, highlight=False)


# --- check -------------------------------------------------------------------------------------


@app.command("check")
def check_command(
    problem_file: Path = ProblemArg,
    plan_file: Path = typer.Argument(
        ..., metavar="PLAN.json", help="A nsatu-plan/1 document.", show_default=False
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Check PLAN.json against PROBLEM.json, independently of the solver.

    Every limit (offer and need quantities, item types, days, leg and hub capacities, all or
    nothing) and the stated objective. Exit 0 when the plan keeps every limit, 1 listing the
    violations when not, 2 when a file is malformed.
    """
    from nsatu.core.planner.check import check_plan

    problem = _problem(problem_file, as_json)
    plan = _plan(plan_file, as_json)
    report = check_plan(problem, plan)
    if as_json:
        document = report.to_json()
        document["reported_objective"] = _number(report.reported_objective)
        document["shipments"] = len(plan.shipments)
        print_json(document)
    elif report.ok:
        typer.echo(
            f"{plan_file}: the plan keeps every limit ({len(plan.shipments):,} shipments, "
            f"objective {report.objective:,.6g} = value {report.value:,.6g} − "
            f"{problem.values.cost_weight:g} × cost {report.cost:,.6g})."
        )
    else:
        _show_violations(report)
        typer.echo(f"{plan_file}: {len(report.violations)} violation(s); the plan is refused.")
    if not report.ok:
        raise typer.Exit(EXIT_FAILURE)


def _show_violations(report: CheckReport) -> None:
    shown = report.violations[:MAX_SHOWN]
    print_table(
        "Violations",
        ["code", "message"],
        [(v.code, v.message) for v in shown],
    )
    if len(report.violations) > len(shown):
        counts = ", ".join(f"{code} {n}" for code, n in report.counts().items())
        typer.echo(
            f"… and {len(report.violations) - len(shown)} more ({counts}); --json lists all."
        )
