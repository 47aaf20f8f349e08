"""``nsatu plan scenario`` and ``nsatu plan sweep``: what-if questions on a problem file.

``scenario`` applies changes (withdraw a donor, close a hub on some days, delay offers, scale a leg
or a hub, add offers) to PROBLEM.json, re-plans warm from the baseline plan, and prints what
changes: coverage per priority, the needs that lose cover with the reasons, the donors who could
backfill them, and the value lost. ``sweep withdraw-each-donor`` does that for every donor in turn,
in parallel, and ranks the donors by the value the plan would lose without them.

Pure file commands: no database. Exit codes: 0 done, 1 a solve failed, 2 malformed input.
:func:`register` adds them to a Typer app (the ``plan`` sub-app).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from nsatu.cli.common import (
    EXIT_FAILURE,
    JsonOpt,
    console,
    err_console,
    print_json,
    print_table,
)
from nsatu.cli.plan_cmds import (
    ProblemArg,
    _number,
    _plan,
    _problem,
    _read,
    _refuse,
    _Status,
    _write,
)

if TYPE_CHECKING:
    from nsatu.core.planner.plan import Plan
    from nsatu.core.planner.problem import Id, Problem
    from nsatu.core.planner.scenario import Change, ScenarioReport
    from nsatu.core.planner.solve import SolveOptions
    from nsatu.core.planner.sweep import SweepRow

#: Needs that lose cover shown in the table; ``--json`` lists every one.
SHOWN_NEEDS = 25

BaselineOpt = typer.Option(
    None,
    "--baseline",
    metavar="PLAN.json",
    help="The baseline plan of PROBLEM.json (default: solve it first).",
    show_default=False,
)
TimeLimitOpt = typer.Option(
    None,
    "--time-limit",
    metavar="S",
    help="Stop each solve after S seconds with the best plan found (default: the solver's).",
    show_default=False,
)

sweep_app = typer.Typer(
    help="Run one kind of scenario for every donor (or hub …) and rank the results.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add ``scenario`` and ``sweep`` to ``app`` (the ``plan`` sub-app)."""
    app.command("scenario")(scenario_command)
    app.add_typer(sweep_app, name="sweep")


# --- shared ------------------------------------------------------------------------------------


def _options(time_limit: float | None) -> SolveOptions:
    from nsatu.core.planner.solve import SolveOptions

    if time_limit is None:
        return SolveOptions()
    if not (time_limit > 0 and math.isfinite(time_limit)):
        raise typer.BadParameter("must be a positive number of seconds", param_hint="--time-limit")
    return SolveOptions(time_limit_s=time_limit)


def _baseline(
    problem: Problem, file: Path, baseline_file: Path | None, options: SolveOptions, as_json: bool
) -> Plan:
    """The baseline plan: read (and checked against the problem), or solved now."""
    from nsatu.core.planner.check import check_plan
    from nsatu.core.planner.solve import solve

    if baseline_file is None:
        status = _Status(enabled=not as_json and err_console.is_terminal)
        try:
            return solve(problem, options, progress=status)
        finally:
            status.close()
    plan = _plan(baseline_file, as_json)
    report = check_plan(problem, plan)
    if not report.ok:
        shown = [("$", f"it does not fit {file}: {len(report.violations)} violation(s)")]
        shown += [(v.code, v.message) for v in report.violations[:5]]
        _refuse(baseline_file, shown, as_json)
    return plan


# --- scenario ----------------------------------------------------------------------------------


