"""``nsatu hubs utilisation`` and ``nsatu hubs alerts`` end to end, on committed databases of every
backend."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from typer.testing import CliRunner, Result

from nsatu.cli import app
from nsatu.core.enums import TrackingEventKind as K
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.logistics import ingest
from nsatu.logistics.generate import seed_consignments
from tests.logistics.test_hub_ops import D1, D3, at, ev, plan

runner = CliRunner()


def nsatu(url: str, *args: str, **env: str) -> Result:
    return runner.invoke(app, ["--database-url", url, *args], env={"COLUMNS": "200", **env})


def _seed(url: str) -> None:
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        a, b = seed_consignments(session, 2, prefix="CLH", loaded=4)
        plan(session, "CLH", road_cap=10)
        result = ingest.ingest(
            session,
            [
                ev(a, 1, K.DEPARTED, a.origin, at(D1, 1) - dt.timedelta(days=1)),
                ev(a, 2, K.ARRIVED_HUB, a.hub, at(D1, 6)),
                ev(b, 1, K.DEPARTED, b.origin, at(D1, 1) - dt.timedelta(days=1)),
                ev(b, 2, K.ARRIVED_HUB, b.hub, at(D1, 8)),
                ev(a, 3, K.DEPARTED_HUB, a.hub, at(D1, 18)),
            ],
        )
        assert result.applied == 5
    engine.dispose()


def test_utilisation_as_json_and_as_a_table(committed_url: str) -> None:
    _seed(committed_url)
    args = ("hubs", "utilisation", "--hub", "CLH-HUB", "--from", "2025-03-01", "--to", "2025-03-02")
    r = nsatu(committed_url, *args, "--json")
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    d1, d2 = body["days"]
    total = d1["total"]
    assert (Decimal(total["planned_in_t"]), Decimal(total["actual_in_t"])) == (12, 12)
    assert d1["over_capacity"] and d1["modes"]["road"]["over_capacity"]
    assert (d1["backlog"], d1["departures"], d1["mean_dwell_hours"]) == (1, 1, 12.0)
    assert d2["over_capacity"] is False and d2["backlog"] == 1
    table = nsatu(committed_url, *args)
    assert table.exit_code == 0, table.output
    assert "CLH-HUB" in table.output and "2025-03-01" in table.output and "road" in table.output


def test_alerts_use_the_threshold_setting(committed_url: str) -> None:
    _seed(committed_url)
    on = (D3 + dt.timedelta(days=3)).isoformat()
    r = nsatu(committed_url, "hubs", "alerts", "--on", on, "--json")
    assert r.exit_code == 0, r.output
    kinds = sorted((a["kind"], a["days_late"]) for a in json.loads(r.output))
    # a left the hub (arrival planned D3: 3 days late), b is still there (departure planned D2: 4).
    assert kinds == [("consignment_late", 3), ("consignment_late", 4), ("hub_over_capacity", None)]
    r = nsatu(
        committed_url, "hubs", "alerts", "--on", on, "--json", NSATU_ALERT_LATE_AFTER_DAYS="3"
    )
    assert [a["days_late"] for a in json.loads(r.output) if a["kind"] == "consignment_late"] == [4]


def test_user_errors_exit_2(committed_url: str) -> None:
    r = nsatu(committed_url, "hubs", "utilisation", "--hub", "NOPE")
    assert r.exit_code == 2 and "hub NOPE not found" in r.output
    r = nsatu(committed_url, "hubs", "utilisation", "--hub", "X", "--from", "1 March", "--json")
    assert r.exit_code == 2 and "--from" in json.loads(r.output)["error"]
    r = nsatu(
        committed_url,
        "hubs",
        "utilisation",
        "--hub",
        "X",
        "--from",
        "2025-03-02",
        "--to",
        "2025-03-01",
    )
    assert r.exit_code == 2 and "before" in r.output
    assert "Per day" in nsatu(committed_url, "hubs", "utilisation", "--help").output


def test_demo_load_makes_consignments_in_every_state(committed_url: str) -> None:
    from nsatu.core.lifecycles import ConsignmentStatus

    r = nsatu(committed_url, "demo", "load", "--json")
    assert r.exit_code == 0, r.output
    loaded = json.loads(r.output)
    assert loaded["allocations"] > 0 and loaded["consignments"] > 0
    listed = json.loads(nsatu(committed_url, "consignments", "list", "--json").output)
    assert {c["state"] for c in listed} == set(ConsignmentStatus)
    alerts = json.loads(nsatu(committed_url, "hubs", "alerts", "--json").output)
    assert {"hub_over_capacity", "consignment_late"} <= {a["kind"] for a in alerts}
    r = nsatu(committed_url, "hubs", "utilisation", "--hub", "HUB-RZE", "--json")
    assert any(Decimal(d["total"]["actual_in_t"]) > 0 for d in json.loads(r.output)["days"])


def test_demo_load_without_execution(committed_url: str) -> None:
    r = nsatu(committed_url, "demo", "load", "--no-execution", "--json")
    assert r.exit_code == 0, r.output
    assert "consignments" not in json.loads(r.output)
    assert json.loads(nsatu(committed_url, "consignments", "list", "--json").output) == []
