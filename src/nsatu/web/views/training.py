"""Training pages: the calendar of events across host nations with the training statistics
(``/training``; its filters answer an HTMX request with the calendar only), a course's and an
event's details with their seat fill (``/training/courses/{id}``, ``/training/events/{id}``), and
the readiness board per capability area (``/training/readiness``; a count opens the packages it is
made of with their records and dates, answered to HTMX as that list only), and the seat plan
(``/training/plan``: coordinators and auditors run it, coordinators may store it; anyone else gets
the ordinary 404 page).

Everything is read through :mod:`nsatu.training.schedule`, :mod:`nsatu.training.readiness`,
:mod:`nsatu.training.seat_plan` and the ``training`` report, in the caller's scope: courses and
events are visible to all, seat requests and participants only to those who may see them (an
event's page shows the others' seats offered, and nobody on them).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from nsatu.core.access import Actor, may_run_planner, plan_run_visible
from nsatu.core.planner.solve import SolveOptions
from nsatu.core.training_plan.solve import DEFAULT_OPTIONS
from nsatu.errors import InvalidInput, NotFound, PermissionDenied
from nsatu.reporting import registry
from nsatu.shared.schemas import MAX_ID
from nsatu.training import readiness as readiness_service
from nsatu.training import schedule, seat_plan
from nsatu.web.auth import CurrentActor
from nsatu.web.deps import DbSession, PathId
from nsatu.web.views.forms import PostedForm
from nsatu.web.views.rendering import is_htmx, render, render_page_or_partial

router = APIRouter(prefix="/training", tags=["pages"], include_in_schema=False)

#: The query parameters of the calendar's filters.
FILTERS = ("area", "host", "month")
#: The statistics on the calendar page cover this many months up to the current one.
STATS_MONTHS = 12


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _id_param(params: dict[str, str], name: str) -> int | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_ID:
        raise InvalidInput(f"{name}: a record id, not {raw!r}", field=name)
    return int(raw)


def _months_before(day: dt.date, months: int) -> str:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return f"{y:04d}-{m + 1:02d}"


def _statistics(session: Session, actor: Actor, today: dt.date) -> dict[str, Any]:
    """The training statistics of the last months: the chart's data and the totals."""
    params = {"from": _months_before(today, STATS_MONTHS - 1), "to": today.isoformat()[:7]}
    report = registry.get("training").build(session, actor, params)
    months = list(report.extra.get("months", []))
    trained = {
        (r["month"], r["host_nation"]): r["trained"]
        for r in report.extra.get("trained_by_host_nation", [])
    }
    hosts = sorted({h for _, h in trained})
    chart = {
        "labels": [m["month"] for m in months],
        "datasets": [
            {"label": h, "data": [trained.get((m["month"], h), 0) for m in months]} for h in hosts
        ],
    }
    return {"report": report, "months": months, "chart": chart, "params": params}


@router.get("", name="training_calendar")
def calendar_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    params = {k: v for k, v in request.query_params.items() if k in FILTERS and v}
    area, host = _id_param(params, "area"), _id_param(params, "host")
    today = _today()
    month = params.get("month")
    start, end = schedule.span_of_month(month) if month else schedule.default_span(today)
    cal = schedule.calendar(
        session, start=start, end=end, capability_area_id=area, host_nation_id=host
    )
    width = cal.days

    def bar(first: dt.date, last: dt.date) -> dict[str, float]:
        lo = max((first - cal.start).days, 0)
        hi = min((last - cal.start).days + 1, width)
        return {"left": 100 * lo / width, "width": 100 * max(hi - lo, 0) / width}

    context: dict[str, Any] = {
        "cal": cal,
        "bar": bar,
        "params": params,
        "today": today,
        "prev_month": _months_before(start, 1),
        "next_month": _months_before(start, -1),
        "choices": schedule.filter_choices(session),
        "may_plan": plan_run_visible(actor),
    }
    if not is_htmx(request):
        context["stats"] = _statistics(session, actor, today)
    return render_page_or_partial(
        request, "training/calendar.html", "training/_calendar.html", context
    )


@router.get("/courses/{id}", name="training_course")
def course_page(request: Request, session: DbSession, id: PathId) -> Response:
    return render(request, "training/course.html", {"c": schedule.course_detail(session, id)})


