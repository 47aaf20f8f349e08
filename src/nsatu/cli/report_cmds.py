"""``nsatu report NAME``: every report as a table, JSON, CSV or XLSX."""

from __future__ import annotations

import typer

app = typer.Typer(help="Reports: donors, monthly, burden sharing, pipeline, dependence, training.")
