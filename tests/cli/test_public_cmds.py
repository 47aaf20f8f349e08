"""``nsatu report public-release --output DIR`` end to end, on committed databases of every
backend: the folder opens from disk (every asset is a relative file that exists), holds public
records only (anonymised donors undisclosed), and its CSV files carry the formula guard."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import typer
from typer.testing import CliRunner, Result

from nsatu.cli import public_cmds
from nsatu.cli.common import state
from nsatu.core.enums import Releasability
from nsatu.db.session import make_engine, make_session_factory, transaction
from tests.factories import make_offer
from tests.reporting.test_public import seed_release

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
cli = typer.Typer()
public_cmds.register(cli)


@cli.callback()
def _root() -> None:
    """The report group, as the command line registers the command on it."""


def nsatu(url: str, *args: str) -> Result:
    # The database is named by the environment here, so no earlier command's --database-url may
    # linger in the command line's state (it outlives a CliRunner call).
    state.database_url = None
    env = {"NSATU_DATABASE_URL": url, "NSATU_ASSETS_DIR": str(ROOT / "node_modules")}
    return runner.invoke(cli, list(args), env={"COLUMNS": "200", **env})


def _seed(url: str) -> dict[str, object]:
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        ids = seed_release(session)
        make_offer(
            session, reference="PUB-FORMULA", description="=HYPERLINK(\"x\")",
            releasability=Releasability.PUBLIC, announced_on=dt.date(2025, 2, 1),
            value_amount=Decimal(1), currency="EUR", eur_rate=Decimal(1),
        )  # fmt: skip
    engine.dispose()
    return ids


def test_the_release_is_a_folder_that_opens_offline(committed_url: str, tmp_path: Path) -> None:
    ids = _seed(committed_url)
    out = tmp_path / "release"
    r = nsatu(committed_url, "public-release", "--output", str(out), "--json")
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    assert summary["offers"] == 6 and summary["needs"] == 2
    html = (out / "index.html").read_text(encoding="utf-8")
    # Every script and stylesheet is a relative file beside the page; nothing is fetched.
    refs = re.findall(r'(?:src|href)="([^"#]+)"', html)
    assert refs
    for ref in refs:
        assert "://" not in ref and not ref.startswith("/"), ref
        assert (out / ref).is_file(), ref
    # Public records only, and the anonymised donor undisclosed.
    texts: dict[str, bool] = ids["texts"]  # type: ignore[assignment]
    for text, public in texts.items():
        assert (text in html) is public, text
    rows = re.findall(r"<tr>.*?</tr>", html, re.DOTALL)
    (anon,) = [tr for tr in rows if "PUB-ANON" in tr]
    assert "undisclosed" in anon and "Shyland" not in html
    # The tables as CSV (formula guard applied) and everything as JSON.
    with (out / "public-offers.csv").open(encoding="utf-8-sig") as f:
        offers = {row["reference"]: row for row in csv.DictReader(f)}
    assert set(offers) == {"PUB-1", "PUB-PKG", "PUB-PKG-A", "PUB-NOK", "PUB-ANON", "PUB-FORMULA"}
    assert offers["PUB-FORMULA"]["description"].startswith("'=")
    assert offers["PUB-ANON"]["donor"] == "undisclosed" and not offers["PUB-ANON"]["donor_code"]
    body = json.loads((out / "release.json").read_text(encoding="utf-8"))
    names = [r["name"] for r in body["reports"]]
    assert names[:3] == ["public-donors", "public-offers", "public-needs"]
    assert "Shyland" not in json.dumps(body)
    assert (out / "release.xlsx").read_bytes()[:2] == b"PK"
    assert (out / "assets" / "licences").is_dir()
    assert "Shyland" not in io.BytesIO((out / "public-donors.csv").read_bytes()).read().decode()


def test_a_file_as_the_folder_is_refused(committed_url: str, tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("x")
    r = nsatu(committed_url, "public-release", "--output", str(target))
    assert r.exit_code == 2
    assert "output" in r.output and target.read_text() == "x"


def test_the_command_has_help() -> None:
    r = runner.invoke(cli, ["public-release", "--help"])
    assert r.exit_code == 0 and "--output" in r.output and "--json" in r.output
