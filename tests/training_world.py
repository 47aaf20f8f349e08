"""A small hand-built training world for the training pages, API and report tests.

Two host nations (``A`` and ``B``), a recipient, two capability areas, three courses (the
collective one needs the individual one first), and events around ``today``:

- ``e1``: course ``c1`` (collective, air defence), offered by ``A``, completed 40 days ago, 10 seats:
  6 completed, 1 failed, 1 attended without a result yet, 2 accepted who never came (no-shows),
  1 withdrawn, 1 nominated and never accepted;
- ``e2``: course ``c2`` (individual, demining), offered by ``B``, completed 30 days ago, 8 seats:
  4 completed;
- ``e3``: course ``c1`` offered by ``B`` (not the course's host), completed 5 days ago, 5 seats:
  2 completed, 2 failed, 1 no-show;
- ``e4``: course ``c3`` (specialised), offered by ``A``, planned in 20 days, 12 seats: 3 accepted;
- ``e5``: course ``c2`` offered by ``B``, cancelled.

Each event's participants come from one seat request assigned to it; ``r_open`` asks for ``c2``
and is assigned to no event yet. Rows are written directly (no domain rule is under test here).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import insert
from sqlalchemy.orm import Session

from nsatu.core.enums import (
    ConsignmentKind,
    CourseType,
    CrewRole,
    SiteKind,
    TrackingEventKind,
    TrainingFunding,
)
from nsatu.core.lifecycles import (
    AllocationStatus,
    ConsignmentStatus,
    ParticipantStatus,
    SeatRequestStatus,
    TrainingEventStatus,
)
from nsatu.db.models import (
    Allocation,
    CapabilityArea,
    CapabilityPackage,
    Consignment,
    ConsignmentLine,
    Course,
    CrewRequirement,
    Nation,
    PackageComponent,
    Participant,
    Requirement,
    SeatRequest,
    Site,
    TrackingEvent,
    TrainingEvent,
    course_prerequisite,
    training_event_instructor,
)
from tests.factories import (
    make_capability_area,
    make_item_type,
    make_nation,
    make_offer,
    make_requirement,
    make_site,
)

P = ParticipantStatus
_seq = itertools.count(1)


@dataclass
class TrainingWorld:
    today: dt.date
    nations: dict[str, Nation] = field(default_factory=dict)
    areas: dict[str, CapabilityArea] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)
    courses: dict[str, Course] = field(default_factory=dict)
    events: dict[str, TrainingEvent] = field(default_factory=dict)
    requests: dict[str, SeatRequest] = field(default_factory=dict)
    participants: dict[str, list[Participant]] = field(default_factory=dict)


#: Participants of each event by status.
ROSTER: dict[str, dict[ParticipantStatus, int]] = {
    "e1": {
        P.COMPLETED: 6,
        P.FAILED: 1,
        P.ATTENDED: 1,
        P.ACCEPTED: 2,
        P.WITHDRAWN: 1,
        P.NOMINATED: 1,
    },
    "e2": {P.COMPLETED: 4},
    "e3": {P.COMPLETED: 2, P.FAILED: 2, P.ACCEPTED: 1},
    "e4": {P.ACCEPTED: 3},
    "e5": {},
}


def build_training_world(session: Session, today: dt.date, *, tag: str = "TW") -> TrainingWorld:
    """Write the world (flushed, not committed). ``tag`` prefixes every code and text, so two
    worlds never clash and a page's text can be searched for."""
    n = next(_seq)
    w = TrainingWorld(today=today)
    w.nations["A"] = make_nation(
        session, code=f"X{n % 10}A", name=f"{tag} Hostland A", is_host=True
    )
    w.nations["B"] = make_nation(
        session, code=f"X{n % 10}B", name=f"{tag} Hostland B", is_host=True
    )
    w.nations["R"] = make_nation(
        session, code=f"X{n % 10}R", name=f"{tag} Recipient", is_recipient=True, is_donor=False
    )
    w.areas["air"] = make_capability_area(session, code=f"{tag}{n}-air", name=f"{tag} Air defence")
    w.areas["demining"] = make_capability_area(
        session, code=f"{tag}{n}-dem", name=f"{tag} Demining"
    )
    for key in ("A", "B"):
        w.sites[key] = make_site(
            session,
            nation=w.nations[key],
            code=f"{tag}{n}-TC{key}",
            name=f"{tag} Training centre {key}",
            kind=SiteKind.TRAINING_CENTRE,
        )
    specs = {
        "c1": ("Air defence crew", "air", "A", CourseType.COLLECTIVE, 10),
        "c2": ("Manual demining", "demining", "B", CourseType.INDIVIDUAL, 8),
        "c3": ("Air defence maintainer", "air", "A", CourseType.SPECIALISED, 12),
    }
    for key, (title, area, host, kind, days) in specs.items():
        course = Course(
            code=f"{tag}{n}-{key.upper()}",
            title=f"{tag} {title}",
            capability_area_id=w.areas[area].id,
            host_nation_id=w.nations[host].id,
            site_id=w.sites[host].id,
            course_type=kind,
            duration_days=days,
            language="en",
            pass_mark=70,
            seats_per_event=10,
        )
        session.add(course)
        w.courses[key] = course
    session.flush()
    session.execute(
        insert(course_prerequisite).values(
            course_id=w.courses["c3"].id, prerequisite_id=w.courses["c1"].id
        )
    )
    day = dt.timedelta(days=1)
    T = TrainingEventStatus
    events = {
        "e1": ("c1", "A", today - 50 * day, today - 40 * day, 10, T.COMPLETED, TrainingFunding.NATIONAL),
        "e2": ("c2", "B", today - 37 * day, today - 30 * day, 8, T.COMPLETED, TrainingFunding.EU_EPF),
        "e3": ("c1", "B", today - 15 * day, today - 5 * day, 5, T.COMPLETED, TrainingFunding.POOLED),
        "e4": ("c3", "A", today + 20 * day, today + 31 * day, 12, T.PLANNED, TrainingFunding.NATIONAL),
        "e5": ("c2", "B", today + 10 * day, today + 17 * day, 8, T.CANCELLED, TrainingFunding.NATIONAL),
    }  # fmt: skip
    for key, (of, host, starts, ends, seats, status, funding) in events.items():
        event = TrainingEvent(
            course_id=w.courses[of].id,
            host_nation_id=w.nations[host].id,
            site_id=w.sites[host].id,
            starts_on=starts,
            ends_on=ends,
            seats_offered=seats,
            status=status,
            funding=funding,
        )
        session.add(event)
        w.events[key] = event
    session.flush()
    session.execute(
        insert(training_event_instructor),
        [
            {"training_event_id": w.events["e1"].id, "nation_id": w.nations["A"].id},
            {"training_event_id": w.events["e1"].id, "nation_id": w.nations["B"].id},
            {"training_event_id": w.events["e2"].id, "nation_id": w.nations["B"].id},
        ],
    )
    for key, event in w.events.items():
        roster = ROSTER[key]
        request = SeatRequest(
            recipient_unit=f"{tag} Brigade {key}",
            course_id=event.course_id,
            training_event_id=event.id,
            seats=max(sum(roster.values()), 1),
            status=SeatRequestStatus.CONFIRMED,
            note=f"{tag}-request-{key}",
        )
        session.add(request)
        w.requests[key] = request
    w.requests["open"] = SeatRequest(
        recipient_unit=f"{tag} Brigade open",
        course_id=w.courses["c2"].id,
        seats=4,
        earliest_start_on=today,
        latest_finish_on=today + 90 * day,
        note=f"{tag}-request-open",
    )
    session.add(w.requests["open"])
    session.flush()
    for key, roster in ROSTER.items():
        people: list[Participant] = []
        for state, count in roster.items():
            for _ in range(count):
                people.append(
                    Participant(
                        reference=f"{tag}{n}-{key}-{len(people) + 1}",
                        seat_request_id=w.requests[key].id,
                        training_event_id=w.events[key].id,
                        status=state,
                        score=80 if state is P.COMPLETED else (40 if state is P.FAILED else None),
                    )
                )
        session.add_all(people)
        w.participants[key] = people
    session.flush()
    return w


