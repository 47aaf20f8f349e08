"""Need-to-know, applied once for every query.

A listener on every ORM ``SELECT`` adds the actor's criteria for each scoped entity
(``with_loader_criteria``, aliases included), so lists, details, searches, exports, counts and
aggregates all see the same rows, and an id outside the actor's scope is simply not found (404, so
ids cannot be enumerated). The actor rides on the session (:mod:`nsatu.db.actor`); the entry points
set it: the web to the signed-in user (public by default), the CLI to a named system actor. A
session with no actor is in-process code (migrations, the demo loader, benchmarks) and is not
scoped.

Every mapped entity is in exactly one of three groups (a test checks it):

- :data:`SCOPED`: nation- or site-bound records, each with its rule below;
- :data:`VISIBLE_TO_ALL`: reference data, courses and training events, which are not sensitive;
- :func:`not_exposed`: users, their tokens and sessions, and the audit trail. No generic route
  serves or writes them; the identity and audit domains guard them themselves.

The criteria mirror the predicates in :mod:`nsatu.core.access`; a property test checks them against
each other record by record, and the leak matrix checks every API route against the predicates.
Two rules keep the SQL equal to the predicates:

- Inside the lambdas only plain values (ints, literals) are closed over, so SQLAlchemy can cache
  the statements and bind the values.
- SQLAlchemy applies every entity's criteria inside subqueries too, even inside another entity's
  criteria. Where a rule needs facts from another table that the actor may not see (an offer's
  allocations, a consignment's legs), it reads the plain table (``Allocation.__table__``), which
  no criteria touch. Where a record *follows* another (a leg follows its consignment), the rule
  names the ORM entity on purpose, so the followed record's own criteria decide.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, event, exists, false, or_
from sqlalchemy.orm import ORMExecuteState, Session, aliased, with_loader_criteria

from nsatu.core.access import Actor, Role
from nsatu.db.actor import ACTOR_KEY, actor_of, set_actor
from nsatu.db.models import (
    Allocation,
    CapabilityArea,
    CapabilityPackage,
    Consignment,
    ConsignmentLeg,
    ConsignmentLine,
    Course,
    CrewRequirement,
    DiscrepancyAttachment,
    DiscrepancyReport,
    EndUseCheck,
    ItemType,
    Nation,
    NationGdp,
    OfferLine,
    Organisation,
    PackageComponent,
    Participant,
    PlanRun,
    Receipt,
    ReceiptLine,
    RepairSerial,
    Requirement,
    SeatRequest,
    Site,
    TrackingEvent,
    TrackingRejection,
    TrainingEvent,
    TransportLink,
)
from nsatu.db.models.kiel import (
    KielDonorGdp,
    KielEuKey,
    KielEuShare,
    KielExchangeRate,
    KielMonth,
    KielR7Row,
    KielRelease,
    KielWeapon,
)
from nsatu.db.models.offer import OfferLineValuation

__all__ = ["ACTOR_KEY", "SCOPED", "UNSCOPED", "actor_of", "install", "register", "set_actor"]

#: Set this execution option to read past the scope (only for checks that must see every row, such
#: as the uniqueness of a reference, never to return rows to a caller).
UNSCOPED = "nsatu_unscoped"

Criteria = Callable[[Any], Any]
Rule = Callable[[Actor], Criteria | None]

_LIVE = ["proposed", "accepted"]
_PUBLISHED = ["published", "partially_covered", "covered", "closed"]
_COALITION = ["public", "coalition"]

# Plain tables: read inside criteria without the criteria of their own entity (see above).
# Aliased, so that a criteria subquery never correlates with the same table in the query it is
# applied to (legs joined to their consignment, say): it always reads the table afresh.
_allocation = Allocation.__table__.alias("scope_allocation")
_offer = OfferLine.__table__.alias("scope_offer_line")
_line = ConsignmentLine.__table__.alias("scope_consignment_line")
_leg = ConsignmentLeg.__table__.alias("scope_consignment_leg")
_event = TrainingEvent.__table__.alias("scope_training_event")
_course = Course.__table__.alias("scope_course")
# The followed consignment, as an alias of the entity: its own criteria still apply (they include
# aliases), and it does not correlate with a consignment the query itself joins.
_followed = aliased(Consignment, name="scope_consignment")
_followed_offer = aliased(OfferLine, name="scope_followed_offer_line")
_followed_request = aliased(SeatRequest, name="scope_seat_request")
_followed_need = aliased(Requirement, name="scope_requirement")


def offer_criteria(actor: Actor) -> Criteria | None:
    """Criteria on ``OfferLine`` (:func:`~nsatu.core.access.offer_visible`); ``None`` when the
    actor sees every line."""
    n = actor.nation_id
    match actor.role:
        case Role.COORDINATOR | Role.AUDITOR:
            return None
        case Role.DONOR_LIAISON:
            return lambda cls: or_(cls.donor_nation_id == n, cls.releasability.in_(_COALITION))
        case Role.RECIPIENT_PLANNER:
            return lambda cls: or_(
                cls.releasability == "public",
                and_(
                    cls.releasability != "internal",
                    exists().where(
                        _allocation.c.offer_line_id == cls.id, _allocation.c.status.in_(_LIVE)
                    ),
                ),
            )
        case Role.HUB_OPERATOR | Role.TRAINING_COORDINATOR:
            return lambda cls: cls.releasability.in_(_COALITION)
        case _:
            return lambda cls: cls.releasability == "public"


def need_criteria(actor: Actor) -> Criteria | None:
    """Criteria on ``Requirement`` (:func:`~nsatu.core.access.need_visible`)."""
    match actor.role:
        case Role.COORDINATOR | Role.AUDITOR | Role.RECIPIENT_PLANNER:
            return None
        case Role.PUBLIC:
            return lambda cls: and_(cls.releasability == "public", cls.status.in_(_PUBLISHED))
        case _:
            return lambda cls: and_(cls.status.in_(_PUBLISHED), cls.releasability.in_(_COALITION))


def allocation_criteria(actor: Actor) -> Criteria | None:
    """Criteria on ``Allocation`` (:func:`~nsatu.core.access.allocation_visible`)."""
    n = actor.nation_id
    match actor.role:
        case Role.COORDINATOR | Role.AUDITOR:
            return None
        case Role.RECIPIENT_PLANNER:
            return lambda cls: cls.releasability != "internal"
        case Role.DONOR_LIAISON:
            return lambda cls: or_(
                cls.releasability.in_(_COALITION),
                and_(
                    cls.releasability != "internal",
                    exists().where(_offer.c.id == cls.offer_line_id, _offer.c.donor_nation_id == n),
                ),
            )
        case Role.PUBLIC:
            return lambda cls: cls.releasability == "public"
        case _:
            return lambda cls: cls.releasability.in_(_COALITION)


def consignment_criteria(actor: Actor) -> Criteria | None:
    """Criteria on ``Consignment`` (:func:`~nsatu.core.access.consignment_visible`)."""
    n, site = actor.nation_id, actor.site_id
    match actor.role:
        case Role.COORDINATOR | Role.AUDITOR:
            return None
        case Role.HUB_OPERATOR:
            return lambda cls: or_(
                cls.origin_site_id == site,
                cls.destination_site_id == site,
                exists().where(
                    _leg.c.consignment_id == cls.id,
                    or_(_leg.c.from_site_id == site, _leg.c.to_site_id == site),
                ),
            )
        case Role.RECIPIENT_PLANNER:
            return lambda cls: cls.releasability != "internal"
        case Role.DONOR_LIAISON:
            return lambda cls: or_(
                cls.releasability.in_(_COALITION),
                and_(
                    cls.releasability != "internal",
                    exists().where(
                        _line.c.consignment_id == cls.id,
                        _offer.c.id == _line.c.offer_line_id,
                        _offer.c.donor_nation_id == n,
                    ),
                ),
            )
        case Role.PUBLIC:
            return lambda cls: cls.releasability == "public"
        case _:
            return lambda cls: cls.releasability.in_(_COALITION)


def follows_consignment(actor: Actor) -> Criteria | None:
    """Lines, legs and tracking events: visible exactly when their consignment is. The ORM
    ``Consignment`` (an alias) in the subquery takes the consignment's own criteria."""
    if consignment_criteria(actor) is None:
        return None
    return lambda cls: exists().where(_followed.id == cls.consignment_id)


