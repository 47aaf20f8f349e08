"""``nsatu consignments``: make consignments from accepted allocations, and list them.

``create-from-allocations`` groups what accepted allocations still leave to ship by donor, origin
depot and destination into consignments with legs origin → hub → handover point (hub and dates
from the plan run when the allocations came from one). ``list`` shows reference, state, route and
the quantity loaded. Both run as the CLI's system actor (recorded in the audit trail).
"""

from __future__ import annotations

import typer

from nsatu.cli.common import (
    EXIT_USER_ERROR,
    JsonOpt,
    console,
    fail,
    print_json,
    print_table,
    unit_of_work,
)

app = typer.Typer(help="Consignments: make them from accepted allocations; list them.")


@app.command("create-from-allocations")
def create_from_allocations_command(as_json: bool = JsonOpt) -> None:
    """One consignment per donor, origin and destination of the accepted allocations."""
    from nsatu.logistics import consign

    with unit_of_work() as session:
        outcome = consign.create_from_allocations(session)
        created = [
            {"reference": c.reference, "id": c.id, "status": str(c.status)} for c in outcome.created
        ]
    if as_json:
        print_json({"created": created, "skipped": outcome.skipped})
        return
    print_table(
        f"Consignments created ({len(created)})",
        ("reference", "status"),
        [(c["reference"], c["status"]) for c in created],
    )
    for reason in outcome.skipped:
        console.print(f"skipped: {reason}")


@app.command("list")
def list_command(
    status: str | None = typer.Option(None, "--status", help="Only consignments in this state."),
    limit: int = typer.Option(1000, "--limit", min=1, max=100_000, help="At most this many."),
    as_json: bool = JsonOpt,
) -> None:
    """Consignments with their state, route (site codes) and loaded quantity."""
    from nsatu.core.lifecycles import ConsignmentStatus
    from nsatu.logistics import consign

    try:
        wanted = ConsignmentStatus(status) if status else None
    except ValueError:
        states = ", ".join(ConsignmentStatus)
        fail(f"--status: {status!r} is not one of {states}", code=EXIT_USER_ERROR, as_json=as_json)
    with unit_of_work() as session:
        rows = consign.summaries(session, status=wanted, limit=limit)
    if as_json:
        print_json(
            [
                {
                    "reference": r.reference,
                    "kind": r.kind,
                    "state": str(r.status),
                    "route": r.route,
                    "loaded": r.loaded,
                }
                for r in rows
            ]
        )
        return
    print_table(
        f"Consignments ({len(rows)})",
        ("reference", "kind", "state", "route", "loaded"),
        [(r.reference, r.kind, str(r.status), " → ".join(r.route), r.loaded) for r in rows],
    )
