"""``nsatu report`` and ``nsatu offers valuations`` end to end, on committed databases of every
backend."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner, Result

from nsatu.cli import app
from nsatu.core.enums import ValuationBasis
from nsatu.core.lifecycles import OfferStage
from nsatu.db.session import make_engine, make_session_factory, transaction
from tests.factories import make_capability_area, make_item_type, make_nation, make_offer

runner = CliRunner()
D = Decimal


def nsatu(url: str, *args: str) -> Result:
    return runner.invoke(app, ["--database-url", url, *args], env={"COLUMNS": "200"})


def _seed(url: str) -> None:
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        area = make_capability_area(session, code="CLI-REP", name="Cli reports")
        item = make_item_type(session, capability_area=area)
        donor = make_nation(session, code="QCL", name="Cliland")
        make_offer(session, donor=donor, reference="CLI-1", item_type_id=item.id,
                   value_amount=D(220), currency="USD", eur_rate=D("1.1"),
                   valuation_basis=ValuationBasis.REPLACEMENT_COST, stage=OfferStage.COMMITTED,
                   description="@SUM(A1:A2)")  # fmt: skip
        make_offer(session, donor=donor, reference="CLI-2", item_type_id=item.id,
                   value_amount=D(50), currency="EUR", eur_rate=D(1),
                   stage=OfferStage.DELIVERED)  # fmt: skip
    engine.dispose()


def test_the_reports_are_listed(committed_url: str) -> None:
    r = nsatu(committed_url, "report", "--json")
    assert r.exit_code == 0, r.output
    assert {"pipeline", "dependence"} <= {x["name"] for x in json.loads(r.output)}
    table = nsatu(committed_url, "report")
    assert table.exit_code == 0 and "pipeline" in table.output


def test_json_is_the_list_of_rows(committed_url: str) -> None:
    _seed(committed_url)
    r = nsatu(committed_url, "report", "pipeline", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert isinstance(rows, list)
    (row,) = [x for x in rows if x["iso3"] == "QCL"]
    assert row["announced_eur"] == 250 and row["delivered_eur"] == 50
    assert (row["announced_n"], row["delivered_n"]) == (2, 1)
    # --json is the same as --format json, and parameters narrow the rows.
    alias = nsatu(committed_url, "report", "pipeline", "--json", "-p", "donor=QCL")
    assert json.loads(alias.output) == [row]
    funnel = nsatu(committed_url, "report", "pipeline", "--json", "--table", "funnel")
    assert next(x["stage"] for x in json.loads(funnel.output)) == "announced"


def test_csv_and_xlsx_files(committed_url: str, tmp_path: Path) -> None:
    _seed(committed_url)
    out = tmp_path / "p.csv"
    r = nsatu(committed_url, "report", "pipeline", "-f", "csv", "-o", str(out), "-p", "donor=QCL")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert [(x["iso3"], x["announced_eur"]) for x in rows] == [("QCL", "250")]
    book = tmp_path / "p.xlsx"
    r = nsatu(committed_url, "report", "pipeline", "-f", "xlsx", "-o", str(book))
    assert r.exit_code == 0, r.output
    wb = load_workbook(book)
    assert wb.sheetnames[0] == "pipeline" and "Notes" in wb.sheetnames
    printed = nsatu(committed_url, "report", "pipeline", "-p", "donor=QCL")
    assert printed.exit_code == 0 and "QCL" in printed.output and "note:" in printed.output


def test_user_errors_exit_2_with_a_message(committed_url: str) -> None:
    for args, says in (
        (("report", "nothing"), "does not exist"),
        (("report", "pipeline", "-f", "xlsx"), "--output"),
        (("report", "pipeline", "-p", "donor"), "KEY=VALUE"),
        (("report", "pipeline", "-p", "colour=red"), "colour"),
        (("report", "pipeline", "--table", "nope"), "table"),
    ):
        r = nsatu(committed_url, *args)
        assert r.exit_code == 2, (args, r.output)
        assert says in r.output, (args, r.output)


def test_alternative_valuations_from_the_command_line(committed_url: str) -> None:
    _seed(committed_url)
    r = nsatu(committed_url, "offers", "valuations", "set", "CLI-1", "--basis", "net_book_value",
              "--amount", "55", "--currency", "usd", "--rate", "1.1", "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert D(json.loads(r.output)["amount_eur"]) == 50
    listed = json.loads(
        nsatu(committed_url, "offers", "valuations", "list", "CLI-1", "--json").output
    )
    assert listed["basis"] == "replacement_cost"
    assert [v["basis"] for v in listed["alternatives"]] == ["net_book_value"]
    rows = json.loads(
        nsatu(committed_url, "report", "pipeline", "--json", "--table", "valuations").output
    )
    (line,) = [x for x in rows if x["reference"] == "CLI-1"]
    assert (line["replacement_cost_eur"], line["net_book_value_eur"]) == (200, 50)
    assert line["rc_minus_nbv_eur"] == 150
    bad = nsatu(committed_url, "offers", "valuations", "set", "CLI-1", "--basis", "net_book_value",
                "--amount", "x", "--currency", "EUR")  # fmt: skip
    assert bad.exit_code == 2 and "--amount" in bad.output
    own = nsatu(committed_url, "offers", "valuations", "set", "CLI-1", "--basis",
                "replacement_cost", "--amount", "1", "--currency", "EUR")  # fmt: skip
    assert own.exit_code == 2 and "basis" in own.output


def test_the_public_release_is_reached_through_nsatu_report(
    committed_url: str, tmp_path: Path
) -> None:
    _seed(committed_url)
    out = tmp_path / "release"
    assets = str(Path(__file__).resolve().parents[2] / "node_modules")
    r = runner.invoke(
        app,
        ["--database-url", committed_url, "report", "public-release", "-o", str(out), "--json"],
        env={"COLUMNS": "200", "NSATU_ASSETS_DIR": assets},
    )
    assert r.exit_code == 0, r.output
    assert (out / "index.html").is_file()
    assert json.loads(r.output)["index"].endswith("index.html")
    missing = nsatu(committed_url, "report", "public-release")
    assert missing.exit_code == 2 and "--output" in missing.output
