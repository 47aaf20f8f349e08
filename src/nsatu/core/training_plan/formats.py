"""The seat problem as a JSON document, ``nsatu-seat-problem/1``, to keep or share an instance and
solve it again without the database (``nsatu training plan --problem-out`` / ``--problem``).

Every field is checked; :class:`ProblemError` lists each bad one by its path
(``requests[3].cohort``) and changes nothing. The document (see ``docs/training_plan.md``)::

    {"format": "nsatu-seat-problem/1", "day0": "2026-11-29" | null,
     "late_penalty_per_day": 0.02, "late_penalty_cap": 0.5,
     "travel": {"km_per_day": 600.0, "default_days": 1,
                "days": [{"from": "DEU", "to": "GBR", "days": 2}]},
     "courses": [{"id": 1, "name": "SYN-AD-SAM-OP" | null, "prerequisites": [..]}],
     "events": [{"id": 1, "course": 1, "place": {"country": "DEU", "lat": 49.7, "lon": 11.94},
                 "start_day": 5, "end_day": 14, "seats": 10}],
     "requests": [{"id": 2, "cohort": 10, "courses": [1], "earliest_start": 0,
                   "latest_finish": 100, "weight": 1.0, "completed": [], "handover_day": null,
                   "home": {"country": "UKR", "lat": null, "lon": null} | null}]}
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from nsatu.core.planner.problem import ProblemError
from nsatu.core.training_plan.problem import (
    Course,
    Event,
    Id,
    Place,
    Request,
    SeatProblem,
    Travel,
)

PROBLEM_FORMAT = "nsatu-seat-problem/1"


def _place_json(place: Place | None) -> dict[str, Any] | None:
    if place is None:
        return None
    return {"country": place.country, "lat": place.lat, "lon": place.lon}


def problem_to_json(problem: SeatProblem) -> dict[str, Any]:
    """The ``nsatu-seat-problem/1`` document of ``problem``."""
    return {
        "format": PROBLEM_FORMAT,
        "day0": None if problem.day0 is None else problem.day0.isoformat(),
        "late_penalty_per_day": problem.late_penalty_per_day,
        "late_penalty_cap": problem.late_penalty_cap,
        "travel": {
            "km_per_day": problem.travel.km_per_day,
            "default_days": problem.travel.default_days,
            "days": [{"from": a, "to": b, "days": d} for (a, b), d in problem.travel.days.items()],
        },
        "courses": [
            {"id": c.id, "name": c.name, "prerequisites": list(c.prerequisites)}
            for c in problem.courses
        ],
        "events": [
            {
                "id": e.id,
                "course": e.course,
                "place": _place_json(e.place),
                "start_day": e.start_day,
                "end_day": e.end_day,
                "seats": e.seats,
            }
            for e in problem.events
        ],
        "requests": [
            {
                "id": r.id,
                "cohort": r.cohort,
                "courses": list(r.courses),
                "earliest_start": r.earliest_start,
                "latest_finish": r.latest_finish,
                "weight": r.weight,
                "completed": list(r.completed),
                "handover_day": r.handover_day,
                "home": _place_json(r.home),
            }
            for r in problem.requests
        ],
    }


class _Reader:
    """Reads fields of a JSON object, collecting an error per bad field instead of stopping."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append((path, message))

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, "must be an object")
            return {}
        return value

    def items(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(path, "must be a list")
            return []
        return value

    def id(self, value: Any, path: str) -> Id:
        if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
            self.fail(path, "must be an integer or a non-empty string")
            return ""
        return value

    def ids(self, value: Any, path: str) -> tuple[Id, ...]:
        return tuple(self.id(v, f"{path}[{i}]") for i, v in enumerate(self.items(value, path)))

    def int(self, value: Any, path: str, *, optional: bool = False) -> int:
        if value is None and optional:
            return 0
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, "must be an integer" + (" or null" if optional else ""))
            return 0
        return value

    def number(self, value: Any, path: str, *, optional: bool = False) -> float:
        if value is None and optional:
            return math.nan
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value):
            self.fail(path, "must be a finite number" + (" or null" if optional else ""))
            return 0.0
        return float(value)

    def text(self, value: Any, path: str, *, optional: bool = False) -> str:
        if value is None and optional:
            return ""
        if not isinstance(value, str) or not value:
            self.fail(path, "must be a non-empty string" + (" or null" if optional else ""))
            return ""
        return value

    def place(self, value: Any, path: str) -> Place:
        o = self.obj(value, path)
        lat = self.number(o.get("lat"), f"{path}.lat", optional=True)
        lon = self.number(o.get("lon"), f"{path}.lon", optional=True)
        return Place(
            country=self.text(o.get("country"), f"{path}.country"),
            lat=None if math.isnan(lat) else lat,
            lon=None if math.isnan(lon) else lon,
        )