def scenario_command(
    problem_file: Path = ProblemArg,
    baseline_file: Path | None = BaselineOpt,
    withdraw: list[str] = typer.Option(
        [], "--withdraw", metavar="DONOR", help="Remove every offer of DONOR (repeatable)."
    ),
    close_hub: list[str] = typer.Option(
        [], "--close-hub", metavar="HUB", help="Close HUB on --days (repeatable)."
    ),
    days: str | None = typer.Option(
        None,
        "--days",
        metavar="3-7",
        help="Days for --close-hub: a range 3-7, or a list 3,5,9-11 (inclusive).",
        show_default=False,
    ),
    delay: list[str] = typer.Option(
        [], "--delay", metavar="DONOR=N", help="Make DONOR's offers available N days later."
    ),
    scale_hub: list[str] = typer.Option(
        [], "--scale-hub", metavar="HUB=F", help="Multiply HUB's daily handling capacity by F."
    ),
    scale_leg: list[str] = typer.Option(
        [],
        "--scale-leg",
        metavar="FROM,TO,MODE=F",
        help="Multiply the daily capacity of the leg FROM → TO by MODE by F.",
    ),
    add_offers: list[Path] = typer.Option(
        [],
        "--add-offers",
        metavar="FILE",
        help="Add the offers in FILE (a JSON array of offers, or {'offers': [...]}).",
    ),
    scenario_file: Path | None = typer.Option(
        None,
        "--scenario",
        metavar="SCENARIO.json",
        help="Changes from a nsatu-plan-scenario/1 document (applied before the options').",
        show_default=False,
    ),
    name: str | None = typer.Option(
        None, "--name", help="A name for the scenario.", show_default=False
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        metavar="PLAN.json",
        help="Write the scenario's plan here.",
        show_default=False,
    ),
    time_limit: float | None = TimeLimitOpt,
    as_json: bool = JsonOpt,
) -> None:
    """What if …? Apply changes to PROBLEM.json, re-plan, and compare with the baseline.

    Prints the coverage per priority (baseline, scenario, difference), the needs that lose
    cover with the scenario plan's reasons and the donors who could backfill them, and the value
    lost. Exit 1 when the scenario's solve failed, 2 for malformed input or a change that does
    not fit the problem.
    """
    from nsatu.core.planner.scenario import Scenario, ScenarioError, apply, compare
    from nsatu.core.planner.solve import solve

    options = _options(time_limit)
    problem = _problem(problem_file, as_json)
    labelled = _changes(
        problem,
        withdraw=withdraw,
        close_hub=close_hub,
        days=days,
        delay=delay,
        scale_hub=scale_hub,
        scale_leg=scale_leg,
        add_offers=add_offers,
        scenario_file=scenario_file,
        as_json=as_json,
    )
    if not labelled:
        _refuse(
            problem_file,
            [("$", "no change given: use --withdraw, --close-hub, … or --scenario")],
            as_json,
        )
    changes = tuple(change for _, change in labelled)
    from_file = all(label.startswith(f"{scenario_file}: ") for label, _ in labelled)
    if name is None and scenario_file is not None and from_file:
        name = _file_scenario_name(scenario_file, as_json)
    scenario = Scenario(name or "; ".join(c.describe() for c in changes), changes)
    try:
        changed_problem = apply(problem, scenario)
    except ScenarioError as exc:
        _refuse(problem_file, _option_errors(exc.errors, [label for label, _ in labelled]), as_json)
    baseline = _baseline(problem, problem_file, baseline_file, options, as_json)
    status = _Status(enabled=not as_json and err_console.is_terminal)
    try:
        changed = solve(changed_problem, options, progress=status, start=baseline)
    finally:
        status.close()
    if out is not None:
        _write(out, changed.to_json(), as_json)
    report = compare(problem, baseline, changed_problem, changed, name=scenario.name)
    if as_json:
        document = report.to_json()
        document["changes"] = scenario.to_json()["changes"]
        document["plan"] = {
            "status": changed.status,
            "objective": _number(changed.objective),
            "gap": _number(changed.gap),
            "seconds": changed.stats.get("seconds"),
            "warm_start": changed.stats.get("warm_start"),
            "out": None if out is None else str(out),
        }
        print_json(document)
    else:
        _show_report(report, changed, out)
    if changed.status in ("infeasible", "error"):
        raise typer.Exit(EXIT_FAILURE)


