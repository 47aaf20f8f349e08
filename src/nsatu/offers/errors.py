from nsatu.errors import NotFound


class OfferNotFound(NotFound):
    code = "offer_not_found"