def seat_request_criteria(actor: Actor) -> Criteria | None:
    """Criteria on ``SeatRequest`` (:func:`~nsatu.core.access.seat_request_visible`)."""
    n = actor.nation_id
    match actor.role:
        case Role.COORDINATOR | Role.AUDITOR | Role.RECIPIENT_PLANNER:
            return None
        case Role.TRAINING_COORDINATOR:
            # The host of the course asked for, or of the event the request is assigned to (the
            # event's own host nation, or its course's).
            return lambda cls: or_(
                exists().where(_course.c.id == cls.course_id, _course.c.host_nation_id == n),
                exists().where(
                    _event.c.id == cls.training_event_id,
                    _course.c.id == _event.c.course_id,
                    or_(_course.c.host_nation_id == n, _event.c.host_nation_id == n),
                ),
            )
        case _:
            return lambda cls: nothing()


def follows_seat_request(actor: Actor) -> Criteria | None:
    """Participants are seen with their seat request (its own criteria decide)."""
    if seat_request_criteria(actor) is None:
        return None
    return lambda cls: exists().where(_followed_request.id == cls.seat_request_id)


def follows_need(actor: Actor) -> Criteria | None:
    """A capability package's components are seen with their need (its own criteria decide)."""
    if need_criteria(actor) is None:
        return None
    return lambda cls: exists().where(_followed_need.id == cls.requirement_id)