def _changes(
    problem: Problem,
    *,
    withdraw: list[str],
    close_hub: list[str],
    days: str | None,
    delay: list[str],
    scale_hub: list[str],
    scale_leg: list[str],
    add_offers: list[Path],
    scenario_file: Path | None,
    as_json: bool,
) -> list[tuple[str, Change]]:
    """Each change with the option (or file field) it came from, for error messages."""
    from nsatu.core.planner import scenario as sc

    out: list[tuple[str, Change]] = []
    errors: list[tuple[str, str]] = []
    if scenario_file is not None:
        out += _file_changes(scenario_file, as_json)
    out += [(f"--withdraw {d}", sc.withdraw_donor(d)) for d in withdraw]
    if close_hub:
        closed = _days(days, errors)
        for hub in close_hub:
            out.append((f"--close-hub {hub}", sc.close_hub(_id(problem, hub), closed)))
    elif days is not None:
        errors.append(("--days", "is only used with --close-hub"))
    parsers: list[tuple[str, list[str], Callable[[str], Change | None]]] = [
        ("--delay", delay, lambda text: _delay_change(text, errors)),
        ("--scale-hub", scale_hub, lambda text: _hub_change(problem, text, errors)),
        ("--scale-leg", scale_leg, lambda text: _leg_change(problem, text, errors)),
        (
            "--add-offers",
            [str(f) for f in add_offers],
            lambda text: _offers(Path(text), as_json, errors),
        ),
    ]
    for option, texts, parse in parsers:
        for text in texts:
            change = parse(text)
            if change is not None:
                out.append((f"{option} {text}", change))
    if errors:
        _refuse(Path("command line"), errors, as_json)
    return out


def _file_changes(file: Path, as_json: bool) -> list[tuple[str, Change]]:
    from nsatu.core.planner.scenario import ScenarioError, load_scenario

    try:
        loaded = load_scenario(_read(file, as_json))
    except ScenarioError as exc:
        _refuse(file, exc.errors, as_json)
    return [(f"{file}: changes[{i}]", c) for i, c in enumerate(loaded.changes)]


def _delay_change(text: str, errors: list[tuple[str, str]]) -> Change | None:
    from nsatu.core.planner.scenario import delay

    donor, value = _pair(text, "--delay", errors)
    shift = _int(value, f"--delay {text}", errors)
    return None if donor is None or shift is None else delay(donor=donor, days=shift)


def _hub_change(problem: Problem, text: str, errors: list[tuple[str, str]]) -> Change | None:
    from nsatu.core.planner.scenario import scale_hub

    site, value = _pair(text, "--scale-hub", errors)
    factor = _factor(value, f"--scale-hub {text}", errors)
    return None if site is None or factor is None else scale_hub(_id(problem, site), factor)


def _file_scenario_name(file: Path, as_json: bool) -> str:
    from nsatu.core.planner.scenario import load_scenario

    return load_scenario(_read(file, as_json)).name


def _leg_change(problem: Problem, text: str, errors: list[tuple[str, str]]) -> Change | None:
    from nsatu.core.planner.scenario import scale_leg

    leg, value = _pair(text, "--scale-leg", errors)
    factor = _factor(value, f"--scale-leg {text}", errors)
    parts = [] if leg is None else [p.strip() for p in leg.split(",")]
    if leg is not None and (len(parts) != 3 or not all(parts)):
        errors.append((f"--scale-leg {text}", "must be FROM,TO,MODE=FACTOR"))
        return None
    if leg is None or factor is None:
        return None
    src, dst, mode = parts
    return scale_leg(_id(problem, src), _id(problem, dst), mode, factor)


def _option_errors(errors: list[tuple[str, str]], labels: list[str]) -> list[tuple[str, str]]:
    """``changes[2].offers[0].id`` → ``--add-offers new.json[0].id``; ``changes[0].donor`` →
    ``--withdraw XXX``: the user wrote options, so name the option."""
    out: list[tuple[str, str]] = []
    for path, message in errors:
        head, _, rest = path.partition("]")
        try:
            index = int(head.removeprefix("changes["))
            label = labels[index]
        except (ValueError, IndexError):
            out.append((path, message))
            continue
        if label.startswith("--add-offers") and rest.startswith(".offers"):
            out.append((label + rest.removeprefix(".offers"), message))
        elif label.startswith("--"):
            out.append((label, message))
        else:  # from --scenario FILE: keep the document's own path
            out.append((f"{label}{rest}", message))
    return out


def _id(problem: Problem, text: str) -> Id:
    """A site id as the problem spells it: ``"7"`` is the integer 7 only if no site is ``"7"``."""
    sites = problem.site_by_id
    if text in sites:
        return text
    if text.lstrip("-").isdigit() and int(text) in sites:
        return int(text)
    return text


