"""``nsatu import kiel-r7|kiel-r29`` on a database of its own (the commands commit)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from nsatu.cli import app
from nsatu.db.models.kiel import KielRelease
from nsatu.db.session import make_engine
from nsatu.reporting import kiel_import as ki

runner = CliRunner()


def nsatu(url: str, *args: str) -> Result:
    return runner.invoke(app, ["--database-url", url, *args], env={"COLUMNS": "200"})


def _releases(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(KielRelease)) or 0
    finally:
        engine.dispose()


def test_import_commands_are_idempotent_and_refuse_a_bad_folder(
    committed_url: str, tmp_path: Path
) -> None:
    first = nsatu(committed_url, "import", "kiel-r7", "--json")
    assert first.exit_code == 0, first.output
    body = json.loads(first.output)
    assert body["release"] == 7 and body["status"] == "imported"
    assert body["counts"]["kiel_r7_row"] == 1032
    assert any("DEM2" in n for n in body["notes"])

    again = nsatu(committed_url, "import", "kiel-r7", "--json")
    assert json.loads(again.output)["status"] == "unchanged"

    table = nsatu(committed_url, "import", "kiel-r29")
    assert table.exit_code == 0, table.output
    assert "Release 29: imported" in table.output
    assert "kiel_month" in table.output

    bad = tmp_path / "r29"
    bad.mkdir()
    for entry in ki.packaged(ki.R29_FOLDER).iterdir():
        if entry.name.endswith(".csv"):
            (bad / entry.name).write_bytes(entry.read_bytes())
    weapons = bad / ki.R29_WEAPONS
    weapons.write_text(weapons.read_text(encoding="utf-8").replace(",6,", ",six,", 1))
    refused = nsatu(committed_url, "import", "kiel-r29", str(bad))
    assert refused.exit_code == 2
    assert "weapons.csv, row 2, column 'number_of_weapons'" in refused.output
    assert "nothing was imported" in refused.output
    assert _releases(committed_url) == 2


def test_help_names_the_folder_argument() -> None:
    for command in ("kiel-r7", "kiel-r29"):
        result = runner.invoke(app, ["import", command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0
        assert "DIR" in result.output and "--json" in result.output