def follows_offer_line(actor: Actor) -> Criteria | None:
    """An offer line's alternative valuations are seen with the line (its own criteria decide)."""
    if offer_criteria(actor) is None:
        return None
    return lambda cls: exists().where(_followed_offer.id == cls.offer_line_id)


def plan_run_criteria(actor: Actor) -> Criteria | None:
    """Criteria on ``PlanRun`` (:func:`~nsatu.core.access.plan_run_visible`): a run's snapshot
    holds every open need and offer line, so only the roles that see everything see runs."""
    if actor.sees_all:
        return None
    return lambda cls: nothing()


def rejection_criteria(actor: Actor) -> Criteria | None:
    """Criteria on ``TrackingRejection`` (:func:`~nsatu.core.access.rejection_visible`): a refused
    event is seen by whoever sent it, and by the roles that see everything."""
    if actor.sees_all:
        return None
    if actor.is_public:
        return lambda cls: nothing()
    username = actor.username
    return lambda cls: cls.submitted_by == username


#: Entity → how to scope it. Other domains register theirs with :func:`register`.
SCOPED: dict[type[Any], Rule] = {
    OfferLine: offer_criteria,
    Requirement: need_criteria,
    Allocation: allocation_criteria,
    Consignment: consignment_criteria,
    ConsignmentLine: follows_consignment,
    ConsignmentLeg: follows_consignment,
    TrackingEvent: follows_consignment,
    TrackingRejection: rejection_criteria,
    # Proof of delivery, discrepancies, end-use checks and repair serials follow the consignment.
    Receipt: follows_consignment,
    ReceiptLine: follows_consignment,
    DiscrepancyReport: follows_consignment,
    DiscrepancyAttachment: follows_consignment,
    EndUseCheck: follows_consignment,
    RepairSerial: follows_consignment,
    SeatRequest: seat_request_criteria,
    Participant: follows_seat_request,
    PackageComponent: follows_need,
    OfferLineValuation: follows_offer_line,
    PlanRun: plan_run_criteria,
}

#: Not sensitive: every actor, the public included, sees every row.
VISIBLE_TO_ALL: frozenset[type[Any]] = frozenset(
    {
        Nation,
        NationGdp,
        Organisation,
        Site,
        TransportLink,
        CapabilityArea,
        ItemType,
        Course,
        TrainingEvent,
        # The published tracker releases are public data.
        KielDonorGdp,
        KielEuKey,
        KielEuShare,
        KielExchangeRate,
        KielMonth,
        KielR7Row,
        KielRelease,
        KielWeapon,
        # What an item type's crews need, and a package's name and area, are not sensitive; a
        # package's components (its needs) follow the needs' own scope.
        CrewRequirement,
        CapabilityPackage,
    }
)

#: Modules whose models (users, tokens, web sessions; the audit trail) no generic route serves or
#: writes: the identity and audit domains guard them themselves.
NOT_EXPOSED_MODULES = ("nsatu.db.models.identity", "nsatu.db.models.audit")


def not_exposed(entity: type[Any]) -> bool:
    return entity.__module__ in NOT_EXPOSED_MODULES


def register(entity: type[Any], rule: Rule) -> None:
    SCOPED[entity] = rule


def _apply(state: ORMExecuteState) -> None:
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    if state.execution_options.get(UNSCOPED):
        return
    actor = actor_of(state.session)
    if actor is None:
        return
    options = []
    for entity, rule in SCOPED.items():
        criteria = rule(actor)
        if criteria is not None:
            options.append(
                with_loader_criteria(
                    entity, criteria, include_aliases=True, propagate_to_loaders=True
                )
            )
    if options:
        state.statement = state.statement.options(*options)


def install() -> None:
    """Register the listener once per process (idempotent)."""
    if not event.contains(Session, "do_orm_execute", _apply):
        event.listen(Session, "do_orm_execute", _apply)


def nothing() -> Any:
    """A criterion that matches no row (for roles that may see none of an entity)."""
    return false()


install()