def _pair(text: str, option: str, errors: list[tuple[str, str]]) -> tuple[str | None, str]:
    key, sep, value = text.rpartition("=")
    if not sep or not key.strip():
        errors.append((f"{option} {text}", "must be NAME=VALUE"))
        return None, ""
    return key.strip(), value.strip()


def _int(text: str, path: str, errors: list[tuple[str, str]]) -> int | None:
    try:
        return int(text)
    except ValueError:
        errors.append((path, f"the number of days must be an integer, not {text!r}"))
        return None


def _factor(text: str, path: str, errors: list[tuple[str, str]]) -> float | None:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        errors.append((path, f"the factor must be a number ≥ 0, not {text!r}"))
        return None
    return value


def _days(text: str | None, errors: list[tuple[str, str]]) -> list[int]:
    """``"3-7"`` → 3..7; ``"3,5,9-11"`` → 3, 5, 9, 10, 11."""
    if text is None:
        errors.append(("--days", "is required with --close-hub (e.g. --days 3-7)"))
        return []
    out: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        lo, sep, hi = part.partition("-")
        try:
            first = int(lo)
            last = int(hi) if sep else first
        except ValueError:
            errors.append(("--days", f"must be days like 3-7 or 3,5,9-11, not {text!r}"))
            return []
        if last < first:
            errors.append(("--days", f"{part}: the range ends before it starts"))
            return []
        out.extend(range(first, last + 1))
    return out


def _offers(file: Path, as_json: bool, errors: list[tuple[str, str]]) -> Change | None:
    from nsatu.core.planner.scenario import add_offers, parse_offer

    label = f"--add-offers {file}"
    try:
        document = json.loads(_read(file, as_json))
    except json.JSONDecodeError as exc:
        errors.append((label, f"line {exc.lineno} column {exc.colno}: {exc.msg}"))
        return None
    raw = document.get("offers") if isinstance(document, dict) else document
    if not isinstance(raw, list) or not raw:
        errors.append((label, "must be a non-empty JSON array of offers, or {'offers': [...]}"))
        return None
    before = len(errors)
    offers = [parse_offer(item, f"{label}[{i}]", errors) for i, item in enumerate(raw)]
    if len(errors) != before:
        return None
    return add_offers(o for o in offers if o is not None)


def _show_report(report: ScenarioReport, changed: Plan, out: Path | None) -> None:
    print_table(
        f"Coverage by priority — {report.scenario}",
        [
            "weight",
            "needed",
            "baseline on time",
            "late",
            "value",
            "scenario on time",
            "late",
            "value",
            "Δ on time",
            "Δ value",
        ],
        [
            (
                f"{c.weight:g}",
                f"{c.needed:,}",
                f"{c.baseline_on_time:,}",
                f"{c.baseline_late:,}",
                f"{c.baseline_value:,.1f}",
                f"{c.scenario_on_time:,}",
                f"{c.scenario_late:,}",
                f"{c.scenario_value:,.1f}",
                f"{c.on_time_delta:+,}",
                f"{c.value_delta:+,.1f}",
            )
            for c in report.coverage
        ],
    )
    if report.lost:
        shown = report.lost[:SHOWN_NEEDS]
        print_table(
            f"Needs that lose cover ({len(report.lost)})",
            ["need", "weight", "units lost", "on time lost", "value lost", "why", "backfill"],
            [
                (
                    str(n.need),
                    f"{n.weight:g}",
                    f"{n.units_lost:,}",
                    f"{n.on_time_lost:,}",
                    f"{n.value_lost:,.1f}",
                    "; ".join(r.message for r in n.reasons) or "-",
                    ", ".join(f"{c.donor} {c.quantity:,}" for c in n.candidates[:3]) or "-",
                )
                for n in shown
            ],
        )
        if len(report.lost) > len(shown):
            console.print(f"… and {len(report.lost) - len(shown)} more (--json lists all).")
    else:
        console.print("No need loses cover.")
    console.print(
        f"Value {report.scenario_value:,.1f} against {report.baseline_value:,.1f}: "
        f"{report.value_lost:+,.1f} lost ({report.value_lost_pct:+.2f} %). "
        f"Scenario plan {changed.status}, gap {changed.gap:.2%}.",
        markup=False,
        highlight=False,
    )
    if out is not None:
        console.print(f"Scenario plan written to {out}", markup=False, highlight=False)


