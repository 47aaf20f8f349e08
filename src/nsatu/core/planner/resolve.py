"""Warm re-planning: one baseline problem, many small changes, the LP relaxation kept warm.

A re-plan after a small change (an offer withdrawn, a hub closed for a day, a leg scaled) needs a
proven bound for the changed problem. Solving its LP relaxation cold costs seconds; re-solving the
baseline's LP from its optimal basis after the change costs milliseconds. :class:`Replanner`
keeps one HiGHS LP of the baseline model alive and expresses each changed problem as edits to it:

- the changed problem's model is built as usual, and its columns and rows are matched to the
  baseline's by their keys (leg, item type, day, site, need …);
- the changed model must be a *sub-model* of the baseline: every column and row it has exists in
  the baseline with the same coefficients. That holds for withdrawals, delays, closed hub-days and
  rescaled capacities, which only remove supply or change bounds. Baseline columns the changed
  model does not have are fixed at zero, baseline rows it does not have are freed, and every bound,
  right-hand side and cost is set to the changed model's. The result is exactly the changed LP;
- anything else (added offers that open new routes, say) is solved cold, and says so in its stats.

The edits are diffs against what HiGHS holds now, so consecutive scenarios revert each other's
edits without a rebuild. The LP values and bound then seed :func:`nsatu.core.planner.solve.solve`,
which starts from the baseline plan's surviving shipments and stops as soon as the gap is proven.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import highspy
import numpy as np

from nsatu.core.planner.model import Float, Int, Model, build_model
from nsatu.core.planner.plan import Plan
from nsatu.core.planner.problem import Problem
from nsatu.core.planner.solve import (
    Progress,
    Relaxation,
    SolveOptions,
    configured_highs,
    pass_model,
    solve,
)

Key = tuple[object, ...]


def column_keys(model: Model) -> list[Key]:
    """A problem-independent key per column, in column order (legs by their ends and mode, needs
    by id), so that the models of a problem and of a changed copy can be matched."""
    keys: list[Key] = [()] * model.num_col
    needs = model.problem.needs
    for (li, k, t), j in model.x_cols.items():
        keys[j] = ("x", *model.in_legs[li].key, k, t)
    for (lo, k, t), j in model.y_cols.items():
        keys[j] = ("y", *model.out_legs[lo].key, k, t)
    for name, cols in (("on", model.on_cols), ("late", model.late_cols)):
        for (ni, k), j in cols.items():
            keys[j] = (name, needs[ni].id, k)
    for ni, j in model.take_cols.items():
        keys[j] = ("take", needs[ni].id)
    for name, chain in (
        ("stock", model.stock_cols),
        ("inv", model.inv_cols),
        ("arr", model.arr_cols),
    ):
        for (site, k, t), j in chain.items():
            keys[j] = (name, site, k, t)
    return keys


def row_keys(model: Model) -> list[Key]:
    """The rows' keys with leg and need positions replaced by their identities."""
    out: list[Key] = []
    for key in model.row_keys:
        if key[0] == "leg_cap":
            _, direction, li, t = key
            legs = model.in_legs if direction == "in" else model.out_legs
            out.append(("leg_cap", *legs[li].key, t))  # type: ignore[call-overload]
        elif key[0] == "need":
            out.append(("need", model.problem.needs[key[1]].id))  # type: ignore[call-overload]
        else:
            out.append(key)
    return out


def _entries(model: Model) -> tuple[Int, Int, Float]:
    """The matrix as (row, column, value) triples."""
    cols = np.repeat(np.arange(model.num_col, dtype=np.int64), np.diff(model.a_start))
    return model.a_index, cols, model.a_value


