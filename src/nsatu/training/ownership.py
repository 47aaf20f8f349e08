"""Who owns a training record, and so who besides coordinators may write it.

A course belongs to its host nation. An event belongs to its course's host nation and to the
nation offering it. A seat request belongs to the hosts of the course it asks for and of the event
it is assigned to; a participant belongs to the owners of its seat request. A training
coordinator writes only what its own nation owns. The recipient's planner asks for seats (creates,
changes and cancels seat requests) and nominates and withdraws participants
(:func:`nsatu.core.access.may_write_seat_request`, :func:`~nsatu.core.access.may_write_participant`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core import access
from nsatu.core.access import Actor, Role, may_change_training
from nsatu.db.crud import Write
from nsatu.db.models import Course, SeatRequest, TrainingEvent
from nsatu.errors import PermissionDenied


def course_hosts(session: Session, course_id: int | None) -> set[int]:
    if course_id is None:
        return set()
    host = session.scalar(select(Course.host_nation_id).where(Course.id == course_id))
    return set() if host is None else {host}


def event_hosts(session: Session, event_id: int | None) -> set[int]:
    """The event's own host nation and its course's."""
    if event_id is None:
        return set()
    row = session.execute(
        select(TrainingEvent.host_nation_id, Course.host_nation_id)
        .join(Course, Course.id == TrainingEvent.course_id)
        .where(TrainingEvent.id == event_id)
    ).first()
    return set() if row is None else {row[0], row[1]}


def request_hosts(session: Session, course_id: int | None, event_id: int | None) -> set[int]:
    return course_hosts(session, course_id) | event_hosts(session, event_id)


def owns(actor: Actor, hosts: Iterable[int]) -> bool:
    return any(may_change_training(actor, host_nation_id=h) for h in hosts)


def may_write_seat_request(session: Session, actor: Actor, write: Write) -> None:
    role = actor.role.label
    if actor.role is Role.RECIPIENT_PLANNER:
        if not access.may_write_seat_request(actor, host_nation_id=None, op=write.op):
            raise PermissionDenied(
                f"a {role} asks for seats, changes and cancels its requests; the host decides "
                f"on them ({write.op} is the host's)"
            )
        return
    if write.row is not None and not owns(
        actor, request_hosts(session, write.row.course_id, write.row.training_event_id)
    ):
        raise PermissionDenied(f"a {role} changes only seat requests on its own nation's training")
    checks = (("course_id", course_hosts), ("training_event_id", event_hosts))
    for name, hosts_of in checks:
        value = write.values.get(name)
        if value is None:
            continue
        hosts = hosts_of(session, value)
        # A missing record is let through: the foreign-key check then names the field (422).
        if hosts and not owns(actor, hosts):
            raise PermissionDenied(
                f"{name}: a {role} asks for seats on its own nation's training only", field=name
            )
    if write.op in ("create", "update") and (
        write.after("course_id") is None and write.after("training_event_id") is None
    ):
        raise PermissionDenied(
            f"course_id: a {role} asks for seats on its own nation's courses; a request for a "
            "capability area only is a coordinator's",
            field="course_id",
        )


def _hosts_of_request_id(session: Session, request_id: int) -> set[int]:
    row = session.execute(
        select(SeatRequest.course_id, SeatRequest.training_event_id).where(
            SeatRequest.id == request_id
        )
    ).first()
    return set() if row is None else request_hosts(session, row[0], row[1])


def may_write_participant(session: Session, actor: Actor, write: Write) -> None:
    """Training coordinators write the participants of their own nation's training. A seat request
    the actor does not see is refused like another nation's (one answer for both, so a refusal
    tells nothing about requests it cannot see)."""
    role = actor.role.label
    if actor.role is Role.RECIPIENT_PLANNER:
        if not access.may_write_participant(actor, host_nation_id=0, op=write.op):
            raise PermissionDenied(
                f"a {role} nominates and withdraws people; the host records the rest"
            )
        return
    if write.row is not None and not owns(
        actor,
        _hosts_of_request_id(session, write.row.seat_request_id)
        | event_hosts(session, write.row.training_event_id),
    ):
        raise PermissionDenied(f"a {role} changes only participants of its own nation's training")
    request_id = write.values.get("seat_request_id")
    if request_id is not None and not owns(actor, _hosts_of_request_id(session, request_id)):
        raise PermissionDenied(
            f"seat_request_id: a {role} names only seat requests on its own nation's training",
            field="seat_request_id",
        )
    event_id = write.values.get("training_event_id")
    if event_id is not None:
        hosts = event_hosts(session, event_id)
        if hosts and not owns(actor, hosts):
            raise PermissionDenied(
                f"training_event_id: a {role} names only its own nation's training events",
                field="training_event_id",
            )