# --- sweep -------------------------------------------------------------------------------------


@sweep_app.command("withdraw-each-donor")
def sweep_withdraw_each_donor_command(
    problem_file: Path = ProblemArg,
    baseline_file: Path | None = BaselineOpt,
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=1,
        metavar="N",
        help="Parallel workers (default: one per CPU; 1 runs in this process).",
        show_default=False,
    ),
    ray_address: str | None = typer.Option(
        None,
        "--ray-address",
        envvar="NSATU_RAY_ADDRESS",
        metavar="ADDR",
        help="Run on Ray at ADDR ('local' starts a runtime here); needs the 'ray' extra.",
        show_default=False,
    ),
    cache_dir: Path | None = typer.Option(
        None,
        "--cache-dir",
        metavar="DIR",
        help="Keep each finished row here; a rerun reuses them (resumable).",
        show_default=False,
    ),
    top: int | None = typer.Option(
        None, "--top", min=1, metavar="N", help="Show only the N donors most depended on."
    ),
    time_limit: float | None = TimeLimitOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Withdraw each donor in turn and rank the donors by the value the plan loses.

    The dependence picture: which donors' offers the plan can least do without. Each scenario
    re-plans warm from the baseline, in parallel (local processes, or Ray with --ray-address).
    """
    from nsatu.core.planner.sweep import RayUnavailable, sweep_withdraw_each_donor

    options = _options(time_limit)
    problem = _problem(problem_file, as_json)
    if cache_dir is not None and cache_dir.exists() and not cache_dir.is_dir():
        _refuse(cache_dir, [("--cache-dir", "is not a directory")], as_json)
    baseline = _baseline(problem, problem_file, baseline_file, options, as_json)
    bar = _SweepBar(enabled=not as_json and err_console.is_terminal)
    try:
        rows = sweep_withdraw_each_donor(
            problem,
            baseline,
            options=options,
            workers=workers,
            ray_address=ray_address,
            cache_dir=cache_dir,
            progress=bar,
        )
    except RayUnavailable as exc:
        _refuse(Path("--ray-address"), [("--ray-address", str(exc))], as_json)
    finally:
        bar.close()
    shown = rows[:top] if top is not None else rows
    if as_json:
        print_json(
            {
                "baseline": {
                    "status": baseline.status,
                    "objective": _number(baseline.objective),
                    "value": _number(float(baseline.stats.get("value", math.nan))),
                },
                "scenarios": len(rows),
                "cached": sum(r.cached for r in rows),
                "rows": [r.to_json() for r in shown],
            }
        )
    else:
        _show_sweep(shown, len(rows))
    if any(r.status in ("infeasible", "error") for r in rows):
        raise typer.Exit(EXIT_FAILURE)


class _SweepBar:
    """A Rich progress bar fed once per finished scenario."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, done: int, total: int, row: SweepRow) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=err_console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("scenarios", total=total)
        label = f"{row.donor}{' (cached)' if row.cached else ''}"
        self._progress.update(self._task, completed=done, description=f"withdraw {label}")

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _show_sweep(rows: list[SweepRow], total: int) -> None:
    print_table(
        f"Dependence on each donor ({len(rows)} of {total}, most value lost first)",
        [
            "#",
            "donor",
            "offers",
            "units",
            "value lost",
            "%",
            "units lost",
            "needs losing cover",
            "status",
            "s",
        ],
        [
            (
                str(i),
                r.donor,
                f"{r.offers:,}",
                f"{r.units_offered:,}",
                f"{r.value_lost:,.1f}",
                f"{r.value_lost_pct:.2f}",
                f"{r.units_lost:,}",
                f"{r.needs_losing_cover:,}",
                r.status,
                "cached" if r.cached else f"{r.seconds:.1f}",
            )
            for i, r in enumerate(rows, start=1)
        ],
    )
