"""ORM models, one module per aggregate. Importing this package registers every table."""

from nsatu.db.models.allocation import Allocation
from nsatu.db.models.audit import AuditEntry, AuditHead
from nsatu.db.models.delivery import (
    DiscrepancyAttachment,
    DiscrepancyReport,
    EndUseCheck,
    Receipt,
    ReceiptLine,
    RepairSerial,
)
from nsatu.db.models.identity import ApiToken, User, WebSession
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
from nsatu.db.models.logistics import (
    Consignment,
    ConsignmentLeg,
    ConsignmentLine,
    TrackingEvent,
    TrackingRejection,
)
from nsatu.db.models.offer import OfferLine
from nsatu.db.models.plan_run import PlanRun
from nsatu.db.models.reference import (
    CapabilityArea,
    ItemType,
    Nation,
    NationGdp,
    Organisation,
    Site,
    TransportLink,
)
from nsatu.db.models.requirement import Requirement
from nsatu.db.models.training import (
    CapabilityPackage,
    Course,
    CrewRequirement,
    PackageComponent,
    Participant,
    SeatRequest,
    TrainingEvent,
    course_item_type,
    course_prerequisite,
    seat_request_completed_course,
    training_event_instructor,
)

__all__ = [
    "Allocation",
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "CapabilityArea",
    "CapabilityPackage",
    "Consignment",
    "ConsignmentLeg",
    "ConsignmentLine",
    "Course",
    "CrewRequirement",
    "DiscrepancyAttachment",
    "DiscrepancyReport",
    "EndUseCheck",
    "ItemType",
    "KielDonorGdp",
    "KielEuKey",
    "KielEuShare",
    "KielExchangeRate",
    "KielMonth",
    "KielR7Row",
    "KielRelease",
    "KielWeapon",
    "Nation",
    "NationGdp",
    "OfferLine",
    "Organisation",
    "PackageComponent",
    "Participant",
    "PlanRun",
    "Receipt",
    "ReceiptLine",
    "RepairSerial",
    "Requirement",
    "SeatRequest",
    "Site",
    "TrackingEvent",
    "TrackingRejection",
    "TrainingEvent",
    "TransportLink",
    "User",
    "WebSession",
    "course_item_type",
    "course_prerequisite",
    "seat_request_completed_course",
    "training_event_instructor",
]
