"""``nsatu audit list`` and ``nsatu audit export`` end to end; imports are recorded as such."""

from __future__ import annotations

import csv
import getpass
import io
import json
from pathlib import Path

from openpyxl import load_workbook

from nsatu.db.session import make_engine, make_session_factory, transaction
from tests.audit.test_verify import nsatu, write_some_history
from tests.domains.test_transfer import need_row, seed_reference, to_csv


def test_list_filters_and_prints_json_or_a_table(committed_url: str) -> None:
    write_some_history(committed_url)
    result = nsatu(committed_url, "audit", "list", "--json", "--user", "bob")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["total"] == 1
    (entry,) = body["items"]
    assert (entry["action"], entry["channel"], entry["entity"]) == ("update", "web", "nation")
    assert entry["before"]["name"] == "Nation QBB" and entry["after"]["name"] == "Renamed"

    table = nsatu(committed_url, "audit", "list", "--entity", "nation", "--size", "2")
    assert table.exit_code == 0, table.output
    assert "page 1 of 3, 5 entries" in table.stdout
    # Newest first: the delete (by in-process code) and bob's rename.
    assert "delete" in table.stdout and "system" in table.stdout
    assert "name: Nation QBB → Renamed" in table.stdout
    assert "Nation QAA" not in table.stdout

    bad = nsatu(committed_url, "audit", "list", "--since", "last week")
    assert bad.exit_code == 2
    assert "--since" in bad.stderr


def test_export_writes_csv_xlsx_and_json(committed_url: str, tmp_path: Path) -> None:
    write_some_history(committed_url)
    csv_file, xlsx_file, json_file = (tmp_path / f"audit.{x}" for x in ("csv", "xlsx", "json"))
    for file in (csv_file, xlsx_file, json_file):
        result = nsatu(committed_url, "audit", "export", str(file))
        assert result.exit_code == 0, result.output
        assert f"Exported 5 audit entries to {file}" in result.stdout
    rows = list(csv.DictReader(io.StringIO(csv_file.read_text("utf-8-sig"))))
    assert [r["seq"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert load_workbook(xlsx_file).worksheets[0].max_row == 6
    assert len(json.loads(json_file.read_text())["entries"]) == 5

    only_bob = nsatu(
        committed_url, "audit", "export", str(csv_file), "--user", "bob", "--overwrite"
    )
    assert only_bob.exit_code == 0, only_bob.output
    assert len(list(csv.DictReader(io.StringIO(csv_file.read_text("utf-8-sig"))))) == 1

    exists = nsatu(committed_url, "audit", "export", str(csv_file))
    assert exists.exit_code == 2 and "--overwrite" in exists.stderr
    wrong = nsatu(committed_url, "audit", "export", str(tmp_path / "audit.txt"))
    assert wrong.exit_code == 2 and ".json" in wrong.stderr
    assert not (tmp_path / "audit.txt").exists()


def test_an_import_is_recorded_with_the_import_channel(committed_url: str, tmp_path: Path) -> None:
    engine = make_engine(committed_url)
    with transaction(make_session_factory(engine)) as session:
        ref = seed_reference(session)
        rows = [need_row(ref, i) for i in range(1, 4)]
    engine.dispose()
    file = tmp_path / "needs.csv"
    file.write_bytes(to_csv(rows))
    assert nsatu(committed_url, "import", "needs", str(file)).exit_code == 0

    result = nsatu(committed_url, "audit", "list", "--entity", "requirement", "--json")
    items = json.loads(result.stdout)["items"]
    assert len(items) == 3
    assert {(i["channel"], i["username"], i["action"]) for i in items} == {
        ("import", f"cli:{getpass.getuser()}", "create")
    }
    assert nsatu(committed_url, "audit", "verify").exit_code == 0
