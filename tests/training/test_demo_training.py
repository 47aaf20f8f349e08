"""The demo's SYNTHETIC training: its size, its links to the demo's accepted allocations, people in
every status, a readiness board showing all three states, and the same rows from the same seed."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.core.lifecycles import AllocationStatus, ParticipantStatus
from nsatu.db.models import Allocation, Course, Participant, SeatRequest, TrainingEvent
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.demo import execution, training
from nsatu.demo import service as demo_service
from nsatu.training import readiness

TODAY = dt.date(2026, 11, 29)


def _load(session: Session) -> training.TrainingReport:
    demo_service.load_demo(session)
    execution.load_execution(session, today=TODAY)
    return training.load_training(session, today=TODAY)


def test_demo_training_size_links_statuses_and_board(session: Session) -> None:
    report = _load(session)
    assert report.host_nations == 7 and report.training_centres == 7
    assert report.courses == 22 and 90 <= report.training_events <= 110
    assert report.seat_requests == 300 and report.participants > 300
    assert session.scalar(select(func.count()).select_from(TrainingEvent)) == report.training_events
    hosts = session.scalars(select(TrainingEvent.host_nation_id).distinct()).all()
    assert len(hosts) >= 5
    statuses = set(session.scalars(select(Participant.status).distinct()))
    assert statuses == set(ParticipantStatus)
    linked = session.scalar(
        select(func.count())
        .select_from(SeatRequest)
        .join(Allocation, Allocation.id == SeatRequest.allocation_id)
        .where(Allocation.status == AllocationStatus.ACCEPTED)
    )
    assert linked and linked >= 10
    assert all(c.startswith("SYN-") for c in session.scalars(select(Course.code)))
    assert all(r.startswith("SYN-P-") for r in session.scalars(select(Participant.reference)))

    board = readiness.readiness(session, today=TODAY)
    totals = {
        kind: sum(len(getattr(a, kind)) for a in board.areas)
        for kind in ("ready", "waiting_for_equipment", "waiting_for_training")
    }
    assert all(n >= 1 for n in totals.values()), totals
    assert board.equipment_without_crews and board.crews_without_equipment
    # The demo's slipped handover invalidates collective training booked before it.
    assert {i.rule for i in board.invalidated} == {"collective_before_handover"}
    # Loading again does nothing.
    assert training.load_training(session, today=TODAY).courses == 0


def test_the_same_seed_gives_the_same_training(
    migrated_sqlite_template: Path, tmp_path: Path
) -> None:
    prints = []
    for name in ("one", "two"):
        path = tmp_path / f"{name}.db"
        shutil.copyfile(migrated_sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        with transaction(make_session_factory(engine)) as session:
            _load(session)
            prints.append(
                session.execute(
                    select(
                        SeatRequest.id,
                        SeatRequest.course_id,
                        SeatRequest.training_event_id,
                        SeatRequest.seats,
                    ).order_by(SeatRequest.id)
                ).all()
            )
        engine.dispose()
    assert prints[0] == prints[1] and len(prints[0]) == training.REQUESTS