class Replanner:
    """Re-plans changed copies of one baseline problem, warm from its plan and its LP basis.

    Not thread-safe: it holds one HiGHS instance. A sweep gives each worker its own.
    """

    def __init__(
        self, problem: Problem, baseline: Plan, options: SolveOptions | None = None
    ) -> None:
        self.problem = problem
        self.baseline = baseline
        self.options = options or SolveOptions()
        self.model = build_model(problem)
        self._col_index = {key: j for j, key in enumerate(column_keys(self.model))}
        self._row_index = {key: i for i, key in enumerate(row_keys(self.model))}
        self._highs: Any = None
        m = self.model
        # what the HiGHS instance holds now
        self._col_lower = m.col_lower.copy()
        self._col_upper = m.col_upper.copy()
        self._cost = m.col_cost.copy()
        self._row_lower = m.row_lower.copy()
        self._row_upper = m.row_upper.copy()
        self.warm_seconds = 0.0

    def prepare(self) -> float:
        """Solve the baseline LP now rather than at the first re-plan; returns its seconds."""
        self._lp()
        return self.warm_seconds

    def _lp(self) -> Any:
        """The baseline LP, solved once (interior point and crossover, for a basis)."""
        if self._highs is None:
            t0 = time.perf_counter()
            h = configured_highs(self.options, self.options.time_limit_s)
            h.setOptionValue("solver", "ipm")
            h.setOptionValue("run_crossover", "on")
            pass_model(h, self.model, self._col_lower, self._col_upper, integer=False)
            h.run()
            h.setOptionValue("solver", "simplex")  # every later solve starts from this basis
            self._highs = h
            self.warm_seconds = time.perf_counter() - t0
        return self._highs

    def match(self, model: Model) -> tuple[Int, Int] | None:
        """Baseline column and row of each of ``model``'s, or ``None`` if it is not a sub-model."""
        try:
            cmap = np.fromiter(
                (self._col_index[k] for k in column_keys(model)), np.int64, model.num_col
            )
            rmap = np.fromiter(
                (self._row_index[k] for k in row_keys(model)), np.int64, model.num_row
            )
        except KeyError:
            return None
        base = self.model
        col_in = np.zeros(base.num_col, dtype=bool)
        col_in[cmap] = True
        row_in = np.zeros(base.num_row, dtype=bool)
        row_in[rmap] = True
        br, bc, bv = _entries(base)
        keep = col_in[bc] & row_in[br]
        br, bc, bv = br[keep], bc[keep], bv[keep]
        cr, cc, cv = _entries(model)
        cr, cc = rmap[cr], cmap[cc]
        if len(cr) != len(br):
            return None
        b_order = np.lexsort((br, bc))
        c_order = np.lexsort((cr, cc))
        same = (
            np.array_equal(br[b_order], cr[c_order])
            and np.array_equal(bc[b_order], cc[c_order])
            and np.array_equal(bv[b_order], cv[c_order])
        )
        return (cmap, rmap) if same else None

    def relax(self, model: Model, cmap: Int, rmap: Int) -> Relaxation | None:
        """Solve ``model``'s LP relaxation as edits to the warm baseline LP."""
        h = self._lp()
        t0 = time.perf_counter()
        base = self.model
        col_lower = np.zeros(base.num_col)
        col_upper = np.zeros(base.num_col)
        cost = np.zeros(base.num_col)
        col_lower[cmap] = model.col_lower
        col_upper[cmap] = model.col_upper
        cost[cmap] = model.col_cost
        row_lower = np.full(base.num_row, -np.inf)
        row_upper = np.full(base.num_row, np.inf)
        row_lower[rmap] = model.row_lower
        row_upper[rmap] = model.row_upper

        cols = np.flatnonzero((col_lower != self._col_lower) | (col_upper != self._col_upper))
        if len(cols):
            h.changeColsBounds(len(cols), cols, col_lower[cols], col_upper[cols])
        costed = np.flatnonzero(cost != self._cost)
        if len(costed):
            h.changeColsCost(len(costed), costed, cost[costed])
        rows = np.flatnonzero((row_lower != self._row_lower) | (row_upper != self._row_upper))
        if len(rows):
            h.changeRowsBounds(len(rows), rows, row_lower[rows], row_upper[rows])
        self._col_lower, self._col_upper, self._cost = col_lower, col_upper, cost
        self._row_lower, self._row_upper = row_lower, row_upper
        h.setOptionValue("time_limit", max(1.0, self.options.time_limit_s))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        values = np.asarray(h.getSolution().col_value, dtype=np.float64)[cmap]
        bound = float(h.getInfo().objective_function_value)
        return Relaxation(values=values, bound=bound, seconds=round(time.perf_counter() - t0, 4))

    def solve(self, problem: Problem, *, progress: Progress | None = None) -> Plan:
        """The plan for ``problem`` (a changed copy of the baseline), warm where it can be."""
        model = build_model(problem)
        matched = self.match(model)
        relaxation = None if matched is None else self.relax(model, *matched)
        plan = solve(
            problem,
            self.options,
            progress=progress,
            start=self.baseline,
            model=model,
            relaxation=relaxation,
        )
        return replace(plan, stats={**plan.stats, "warm_lp": relaxation is not None})
