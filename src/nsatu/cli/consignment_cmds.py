"""``nsatu consignments``: make consignments from accepted allocations, and list them.

``create-from-allocations`` groups what accepted allocations still leave to ship by donor, origin
depot and destination into consignments with legs origin → hub → handover point (hub and dates
from the plan run when the allocations came from one). ``list`` shows reference, state, route and
the quantity loaded. ``split`` moves lines (or part of one) of a consignment that has not
departed into a new one on the same route; ``merge`` combines such consignments on one route into
the first named and cancels the others. All run as the CLI's system actor (recorded in the audit
trail).
"""

from __future__ import annotations

from typing import Any

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

app = typer.Typer(
    help="Consignments: make them from accepted allocations; list, split and merge them."
)


@app.command("create-from-allocations")
def create_from_allocations_command(as_json: bool = JsonOpt) -> None:
    """One consignment per donor, origin and destination of the accepted allocations, on the
    plan's route, else the cheapest with capacity for the load (fallbacks listed with why)."""
    from nsatu.logistics import consign

    with unit_of_work() as session:
        outcome = consign.create_from_allocations(session)
        created = [
            {"reference": c.reference, "id": c.id, "status": str(c.status)} for c in outcome.created
        ]
    if as_json:
        print_json({"created": created, "skipped": outcome.skipped, "fallbacks": outcome.fallbacks})
        return
    print_table(
        f"Consignments created ({len(created)})",
        ("reference", "status"),
        [(c["reference"], c["status"]) for c in created],
    )
    for reason in outcome.skipped:
        console.print(f"skipped: {reason}")
    for reason in outcome.fallbacks:
        console.print(f"short of capacity: {reason}")


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


def _row(c: Any) -> dict[str, Any]:
    return {"reference": c.reference, "id": c.id, "status": str(c.status), "version": c.version}


@app.command("split")
def split_command(
    reference: str = typer.Argument(
        ..., metavar="REFERENCE", help="The consignment to split (created or ready)."
    ),
    lines: list[str] = typer.Option(
        ...,
        "--line",
        metavar="OFFER_REF=QUANTITY",
        help="OFFER_REF=QUANTITY: how much of the line carrying that offer line moves "
        "(repeat for several lines; all of it moves the line).",
    ),
    new_reference: str | None = typer.Option(
        None, "--reference", help="Reference of the new consignment (generated when omitted)."
    ),
    version: int | None = typer.Option(
        None, "--version", min=1, help="Refuse unless the consignment is still at this version."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Move lines (or part of a line) into a new consignment with the same route and legs."""
    from decimal import Decimal, InvalidOperation

    from pydantic import ValidationError

    from nsatu.logistics import split_merge
    from nsatu.logistics import split_schemas as ss

    wanted: list[tuple[str, Decimal]] = []
    for i, item in enumerate(lines, start=1):
        offer, _, qty = item.rpartition("=")
        try:
            wanted.append((offer, Decimal(qty)))
        except InvalidOperation:
            offer = ""
        if not offer:
            message = f"--line {i}: {item!r} is not OFFER_REF=QUANTITY"
            fail(message, code=EXIT_USER_ERROR, as_json=as_json)
    with unit_of_work() as session:
        source = split_merge.by_reference(session, reference)
        try:
            data = ss.ConsignmentSplit(
                version=version or source.version,
                reference=new_reference,
                lines=[
                    ss.SplitLine(
                        line_id=split_merge.line_of_offer(session, source, offer), quantity=qty
                    )
                    for offer, qty in wanted
                ],
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            fail(f"{where}: {first['msg']}", code=EXIT_USER_ERROR, as_json=as_json)
        out = split_merge.split_consignment(session, source.id, data)
        result = {"source": _row(out.source), "created": _row(out.created)}
    if as_json:
        print_json(result)
        return
    print_table(
        "Consignment split",
        ("", "reference", "status"),
        [(k, v["reference"], v["status"]) for k, v in result.items()],
    )


@app.command("merge")
def merge_command(
    references: list[str] = typer.Argument(
        ...,
        metavar="REFERENCE",
        help="Two or more consignments on one route (created or ready); the first is kept.",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Merge consignments into the first named: lines summed per offer line, the others
    cancelled."""
    from pydantic import ValidationError

    from nsatu.logistics import split_merge
    from nsatu.logistics import split_schemas as ss

    with unit_of_work() as session:
        members = [split_merge.by_reference(session, ref) for ref in references]
        try:
            data = ss.ConsignmentMerge(
                consignments=[ss.MergeMember(id=c.id, version=c.version) for c in members]
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            fail(f"{where}: {first['msg']}", code=EXIT_USER_ERROR, as_json=as_json)
        out = split_merge.merge_consignments(session, data)
        merged = _row(out.merged)
        cancelled = [_row(c) for c in out.cancelled]
    if as_json:
        print_json({"merged": merged, "cancelled": cancelled})
        return
    print_table(
        "Consignments merged",
        ("", "reference", "status"),
        [("kept", merged["reference"], merged["status"])]
        + [("cancelled", c["reference"], c["status"]) for c in cancelled],
    )