def parse_problem(document: Any) -> SeatProblem:
    """The problem in an ``nsatu-seat-problem/1`` document (parsed JSON).

    Raises:
        ProblemError: with every bad field by its path; the problem's own checks (unknown
            courses, cycles, windows …) follow once the shape is right.
    """
    rd = _Reader()
    doc = rd.obj(document, "$")
    if doc.get("format") != PROBLEM_FORMAT:
        rd.fail("format", f"must be {PROBLEM_FORMAT!r}")
    day0: dt.date | None = None
    if doc.get("day0") is not None:
        try:
            day0 = dt.date.fromisoformat(rd.text(doc.get("day0"), "day0"))
        except ValueError:
            rd.fail("day0", "must be a date (YYYY-MM-DD) or null")
    travel_doc = rd.obj(doc.get("travel", {}), "travel")
    table: dict[tuple[str, str], int] = {}
    for i, row in enumerate(rd.items(travel_doc.get("days", []), "travel.days")):
        path = f"travel.days[{i}]"
        o = rd.obj(row, path)
        pair = (rd.text(o.get("from"), f"{path}.from"), rd.text(o.get("to"), f"{path}.to"))
        table[pair] = rd.int(o.get("days"), f"{path}.days")
    travel = Travel(
        days=table,
        km_per_day=rd.number(travel_doc.get("km_per_day", 600.0), "travel.km_per_day"),
        default_days=rd.int(travel_doc.get("default_days", 1), "travel.default_days"),
    )
    courses = []
    for i, row in enumerate(rd.items(doc.get("courses"), "courses")):
        o = rd.obj(row, f"courses[{i}]")
        name = rd.text(o.get("name"), f"courses[{i}].name", optional=True)
        courses.append(
            Course(
                id=rd.id(o.get("id"), f"courses[{i}].id"),
                prerequisites=rd.ids(o.get("prerequisites", []), f"courses[{i}].prerequisites"),
                name=name or None,
            )
        )
    events = []
    for i, row in enumerate(rd.items(doc.get("events"), "events")):
        o, p = rd.obj(row, f"events[{i}]"), f"events[{i}]"
        events.append(
            Event(
                id=rd.id(o.get("id"), f"{p}.id"),
                course=rd.id(o.get("course"), f"{p}.course"),
                place=rd.place(o.get("place"), f"{p}.place"),
                start_day=rd.int(o.get("start_day"), f"{p}.start_day"),
                end_day=rd.int(o.get("end_day"), f"{p}.end_day"),
                seats=rd.int(o.get("seats"), f"{p}.seats"),
            )
        )
    requests = []
    for i, row in enumerate(rd.items(doc.get("requests"), "requests")):
        o, p = rd.obj(row, f"requests[{i}]"), f"requests[{i}]"
        handover = o.get("handover_day")
        requests.append(
            Request(
                id=rd.id(o.get("id"), f"{p}.id"),
                cohort=rd.int(o.get("cohort"), f"{p}.cohort"),
                courses=rd.ids(o.get("courses"), f"{p}.courses"),
                earliest_start=rd.int(o.get("earliest_start"), f"{p}.earliest_start"),
                latest_finish=rd.int(o.get("latest_finish"), f"{p}.latest_finish"),
                weight=rd.number(o.get("weight", 1.0), f"{p}.weight"),
                completed=rd.ids(o.get("completed", []), f"{p}.completed"),
                handover_day=None
                if handover is None
                else rd.int(handover, f"{p}.handover_day", optional=True),
                home=None if o.get("home") is None else rd.place(o.get("home"), f"{p}.home"),
            )
        )
    penalty = rd.number(doc.get("late_penalty_per_day", 0.02), "late_penalty_per_day")
    cap = rd.number(doc.get("late_penalty_cap", 0.5), "late_penalty_cap")
    if rd.errors:
        raise ProblemError(rd.errors)
    return SeatProblem(
        courses=tuple(courses),
        events=tuple(events),
        requests=tuple(requests),
        travel=travel,
        late_penalty_per_day=penalty,
        late_penalty_cap=cap,
        day0=day0,
    )


def load_problem(text: str) -> SeatProblem:
    """Parse JSON text into a problem; malformed JSON is a :class:`ProblemError` at ``$``."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemError([("$", f"not JSON: {exc.msg} at line {exc.lineno}")]) from exc
    return parse_problem(document)
