"""Who may see and change what: the need-to-know policy as pure predicates.

The database layer applies the same policy as SQL criteria to every query (``nsatu.db.scoping``);
the tests check that the two agree record by record. Roles:

================== ============================================== ==============================
role               may see                                        may change
================== ============================================== ==============================
coordinator        everything                                     everything
donor_liaison      its nation's offers in full; published needs;  its nation's offers
                   other donors' offers as releasability allows
recipient_planner  the needs and the offers allocated to them     the needs
hub_operator       the consignments through its hub               tracking events at its hub
training_coord.    its host nation's courses and seat requests    its courses
auditor            everything, plus the audit log                 nothing
public (no login)  only what is released as public                nothing
================== ============================================== ==============================

Releasability of a record: ``public`` (anyone), ``coalition`` (every participating nation),
``bilateral`` (the donor, the recipient and the coordinators), ``internal`` (coordinators only).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from nsatu.core.enums import Releasability
from nsatu.core.lifecycles import RequirementStatus


class Role(StrEnum):
    COORDINATOR = "coordinator"
    DONOR_LIAISON = "donor_liaison"
    RECIPIENT_PLANNER = "recipient_planner"
    HUB_OPERATOR = "hub_operator"
    TRAINING_COORDINATOR = "training_coordinator"
    AUDITOR = "auditor"
    PUBLIC = "public"


class Channel(StrEnum):
    """Where a change came from (recorded in the audit trail)."""

    API = "api"
    WEB = "web"
    CLI = "cli"
    IMPORT = "import"
    SYSTEM = "system"


#: Roles tied to one nation, one hub or one host nation.
NATION_ROLES = frozenset({Role.DONOR_LIAISON, Role.RECIPIENT_PLANNER, Role.TRAINING_COORDINATOR})
SITE_ROLES = frozenset({Role.HUB_OPERATOR})
#: Roles that see every record.
SEE_ALL = frozenset({Role.COORDINATOR, Role.AUDITOR})

#: Needs a donor liaison may see: the published priority list and what came of it.
PUBLISHED_NEED_STATES = frozenset(
    {
        RequirementStatus.PUBLISHED,
        RequirementStatus.PARTIALLY_COVERED,
        RequirementStatus.COVERED,
        RequirementStatus.CLOSED,
    }
)
#: Releasability levels every participating nation may see.
COALITION_LEVELS = frozenset({Releasability.PUBLIC, Releasability.COALITION})


@dataclass(frozen=True)
class Actor:
    """The person or program on whose behalf a unit of work runs.

    ``nation_id`` is set for nation-bound roles, ``site_id`` for hub operators. ``recipient`` marks a
    nation-bound user of the recipient nation (who is party to every bilateral record).
    """

    role: Role
    username: str
    user_id: int | None = None
    nation_id: int | None = None
    site_id: int | None = None
    channel: Channel = Channel.API

    def __post_init__(self) -> None:
        if self.role in NATION_ROLES and self.nation_id is None:
            raise ValueError(f"nation_id: a {self.role} belongs to a nation")
        if self.role in SITE_ROLES and self.site_id is None:
            raise ValueError(f"site_id: a {self.role} belongs to a hub")

    @property
    def sees_all(self) -> bool:
        return self.role in SEE_ALL

    @property
    def is_public(self) -> bool:
        return self.role is Role.PUBLIC

    @property
    def may_write(self) -> bool:
        return self.role not in (Role.AUDITOR, Role.PUBLIC)


PUBLIC = Actor(role=Role.PUBLIC, username="public")


def system_actor(name: str, channel: Channel = Channel.CLI) -> Actor:
    """The actor of a command run on the server itself (full rights, named in the audit trail)."""
    return Actor(role=Role.COORDINATOR, username=name, channel=channel)


def offer_visible(
    actor: Actor, *, donor_nation_id: int, releasability: Releasability, allocated: bool
) -> bool:
    """May ``actor`` see an offer line of ``donor_nation_id`` at ``releasability``?

    ``allocated`` says whether a live allocation ties the line to a need.
    """
    if actor.sees_all:
        return True
    if releasability is Releasability.PUBLIC:
        return True
    if actor.role is Role.DONOR_LIAISON:
        return donor_nation_id == actor.nation_id or releasability is Releasability.COALITION
    if actor.role is Role.RECIPIENT_PLANNER:
        return allocated and releasability is not Releasability.INTERNAL
    if actor.role in (Role.HUB_OPERATOR, Role.TRAINING_COORDINATOR):
        return releasability is Releasability.COALITION
    return False


def need_visible(actor: Actor, *, status: RequirementStatus, releasability: Releasability) -> bool:
    """May ``actor`` see a requirement in ``status`` at ``releasability``?"""
    if actor.sees_all or actor.role is Role.RECIPIENT_PLANNER:
        return True
    if actor.is_public:
        return releasability is Releasability.PUBLIC and status in PUBLISHED_NEED_STATES
    # Every other nation-bound role sees the published list, as far as it is released to them.
    return status in PUBLISHED_NEED_STATES and releasability in COALITION_LEVELS


def may_change_offer(actor: Actor, *, donor_nation_id: int) -> bool:
    """Coordinators change any offer; a donor liaison only its own nation's."""
    if actor.role is Role.COORDINATOR:
        return True
    return actor.role is Role.DONOR_LIAISON and donor_nation_id == actor.nation_id


def may_change_need(actor: Actor) -> bool:
    return actor.role in (Role.COORDINATOR, Role.RECIPIENT_PLANNER)


def may_change_reference(actor: Actor) -> bool:
    """Nations, sites, the catalogue and other shared registries."""
    return actor.role is Role.COORDINATOR
