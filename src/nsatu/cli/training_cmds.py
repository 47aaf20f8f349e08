"""``nsatu training``: courses, events, seat requests, participants and readiness."""

from __future__ import annotations

import typer

app = typer.Typer(help="Training: courses, events, seats, the seat plan and readiness.")
