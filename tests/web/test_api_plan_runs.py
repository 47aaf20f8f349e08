"""The plan-run API (``/api/plan-runs``), on every backend: 202 and a background solve, progress
and figures, the plan document, accepting and rejecting proposals, and who may do what."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Role
from nsatu.web.jobs import InlineJobRunner
from tests.domains.plan_world import START, build_world

BODY = {"start_on": START.isoformat(), "horizon_days": 30, "time_limit_s": 20}


@pytest.fixture
def planner(client: TestClient, session_factory: sessionmaker[Session]) -> TestClient:
    """The coordinator's client, on a planning world, with jobs run inline (after the commit)."""
    with session_factory() as s:
        build_world(s)
        s.commit()
    client.app.state.jobs = InlineJobRunner()  # type: ignore[attr-defined]
    return client


def _start(client: TestClient) -> dict:  # type: ignore[type-arg]
    r = client.post("/api/plan-runs", json=BODY)
    assert r.status_code == 202, r.text
    return r.json()  # type: ignore[no-any-return]


def test_start_is_accepted_then_solved_in_the_background(planner: TestClient) -> None:
    started = _start(planner)
    assert started["status"] == "queued"
    assert started["snapshot"]["offers"] == 3
    r = planner.get(f"/api/plan-runs/{started['id']}")
    assert r.status_code == 200
    run = r.json()
    assert run["status"] == "finished", run["error"]
    assert run["progress"] == 1.0
    assert run["input_digest"] == started["input_digest"]
    assert run["objective"] is not None and run["bound"] is not None and run["gap"] is not None
    assert run["allocations"]["proposed"] == run["proposal_count"] > 0
    listed = planner.get("/api/plan-runs").json()
    assert [i["id"] for i in listed["items"]] == [run["id"]]
    plan = planner.get(f"/api/plan-runs/{run['id']}/plan").json()
    assert plan["format"] == "nsatu-plan/1"
    assert len(plan["shipments"]) == run["shipment_count"]


def test_accept_in_part_then_reject_the_rest(planner: TestClient) -> None:
    run_id = _start(planner)["id"]
    proposals = planner.get("/api/allocations", params={"status": "proposed"}).json()["items"]
    mine = sorted(a["id"] for a in proposals if a["plan_run_id"] == run_id)
    assert mine
    r = planner.post(f"/api/plan-runs/{run_id}/accept", json={"allocation_ids": mine[:1]})
    assert r.status_code == 200, r.text
    assert [(a["id"], a["status"]) for a in r.json()["allocations"]] == [(mine[0], "accepted")]
    r = planner.post(f"/api/plan-runs/{run_id}/reject")
    assert r.status_code == 200
    assert [a["id"] for a in r.json()["allocations"]] == mine[1:]
    counts = planner.get(f"/api/plan-runs/{run_id}").json()["allocations"]
    assert counts == {"proposed": 0, "accepted": 1, "rejected": len(mine) - 1}
    assert planner.post(f"/api/plan-runs/{run_id}/accept").status_code == 409


def test_bad_requests(planner: TestClient) -> None:
    assert planner.post("/api/plan-runs", json={"horizon_days": 0}).status_code == 422
    assert planner.post("/api/plan-runs", json={"surprise": 1}).status_code == 422
    assert planner.get("/api/plan-runs/999999").status_code == 404
    run_id = _start(planner)["id"]
    r = planner.post(f"/api/plan-runs/{run_id}/accept", json={"allocation_ids": [2_000_000]})
    assert r.status_code == 422 and r.json()["field"] == "allocation_ids"


def test_a_queued_run_has_no_plan_and_nothing_to_accept(planner: TestClient) -> None:
    planner.app.state.jobs = _Dropped()  # type: ignore[attr-defined]
    run_id = _start(planner)["id"]
    assert planner.get(f"/api/plan-runs/{run_id}").json()["status"] == "queued"
    assert planner.get(f"/api/plan-runs/{run_id}/plan").status_code == 409
    assert planner.post(f"/api/plan-runs/{run_id}/accept").status_code == 409


class _Dropped:
    """A runner that never runs its jobs (the run stays queued)."""

    def submit(self, name: str, job: object) -> None:
        return None

    def shutdown(self) -> None:
        return None


@pytest.mark.parametrize(
    "role",
    [
        Role.DONOR_LIAISON,
        Role.RECIPIENT_PLANNER,
        Role.HUB_OPERATOR,
        Role.TRAINING_COORDINATOR,
        Role.PUBLIC,
    ],
    ids=str,
)
def test_other_roles_get_404_everywhere(planner: TestClient, as_role: object, role: Role) -> None:
    run_id = _start(planner)["id"]
    c = as_role(role)  # type: ignore[operator]
    assert c.post("/api/plan-runs", json=BODY).status_code == 404
    assert c.get("/api/plan-runs").status_code == 404
    assert c.get(f"/api/plan-runs/{run_id}").status_code == 404
    assert c.get(f"/api/plan-runs/{run_id}/plan").status_code == 404
    assert c.post(f"/api/plan-runs/{run_id}/accept").status_code == 404
    assert c.post(f"/api/plan-runs/{run_id}/reject").status_code == 404
    assert planner.get(f"/api/plan-runs/{run_id}").json()["allocations"]["accepted"] == 0


def test_auditors_read_but_may_not_run_or_decide(planner: TestClient, as_role: object) -> None:
    run_id = _start(planner)["id"]
    auditor = as_role(Role.AUDITOR)  # type: ignore[operator]
    assert auditor.get("/api/plan-runs").json()["total"] == 1
    assert auditor.get(f"/api/plan-runs/{run_id}").status_code == 200
    assert auditor.get(f"/api/plan-runs/{run_id}/plan").status_code == 200
    assert auditor.post("/api/plan-runs", json=BODY).status_code == 403
    assert auditor.post(f"/api/plan-runs/{run_id}/accept").status_code == 403
    assert auditor.post(f"/api/plan-runs/{run_id}/reject").status_code == 403
