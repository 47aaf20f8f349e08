"""``nsatu events`` and ``nsatu consignments`` end to end, on committed databases of every backend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from typer.testing import CliRunner, Result

from nsatu.cli import app
from nsatu.core.lifecycles import AllocationStatus
from nsatu.db.models import (
    Allocation,
    Consignment,
    ConsignmentLeg,
    ConsignmentLine,
    TrackingEvent,
    TrackingRejection,
)
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.logistics import scanfile
from nsatu.logistics.generate import RouteSpec, generate_batch, seed_consignments
from tests.domains.plan_world import START, build_world

runner = CliRunner()


def nsatu(url: str, *args: str) -> Result:
    return runner.invoke(app, ["--database-url", url, *args], env={"COLUMNS": "200"})


def _seed(url: str, count: int = 40) -> list[RouteSpec]:
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        routes = seed_consignments(session, count, prefix="CLI")
    engine.dispose()
    return routes


def _count(url: str, model: Any) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(model)) or 0
    engine.dispose()
    return int(n)


def test_events_import_applies_ignores_retries_and_lists_refusals(
    committed_url: str, tmp_path: Path
) -> None:
    routes = _seed(committed_url)
    batch = generate_batch(routes, total=150, duplicates=6, out_of_order=4, impossible=3, seed=7)
    file = tmp_path / "scans.csv"
    file.write_text(scanfile.write(batch.events), encoding="utf-8")

    r = nsatu(committed_url, "events", "import", str(file), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"applied": 141, "duplicates": 6, "rejected": 3}
    again = nsatu(committed_url, "events", "import", str(file), "--json")
    assert json.loads(again.output) == {"applied": 0, "duplicates": 147, "rejected": 3}
    assert _count(committed_url, TrackingEvent) == 141

    r = nsatu(committed_url, "events", "rejected", "--json")
    assert r.exit_code == 0, r.output
    listed = json.loads(r.output)
    assert listed["total"] == 3
    assert {i["event_id"] for i in listed["items"]} == batch.impossible
    assert all(i["consignment_reference"] in i["reason"] for i in listed["items"])
    assert "Refused events (3)" in nsatu(committed_url, "events", "rejected").output

    r = nsatu(committed_url, "consignments", "list", "--json")
    rows = {row["reference"]: row for row in json.loads(r.output)}
    assert {ref: rows[ref]["state"] for ref in batch.expected} == {
        ref: str(s) for ref, s in batch.expected.items()
    }
    assert rows[routes[0].reference]["route"] == ["CLI-DEP", "CLI-HUB", "CLI-HOP"]
    assert rows[routes[0].reference]["loaded"] == "12.000"
    r = nsatu(committed_url, "consignments", "list", "--status", "received", "--json")
    assert {x["state"] for x in json.loads(r.output)} <= {"received"}
    assert nsatu(committed_url, "consignments", "list", "--status", "flying").exit_code == 2


def test_a_malformed_scan_file_is_refused_naming_row_and_column(
    committed_url: str, tmp_path: Path
) -> None:
    routes = _seed(committed_url, 5)
    good = scanfile.write(generate_batch(routes, total=12, seed=1).events).splitlines()

    def with_row(n: int, old: str, new: str) -> str:
        """The file with ``old`` replaced by ``new`` on its row ``n`` (the header is row 1)."""
        rows = list(good)
        rows[n - 1] = rows[n - 1].replace(old, new)
        return "\n".join(rows)

    kind_of_row_4 = good[3].split(",")[2]
    cases = {
        "header": ("\n".join([good[0].replace(",serials", ""), *good[1:]]), "column serials"),
        "unknown column": (
            "\n".join([good[0] + ",colour", *(g + ",red" for g in good[1:])]),
            "column colour",
        ),
        "bad time": (with_row(5, "+00:00", ""), "row 5, column occurred_at"),
        "bad kind": (with_row(4, f",{kind_of_row_4},", ",flew,"), "row 4, column kind"),
        "bad quantity": (with_row(3, ",12,", ",twelve,"), "row 3, column quantity"),
    }
    for name, (text, where) in cases.items():
        file = tmp_path / f"{name}.csv"
        file.write_text(text, encoding="utf-8")
        r = nsatu(committed_url, "events", "import", str(file), "--json")
        assert r.exit_code == 2, (name, r.output)
        assert where in json.loads(r.output)["error"], (name, r.output)
    assert _count(committed_url, TrackingEvent) == 0
    assert _count(committed_url, TrackingRejection) == 0
    missing = nsatu(committed_url, "events", "import", str(tmp_path / "nope.csv"), "--json")
    assert missing.exit_code == 2


def test_replay_applies_refusals_once_their_cause_is_fixed(
    committed_url: str, tmp_path: Path
) -> None:
    routes = _seed(committed_url, 2)
    events = generate_batch(routes, total=2, seed=3).events  # departed, arrived_hub of one
    late = tmp_path / "late.csv"
    late.write_text(scanfile.write(events[1:]), encoding="utf-8")
    first = tmp_path / "first.csv"
    first.write_text(scanfile.write(events[:1]), encoding="utf-8")
    assert (
        json.loads(nsatu(committed_url, "events", "import", str(late), "--json").output)["rejected"]
        == 1
    )
    r = nsatu(committed_url, "events", "replay", "--json")
    assert json.loads(r.output) == {"applied": 0, "duplicates": 0, "rejected": 1}
    nsatu(committed_url, "events", "import", str(first), "--json")
    r = nsatu(committed_url, "events", "replay", "--json")
    assert json.loads(r.output) == {"applied": 1, "duplicates": 0, "rejected": 0}
    assert json.loads(nsatu(committed_url, "events", "rejected", "--json").output)["total"] == 0
    assert nsatu(committed_url, "events", "replay", "999").exit_code == 2


def test_consignments_from_accepted_allocations_follow_the_plan(committed_url: str) -> None:
    engine = make_engine(committed_url)
    with transaction(make_session_factory(engine)) as session:
        world = build_world(session)
        hub_code, depot_code, handover_code = (
            world.hub.code,
            world.depots[0].code,
            world.handover.code,
        )
    r = nsatu(committed_url, "plan", "run", "--start-date", START.isoformat(), "--json")
    assert r.exit_code == 0, r.output
    with engine.begin() as conn:
        conn.execute(update(Allocation).values(status=AllocationStatus.ACCEPTED))
    r = nsatu(committed_url, "consignments", "create-from-allocations", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["created"], out
    assert {c["status"] for c in out["created"]} == {"created"}
    listed = json.loads(nsatu(committed_url, "consignments", "list", "--json").output)
    routes = {tuple(c["route"]) for c in listed}
    assert (depot_code, hub_code, handover_code) in routes
    with engine.connect() as conn:
        legs = conn.execute(select(ConsignmentLeg)).all()
    assert legs and all(leg.planned_departure_on is not None for leg in legs)
    assert all(leg.planned_departure_on >= START for leg in legs)
    # Everything is consigned now: a second run makes nothing.
    again = json.loads(
        nsatu(committed_url, "consignments", "create-from-allocations", "--json").output
    )
    assert again["created"] == []
    engine.dispose()


def _state(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Consignment.reference, Consignment.status, ConsignmentLine.quantity)
            .join(ConsignmentLine, ConsignmentLine.consignment_id == Consignment.id, isouter=True)
            .order_by(Consignment.reference, ConsignmentLine.id)
        ).all()
    engine.dispose()
    return {"rows": [tuple(map(str, r)) for r in rows]}


def test_consignments_split_and_merge(committed_url: str) -> None:
    routes = _seed(committed_url, 3)
    a, b, c = (r.reference for r in routes)

    r = nsatu(committed_url, "consignments", "split", a, "--line", "CLI-OFR-0=5", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["source"]["reference"] == a and out["created"]["status"] == "ready"
    new = out["created"]["reference"]
    listed = {
        x["reference"]: x
        for x in json.loads(nsatu(committed_url, "consignments", "list", "--json").output)
    }
    assert (listed[a]["loaded"], listed[new]["loaded"]) == ("7.000", "5.000")  # 12 loaded
    assert listed[new]["route"] == listed[a]["route"]  # legs copied

    r = nsatu(committed_url, "consignments", "merge", a, new, b, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["merged"]["reference"] == a
    assert sorted(x["reference"] for x in out["cancelled"]) == sorted([new, b])
    listed = {
        x["reference"]: x
        for x in json.loads(nsatu(committed_url, "consignments", "list", "--json").output)
    }
    assert listed[a]["loaded"] == "24.000"
    assert listed[b]["state"] == listed[new]["state"] == "cancelled"

    # Refusals: exit 2 for what the user got wrong, 1 for a conflict; nothing changes.
    before = _state(committed_url)
    bad = [
        (("split", c, "--line", "CLI-OFR-2=13"), 2, "lines.0.quantity"),
        (("split", c, "--line", "CLI-OFR-0=1"), 2, "has no line of offer CLI-OFR-0"),
        (("split", c, "--line", "nonsense"), 2, "OFFER_REF=QUANTITY"),
        (("split", c, "--line", "CLI-OFR-2=1", "--version", "9"), 1, "changed by someone else"),
        (("merge", c, b), 1, "is cancelled"),
        (("merge", c), 2, "consignments"),
        (("merge", c, "NOPE"), 2, "NOPE does not exist"),
    ]
    for args, code, text in bad:
        r = nsatu(committed_url, "consignments", *args)
        assert r.exit_code == code, (args, r.output)
        assert text in r.output, (args, r.output)
    assert _state(committed_url) == before
    help_text = nsatu(committed_url, "consignments", "split", "--help").output
    assert "OFFER_REF=QUANTITY" in help_text
