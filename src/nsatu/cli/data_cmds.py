"""``nsatu import``, ``nsatu export`` and ``nsatu check`` (spreadsheets and integrity)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from nsatu.cli.common import (
    EXIT_FAILURE,
    EXIT_USER_ERROR,
    JsonOpt,
    console,
    fail,
    print_json,
    print_table,
    unit_of_work,
)
from nsatu.core.access import Channel
from nsatu.core.lifecycles import OfferStage, RequirementStatus

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import BinaryIO

    from rich.progress import Progress, TaskID
    from sqlalchemy.orm import Session

    from nsatu.transfer.errors import ImportRejected
    from nsatu.transfer.schemas import ExportResult, Format

    Writer = Callable[[Session, BinaryIO, Format], ExportResult]

#: Files shorter than this import in a blink; a bar would only flicker.
PROGRESS_MIN_ROWS = 200
#: The table of problems stops here; ``--json`` always lists every one.
MAX_ERRORS_SHOWN = 50

DryRunOpt = typer.Option(False, "--dry-run", help="Check every row and report; write nothing.")
OverwriteOpt = typer.Option(False, "--overwrite", help="Replace FILE if it exists.")

import_app = typer.Typer(
    help="Import needs or offers from a spreadsheet (.csv UTF-8 or .xlsx, header in row 1). "
    "Every row is checked first; either all rows are imported or none.",
    no_args_is_help=True,
)
export_app = typer.Typer(
    help="Export needs or offers to .csv or .xlsx, with the columns the import reads.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    from nsatu.cli import kiel_cmds  # the tracker importers join ``nsatu import``

    kiel_cmds.register(import_app)
    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")
    app.command("check")(check)


# --- import ------------------------------------------------------------------------------------


class _Bar:
    """A Rich progress bar for long files on a terminal; silent otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled or total < PROGRESS_MIN_ROWS:
            return
        if self._progress is None:
            from rich.progress import Progress

            self._progress = Progress(console=console, transient=True)
            self._progress.start()
        if phase not in self._tasks:
            self._tasks[phase] = self._progress.add_task(phase.capitalize(), total=total)
        self._progress.update(self._tasks[phase], completed=done)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _show_rejection(exc: ImportRejected, as_json: bool) -> None:
    if as_json:
        print_json({"imported": 0, "errors": [e.model_dump() for e in exc.errors]})
        return
    shown = exc.errors[:MAX_ERRORS_SHOWN]
    print_table(
        "Problems",
        ["row", "column", "value", "message"],
        [(e.row, e.column, e.value, e.message) for e in shown],
    )
    if len(exc.errors) > len(shown):
        typer.echo(f"… and {len(exc.errors) - len(shown)} more (use --json to list all).")
    typer.echo(f"{len(exc.errors)} problem(s) in {exc.rows} row(s): nothing was imported.")


def _import(kind: str, file: Path, dry_run: bool, as_json: bool) -> None:
    from nsatu.errors import InvalidInput
    from nsatu.transfer import service as transfer_service
    from nsatu.transfer.errors import ImportRejected

    run = transfer_service.import_offers if kind == "offers" else transfer_service.import_needs
    try:
        fmt = transfer_service.format_for(file)
        data = file.read_bytes()
    except InvalidInput as exc:
        fail(exc.detail, code=EXIT_USER_ERROR, as_json=as_json)
    except OSError as exc:
        fail(f"{file}: {exc.strerror or exc}", code=EXIT_USER_ERROR, as_json=as_json)
    bar = _Bar(enabled=not as_json and sys.stdout.isatty())
    try:
        with unit_of_work(Channel.IMPORT) as session:
            try:
                result = run(session, data, fmt, dry_run=dry_run, progress=bar)
            except ImportRejected as exc:
                bar.close()
                _show_rejection(exc, as_json)
                # Raised inside the unit of work, so the transaction rolls back.
                raise typer.Exit(EXIT_USER_ERROR) from None
    finally:
        bar.close()
    if as_json:
        print_json(
            {"imported": result.imported, "errors": [], "rows": result.rows, "dry_run": dry_run}
        )
    elif dry_run:
        typer.echo(f"{file.name}: all {result.rows} {kind} are valid (dry run: nothing written).")
    else:
        typer.echo(f"{file.name}: imported {result.imported} {kind}.")


