"""The demo's training picture. SYNTHETIC: every course, event, seat request and participant here is
made up (seeded, so the same seed gives the same rows), labelled ``SYN`` in its codes, units and
references; real training data is not public.

- Seven host nations (GBR, DEU, POL, FRA, NLD, DNK, ROU), each with a training centre.
- :data:`COURSES`: 22 courses over the demo's capability areas, qualifying for the item types the
  demo allocates, with prerequisites (no cycles), a type, a language and a pass mark.
- About 100 events from four months ago to six months ahead, most offered by the course's host,
  some by another host, funded nationally, by the EU's EPF or a pooled fund; past events are
  completed, today's running, the next month's open, later ones planned, a few cancelled.
- Crew requirements for the item types the demo allocates (:data:`CREWS`).
- Capability packages over the accepted needs whose item types have crews (air defence grouping a
  surface-to-air system with its radar), and over a few delivered needs that need no crews.
- Seat requests linked to the packages' needs and allocations, given in turn a story by how far
  their equipment is: trained already (completed participants), planned (seats on coming events),
  or not yet requested; then requests from recipient units to reach about 300, many not yet
  assigned to an event (for the seat plan), some naming only a capability area.
- Participants in every status: completed, failed, withdrawn, accepted but absent (no-shows),
  attended with the result pending, accepted and nominated for coming events.
- One handover slips (a delay scan through the ingest) past the start of the collective course
  its crews are booked on, so the board lists the training the slip invalidates.

Runs after the execution picture (``nsatu.demo.execution``): the readiness board then shows
packages ready, waiting for equipment and waiting for training.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.enums import CourseType, CrewRole, SiteKind, TrackingEventKind, TrainingFunding
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
    Course,
    CrewRequirement,
    ItemType,
    Nation,
    OfferLine,
    PackageComponent,
    Participant,
    Requirement,
    SeatRequest,
    Site,
    TrainingEvent,
)
from nsatu.logistics import ingest
from nsatu.training import readiness

DEFAULT_SEED = 6
HOSTS = ("GBR", "DEU", "POL", "FRA", "NLD", "DNK", "ROU")
#: Seat requests the demo aims for in all.
REQUESTS = 300

_P = ParticipantStatus
_I, _C, _S = CourseType.INDIVIDUAL, CourseType.COLLECTIVE, CourseType.SPECIALISED


@dataclass(frozen=True)
class CentreDef:
    code: str
    name: str
    nation: str
    latitude: str
    longitude: str


#: Training centres of the hosts that have none in the reference data (public training areas).
CENTRES = (
    CentreDef("TRN-SAL", "Salisbury Plain training area", "GBR", "51.200000", "-1.850000"),
    CentreDef("TRN-NDB", "Nowa Dęba training ground", "POL", "50.430000", "21.750000"),
    CentreDef("TRN-MRM", "Mourmelon camp", "FRA", "49.120000", "4.370000"),
    CentreDef("TRN-HRK", "Harskamp training area", "NLD", "52.130000", "5.770000"),
    CentreDef("TRN-OKS", "Oksbøl training area", "DNK", "55.630000", "8.280000"),
    CentreDef("TRN-CNC", "Cincu training area", "ROU", "45.870000", "24.800000"),
)
CENTRE_OF = {"DEU": "TRN-GRR"} | {c.nation: c.code for c in CENTRES}


@dataclass(frozen=True)
class CourseDef:
    code: str
    title: str
    area: str
    kind: CourseType
    days: int
    host: str
    items: tuple[str, ...]
    requires: tuple[str, ...] = ()
    seats: int = 16
    language: str = "uk"
    pass_mark: int | None = 70


COURSES: tuple[CourseDef, ...] = (
    CourseDef("SYN-INF-BASIC", "Basic combat course", "infantry", _I, 35, "GBR", (), seats=30),
    CourseDef("SYN-AD-SAM-OP", "Surface-to-air system operator", "air-defence", _I, 35, "DEU",
              ("sam-system",), ("SYN-INF-BASIC",), seats=12, pass_mark=75),
    CourseDef("SYN-AD-SAM-MT", "Surface-to-air system maintainer", "air-defence", _S, 42, "DEU",
              ("sam-system",), seats=8, language="en", pass_mark=80),
    CourseDef("SYN-AD-SAM-BTY", "Air-defence battery collective training", "air-defence", _C, 21,
              "POL", ("sam-system", "air-surveillance-radar"), ("SYN-AD-SAM-OP",), seats=24,
              pass_mark=None),
    CourseDef("SYN-AD-RDR-OP", "Air surveillance radar operator", "air-defence", _I, 28, "NLD",
              ("air-surveillance-radar",), language="en"),
    CourseDef("SYN-AD-CUAS", "Counter-drone operator", "air-defence", _I, 10, "GBR",
              ("counter-uas",), seats=20),
    CourseDef("SYN-AR-CREW", "Light and medium howitzer crew", "artillery", _I, 21, "GBR",
              ("howitzer-105", "howitzer-155"), ("SYN-INF-BASIC",), seats=24),
    CourseDef("SYN-AR-BTY", "Artillery battery collective training", "artillery", _C, 14, "FRA",
              ("howitzer-105", "howitzer-155"), ("SYN-AR-CREW",), seats=30, pass_mark=None),
    CourseDef("SYN-AR-MT", "Artillery maintainer", "artillery", _S, 35, "FRA",
              ("howitzer-105", "artillery-spares"), seats=10, language="fr"),
    CourseDef("SYN-ARM-MBT", "Main battle tank crew", "armour", _I, 35, "POL", ("mbt",),
              ("SYN-INF-BASIC",), seats=16),
    CourseDef("SYN-ARM-IFV", "Infantry fighting vehicle crew", "armour", _I, 28, "DEU", ("ifv",),
              ("SYN-INF-BASIC",)),
    CourseDef("SYN-ARM-MT", "Armoured vehicle maintainer", "armour", _S, 42, "DEU",
              ("mbt", "ifv", "apc"), seats=10, language="de", pass_mark=75),
    CourseDef("SYN-ARM-COY", "Armoured company collective training", "armour", _C, 21, "POL",
              ("mbt", "ifv"), ("SYN-ARM-MBT", "SYN-ARM-IFV"), seats=30, pass_mark=None),
    CourseDef("SYN-ARM-DRV", "Protected vehicle driver", "armour", _I, 10, "NLD",
              ("apc", "auv", "ppv"), seats=20),
    CourseDef("SYN-UAS-RECON", "Reconnaissance drone operator", "drones", _I, 14, "DNK",
              ("uas-recon", "uas-support"), seats=20, language="en"),
    CourseDef("SYN-UAS-STRIKE", "Armed drone operator", "drones", _S, 21, "GBR",
              ("uas-combat", "loitering-munition"), ("SYN-UAS-RECON",), seats=12),
    CourseDef("SYN-DEM-EOD", "Demining and explosive ordnance disposal", "demining", _S, 28, "ROU",
              ("demining-kit", "demining-robot"), seats=12, pass_mark=80),
    CourseDef("SYN-DEM-VEH", "Demining vehicle operator", "demining", _I, 14, "DNK",
              ("demining-vehicle",), ("SYN-DEM-EOD",), seats=10, language="en"),
    CourseDef("SYN-MAR-BOAT", "Small boat crew", "maritime", _I, 21, "GBR", ("small-boat",),
              seats=16, language="en"),
    CourseDef("SYN-MAR-MCM", "Mine countermeasures drone operator", "maritime", _S, 28, "NLD",
              ("mcm-drone",), seats=8, language="en"),
    CourseDef("SYN-MED-FH", "Field hospital team", "medical", _C, 14, "FRA", ("field-hospital",),
              seats=30, pass_mark=None, language="fr"),
    CourseDef("SYN-AV-HEL-MT", "Helicopter maintainer", "aviation", _S, 56, "FRA",
              ("helicopter",), seats=8, language="en", pass_mark=80),
)  # fmt: skip

_OP, _MT = CrewRole.OPERATOR, CrewRole.MAINTAINER
#: Item type → the crews a unit of it needs: (role, people per unit, course).
CREWS: dict[str, tuple[tuple[CrewRole, int, str], ...]] = {
    "sam-system": (
        (_OP, 6, "SYN-AD-SAM-OP"),
        (_MT, 2, "SYN-AD-SAM-MT"),
        (_OP, 6, "SYN-AD-SAM-BTY"),
    ),
    "air-surveillance-radar": ((_OP, 4, "SYN-AD-RDR-OP"),),
    "counter-uas": ((_OP, 2, "SYN-AD-CUAS"),),
    "howitzer-105": ((_OP, 5, "SYN-AR-CREW"), (_MT, 1, "SYN-AR-MT"), (_OP, 5, "SYN-AR-BTY")),
    "mbt": ((_OP, 4, "SYN-ARM-MBT"), (_MT, 1, "SYN-ARM-MT"), (_OP, 4, "SYN-ARM-COY")),
    "ifv": ((_OP, 3, "SYN-ARM-IFV"), (_MT, 1, "SYN-ARM-MT"), (_OP, 3, "SYN-ARM-COY")),
    "apc": ((_OP, 2, "SYN-ARM-DRV"),),
    "auv": ((_OP, 1, "SYN-ARM-DRV"),),
    "uas-recon": ((_OP, 2, "SYN-UAS-RECON"),),
    "uas-support": ((_OP, 1, "SYN-UAS-RECON"),),
    "uas-combat": ((_OP, 2, "SYN-UAS-STRIKE"),),
    "demining-kit": ((_OP, 2, "SYN-DEM-EOD"),),
    "demining-vehicle": ((_OP, 2, "SYN-DEM-VEH"),),
    "small-boat": ((_OP, 4, "SYN-MAR-BOAT"),),
    "mcm-drone": ((_OP, 2, "SYN-MAR-MCM"),),
    "field-hospital": ((_OP, 12, "SYN-MED-FH"),),
    "helicopter": ((_MT, 6, "SYN-AV-HEL-MT"),),
}
#: What a need of these item types is to a package.
COMPONENT = {"air-surveillance-radar": "radar", "artillery-spares": "spare parts"}
UNITS = (
    "SYN 101st Mechanised Brigade",
    "SYN 102nd Artillery Brigade",
    "SYN 103rd Air Defence Regiment",
    "SYN 104th Territorial Defence Brigade",
    "SYN 105th Engineer Battalion",
    "SYN 106th Unmanned Systems Battalion",
    "SYN 107th Marine Brigade",
    "SYN 108th Medical Company",
    "SYN 109th Tank Brigade",
    "SYN 110th Army Aviation Brigade",
)


@dataclass(frozen=True)
class TrainingReport:
    host_nations: int
    training_centres: int
    courses: int
    training_events: int
    crew_requirements: int
    capability_packages: int
    seat_requests: int
    participants: int


@dataclass
class _Event:
    row: TrainingEvent
    free: int


class _Builder:
    def __init__(self, session: Session, today: dt.date, seed: int) -> None:
        self.session = session
        self.today = today
        self.rng = random.Random(seed)
        self.requests: list[SeatRequest] = []
        self.people: list[Participant] = []
        self.events: dict[int, list[_Event]] = defaultdict(list)  # course id → events by start
        self._ref = 0

    # --- participants ------------------------------------------------------------------------

    def _person(
        self, request: SeatRequest, event: TrainingEvent, status: ParticipantStatus
    ) -> None:
        self._ref += 1
        score = None
        if status in (ParticipantStatus.COMPLETED, ParticipantStatus.FAILED):
            passed = status is ParticipantStatus.COMPLETED
            score = self.rng.randint(80, 98) if passed else self.rng.randint(40, 64)
        self.people.append(
            Participant(
                reference=f"SYN-P-{self._ref:06d}",
                seat_request_id=request.id,
                training_event_id=event.id,
                crew_role=None,
                score=score,
                status=status,
            )
        )

    def staff(self, request: SeatRequest, event: TrainingEvent, *, all_pass: bool) -> None:
        """People for a request's seats, by the event's state (see the module docstring)."""
        for i in range(request.seats):
            if event.status is TrainingEventStatus.COMPLETED:
                if all_pass:
                    status = _P.COMPLETED
                else:
                    roll = self.rng.random()
                    status = (
                        _P.COMPLETED
                        if roll < 0.72
                        else _P.FAILED
                        if roll < 0.82
                        else _P.WITHDRAWN
                        if roll < 0.9
                        else _P.ACCEPTED  # accepted and never came: a no-show
                        if roll < 0.96
                        else _P.ATTENDED  # attended, result not yet recorded
                    )
            elif event.status is TrainingEventStatus.RUNNING:
                status = _P.ATTENDED if i % 9 else _P.WITHDRAWN
            else:
                status = _P.ACCEPTED if i % 3 else _P.NOMINATED
            self._person(request, event, status)

    # --- seat requests -----------------------------------------------------------------------

    def request(self, **values: object) -> SeatRequest:
        row = SeatRequest(**values)
        self.session.add(row)
        self.requests.append(row)
        return row

    def book(
        self,
        course: Course,
        seats: int,
        *,
        past: bool,
        not_before: dt.date | None = None,
        **values: object,
    ) -> int:
        """Requests for ``seats`` on events of ``course`` (completed ones when ``past``, else
        ones still to start, from ``not_before``), as many as it takes; the seats placed."""
        placed = 0
        for ev in self.events[course.id]:
            if placed >= seats:
                break
            e = ev.row
            if e.status is TrainingEventStatus.CANCELLED or ev.free <= 0:
                continue
            if past != (e.status is TrainingEventStatus.COMPLETED):
                continue
            if not past and (
                e.starts_on <= self.today or (not_before and e.starts_on < not_before)
            ):
                continue
            n = min(ev.free, seats - placed)
            ev.free -= n
            placed += n
            status = SeatRequestStatus.ATTENDED if past else SeatRequestStatus.CONFIRMED
            row = self.request(
                course_id=course.id,
                training_event_id=e.id,
                seats=n,
                status=status,
                earliest_start_on=e.starts_on - dt.timedelta(days=30),
                latest_finish_on=e.ends_on + dt.timedelta(days=30),
                **values,
            )
            self.session.flush()
            self.staff(row, e, all_pass=past)
        return placed


def _hosts(session: Session) -> dict[str, Nation]:
    nations = {n.code: n for n in session.scalars(select(Nation).where(Nation.code.in_(HOSTS)))}
    for n in nations.values():
        n.is_host = True
    return nations


def _centres(session: Session, hosts: dict[str, Nation]) -> dict[str, Site]:
    existing = {s.code: s for s in session.scalars(select(Site))}
    made = [
        Site(
            code=c.code,
            name=c.name,
            kind=SiteKind.TRAINING_CENTRE,
            nation_id=hosts[c.nation].id,
            latitude=Decimal(c.latitude),
            longitude=Decimal(c.longitude),
            notes="SYNTHETIC demo training centre (public training area, approximate point).",
        )
        for c in CENTRES
        if c.code not in existing
    ]
    session.add_all(made)
    session.flush()
    return {nation: existing.get(code) or next(m for m in made if m.code == code)
            for nation, code in CENTRE_OF.items()}  # fmt: skip


def _courses(
    session: Session, hosts: dict[str, Nation], centres: dict[str, Site]
) -> dict[str, Course]:
    areas = {a.code: a.id for a in session.scalars(select(CapabilityArea))}
    items = {t.code: t for t in session.scalars(select(ItemType))}
    courses: dict[str, Course] = {}
    for d in COURSES:
        course = Course(
            code=d.code,
            title=d.title,
            capability_area_id=areas[d.area],
            host_nation_id=hosts[d.host].id,
            site_id=centres[d.host].id,
            course_type=d.kind,
            duration_days=d.days,
            language=d.language,
            pass_mark=d.pass_mark,
            seats_per_event=d.seats,
        )
        course.item_types = [items[c] for c in d.items if c in items]
        course.prerequisites = [courses[c] for c in d.requires]
        session.add(course)
        courses[d.code] = course
    session.flush()
    return courses


def _events(
    b: _Builder, courses: dict[str, Course], hosts: dict[str, Nation], centres: dict[str, Site]
) -> int:
    """Four or five events per course from 120 days ago to 180 days ahead (about 100)."""
    rng, today = b.rng, b.today
    host_codes = list(HOSTS)
    made = 0
    for d in COURSES:
        course = courses[d.code]
        count = 5 if d.kind is not CourseType.SPECIALISED else 4
        for i in range(count):
            offset = -120 + i * (300 // count) + rng.randint(0, 20)
            if i == 1:
                offset = -d.days // 2  # one event running today
            starts = today + dt.timedelta(days=offset)
            ends = starts + dt.timedelta(days=d.days - 1)
            host = d.host if rng.random() < 0.8 else rng.choice(host_codes)
            if ends < today:
                status = TrainingEventStatus.COMPLETED
            elif starts <= today:
                status = TrainingEventStatus.RUNNING
            elif (starts - today).days <= 30:
                status = TrainingEventStatus.OPEN
            else:
                status = TrainingEventStatus.PLANNED
            if status is TrainingEventStatus.PLANNED and rng.random() < 0.08:
                status = TrainingEventStatus.CANCELLED
            funding = rng.choices(
                [TrainingFunding.NATIONAL, TrainingFunding.EU_EPF, TrainingFunding.POOLED],
                weights=[6, 3, 1],
            )[0]
            event = TrainingEvent(
                course_id=course.id,
                host_nation_id=hosts[host].id,
                starts_on=starts,
                ends_on=ends,
                seats_offered=d.seats,
                site_id=centres[host].id,
                funding=funding,
                status=status,
            )
            others = [hosts[c] for c in host_codes if c != host]
            event.instructor_nations = [hosts[host], *rng.sample(others, rng.randint(0, 1))]
            b.session.add(event)
            b.events[course.id].append(_Event(event, d.seats))
            made += 1
    b.session.flush()
    for evs in b.events.values():
        evs.sort(key=lambda e: (e.row.starts_on, e.row.id))
    return made


def _crews(session: Session, courses: dict[str, Course]) -> int:
    items = {t.code: t.id for t in session.scalars(select(ItemType))}
    rows = [
        CrewRequirement(
            item_type_id=items[item], crew_role=role, crew_per_unit=n, course_id=courses[c].id
        )
        for item, crews in CREWS.items()
        if item in items
        for role, n, c in crews
    ]
    session.add_all(rows)
    session.flush()
    return len(rows)


def _packages(session: Session) -> list[CapabilityPackage]:
    """One package per allocated need whose item type has crews (a surface-to-air system takes a
    radar of the demo along), then one per allocated need without crews, up to six."""
    crewed = {t.requirement_id for t in readiness.training_needs(session)}
    allocated = set(
        session.scalars(
            select(Allocation.requirement_id).where(Allocation.status == AllocationStatus.ACCEPTED)
        )
    )
    need_rows = session.execute(
        select(Requirement, ItemType.code)
        .join(ItemType, ItemType.id == Requirement.item_type_id)
        .where(Requirement.id.in_(allocated))
        .order_by(Requirement.id)
    ).all()
    radars = [n for n, code in need_rows if code == "air-surveillance-radar"]
    packages: list[CapabilityPackage] = []

    def package(need: Requirement, parts: list[tuple[Requirement, str]], note: str) -> None:
        pkg = CapabilityPackage(
            code=f"SYN-CP-{len(packages) + 1:03d}",
            name=f"{need.title} ({need.reference})",
            capability_area_id=need.capability_area_id,
            note=f"SYNTHETIC demo capability package{note}.",
        )
        session.add(pkg)
        session.flush()
        session.add_all(
            PackageComponent(capability_package_id=pkg.id, requirement_id=n.id, component=what)
            for n, what in parts
        )
        packages.append(pkg)

    for need, code in need_rows:
        if need.id not in crewed or code == "air-surveillance-radar":
            continue
        parts = [(need, "launchers" if code == "sam-system" else "systems")]
        if code == "sam-system" and radars:
            parts.append((radars.pop(0), "radar"))
        package(need, parts, "")
    for radar in radars:
        package(radar, [(radar, "radar")], "")
    plain = [(n, code) for n, code in need_rows if n.id not in crewed][:6]
    for need, code in plain:
        package(need, [(need, COMPONENT.get(code, "stock"))], " (no crews to train)")
    session.flush()
    return packages


def _linked(b: _Builder, courses_by_id: dict[int, Course]) -> None:
    """Seat requests for the packages' crews, each package given a story in turn by whether its
    equipment is there: trained (ready), still to train, or trained while the equipment is not."""
    board = readiness.readiness(b.session, today=b.today)
    needs = {
        n.id: n
        for n in b.session.scalars(
            select(Requirement).where(
                Requirement.id.in_({c.requirement_id for p in board.packages for c in p.components})
            )
        )
    }
    for i, pkg in enumerate(board.packages):
        if not pkg.training:
            continue
        delivered = pkg.equipment_delivered
        past = (delivered and i % 2 == 0) or (not delivered and i % 3 == 0)
        for t in pkg.training:
            need = needs[t.requirement_id]
            course = courses_by_id[t.course_id]
            component = next(c for c in pkg.components if c.requirement_id == need.id)
            not_before = (
                component.equipment_on if course.course_type is CourseType.COLLECTIVE else None
            )
            b.book(
                course,
                t.seats_needed,
                past=past,
                not_before=not_before,
                recipient_unit=UNITS[need.id % len(UNITS)],
                requirement_id=need.id,
                allocation_id=component.allocation_ids[0] if component.allocation_ids else None,
                weight=4 - need.priority,
                note="SYNTHETIC: crews for a capability package",
            )


def _crewed_allocations(b: _Builder, courses: list[Course]) -> dict[int, list[tuple[int, int]]]:
    """Per course, the accepted allocations (id, need id) of the item types it qualifies for."""
    rows = b.session.execute(
        select(Allocation.id, Allocation.requirement_id, OfferLine.item_type_id)
        .join(OfferLine, OfferLine.id == Allocation.offer_line_id)
        .where(Allocation.status == AllocationStatus.ACCEPTED)
        .order_by(Allocation.id)
    ).all()
    by_type: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for allocation_id, need_id, item_type_id in rows:
        if item_type_id is not None:
            by_type[item_type_id].append((allocation_id, need_id))
    return {
        c.id: [a for t in c.item_type_ids for a in by_type.get(t, [])]
        for c in courses
        if any(t in by_type for t in c.item_type_ids)
    }


def _others(b: _Builder, courses: list[Course]) -> None:
    """Requests from recipient units up to :data:`REQUESTS`: some on coming events, many not yet
    assigned, some for a capability area only, some on past events (with their outcomes).

    Every other request not yet assigned to a course whose item types the demo allocates crews
    that equipment: it names the allocation and its need, so the seat plan weighs the rule that
    training ends before the equipment's handover. (Chosen in turn, not drawn, so that the random
    draws, and so the rest of the picture, stay as they are.)"""
    rng, today = b.rng, b.today
    prereqs = {c.id: [p.id for p in c.prerequisites] for c in courses}
    by_id = {c.id: c for c in courses}
    crewed = _crewed_allocations(b, courses)
    turn = 0
    while len(b.requests) < REQUESTS:
        course = rng.choice(courses)
        roll = rng.random()
        seats = rng.randint(2, 10)
        unit = rng.choice(UNITS)
        if roll < 0.2:
            # Past training: attended, with people in every outcome.
            booked = b.book(course, seats, past=True, recipient_unit=unit)
            if booked:
                for p in b.people[-booked:]:
                    if p.status is ParticipantStatus.COMPLETED:
                        p.status = rng.choices(
                            [
                                ParticipantStatus.COMPLETED,
                                ParticipantStatus.FAILED,
                                ParticipantStatus.WITHDRAWN,
                                ParticipantStatus.ACCEPTED,
                                ParticipantStatus.ATTENDED,
                            ],
                            weights=[70, 12, 6, 8, 4],
                        )[0]
                        if p.status is not ParticipantStatus.COMPLETED:
                            p.score = (
                                rng.randint(35, 64)
                                if p.status is ParticipantStatus.FAILED
                                else None
                            )
                continue
        if roll < 0.45 and b.book(
            course, seats, past=False, recipient_unit=unit, weight=rng.randint(1, 5)
        ):
            continue
        start = today + dt.timedelta(days=rng.randint(0, 60))
        finish = start + dt.timedelta(days=rng.randint(course.duration_days + 14, 200))
        area_only = roll > 0.9
        link: tuple[int, int] | None = None
        if not area_only and crewed.get(course.id):
            turn += 1
            if turn % 2:
                options = crewed[course.id]
                link = options[(turn // 2) % len(options)]
        b.request(
            recipient_unit=unit,
            course_id=None if area_only else course.id,
            capability_area_id=course.capability_area_id if area_only else None,
            allocation_id=None if link is None else link[0],
            requirement_id=None if link is None else link[1],
            seats=seats,
            earliest_start_on=start,
            latest_finish_on=finish,
            weight=rng.randint(1, 5),
            status=SeatRequestStatus.REQUESTED,
            completed_courses=(
                [] if area_only or rng.random() < 0.3 else [by_id[c] for c in prereqs[course.id]]
            ),
        )
    b.session.flush()


def _slip(b: _Builder) -> int:
    """One handover slips: a consignment on its way to a package whose crews are booked on a
    collective course gets a delay scan with an ETA after that course starts, so the board lists
    the training the slip invalidates. Returns the tracking events stored (0 or 1)."""
    board = readiness.readiness(b.session, today=b.today)
    collective = set(
        b.session.scalars(select(Course.id).where(Course.course_type == CourseType.COLLECTIVE))
    )
    moving = set(
        b.session.scalars(
            select(Consignment.id).where(
                Consignment.status.in_([ConsignmentStatus.IN_TRANSIT, ConsignmentStatus.AT_HUB])
            )
        )
    )
    for pkg in board.packages:
        booked = [t for t in pkg.training if t.course_id in collective and t.seats_planned]
        cons = [c for c in pkg.consignment_ids if c in moving]
        if not booked or not cons:
            continue
        starts = b.session.scalars(
            select(TrainingEvent.starts_on).where(
                TrainingEvent.id.in_({e for t in booked for e in t.event_ids}),
                TrainingEvent.status.not_in(
                    [TrainingEventStatus.COMPLETED, TrainingEventStatus.CANCELLED]
                ),
            )
        ).all()
        if not starts:
            continue
        consignment = b.session.get(Consignment, cons[0])
        assert consignment is not None
        eta = max(starts) + dt.timedelta(days=10)
        # Early on the day of loading (an event in the future is refused by the ingest).
        reported = min(
            dt.datetime.combine(b.today, dt.time(0, 30), tzinfo=dt.UTC),
            dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5),
        )
        event = ingest.EventIn(
            event_id=f"{consignment.reference}-demo-slip",
            consignment=consignment.reference,
            kind=TrackingEventKind.DELAYED,
            occurred_at=reported,
            new_eta=dt.datetime.combine(eta, dt.time(12), tzinfo=dt.UTC),
            note="SYNTHETIC: handover slipped (vehicles held for repairs at the hub)",
        )
        return ingest.ingest(b.session, [event]).applied
    return 0


def load_training(session: Session, *, today: dt.date, seed: int = DEFAULT_SEED) -> TrainingReport:
    """Load the demo's training (see the module docstring) into a database holding the demo and
    its execution picture; nothing when courses exist already. Flushes, never commits."""
    if session.scalar(select(Course.id).limit(1)) is not None:
        return TrainingReport(0, 0, 0, 0, 0, 0, 0, 0)
    hosts = _hosts(session)
    centres = _centres(session, hosts)
    courses = _courses(session, hosts, centres)
    b = _Builder(session, today, seed)
    events = _events(b, courses, hosts, centres)
    crews = _crews(session, courses)
    packages = _packages(session)
    _linked(b, {c.id: c for c in courses.values()})
    _others(b, list(courses.values()))
    session.add_all(b.people)
    session.flush()
    _slip(b)
    return TrainingReport(
        host_nations=len(hosts),
        training_centres=len({c.id for c in centres.values()}),
        courses=len(courses),
        training_events=events,
        crew_requirements=crews,
        capability_packages=len(packages),
        seat_requests=len(b.requests),
        participants=len(b.people),
    )
