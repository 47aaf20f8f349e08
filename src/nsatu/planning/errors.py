from nsatu.errors import Conflict, NotFound


class AllocationNotFound(NotFound):
    code = "allocation_not_found"


class OfferOverAllocated(Conflict):
    code = "offer_over_allocated"
