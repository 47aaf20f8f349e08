"""Plan runs (``nsatu.planning.runs``), on every backend: snapshot, solve outside the write
transaction, store once, propose allocations, accept or reject them; immutability and roles.

Most tests solve for real (HiGHS). The ``storage`` tests use :func:`fake_solver`, a tiny
deterministic stand-in, where only what is stored matters, not what the optimiser finds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Actor, Role, system_actor
from nsatu.core.enums import AllocationSource
from nsatu.core.lifecycles import AllocationStatus, PlanRunStatus
from nsatu.core.planner.greedy import greedy
from nsatu.core.planner.plan import Plan, Shipment, parse_plan
from nsatu.core.planner.problem import Problem, parse_problem
from nsatu.db.actor import set_actor
from nsatu.db.models import Allocation, PlanRun
from nsatu.errors import IllegalTransitionError, InvalidInput, PermissionDenied
from nsatu.planning import runs
from nsatu.planning.errors import PlanRunImmutable, PlanRunNotFinished, PlanRunNotFound
from nsatu.planning.schemas import AllocationCreate, PlanRunCreate
from nsatu.planning.service import ALLOCATIONS
from tests.domains.plan_world import START, PlanWorld, build_world

PARAMS = PlanRunCreate(start_on=START, horizon_days=30, time_limit_s=20)
COORDINATOR = system_actor("test-coordinator")


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> PlanWorld:
    with session_factory() as s:
        w = build_world(s)
        s.commit()
    return w


@pytest.fixture
def run_id(session_factory: sessionmaker[Session], world: PlanWorld) -> int:
    with session_factory() as s:
        set_actor(s, COORDINATOR)
        run = runs.start_run(s, COORDINATOR, PARAMS)
        s.commit()
        return run.id


def fake_solver(
    problem: Problem, options: Any = None, *, progress: Any = None
) -> Plan:  # storage tests only
    """Ships 10 units of the first offer to the first need in two shipments of 5 (so that
    summing per pair shows), and 7 of the second offer to the second need."""
    if progress is not None:
        progress("fake", 0.5)
    hub = problem.hubs[0].site
    o1, o2 = problem.offers[0].id, problem.offers[1].id
    n1, n2 = problem.needs[0].id, problem.needs[1].id
    shipments = (
        Shipment(o1, n1, 5, hub, "road", 0, "road", 3),
        Shipment(o1, n1, 5, hub, "road", 1, "road", 4),
        Shipment(o2, n2, 7, hub, "road", 0, "road", 3),
    )
    return Plan("optimal", 42.0, 43.0, 1 / 43, shipments, stats={"greedy_objective": 40.0})


def _run(session_factory: sessionmaker[Session], run_id: int) -> PlanRun:
    with session_factory() as s:
        run = s.get(PlanRun, run_id)
        assert run is not None
        return run


def _allocations(session_factory: sessionmaker[Session], run_id: int) -> list[Allocation]:
    with session_factory() as s:
        return list(
            s.scalars(
                select(Allocation).where(Allocation.plan_run_id == run_id).order_by(Allocation.id)
            )
        )


# --- start -----------------------------------------------------------------------------------------


def test_start_stores_the_snapshot_as_a_queued_run(
    session_factory: sessionmaker[Session], run_id: int, world: PlanWorld
) -> None:
    run = _run(session_factory, run_id)
    assert run.status is PlanRunStatus.QUEUED
    problem = parse_problem(run.problem)
    assert problem.digest() == run.input_digest
    assert run.start_on == START and run.horizon_days == 30
    assert run.snapshot["offers"] == 3 and run.snapshot["needs"] == 2
    assert run.problem_index["offers"] == {o.reference: o.id for o in world.offers}
    assert run.parameters["time_limit_s"] == 20
    assert run.created_by == COORDINATOR.username
    assert run.plan is None and run.progress == 0


def test_the_same_data_gives_runs_with_the_same_digest(
    session_factory: sessionmaker[Session], run_id: int
) -> None:
    with session_factory() as s:
        again = runs.start_run(s, COORDINATOR, PARAMS)
        s.flush()
        assert again.input_digest == _run(session_factory, run_id).input_digest


def test_a_run_no_job_can_still_be_working_on_is_failed(
    session_factory: sessionmaker[Session], run_id: int
) -> None:
    updated = _run(session_factory, run_id).updated_at
    limit = 20 + runs.INTERRUPTED_GRACE_S  # the run's time limit (PARAMS) plus the grace
    # within its time limit and grace: a job may still be solving it
    assert runs.reap_interrupted(session_factory, now=updated + dt.timedelta(seconds=limit)) == []
    assert _run(session_factory, run_id).status is PlanRunStatus.QUEUED
    later = updated + dt.timedelta(seconds=limit + 1)
    assert runs.reap_interrupted(session_factory, now=later) == [run_id]
    run = _run(session_factory, run_id)
    assert run.status is PlanRunStatus.FAILED and run.error == runs.INTERRUPTED
    assert runs.reap_interrupted(session_factory, now=later) == []  # once


def test_finished_runs_are_never_reaped(
    session_factory: sessionmaker[Session], run_id: int
) -> None:
    runs.execute_run(session_factory, run_id, solver=fake_solver)
    far = _run(session_factory, run_id).updated_at + dt.timedelta(days=30)
    assert runs.reap_interrupted(session_factory, now=far) == []
    assert _run(session_factory, run_id).status is PlanRunStatus.FINISHED


# --- execute: storage (fake solver) ---------------------------------------------------------------


def test_storage_execute_stores_the_result_and_proposes_one_allocation_per_pair(
    session_factory: sessionmaker[Session], run_id: int, world: PlanWorld
) -> None:
    seen: list[tuple[str, float]] = []
    run = runs.execute_run(
        session_factory, run_id, solver=fake_solver, on_progress=lambda p, f: seen.append((p, f))
    )
    assert run.status is PlanRunStatus.FINISHED
    assert (run.objective, run.bound) == (42.0, 43.0)
    # The baseline is the greedy plan of the stored problem, whatever the solver's stats say.
    assert run.greedy_objective == greedy(parse_problem(run.problem)).objective != 40.0
    assert run.solver == "HiGHS" and run.solver_version
    assert run.shipment_count == 3 and run.proposal_count == 2 and run.unmet_count == 0
    assert run.started_at is not None and run.finished_at is not None
    assert run.progress == 1.0 and run.runtime_s is not None
    assert parse_plan(run.plan).shipments[0].quantity == 5
    assert seen == [("fake", 0.5)]
    allocs = _allocations(session_factory, run_id)
    assert [(a.offer_line_id, a.requirement_id, a.quantity) for a in allocs] == [
        (world.offers[0].id, world.needs[0].id, Decimal(10)),
        (world.offers[1].id, world.needs[1].id, Decimal(7)),
    ]
    assert {(a.status, a.source) for a in allocs} == {
        (AllocationStatus.PROPOSED, AllocationSource.PLAN_RUN)
    }


def test_storage_a_run_executes_once(session_factory: sessionmaker[Session], run_id: int) -> None:
    runs.execute_run(session_factory, run_id, solver=fake_solver)
    with pytest.raises(IllegalTransitionError):
        runs.execute_run(session_factory, run_id, solver=fake_solver)
    assert len(_allocations(session_factory, run_id)) == 2


def test_storage_a_failing_solve_fails_the_run_and_proposes_nothing(
    session_factory: sessionmaker[Session], run_id: int
) -> None:
    def broken(problem: Problem, options: Any = None, *, progress: Any = None) -> Plan:
        raise RuntimeError("solver exploded")

    run = runs.execute_run(session_factory, run_id, solver=broken)
    assert run.status is PlanRunStatus.FAILED
    assert run.error is not None and "solver exploded" in run.error
    assert _allocations(session_factory, run_id) == []


def test_storage_data_changed_since_the_snapshot_fails_the_run_whole(
    session_factory: sessionmaker[Session], run_id: int, world: PlanWorld
) -> None:
    # Someone allocates the first offer entirely while the run is queued.
    with session_factory() as s:
        ALLOCATIONS.create(
            s,
            AllocationCreate(
                offer_line_id=world.offers[0].id,
                requirement_id=world.needs[0].id,
                quantity=Decimal(40),
            ),
        )
        s.commit()
    run = runs.execute_run(session_factory, run_id, solver=fake_solver)
    assert run.status is PlanRunStatus.FAILED
    assert run.error is not None and "changed since the snapshot" in run.error
    assert run.plan is not None  # the plan is kept for inspection
    assert _allocations(session_factory, run_id) == []


def test_storage_a_finished_run_is_immutable(
    session_factory: sessionmaker[Session], run_id: int
) -> None:
    runs.execute_run(session_factory, run_id, solver=fake_solver)
    with session_factory() as s:
        run = s.get(PlanRun, run_id)
        assert run is not None
        run.objective = 1.0
        with pytest.raises(PlanRunImmutable) as caught:
            s.flush()
        assert caught.value.status_code == 409
    with session_factory() as s:
        run = s.get(PlanRun, run_id)
        assert run is not None
        s.delete(run)
        with pytest.raises(PlanRunImmutable):
            s.flush()
    assert _run(session_factory, run_id).objective == 42.0


# --- execute: the real solver ---------------------------------------------------------------------


def test_a_real_solve_proposes_what_the_plan_ships(
    session_factory: sessionmaker[Session], run_id: int, world: PlanWorld
) -> None:
    run = runs.execute_run(session_factory, run_id)
    assert run.status is PlanRunStatus.FINISHED, run.error
    assert run.plan_status in ("optimal", "feasible")
    assert run.objective is not None and run.bound is not None and run.gap is not None
    plan = parse_plan(run.plan)
    shipped: dict[tuple[int, int], int] = {}
    for sh in plan.shipments:
        key = (run.problem_index["offers"][sh.offer], run.problem_index["needs"][sh.need])
        shipped[key] = shipped.get(key, 0) + sh.quantity
    allocs = _allocations(session_factory, run_id)
    assert {(a.offer_line_id, a.requirement_id): int(a.quantity) for a in allocs} == shipped
    # 95 units offered, 70 needed, plenty of time and capacity: every need is met.
    assert sum(shipped.values()) == 70
    assert run.unmet_count == 0


def test_a_run_records_the_greedy_baseline_of_its_stored_problem(
    session_factory: sessionmaker[Session], run_id: int
) -> None:
    run = runs.execute_run(session_factory, run_id)
    baseline = greedy(parse_problem(run.problem))
    assert baseline.shipments, "the baseline plans something on this world"
    assert run.greedy_objective == pytest.approx(baseline.objective)
    # The optimiser is never worse than the baseline it is compared with.
    assert run.objective is not None and run.objective >= run.greedy_objective - 1e-6


def test_storage_a_failing_baseline_leaves_the_comparison_empty_not_the_run(
    session_factory: sessionmaker[Session], run_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(problem: Problem) -> Plan:
        raise RuntimeError("baseline exploded")

    monkeypatch.setattr("nsatu.core.planner.greedy.greedy", broken)
    run = runs.execute_run(session_factory, run_id, solver=fake_solver)
    assert run.status is PlanRunStatus.FINISHED
    assert run.greedy_objective is None


# --- decide ----------------------------------------------------------------------------------------


@pytest.fixture
def finished(session_factory: sessionmaker[Session], run_id: int) -> int:
    runs.execute_run(session_factory, run_id, solver=fake_solver)
    return run_id


def _decide(
    session_factory: sessionmaker[Session], run_id: int, action: str, ids: list[int] | None = None
) -> list[Allocation]:
    with session_factory() as s:
        set_actor(s, COORDINATOR)
        decided = runs.decide(s, COORDINATOR, run_id, action, ids)  # type: ignore[arg-type]
        s.commit()
        return decided


def test_accept_in_part_then_the_rest(
    session_factory: sessionmaker[Session], finished: int
) -> None:
    first, second = _allocations(session_factory, finished)
    accepted = _decide(session_factory, finished, "accept", [first.id])
    assert [(a.id, a.status) for a in accepted] == [(first.id, AllocationStatus.ACCEPTED)]
    assert [a.status for a in _allocations(session_factory, finished)] == [
        AllocationStatus.ACCEPTED,
        AllocationStatus.PROPOSED,
    ]
    rest = _decide(session_factory, finished, "accept")
    assert [a.id for a in rest] == [second.id]
    assert {a.status for a in _allocations(session_factory, finished)} == {
        AllocationStatus.ACCEPTED
    }
    with pytest.raises(Exception, match="no proposed allocations left"):
        _decide(session_factory, finished, "accept")


def test_reject_whole_and_accepted_ones_by_id(
    session_factory: sessionmaker[Session], finished: int
) -> None:
    first, _second = _allocations(session_factory, finished)
    _decide(session_factory, finished, "accept", [first.id])
    rejected = _decide(session_factory, finished, "reject")
    assert len(rejected) == 1  # only the one still proposed
    _decide(session_factory, finished, "reject", [first.id])  # the lifecycle allows it
    assert {a.status for a in _allocations(session_factory, finished)} == {
        AllocationStatus.REJECTED
    }
    with pytest.raises(IllegalTransitionError):
        _decide(session_factory, finished, "accept", [first.id])


def test_decisions_change_allocations_not_the_run(
    session_factory: sessionmaker[Session], finished: int
) -> None:
    before = _run(session_factory, finished)
    _decide(session_factory, finished, "accept")
    after = _run(session_factory, finished)
    assert (after.version, after.plan, after.status) == (before.version, before.plan, before.status)


def test_ids_of_other_runs_are_refused(
    session_factory: sessionmaker[Session], finished: int, world: PlanWorld
) -> None:
    with session_factory() as s:
        manual = ALLOCATIONS.create(
            s,
            AllocationCreate(
                offer_line_id=world.offers[2].id,
                requirement_id=world.needs[0].id,
                quantity=Decimal(1),
            ),
        )
        s.commit()
    with pytest.raises(InvalidInput) as caught:
        _decide(session_factory, finished, "accept", [manual.id])
    assert caught.value.field == "allocation_ids"


def test_a_run_that_has_not_finished_has_nothing_to_decide(
    session_factory: sessionmaker[Session], run_id: int
) -> None:
    with pytest.raises(PlanRunNotFinished):
        _decide(session_factory, run_id, "accept")


# --- roles -----------------------------------------------------------------------------------------


def _actor(role: Role) -> Actor:
    return Actor(role=role, username=f"a-{role}", nation_id=1, site_id=1)


@pytest.fixture
def scoped(session_factory: sessionmaker[Session]) -> Iterator[Any]:
    opened: list[Session] = []

    def as_(role: Role) -> Session:
        s = session_factory()
        set_actor(s, _actor(role))
        opened.append(s)
        return s

    yield as_
    for s in opened:
        s.close()


@pytest.mark.parametrize(
    "role",
    [Role.DONOR_LIAISON, Role.RECIPIENT_PLANNER, Role.HUB_OPERATOR, Role.PUBLIC],
    ids=str,
)
def test_other_roles_find_no_runs(scoped: Any, run_id: int, role: Role) -> None:
    s = scoped(role)
    with pytest.raises(PlanRunNotFound):
        runs.start_run(s, _actor(role), PARAMS)
    with pytest.raises(PlanRunNotFound):
        runs.get_run(s, run_id)
    # Even past the service, the scoping hides every run.
    assert s.scalars(select(PlanRun)).all() == []


def test_auditors_read_but_do_not_run(scoped: Any, finished: int) -> None:
    s = scoped(Role.AUDITOR)
    assert runs.get_run(s, finished).id == finished
    assert runs.run_detail(s, finished).allocations["proposed"] == 2
    with pytest.raises(PermissionDenied):
        runs.start_run(s, _actor(Role.AUDITOR), PARAMS)
    with pytest.raises(PermissionDenied):
        runs.decide(s, _actor(Role.AUDITOR), finished, "accept")
