"""The seat plan: which events each trained cohort attends, why the others are not trained, and
the solver's figures.

``objective`` is recomputed from the assignments (Σ :meth:`SeatProblem.value` of the trained
requests), ``bound`` is the best proven upper bound, and ``gap`` = (bound − objective) /
max(1, |bound|), as in the planner.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from nsatu.core.planner.plan import Status
from nsatu.core.training_plan.problem import Id, SeatProblem

ReasonCode = Literal["no_event_before_deadline", "all_events_full", "prerequisite_not_met"]
REASON_CODES: tuple[ReasonCode, ...] = get_args(ReasonCode)


@dataclass(frozen=True, slots=True)
class Assignment:
    """A request trained for ``course``: its cohort attends ``events`` (one per course of the
    chain, in order) and is back home ``late_days`` after the linked handover."""

    request: Id
    course: Id
    cohort: int
    events: tuple[Id, ...]
    late_days: int
    value: float

    def to_json(self) -> dict[str, Any]:
        return {
            "request": self.request,
            "course": self.course,
            "cohort": self.cohort,
            "events": list(self.events),
            "late_days": self.late_days,
            "value": self.value,
        }


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a request is not trained; ``details`` names the courses and events involved."""

    code: ReasonCode
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": dict(self.details)}


@dataclass(frozen=True, slots=True)
class Unmet:
    request: Id
    cohort: int
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "request": self.request,
            "cohort": self.cohort,
            "reasons": [r.to_json() for r in self.reasons],
        }


@dataclass(frozen=True, slots=True)
class SeatPlan:
    status: Status
    objective: float
    bound: float
    gap: float
    assignments: tuple[Assignment, ...]
    unmet: tuple[Unmet, ...] = ()
    stats: Mapping[str, Any] = field(default_factory=dict)

    @property
    def assigned_seats(self) -> int:
        """Seats taken: the cohort once per event attended."""
        return sum(a.cohort * len(a.events) for a in self.assignments)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "assigned_requests": len(self.assignments),
            "assigned_seats": self.assigned_seats,
            "assignments": [a.to_json() for a in self.assignments],
            "unmet_requests": [u.to_json() for u in self.unmet],
            "stats": dict(self.stats),
        }


def objective_of(problem: SeatProblem, assignments: Iterable[Assignment]) -> float:
    """The value of ``assignments`` by the problem's rule (the last event decides lateness)."""
    total = 0.0
    for a in assignments:
        request = problem.request_by_id[a.request]
        last = problem.event_by_id[a.events[-1]]
        total += problem.value(request, problem.late_days(request, last))
    return total
