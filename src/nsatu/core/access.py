"""Who may see and change what: the need-to-know policy as pure predicates.

The database layer applies the same policy as SQL criteria to every query (``nsatu.db.scoping``);
the tests check that the two agree record by record. Roles:

================== ============================================== ==============================
role               may see                                        may change
================== ============================================== ==============================
coordinator        everything                                     everything
donor_liaison      its nation's offers in full; published needs;  its nation's offers
                   other donors' offers as releasability allows
recipient_planner  the needs and the offers allocated to them     the needs; proof of delivery
hub_operator       the consignments through its hub               tracking events at its hub
training_coord.    its host nation's courses and seat requests    its courses, their events and
                                                                  seat requests
auditor            everything, plus the audit log                 nothing
public (no login)  only what is released as public                nothing
================== ============================================== ==============================

Releasability of a record: ``public`` (anyone), ``coalition`` (every participating nation),
``bilateral`` (the donor, the recipient and the coordinators), ``internal`` (coordinators only).
Auditors see everything; a nation always sees its own offers, the recipient its own needs, and a
hub operator the consignments through its hub, whatever their releasability.

Records that follow another one take its scope: consignment lines, legs and tracking events follow
their consignment, seat requests the host nation of their course. Reference data (nations,
organisations, sites, capability areas, the catalogue), courses and training events are not
sensitive: everyone sees them. Reading never depends on anything but the facts passed to these
predicates, so :mod:`nsatu.db.scoping` can state each of them as one SQL criterion.

An offer whose donor asked to stay anonymous is shown to the public as an undisclosed donor
(:func:`donor_disclosed`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from nsatu.core.enums import Releasability, TrackingEventKind
from nsatu.core.lifecycles import RequirementStatus


class Role(StrEnum):
    COORDINATOR = "coordinator"
    DONOR_LIAISON = "donor_liaison"
    RECIPIENT_PLANNER = "recipient_planner"
    HUB_OPERATOR = "hub_operator"
    TRAINING_COORDINATOR = "training_coordinator"
    AUDITOR = "auditor"
    PUBLIC = "public"

    @property
    def label(self) -> str:
        """For messages: ``donor liaison``."""
        return self.value.replace("_", " ")


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


def allocation_visible(actor: Actor, *, releasability: Releasability, donor_nation_id: int) -> bool:
    """May ``actor`` see an allocation at ``releasability`` of an offer of ``donor_nation_id``?"""
    if actor.sees_all or releasability is Releasability.PUBLIC:
        return True
    if actor.role is Role.RECIPIENT_PLANNER:
        return releasability is not Releasability.INTERNAL
    if actor.role is Role.DONOR_LIAISON and donor_nation_id == actor.nation_id:
        return releasability is not Releasability.INTERNAL
    return not actor.is_public and releasability is Releasability.COALITION


def consignment_visible(
    actor: Actor,
    *,
    releasability: Releasability,
    site_ids: Collection[int],
    donor_nation_ids: Collection[int],
) -> bool:
    """May ``actor`` see a consignment (and its lines, legs and tracking events)?

    ``site_ids`` are the sites it passes: origin, destination and both ends of every leg.
    ``donor_nation_ids`` are the donors of the offer lines it carries.
    """
    if actor.sees_all:
        return True
    if actor.role is Role.HUB_OPERATOR:
        return actor.site_id in site_ids
    if releasability is Releasability.PUBLIC:
        return True
    if actor.role is Role.RECIPIENT_PLANNER:
        return releasability is not Releasability.INTERNAL
    if actor.role is Role.DONOR_LIAISON and actor.nation_id in donor_nation_ids:
        return releasability is not Releasability.INTERNAL
    return not actor.is_public and releasability is Releasability.COALITION


def rejection_visible(actor: Actor, *, submitted_by: str) -> bool:
    """May ``actor`` see a tracking event refused on ingest? Its sender may (to correct and replay
    it), and the roles that see everything; its payload may name a consignment nobody else sees."""
    return actor.sees_all or (not actor.is_public and submitted_by == actor.username)


def seat_request_visible(
    actor: Actor, *, host_nation_id: int | None, event_host_nation_id: int | None = None
) -> bool:
    """May ``actor`` see a request for seats on a course hosted by ``host_nation_id`` (``None``
    for a request naming only a capability area), assigned to an event offered by
    ``event_host_nation_id``? A participant is seen with its seat request."""
    if actor.sees_all or actor.role is Role.RECIPIENT_PLANNER:
        return True
    if actor.role is not Role.TRAINING_COORDINATOR or actor.nation_id is None:
        return False
    return actor.nation_id in (host_nation_id, event_host_nation_id)


def plan_run_visible(actor: Actor) -> bool:
    """May ``actor`` read plan runs? A run holds a snapshot of every open need and offer line,
    whatever their releasability, so only the roles that see everything read it."""
    return actor.sees_all


def may_run_planner(actor: Actor) -> bool:
    """Starting plan runs and accepting or rejecting their proposals is the coordinators' job."""
    return actor.role is Role.COORDINATOR


