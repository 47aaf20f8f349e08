"""A plan run: one solve of the planning problem, with its input snapshot and its result."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Integer, String, Text, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from nsatu.core.lifecycles import PlanRunStatus
from nsatu.db.base import Base, UTCDateTime, Versioned
from nsatu.db.models.reference import enum_col
from nsatu.errors import Conflict

#: States after which a run never changes again.
FINAL = frozenset({PlanRunStatus.FINISHED, PlanRunStatus.FAILED})


class PlanRunImmutable(Conflict):
    code = "plan_run_immutable"


class PlanRun(Versioned, Base):
    """The snapshot a run solved (``problem``, ``problem_index``, ``input_digest``), how it was
    solved (``parameters``, solver name and version) and what came out (``plan`` and its figures).

    Written only by its job: queued with the snapshot, claimed (``running``, with ``phase`` and
    ``progress`` while it solves), then stored once as ``finished`` or ``failed``. A finished or
    failed run never changes again: any update or delete of one raises :class:`PlanRunImmutable`
    (409) before the flush writes anything. The version column settles a race between two jobs
    claiming the same queued run (the loser's flush matches no row: 409).
    """

    __tablename__ = "plan_run"
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress_range"),
        CheckConstraint("horizon_days >= 1", name="horizon_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[PlanRunStatus] = mapped_column(
        enum_col(PlanRunStatus, "plan_run_status"), default=PlanRunStatus.QUEUED, index=True
    )
    start_on: Mapped[dt.date] = mapped_column()
    horizon_days: Mapped[int] = mapped_column(Integer)
    #: SHA-256 of the problem's canonical JSON (``Problem.digest()``).
    input_digest: Mapped[str] = mapped_column(String(64), index=True)
    #: What the run was asked for: horizon, start date, values, solver options.
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The ``nsatu-plan-problem/1`` document solved, and its ids mapped back to database ids.
    problem: Mapped[dict[str, Any]] = mapped_column(JSON)
    problem_index: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Counts of the snapshot (offers, needs, legs…) and what was left out, and why.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    solver: Mapped[str | None] = mapped_column(String(40))
    solver_version: Mapped[str | None] = mapped_column(String(40))
    plan_status: Mapped[str | None] = mapped_column(String(20))
    objective: Mapped[float | None] = mapped_column(Float)
    bound: Mapped[float | None] = mapped_column(Float)
    gap: Mapped[float | None] = mapped_column(Float)
    greedy_objective: Mapped[float | None] = mapped_column(Float)
    runtime_s: Mapped[float | None] = mapped_column(Float)
    #: The ``nsatu-plan/1`` document.
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    shipment_count: Mapped[int | None] = mapped_column(Integer)
    unmet_count: Mapped[int | None] = mapped_column(Integer)
    proposal_count: Mapped[int | None] = mapped_column(Integer)
    #: While running: the solver's phase and the fraction of the work done (0..1).
    phase: Mapped[str | None] = mapped_column(String(60))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


def _stored_status(target: PlanRun) -> PlanRunStatus | None:
    history = sa_inspect(target).attrs.status.history
    stored = (history.deleted or history.unchanged or [None])[0]
    return None if stored is None else PlanRunStatus(stored)


@event.listens_for(PlanRun, "before_update")
@event.listens_for(PlanRun, "before_delete")
def _refuse_change_of_final_run(_mapper: Mapper[Any], _conn: Connection, target: PlanRun) -> None:
    status = _stored_status(target)
    if status in FINAL:
        raise PlanRunImmutable(f"plan run {target.id} is {status} and can no longer change")
