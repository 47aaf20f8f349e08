"""The first-come-first-served baseline: requests served one at a time in the problem's order
(the caller lists them by creation), each taking the best sequence of events that still has room.

A request takes, over its options, the sequence worth most (least late for the handover), ties
going to the earliest end and then to the request's order of courses. It never looks ahead: an
early request takes the only event a later request could have used even when another would do for
it. That is what the optimiser improves on; the objective is the same (:func:`objective_of`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from nsatu.core.planner.plan import relative_gap
from nsatu.core.training_plan.chains import best_sequence, options
from nsatu.core.training_plan.explain import explain
from nsatu.core.training_plan.plan import Assignment, SeatPlan, objective_of
from nsatu.core.training_plan.problem import Id, Request, SeatProblem


def serve(
    problem: SeatProblem, requests: Iterable[Request], room: dict[Id, int]
) -> list[Assignment]:
    """Assign each of ``requests`` in turn where it still fits, taking the seats from ``room``."""
    out: list[Assignment] = []
    for r in requests:
        found = best_for(problem, r, room)
        if found is None:
            continue
        for e in found.events:
            room[e] -= r.cohort
        out.append(found)
    return out


def best_for(problem: SeatProblem, request: Request, room: Mapping[Id, int]) -> Assignment | None:
    """The request's most valuable assignment that fits in ``room``, or ``None``."""
    best: tuple[tuple[float, int], Assignment] | None = None
    for option in options(problem, request):
        seq = best_sequence(problem, request, option.chain, room)
        if seq is None:
            continue
        events, late = seq
        a = Assignment(
            request=request.id,
            course=option.course,
            cohort=request.cohort,
            events=events,
            late_days=late,
            value=problem.value(request, late),
        )
        key = (-a.value, problem.event_by_id[events[-1]].end_day)
        if best is None or key < best[0]:
            best = (key, a)
    return None if best is None else best[1]


def greedy(problem: SeatProblem, *, explained: bool = True) -> SeatPlan:
    """The first-come-first-served plan, with every untrained request explained (unless
    ``explained`` is false).

    Its ``bound`` is the trivial one (every request trained on time), so its gap says how far the
    plan is from perfect, not from the optimum.
    """
    started = time.perf_counter()
    room = {e.id: e.seats for e in problem.events}
    assignments = serve(problem, problem.requests, room)
    objective = objective_of(problem, assignments)
    bound = max(problem.best_value(), objective)
    return SeatPlan(
        status="feasible",
        objective=objective,
        bound=bound,
        gap=relative_gap(objective, bound),
        assignments=tuple(assignments),
        unmet=explain(problem, assignments) if explained else (),
        stats={"seconds": round(time.perf_counter() - started, 4)},
    )