def donor_disclosed(actor: Actor, *, anonymise_donor: bool) -> bool:
    """May ``actor`` know who the donor of a line it sees is?

    A donor may ask to stay anonymous: the public then sees an undisclosed donor (and cannot find
    the line by its donor); every signed-in role that sees the line sees the real donor.
    """
    return not (anonymise_donor and actor.is_public)


# --- Writes ----------------------------------------------------------------------------------

#: What a recipient planner records as proof of delivery.
PROOF_OF_DELIVERY = frozenset({TrackingEventKind.RECEIVED, TrackingEventKind.DAMAGED})
#: The consignment action that confirms a delivery.
RECEIVE_ACTION = "receive"


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


def may_change_training(actor: Actor, *, host_nation_id: int) -> bool:
    """A course, its training events and their seat requests belong to the course's host nation."""
    if actor.role is Role.COORDINATOR:
        return True
    return actor.role is Role.TRAINING_COORDINATOR and host_nation_id == actor.nation_id


#: What the recipient's planner does to seat requests (asks for seats, changes and cancels its
#: requests) and to participants (nominates people, withdraws them); the host decides the rest.
RECIPIENT_SEAT_OPS = frozenset({"create", "update", "cancel"})
RECIPIENT_PARTICIPANT_OPS = frozenset({"create", "withdraw"})


def may_write_seat_request(actor: Actor, *, host_nation_id: int | None, op: str) -> bool:
    """May ``actor`` make ``op`` (create, update, or a lifecycle action) on a seat request on
    training hosted by ``host_nation_id`` (``None``: a capability area only)? The host's training
    coordinator decides on requests; the recipient's planner asks for seats."""
    if actor.role is Role.RECIPIENT_PLANNER:
        return op in RECIPIENT_SEAT_OPS
    if host_nation_id is None:
        return actor.role is Role.COORDINATOR
    return may_change_training(actor, host_nation_id=host_nation_id)


def may_write_participant(actor: Actor, *, host_nation_id: int, op: str) -> bool:
    """May ``actor`` make ``op`` on a participant of training hosted by ``host_nation_id``? The
    recipient's planner nominates and withdraws its people; the host records the rest."""
    if actor.role is Role.RECIPIENT_PLANNER:
        return op in RECIPIENT_PARTICIPANT_OPS
    return may_change_training(actor, host_nation_id=host_nation_id)


def may_record_tracking_event(
    actor: Actor, *, site_id: int | None, kind: TrackingEventKind
) -> bool:
    """Hub operators report what happens at their hub; recipient planners prove delivery."""
    if actor.role is Role.COORDINATOR:
        return True
    if actor.role is Role.HUB_OPERATOR:
        return site_id is not None and site_id == actor.site_id
    return actor.role is Role.RECIPIENT_PLANNER and kind in PROOF_OF_DELIVERY


def records_tracking_events(actor: Actor) -> bool:
    """Roles that may record some tracking event (which ones: :func:`may_record_tracking_event`)."""
    return actor.role in (Role.COORDINATOR, Role.HUB_OPERATOR, Role.RECIPIENT_PLANNER)


def may_act_on_consignment(actor: Actor, action: str) -> bool:
    """Coordinators run consignments; the recipient confirms receipt (proof of delivery)."""
    if actor.role is Role.COORDINATOR:
        return True
    return actor.role is Role.RECIPIENT_PLANNER and action == RECEIVE_ACTION


# --- Proof of delivery, discrepancies, end-use checks -------------------------------------------


def may_record_receipt(actor: Actor) -> bool:
    """The recipient records what it received (proof of delivery), as do coordinators."""
    return actor.role in (Role.COORDINATOR, Role.RECIPIENT_PLANNER)


def may_verify_receipt(actor: Actor, *, recorded_by: str) -> bool:
    """Delivered is not verified: a coordinator or another recipient planner verifies a receipt,
    never the user who recorded it."""
    return may_record_receipt(actor) and actor.username != recorded_by


def may_report_discrepancy(actor: Actor) -> bool:
    """Whoever handles the goods reports what differs: the recipient, hub operators (for the
    consignments they see), coordinators."""
    return actor.role in (Role.COORDINATOR, Role.RECIPIENT_PLANNER, Role.HUB_OPERATOR)


def may_record_end_use_check(actor: Actor) -> bool:
    """End-use checks are recorded by coordinators and the recipient's planners."""
    return actor.role in (Role.COORDINATOR, Role.RECIPIENT_PLANNER)
