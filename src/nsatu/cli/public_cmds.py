"""``nsatu report public-release --output DIR``: the public release as static files.

Writes the folder that :mod:`nsatu.web.static_export` makes: ``index.html`` (opens from disk,
offline), a CSV per table, ``release.json``, ``release.xlsx`` and the scripts and styles the page
needs. Only records released as public and the published tracker reports are in it, whoever runs
the command (:mod:`nsatu.reporting.public`).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import typer

from nsatu.cli.common import JsonOpt, print_json, print_table, settings, unit_of_work

HELP = "Write the public release (public records and aggregates only) as static files."
#: The writer, by name: the CLI never imports the web entry point (as ``nsatu serve`` hands
#: uvicorn the app factory's path), yet the page must be rendered by the same templates.
WRITER = "nsatu.web.static_export:write_public_release"


#: The name ``nsatu report`` dispatches to :func:`export_public_release` (its NAME argument).
NAME = "public-release"


def export_public_release(output: Path, *, as_json: bool = False) -> None:
    """Write the public release into the folder ``output`` and print what was written."""
    module, _, name = WRITER.partition(":")
    write_public_release = getattr(importlib.import_module(module), name)
    with unit_of_work() as session:
        result = write_public_release(session, output, assets_dir=settings().assets_dir)
    summary = {
        "directory": str(result.directory),
        "index": str(result.directory / "index.html"),
        "offers": result.offers,
        "needs": result.needs,
        "reports": result.reports,
        "files": result.files,
    }
    if as_json:
        print_json(summary)
        return
    print_table(
        f"Public release in {result.directory}",
        ("what", "count"),
        [
            ("public pledge lines", result.offers),
            ("published needs", result.needs),
            ("tracker reports", ", ".join(result.reports) or "none imported"),
            ("files", len(result.files)),
        ],
    )


def public_release_command(
    output: Path = typer.Option(
        ..., "--output", "-o", help="The folder to write (made if missing).", show_default=False
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Write the public release as a folder of static files that opens offline from disk:
    index.html, a CSV per table, release.json, release.xlsx and the page's assets. Only records
    released as public; donors who asked to stay anonymous are shown as undisclosed."""
    export_public_release(output, as_json=as_json)


def register(app: typer.Typer) -> None:
    """Add ``public-release`` as a command of ``app`` (a group with subcommands; ``nsatu report``
    takes a report's NAME as its argument instead, so it calls :func:`export_public_release` when
    NAME is ``public-release``)."""
    app.command("public-release", help=HELP)(public_release_command)