@router.get("/events/{id}", name="training_event")
def event_page(request: Request, session: DbSession, id: PathId) -> Response:
    return render(request, "training/event.html", {"d": schedule.event_detail(session, id)})


#: The counts of the readiness board a caller may open.
SHOWN = ("ready", "waiting_for_equipment", "waiting_for_training")
AREA_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


@router.get("/readiness", name="training_readiness")
def readiness_page(request: Request, session: DbSession) -> Response:
    params = {k: v for k, v in request.query_params.items() if k in ("area", "show") and v}
    show, area = params.get("show"), params.get("area")
    if show is not None and show not in SHOWN:
        raise InvalidInput(f"show: one of {', '.join(SHOWN)}, not {show!r}", field="show")
    if area is not None and not AREA_CODE.fullmatch(area):
        raise InvalidInput(f"area: a capability area's code, not {area!r}", field="area")
    r = readiness_service.readiness(session, area=area, today=_today())
    # The packages behind the count opened (a package waiting for both is under both waits).
    ids = {ref.package_id for a in r.areas for ref in getattr(a, show)} if show else set()
    shown = [p for p in r.packages if p.package_id in ids]
    labels = schedule.record_labels(
        session,
        need_ids=[i for p in r.packages for i in p.need_ids],
        consignment_ids=[i for p in r.packages for i in p.consignment_ids],
        event_ids=[i for p in r.packages for i in p.event_ids]
        + [i.training_event_id for i in r.invalidated],
        seat_request_ids=[i for p in r.packages for i in p.seat_request_ids],
    )
    context = {
        "r": r,
        "params": params,
        "show": show,
        "shown": shown,
        "labels": labels,
        "areas": schedule.filter_choices(session)["area_codes"],
    }
    return render_page_or_partial(
        request, "training/readiness.html", "training/_readiness_drill.html", context
    )


#: The seat plan's solver time limit: default and bounds (seconds).
PLAN_TIME_LIMIT = (30, 1, 120)


def _require_planner_reader(actor: Actor) -> None:
    # The plan reads every open seat request and event, as plan runs read every need and offer.
    if not plan_run_visible(actor):
        raise NotFound("page not found")


def _plan_context(actor: Actor, values: dict[str, str]) -> dict[str, Any]:
    return {
        "values": values,
        "errors": {},
        "result": None,
        "may_apply": may_run_planner(actor),
        "limits": PLAN_TIME_LIMIT,
    }


@router.get("/plan", name="training_plan")
def plan_page(request: Request, actor: CurrentActor) -> Response:
    _require_planner_reader(actor)
    values = {"time_limit_s": str(PLAN_TIME_LIMIT[0]), "apply": ""}
    return render(request, "training/plan.html", _plan_context(actor, values))


@router.post("/plan", name="training_plan_run")
def plan_run(
    request: Request, session: DbSession, actor: CurrentActor, form: PostedForm
) -> Response:
    _require_planner_reader(actor)
    values = {k: str(form.get(k) or "") for k in ("time_limit_s", "apply")}
    context = _plan_context(actor, values)
    default, low, high = PLAN_TIME_LIMIT
    raw = values["time_limit_s"].strip() or str(default)
    if not raw.isdigit() or not low <= int(raw) <= high:
        context["errors"] = {"time_limit_s": f"whole seconds from {low} to {high}"}
        return render(request, "training/plan.html", context, status=422)
    apply = values["apply"] == "true"
    if apply and not may_run_planner(actor):
        raise PermissionDenied("only coordinators store a seat plan")
    options = SolveOptions(time_limit_s=float(raw), mip_rel_gap=DEFAULT_OPTIONS.mip_rel_gap)
    result = seat_plan.plan_seats(session, today=_today(), options=options, apply=apply)
    plan = result.to_json()
    labels = schedule.record_labels(
        session,
        seat_request_ids=[a["request"] for a in plan["assignments"]]
        + [u["request"] for u in plan["unmet_requests"]],
        course_ids=[a["course"] for a in plan["assignments"]],
    )
    context |= {"result": plan, "labels": labels}
    return render(request, "training/plan.html", context)
