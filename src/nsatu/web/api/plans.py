"""Plan runs: start one (coordinators; 202, solved in the background), follow it, read its plan,
and accept or reject its proposed allocations. Auditors read; anyone else gets 404, as for a route
that does not exist (a run's snapshot holds every open need and offer line)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request

from nsatu.planning import runs as run_service
from nsatu.planning.schemas import (
    AllocationRead,
    PlanRunCreate,
    PlanRunDecision,
    PlanRunDecisionResult,
    PlanRunDetail,
    PlanRunFilter,
    PlanRunRead,
)
from nsatu.shared.schemas import Page
from nsatu.web.auth import CurrentActor
from nsatu.web.crud_routes import page_of
from nsatu.web.deps import DbSession, PathId
from nsatu.web.jobs import runner_of

router = APIRouter(prefix="/plan-runs", tags=["planning"])


def _submit(request: Request, run_id: int) -> None:
    factory = request.app.state.session_factory
    runner_of(request.app).submit(
        f"plan-run-{run_id}", lambda: run_service.execute_run(factory, run_id)
    )


@router.post(
    "",
    response_model=PlanRunRead,
    status_code=202,
    summary="Snapshot the problem and queue a plan run (coordinators)",
)
def start_run(
    session: DbSession,
    actor: CurrentActor,
    data: PlanRunCreate,
    request: Request,
    tasks: BackgroundTasks,
) -> Any:
    run = run_service.start_run(session, actor, data)
    # Background tasks run after the response, so after the commit: the job finds the run.
    tasks.add_task(_submit, request, run.id)
    return PlanRunRead.model_validate(run)


@router.get("", response_model=Page[PlanRunRead], summary="List plan runs, newest first")
def list_runs(session: DbSession, f: Annotated[PlanRunFilter, Query()]) -> Any:
    return page_of(PlanRunRead, run_service.list_runs(session, f))


@router.get("/{id}", response_model=PlanRunDetail, summary="A plan run: status, progress, figures")
def read_run(session: DbSession, id: PathId) -> Any:
    return run_service.run_detail(session, id)


@router.get("/{id}/plan", summary="The run's plan (an nsatu-plan/1 document)")
def read_plan(session: DbSession, id: PathId) -> dict[str, Any]:
    return run_service.plan_document(session, id)


def _decide(
    session: DbSession,
    actor: CurrentActor,
    id: int,
    action: Literal["accept", "reject"],
    body: PlanRunDecision | None,
) -> PlanRunDecisionResult:
    ids = body.allocation_ids if body is not None else None
    decided = run_service.decide(session, actor, id, action, ids)
    return PlanRunDecisionResult(
        plan_run_id=id,
        action=action,
        allocations=[AllocationRead.model_validate(a) for a in decided],
    )


@router.post(
    "/{id}/accept",
    response_model=PlanRunDecisionResult,
    summary="Accept the run's proposals: the listed allocations, or every one still proposed",
)
def accept(
    session: DbSession, actor: CurrentActor, id: PathId, body: PlanRunDecision | None = None
) -> Any:
    return _decide(session, actor, id, "accept", body)


@router.post(
    "/{id}/reject",
    response_model=PlanRunDecisionResult,
    summary="Reject the run's proposals: the listed allocations, or every one still proposed",
)
def reject(
    session: DbSession, actor: CurrentActor, id: PathId, body: PlanRunDecision | None = None
) -> Any:
    return _decide(session, actor, id, "reject", body)
