"""Participants: the people on a training event, by pseudonymous reference only.

A participant belongs to a seat request and an event of the course (or area) it asks for; a
request never has more participants in play (not withdrawn or failed) than the seats it asks
for. Statuses move only through ``nsatu.core.lifecycles.PARTICIPANT``: accepting needs an event
that has not ended or been cancelled, attendance an event that runs or ran, and a pass a score at
or above the course's pass mark when both are known.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.core.lifecycles import PARTICIPANT, ParticipantStatus, TrainingEventStatus
from nsatu.db.crud import Resource, check_foreign_keys
from nsatu.db.models import Course, Participant, SeatRequest, TrainingEvent
from nsatu.errors import Conflict, InvalidInput
from nsatu.shared.entity import Entity, eq
from nsatu.training import errors, ownership
from nsatu.training import schemas as s

#: Participants that hold one of their request's seats.
IN_PLAY = frozenset(
    {
        ParticipantStatus.NOMINATED,
        ParticipantStatus.ACCEPTED,
        ParticipantStatus.ATTENDED,
        ParticipantStatus.COMPLETED,
    }
)
#: Events people may still be nominated to or accepted on.
_NOMINABLE = frozenset(
    {TrainingEventStatus.PLANNED, TrainingEventStatus.OPEN, TrainingEventStatus.RUNNING}
)
_ATTENDABLE = frozenset({TrainingEventStatus.RUNNING, TrainingEventStatus.COMPLETED})

PARTICIPANT_RESOURCE = Resource(
    model=Participant,
    label="participant",
    not_found=errors.ParticipantNotFound,
    foreign_keys={"seat_request_id": SeatRequest, "training_event_id": TrainingEvent},
    sortable={
        "id": Participant.id,
        "reference": Participant.reference,
        "status": Participant.status,
    },
    lifecycle=PARTICIPANT,
    state_attr="status",
    write_rule=ownership.may_write_participant,
)


def _check_event_fits(session: Session, request: SeatRequest, event: TrainingEvent) -> None:
    course = session.get(Course, event.course_id)
    assert course is not None  # a foreign key
    wrong_course = request.course_id is not None and request.course_id != course.id
    wrong_area = (
        request.course_id is None and request.capability_area_id != course.capability_area_id
    )
    if wrong_course or wrong_area:
        raise InvalidInput(
            f"training_event_id: event {event.id} ({course.code}) is not what seat request "
            f"{request.id} asks for",
            field="training_event_id",
        )


def in_play(session: Session, request_id: int, *, excluding: int | None = None) -> int:
    stmt = select(func.count()).where(
        Participant.seat_request_id == request_id, Participant.status.in_(IN_PLAY)
    )
    if excluding is not None:
        stmt = stmt.where(Participant.id != excluding)
    return int(session.scalar(stmt) or 0)


def _before_create(session: Session, v: dict[str, Any]) -> None:
    check_foreign_keys(session, PARTICIPANT_RESOURCE, v)
    request = session.get(SeatRequest, v["seat_request_id"], with_for_update=True)
    assert request is not None  # the foreign key was checked
    if v["training_event_id"] is None:
        if request.training_event_id is None:
            raise InvalidInput(
                f"training_event_id: seat request {request.id} has no event assigned; name one",
                field="training_event_id",
            )
        v["training_event_id"] = request.training_event_id
    event = session.get(TrainingEvent, v["training_event_id"])
    assert event is not None
    _check_event_fits(session, request, event)
    if event.status not in _NOMINABLE:
        raise errors.TrainingEventNotEditable(
            f"training_event_id: the event is {event.status}; people are nominated to an event "
            "still to come or running",
            field="training_event_id",
        )
    taken = in_play(session, request.id)
    if taken >= request.seats:
        raise errors.SeatsUnavailable(
            f"seat_request_id: seat request {request.id} has {request.seats} seats, all taken",
            field="seat_request_id",
        )


def _before_update(session: Session, obj: Participant, ch: dict[str, Any]) -> None:
    if "training_event_id" in ch and ch["training_event_id"] != obj.training_event_id:
        if obj.status not in (ParticipantStatus.NOMINATED, ParticipantStatus.ACCEPTED):
            raise Conflict(
                f"training_event_id: the participant is {obj.status}; the event no longer changes",
                field="training_event_id",
            )
        request = session.get(SeatRequest, obj.seat_request_id)
        event = session.get(TrainingEvent, ch["training_event_id"])
        assert request is not None and event is not None
        _check_event_fits(session, request, event)


def _on_act(session: Session, obj: Participant, action: str) -> None:
    event = session.get(TrainingEvent, obj.training_event_id)
    assert event is not None
    if action == "accept" and event.status not in _NOMINABLE:
        raise errors.TrainingEventNotEditable(
            f"the training event is {event.status}; accept needs it planned, open or running",
            field="training_event_id",
        )
    if action == "attend" and event.status not in _ATTENDABLE:
        raise errors.TrainingEventNotEditable(
            f"the training event is {event.status}; attend needs it running or completed",
            field="training_event_id",
        )
    if action == "complete" and obj.score is not None:
        course = session.get(Course, event.course_id)
        assert course is not None
        if course.pass_mark is not None and obj.score < course.pass_mark:
            raise Conflict(
                f"score: {obj.score} is below the pass mark of {course.pass_mark}; record 'fail'",
                field="score",
            )


PARTICIPANTS = Entity(
    name="participants",
    resource=PARTICIPANT_RESOURCE,
    create_schema=s.ParticipantCreate,
    update_schema=s.ParticipantUpdate,
    read_schema=s.ParticipantRead,
    filter_schema=s.ParticipantFilter,
    where=lambda f: (
        eq(Participant.seat_request_id, f.seat_request_id)
        + eq(Participant.training_event_id, f.training_event_id)
        + eq(Participant.status, f.status)
    ),
    before_create=_before_create,
    before_update=_before_update,
    on_act=_on_act,
)
