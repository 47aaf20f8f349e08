"""An independent check of a seat plan against its problem: every rule, and the objective.

It reads only the :class:`SeatProblem` (its data, its chain and travel rules) and the
:class:`SeatPlan`; it shares no code with the model, the greedy baseline or the explanations, so a
mistake in one of them shows here as a named violation.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

from nsatu.core.training_plan.plan import REASON_CODES, SeatPlan
from nsatu.core.training_plan.problem import SeatProblem


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    message: str


def check_plan(  # noqa: PLR0912, PLR0915 - one branch per rule keeps each message exact
    problem: SeatProblem, plan: SeatPlan, *, tolerance: float = 1e-6
) -> list[Violation]:
    """Every rule ``plan`` breaks; empty when it is feasible and its figures are right."""
    out: list[Violation] = []
    used: Counter[object] = Counter()
    seen: set[object] = set()
    total = 0.0
    for a in plan.assignments:
        r = problem.request_by_id.get(a.request)
        if r is None:
            out.append(Violation("unknown_request", f"request {a.request!r} is not in the problem"))
            continue
        if a.request in seen:
            out.append(Violation("assigned_twice", f"request {a.request!r} is assigned twice"))
        seen.add(a.request)
        if a.course not in r.courses:
            out.append(Violation("wrong_course", f"request {r.id!r} does not accept {a.course!r}"))
            continue
        if a.cohort != r.cohort:
            out.append(Violation("split_cohort", f"request {r.id!r}: {a.cohort} of {r.cohort}"))
        if any(e not in problem.event_by_id for e in a.events):
            out.append(Violation("unknown_event", f"request {r.id!r}: unknown event"))
            continue
        events = [problem.event_by_id[e] for e in a.events]
        if [e.course for e in events] != list(problem.chain(r, a.course)):
            out.append(
                Violation(
                    "chain",
                    f"request {r.id!r}: courses {[e.course for e in events]} are not the chain "
                    f"{list(problem.chain(r, a.course))} of {a.course!r}",
                )
            )
            continue
        for e in events:
            used[e.id] += r.cohort
            arrive = r.earliest_start + problem.travel_days(r.home, e.place)
            if e.start_day < arrive or e.end_day > r.latest_finish:
                out.append(
                    Violation(
                        "window",
                        f"request {r.id!r}: event {e.id!r} (days {e.start_day}–{e.end_day}) is "
                        f"outside days {arrive}–{r.latest_finish}",
                    )
                )
        for before, after in itertools.pairwise(events):
            travel = problem.travel_days(before.place, after.place)
            if after.start_day <= before.end_day + travel:
                out.append(
                    Violation(
                        "order",
                        f"request {r.id!r}: event {after.id!r} starts on day {after.start_day}, "
                        f"not after {before.id!r} ends on day {before.end_day} + {travel} travel",
                    )
                )
        last = events[-1]
        late = 0
        if r.handover_day is not None:
            late = max(0, last.end_day + problem.travel_days(last.place, r.home) - r.handover_day)
        if late != a.late_days:
            out.append(Violation("late_days", f"request {r.id!r}: late {a.late_days}, not {late}"))
        cut = min(problem.late_penalty_cap, problem.late_penalty_per_day * late)
        total += r.weight * r.cohort * (1.0 - cut)
    for e in problem.events:
        if used[e.id] > e.seats:
            out.append(
                Violation("capacity", f"event {e.id!r}: {used[e.id]} seats of {e.seats} taken")
            )
    if abs(total - plan.objective) > tolerance * max(1.0, abs(total)):
        out.append(Violation("objective", f"objective {plan.objective}, recomputed {total}"))
    unmet = {u.request: u for u in plan.unmet}
    for r in problem.requests:
        if r.id not in seen:
            u = unmet.get(r.id)
            if u is None or not u.reasons:
                out.append(Violation("unexplained", f"request {r.id!r} is unmet without a reason"))
            elif any(reason.code not in REASON_CODES for reason in u.reasons):
                out.append(Violation("reason_code", f"request {r.id!r}: unknown reason code"))
        elif r.id in unmet:
            out.append(Violation("unmet_but_assigned", f"request {r.id!r} is both"))
    return out
