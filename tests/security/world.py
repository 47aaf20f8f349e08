"""The population the leak matrix and the acceptance scenarios run against.

Two donor and host nations, ``A`` (the callers' own nation) and ``B`` (another), and the recipient
``U``. For every scoped collection there is a record of each owner (``A``/``B``) at each
releasability level, recorded with the facts the predicates of :mod:`nsatu.core.access` judge it by,
and one caller per role: the donor liaison and training coordinator of ``A``, the hub operator of
``A``'s hub, a recipient planner of ``U``, a coordinator, an auditor, and the public.

Every scoped record that has a text column carries a value in it that no other record's text
contains (references and notes start with ``SEC-``), so that the page matrix
(:mod:`tests.security.test_leak_matrix_pages`) can look for it in what a page shows.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from nsatu.core.access import Role
from nsatu.core.enums import (
    CrewRole,
    OfferKind,
    OrganisationKind,
    Releasability,
    SiteKind,
    TrackingEventKind,
    TransportMode,
)
from nsatu.core.lifecycles import AllocationStatus, OfferStage, RequirementStatus
from nsatu.db.base import Base
from nsatu.db.models import (
    Allocation,
    CapabilityPackage,
    Consignment,
    ConsignmentLeg,
    ConsignmentLine,
    Course,
    CrewRequirement,
    Nation,
    OfferLine,
    Organisation,
    PackageComponent,
    Participant,
    Requirement,
    SeatRequest,
    Site,
    TrackingEvent,
    TrainingEvent,
    course_item_type,
)
from tests.factories import make_capability_area, make_item_type, make_nation, make_site
from tests.security.signin import Caller, sign_in

#: Narrowest first.
LEVELS = (
    Releasability.INTERNAL,
    Releasability.BILATERAL,
    Releasability.COALITION,
    Releasability.PUBLIC,
)
OWNERS = ("A", "B")
_n = itertools.count(1)


@dataclass
class Rec:
    """One stored record: its id and version, a label for messages, and its facts."""

    id: int
    version: int
    label: str
    facts: dict[str, Any]


@dataclass
class World:
    nations: dict[str, Nation]
    hubs: dict[str, Site]
    handover: Site
    area_id: int
    item_type_id: int
    callers: list[Caller]
    records: dict[str, list[Rec]] = field(default_factory=dict)
    #: Records the create cases point at, by name.
    refs: dict[str, Any] = field(default_factory=dict)

    def caller(self, role: Role) -> Caller:
        return next(c for c in self.callers if c.actor.role is role)


def _rec(obj: Base, label: str, **facts: Any) -> Rec:
    return Rec(obj.id, obj.version, label, facts)  # type: ignore[attr-defined]


def _add(session: Session, obj: Any) -> Any:
    session.add(obj)
    session.flush()
    return obj


def build_world(session: Session) -> World:
    n = next(_n)
    nations = {
        o: make_nation(session, name=f"Nation {o}{n}", is_donor=True, is_host=True) for o in OWNERS
    }
    recipient = make_nation(session, name=f"Recipient {n}", is_recipient=True, is_donor=False)
    hubs = {o: make_site(session, nation=nations[o], kind=SiteKind.HUB) for o in OWNERS}
    handover = make_site(session, nation=recipient, kind=SiteKind.HANDOVER_POINT)
    centres = {
        o: make_site(session, nation=nations[o], kind=SiteKind.TRAINING_CENTRE) for o in OWNERS
    }
    area = make_capability_area(session)
    item = make_item_type(session, capability_area=area)
    callers = [
        sign_in(session, Role.COORDINATOR),
        sign_in(session, Role.AUDITOR),
        sign_in(session, Role.DONOR_LIAISON, nation=nations["A"]),
        sign_in(session, Role.RECIPIENT_PLANNER, nation=recipient),
        sign_in(session, Role.HUB_OPERATOR, hub=hubs["A"]),
        sign_in(session, Role.TRAINING_COORDINATOR, nation=nations["A"]),
        sign_in(session, Role.PUBLIC),
    ]
    w = World(nations, hubs, handover, area.id, item.id, callers)
    _reference_data(session, w, recipient, centres, area, item)
    _needs(session, w, n)
    _offers(session, w, n)
    _consignments(session, w, n)
    _training(session, w, n, centres)
    return w


def _reference_data(
    session: Session,
    w: World,
    recipient: Nation,
    centres: dict[str, Site],
    area: Any,
    item: Any,
) -> None:
    """Everyone sees it, only coordinators change it."""
    nations, hubs, handover, recs = w.nations, w.hubs, w.handover, w.records
    orgs = [
        _add(
            session,
            Organisation(
                name=f"Ministry {o}", kind=OrganisationKind.MINISTRY, nation_id=nations[o].id
            ),
        )
        for o in OWNERS
    ]
    recs["nations"] = [_rec(x, x.code) for x in (*nations.values(), recipient)]
    recs["organisations"] = [_rec(x, x.name) for x in orgs]
    recs["sites"] = [_rec(x, x.code) for x in (*hubs.values(), handover, *centres.values())]
    recs["capability-areas"] = [_rec(area, area.code)]
    recs["item-types"] = [_rec(item, item.code)]


def _needs(session: Session, w: World, n: int) -> None:
    """Drafts and published lines at every level."""
    recs = w.records
    recs["needs"] = []
    published_public = None
    for status in (RequirementStatus.DRAFT, RequirementStatus.PUBLISHED):
        for level in LEVELS:
            need = _add(
                session,
                Requirement(
                    reference=f"SEC-R{n}-{status}-{level}",
                    title=f"Need {status} {level}",
                    capability_area_id=w.area_id,
                    item_type_id=w.item_type_id,
                    quantity_requested=Decimal(50),
                    priority=1,
                    period="2025-02",
                    needed_by_on=dt.date(2025, 9, 1),
                    status=status,
                    releasability=level,
                ),
            )
            recs["needs"].append(
                _rec(need, f"need {status}/{level}", status=status, releasability=level)
            )
            if status is RequirementStatus.PUBLISHED and level is Releasability.PUBLIC:
                published_public = need
    assert published_public is not None
    w.refs["need"] = published_public


def _offers(session: Session, w: World, n: int) -> None:
    """Offers of A and B at every level, allocated or not; allocations at every level too."""
    recs, nations, hubs = w.records, w.nations, w.hubs
    published_public = w.refs["need"]
    recs["offers"], recs["allocations"] = [], []
    free: dict[str, OfferLine] = {}  # an unallocated coalition line of each owner
    for owner in OWNERS:
        donor = nations[owner].id
        for i, level in enumerate(LEVELS):
            for allocated in (False, True):
                line = _add(
                    session,
                    OfferLine(
                        reference=f"SEC-O{n}-{owner}-{level}-{int(allocated)}",
                        donor_nation_id=donor,
                        kind=OfferKind.IN_KIND_STOCK,
                        item_type_id=w.item_type_id,
                        description=f"Offer {owner} {level} {'allocated' if allocated else 'free'}",
                        quantity=Decimal(100),
                        stage=OfferStage.COMMITTED,
                        releasability=level,
                    ),
                )
                facts = {"donor_nation_id": donor, "releasability": level, "allocated": allocated}
                recs["offers"].append(
                    _rec(line, f"offer {owner}/{level}/allocated={allocated}", **facts)
                )
                if not allocated and level is Releasability.COALITION:
                    free[owner] = line
                if allocated:
                    alloc_level = LEVELS[(i + 1) % len(LEVELS)]
                    alloc = _add(
                        session,
                        Allocation(
                            offer_line_id=line.id,
                            requirement_id=published_public.id,
                            quantity=Decimal(10),
                            status=AllocationStatus.PROPOSED,
                            releasability=alloc_level,
                            note=f"SEC-A{n}-{owner}-{alloc_level}",
                        ),
                    )
                    recs["allocations"].append(
                        _rec(
                            alloc,
                            f"allocation {owner}/{alloc_level}",
                            releasability=alloc_level,
                            donor_nation_id=donor,
                        )
                    )
        anonymous = _add(
            session,
            OfferLine(
                reference=f"SEC-O{n}-{owner}-anonymous",
                donor_nation_id=donor,
                kind=OfferKind.IN_KIND_STOCK,
                description=f"Offer {owner} public anonymous",
                quantity=Decimal(5),
                stage=OfferStage.COMMITTED,
                releasability=Releasability.PUBLIC,
                anonymise_donor=True,
                origin_site_id=hubs[owner].id,
            ),
        )
        recs["offers"].append(
            _rec(
                anonymous,
                f"offer {owner}/public/anonymous",
                donor_nation_id=donor,
                releasability=Releasability.PUBLIC,
                allocated=False,
            )
        )
    w.refs["offer"] = free


def _consignments(session: Session, w: World, n: int) -> None:
    """Consignments through each owner's hub, carrying its goods, at every level; and what
    follows them (a line, a leg, a tracking event each)."""
    recs, nations, hubs, handover = w.records, w.nations, w.hubs, w.handover
    free = w.refs["offer"]
    for name in ("consignments", "consignment-lines", "consignment-legs", "tracking-events"):
        recs[name] = []
    w.refs["consignment"] = {}
    for owner in OWNERS:
        hub = hubs[owner]
        for level in LEVELS:
            consignment = _add(
                session,
                Consignment(
                    reference=f"SEC-C{n}-{owner}-{level}",
                    origin_site_id=hub.id,
                    destination_site_id=handover.id,
                    releasability=level,
                    notes=f"SEC-CN{n}-{owner}-{level}",
                ),
            )
            line = _add(
                session,
                ConsignmentLine(
                    consignment_id=consignment.id, offer_line_id=free[owner].id, quantity=Decimal(1)
                ),
            )
            leg = _add(
                session,
                ConsignmentLeg(
                    consignment_id=consignment.id,
                    seq=1,
                    from_site_id=hub.id,
                    to_site_id=handover.id,
                    mode=TransportMode.ROAD,
                ),
            )
            event = _add(
                session,
                TrackingEvent(
                    consignment_id=consignment.id,
                    event_id=f"SEC-E{n}-{owner}-{level}",
                    site_id=hub.id,
                    kind=TrackingEventKind.NOTE,
                    note=f"SEC-T{n}-{owner}-{level}",
                ),
            )
            facts = {
                "releasability": level,
                "site_ids": {hub.id, handover.id},
                "donor_nation_ids": {nations[owner].id},
            }
            label = f"{owner}/{level}"
            recs["consignments"].append(_rec(consignment, f"consignment {label}", **facts))
            recs["consignment-lines"].append(_rec(line, f"line of consignment {label}", **facts))
            recs["consignment-legs"].append(_rec(leg, f"leg of consignment {label}", **facts))
            # Append-only: no version.
            recs["tracking-events"].append(Rec(event.id, 0, f"event of consignment {label}", facts))
            if level is Releasability.BILATERAL:
                w.refs["consignment"][owner] = consignment


def _training(session: Session, w: World, n: int, centres: dict[str, Site]) -> None:
    """Courses of A and B, one event each, one seat request each."""
    recs, nations = w.records, w.nations
    recs["courses"], recs["training-events"], recs["seat-requests"] = [], [], []
    recs["participants"] = []
    w.refs["course"], w.refs["event"], w.refs["seat_request"] = {}, {}, {}
    for owner in OWNERS:
        host = nations[owner].id
        course = _add(
            session,
            Course(
                code=f"SEC-K{n}-{owner}",
                title=f"Course of {owner}",
                capability_area_id=w.area_id,
                host_nation_id=host,
                site_id=centres[owner].id,
                duration_days=5,
                seats_per_event=20,
            ),
        )
        event = _add(
            session,
            TrainingEvent(
                course_id=course.id,
                starts_on=dt.date(2026, 3, 2),
                ends_on=dt.date(2026, 3, 6),
                seats_offered=20,
                site_id=centres[owner].id,
            ),
        )
        request = _add(
            session, SeatRequest(training_event_id=event.id, seats=2, note=f"SEC-S{n}-{owner}")
        )
        person = _add(
            session,
            Participant(
                reference=f"SEC-P{n}-{owner}-1",
                seat_request_id=request.id,
                training_event_id=event.id,
            ),
        )
        recs["courses"].append(_rec(course, f"course of {owner}", host_nation_id=host))
        recs["training-events"].append(_rec(event, f"event of {owner}", host_nation_id=host))
        recs["seat-requests"].append(_rec(request, f"seat request on {owner}", host_nation_id=host))
        recs["participants"].append(_rec(person, f"participant on {owner}", host_nation_id=host))
        w.refs["course"][owner] = course
        w.refs["event"][owner] = event
        w.refs["seat_request"][owner] = request
    _readiness(session, w, n)


def _readiness(session: Session, w: World, n: int) -> None:
    """A crew requirement of the world's item type, a capability package, and a component for
    every need (drafts and published lines at every level)."""
    course = w.refs["course"]["A"]
    session.execute(
        course_item_type.insert().values(course_id=course.id, item_type_id=w.item_type_id)
    )
    crew = _add(
        session,
        CrewRequirement(
            item_type_id=w.item_type_id,
            crew_role=CrewRole.OPERATOR,
            crew_per_unit=3,
            course_id=course.id,
        ),
    )
    package = _add(
        session,
        CapabilityPackage(code=f"SEC-CP{n}", name="Package", capability_area_id=w.area_id),
    )
    empty = _add(
        session,
        CapabilityPackage(code=f"SEC-VOID{n}", name="Empty", capability_area_id=w.area_id),
    )
    w.records["crew-requirements"] = [_rec(crew, "crew requirement")]
    w.records["capability-packages"] = [
        _rec(package, "capability package"),
        _rec(empty, "capability package without components"),
    ]
    w.records["package-components"] = []
    for rec in w.records["needs"]:
        component = _add(
            session,
            PackageComponent(
                capability_package_id=package.id, requirement_id=rec.id, component="launchers"
            ),
        )
        w.records["package-components"].append(
            _rec(component, f"component: {rec.label}", **rec.facts)
        )
    w.refs["package"], w.refs["empty_package"] = package, empty
