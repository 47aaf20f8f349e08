"""The seat-plan MILP, built as arrays by named families and passed to HiGHS in one call.

Columns (all binary)
    ``z[r, c]``  request *r* is trained for course *c* (one of its options, see
                 :func:`~nsatu.core.training_plan.chains.options`; only options whose every course
                 has an event in the window get a column)
    ``x[r, e]``  the cohort of *r* attends event *e* (only events of a course in one of r's chains
                 that fit r's window)

Rows, each family a contiguous block named in :attr:`Model.families`
    ``choose``    Σ_c z[r, c] ≤ 1
    ``attend``    Σ_{e of k} x[r, e] = Σ_{c : k ∈ chain(r, c)} z[r, c]   for every course *k* of r's
                  chains: the whole chain of the chosen course, one event each, and nothing else
    ``capacity``  Σ_r cohort_r · x[r, e] ≤ seats_e   (written only where the cohorts could exceed
                  the seats)
    ``order``     x[r, e'] + Σ_{e of p : e' does not follow e} x[r, e] ≤ 1 + Σ_{c ∈ N(p, k)} z[r, c]
                  for every event e' of *k*, where *p* → *k* are consecutive in some chain of *r*
                  and N(p, k) are r's options whose chain holds both but not consecutively (there
                  the row is void). "Follows" is: starts after e ends plus the travel days.

Objective (maximise)
    Σ_{r, c, e of c} w_r · cohort_r · (1 − min(cap, penalty · late(r, e))) · x[r, e]

An option's course is the last of its chain and in no other option's chain, so x of its events
carries the value, discounted for days back home after the linked handover (the slack of the
"trained before handover" rule, with its cost).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from nsatu.core.training_plan.chains import Option, candidates, options
from nsatu.core.training_plan.problem import Id, SeatProblem

Float = npt.NDArray[np.float64]
Int = npt.NDArray[np.int64]


@dataclass(slots=True)
class Model:
    problem: SeatProblem
    col_cost: Float
    z_cols: dict[tuple[int, Id], int] = field(default_factory=dict)
    x_cols: dict[tuple[int, Id], int] = field(default_factory=dict)
    options: dict[int, tuple[Option, ...]] = field(default_factory=dict)
    row_lower: Float = field(default_factory=lambda: np.zeros(0))
    row_upper: Float = field(default_factory=lambda: np.zeros(0))
    a_start: Int = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    a_index: Int = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    a_value: Float = field(default_factory=lambda: np.zeros(0))
    families: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def num_col(self) -> int:
        return len(self.col_cost)

    @property
    def num_row(self) -> int:
        return len(self.row_lower)

    @property
    def num_nz(self) -> int:
        return len(self.a_value)


class _Rows:
    """Rows collected as triplets and turned into a column-wise matrix at the end."""

    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []

    def add(self, entries: dict[int, float], lower: float, upper: float) -> None:
        r = len(self.lower)
        self.lower.append(lower)
        self.upper.append(upper)
        for c, v in entries.items():
            if v:
                self.rows.append(r)
                self.cols.append(c)
                self.vals.append(v)


def add_columns(model: Model, cost: list[float]) -> None:
    """The z and x columns of every request, and the value of each x on its objective."""
    p = model.problem
    for ri, r in enumerate(p.requests):
        usable = []
        for option in options(p, r):
            if all(candidates(p, r, k) for k in option.chain):
                usable.append(option)
        model.options[ri] = tuple(usable)
        for option in usable:
            model.z_cols[(ri, option.course)] = len(cost)
            cost.append(0.0)
        courses = dict.fromkeys(k for o in usable for k in o.chain)
        targets = {o.course for o in usable}
        for k in courses:
            for e in candidates(p, r, k):
                model.x_cols[(ri, e.id)] = len(cost)
                cost.append(p.value(r, p.late_days(r, e)) if k in targets else 0.0)


def add_choose(model: Model, rows: _Rows) -> None:
    for ri, opts in model.options.items():
        if len(opts) > 1:
            rows.add({model.z_cols[(ri, o.course)]: 1.0 for o in opts}, -np.inf, 1.0)


def add_attend(model: Model, rows: _Rows) -> None:
    p = model.problem
    for ri, opts in model.options.items():
        r = p.requests[ri]
        users: dict[Id, list[Id]] = defaultdict(list)
        for o in opts:
            for k in o.chain:
                users[k].append(o.course)
        for k, courses in users.items():
            entries = {model.x_cols[(ri, e.id)]: 1.0 for e in candidates(p, r, k)}
            for c in courses:
                entries[model.z_cols[(ri, c)]] = -1.0
            rows.add(entries, 0.0, 0.0)


def add_capacity(model: Model, rows: _Rows) -> None:
    p = model.problem
    by_event: dict[Id, dict[int, float]] = defaultdict(dict)
    for (ri, e), j in model.x_cols.items():
        by_event[e][j] = float(p.requests[ri].cohort)
    for event in p.events:  # problem order keeps the model deterministic
        entries = by_event.get(event.id)
        if entries and sum(entries.values()) > event.seats:
            rows.add(entries, -np.inf, float(event.seats))


def add_order(model: Model, rows: _Rows) -> None:
    p = model.problem
    for ri, opts in model.options.items():
        r = p.requests[ri]
        pairs: dict[tuple[Id, Id], None] = {}
        for o in opts:
            for a, b in itertools.pairwise(o.chain):
                pairs[(a, b)] = None
        for first, then in pairs:
            void = [
                o.course
                for o in opts
                if first in o.chain
                and then in o.chain
                and o.chain.index(then) != o.chain.index(first) + 1
            ]
            before = candidates(p, r, first)
            for e2 in candidates(p, r, then):
                clash = [e1 for e1 in before if not p.follows(e1, e2)]
                if not clash:
                    continue
                entries = {model.x_cols[(ri, e2.id)]: 1.0}
                for e1 in clash:
                    entries[model.x_cols[(ri, e1.id)]] = 1.0
                for c in void:
                    entries[model.z_cols[(ri, c)]] = -1.0
                rows.add(entries, -np.inf, 1.0)


def build_model(problem: SeatProblem) -> Model:
    """The MILP for ``problem`` (see the module docstring)."""
    cost: list[float] = []
    model = Model(problem=problem, col_cost=np.zeros(0))
    add_columns(model, cost)
    model.col_cost = np.asarray(cost, dtype=np.float64)
    rows = _Rows()
    for name, family in (
        ("choose", add_choose),
        ("attend", add_attend),
        ("capacity", add_capacity),
        ("order", add_order),
    ):
        start = len(rows.lower)
        family(model, rows)
        model.families[name] = (start, len(rows.lower))
    model.row_lower = np.asarray(rows.lower, dtype=np.float64)
    model.row_upper = np.asarray(rows.upper, dtype=np.float64)
    r = np.asarray(rows.rows, dtype=np.int64)
    c = np.asarray(rows.cols, dtype=np.int64)
    v = np.asarray(rows.vals, dtype=np.float64)
    order = np.lexsort((r, c))
    model.a_index = r[order]
    model.a_value = v[order]
    counts = np.bincount(c, minlength=model.num_col)
    model.a_start = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return model
