from nsatu.errors import Conflict, InvalidInput, NotFound


class ReceiptNotFound(NotFound):
    code = "receipt_not_found"


class ReceiptExists(Conflict):
    code = "receipt_exists"


class ReceiptVerified(Conflict):
    """A verified receipt is the record of what was accepted: it no longer changes."""

    code = "receipt_verified"


class NotHandedOver(Conflict):
    """Proof of delivery for a consignment that has not been handed over."""

    code = "consignment_not_handed_over"


class QuantitiesDoNotAddUp(InvalidInput):
    code = "quantities_do_not_add_up"


class DiscrepancyNotFound(NotFound):
    code = "discrepancy_not_found"


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"


class AttachmentRefused(InvalidInput):
    """Too large, empty, or not one of the accepted file types (judged by content)."""

    code = "attachment_refused"


class SerialNotFound(NotFound):
    code = "serial_not_found"
