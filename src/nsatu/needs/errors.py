from nsatu.errors import NotFound


class RequirementNotFound(NotFound):
    code = "requirement_not_found"
