"""Solve a planning problem: LP-guided MIP on HiGHS, decomposed into shipments, explained.

The LP-guided start:

1. solve the LP relaxation (interior point) — its value is a proven upper bound;
2. solve a restricted MIP in which every integer column is boxed to ``[0, ceil(LP value)]`` and
   columns at zero in the LP are fixed at zero — small, fast, and always feasible (shipping
   nothing is feasible), so it yields a good plan quickly;
3. if that plan is within the requested gap of the LP bound, stop: the gap is proven; otherwise
   solve the full MIP seeded with that plan, and take the bound HiGHS proves.

Everything is deterministic: fixed seed, fixed thread count, and problem order preserved.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

from nsatu.core.planner.decompose import decompose
from nsatu.core.planner.explain import explain
from nsatu.core.planner.model import Float, Model, build_model
from nsatu.core.planner.plan import Plan, Status, relative_gap, value_and_cost
from nsatu.core.planner.problem import Problem
from nsatu.core.planner.warm import start_values

Progress = Callable[[str, float], None]
"""Called with a phase name and the fraction of the work done (0..1)."""

SOLVER_NAME = "HiGHS"


def _new_highs() -> Any:
    """A silent HiGHS instance.

    ``highspy.Highs()`` registers its Python callbacks right after construction, which prints
    HiGHS's banner on standard output before ``output_flag`` can be set, and would corrupt the
    CLI's ``--json`` output. The compiled core class takes options before any output.
    """
    core = getattr(highspy, "_core", None)
    h = core._Highs() if core is not None and hasattr(core, "_Highs") else highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    return h


def solver_version() -> str:
    return f"{SOLVER_NAME} {_new_highs().version()}"


@dataclass(frozen=True, slots=True)
class SolveOptions:
    time_limit_s: float = 300.0
    mip_rel_gap: float = 1e-3
    threads: int | None = None
    lp_guided_start: bool = True
    explain: bool = True
    seed: int = 0


def _noop(_phase: str, _fraction: float) -> None:
    return None


def configured_highs(options: SolveOptions, time_limit: float) -> Any:
    h = _new_highs()
    h.setOptionValue("random_seed", options.seed)
    threads = options.threads or min(2, os.cpu_count() or 1)
    h.setOptionValue("threads", threads)
    h.setOptionValue("time_limit", max(1.0, time_limit))
    return h


def pass_model(h: Any, model: Model, lower: Float, upper: Float, *, integer: bool) -> None:
    lp = highspy.HighsLp()
    lp.num_col_ = model.num_col
    lp.num_row_ = model.num_row
    lp.col_cost_ = model.col_cost
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = model.row_lower
    lp.row_upper_ = model.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = model.a_start
    lp.a_matrix_.index_ = model.a_index
    lp.a_matrix_.value_ = model.a_value
    lp.sense_ = highspy.ObjSense.kMaximize
    if integer:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in model.integer
        ]
    h.passModel(lp)


@dataclass(slots=True)
class _Solution:
    values: Float
    objective: float
    bound: float
    status: Status


def _mip(
    model: Model,
    options: SolveOptions,
    lower: Float,
    upper: Float,
    *,
    deadline: float,
    gap: float,
    start: Float | None = None,
    lp_solver: str = "ipm",
    target: float | None = None,
) -> _Solution | None:
    """Solve the MIP in the box ``[lower, upper]``; with ``target``, stop as soon as a plan is worth
    that much (it is then within the gap of a bound proven elsewhere)."""
    h = configured_highs(options, deadline - time.perf_counter())
    h.setOptionValue("mip_rel_gap", gap)
    h.setOptionValue("mip_lp_solver", lp_solver)
    if target is not None:
        h.setOptionValue("objective_target", target)
    if lp_solver == "simplex":  # a neighbourhood: HiGHS's own sub-MIPs find the plan, its
        h.setOptionValue("mip_heuristic_effort", 0.0)  # other heuristics only cost time
    pass_model(h, model, lower, upper, integer=True)
    found = _run_mip(h, model, start)
    if found is not None and start is not None and not _consistent(model, found):
        # HiGHS (1.16) can hand back column values that do not add up to the objective it
        # reports when a start was given and presolve reduced the model; solving the same model
        # without presolve returns consistent values.
        h.clearSolver()
        h.setOptionValue("presolve", "off")
        h.setOptionValue("time_limit", max(1.0, deadline - time.perf_counter()))
        found = _run_mip(h, model, start)
    if found is None or not _consistent(model, found):
        return None
    return found


def _run_mip(h: Any, model: Model, start: Float | None) -> _Solution | None:
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(start)
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    info = h.getInfo()
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        return None
    values = np.asarray(h.getSolution().col_value, dtype=np.float64)
    return _Solution(
        values=values,
        objective=float(info.objective_function_value),
        bound=float(info.mip_dual_bound),
        status="optimal"
        if h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        else "time_limit",
    )


def _consistent(model: Model, found: _Solution) -> bool:
    """Whether the column values really are worth the objective the solver reports."""
    worth = float(model.col_cost @ found.values)
    return abs(worth - found.objective) <= 1e-6 * max(1.0, abs(found.objective))


def _lp(model: Model, options: SolveOptions, *, deadline: float) -> tuple[Float, float] | None:
    h = configured_highs(options, deadline - time.perf_counter())
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "on")
    pass_model(h, model, model.col_lower, model.col_upper, integer=False)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    values = np.asarray(h.getSolution().col_value, dtype=np.float64)
    return values, float(h.getInfo().objective_function_value)


@dataclass(frozen=True, slots=True)
class Relaxation:
    """The LP relaxation of a model, solved elsewhere (by a warm ``Replanner``)."""

    values: Float
    bound: float
    seconds: float


def solve(
    problem: Problem,
    options: SolveOptions | None = None,
    *,
    progress: Progress | None = None,
    start: Plan | None = None,
    model: Model | None = None,
    relaxation: Relaxation | None = None,
) -> Plan:
    """The best plan for ``problem`` within the options' gap and time limit.

    ``start`` is a previous plan (of this problem or of one it was changed from): what of it
    still fits is the first incumbent, so a re-plan after a small change starts warm.
    ``model`` (built from ``problem``) and its solved ``relaxation`` are what
    :class:`nsatu.core.planner.resolve.Replanner` passes after re-solving the LP from a warm basis.
    """
    options = options or SolveOptions()
    report = progress or _noop
    started = time.perf_counter()
    deadline = started + options.time_limit_s

    report("build", 0.0)
    if model is None:
        model = build_model(problem)
    built = time.perf_counter()
    stats: dict[str, Any] = {
        "solver": solver_version(),
        "columns": model.num_col,
        "rows": model.num_row,
        "nonzeros": model.num_nz,
        "integer_columns": int(model.integer.sum()),
        "build_seconds": round(built - started, 4),
        "families": {name: hi - lo for name, (lo, hi) in model.families.items()},
    }

    warm = None if start is None else start_values(model, start)
    stats["warm_start"] = warm is not None
    if problem.values.policy == "lexicographic":
        values, model_objective, bound, status = _lexicographic(
            model, options, deadline, report, stats
        )
    else:
        values, model_objective, bound, status = _optimise(
            model, options, deadline, report, stats, warm=warm, relaxation=relaxation
        )
    solved = time.perf_counter()
    stats["solve_seconds"] = round(solved - built, 4)
    stats["model_objective"] = model_objective

    report("decompose", 0.9)
    shipments = decompose(model, values)
    value, cost = value_and_cost(problem, shipments)
    plan_objective = value - cost
    if not math.isfinite(bound):  # no bound proven in time: the value of every need met on time
        bound = sum(n.quantity * n.weight for n in problem.needs)
    bound = max(bound, plan_objective)
    unmet = explain(model, values, shipments) if options.explain else ()
    stats["explain_seconds"] = round(time.perf_counter() - solved, 4)
    stats["seconds"] = round(time.perf_counter() - started, 4)
    stats["value"] = value
    stats["cost"] = cost
    stats["by_weight"] = coverage_by_weight(problem, shipments)
    gap = relative_gap(plan_objective, bound)
    if status == "time_limit" and gap <= options.mip_rel_gap:
        status = "optimal"
    elif status == "optimal" and gap > options.mip_rel_gap + 1e-6:
        status = "feasible"  # the plan is not proven within the gap asked for: say so
    report("done", 1.0)
    return Plan(
        status=status,
        objective=plan_objective,
        bound=bound,
        gap=gap,
        shipments=tuple(shipments),
        unmet=tuple(unmet),
        stats=stats,
    )


def _optimise(
    model: Model,
    options: SolveOptions,
    deadline: float,
    report: Progress,
    stats: dict[str, Any],
    *,
    warm: Float | None = None,
    relaxation: Relaxation | None = None,
) -> tuple[Float, float, float, Status]:
    """Column values, model objective, proven bound and status."""
    zero = np.zeros(model.num_col)
    if model.num_col == 0:
        return zero, 0.0, 0.0, "optimal"
    incumbent: _Solution | None = None
    bound = np.inf
    if options.lp_guided_start or relaxation is not None:
        report("lp relaxation", 0.1)
        t0 = time.perf_counter()
        if relaxation is None:
            relaxed = _lp(model, options, deadline=deadline)
            stats["lp_seconds"] = round(time.perf_counter() - t0, 4)
        else:
            relaxed = relaxation.values, relaxation.bound
            stats["lp_seconds"] = relaxation.seconds
            stats["lp_warm"] = True
        if relaxed is not None:
            lp_values, bound = relaxed
            stats["lp_bound"] = bound
            incumbent = _lp_guided(
                model,
                options,
                lp_values,
                bound,
                warm,
                deadline=deadline,
                report=report,
                stats=stats,
            )
            if incumbent is not None and relative_gap(incumbent.objective, bound) <= (
                options.mip_rel_gap
            ):
                stats["proof"] = "lp bound"
                return incumbent.values, incumbent.objective, bound, "optimal"
    if time.perf_counter() >= deadline:
        if incumbent is None:
            return zero, 0.0, float(bound), "time_limit"
        return incumbent.values, incumbent.objective, float(bound), "time_limit"
    report("mip", 0.5)
    t0 = time.perf_counter()
    full = _mip(
        model,
        options,
        model.col_lower,
        model.col_upper,
        deadline=deadline,
        gap=options.mip_rel_gap,
        start=warm if incumbent is None else incumbent.values,
        # stop at the first plan within the gap of the LP bound, not only at HiGHS's own
        target=bound - 0.9 * options.mip_rel_gap * abs(bound) if np.isfinite(bound) else None,
    )
    stats["mip_seconds"] = round(time.perf_counter() - t0, 4)
    stats["proof"] = "mip bound"
    if full is None:
        if incumbent is None:
            return zero, 0.0, float(bound), "time_limit"
        return incumbent.values, incumbent.objective, float(bound), "time_limit"
    best = full
    if incumbent is not None and incumbent.objective > full.objective:
        best = incumbent
    return best.values, best.objective, min(float(bound), full.bound), full.status


def _lp_guided(
    model: Model,
    options: SolveOptions,
    lp_values: Float,
    bound: float,
    warm: Float | None,
    *,
    deadline: float,
    report: Progress,
    stats: dict[str, Any],
) -> _Solution | None:
    """The best plan found cheaply around the LP relaxation, stopping at the first one within the
    gap of its bound: the warm start as it is, then a neighbourhood of it, then the LP box."""
    # a plan worth this much is within the gap of the LP bound: no need to search further
    target = bound - 0.9 * options.mip_rel_gap * abs(bound)
    if warm is not None:  # the surviving old plan may already be within the gap
        worth = float(model.col_cost @ warm)
        stats["warm_objective"] = worth
        if worth >= target:
            return _Solution(warm, worth, bound, "optimal")
        report("neighbourhood mip", 0.2)
        near = _neighbourhood(model, options, lp_values, warm, deadline, stats, target=target)
        if near is not None:
            if near.objective >= target:
                return near
            warm = near.values
    found: _Solution | None = None
    # The LP's box; then, if its best plan is short of the target, a wider box: one unit more
    # wherever the LP ships something, and the assignments of units to needs left free (which
    # needs take the integer flows is where rounding loses value). Measured on a withdrawal whose
    # LP box ended 0.013% short of the target: the wider box reached it in 1.7 s, the full MIP
    # took 78 s.
    for widen in (0.0, 1.0):
        report("restricted mip", 0.3 + 0.1 * widen)
        t0 = time.perf_counter()
        upper = np.where(
            model.integer,
            np.where(lp_values > 1e-6, np.ceil(lp_values - 1e-6) + widen, 0.0),
            model.col_upper,
        )
        if widen:
            assign = [*model.on_cols.values(), *model.late_cols.values(), *model.take_cols.values()]
            upper[assign] = model.col_upper[assign]
        upper = np.minimum(upper, model.col_upper)
        start = warm if found is None else found.values
        if start is not None:  # keep the start inside the box, so it stays feasible
            upper = np.maximum(upper, np.where(model.integer, np.ceil(start - 1e-9), upper))
        box = _mip(
            model,
            options,
            model.col_lower,
            upper,
            deadline=deadline,
            gap=options.mip_rel_gap / 2,
            start=start,
            target=target,
        )
        suffix = "" if widen == 0.0 else "_wide"
        stats[f"restricted_mip{suffix}_seconds"] = round(time.perf_counter() - t0, 4)
        if box is not None:
            stats[f"restricted_mip{suffix}_objective"] = box.objective
            if found is None or box.objective > found.objective:
                found = box
        if found is not None and found.objective >= target:
            break
    return found


def _neighbourhood(
    model: Model,
    options: SolveOptions,
    lp_values: Float,
    warm: Float,
    deadline: float,
    stats: dict[str, Any],
    target: float,
) -> _Solution | None:
    """A small MIP around a warm start: each integer column may range only between its warm value
    and its LP value (rounded outwards). Where the two agree the column is fixed, so after a small
    change most of the model is fixed and HiGHS solves what is left in a fraction of a second.
    """
    t0 = time.perf_counter()
    low = np.minimum(np.floor(lp_values + 1e-6), np.round(warm))
    high = np.maximum(np.ceil(lp_values - 1e-6), np.round(warm))
    lower = np.where(model.integer, np.maximum(low, model.col_lower), model.col_lower)
    upper = np.where(model.integer, np.minimum(high, model.col_upper), model.col_upper)
    found = _mip(
        model,
        options,
        lower,
        upper,
        deadline=deadline,
        gap=options.mip_rel_gap / 2,
        start=warm,
        lp_solver="simplex",  # a small model: the interior point's set-up would dominate
        target=target,
    )
    stats["neighbourhood_mip_seconds"] = round(time.perf_counter() - t0, 4)
    stats["neighbourhood_free_columns"] = int(np.count_nonzero(upper > lower))
    if found is not None:
        stats["neighbourhood_mip_objective"] = found.objective
    return found


def _lexicographic(
    model: Model,
    options: SolveOptions,
    deadline: float,
    report: Progress,
    stats: dict[str, Any],
) -> tuple[Float, float, float, Status]:
    """Maximise the value of the highest weight class, then the next, …, then minimise cost.

    One HiGHS model is kept across the stages: each stage changes the objective to one class's
    value, starts from the previous stage's plan (still feasible), and then adds a row that keeps
    that class's value at what it reached. The last stage minimises the weighted transport cost.
    """
    problem = model.problem
    zero = np.zeros(model.num_col)
    if model.num_col == 0:
        return zero, 0.0, 0.0, "optimal"
    need_cols: dict[float, list[int]] = {}
    for block in (model.on_cols, model.late_cols):
        for (ni, _k), j in block.items():
            need_cols.setdefault(problem.needs[ni].weight, []).append(j)
    value_cols = {j for js in need_cols.values() for j in js}
    cost_cols = np.array([j for j in range(model.num_col) if j not in value_cols], dtype=np.int64)
    h = configured_highs(options, deadline - time.perf_counter())
    h.setOptionValue("mip_rel_gap", options.mip_rel_gap)
    h.setOptionValue("mip_lp_solver", "ipm")
    pass_model(h, model, model.col_lower, model.col_upper, integer=True)
    classes = sorted(need_cols, reverse=True)
    start: Float | None = None
    stages: list[dict[str, float]] = []
    status: Status = "optimal"
    value_total = 0.0
    all_cols = np.arange(model.num_col, dtype=np.int64)
    for i, w in enumerate([*classes, None]):
        report("lexicographic", 0.1 + 0.8 * i / (len(classes) + 1))
        cost = np.zeros(model.num_col)
        cols = np.array(need_cols[w] if w is not None else cost_cols, dtype=np.int64)
        cost[cols] = model.col_cost[cols]
        h.changeColsCost(model.num_col, all_cols, cost)
        h.setOptionValue("time_limit", max(1.0, deadline - time.perf_counter()))
        info = _stage(h, cost, start)
        if info.primal_solution_status != 2:
            status = "time_limit"
            break
        start = np.asarray(h.getSolution().col_value, dtype=np.float64)
        reached = float(info.objective_function_value)
        stage_bound = float(info.mip_dual_bound)
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            status = "time_limit"
        stages.append({"weight": -1.0 if w is None else w, "value": reached, "bound": stage_bound})
        if w is None:
            bound = value_total + stage_bound
            stats["lexicographic"] = stages
            return start, value_total + reached, bound, status
        value_total += reached
        floor = reached - 1e-7 * max(1.0, abs(reached))
        h.addRow(floor, np.inf, len(cols), cols, model.col_cost[cols])
    stats["lexicographic"] = stages
    if start is None:
        return zero, 0.0, float("inf"), "time_limit"
    return start, float(model.col_cost @ start), float("inf"), status


def _stage(h: Any, cost: Float, start: Float | None) -> Any:
    """Run one lexicographic stage from ``start``; re-run without presolve if HiGHS hands back
    values that are not worth the objective it reports (see :func:`_mip`)."""
    for presolve in ("choose", "off"):
        h.setOptionValue("presolve", presolve)
        if start is not None:
            sol = highspy.HighsSolution()
            sol.col_value = list(start)
            sol.value_valid = True
            h.setSolution(sol)
        h.run()
        info = h.getInfo()
        if info.primal_solution_status != 2 or start is None:
            break
        worth = float(cost @ np.asarray(h.getSolution().col_value, dtype=np.float64))
        reported = float(info.objective_function_value)
        if abs(worth - reported) <= 1e-6 * max(1.0, abs(reported)):
            break
        h.clearSolver()
    h.setOptionValue("presolve", "choose")
    return info


def coverage_by_weight(problem: Problem, shipments: list[Any]) -> list[dict[str, float]]:
    """Per weight class (highest first): units needed, delivered on time, late, and value."""
    need_by_id = problem.need_by_id
    offer_by_id = problem.offer_by_id
    legs = problem.leg_by_key
    rows: dict[float, dict[str, float]] = {}
    for n in problem.needs:
        row = rows.setdefault(
            n.weight, {"weight": n.weight, "needed": 0, "on_time": 0, "late": 0, "value": 0.0}
        )
        row["needed"] += n.quantity
    for s in shipments:
        need = need_by_id[s.need]
        offer = offer_by_id[s.offer]
        arrival = s.hub_depart_day + legs[(s.hub, need.handover, s.mode_out)].transit_days
        row = rows[need.weight]
        row["on_time" if arrival <= need.needed_by_day else "late"] += s.quantity
        row["value"] += s.quantity * problem.unit_value(need, offer.item_type, arrival)
    return [rows[w] for w in sorted(rows, reverse=True)]
