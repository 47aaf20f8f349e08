from nsatu.errors import Conflict, NotFound


class CourseNotFound(NotFound):
    code = "course_not_found"


class TrainingEventNotFound(NotFound):
    code = "training_event_not_found"


class SeatRequestNotFound(NotFound):
    code = "seat_request_not_found"


class TrainingEventNotEditable(Conflict):
    """The event's status no longer allows this change (it has started, ended or was cancelled)."""

    code = "training_event_not_editable"


class SeatsUnavailable(Conflict):
    """More seats asked for than the event has free."""

    code = "seats_unavailable"


class ParticipantNotFound(NotFound):
    code = "participant_not_found"


class CrewRequirementNotFound(NotFound):
    code = "crew_requirement_not_found"


class CapabilityPackageNotFound(NotFound):
    code = "capability_package_not_found"


class PackageComponentNotFound(NotFound):
    code = "package_component_not_found"
