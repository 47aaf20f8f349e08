"""Errors of the audit domain."""

from nsatu.errors import NotFound


class AuditLogNotFound(NotFound):
    """Anyone but an auditor or a coordinator asked for the log: it answers as an unknown route
    does, so its existence is not disclosed."""

    code = "not_found"


class AuditEntryNotFound(NotFound):
    code = "audit_entry_not_found"
