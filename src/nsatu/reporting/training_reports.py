"""Reports on training: people trained per month by host nation and course type, fill rate,
no-show rate and failure rate.

The figures are read through the caller's scope: events and courses are visible to all, while
participants are seen with their seat request (coordinators, auditors, the recipient, and the
training coordinator of the host nation). A caller who sees no participant of an event sees its
seats offered, and nobody on them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.core.access import Actor
from nsatu.core.enums import CourseType
from nsatu.core.lifecycles import ParticipantStatus, TrainingEventStatus
from nsatu.db.models import Course, Nation, Participant, TrainingEvent
from nsatu.errors import InvalidInput
from nsatu.reporting.registry import report
from nsatu.reporting.table import Column, Report

P = ParticipantStatus
#: Participants who took their seat: they came, whatever their result.
ATTENDED = frozenset({P.ATTENDED, P.COMPLETED, P.FAILED})
#: Participants with a result.
ASSESSED = frozenset({P.COMPLETED, P.FAILED})

COLUMNS = (
    Column("month", "Month", "month"),
    Column("host_nation", "Host nation"),
    Column("course_type", "Course type"),
    Column("events", "Events", "int"),
    Column("seats_offered", "Seats offered", "int"),
    Column("attended", "Attended", "int"),
    Column("trained", "Trained", "int"),
    Column("failed", "Failed", "int"),
    Column("no_shows", "No-shows", "int"),
    Column("fill_rate", "Fill rate", "share"),
    Column("no_show_rate", "No-show rate", "share"),
    Column("failure_rate", "Failure rate", "share"),
)

NOTES = (
    "Only events that are completed count; each counts in the month it ended, under the nation "
    "that offered it and its course's type.",
    "Trained: participants who completed the course (passed). Attended: participants who took "
    "their seat (attended, completed or failed).",
    "Fill rate = attended ÷ seats offered.",
    "No-show rate = participants accepted on the event who never attended ÷ (those no-shows + "
    "attended). Participants withdrawn beforehand are not no-shows.",
    "Failure rate = failed ÷ (completed + failed): participants who attended but have no result "
    "yet are left out.",
    "Participants are counted as the caller may see them (with their seat requests).",
)


@dataclass
class Group:
    """The figures of one month, host nation and course type (or any coarser grouping)."""

    events: int = 0
    seats_offered: int = 0
    statuses: Counter[ParticipantStatus] = field(default_factory=Counter)

    def add(self, seats: int, statuses: Mapping[ParticipantStatus, int]) -> None:
        self.events += 1
        self.seats_offered += seats
        self.statuses.update(statuses)

    @property
    def attended(self) -> int:
        return sum(self.statuses[s] for s in ATTENDED)

    @property
    def trained(self) -> int:
        return self.statuses[P.COMPLETED]

    @property
    def failed(self) -> int:
        return self.statuses[P.FAILED]

    @property
    def no_shows(self) -> int:
        # On a completed event, a participant still ``accepted`` held a seat and never came.
        return self.statuses[P.ACCEPTED]

    def figures(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "seats_offered": self.seats_offered,
            "attended": self.attended,
            "trained": self.trained,
            "failed": self.failed,
            "no_shows": self.no_shows,
            "fill_rate": fill_rate(self.seats_offered, self.attended),
            "no_show_rate": no_show_rate(self.no_shows, self.attended),
            "failure_rate": failure_rate(self.trained, self.failed),
        }


def _ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def fill_rate(seats_offered: int, attended: int) -> float | None:
    """The share of the seats offered that were used: participants who attended (whatever their
    result) ÷ seats offered. ``None`` when no seat was offered."""
    return _ratio(attended, seats_offered)


def no_show_rate(no_shows: int, attended: int) -> float | None:
    """The share of the participants expected on an event who did not come: those accepted who
    never attended ÷ (those + the ones who attended). ``None`` when nobody was expected."""
    return _ratio(no_shows, no_shows + attended)


def failure_rate(completed: int, failed: int) -> float | None:
    """The share of the assessed participants who failed: failed ÷ (completed + failed).
    ``None`` when nobody has a result."""
    return _ratio(failed, completed + failed)


@dataclass(frozen=True)
class Filters:
    start: str | None = None  # first month, YYYY-MM
    end: str | None = None  # last month, YYYY-MM
    host_nation: str | None = None  # nation code
    course_type: CourseType | None = None


def _month(params: Mapping[str, Any], key: str) -> str | None:
    value = params.get(key)
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        first_day(text)
    except ValueError:
        raise InvalidInput(f"{key}: a month is YYYY-MM, not {text!r}", field=key) from None
    return text


def first_day(month: str) -> dt.date:
    """``2025-03`` → 1 March 2025; anything else is a ``ValueError``."""
    if len(month) != 7 or month[4] != "-":
        raise ValueError(month)
    return dt.date.fromisoformat(f"{month}-01")


def month_after(month: str) -> dt.date:
    """The first day of the month after ``month`` (YYYY-MM)."""
    day = first_day(month)
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def parse_filters(params: Mapping[str, Any]) -> Filters:
    """The report's parameters: ``from`` and ``to`` (months, YYYY-MM), ``host_nation`` (a nation
    code) and ``course_type``; a bad value is a 422 naming it."""
    start, end = _month(params, "from"), _month(params, "to")
    if start and end and end < start:
        raise InvalidInput("to: the last month is before the first", field="to")
    course_type = params.get("course_type") or None
    if course_type is not None and course_type not in set(CourseType):
        allowed = ", ".join(CourseType)
        raise InvalidInput(
            f"course_type: one of {allowed}, not {course_type!r}", field="course_type"
        )
    host = str(params.get("host_nation") or "").strip().upper() or None
    if host is not None and not (len(host) == 3 and host.isascii() and host.isalnum()):
        raise InvalidInput(
            f"host_nation: a nation's three-character code, not {host!r}", field="host_nation"
        )
    return Filters(
        start=start,
        end=end,
        host_nation=host,
        course_type=CourseType(course_type) if course_type else None,
    )


def _completed_events(
    session: Session, f: Filters
) -> list[tuple[int, dt.date, str, CourseType, int]]:
    stmt = (
        select(
            TrainingEvent.id,
            TrainingEvent.ends_on,
            Nation.code,
            Course.course_type,
            TrainingEvent.seats_offered,
        )
        .join(Course, Course.id == TrainingEvent.course_id)
        .join(Nation, Nation.id == TrainingEvent.host_nation_id)
        .where(TrainingEvent.status == TrainingEventStatus.COMPLETED)
        .order_by(TrainingEvent.ends_on, TrainingEvent.id)
    )
    if f.host_nation:
        stmt = stmt.where(Nation.code == f.host_nation)
    if f.course_type:
        stmt = stmt.where(Course.course_type == f.course_type)
    if f.start:
        stmt = stmt.where(TrainingEvent.ends_on >= first_day(f.start))
    if f.end:
        stmt = stmt.where(TrainingEvent.ends_on < month_after(f.end))
    return [(r[0], r[1], r[2], CourseType(r[3]), r[4]) for r in session.execute(stmt)]


def _statuses(session: Session, event_ids: Iterable[int]) -> dict[int, Counter[ParticipantStatus]]:
    """Participants per event and status (in the caller's scope)."""
    ids = list(event_ids)
    found: dict[int, Counter[ParticipantStatus]] = defaultdict(Counter)
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        stmt = (
            select(Participant.training_event_id, Participant.status, func.count())
            .where(Participant.training_event_id.in_(chunk))
            .group_by(Participant.training_event_id, Participant.status)
        )
        for event_id, status, n in session.execute(stmt):
            found[event_id][ParticipantStatus(status)] += n
    return found


def training_statistics(session: Session, filters: Filters) -> Report:
    """The figures per month, host nation and course type, with further tables (``extra``, flat
    rows like every table, so that they export): ``months`` (the figures per month),
    ``trained_by_host_nation`` (people trained per month and host nation: the chart's data) and
    ``total``."""
    events = _completed_events(session, filters)
    statuses = _statuses(session, (e[0] for e in events))
    groups: dict[tuple[str, str, str], Group] = defaultdict(Group)
    months: dict[str, Group] = defaultdict(Group)
    trained_by_host: dict[str, Counter[str]] = defaultdict(Counter)
    total = Group()
    for event_id, ends_on, host, course_type, seats in events:
        month = ends_on.isoformat()[:7]
        counts = statuses.get(event_id, Counter())
        for g in (groups[month, host, str(course_type)], months[month], total):
            g.add(seats, counts)
        trained_by_host[month][host] += counts[P.COMPLETED]
    rows = [
        {"month": m, "host_nation": h, "course_type": t} | g.figures()
        for (m, h, t), g in sorted(groups.items())
    ]
    month_rows = [{"month": m} | g.figures() for m, g in sorted(months.items())]
    trained_rows = [
        {"month": m, "host_nation": h, "trained": n}
        for m in sorted(trained_by_host)
        for h, n in sorted(trained_by_host[m].items())
    ]
    return Report(
        name="training",
        title="Training statistics",
        columns=COLUMNS,
        rows=rows,
        notes=NOTES,
        sources=("nsatu records: training events and their participants",),
        extra={
            "months": month_rows,
            "trained_by_host_nation": trained_rows,
            "total": [total.figures()],
        },
    )


@report(
    "training",
    "Training statistics",
    "People trained per month by host nation and course type; fill, no-show and failure rates.",
)
def build(session: Session, actor: Actor, params: Mapping[str, Any]) -> Report:
    return training_statistics(session, parse_filters(params))
