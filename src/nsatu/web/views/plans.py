"""Planning: the list of plan runs with the form that starts one (polled until it finishes), and a
run's summary (figures, value against the greedy baseline, coverage by priority, unmet needs and
why, hub and leg loads against capacity, and the proposals to accept or reject).

Only coordinators and auditors see these pages; anyone else gets the ordinary 404 page, as from
the API. Only coordinators start runs and decide (an auditor's post is refused on the page).
Everything goes through :mod:`nsatu.planning.runs`, so the rules, the audit and the scoping apply.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from nsatu.core.access import Actor, may_run_planner
from nsatu.core.lifecycles import PlanRunStatus
from nsatu.db.models import Allocation, PlanRun
from nsatu.db.repository import Page
from nsatu.errors import InvalidInput
from nsatu.planning import run_summary
from nsatu.planning import runs as run_service
from nsatu.planning.schemas import PlanRunCreate, PlanRunFilter
from nsatu.web.auth import CurrentActor
from nsatu.web.deps import DbSession
from nsatu.web.jobs import runner_of
from nsatu.web.views.forms import (
    Failure,
    PostedForm,
    RowId,
    parse,
    parse_filter,
    raw_values,
    submit,
)
from nsatu.web.views.rendering import is_htmx, render, render_page_or_partial

router = APIRouter(prefix="/plans", tags=["pages"], include_in_schema=False)

PAGE_SIZE = 25
FILTER_FIELDS = ("status", "page", "size")
START_FIELDS = ("horizon_days", "start_on", "time_limit_s")
START_DEFAULTS = {"horizon_days": "60", "time_limit_s": "60"}
#: The buttons of the proposals form: (action, scope).
DECISIONS: dict[str, tuple[Literal["accept", "reject"], bool]] = {
    "accept-selected": ("accept", True),
    "reject-selected": ("reject", True),
    "accept-all": ("accept", False),
    "reject-all": ("reject", False),
}
FINAL = frozenset({PlanRunStatus.FINISHED, PlanRunStatus.FAILED})


def _list_context(
    session: Session, actor: Actor, params: dict[str, str], start: dict[str, Any] | None = None
) -> dict[str, Any]:
    f, errors = parse_filter(PlanRunFilter, params, size=PAGE_SIZE)
    page: Page[PlanRun] | None = run_service.list_runs(session, f, actor=actor) if f else None
    return {
        "page": page,
        "params": params,
        "errors": errors,
        "statuses": [str(s) for s in PlanRunStatus],
        "may_plan": may_run_planner(actor),
        "value_vs_greedy": run_summary.value_vs_greedy,
        "start": start or {"values": START_DEFAULTS, "errors": {}, "failure": None, "run": None},
        "final": FINAL,
    }


@router.get("", name="plans_list")
def plans_list(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    run_service.require_reader(actor)
    context = _list_context(session, actor, raw_values(request.query_params, FILTER_FIELDS))
    return render_page_or_partial(
        request,
        "plans/list.html",
        "plans/_table.html",
        context,
        status=422 if context["errors"] else 200,
    )


def _submit_job(request: Request, run_id: int) -> None:
    factory = request.app.state.session_factory
    runner_of(request.app).submit(
        f"plan-run-{run_id}", lambda: run_service.execute_run(factory, run_id)
    )


@router.post("", name="plans_start")
def plans_start(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    form: PostedForm,
    tasks: BackgroundTasks,
) -> Response:
    run_service.require_reader(actor)
    values = raw_values(form, START_FIELDS)
    result = submit(
        session, lambda: run_service.start_run(session, actor, parse(PlanRunCreate, values))
    )
    if isinstance(result, PlanRun):
        # Background tasks run after the response, so after the commit: the job finds the run.
        tasks.add_task(_submit_job, request, result.id)
        if not is_htmx(request):
            return RedirectResponse(f"/plans/{result.id}", status_code=303)
    failure = result if isinstance(result, Failure) else None
    start = {
        "values": values,
        "errors": failure.errors if failure else {},
        "failure": failure,
        "run": result if isinstance(result, PlanRun) else None,
    }
    context = _list_context(session, actor, {}, start)
    status = failure.status if failure else 200
    if not is_htmx(request):
        return render(request, "plans/list.html", context, status=status)
    response = render(request, "plans/_start.html", context, status=status)
    if failure is None:
        response.headers["HX-Trigger"] = "plan-run-started"
    return response


@router.get("/{id}/progress", name="plans_progress")
def plans_progress(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    id: RowId,
    reload: Annotated[bool, Query()] = False,
) -> Response:
    """The run's phase and progress bar, polled every second until it is finished or failed;
    then it says so and stops (``reload``: the page reloads to show the summary)."""
    run = run_service.get_run(session, id, actor=actor)
    response = render(
        request, "plans/_progress.html", {"run": run, "reload": reload, "final": FINAL}
    )
    if run.status in FINAL:
        response.headers["HX-Trigger"] = "plan-run-finished"
        if reload:
            response.headers["HX-Refresh"] = "true"
    return response


def _detail_context(session: Session, actor: Actor, run: PlanRun) -> dict[str, Any]:
    summary = run_summary.summarise(session, run)
    return {
        "run": run,
        "summary": summary,
        "charts": summary.charts(),
        "counts": run_service.allocation_counts(session, run.id),
        "may_plan": may_run_planner(actor),
        "final": FINAL,
        "decided": None,
        "failure": None,
    }


@router.get("/{id}", name="plans_detail")
def plans_detail(request: Request, session: DbSession, actor: CurrentActor, id: RowId) -> Response:
    run = run_service.get_run(session, id, actor=actor)
    return render(request, "plans/detail.html", _detail_context(session, actor, run))


@router.post("/{id}/decide", name="plans_decide")
def plans_decide(
    request: Request, session: DbSession, actor: CurrentActor, id: RowId, form: PostedForm
) -> Response:
    """Accept or reject the ticked proposals, or all those still proposed (the pressed button
    says which), through :func:`runs.decide`; the outcome is shown above the proposals."""
    run_service.require_reader(actor)
    choice = DECISIONS.get(str(form.get("decision", "")))
    ticked = [v for v in form.getlist("allocation_ids") if isinstance(v, str)]

    def decide() -> list[Allocation]:
        if choice is None:
            raise InvalidInput("decision: press one of the buttons", field="decision")
        action, selected = choice
        ids = run_summary.selected_ids(ticked) if selected else None
        return run_service.decide(session, actor, id, action, ids)

    result = submit(session, decide)
    run = run_service.get_run(session, id, actor=actor)
    context = _detail_context(session, actor, run)
    if isinstance(result, Failure):
        context["failure"] = result
        status = result.status
    else:
        context["decided"] = {"action": choice[0] if choice else "", "allocations": result}
        status = 200
    return render_page_or_partial(
        request, "plans/detail.html", "plans/_proposals.html", context, status=status
    )
