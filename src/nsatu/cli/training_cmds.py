"""``nsatu training``: courses, events, seat requests, participants and readiness.

``readiness`` prints, per capability area, the capability packages that are ready, that wait for
their equipment and that wait for their crews' training, with the ids of the records behind each
figure (``nsatu.training.readiness``). The list commands print the training registries. All run as
the CLI's system actor, so they see everything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer

from nsatu.cli.common import (
    EXIT_USER_ERROR,
    JsonOpt,
    fail,
    print_json,
    print_table,
    unit_of_work,
)

app = typer.Typer(help="Training: courses, events, seats, the seat plan and readiness.")

_SIZE = 500


def _day(value: str | None, option: str, as_json: bool) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(
            f"{option}: {value!r} is not a date (YYYY-MM-DD)", code=EXIT_USER_ERROR, as_json=as_json
        )


def _ids(values: list[int]) -> str:
    shown = ", ".join(str(v) for v in values[:8])
    return shown + (f" … (+{len(values) - 8})" if len(values) > 8 else "")


@app.command("readiness")
def readiness_command(
    area: str | None = typer.Option(
        None, "--area", help="Only this capability area (its code, e.g. air-defence)."
    ),
    today: str | None = typer.Option(
        None, "--today", help="The day to judge on, YYYY-MM-DD (default: today, UTC)."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Per capability area: packages ready, waiting for equipment, waiting for training.

    A package is ready when every need in it is handed over and its crews are trained; one that
    waits for both is counted under each wait. --json adds every package with its dates, the
    equipment delivered without trained crews, the crews trained without their equipment, and
    the training a handover slip invalidates.
    """
    from nsatu.training import readiness

    day = _day(today, "--today", as_json)
    with unit_of_work() as session:
        result = readiness.readiness(session, area=area, today=day)
    data = readiness.as_dict(result)
    if as_json:
        print_json(data)
        return
    rows: list[list[Any]] = []
    for a in result.areas:
        rows.append(
            [
                a.code,
                len(a.ready),
                len(a.waiting_for_equipment),
                len(a.waiting_for_training),
                _ids([p.package_id for p in a.ready]),
                _ids([p.package_id for p in a.waiting_for_equipment]),
                _ids([p.package_id for p in a.waiting_for_training]),
            ]
        )
    print_table(
        f"Readiness on {result.today} (capability packages)",
        (
            "area",
            "ready",
            "waiting for equipment",
            "waiting for training",
            "ready ids",
            "equipment ids",
            "training ids",
        ),
        rows,
    )
    for title, gaps, there, expected in (
        (
            "Equipment delivered, crews not trained",
            result.equipment_without_crews,
            "delivered on",
            "training expected",
        ),
        (
            "Crews trained, equipment not there",
            result.crews_without_equipment,
            "trained on",
            "equipment expected",
        ),
    ):
        if gaps:
            print_table(
                title,
                ("area", "package", "code", there, expected, "needs"),
                [
                    [
                        g.area_code,
                        g.package_id,
                        g.code,
                        g.there_on,
                        g.expected_on or "—",
                        _ids(list(g.need_ids)),
                    ]
                    for g in gaps
                ],
            )
    if result.invalidated:
        print_table(
            "Training invalidated by handover dates",
            ("package", "need", "event", "rule", "detail"),
            [
                [i.package_id, i.requirement_id, i.training_event_id, i.rule, i.detail]
                for i in result.invalidated
            ],
        )


@app.command("needs")
def needs_command(as_json: bool = JsonOpt) -> None:
    """Training needs of accepted allocations: seats per course = units × crew per unit.

    Derived from the crew requirements of the allocated item types; never stored.
    """
    from nsatu.training import readiness

    with unit_of_work() as session:
        needs = readiness.training_needs(session)
    rows = [
        {
            "allocation_id": n.allocation_id,
            "need_id": n.requirement_id,
            "item_type_id": n.item_type_id,
            "course_id": n.course_id,
            "units": n.units,
            "seats": n.seats,
        }
        for n in needs
    ]
    if as_json:
        print_json({"training_needs": rows, "seats": sum(n.seats for n in needs)})
        return
    print_table(
        "Training needs of accepted allocations",
        ("allocation", "need", "item type", "course", "units", "seats"),
        [list(r.values()) for r in rows],
    )


