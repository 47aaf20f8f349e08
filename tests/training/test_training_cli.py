"""``nsatu training``: readiness per capability area with the ids behind each figure, and the list
commands, as JSON and as tables; a bad option is a user error (exit 2)."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner, Result

from nsatu.cli import app
from nsatu.core.lifecycles import TrainingEventStatus
from nsatu.db.session import make_engine, make_session_factory, transaction
from tests.training.readiness_world import TODAY, build, event, seats

runner = CliRunner()


def nsatu(url: str, *args: str) -> Result:
    return runner.invoke(app, ["--database-url", url, *args], env={"COLUMNS": "200"})


def _seed(url: str) -> dict[str, int | str]:
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        w = build(session, launchers_on=TODAY - dt.timedelta(days=5), launchers_handed_over=True)
        e = event(session, w, w.ind, TODAY + dt.timedelta(days=10))
        r = seats(session, w, e, 4)
        past = event(session, w, w.col, TODAY - dt.timedelta(days=40))
        past.status = TrainingEventStatus.COMPLETED
        seats(session, w, past, 4, completed=4)
        ids: dict[str, int | str] = {
            "area": w.area_code,
            "package": w.package.id,
            "event": e.id,
            "request": r.id,
            "consignment": w.consignments["launchers"].id,
            "course": w.ind.id,
        }
    engine.dispose()
    return ids


def test_readiness_json_counts_and_ids_per_area(committed_url: str) -> None:
    ids = _seed(committed_url)
    r = nsatu(committed_url, "training", "readiness", "--today", TODAY.isoformat(), "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    area = data["areas"][ids["area"]]
    assert {k: area[k]["count"] for k in ("ready", "waiting_for_equipment", "waiting_for_training")} == {
        "ready": 0,
        "waiting_for_equipment": 0,
        "waiting_for_training": 1,
    }  # fmt: skip
    waiting = area["waiting_for_training"]["packages"][0]
    assert waiting["id"] == ids["package"]
    assert ids["consignment"] in waiting["consignment_ids"]
    assert ids["event"] in waiting["event_ids"] and ids["request"] in waiting["seat_request_ids"]
    (gap,) = data["equipment_without_crews"]
    assert gap["delivered_on"] == (TODAY - dt.timedelta(days=5)).isoformat()
    assert gap["training_expected_on"] == (TODAY + dt.timedelta(days=19)).isoformat()
    assert data["invalidated_training"] == []

    only = nsatu(committed_url, "training", "readiness", "--area", str(ids["area"]), "--json")
    assert list(json.loads(only.output)["areas"]) == [ids["area"]]
    table = nsatu(committed_url, "training", "readiness", "--today", TODAY.isoformat())
    assert table.exit_code == 0 and str(ids["area"]) in table.output


def test_readiness_refuses_an_unknown_area_and_a_bad_date(committed_url: str) -> None:
    r = nsatu(committed_url, "training", "readiness", "--area", "nowhere", "--json")
    assert r.exit_code == 2 and "area" in r.output
    r = nsatu(committed_url, "training", "readiness", "--today", "yesterday", "--json")
    assert r.exit_code == 2 and "--today" in r.output


def test_list_commands(committed_url: str) -> None:
    ids = _seed(committed_url)
    courses = json.loads(nsatu(committed_url, "training", "courses", "--json").output)
    assert ids["course"] in {c["id"] for c in courses["items"]}
    assert all("prerequisite_ids" in c and "item_type_ids" in c for c in courses["items"])
    events = json.loads(
        nsatu(
            committed_url, "training", "events", "--course-id", str(ids["course"]), "--json"
        ).output
    )
    assert [e["id"] for e in events["items"]] == [ids["event"]]
    requests = json.loads(
        nsatu(
            committed_url, "training", "requests", "--event-id", str(ids["event"]), "--json"
        ).output
    )
    assert [x["id"] for x in requests["items"]] == [ids["request"]]
    needs = json.loads(nsatu(committed_url, "training", "needs", "--json").output)
    assert needs["seats"] == 8  # 2 launchers × (2 + 2) operators
    for command in ("courses", "events", "requests", "needs"):
        r = nsatu(committed_url, "training", command)
        assert r.exit_code == 0, r.output
        assert "--json" in nsatu(committed_url, "training", command, "--help").output
