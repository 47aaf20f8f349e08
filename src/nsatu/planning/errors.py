from nsatu.db.models.plan_run import PlanRunImmutable
from nsatu.errors import Conflict, NotFound


class AllocationNotFound(NotFound):
    code = "allocation_not_found"


class OfferOverAllocated(Conflict):
    code = "offer_over_allocated"


class PlanRunNotFound(NotFound):
    code = "plan_run_not_found"


class PlanRunNotFinished(Conflict):
    code = "plan_run_not_finished"


class StaleSnapshot(Conflict):
    """The data changed between a run's snapshot and the storing of its proposals."""

    code = "plan_run_stale_snapshot"


__all__ = [
    "AllocationNotFound",
    "OfferOverAllocated",
    "PlanRunImmutable",
    "PlanRunNotFinished",
    "PlanRunNotFound",
    "StaleSnapshot",
]