def _list(entity: Any, filters: Any, as_json: bool) -> list[dict[str, Any]]:
    from nsatu.db.actor import actor_of

    with unit_of_work() as session:
        assert actor_of(session) is not None  # the CLI's actor: lists are scoped like the API
        page = entity.list(session, filters)
        items = [entity.read_schema.model_validate(o).model_dump(mode="json") for o in page.items]
        total = page.total
    if as_json:
        print_json({"items": items, "total": total})
    return items


@app.command("courses")
def courses_command(
    area: int | None = typer.Option(None, "--area-id", help="Only this capability area id."),
    host: int | None = typer.Option(None, "--host-id", help="Only courses of this host nation id."),
    as_json: bool = JsonOpt,
) -> None:
    """The courses: type, duration, language, pass mark, item types and prerequisites."""
    from nsatu.training import schemas as s
    from nsatu.training.service import COURSES

    f = s.CourseFilter(capability_area_id=area, host_nation_id=host, size=_SIZE)
    items = _list(COURSES, f, as_json)
    if not as_json:
        print_table(
            f"Courses ({len(items)})",
            ("id", "code", "title", "type", "days", "lang", "pass", "item types", "requires"),
            [
                [
                    c["id"],
                    c["code"],
                    c["title"],
                    c["course_type"],
                    c["duration_days"],
                    c["language"],
                    c["pass_mark"],
                    _ids(c["item_type_ids"]),
                    _ids(c["prerequisite_ids"]),
                ]
                for c in items
            ],
        )


@app.command("events")
def events_command(
    course: int | None = typer.Option(None, "--course-id", help="Only events of this course id."),
    host: int | None = typer.Option(None, "--host-id", help="Only events offered by this nation."),
    start: str | None = typer.Option(None, "--from", help="Starting on or after, YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--to", help="Starting on or before, YYYY-MM-DD."),
    as_json: bool = JsonOpt,
) -> None:
    """Training events: course, host nation, dates, seats, funding and status."""
    from nsatu.training import schemas as s
    from nsatu.training.service import TRAINING_EVENTS

    f = s.TrainingEventFilter(
        course_id=course,
        host_nation_id=host,
        starts_from=_day(start, "--from", as_json),
        starts_to=_day(end, "--to", as_json),
        size=_SIZE,
        sort="starts_on",
    )
    items = _list(TRAINING_EVENTS, f, as_json)
    if not as_json:
        print_table(
            f"Training events ({len(items)})",
            ("id", "course", "host", "starts", "ends", "seats", "funding", "status"),
            [
                [
                    e["id"],
                    e["course_id"],
                    e["host_nation_id"],
                    e["starts_on"],
                    e["ends_on"],
                    e["seats_offered"],
                    e["funding"],
                    e["status"],
                ]
                for e in items
            ],
        )


@app.command("requests")
def requests_command(
    course: int | None = typer.Option(None, "--course-id", help="Only requests for this course."),
    event: int | None = typer.Option(None, "--event-id", help="Only requests on this event."),
    as_json: bool = JsonOpt,
) -> None:
    """Seat requests: unit, cohort, course or area, window, weight, event assigned, status."""
    from nsatu.training import schemas as s
    from nsatu.training.service import SEAT_REQUESTS

    f = s.SeatRequestFilter(course_id=course, training_event_id=event, size=_SIZE)
    items = _list(SEAT_REQUESTS, f, as_json)
    if not as_json:
        print_table(
            f"Seat requests ({len(items)})",
            ("id", "unit", "seats", "course", "area", "from", "by", "weight", "event", "status"),
            [
                [
                    r["id"],
                    r["recipient_unit"],
                    r["seats"],
                    r["course_id"],
                    r["capability_area_id"],
                    r["earliest_start_on"],
                    r["latest_finish_on"],
                    r["weight"],
                    r["training_event_id"],
                    r["status"],
                ]
                for r in items
            ],
        )
