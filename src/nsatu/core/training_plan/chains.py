"""A request's options (the courses it may be trained for, each with its chain) and the search for
one sequence of events through a chain, used by the greedy baseline, the repair after the solve
and the explanations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nsatu.core.training_plan.problem import Event, Id, Request, SeatProblem


@dataclass(frozen=True, slots=True)
class Option:
    course: Id
    chain: tuple[Id, ...]


def options(problem: SeatProblem, request: Request) -> tuple[Option, ...]:
    """The request's acceptable courses with their chains, in the request's order.

    A course whose chain contains another acceptable course is not an option: the cohort is
    trained for the request as soon as it completes the shorter chain, so the longer one would
    only take seats.
    """
    chains = {c: problem.chain(request, c) for c in dict.fromkeys(request.courses)}
    kept = []
    for c, chain in chains.items():
        if not any(other != c and other in chain for other in chains):
            kept.append(Option(c, chain))
    return tuple(kept)


def candidates(problem: SeatProblem, request: Request, course: Id) -> tuple[Event, ...]:
    """The events of ``course`` inside the request's window (dates and travel from home)."""
    return tuple(e for e in problem.events_by_course[course] if problem.fits_window(request, e))


def _key(problem: SeatProblem, e: Event) -> tuple[int, int, int]:
    return (e.end_day, e.start_day, _position(problem, e))


def _position(problem: SeatProblem, e: Event) -> int:
    return problem.events_by_course[e.course].index(e)


def levels(
    problem: SeatProblem,
    request: Request,
    chain: tuple[Id, ...],
    room: Mapping[Id, int] | None = None,
) -> list[dict[Id, Event | None]]:
    """For each course of ``chain``: the events the cohort can reach there, each with the event
    it comes from (the earliest-ending one that fits, ``None`` for the first course).

    With ``room`` (free seats per event), only events with room for the whole cohort count.
    The list stops at the first course with no reachable event.
    """
    out: list[dict[Id, Event | None]] = []
    previous: list[Event] = []
    for i, course in enumerate(chain):
        here: dict[Id, Event | None] = {}
        for e in candidates(problem, request, course):
            if room is not None and room.get(e.id, e.seats) < request.cohort:
                continue
            if i == 0:
                here[e.id] = None
                continue
            before = [p for p in previous if problem.follows(p, e)]
            if before:
                here[e.id] = min(before, key=lambda p: _key(problem, p))
        out.append(here)
        if not here:
            break
        previous = [problem.event_by_id[i] for i in here]
    return out


def best_sequence(
    problem: SeatProblem,
    request: Request,
    chain: tuple[Id, ...],
    room: Mapping[Id, int] | None = None,
) -> tuple[tuple[Id, ...], int] | None:
    """The events through ``chain`` worth most (least late for the handover; ties: the earliest
    end, then the problem's order), with its days late; ``None`` when there is none."""
    found = levels(problem, request, chain, room)
    if len(found) < len(chain) or not found or not found[-1]:
        return None
    last = min(
        (problem.event_by_id[i] for i in found[-1]),
        key=lambda e: (problem.late_days(request, e), *_key(problem, e)),
    )
    sequence = [last]
    for level in reversed(found[1:]):
        prior = level[sequence[-1].id]
        assert prior is not None
        sequence.append(prior)
    sequence.reverse()
    return tuple(e.id for e in sequence), problem.late_days(request, last)
