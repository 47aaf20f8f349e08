"""``nsatu receipts``, ``ledger``, ``serials`` and ``accountability`` end to end, on committed
databases of every backend."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from nsatu.cli import app
from nsatu.core.enums import ConsignmentKind
from nsatu.db.models import Consignment
from nsatu.db.session import make_engine, make_session_factory, transaction
from tests.delivery.world import Delivered, delivered

runner = CliRunner()


def nsatu(url: str, *args: str) -> Result:
    return runner.invoke(app, ["--database-url", url, *args], env={"COLUMNS": "200"})


def _world(url: str) -> Delivered:
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        d = delivered(session, "CLID", loaded=3, requested=3, handed_over=2, serial_tracked=True)
    engine.dispose()
    return d


def test_record_show_and_the_ledgers(committed_url: str, tmp_path: Path) -> None:
    d = _world(committed_url)
    body = tmp_path / "receipt.json"
    body.write_text(
        json.dumps(
            {
                "received_by": "Receiver",
                "received_at": "2025-03-02T06:00:00+02:00",
                "lines": [
                    {
                        "consignment_line_id": d.line_id,
                        "quantity_good": "1",
                        "quantity_damaged": "1",
                        "damaged_reason": "damaged",
                        "quantity_lost": "1",
                        "lost_reason": "missing",
                    }
                ],
            }
        )
    )
    r = nsatu(committed_url, "receipts", "record", d.route.reference, str(body), "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["status"] == "recorded" and out["received_at"] == "2025-03-02T04:00:00Z"
    again = nsatu(committed_url, "receipts", "record", d.route.reference, str(body))
    assert again.exit_code == 1 and "already has a proof of delivery" in again.output
    # The CLI recorded it, so the CLI may not verify it.
    r = nsatu(committed_url, "receipts", "verify", d.route.reference, "--version", "1")
    assert r.exit_code == 1 and "other than the user who recorded it" in r.output
    r = nsatu(committed_url, "receipts", "show", str(d.consignment_id))
    assert r.exit_code == 0 and "1 (damaged)" in r.output and "1 (missing)" in r.output

    r = nsatu(committed_url, "ledger", "offer", str(d.offer_id), "--json")
    assert r.exit_code == 0, r.output
    led = json.loads(r.output)
    assert [float(led[k]) for k in ("allocated", "delivered", "damaged", "lost", "remaining")] == [
        3,
        2,
        1,
        1,
        1,
    ]
    r = nsatu(committed_url, "ledger", "need", str(d.need_id))
    assert r.exit_code == 0 and "remaining" in r.output
    assert nsatu(committed_url, "ledger", "need", "999999").exit_code == 2


def test_bad_input_exits_2_and_the_serial_reports(committed_url: str, tmp_path: Path) -> None:
    d = _world(committed_url)
    bad = tmp_path / "bad.json"
    bad.write_text('{"received_by": "R"}')
    r = nsatu(committed_url, "receipts", "record", d.route.reference, str(bad))
    assert r.exit_code == 2 and "received_at" in r.output
    assert nsatu(committed_url, "receipts", "show", "NOPE").exit_code == 2

    r = nsatu(committed_url, "serials", "mismatches", "--json")
    assert json.loads(r.output)[0]["loaded_not_handed_over"] == ["CLID-SN002"]
    r = nsatu(committed_url, "serials", "history", "CLID-SN000", "--json")
    assert [e["what"] for e in json.loads(r.output)["entries"]] == ["departed", "handed_over"]
    r = nsatu(committed_url, "accountability", "report", "--as-of", "2025-12-31", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.output)
    assert report["interval_days"] == 180
    assert report["overdue"] == ["CLID-SN000", "CLID-SN001"]
    assert nsatu(committed_url, "accountability", "report", "--as-of", "31/12").exit_code == 2
    assert "--json" in nsatu(committed_url, "accountability", "report", "--help").output


def test_checks_and_repairs_from_the_command_line(committed_url: str) -> None:
    d = _world(committed_url)
    r = nsatu(
        committed_url,
        "serials",
        "check",
        "CLID-SN000",
        "--outcome",
        "seen",
        "--on",
        "2025-04-01",
        "--json",
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["outcome"] == "seen"
    bad = nsatu(
        committed_url, "serials", "check", "CLID-SN000", "--outcome", "lost", "--on", "2025-04-01"
    )
    assert bad.exit_code == 2 and "outcome" in bad.output
    bad = nsatu(committed_url, "serials", "check", "CLID-SN000", "--outcome", "seen", "--on", "x")
    assert bad.exit_code == 2 and "checked_on" in bad.output
    unknown = nsatu(
        committed_url, "serials", "check", "NOPE-1", "--outcome", "seen", "--on", "2025-04-01"
    )
    assert unknown.exit_code == 2 and "no delivery you can see handed it over" in unknown.output
    # The delivery itself is not a repair consignment.
    r = nsatu(committed_url, "serials", "repair", d.route.reference, "CLID-SN000")
    assert r.exit_code == 2 and "repair consignment" in r.output
    engine = make_engine(committed_url)
    with transaction(make_session_factory(engine)) as session:
        home = session.get(Consignment, d.consignment_id)
        assert home is not None
        session.add(
            Consignment(
                reference="RPR-CLI",
                kind=ConsignmentKind.REPAIR,
                origin_site_id=home.destination_site_id,
                destination_site_id=home.origin_site_id,
            )
        )
    engine.dispose()
    r = nsatu(committed_url, "serials", "repair", "RPR-CLI", "CLID-SN000", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {
        "consignment": "RPR-CLI",
        "direction": "out",
        "serials": ["CLID-SN000"],
    }
    r = nsatu(committed_url, "serials", "history", "CLID-SN000", "--json")
    whats = [e["what"] for e in json.loads(r.output)["entries"]]
    assert whats == ["departed", "handed_over", "end_use_check:seen", "repair_out"]
