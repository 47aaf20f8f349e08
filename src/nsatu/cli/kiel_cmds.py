"""``nsatu import kiel-r7|kiel-r29``: the published Ukraine Support Tracker releases.

Each reads a folder of the release's CSV files (default: the copy shipped with the package),
checks every cell first and writes all rows or none. Importing the same files again changes nothing
(``unchanged``); changed files replace the release as a whole (``replaced``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from nsatu.cli.common import JsonOpt, print_json, print_table, unit_of_work
from nsatu.core.access import Channel

if TYPE_CHECKING:
    from nsatu.reporting.kiel_import import ImportResult

DirArg = typer.Argument(
    None,
    help="Folder holding the release's CSV files (default: the copy shipped with nsatu).",
    metavar="DIR",
    exists=True,
    file_okay=False,
    dir_okay=True,
    readable=True,
)


def _run(which: str, folder: Path | None, as_json: bool) -> None:
    from nsatu.cli.data_cmds import _Bar
    from nsatu.demo.catalogue import classify
    from nsatu.reporting import kiel_import

    bar = _Bar(enabled=not as_json and sys.stdout.isatty())
    try:
        with unit_of_work(Channel.IMPORT) as session:
            if which == "r7":  # items mapped onto the catalogue's item types
                result = kiel_import.import_r7(session, folder, progress=bar, classify=classify)
            else:
                result = kiel_import.import_r29(session, folder, progress=bar)
    finally:
        bar.close()
    _show(result, as_json)


def _show(result: ImportResult, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "release": result.release,
                "status": result.status,
                "counts": dict(result.counts),
                "digests": dict(result.digests),
                "notes": list(result.notes),
            }
        )
        return
    print_table(
        f"Release {result.release}: {result.status}",
        ("table", "rows"),
        sorted(result.counts.items()),
    )
    for note in result.notes:
        typer.echo(f"note: {note}")


def import_r7_command(
    folder: Path | None = DirArg,
    as_json: bool = JsonOpt,
) -> None:
    """Import Kiel Release 7: item-level rows, exchange rates, donor GDP, EU burden-sharing keys.

    Reads bilateral_assistance_main_data.csv, exchange_rates.csv, donor_gdp_2021.csv and
    eu_burden_sharing_keys.csv. A package's total (its first row) is converted to EUR with the
    release's rate table and the rate is stored. A file that cannot be read is refused with its
    row and column, and nothing is written.
    """
    _run("r7", folder, as_json)


def import_r29_command(
    folder: Path | None = DirArg,
    as_json: bool = JsonOpt,
) -> None:
    """Import Kiel Release 29: donor × month allocations, EU-share attribution, heavy weapons.

    Reads release_info.csv, data_explorer.csv, eu_share_attribution_input.csv and weapons.csv. A
    file that cannot be read is refused with its row and column, and nothing is written.
    """
    _run("r29", folder, as_json)


def register(import_app: typer.Typer) -> None:
    """Add the tracker importers to ``nsatu import``."""
    import_app.command("kiel-r7")(import_r7_command)
    import_app.command("kiel-r29")(import_r29_command)
