"""One error tree for the whole application.

Each class carries the HTTP status it maps to and a stable machine-readable code. The web layer renders
them in one handler; the CLI maps them to exit codes. Domain packages subclass these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar


class NsatuError(Exception):
    """Base of every expected business error."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "error"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "detail": self.detail}
        if self.field is not None:
            body["field"] = self.field
        body.update(self.extra)
        return body


class NotFound(NsatuError):
    status_code = 404
    code = "not_found"


class Conflict(NsatuError):
    status_code = 409
    code = "conflict"


class StaleVersion(Conflict):
    """The row changed since the client read it (optimistic concurrency)."""

    code = "stale_version"


class IllegalTransitionError(Conflict):
    """A lifecycle action that the current state does not allow."""

    code = "illegal_transition"

    def __init__(self, detail: str, *, state: str, action: str, allowed: Sequence[str]) -> None:
        super().__init__(detail, state=state, action=action, allowed=list(allowed))


class PermissionDenied(NsatuError):
    status_code = 403
    code = "permission_denied"


class InvalidInput(NsatuError):
    status_code = 422
    code = "invalid_input"


class PlanningError(NsatuError):
    status_code = 422
    code = "planning_error"
