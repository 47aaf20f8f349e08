"""Plan runs: snapshot the problem, solve it outside any write transaction, store the result once
and propose allocations; then accept or reject the proposals through the allocation lifecycle.

1. :func:`start_run` (in the caller's unit of work): builds the problem and stores it with its
   digest and index as a ``queued`` run. Nothing is solved yet.
2. :func:`execute_run` (a job, or the CLI after the first commit): claims the run (``start``, in a
   short transaction of its own; a run claimed twice is a 409), solves the *stored* problem with
   no transaction open, reporting progress in short separate transactions, then, in one
   transaction, finishes the run and creates one ``proposed`` allocation per (offer line, need)
   pair, summing the plan's shipments. Proposals go through the allocation service, so its checks
   (what an offer has left, the substitution family, open needs), the audit and the scoping
   apply. If the data moved since the snapshot and a proposal no longer fits, nothing is stored
   and the run fails, saying why: start a new run. The greedy baseline is solved from the same
   stored problem (``greedy_objective``), so a run's value can be shown against it.
3. :func:`decide` accepts or rejects the proposals, all or the chosen ones, each through the
   ``ALLOCATION`` lifecycle.

A finished or failed run never changes (``PlanRunImmutable``, 409). Only coordinators and auditors
see runs (anyone else: 404, as for a route that does not exist); only coordinators start runs and
decide on proposals (an auditor: 403).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
import traceback
from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import Decimal
from importlib import metadata
from typing import TYPE_CHECKING, Any, Literal, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Actor, Channel, may_run_planner, plan_run_visible, system_actor
from nsatu.core.enums import AllocationSource
from nsatu.core.lifecycles import PLAN_RUN, AllocationStatus, PlanRunStatus
from nsatu.core.planner.plan import Plan
from nsatu.core.planner.problem import Problem, Values, parse_problem, problem_to_json
from nsatu.db import crud
from nsatu.db.actor import actor_of, set_actor
from nsatu.db.base import utcnow
from nsatu.db.models import Allocation, PlanRun
from nsatu.db.repository import Page
from nsatu.db.session import transaction
from nsatu.errors import Conflict, InvalidInput, PermissionDenied
from nsatu.planning import errors
from nsatu.planning import schemas as s
from nsatu.planning.problem_export import ProblemIndex, build_problem, counts
from nsatu.planning.service import ALLOCATIONS

if TYPE_CHECKING:
    from nsatu.core.planner.solve import SolveOptions

log = logging.getLogger(__name__)

SOLVER_NAME = "HiGHS"
#: Progress is written at most this often (seconds), and whenever the phase changes.
PROGRESS_INTERVAL_S = 0.5

Progress = Callable[[str, float], None]


class Solver(Protocol):
    """The contract of :func:`nsatu.core.planner.solve.solve`."""

    def __call__(
        self,
        problem: Problem,
        options: SolveOptions | None = None,
        *,
        progress: Progress | None = None,
    ) -> Plan: ...


RESOURCE = crud.Resource(
    model=PlanRun,
    label="plan run",
    not_found=errors.PlanRunNotFound,
    sortable={"id": PlanRun.id, "created_at": PlanRun.created_at, "status": PlanRun.status},
    lifecycle=PLAN_RUN,
)


# --- access ------------------------------------------------------------------------------------


def require_reader(actor: Actor | None) -> None:
    """404 for anyone who may not see runs (as if they did not exist). ``None``: in-process."""
    if actor is not None and not plan_run_visible(actor):
        raise errors.PlanRunNotFound("Not Found")


def require_planner(actor: Actor | None) -> None:
    """404 for those who may not see runs, 403 for those who see but may not run the planner."""
    require_reader(actor)
    if actor is not None and not may_run_planner(actor):
        raise PermissionDenied(f"only coordinators run the planner; you are an {actor.role.label}")


def _actor(session: Session, actor: Actor | None) -> Actor | None:
    return actor if actor is not None else actor_of(session)


# --- reading ----------------------------------------------------------------------------------


def get_run(session: Session, run_id: int, *, actor: Actor | None = None) -> PlanRun:
    require_reader(_actor(session, actor))
    return crud.get(session, RESOURCE, run_id)


def list_runs(session: Session, f: s.PlanRunFilter, *, actor: Actor | None = None) -> Page[PlanRun]:
    require_reader(_actor(session, actor))
    where = [] if f.status is None else [PlanRun.status == f.status]
    return crud.list_page(
        session, RESOURCE, where=where, sort=f.sort or "-id", page=f.page, size=f.size
    )


def allocation_counts(session: Session, run_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Allocation.status, func.count())
        .where(Allocation.plan_run_id == run_id)
        .group_by(Allocation.status)
    )
    found = {str(status): int(n) for status, n in rows}
    return {str(status): found.get(str(status), 0) for status in AllocationStatus}


def run_detail(session: Session, run_id: int, *, actor: Actor | None = None) -> s.PlanRunDetail:
    run = get_run(session, run_id, actor=actor)
    detail = s.PlanRunDetail.model_validate(run)
    detail.allocations = allocation_counts(session, run.id)
    return detail


def plan_document(session: Session, run_id: int, *, actor: Actor | None = None) -> dict[str, Any]:
    """The run's ``nsatu-plan/1`` document (409 while it has none)."""
    run = get_run(session, run_id, actor=actor)
    if run.plan is None:
        raise errors.PlanRunNotFinished(f"plan run {run.id} is {run.status}; it has no plan")
    return run.plan


