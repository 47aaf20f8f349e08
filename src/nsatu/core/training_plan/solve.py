"""Solve a seat problem on HiGHS, starting from the first-come-first-served plan, and explain it.

1. The greedy plan (:mod:`.greedy`) is the MIP's first incumbent, so the optimiser never returns
   less than the baseline.
2. HiGHS solves the MILP of :mod:`.model` to the requested relative gap or time limit, with the
   planner's solver settings (:func:`nsatu.core.planner.solve.configured_highs`: fixed seed and
   threads, so the same input gives the same plan).
3. Repair: any untrained request that still fits in the seats left is added (possible only when
   the solver stopped short of the optimum), so every untrained request has a named reason.
4. Every untrained request is explained (:mod:`.explain`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import highspy
import numpy as np

from nsatu.core.planner.plan import Status, relative_gap
from nsatu.core.planner.solve import SolveOptions, configured_highs, solver_version
from nsatu.core.training_plan.explain import explain, room_left
from nsatu.core.training_plan.greedy import greedy, serve
from nsatu.core.training_plan.model import Float, Model, build_model
from nsatu.core.training_plan.plan import Assignment, SeatPlan, objective_of
from nsatu.core.training_plan.problem import SeatProblem

Progress = Callable[[str, float], None]
"""Called with a phase name and the fraction of the work done (0..1)."""

DEFAULT_OPTIONS = SolveOptions(time_limit_s=120.0, mip_rel_gap=1e-4)


def _noop(_phase: str, _fraction: float) -> None:
    return None


def solve(
    problem: SeatProblem,
    options: SolveOptions | None = None,
    *,
    progress: Progress | None = None,
    baseline: SeatPlan | None = None,
) -> SeatPlan:
    """The best seat plan within the options' gap and time limit, explained.

    Args:
        problem: the validated problem.
        options: time limit, relative gap, threads and seed (the planner's ``SolveOptions``;
            ``lp_guided_start`` and ``explain`` are not used).
        progress: called with a phase name and the fraction done.
        baseline: the greedy plan if already computed (it is computed otherwise).

    Returns:
        The plan; ``stats`` holds the model's size, the seconds per phase and the greedy
        objective (``greedy_objective``).
    """
    options = options or DEFAULT_OPTIONS
    report = progress or _noop
    started = time.perf_counter()
    report("greedy", 0.0)
    base = baseline or greedy(problem, explained=False)
    report("build", 0.05)
    model = build_model(problem)
    built = time.perf_counter()
    stats: dict[str, Any] = {
        "solver": solver_version(),
        "columns": model.num_col,
        "rows": model.num_row,
        "nonzeros": model.num_nz,
        "families": {name: hi - lo for name, (lo, hi) in model.families.items()},
        "build_seconds": round(built - started, 4),
        "greedy_objective": base.objective,
    }
    report("mip", 0.1)
    found = _mip(model, options, start_values(model, base.assignments), started, stats)
    solved = time.perf_counter()
    stats["mip_seconds"] = round(solved - built, 4)

    status: Status = "time_limit"
    bound = math.inf
    assignments: list[Assignment] = list(base.assignments)
    if found is not None:
        values, bound, status = found
        mine = assignments_from(model, values)
        if objective_of(problem, mine) >= base.objective:
            assignments = mine
    report("repair", 0.9)
    added = serve(
        problem,
        sorted(
            (r for r in problem.requests if r.id not in {a.request for a in assignments}),
            key=lambda r: -r.weight * r.cohort,
        ),
        room_left(problem, assignments),
    )
    stats["repaired_requests"] = len(added)
    assignments.extend(added)
    order = {r.id: i for i, r in enumerate(problem.requests)}
    assignments.sort(key=lambda a: order[a.request])
    objective = objective_of(problem, assignments)
    if not math.isfinite(bound):
        bound = problem.best_value()
    bound = max(min(bound, problem.best_value()), objective)
    gap = relative_gap(objective, bound)
    if status == "time_limit" and gap <= options.mip_rel_gap:
        status = "optimal"
    elif status == "optimal" and gap > options.mip_rel_gap + 1e-6:
        status = "feasible"
    report("explain", 0.95)
    unmet = explain(problem, assignments)
    stats["seconds"] = round(time.perf_counter() - started, 4)
    report("done", 1.0)
    return SeatPlan(
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        assignments=tuple(assignments),
        unmet=unmet,
        stats=stats,
    )


def start_values(model: Model, assignments: Sequence[Assignment]) -> Float:
    """Column values of ``assignments`` (a plan that fits the model, such as the greedy one)."""
    values = np.zeros(model.num_col)
    index = {r.id: i for i, r in enumerate(model.problem.requests)}
    for a in assignments:
        ri = index[a.request]
        values[model.z_cols[(ri, a.course)]] = 1.0
        for e in a.events:
            values[model.x_cols[(ri, e)]] = 1.0
    return values


def assignments_from(model: Model, values: Float) -> list[Assignment]:
    p = model.problem
    out = []
    for (ri, course), j in model.z_cols.items():
        if values[j] < 0.5:
            continue
        r = p.requests[ri]
        chain = next(o.chain for o in model.options[ri] if o.course == course)
        events = []
        for k in chain:
            chosen = [
                e.id
                for e in p.events_by_course[k]
                if (ri, e.id) in model.x_cols and values[model.x_cols[(ri, e.id)]] > 0.5
            ]
            events.append(chosen[0])
        late = p.late_days(r, p.event_by_id[events[-1]])
        out.append(Assignment(r.id, course, r.cohort, tuple(events), late, p.value(r, late)))
    return out


def _mip(
    model: Model, options: SolveOptions, start: Float, started: float, stats: dict[str, Any]
) -> tuple[Float, float, Status] | None:
    """Column values, proven bound and status; ``None`` when HiGHS found nothing."""
    if model.num_col == 0:
        return np.zeros(0), 0.0, "optimal"
    h = configured_highs(options, options.time_limit_s - (time.perf_counter() - started))
    h.setOptionValue("mip_rel_gap", options.mip_rel_gap)
    lp = highspy.HighsLp()
    lp.num_col_ = model.num_col
    lp.num_row_ = model.num_row
    lp.col_cost_ = model.col_cost
    lp.col_lower_ = np.zeros(model.num_col)
    lp.col_upper_ = np.ones(model.num_col)
    lp.row_lower_ = model.row_lower
    lp.row_upper_ = model.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = model.a_start
    lp.a_matrix_.index_ = model.a_index
    lp.a_matrix_.value_ = model.a_value
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.integrality_ = [highspy.HighsVarType.kInteger] * model.num_col
    h.passModel(lp)
    solution = highspy.HighsSolution()
    solution.col_value = list(start)
    solution.value_valid = True
    h.setSolution(solution)
    h.run()
    info = h.getInfo()
    stats["mip_nodes"] = int(info.mip_node_count)
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        return None
    values = np.asarray(h.getSolution().col_value, dtype=np.float64)
    optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return values, float(info.mip_dual_bound), "optimal" if optimal else "time_limit"
