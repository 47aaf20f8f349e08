"""A hand-checkable readiness world: one capability package of two needs (launchers with crews,
ammunition without), each allocated and consigned, and the courses its crews need.

- Item type ``launcher``: 2 operators per unit on course ``ind`` (individual), and 2 on course
  ``col`` (collective, requires ``ind``). The need for launchers is allocated 2 units, so the
  package needs 4 seats on each course.
- Item type ``ammo``: no crews.
- Each need travels in one delivery consignment with one leg; ``handed_over`` marks it handed
  over (with its scan) on its leg's planned arrival, otherwise it is in transit.

Rows are written directly (the rules under test are the readiness rules, not the services').
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from nsatu.core.enums import (
    ConsignmentKind,
    CourseType,
    CrewRole,
    SiteKind,
    TrackingEventKind,
    TransportMode,
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
    CapabilityPackage,
    Consignment,
    ConsignmentLeg,
    ConsignmentLine,
    Course,
    CrewRequirement,
    ItemType,
    Nation,
    PackageComponent,
    Participant,
    Requirement,
    SeatRequest,
    Site,
    TrackingEvent,
    TrainingEvent,
)
from tests.factories import (
    make_capability_area,
    make_item_type,
    make_nation,
    make_offer,
    make_requirement,
    make_site,
)

TODAY = dt.date(2026, 6, 1)
_seq = itertools.count(1)


@dataclass
class RWorld:
    area_code: str
    package: CapabilityPackage
    launchers: Requirement
    ammo: Requirement
    launcher_type: ItemType
    ind: Course
    col: Course
    consignments: dict[str, Consignment]
    legs: dict[str, ConsignmentLeg]
    allocations: dict[str, Allocation]
    host_id: int
    site: Site
    events: list[TrainingEvent] = field(default_factory=list)


def _add(session: Session, obj: object) -> object:
    session.add(obj)
    session.flush()
    return obj


def _consign(
    session: Session,
    need: Requirement,
    qty: int,
    *,
    donor: Nation,
    origin: Site,
    arrives_on: dt.date,
    handed_over: bool,
    n: int,
    label: str,
) -> tuple[Allocation, Consignment, ConsignmentLeg]:
    offer = make_offer(session, donor=donor, quantity=qty)
    alloc = Allocation(
        offer_line_id=offer.id,
        requirement_id=need.id,
        quantity=Decimal(qty),
        status=AllocationStatus.ACCEPTED,
    )
    session.add(alloc)
    cons = Consignment(
        reference=f"RDY-{n}-{label}",
        origin_site_id=origin.id,
        destination_site_id=need.destination_site_id,
        kind=ConsignmentKind.DELIVERY,
        status=ConsignmentStatus.HANDED_OVER if handed_over else ConsignmentStatus.IN_TRANSIT,
    )
    session.add(cons)
    session.flush()
    session.add(ConsignmentLine(consignment_id=cons.id, offer_line_id=offer.id, quantity=qty))
    leg = ConsignmentLeg(
        consignment_id=cons.id,
        seq=1,
        from_site_id=origin.id,
        to_site_id=need.destination_site_id,
        mode=TransportMode.ROAD,
        planned_departure_on=arrives_on - dt.timedelta(days=3),
        planned_arrival_on=arrives_on,
    )
    session.add(leg)
    if handed_over:
        session.add(
            TrackingEvent(
                consignment_id=cons.id,
                kind=TrackingEventKind.HANDED_OVER,
                occurred_at=dt.datetime.combine(arrives_on, dt.time(10), tzinfo=dt.UTC),
                event_id=f"ho-{cons.id}",
            )
        )
    session.flush()
    return alloc, cons, leg


def build(
    session: Session,
    *,
    launchers_on: dt.date,
    launchers_handed_over: bool,
    ammo_on: dt.date | None = None,
    ammo_handed_over: bool = True,
) -> RWorld:
    n = next(_seq)
    area = make_capability_area(session, code=f"RDY-AD-{n}", name=f"Air defence {n}")
    host = make_nation(session, is_host=True)
    donor = make_nation(session)
    recipient = make_nation(session, is_recipient=True, is_donor=False)
    origin = make_site(session, nation=donor, kind=SiteKind.DEPOT)
    handover = make_site(session, nation=recipient, kind=SiteKind.HANDOVER_POINT)
    centre = make_site(session, nation=host, kind=SiteKind.TRAINING_CENTRE)
    launcher = make_item_type(session, capability_area=area)
    ammo_type = make_item_type(session, capability_area=area)
    launchers = make_requirement(
        session, capability_area=area, item_type_id=launcher.id, destination_site_id=handover.id
    )
    ammo = make_requirement(
        session, capability_area=area, item_type_id=ammo_type.id, destination_site_id=handover.id
    )
    a1, c1, l1 = _consign(
        session,
        launchers,
        2,
        donor=donor,
        origin=origin,
        arrives_on=launchers_on,
        handed_over=launchers_handed_over,
        n=n,
        label="L",
    )
    a2, c2, l2 = _consign(
        session,
        ammo,
        500,
        donor=donor,
        origin=origin,
        arrives_on=ammo_on or launchers_on - dt.timedelta(days=10),
        handed_over=ammo_handed_over,
        n=n,
        label="A",
    )
    ind = Course(
        code=f"RDY-IND-{n}",
        title="Operator",
        capability_area_id=area.id,
        host_nation_id=host.id,
        site_id=centre.id,
        course_type=CourseType.INDIVIDUAL,
        duration_days=10,
        seats_per_event=10,
    )
    col = Course(
        code=f"RDY-COL-{n}",
        title="Battery collective",
        capability_area_id=area.id,
        host_nation_id=host.id,
        site_id=centre.id,
        course_type=CourseType.COLLECTIVE,
        duration_days=10,
        seats_per_event=10,
    )
    ind.item_types = [launcher]
    col.item_types = [launcher]
    col.prerequisites = [ind]
    session.add_all([ind, col])
    session.flush()
    session.add_all(
        [
            CrewRequirement(
                item_type_id=launcher.id, crew_role=CrewRole.OPERATOR, crew_per_unit=2,
                course_id=ind.id,
            ),
            CrewRequirement(
                item_type_id=launcher.id, crew_role=CrewRole.OPERATOR, crew_per_unit=2,
                course_id=col.id,
            ),
        ]
    )  # fmt: skip
    package = CapabilityPackage(code=f"RDY-PKG-{n}", name="Battery", capability_area_id=area.id)
    session.add(package)
    session.flush()
    session.add_all(
        [
            PackageComponent(
                capability_package_id=package.id, requirement_id=launchers.id,
                component="launchers",
            ),
            PackageComponent(
                capability_package_id=package.id, requirement_id=ammo.id, component="ammunition"
            ),
        ]
    )  # fmt: skip
    session.flush()
    return RWorld(
        area_code=area.code,
        package=package,
        launchers=launchers,
        ammo=ammo,
        launcher_type=launcher,
        ind=ind,
        col=col,
        consignments={"launchers": c1, "ammo": c2},
        legs={"launchers": l1, "ammo": l2},
        allocations={"launchers": a1, "ammo": a2},
        host_id=host.id,
        site=centre,
    )


def event(
    session: Session,
    w: RWorld,
    course: Course,
    starts_on: dt.date,
    *,
    status: TrainingEventStatus = TrainingEventStatus.PLANNED,
) -> TrainingEvent:
    e = TrainingEvent(
        course_id=course.id,
        host_nation_id=w.host_id,
        starts_on=starts_on,
        ends_on=starts_on + dt.timedelta(days=course.duration_days - 1),
        seats_offered=10,
        site_id=w.site.id,
        status=status,
    )
    session.add(e)
    session.flush()
    w.events.append(e)
    return e


def seats(
    session: Session,
    w: RWorld,
    e: TrainingEvent,
    n: int,
    *,
    completed: int = 0,
    by_allocation: bool = False,
) -> SeatRequest:
    """A request of ``n`` seats for the launchers' crews on ``e``; ``completed`` of its people
    passed (the event is then over)."""
    r = SeatRequest(
        recipient_unit="Test brigade",
        course_id=e.course_id,
        training_event_id=e.id,
        requirement_id=None if by_allocation else w.launchers.id,
        allocation_id=w.allocations["launchers"].id if by_allocation else None,
        seats=n,
        status=SeatRequestStatus.ATTENDED if completed else SeatRequestStatus.CONFIRMED,
    )
    session.add(r)
    session.flush()
    for i in range(completed):
        session.add(
            Participant(
                reference=f"T-{r.id}-{i}1",
                seat_request_id=r.id,
                training_event_id=e.id,
                status=ParticipantStatus.COMPLETED,
            )
        )
    session.flush()
    return r