# --- start --------------------------------------------------------------------------------------


def values_of(params: s.PlanRunCreate) -> Values:
    return Values(
        late_factor=params.late_factor,
        substitute_factor=params.substitute_factor,
        cost_weight=params.cost_weight,
        policy=params.policy,
    )


def snapshot(
    session: Session, params: s.PlanRunCreate, *, today: dt.date | None = None
) -> tuple[Problem, ProblemIndex]:
    """The problem ``params`` describe, as the session's actor sees the data."""
    start = params.start_on or today or dt.datetime.now(dt.UTC).date()
    return build_problem(
        session, start_date=start, horizon_days=params.horizon_days, values=values_of(params)
    )


def start_run(session: Session, actor: Actor | None, params: s.PlanRunCreate) -> PlanRun:
    """Snapshot the problem and queue a run of it (flushed; the caller commits, then submits
    :func:`execute_run` as a job).

    Raises:
        PlanRunNotFound: the actor may not see plan runs (404).
        PermissionDenied: the actor sees runs but may not start one (403).
    """
    actor = _actor(session, actor)
    require_planner(actor)
    problem, index = snapshot(session, params)
    parameters = params.model_dump(mode="json") | {"start_on": problem.start_date.isoformat()}
    values = {
        "status": PlanRunStatus.QUEUED,
        "start_on": problem.start_date,
        "horizon_days": problem.horizon_days,
        "input_digest": problem.digest(),
        "parameters": parameters,
        "problem": problem_to_json(problem),
        "problem_index": index.to_json(),
        "snapshot": counts(problem, index),
        "progress": 0.0,
        "phase": "queued",
        "created_by": actor.username if actor is not None else "system",
        "created_by_user_id": actor.user_id if actor is not None else None,
    }
    return crud.create(session, RESOURCE, values)


# --- execute -------------------------------------------------------------------------------------


def job_actor(run_id: int) -> Actor:
    """Who the audit trail names for a run's job: the planner itself, for that run."""
    return system_actor(f"planner:run-{run_id}", Channel.SYSTEM)


def _default_solver() -> Solver:
    from nsatu.core.planner.solve import solve  # HiGHS loads only when solving

    return solve


def _options(parameters: dict[str, Any]) -> SolveOptions:
    from nsatu.core.planner.solve import SolveOptions

    return SolveOptions(
        time_limit_s=float(parameters.get("time_limit_s", 60.0)),
        mip_rel_gap=float(parameters.get("mip_rel_gap", 1e-3)),
    )


def solver_version() -> str | None:
    try:
        return metadata.version("highspy")
    except metadata.PackageNotFoundError:
        return None


class _ProgressWriter:
    """Writes a running run's phase and progress in short transactions of their own, at most
    every :data:`PROGRESS_INTERVAL_S` (and on every change of phase). A failed write is logged and
    dropped: progress is a courtesy, and must never stop a solve."""

    def __init__(
        self, factory: sessionmaker[Session], run_id: int, echo: Progress | None = None
    ) -> None:
        self.factory, self.run_id, self.echo = factory, run_id, echo
        self.phase: str | None = None
        self.last = 0.0

    def __call__(self, phase: str, fraction: float) -> None:
        if self.echo is not None:
            self.echo(phase, fraction)
        now = time.monotonic()
        if phase == self.phase and now - self.last < PROGRESS_INTERVAL_S:
            return
        self.phase, self.last = phase, now
        fraction = min(1.0, max(0.0, float(fraction)))
        try:
            with transaction(self.factory) as session:
                set_actor(session, job_actor(self.run_id))
                session.execute(
                    update(PlanRun)
                    .where(PlanRun.id == self.run_id, PlanRun.status == PlanRunStatus.RUNNING)
                    .values(phase=phase[:60], progress=fraction)
                )
        except Exception:  # see the class docstring
            log.warning("plan run %s: progress not recorded", self.run_id, exc_info=True)


