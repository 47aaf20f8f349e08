"""``nsatu import``, ``nsatu export`` and ``nsatu check`` end to end, on committed databases
(``committed_url``: a SQLite file and a private PostgreSQL schema of each test's own).

The service tests (tests/domains/test_transfer.py, test_integrity.py) cover the rules; these check
the command line: exit codes, output, and that a rejected file leaves the database as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner, Result

from nsatu.cli import app
from nsatu.db.models import OfferLine, Requirement
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.integrity import service as integrity_service
from tests.domains.test_transfer import (
    XLSX_OFFER_HEADER,
    Ref,
    need_row,
    offer_rows,
    seed_reference,
    to_csv,
    to_xlsx,
    xlsx_offer_row,
)

runner = CliRunner()


def nsatu(url: str, *args: str) -> Result:
    # A wide terminal, so that Rich does not wrap the table cells the assertions look for.
    return runner.invoke(app, ["--database-url", url, *args], env={"COLUMNS": "200"})


def seed(url: str) -> Ref:
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        ref = seed_reference(session)
    engine.dispose()
    return ref


def count(url: str, model: type[OfferLine | Requirement]) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(model)) or 0
    engine.dispose()
    return n


def bad_csv(ref: Ref) -> bytes:
    rows = offer_rows(ref, 100)
    rows[55]["quantity"] = "abc"  # spreadsheet row 57
    return to_csv(rows)


def assert_row_57_rejected(url: str, file: Path) -> None:
    before = count(url, OfferLine)
    result = nsatu(url, "import", "offers", str(file), "--json")
    assert result.exit_code == 2, result.output
    body = json.loads(result.stdout)
    assert body == {
        "imported": 0,
        "errors": [{"row": 57, "column": "quantity", "value": "abc", "message": "not a number"}],
    }
    assert count(url, OfferLine) == before


def test_a_csv_with_one_bad_cell_exits_2_and_changes_nothing(
    committed_url: str, tmp_path: Path
) -> None:
    ref = seed(committed_url)
    file = tmp_path / "offers.csv"
    file.write_bytes(bad_csv(ref))
    assert_row_57_rejected(committed_url, file)

    human = nsatu(committed_url, "import", "offers", str(file))
    assert human.exit_code == 2
    assert "1 problem(s) in 100 row(s): nothing was imported" in human.stdout
    row = next(line for line in human.stdout.splitlines() if "abc" in line)
    assert [cell.strip() for cell in row.strip("│ ").split("│")] == [
        "57",
        "quantity",
        "abc",
        "not a number",
    ]


def test_an_xlsx_with_one_bad_cell_exits_2_and_changes_nothing(
    committed_url: str, tmp_path: Path
) -> None:
    ref = seed(committed_url)
    rows = [xlsx_offer_row(ref, i) for i in range(1, 101)]
    rows[55][XLSX_OFFER_HEADER.index("quantity")] = "abc"
    file = tmp_path / "offers.xlsx"
    file.write_bytes(to_xlsx(XLSX_OFFER_HEADER, rows))
    assert_row_57_rejected(committed_url, file)


def test_a_valid_file_imports_exports_and_checks_clean(committed_url: str, tmp_path: Path) -> None:
    ref = seed(committed_url)
    file = tmp_path / "offers.csv"
    file.write_bytes(to_csv(offer_rows(ref, 100)))

    dry = nsatu(committed_url, "import", "offers", str(file), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "all 100 offers are valid" in dry.stdout
    assert count(committed_url, OfferLine) == 0

    result = nsatu(committed_url, "import", "offers", str(file), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "imported": 100,
        "errors": [],
        "rows": 100,
        "dry_run": False,
    }
    assert count(committed_url, OfferLine) == 100

    out = tmp_path / "export.xlsx"
    exported = nsatu(
        committed_url, "export", "offers", str(out), "--donor", ref.donor.code, "--json"
    )
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.stdout) == {"exported": 100, "file": str(out)}
    assert out.stat().st_size > 0
    assert not list(tmp_path.glob(".*.tmp"))

    again = nsatu(committed_url, "export", "offers", str(out))
    assert again.exit_code == 2
    assert "--overwrite" in again.output

    checked = nsatu(committed_url, "check")
    assert checked.exit_code == 0, checked.output
    assert "All checks passed." in checked.stdout


def test_needs_import_and_export_by_status(committed_url: str, tmp_path: Path) -> None:
    ref = seed(committed_url)
    file = tmp_path / "needs.csv"
    file.write_bytes(to_csv([need_row(ref, i) for i in range(1, 11)]))
    result = nsatu(committed_url, "import", "needs", str(file))
    assert result.exit_code == 0, result.output
    assert "imported 10 needs" in result.stdout
    assert count(committed_url, Requirement) == 10

    out = tmp_path / "needs.csv"
    drafts = nsatu(
        committed_url, "export", "needs", str(out), "--status", "draft", "--overwrite", "--json"
    )
    assert json.loads(drafts.stdout)["exported"] == 10
    published = nsatu(
        committed_url, "export", "needs", str(out), "--status", "published", "--overwrite", "--json"
    )
    assert json.loads(published.stdout)["exported"] == 0


def test_user_errors_exit_2(committed_url: str, tmp_path: Path) -> None:
    seed(committed_url)
    missing = nsatu(committed_url, "import", "offers", str(tmp_path / "nope.csv"), "--json")
    assert missing.exit_code == 2
    assert "error" in json.loads(missing.stdout)
    wrong_type = nsatu(committed_url, "export", "offers", str(tmp_path / "out.ods"))
    assert wrong_type.exit_code == 2
    bad_period = nsatu(
        committed_url, "export", "needs", str(tmp_path / "n.csv"), "--period", "March"
    )
    assert bad_period.exit_code == 2
    unknown_donor = nsatu(
        committed_url, "export", "offers", str(tmp_path / "o.csv"), "--donor", "ZZZ"
    )
    assert unknown_donor.exit_code == 2
    assert not (tmp_path / "o.csv").exists()


def test_check_exits_1_on_a_parent_cycle(committed_url: str, tmp_path: Path) -> None:
    ref = seed(committed_url)
    file = tmp_path / "offers.csv"
    # Without an item, the two looped lines break no quantity rule: only the cycle check fails.
    file.write_bytes(to_csv([row | {"item_type": ""} for row in offer_rows(ref, 3)]))
    assert nsatu(committed_url, "import", "offers", str(file)).exit_code == 0
    engine = make_engine(committed_url)
    with engine.begin() as conn:
        ids = list(conn.scalars(text("SELECT id FROM offer_line ORDER BY id")))
        conn.execute(
            text("UPDATE offer_line SET parent_id = :p WHERE id = :c"), {"p": ids[1], "c": ids[0]}
        )
        conn.execute(
            text("UPDATE offer_line SET parent_id = :p WHERE id = :c"), {"p": ids[0], "c": ids[1]}
        )
    engine.dispose()

    result = nsatu(committed_url, "check", "--json")
    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    assert body["passed"] is False
    failed = {c["name"]: c for c in body["checks"] if not c["passed"]}
    assert list(failed) == ["offer_parent_cycles"]
    assert failed["offer_parent_cycles"]["count"] == 1
    assert "IMP-001 → IMP-002 → IMP-001" in failed["offer_parent_cycles"]["examples"][0]["detail"]

    human = nsatu(committed_url, "check")
    assert human.exit_code == 1
    assert "FAILED" in human.stdout
    assert f"1 of {len(integrity_service.CHECKS)} checks failed." in human.stdout


@pytest.mark.postgres
@pytest.mark.parametrize("committed_url", ["postgresql"], indirect=True)
def test_import_on_postgresql_is_all_or_nothing(committed_url: str, tmp_path: Path) -> None:
    ref = seed(committed_url)
    file = tmp_path / "offers.csv"
    file.write_bytes(bad_csv(ref))
    assert_row_57_rejected(committed_url, file)

    file.write_bytes(to_csv(offer_rows(ref, 100)))
    result = nsatu(committed_url, "import", "offers", str(file), "--json")
    assert result.exit_code == 0, result.output
    assert count(committed_url, OfferLine) == 100
    assert nsatu(committed_url, "check").exit_code == 0
