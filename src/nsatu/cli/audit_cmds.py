"""``nsatu audit``: verify the hash chain, list entries, export them."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from nsatu.cli.common import (
    EXIT_FAILURE,
    EXIT_USER_ERROR,
    JsonOpt,
    err_console,
    fail,
    print_json,
    print_table,
    unit_of_work,
)

if TYPE_CHECKING:
    from pydantic import BaseModel

    from nsatu.audit.schemas import ChainReport
    from nsatu.core.audit_chain import Head

app = typer.Typer(
    help="The tamper-evident audit trail: every write, who made it, when, from where, before and "
    "after, in a hash chain.",
    no_args_is_help=True,
)

EntityOpt = typer.Option(None, "--entity", help="Only this table, e.g. offer_line or requirement.")
EntityIdOpt = typer.Option(None, "--entity-id", help="Only this record id (with --entity).")
UserOpt = typer.Option(None, "--user", help="Only changes by this username.")
ActionOpt = typer.Option(
    None, "--action", help="create, update, delete, transition, transition:<action>, bulk_insert …"
)
SinceOpt = typer.Option(None, "--since", help="From this time on (ISO 8601; UTC if no zone).")
UntilOpt = typer.Option(None, "--until", help="Before this time (ISO 8601; UTC if no zone).")

#: Shown per change in the table; ``--json`` has everything.
SUMMARY_WIDTH = 70


def _parse(schema: type[BaseModel], as_json: bool, **values: Any) -> Any:
    from pydantic import ValidationError

    try:
        return schema(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = str(err["loc"][0]).replace("_", "-") if err["loc"] else "options"
        fail(f"--{where}: {err['msg']}", code=EXIT_USER_ERROR, as_json=as_json)


def _anchor(text: str | None, as_json: bool) -> Head | None:
    from nsatu.core.audit_chain import Head

    if text is None:
        return None
    seq, sep, digest = text.partition(":")
    if not sep or not seq.isdigit() or int(seq) < 1 or len(digest) != 64:
        fail(
            "--anchor: give SEQ:HASH, e.g. 1200:3f5a… (the 64-character hash a verify printed)",
            code=EXIT_USER_ERROR,
            as_json=as_json,
        )
    return Head(int(seq), digest.lower())


@app.command("verify")
def verify(
    anchor: str | None = typer.Option(
        None,
        "--anchor",
        help="SEQ:HASH printed by an earlier verify and kept outside the database; the entry at "
        "SEQ must still have HASH (catches a rewrite of the whole chain).",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Walk the whole chain. Exit 1 naming the first entry that was modified, deleted, inserted or
    reordered; exit 0 when the chain is intact."""
    from nsatu.audit import service as audit_service

    mark = _anchor(anchor, as_json)
    with unit_of_work() as session:
        report = audit_service.verify_chain(session, anchor=mark)
    if as_json:
        print_json(report.model_dump())
    elif report.ok:
        typer.echo(f"Audit trail intact: {report.entries} entries verified.")
        typer.echo(f"Head: {report.head_seq}:{report.head_hash}")
        typer.echo("Keep this line outside the database; pass it to --anchor on a later verify.")
    else:
        _show_break(report)
    if not report.ok:
        raise typer.Exit(EXIT_FAILURE)


def _show_break(report: ChainReport) -> None:
    broken = report.broken
    assert broken is not None
    which = f"entry seq {broken.seq}" + (
        f" (id {broken.entry_id})" if broken.entry_id is not None else " (missing)"
    )
    err_console.print(f"[red]Audit trail BROKEN[/red] at {which}: {broken.problem}")
    err_console.print(f"  {broken.detail}", markup=False)
    err_console.print(f"  {report.entries} entries before it verified.", markup=False)


@app.command("list")
def list_entries(
    entity: str | None = EntityOpt,
    entity_id: int | None = EntityIdOpt,
    user: str | None = UserOpt,
    action: str | None = ActionOpt,
    since: str | None = SinceOpt,
    until: str | None = UntilOpt,
    page: int = typer.Option(1, "--page", help="Page number."),
    size: int = typer.Option(50, "--size", help="Entries per page (at most 500)."),
    as_json: bool = JsonOpt,
) -> None:
    """List entries, newest first."""
    from nsatu.audit import service as audit_service
    from nsatu.audit.schemas import AuditEntryRead, AuditFilter

    f = _parse(
        AuditFilter,
        as_json,
        entity=entity,
        entity_id=entity_id,
        user=user,
        action=action,
        since=since,
        until=until,
        page=page,
        size=size,
    )
    with unit_of_work() as session:
        result = audit_service.list_entries(session, f)
        items = [AuditEntryRead.model_validate(e) for e in result.items]
    if as_json:
        print_json(
            {
                "items": [i.model_dump(mode="json") for i in items],
                "total": result.total,
                "page": result.page,
                "size": result.size,
                "pages": result.pages,
            }
        )
        return
    rows = [
        (
            i.seq,
            i.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
            f"{i.username} ({i.role})",
            i.channel,
            i.action,
            f"{i.entity} {i.entity_id}" if i.entity_id is not None else i.entity,
            audit_service.summary(i.before, i.after, width=SUMMARY_WIDTH),
        )
        for i in items
    ]
    print_table(
        f"Audit trail: page {result.page} of {result.pages}, {result.total} entries",
        ["seq", "at (UTC)", "who", "from", "action", "record", "change"],
        rows,
    )


@app.command("export")
def export(
    file: Path = typer.Argument(..., help="Target .csv, .xlsx or .json file.", show_default=False),
    entity: str | None = EntityOpt,
    entity_id: int | None = EntityIdOpt,
    user: str | None = UserOpt,
    action: str | None = ActionOpt,
    since: str | None = SinceOpt,
    until: str | None = UntilOpt,
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace FILE if it exists."),
    as_json: bool = JsonOpt,
) -> None:
    """Export entries, oldest first: CSV or XLSX (one row per entry) or JSON (every field, enough
    to re-check the hashes elsewhere)."""
    from nsatu.audit import service as audit_service
    from nsatu.audit.schemas import AuditSelection, ExportFormat

    suffix = file.suffix.lower().lstrip(".")
    if suffix not in {f.value for f in ExportFormat}:
        fail(f"{file.name}: use a .csv, .xlsx or .json file", code=EXIT_USER_ERROR, as_json=as_json)
    f = _parse(
        AuditSelection,
        as_json,
        entity=entity,
        entity_id=entity_id,
        user=user,
        action=action,
        since=since,
        until=until,
    )
    if file.exists() and not overwrite:
        fail(
            f"{file} exists; pass --overwrite to replace it", code=EXIT_USER_ERROR, as_json=as_json
        )
    if not file.parent.is_dir():
        fail(f"{file.parent} is not a directory", code=EXIT_USER_ERROR, as_json=as_json)
    # Through a temporary file, so FILE is either complete or untouched.
    tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    try:
        with unit_of_work() as session, tmp.open("wb") as out:
            result = audit_service.export_entries(session, out, ExportFormat(suffix), f)
        tmp.replace(file)
    except OSError as exc:
        fail(f"{file}: {exc.strerror or exc}", code=EXIT_FAILURE, as_json=as_json)
    finally:
        tmp.unlink(missing_ok=True)
    if as_json:
        print_json({"exported": result.exported, "file": str(file)})
    else:
        typer.echo(f"Exported {result.exported} audit entries to {file}.")