def execute_run(
    session_factory: sessionmaker[Session],
    run_id: int,
    *,
    solver: Solver | None = None,
    on_progress: Progress | None = None,
) -> PlanRun:
    """Solve a queued run and store its result (each step commits on its own; see the module).

    Parameters:
        session_factory: where the run lives; the job opens its own transactions.
        run_id: a ``queued`` run.
        solver: the solve function (default :func:`nsatu.core.planner.solve.solve`).
        on_progress: also told every progress report (the CLI shows them).

    Returns:
        The run as stored: ``finished`` or ``failed``.

    Raises:
        PlanRunNotFound: no such run.
        IllegalTransitionError: the run is not queued (already claimed or done): 409.
    """
    with transaction(session_factory) as session:
        set_actor(session, job_actor(run_id))
        run = crud.act(session, RESOURCE, run_id, "start", effect=_mark_started)
        document, parameters = run.problem, dict(run.parameters)
        index = ProblemIndex.from_json(run.problem_index)

    started = time.perf_counter()
    progress = _ProgressWriter(session_factory, run_id, on_progress)
    try:
        problem = parse_problem(document)
        plan = (solver or _default_solver())(problem, _options(parameters), progress=progress)
    except Exception as exc:  # any failure of the solve is the run's outcome
        log.exception("plan run %s failed", run_id)
        detail = "".join(traceback.format_exception_only(exc)).strip()
        return _fail(session_factory, run_id, f"the solve failed: {detail}", started)
    baseline = greedy_objective(problem)
    if plan.status == "error":
        return _fail(
            session_factory, run_id, "the solver reported an error", started, plan, baseline
        )
    try:
        with transaction(session_factory) as session:
            set_actor(session, job_actor(run_id))
            return _finish(session, run_id, plan, baseline, index, time.perf_counter() - started)
    except errors.StaleSnapshot as exc:
        return _fail(session_factory, run_id, exc.detail, started, plan, baseline)


def greedy_objective(problem: Problem) -> float | None:
    """The objective of the priority-order greedy plan of ``problem``
    (:func:`nsatu.core.planner.greedy.greedy`), the baseline a run's value is shown against.

    It is cheap (one pass in priority order) and solved from the same stored problem as the run,
    so the two figures compare like with like. ``None`` if the baseline fails: a missing
    comparison must never fail the run (the failure is logged).
    """
    from nsatu.core.planner.greedy import greedy  # numpy loads only when solving

    try:
        value = greedy(problem).objective
    except Exception:  # see the docstring
        log.warning("the greedy baseline failed", exc_info=True)
        return None
    return value if math.isfinite(value) else None


def _mark_started(run: PlanRun, _action: str) -> None:
    run.started_at = utcnow()
    run.phase, run.progress = "starting", 0.0


def _fail(
    factory: sessionmaker[Session],
    run_id: int,
    message: str,
    started: float,
    plan: Plan | None = None,
    baseline: float | None = None,
) -> PlanRun:
    runtime = time.perf_counter() - started

    def effect(run: PlanRun, _action: str) -> None:
        run.error = message
        run.finished_at = utcnow()
        run.runtime_s = round(runtime, 3)
        run.phase = "failed"
        if plan is not None:
            _record_plan(run, plan, baseline)

    with transaction(factory) as session:
        set_actor(session, job_actor(run_id))
        return crud.act(session, RESOURCE, run_id, "fail", effect=effect)


# A run is worked on by a job of the process that started it; when that process stops (a restart,
# a crash) the run would stay queued or running for ever. Its job writes progress while it runs,
# but not while HiGHS is inside one solve, which may last the run's whole time limit: a run
# untouched for longer than its time limit plus this grace has no live job.
INTERRUPTED_GRACE_S = 120.0
INTERRUPTED = (
    "interrupted: the process running this plan stopped before it finished (a restart?); "
    "start a new run"
)


def reap_interrupted(
    factory: sessionmaker[Session], *, now: dt.datetime | None = None
) -> list[int]:
    """Fail the queued or running runs that no live job can still be working on (see
    :data:`INTERRUPTED_GRACE_S`); returns their ids. The web app calls this as it starts, and
    ``nsatu plan reap`` on demand."""
    now = now or utcnow()
    with transaction(factory) as session:
        rows = session.execute(
            select(PlanRun.id, PlanRun.parameters, PlanRun.updated_at).where(
                PlanRun.status.in_([PlanRunStatus.QUEUED, PlanRunStatus.RUNNING])
            )
        ).all()
    stale = [
        run_id
        for run_id, parameters, updated_at in rows
        if (now - updated_at).total_seconds()
        > float((parameters or {}).get("time_limit_s", 60.0)) + INTERRUPTED_GRACE_S
    ]
    reaped: list[int] = []
    for run_id in stale:
        try:
            _fail(factory, run_id, INTERRUPTED, time.perf_counter())
        except Conflict:  # finished or failed meanwhile: not interrupted after all
            continue
        reaped.append(run_id)
    return reaped


