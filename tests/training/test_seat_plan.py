"""The seat plan over the database, on SQLite and PostgreSQL: the problem as read, the plan against
the baseline, and the plan stored only when asked."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.core.access import PUBLIC, Actor, Role
from nsatu.core.planner.solve import SolveOptions
from nsatu.core.training_plan.check import check_plan
from nsatu.db.models import SeatRequest
from nsatu.db.scoping import set_actor
from nsatu.errors import PermissionDenied
from nsatu.training.seat_plan import build_problem, plan_seats
from tests.factories import make_requirement, make_site
from tests.training.seat_world import TODAY, day, seat_world

EXACT = SolveOptions(time_limit_s=30.0, mip_rel_gap=0.0)


def test_problem_reads_open_requests_free_seats_and_chains(session: Session) -> None:
    w = seat_world(session)
    problem = build_problem(session, TODAY)
    assert [r.id for r in problem.requests] == [w.wide.id, w.chain.id, w.too_late.id]
    seats = {e.id: e.seats for e in problem.events}
    assert seats == {w.a1.id: 10, w.a2.id: 10, w.b1.id: 10}  # A2: 12 offered, 2 held
    assert problem.chain(problem.request_by_id[w.chain.id], w.course_b.id) == (
        w.course_a.id,
        w.course_b.id,
    )
    a1, b1 = problem.event_by_id[w.a1.id], problem.event_by_id[w.b1.id]
    assert (a1.start_day, a1.end_day) == (5, 14)
    assert problem.travel_days(a1.place, b1.place) == 1  # Grafenwöhr to Kraków, about 570 km
    assert problem.request_by_id[w.too_late.id].latest_finish == 3


def test_plan_beats_first_come_first_served_and_explains(session: Session) -> None:
    w = seat_world(session)
    result = plan_seats(session, today=TODAY, options=EXACT)
    assert check_plan(result.problem, result.plan) == []
    assert result.plan.status == "optimal"
    assert (result.plan.objective, result.baseline.objective) == (20.0, 10.0)
    assert result.gain == 1.0
    events = {a.request: a.events for a in result.plan.assignments}
    assert events == {w.wide.id: (w.a2.id,), w.chain.id: (w.a1.id, w.b1.id)}
    unmet = {u.request: [r.code for r in u.reasons] for u in result.plan.unmet}
    assert unmet == {w.too_late.id: ["no_event_before_deadline"]}
    body = result.to_json()
    assert body["assigned_seats"] == 30
    assert body["greedy_objective"] == 10.0
    assert body["assignments"][1]["events"][0]["starts_on"] == day(5).isoformat()
    # nothing stored without apply
    session.expire_all()
    assert session.get(SeatRequest, w.wide.id).training_event_id is None  # type: ignore[union-attr]


def test_apply_assigns_events_and_holds_prerequisite_seats(session: Session) -> None:
    w = seat_world(session)
    result = plan_seats(session, today=TODAY, options=EXACT, apply=True)
    assert result.applied
    session.expire_all()
    assert session.get(SeatRequest, w.wide.id).training_event_id == w.a2.id  # type: ignore[union-attr]
    assert session.get(SeatRequest, w.chain.id).training_event_id == w.b1.id  # type: ignore[union-attr]
    [companion_id] = result.created_requests
    companion = session.get(SeatRequest, companion_id)
    assert companion is not None
    assert (companion.course_id, companion.training_event_id, companion.seats) == (
        w.course_a.id,
        w.a1.id,
        10,
    )
    assert companion.recipient_unit == "1st Brigade"
    assert f"seat request {w.chain.id}" in (companion.note or "")
    again = plan_seats(session, today=TODAY, options=EXACT)
    assert [r.id for r in again.problem.requests] == [w.too_late.id]
    assert {e.id: e.seats for e in again.problem.events} == {w.a1.id: 0, w.a2.id: 0, w.b1.id: 0}


def test_apply_refused_for_an_actor_who_may_not_assign_changes_nothing(session: Session) -> None:
    w = seat_world(session)
    before = session.scalar(select(func.count()).select_from(SeatRequest))
    set_actor(session, Actor(role=Role.AUDITOR, username="auditor"))
    with pytest.raises(PermissionDenied):
        plan_seats(session, today=TODAY, options=EXACT, apply=True)
    set_actor(session, None)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(SeatRequest)) == before
    assert session.get(SeatRequest, w.wide.id).training_event_id is None  # type: ignore[union-attr]
    assert session.get(SeatRequest, w.chain.id).training_event_id is None  # type: ignore[union-attr]


def test_reads_in_the_actors_scope(session: Session) -> None:
    seat_world(session)
    set_actor(session, PUBLIC)  # seat requests are hidden from the public
    result = plan_seats(session, today=TODAY, options=EXACT)
    assert result.problem.requests == ()
    assert result.plan.objective == 0.0


def test_handover_and_home_from_the_need(session: Session) -> None:
    w = seat_world(session)
    home = make_site(session, latitude=Decimal("50.45"), longitude=Decimal("30.52"))
    need = make_requirement(session, needed_by_on=day(12), destination_site_id=home.id)
    late = SeatRequest(course_id=w.course_a.id, seats=4, requirement_id=need.id)
    session.add(late)
    session.flush()
    problem = build_problem(session, TODAY)
    r = problem.request_by_id[late.id]
    assert r.handover_day == 12
    assert r.home is not None and (r.home.lat, r.home.lon) == (50.45, 30.52)
    a1 = problem.event_by_id[w.a1.id]
    # A1 ends on day 14; Grafenwöhr to Kyiv is about 1,370 km: three days home
    assert problem.late_days(r, a1) == 14 + 3 - 12
