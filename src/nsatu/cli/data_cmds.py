"""``nsatu import``, ``nsatu export`` and ``nsatu check`` (spreadsheets and integrity)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Commands are added by the spreadsheet and integrity modules."""
