"""A small training world for the seat plan's database tests, built with the models.

Two host nations, course A and course B (which requires A), three events, and four requests:

- ``wide``: course A, any time (first come: the baseline gives it A1, the earliest);
- ``chain``: course B before day 30, so A1 then B1 (A2 ends too late), which the baseline cannot
  do once ``wide`` holds A1;
- ``too_late``: course A, to finish by day 3, before any event ends;
- ``held``: 2 seats already assigned to A2 (A2 offers 12, so 10 are free).

The optimum trains ``wide`` on A2 and ``chain`` on A1 then B1: 20 against the baseline's 10.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from nsatu.core.enums import SiteKind
from nsatu.db.models import Course, SeatRequest, TrainingEvent, course_prerequisite
from tests.factories import make_capability_area, make_nation, make_site

TODAY = dt.date(2030, 1, 1)


def day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@dataclass
class SeatWorld:
    course_a: Course
    course_b: Course
    a1: TrainingEvent
    a2: TrainingEvent
    b1: TrainingEvent
    wide: SeatRequest
    chain: SeatRequest
    too_late: SeatRequest
    held: SeatRequest


def seat_world(session: Session) -> SeatWorld:
    area = make_capability_area(session)
    deu = make_nation(session, is_host=True)
    pol = make_nation(session, is_host=True)
    graf = make_site(
        session,
        nation=deu,
        kind=SiteKind.TRAINING_CENTRE,
        latitude=Decimal("49.70"),
        longitude=Decimal("11.94"),
    )
    krakow = make_site(
        session,
        nation=pol,
        kind=SiteKind.TRAINING_CENTRE,
        latitude=Decimal("50.07"),
        longitude=Decimal("19.94"),
    )
    a = Course(
        code=f"A-{area.id}",
        title="Course A",
        capability_area_id=area.id,
        host_nation_id=deu.id,
        site_id=graf.id,
        duration_days=10,
        seats_per_event=12,
    )
    b = Course(
        code=f"B-{area.id}",
        title="Course B",
        capability_area_id=area.id,
        host_nation_id=pol.id,
        site_id=krakow.id,
        duration_days=10,
        seats_per_event=10,
    )
    session.add_all([a, b])
    session.flush()
    session.execute(course_prerequisite.insert().values(course_id=b.id, prerequisite_id=a.id))

    def event(course: Course, site_id: int, start: int, seats: int) -> TrainingEvent:
        e = TrainingEvent(
            course_id=course.id,
            host_nation_id=course.host_nation_id,
            site_id=site_id,
            starts_on=day(start),
            ends_on=day(start + 9),
            seats_offered=seats,
        )
        session.add(e)
        return e

    a1 = event(a, graf.id, 5, 10)  # days 5–14
    a2 = event(a, graf.id, 30, 12)  # days 30–39
    b1 = event(b, krakow.id, 20, 10)  # days 20–29: after A1 and a day's travel
    session.flush()

    def request(course: Course, seats: int, **kw: object) -> SeatRequest:
        r = SeatRequest(course_id=course.id, seats=seats, recipient_unit="1st Brigade", **kw)
        session.add(r)
        session.flush()
        return r

    held = request(a, 2, training_event_id=a2.id)
    wide = request(a, 10)
    chain = request(b, 10, latest_finish_on=day(29))
    too_late = request(a, 10, latest_finish_on=day(3))
    return SeatWorld(a, b, a1, a2, b1, wide, chain, too_late, held)
