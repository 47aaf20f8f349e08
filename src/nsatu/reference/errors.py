from nsatu.errors import NotFound


class NationNotFound(NotFound):
    code = "nation_not_found"


class OrganisationNotFound(NotFound):
    code = "organisation_not_found"


class SiteNotFound(NotFound):
    code = "site_not_found"


class CapabilityAreaNotFound(NotFound):
    code = "capability_area_not_found"


class ItemTypeNotFound(NotFound):
    code = "item_type_not_found"