@import_app.command("offers")
def import_offers(
    file: Path = typer.Argument(..., help="A .csv (UTF-8) or .xlsx file.", show_default=False),
    dry_run: bool = DryRunOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Import offer / pledge lines from FILE.

    Required columns: donor (ISO alpha-3), kind, description.

    Optional: reference, donor_organisation, channel, item_type (code),
    quantity, quantity_delivered, announced_on, available_from_on,
    origin_site (code), currency, value_amount, eur_rate, eur_rate_on,
    valuation_basis, earmark_capability_area, earmark, parent_reference,
    releasability, source, source_ref, notes.

    Dates are YYYY-MM-DD (or Excel dates); an empty cell means "not given".
    """
    _import("offers", file, dry_run, as_json)


@import_app.command("needs")
def import_needs(
    file: Path = typer.Argument(..., help="A .csv (UTF-8) or .xlsx file.", show_default=False),
    dry_run: bool = DryRunOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Import requirements (needs) from FILE.

    Required columns: title, capability_area (code), quantity_requested,
    priority (1-3), period (YYYY-MM), needed_by_on.

    Optional: reference, item_type (code), quantity_approved, rank,
    destination_site (code), justification, releasability, synthetic (yes/no).

    Dates are YYYY-MM-DD (or Excel dates); an empty cell means "not given".
    """
    _import("needs", file, dry_run, as_json)


# --- export ------------------------------------------------------------------------------------


def _export(file: Path, overwrite: bool, as_json: bool, write: Writer) -> None:
    """Write through a temporary file, so FILE is either complete or untouched."""
    from nsatu.errors import InvalidInput
    from nsatu.transfer import service as transfer_service

    try:
        fmt = transfer_service.format_for(file)
    except InvalidInput as exc:
        fail(exc.detail, code=EXIT_USER_ERROR, as_json=as_json)
    if file.exists() and not overwrite:
        fail(
            f"{file} exists; pass --overwrite to replace it", code=EXIT_USER_ERROR, as_json=as_json
        )
    if not file.parent.is_dir():
        fail(f"{file.parent} is not a directory", code=EXIT_USER_ERROR, as_json=as_json)
    tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    try:
        with unit_of_work() as session, tmp.open("wb") as out:
            result = write(session, out, fmt)
        tmp.replace(file)
    finally:
        tmp.unlink(missing_ok=True)
    if as_json:
        print_json({"exported": result.exported, "file": str(file)})
    else:
        typer.echo(f"Exported {result.exported} {result.kind} to {file}.")


def _filter(schema: Any, as_json: bool, **values: Any) -> Any:
    from pydantic import ValidationError

    try:
        return schema(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        err = exc.errors()[0]
        fail(f"--{err['loc'][0]}: {err['msg']}", code=EXIT_USER_ERROR, as_json=as_json)


@export_app.command("offers")
def export_offers(
    file: Path = typer.Argument(..., help="Target .csv or .xlsx file.", show_default=False),
    donor: str | None = typer.Option(None, "--donor", help="Only this donor (ISO alpha-3)."),
    stage: OfferStage | None = typer.Option(None, "--stage", help="Only lines at this stage."),
    overwrite: bool = OverwriteOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Export offer / pledge lines (parents above their children)."""
    from nsatu.offers.schemas import OfferFilter
    from nsatu.transfer import service as transfer_service

    f = _filter(OfferFilter, as_json, donor=donor, stage=stage)
    _export(
        file, overwrite, as_json, lambda s, out, fmt: transfer_service.export_offers(s, out, fmt, f)
    )


@export_app.command("needs")
def export_needs(
    file: Path = typer.Argument(..., help="Target .csv or .xlsx file.", show_default=False),
    status: RequirementStatus | None = typer.Option(
        None, "--status", help="Only needs in this status."
    ),
    period: str | None = typer.Option(None, "--period", help="Only this period (YYYY-MM)."),
    overwrite: bool = OverwriteOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Export requirements (synthetic demo needs are marked in the synthetic column)."""
    from nsatu.needs.schemas import RequirementFilter
    from nsatu.transfer import service as transfer_service

    f = _filter(RequirementFilter, as_json, status=status, period=period)
    _export(
        file, overwrite, as_json, lambda s, out, fmt: transfer_service.export_needs(s, out, fmt, f)
    )


# --- check -------------------------------------------------------------------------------------


def check(as_json: bool = JsonOpt) -> None:
    """Check the database's integrity: parent links, quantities, allocations, valuations.

    Exits 1 when any check fails."""
    from nsatu.integrity import service as integrity_service

    with unit_of_work() as session:
        results = integrity_service.run_checks(session)
    failed = [r for r in results if not r.passed]
    if as_json:
        print_json({"passed": not failed, "checks": [r.model_dump() for r in results]})
    else:
        print_table(
            "Integrity checks",
            ["check", "result", "count", "examples"],
            [
                (
                    r.description,
                    "ok" if r.passed else "FAILED",
                    r.count,
                    "\n".join(
                        f"{e.reference or f'{e.entity} {e.id}'}: {e.detail}" for e in r.examples
                    ),
                )
                for r in results
            ],
        )
        typer.echo(
            f"{len(failed)} of {len(results)} checks failed." if failed else "All checks passed."
        )
    if failed:
        raise typer.Exit(EXIT_FAILURE)
