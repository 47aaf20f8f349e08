"""``nsatu training plan``: the optimised allocation of training seats."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the seat-plan commands to ``nsatu training``."""