@dataclass
class ReadinessWorld:
    """Three capability packages over the training world:

    - ``ready`` (air defence): need ``n_ready`` for 2 air defence systems (2 operators each on
      ``c1``: 4 seats), its consignment handed over 10 days ago; e1's request serves it (6 trained);
    - ``equipment`` (air defence): need ``n_equipment`` for 1 system (2 seats), allocated but on no
      consignment; e3's request serves it (2 trained): crews trained, equipment not there;
    - ``training`` (demining): need ``n_training`` for 3 demining robots (1 operator each on
      ``c2``: 3 seats), handed over 10 days ago, no seat request: equipment without crews.
    """

    donor: Nation
    handover: Site
    packages: dict[str, CapabilityPackage] = field(default_factory=dict)
    needs: dict[str, Requirement] = field(default_factory=dict)
    consignments: dict[str, Consignment] = field(default_factory=dict)


def build_readiness_world(session: Session, w: TrainingWorld, *, tag: str = "TW") -> ReadinessWorld:
    n = next(_seq)
    donor = make_nation(session, code=f"D{n % 10}N", name=f"{tag} Donor", is_donor=True)
    depot = make_site(session, nation=donor, code=f"{tag}{n}-DEP", kind=SiteKind.DEPOT)
    handover = make_site(
        session, nation=w.nations["R"], code=f"{tag}{n}-HOP", kind=SiteKind.HANDOVER_POINT
    )
    rw = ReadinessWorld(donor=donor, handover=handover)
    system = make_item_type(
        session,
        capability_area=w.areas["air"],
        code=f"{tag}{n}-ads",
        public_name=f"{tag} AD system",
    )
    robot = make_item_type(
        session,
        capability_area=w.areas["demining"],
        code=f"{tag}{n}-robot",
        public_name=f"{tag} Demining robot",
    )
    session.add_all(
        [
            CrewRequirement(
                item_type_id=system.id,
                crew_role=CrewRole.OPERATOR,
                crew_per_unit=2,
                course_id=w.courses["c1"].id,
            ),
            CrewRequirement(
                item_type_id=robot.id,
                crew_role=CrewRole.OPERATOR,
                crew_per_unit=1,
                course_id=w.courses["c2"].id,
            ),
        ]
    )
    handed_on = w.today - dt.timedelta(days=10)
    specs = {
        "ready": ("air", system, 2, True),
        "equipment": ("air", system, 1, False),
        "training": ("demining", robot, 3, True),
    }
    for key, (area, item, qty, shipped) in specs.items():
        need = make_requirement(
            session,
            capability_area=w.areas[area],
            item_type_id=item.id,
            quantity_requested=Decimal(qty),
            reference=f"{tag}{n}-N-{key}",
            title=f"{tag} need {key}",
            destination_site_id=handover.id,
        )
        offer = make_offer(session, donor=donor, quantity=qty, reference=f"{tag}{n}-O-{key}")
        session.add(
            Allocation(
                offer_line_id=offer.id,
                requirement_id=need.id,
                quantity=Decimal(qty),
                status=AllocationStatus.ACCEPTED,
            )
        )
        package = CapabilityPackage(
            code=f"{tag}{n}-P-{key}",
            name=f"{tag} package {key}",
            capability_area_id=need.capability_area_id,
        )
        session.add(package)
        session.flush()
        session.add(
            PackageComponent(
                capability_package_id=package.id, requirement_id=need.id, component="system"
            )
        )
        if shipped:
            consignment = Consignment(
                reference=f"{tag}{n}-K-{key}",
                origin_site_id=depot.id,
                destination_site_id=handover.id,
                kind=ConsignmentKind.DELIVERY,
                status=ConsignmentStatus.HANDED_OVER,
            )
            session.add(consignment)
            session.flush()
            session.add_all(
                [
                    ConsignmentLine(
                        consignment_id=consignment.id, offer_line_id=offer.id, quantity=Decimal(qty)
                    ),
                    TrackingEvent(
                        consignment_id=consignment.id,
                        site_id=handover.id,
                        kind=TrackingEventKind.HANDED_OVER,
                        occurred_at=dt.datetime.combine(handed_on, dt.time(12), dt.UTC),
                        event_id=f"{tag}{n}-{key}-handover",
                    ),
                ]
            )
            rw.consignments[key] = consignment
        rw.packages[key], rw.needs[key] = package, need
    w.requests["e1"].requirement_id = rw.needs["ready"].id
    w.requests["e3"].requirement_id = rw.needs["equipment"].id
    session.flush()
    return rw
