"""Errors of the demo loader."""

from __future__ import annotations

from nsatu.errors import Conflict


class DatabaseNotEmpty(Conflict):
    """The demo only loads into an empty database, so it never mixes with or duplicates real rows."""

    code = "database_not_empty"
