"""Need-to-know, applied once for every query.

A listener on every ORM ``SELECT`` adds the actor's criteria for each scoped entity
(``with_loader_criteria``, aliases included), so lists, details, searches, exports, counts and
aggregates all see the same rows, and an id outside the actor's scope is simply not found (404, so
ids cannot be enumerated). The actor rides on ``session.info["actor"]``; the entry points set it:
the web to the signed-in user (public by default), the CLI to a named system actor. A session with
no actor is in-process code (migrations, the demo loader, benchmarks) and is not scoped.

The criteria mirror the predicates in :mod:`nsatu.core.access`; the tests check them against each
other record by record. Inside the lambdas only plain values (ints, literals) are closed over, so
SQLAlchemy can cache the statements and bind the values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, event, exists, false, or_, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from nsatu.core.access import Actor, Role
from nsatu.db.models import (
    Allocation,
    Consignment,
    ConsignmentLeg,
    ConsignmentLine,
    OfferLine,
    Requirement,
)

ACTOR_KEY = "actor"
#: Set this execution option to read past the scope (only for checks that must see every row, such
#: as the uniqueness of a reference, never to return rows to a caller).
UNSCOPED = "nsatu_unscoped"

Criteria = Callable[[Any], Any]

_LIVE = ["proposed", "accepted"]
_PUBLISHED = ["published", "partially_covered", "covered", "closed"]


def actor_of(session: Session) -> Actor | None:
    actor = session.info.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) else None


def set_actor(session: Session, actor: Actor | None) -> None:
    if actor is None:
        session.info.pop(ACTOR_KEY, None)
    else:
        session.info[ACTOR_KEY] = actor


def offer_criteria(actor: Actor) -> Criteria | None:
    """Criteria on ``OfferLine``; ``None`` when the actor sees every line."""
    n = actor.nation_id
    match actor.role:
        case Role.COORDINATOR | Role.AUDITOR:
            return None
        case Role.DONOR_LIAISON:
            return lambda cls: or_(
                cls.donor_nation_id == n, cls.releasability.in_(["public", "coalition"])
            )
        case Role.RECIPIENT_PLANNER:
            return lambda cls: or_(
                cls.releasability == "public",
                and_(
                    cls.releasability != "internal",
                    exists().where(
                        Allocation.offer_line_id == cls.id, Allocation.status.in_(_LIVE)
                    ),
                ),
            )
        case Role.HUB_OPERATOR | Role.TRAINING_COORDINATOR:
            return lambda cls: cls.releasability.in_(["public", "coalition"])
        case _:
            return lambda cls: cls.releasability == "public"


def need_criteria(actor: Actor) -> Criteria | None:
    match actor.role:
        case Role.COORDINATOR | Role.AUDITOR | Role.RECIPIENT_PLANNER:
            return None
        case Role.PUBLIC:
            return lambda cls: and_(cls.releasability == "public", cls.status.in_(_PUBLISHED))
        case _:
            return lambda cls: and_(
                cls.status.in_(_PUBLISHED), cls.releasability.in_(["public", "coalition"])
            )


def allocation_criteria(actor: Actor) -> Criteria | None:
    n = actor.nation_id
    match actor.role:
        case Role.COORDINATOR | Role.AUDITOR:
            return None
        case Role.RECIPIENT_PLANNER:
            return lambda cls: cls.releasability != "internal"
        case Role.DONOR_LIAISON:
            return lambda cls: or_(
                cls.releasability.in_(["public", "coalition"]),
                cls.offer_line_id.in_(select(OfferLine.id).where(OfferLine.donor_nation_id == n)),
            )
        case Role.PUBLIC:
            return lambda cls: cls.releasability == "public"
        case _:
            return lambda cls: cls.releasability.in_(["public", "coalition"])


def consignment_criteria(actor: Actor) -> Criteria | None:
    n, site = actor.nation_id, actor.site_id
    match actor.role:
        case Role.COORDINATOR | Role.AUDITOR:
            return None
        case Role.HUB_OPERATOR:
            return lambda cls: or_(
                cls.origin_site_id == site,
                cls.destination_site_id == site,
                exists().where(
                    ConsignmentLeg.consignment_id == cls.id,
                    or_(ConsignmentLeg.from_site_id == site, ConsignmentLeg.to_site_id == site),
                ),
            )
        case Role.RECIPIENT_PLANNER:
            return lambda cls: cls.releasability != "internal"
        case Role.DONOR_LIAISON:
            return lambda cls: or_(
                cls.releasability.in_(["public", "coalition"]),
                exists().where(
                    ConsignmentLine.consignment_id == cls.id,
                    ConsignmentLine.offer_line_id.in_(
                        select(OfferLine.id).where(OfferLine.donor_nation_id == n)
                    ),
                ),
            )
        case Role.PUBLIC:
            return lambda cls: cls.releasability == "public"
        case _:
            return lambda cls: cls.releasability.in_(["public", "coalition"])


#: Entity → how to scope it. Other domains register theirs with :func:`register`.
SCOPED: dict[type[Any], Callable[[Actor], Criteria | None]] = {
    OfferLine: offer_criteria,
    Requirement: need_criteria,
    Allocation: allocation_criteria,
    Consignment: consignment_criteria,
}


def register(entity: type[Any], rule: Callable[[Actor], Criteria | None]) -> None:
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
