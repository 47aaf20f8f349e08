"""The seat plan on the demo's training data, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.core.planner.solve import SolveOptions
from nsatu.core.training_plan.check import check_plan
from nsatu.db.models import SeatRequest, TrainingEvent
from nsatu.demo import execution as demo_execution
from nsatu.demo import service as demo_service
from nsatu.demo import training as demo_training
from nsatu.training.seat_plan import plan_seats
from nsatu.training.service import HOLDING

OPTIONS = SolveOptions(time_limit_s=60.0, mip_rel_gap=0.005)


def test_demo_seat_plan_within_the_gap_beats_the_baseline_and_applies(session: Session) -> None:
    today = dt.datetime.now(dt.UTC).date()
    demo_service.load_demo(session)  # as `nsatu demo load` does
    demo_execution.load_execution(session, today=today)
    demo_training.load_training(session, today=today)
    result = plan_seats(session, today=today, options=OPTIONS)
    problem, plan = result.problem, result.plan
    assert len(problem.requests) >= 50
    assert len(problem.events) >= 20
    assert check_plan(problem, plan) == []
    assert check_plan(problem, result.baseline) == []
    assert plan.gap <= 0.005
    assert plan.objective >= result.baseline.objective
    assert all(u.reasons for u in plan.unmet)

    applied = plan_seats(session, today=today, options=OPTIONS, apply=True)
    session.expire_all()
    trained = {a.request for a in applied.plan.assignments}
    assigned = session.scalars(
        select(SeatRequest.id).where(
            SeatRequest.id.in_(trained), SeatRequest.training_event_id.is_not(None)
        )
    ).all()
    assert set(assigned) == trained
    held = dict(
        session.execute(
            select(SeatRequest.training_event_id, func.sum(SeatRequest.seats))
            .where(SeatRequest.status.in_(HOLDING), SeatRequest.training_event_id.is_not(None))
            .group_by(SeatRequest.training_event_id)
        ).all()
    )
    offered = dict(session.execute(select(TrainingEvent.id, TrainingEvent.seats_offered)).all())
    planned = {e.id for e in problem.events}
    assert all(held[e] <= offered[e] for e in planned if e in held)
    again = plan_seats(session, today=today, options=OPTIONS)
    assert {r.id for r in again.problem.requests}.isdisjoint(trained)
