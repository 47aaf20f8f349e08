from nsatu.errors import Conflict, NotFound


class ConsignmentNotFound(NotFound):
    code = "consignment_not_found"


class ConsignmentLineNotFound(NotFound):
    code = "consignment_line_not_found"


class ConsignmentLegNotFound(NotFound):
    code = "consignment_leg_not_found"


class TrackingEventNotFound(NotFound):
    code = "tracking_event_not_found"


class ConsignmentNotEditable(Conflict):
    """The consignment's status no longer allows this change (e.g. lines once it has left)."""

    code = "consignment_not_editable"


class OfferOverConsigned(Conflict):
    """Live consignments would carry more of an offer line than it offers."""

    code = "offer_over_consigned"


class ConsignmentEmpty(Conflict):
    code = "consignment_empty"


class EventImpossible(Conflict):
    """A tracking event that cannot happen given the consignment's recorded events."""

    code = "tracking_event_impossible"


class ConsignmentChanged(Conflict):
    """A consignment changed between the reads of an ingest batch and its writes."""

    code = "consignment_changed"
