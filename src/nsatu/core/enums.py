"""Vocabularies shared by the whole system (pure ``StrEnum`` s, no behaviour)."""

from __future__ import annotations

from enum import StrEnum


class Releasability(StrEnum):
    """Who may see a record, from widest to narrowest (see :mod:`nsatu.core.access`)."""

    PUBLIC = "public"  # anyone, including the public release
    COALITION = "coalition"  # every participating nation
    BILATERAL = "bilateral"  # the donor, the recipient and the coordinators
    INTERNAL = "internal"  # the coordinators only


class OrganisationKind(StrEnum):
    MINISTRY = "ministry"
    AGENCY = "agency"
    INDUSTRY = "industry"
    NGO = "ngo"
    INTERNATIONAL = "international"


class SiteKind(StrEnum):
    DEPOT = "depot"
    HUB = "hub"
    HANDOVER_POINT = "handover_point"
    TRAINING_CENTRE = "training_centre"
    HQ = "hq"


class TransportMode(StrEnum):
    ROAD = "road"
    RAIL = "rail"
    AIR = "air"
    SEA = "sea"


class OfferChannel(StrEnum):
    BILATERAL = "bilateral"
    POOLED_FUND = "pooled_fund"
    COALITION = "coalition"
    JOINT_PROCUREMENT = "joint_procurement"


class OfferKind(StrEnum):
    IN_KIND_STOCK = "in_kind_stock"
    NEW_PROCUREMENT = "new_procurement"
    CASH_POOLED = "cash_pooled"
    TRAINING = "training"
    SERVICE = "service"


class ValuationBasis(StrEnum):
    REPLACEMENT_COST = "replacement_cost"
    NET_BOOK_VALUE = "net_book_value"
    CONTRACT_PRICE = "contract_price"
    PRICE_LIST = "price_list"
    DONOR_DECLARED = "donor_declared"


class AllocationSource(StrEnum):
    PLAN_RUN = "plan_run"
    MANUAL = "manual"


class ConsignmentKind(StrEnum):
    DELIVERY = "delivery"  # donor depot → hub → handover point
    REPAIR = "repair"  # equipment going to (or back from) a repair facility


class TrackingEventKind(StrEnum):
    """What a scan or a report says happened to a consignment (see :mod:`nsatu.core.custody`)."""

    DEPARTED = "departed"  # left its origin
    ARRIVED_HUB = "arrived_hub"
    HANDLED = "handled"  # handled at the hub it is at (unloaded, stored, reloaded)
    DEPARTED_HUB = "departed_hub"
    HOLD = "hold"  # held at customs or a border
    RELEASE = "release"
    DELAYED = "delayed"  # with a new ETA
    HANDED_OVER = "handed_over"
    RECEIVED = "received"
    LOST = "lost"
    DAMAGED = "damaged"
    NOTE = "note"  # free text, no effect on custody


class DiscrepancyReason(StrEnum):
    """Why a quantity received differs from what was sent (proof of delivery, discrepancies)."""

    DAMAGED = "damaged"
    MISSING = "missing"
    STOLEN = "stolen"
    SUBSTITUTION = "substitution"
    WRONG_ITEM = "wrong_item"
    DATA_ENTRY_ERROR = "data_entry_error"


class EndUseOutcome(StrEnum):
    """What an end-use check found for one serial-tracked item."""

    SEEN = "seen"
    NOT_SEEN = "not_seen"
    EXPENDED = "expended"  # documented as expended
    DESTROYED = "destroyed"  # documented as destroyed
    TRANSFERRED = "transferred"  # documented transfer to another unit


class CourseType(StrEnum):
    """How a course trains: one person at a time, a crew or unit together, or a specialist."""

    INDIVIDUAL = "individual"
    COLLECTIVE = "collective"  # a crew or unit trains together, on the equipment
    SPECIALISED = "specialised"


class TrainingFunding(StrEnum):
    """Who pays for a training event: the host nation, or a pooled fund."""

    NATIONAL = "national"
    EU_EPF = "eu_epf"  # the EU's European Peace Facility (EUMAM)
    POOLED = "pooled"  # another multinational fund (e.g. a coalition trust fund)


class CrewRole(StrEnum):
    """Which crew of an item type a course qualifies."""

    OPERATOR = "operator"
    MAINTAINER = "maintainer"
