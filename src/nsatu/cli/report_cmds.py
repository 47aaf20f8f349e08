"""``nsatu report NAME``: every report as a table, JSON, CSV or XLSX.

``nsatu report`` alone lists the reports. ``--format json`` (or ``--json``) prints the report's rows
as a JSON list, one object per row; CSV has a header of the column keys; XLSX is the workbook laid
out like the tracker's Country Summary (the report's sheets, Sources, Notes) and needs
``--output``. Report parameters are given as ``--param KEY=VALUE`` (repeatable). The command runs
as the CLI's system actor, so it sees every record. ``nsatu report public-release --output DIR``
writes the public release instead (:mod:`nsatu.cli.public_cmds`).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from nsatu.cli import public_cmds
from nsatu.cli.common import (
    EXIT_USER_ERROR,
    JsonOpt,
    cli_actor,
    fail,
    print_json,
    print_table,
    unit_of_work,
)


class _ReportGroup(TyperGroup):
    """``nsatu report`` has no subcommands: NAME is an argument, and the options may follow it
    (``nsatu report donors --format json``), which a group does not allow by default."""

    allow_interspersed_args = True


app = typer.Typer(
    cls=_ReportGroup,
    help="Reports: donors, monthly, burden sharing, pipeline, dependence, training.",
)


class ReportFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


def _params(pairs: list[str], as_json: bool) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(f"--param: {pair!r} is not KEY=VALUE", code=EXIT_USER_ERROR, as_json=as_json)
        params[key.strip()] = value.strip()
    return params


@app.callback(invoke_without_command=True)
def report_command(
    name: str | None = typer.Argument(
        None, help="The report to compute; without one, the reports are listed.", show_default=False
    ),
    fmt: ReportFormat = typer.Option(
        ReportFormat.TABLE, "--format", "-f", help="table, json (the rows as a list), csv or xlsx."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write to this file instead of the terminal (needed for xlsx)."
    ),
    param: list[str] = typer.Option(
        [], "--param", "-p", help="A report parameter as KEY=VALUE (repeatable), e.g. donor=DEU."
    ),
    table: str | None = typer.Option(
        None, "--table", help="One of the report's further tables (table, json and csv formats)."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Compute a report and print or write it; without NAME, list the reports.

    NAME public-release writes the public release (public records and aggregates only) as a folder
    of static files: nsatu report public-release --output DIR.
    """
    from nsatu.reporting import export, registry

    if as_json:
        fmt = ReportFormat.JSON
    machine = fmt is ReportFormat.JSON
    if name is None:
        specs = [registry.get(n) for n in registry.names()]
        if machine:
            print_json([{"name": s.name, "title": s.title, "summary": s.summary} for s in specs])
        else:
            print_table(
                "Reports",
                ("name", "title", "summary"),
                [(s.name, s.title, s.summary) for s in specs],
            )
            typer.echo(f"also: nsatu report {public_cmds.NAME} --output DIR ({public_cmds.HELP})")
        return
    if name == public_cmds.NAME:
        # Not a report but the public release as a folder of static files (nsatu.cli.public_cmds).
        if output is None:
            fail("--output: the public release is written to a folder; give --output DIR",
                 code=EXIT_USER_ERROR, as_json=as_json)  # fmt: skip
        public_cmds.export_public_release(output, as_json=as_json)
        return
    if fmt is ReportFormat.XLSX and output is None:
        fail(
            "--output: an XLSX workbook is written to a file; give --output FILE.xlsx",
            code=EXIT_USER_ERROR,
        )
    params = _params(param, machine)
    with unit_of_work() as session:
        spec = registry.get(name)
        report = spec.build(session, cli_actor(), params)
        columns, rows = export.table(report, table)
    if fmt is ReportFormat.XLSX:
        assert output is not None
        output.write_bytes(export.xlsx_bytes([report]))
        typer.echo(f"wrote {output} ({len(report.rows)} rows)", err=True)
        return
    if fmt is ReportFormat.CSV:
        _emit(export.csv_bytes(report, table), output)
        return
    if fmt is ReportFormat.JSON:
        text = json.dumps(export.json_rows(rows), ensure_ascii=False, indent=2) + "\n"
        _emit(text.encode("utf-8"), output)
        return
    title = report.title if table is None else f"{report.title}: {table}"
    # A terminal is narrow: columns without a single value are left out of the table.
    columns = [c for c in columns if any(row.get(c.key) is not None for row in rows)] or columns
    print_table(
        title,
        [c.label for c in columns],
        [[_show(row.get(c.key), c.kind) for c in columns] for row in rows],
    )
    for note in report.notes:
        typer.echo(f"note: {note}")
    for source in report.sources:
        typer.echo(f"source: {source}")


def _emit(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(data)


def _show(value: Any, kind: str) -> str:
    from decimal import Decimal

    if value is None:
        return ""
    if isinstance(value, Decimal | float) and kind in ("eur_bn", "pct"):
        return f"{value:,.3f}"
    if isinstance(value, Decimal | float) and kind == "eur":
        return f"{value:,.2f}"
    if isinstance(value, Decimal | float) and kind == "share":
        return f"{value * 100:.1f} %"
    return str(value)