def _record_plan(run: PlanRun, plan: Plan, baseline: float | None) -> None:
    run.solver, run.solver_version = SOLVER_NAME, solver_version()
    run.plan = plan.to_json()
    run.plan_status = plan.status
    run.objective, run.bound, run.gap = plan.objective, plan.bound, plan.gap
    run.greedy_objective = baseline
    run.shipment_count = len(plan.shipments)
    run.unmet_count = len(plan.unmet)


def proposals(plan: Plan, index: ProblemIndex) -> list[tuple[int, int, int]]:
    """``(offer line id, requirement id, quantity)`` per pair the plan ships, the shipments of a
    pair summed, ordered by (offer line, requirement).

    Raises:
        StaleSnapshot: the plan names an offer or need the snapshot does not hold.
    """
    total: dict[tuple[int, int], int] = defaultdict(int)
    for shipment in plan.shipments:
        offer = index.offers.get(str(shipment.offer))
        need = index.needs.get(str(shipment.need))
        if offer is None or need is None:
            raise errors.StaleSnapshot(
                f"the plan ships offer {shipment.offer!r} to need {shipment.need!r}, "
                "which the run's snapshot does not hold"
            )
        total[(offer, need)] += shipment.quantity
    return [(o, n, q) for (o, n), q in sorted(total.items()) if q > 0]


def _finish(
    session: Session,
    run_id: int,
    plan: Plan,
    baseline: float | None,
    index: ProblemIndex,
    runtime: float,
) -> PlanRun:
    pairs = proposals(plan, index)

    def effect(run: PlanRun, _action: str) -> None:
        _record_plan(run, plan, baseline)
        run.runtime_s = round(runtime, 3)
        run.finished_at = utcnow()
        run.phase, run.progress = "done", 1.0
        run.proposal_count = len(pairs)

    # The run is written first: the proposals point at it, and a lost race ends here.
    run = crud.act(session, RESOURCE, run_id, "finish", effect=effect)
    try:
        for offer_id, need_id, quantity in pairs:
            ALLOCATIONS.create(
                session,
                s.AllocationCreate(
                    offer_line_id=offer_id,
                    requirement_id=need_id,
                    quantity=Decimal(quantity),
                    source=AllocationSource.PLAN_RUN,
                    plan_run_id=run_id,
                    note=f"Proposed by plan run {run_id}.",
                ),
            )
    except (InvalidInput, Conflict) as exc:
        raise errors.StaleSnapshot(
            f"the data changed since the snapshot ({exc.detail}); start a new run"
        ) from exc
    return run


# --- decide ----------------------------------------------------------------------------------------


def decide(
    session: Session,
    actor: Actor | None,
    run_id: int,
    action: Literal["accept", "reject"],
    allocation_ids: Sequence[int] | None = None,
) -> list[Allocation]:
    """Accept or reject a finished run's proposals: those in ``allocation_ids`` (any of the run's
    allocations the lifecycle allows), or, without ids, every one still proposed.

    Raises:
        PlanRunNotFound: no such run, or the actor may not see runs (404).
        PermissionDenied: the actor may not decide (403).
        PlanRunNotFinished: the run has not finished (409).
        InvalidInput: an id is not an allocation of this run (422, naming ``allocation_ids``).
        IllegalTransitionError: the lifecycle does not allow the move for one of them (409).
        Conflict: without ids, when nothing is left to decide (409).
    """
    actor = _actor(session, actor)
    require_planner(actor)
    run = crud.get(session, RESOURCE, run_id)
    if run.status is not PlanRunStatus.FINISHED:
        raise errors.PlanRunNotFinished(
            f"plan run {run.id} is {run.status}; only a finished run's proposals can be decided"
        )
    mine = select(Allocation.id).where(Allocation.plan_run_id == run.id)
    if allocation_ids is None:
        ids = list(
            session.scalars(
                mine.where(Allocation.status == AllocationStatus.PROPOSED).order_by(Allocation.id)
            )
        )
        if not ids:
            raise Conflict(f"plan run {run.id} has no proposed allocations left")
    else:
        ids = sorted(set(allocation_ids))
        known = set(session.scalars(mine.where(Allocation.id.in_(ids))))
        foreign = [i for i in ids if i not in known]
        if foreign:
            raise InvalidInput(
                f"allocation_ids: {', '.join(map(str, foreign))} "
                f"{'is' if len(foreign) == 1 else 'are'} not allocations of plan run {run.id}",
                field="allocation_ids",
            )
    return [ALLOCATIONS.act(session, i, action, version=None) for i in ids]
