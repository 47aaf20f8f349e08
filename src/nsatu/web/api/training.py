"""Training figures over HTTP, scoped like every read: the readiness per capability area, an
event's seat fill, the training statistics, and runs of the seat plan (coordinators and auditors;
only coordinators store one). Courses, events, seat requests and participants themselves are the
generic record routes (``/api/courses`` …)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from nsatu.core.access import may_run_planner, plan_run_visible
from nsatu.core.planner.solve import SolveOptions
from nsatu.core.training_plan.solve import DEFAULT_OPTIONS
from nsatu.errors import NotFound, PermissionDenied
from nsatu.reporting import registry
from nsatu.reporting.training_schemas import StatisticsRead
from nsatu.training import readiness, schedule, seat_plan
from nsatu.training.board_schemas import ReadinessRead, SeatFillRead, SeatPlanRead, SeatPlanRun
from nsatu.web.auth import CurrentActor
from nsatu.web.deps import DbSession, PathId

router = APIRouter(prefix="/training", tags=["training"])

#: A capability area's code (or id), and a month.
AREA_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
MONTH = r"^[0-9]{4}-[0-9]{2}$"


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@router.get(
    "/readiness",
    response_model=ReadinessRead,
    summary="Readiness per capability area: packages ready, waiting for equipment and waiting "
    "for training, each with the ids of its records; equipment without crews and crews without "
    "equipment, with the dates",
)
def get_readiness(
    session: DbSession,
    area: Annotated[
        str | None,
        Query(pattern=AREA_PATTERN, max_length=64, description="a capability area's code (or id)"),
    ] = None,
    on: Annotated[dt.date | None, Query(description="the day (ISO 8601); default: today")] = None,
) -> Any:
    key: str | int | None = int(area) if area is not None and area.isdigit() else area
    return readiness.as_dict(readiness.readiness(session, area=key, today=on or today()))


@router.get(
    "/events/{id}/seat-fill",
    response_model=SeatFillRead,
    summary="An event's seats offered, assigned, attended and completed, and its participants "
    "by status (those the caller may see)",
)
def get_seat_fill(session: DbSession, id: PathId) -> Any:
    detail = schedule.event_detail(session, id)
    return SeatFillRead.of(id, detail.row.fill)


@router.get(
    "/statistics",
    response_model=StatisticsRead,
    summary="People trained per month by host nation and course type; fill, no-show and failure "
    "rates (the training report)",
)
def get_statistics(
    session: DbSession,
    actor: CurrentActor,
    start: Annotated[
        str | None, Query(alias="from", pattern=MONTH, description="first month, YYYY-MM")
    ] = None,
    end: Annotated[
        str | None, Query(alias="to", pattern=MONTH, description="last month, YYYY-MM")
    ] = None,
    host_nation: Annotated[
        str | None, Query(pattern=r"^[A-Za-z0-9]{3}$", description="the host nation's code")
    ] = None,
    course_type: Annotated[
        str | None,
        Query(pattern=r"^[a-z_]{1,16}$", description="individual, collective or specialised"),
    ] = None,
) -> Any:
    params = {"from": start, "to": end, "host_nation": host_nation, "course_type": course_type}
    report = registry.get("training").build(session, actor, params)
    return StatisticsRead.of(report)


@router.post(
    "/seat-plan",
    response_model=SeatPlanRead,
    summary="Run the seat plan: the open seat requests on the bookable events, against the "
    "first-come-first-served baseline, with every unmet request's reasons; stored only with "
    "apply (coordinators). Coordinators and auditors only (others: 404)",
)
def run_seat_plan(session: DbSession, actor: CurrentActor, body: SeatPlanRun) -> Any:
    if not plan_run_visible(actor):  # it reads every open request and event, like a plan run
        raise NotFound("not found")
    if body.apply and not may_run_planner(actor):
        raise PermissionDenied("only coordinators store a seat plan")
    options = SolveOptions(
        time_limit_s=float(body.time_limit_s), mip_rel_gap=DEFAULT_OPTIONS.mip_rel_gap
    )
    result = seat_plan.plan_seats(session, today=today(), options=options, apply=body.apply)
    return result.to_json()
