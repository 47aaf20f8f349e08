"""``nsatu events``: tracking events from scan files, and the events the ingest refused.

``import`` reads a scan file (CSV: ``event_id, consignment, kind, site, occurred_at, quantity,
serials``), refuses a malformed file naming row and column (exit 2, nothing written), and applies
the rest through the same ingest as the batch API: retries are ignored, impossible events stored
with their reason. ``rejected`` lists those; ``replay`` sends them through the ingest again once
the data is fixed. Every command runs as the CLI's system actor (recorded in the audit trail).
"""

from __future__ import annotations

from pathlib import Path
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
from nsatu.core.access import Channel

app = typer.Typer(help="Tracking events: import scan files, list and replay refused events.")


def _report(result: Any, as_json: bool, title: str) -> None:
    counts = result.counts()
    if as_json:
        print_json(counts)
        return
    print_table(title, ("applied", "duplicates", "rejected"), [tuple(counts.values())])
    if result.refusals:
        rows = [(r.row, r.event_id, r.consignment, r.reason) for r in result.refusals[:50]]
        print_table(
            "Refused (see nsatu events rejected)", ("row", "event", "consignment", "reason"), rows
        )


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., metavar="FILE", help="The scan file (CSV, UTF-8)."),
    as_json: bool = JsonOpt,
) -> None:
    """Apply the tracking events of a scan file; print applied, duplicate and refused counts."""
    from nsatu.errors import InvalidInput
    from nsatu.logistics import ingest, scanfile

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{file}: {exc}", code=EXIT_USER_ERROR, as_json=as_json)
    try:
        events = scanfile.parse(text)
    except InvalidInput as exc:
        fail(f"{file}: {exc.detail}", code=EXIT_USER_ERROR, as_json=as_json)
    with unit_of_work(Channel.IMPORT) as session:
        result = ingest.ingest(session, events)
    _report(result, as_json, f"Imported {file.name}")


@app.command("rejected")
def rejected_command(
    consignment: str | None = typer.Option(None, "--consignment", help="Only this reference."),
    resolved: bool = typer.Option(False, "--resolved", help="Show resolved refusals instead."),
    limit: int = typer.Option(200, "--limit", min=1, max=200, help="At most this many."),
    as_json: bool = JsonOpt,
) -> None:
    """List refused tracking events with their reasons, newest first."""
    from nsatu.logistics import rejections
    from nsatu.logistics import schemas as s

    f = s.RejectionFilter(consignment_reference=consignment, resolved=resolved, size=limit)
    with unit_of_work() as session:
        page = rejections.list_rejections(session, f)
        items = [s.RejectionRead.model_validate(r).model_dump(mode="json") for r in page.items]
    if as_json:
        print_json({"total": page.total, "items": items})
        return
    rows = [
        (i["id"], i["event_id"], i["consignment_reference"], i["attempts"], i["reason"])
        for i in items
    ]
    print_table(
        f"Refused events ({page.total})", ("id", "event", "consignment", "tries", "reason"), rows
    )


@app.command("replay")
def replay_command(
    ids: list[int] | None = typer.Argument(None, help="Refusal ids (default: every open one)."),
    as_json: bool = JsonOpt,
) -> None:
    """Send refused events through the ingest again (after the data was fixed)."""
    from nsatu.logistics import rejections

    with unit_of_work() as session:
        result = rejections.replay(session, list(ids) if ids else None)
    _report(result, as_json, "Replayed")
    if not as_json and not result.refusals:
        console.print("Every replayed event is now recorded.")
