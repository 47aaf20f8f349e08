"""Why each untrained request is not trained, one reason per acceptable course.

For each option (course and its chain), in this order:

1. ``no_event_before_deadline``: no event of the course itself fits the request's window (starts
   once the cohort can reach its host, ends by ``latest_finish``);
2. ``prerequisite_not_met``: a prerequisite in the chain has no event in the window, or no
   sequence of events keeps the chain's order with the travel between hosts;
3. ``all_events_full``: sequences exist, but at some course every event that the order allows has
   fewer free seats than the cohort (the details name those events and their free seats).

The plan given must be maximal (no untrained request fits in the seats left), which the solver's
repair step and the greedy baseline both guarantee; otherwise case 3 could not name a full event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nsatu.core.training_plan.chains import Option, candidates, levels, options
from nsatu.core.training_plan.plan import Assignment, Reason, Unmet
from nsatu.core.training_plan.problem import Id, Request, SeatProblem

#: Event lists in the details stop here, so one request's reasons stay readable.
MAX_LISTED = 10


def room_left(problem: SeatProblem, assignments: Sequence[Assignment]) -> dict[Id, int]:
    room = {e.id: e.seats for e in problem.events}
    for a in assignments:
        for e in a.events:
            room[e] -= a.cohort
    return room


def explain(problem: SeatProblem, assignments: Sequence[Assignment]) -> tuple[Unmet, ...]:
    """One :class:`Unmet` per request without an assignment, in problem order."""
    room = room_left(problem, assignments)
    trained = {a.request for a in assignments}
    out = []
    for r in problem.requests:
        if r.id in trained:
            continue
        reasons: list[Reason] = []
        for option in options(problem, r):
            reason = explain_option(problem, r, option, room)
            if reason is not None and reason not in reasons:
                reasons.append(reason)
        out.append(Unmet(request=r.id, cohort=r.cohort, reasons=tuple(reasons)))
    return tuple(out)


def _days(problem: SeatProblem, ids: Sequence[Id]) -> list[dict[str, Any]]:
    out = []
    for i in ids[:MAX_LISTED]:
        e = problem.event_by_id[i]
        row: dict[str, Any] = {"event": i, "start_day": e.start_day, "end_day": e.end_day}
        if problem.day0 is not None:
            row["starts_on"] = problem.day_label(e.start_day)
            row["ends_on"] = problem.day_label(e.end_day)
        out.append(row)
    return out


def explain_option(
    problem: SeatProblem, r: Request, option: Option, room: Mapping[Id, int]
) -> Reason | None:
    """The reason ``r`` is not trained for ``option.course``; ``None`` if it could be."""
    course, chain = option.course, option.chain
    name = problem.course_label
    window = (
        f"between {problem.day_label(r.earliest_start)} and {problem.day_label(r.latest_finish)}"
    )
    for k in reversed(chain):  # the course itself first, then its prerequisites
        if candidates(problem, r, k):
            continue
        others = [e.id for e in problem.events_by_course[k]]
        details = {
            "course": course,
            "missing_course": k,
            "events_outside_window": _days(problem, others),
        }
        if k == course:
            return Reason(
                "no_event_before_deadline",
                f"no event of course {name(course)} fits {window} (with travel from home)",
                details,
            )
        return Reason(
            "prerequisite_not_met",
            f"prerequisite {name(k)} of course {name(course)} has no event {window}",
            details,
        )
    reach = levels(problem, r, chain)
    if len(reach) < len(chain) or not reach[-1]:
        i = len(reach) - 1
        before, after = chain[i - 1], chain[i]
        return Reason(
            "prerequisite_not_met",
            f"no event of {name(before)} ends early enough (with travel) before an event of "
            f"{name(after)} in the window, for course {name(course)}",
            {
                "course": course,
                "prerequisite": before,
                "next_course": after,
                "prerequisite_events": _days(problem, list(reach[i - 1])),
                "next_events": _days(problem, [e.id for e in candidates(problem, r, after)]),
            },
        )
    with_room = levels(problem, r, chain, room)
    if len(with_room) == len(chain) and with_room[-1]:
        return None
    i = len(with_room) - 1
    k = chain[i]
    allowed = list(reach[i])
    if i > 0:  # only the events the order allows after the previous course's events with room
        prior = [problem.event_by_id[e] for e in with_room[i - 1]]
        allowed = [
            e for e in allowed if any(problem.follows(p, problem.event_by_id[e]) for p in prior)
        ]
        if not allowed:  # the events of the previous course that lead on here are the full ones
            k = chain[i - 1]
            allowed = [e for e in reach[i - 1] if e not in with_room[i - 1]]
    full = [
        {"event": e, "free_seats": max(0, room[e]), "seats": problem.event_by_id[e].seats}
        for e in allowed[:MAX_LISTED]
    ]
    names = ", ".join(str(e) for e in allowed[:MAX_LISTED])
    label = "event" if len(allowed) == 1 else "events"
    more = f" and {len(allowed) - MAX_LISTED} more" if len(allowed) > MAX_LISTED else ""
    return Reason(
        "all_events_full",
        f"every event of {name(k)} that fits ({label} {names}{more}) has fewer than {r.cohort} "
        f"free seats, for course {name(course)}",
        {"course": course, "full_course": k, "cohort": r.cohort, "full_events": full},
    )
