"""``nsatu import kiel-r7|kiel-r29``: the published Ukraine Support Tracker releases."""

from __future__ import annotations

import typer


def register(import_app: typer.Typer) -> None:
    """Add the tracker importers to ``nsatu import``."""
