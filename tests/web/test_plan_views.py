"""The planning pages (``/plans``), on every backend: the list and the start form, the progress
fragment, a run's summary, deciding on proposals through the form, who may see and do what (404 for
everyone but coordinators and auditors), CSRF, and bad input (never a 500)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import Role
from nsatu.core.lifecycles import AllocationStatus, PlanRunStatus, RequirementStatus
from nsatu.db.models import Allocation, AuditEntry, PlanRun
from nsatu.planning import runs
from nsatu.settings import Settings
from nsatu.web.app import create_app
from nsatu.web.jobs import InlineJobRunner
from tests.domains.plan_world import START, PlanWorld, build_world
from tests.factories import make_item_type, make_requirement, make_user
from tests.identity.conftest import csrf_of, log_in
from tests.web.conftest import MakeClient

FORM = {"horizon_days": "30", "start_on": START.isoformat(), "time_limit_s": "20"}
HTMX = {"HX-Request": "true"}
PASSWORD = "plan-views-password"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> PlanWorld:
    with session_factory() as s:
        w = build_world(s)
        s.commit()
    return w


@pytest.fixture
def planner(client: TestClient, world: PlanWorld) -> TestClient:
    """The coordinator's client, on the planning world, with jobs run inline (after the commit)."""
    client.app.state.jobs = InlineJobRunner()  # type: ignore[attr-defined]
    return client


def _start(client: TestClient) -> int:
    r = client.post("/plans", data=FORM, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    match = re.fullmatch(r"/plans/(\d+)", r.headers["location"])
    assert match, r.headers["location"]
    return int(match.group(1))


def _allocations(session_factory: sessionmaker[Session], run_id: int) -> list[Allocation]:
    with session_factory() as s:
        return list(
            s.scalars(
                select(Allocation).where(Allocation.plan_run_id == run_id).order_by(Allocation.id)
            )
        )


def _statuses(session_factory: sessionmaker[Session], run_id: int) -> dict[int, str]:
    return {a.id: str(a.status) for a in _allocations(session_factory, run_id)}


# --- rendering ------------------------------------------------------------------------------------


def test_a_coordinator_starts_a_run_and_reads_its_summary(
    planner: TestClient, session_factory: sessionmaker[Session]
) -> None:
    listing = planner.get("/plans")
    assert listing.status_code == 200
    assert 'id="start-form"' in listing.text and 'name="horizon_days"' in listing.text
    assert 'id="plans-link"' in listing.text and "No plan runs yet." in listing.text

    run_id = _start(planner)
    with session_factory() as s:
        run = s.get(PlanRun, run_id)
        assert run is not None and run.status is PlanRunStatus.FINISHED, run and run.error
        digest, greedy = run.input_digest, run.greedy_objective
    assert greedy is not None

    page = planner.get(f"/plans/{run_id}")
    assert page.status_code == 200, page.text[:500]
    html = page.text
    for text in (
        digest,
        'id="objective"',
        'id="bound"',
        'id="value-vs-greedy"',
        "HiGHS",
        'id="coverage-table"',
        "Priority 1",
        'data-chart="coverage"',
        'id="plan-charts"',
        'id="hub-loads"',
        'id="leg-loads"',
        'data-chart="hub"',
        'data-chart="leg"',
        'name="allocation_ids"',
        'value="accept-selected"',
        'value="reject-all"',
        "/vendor/chart.js/dist/chart.umd.min.js",
    ):
        assert text in html, text
    assert not re.search(r'(?:src|href)="https?://', html), "no CDN"

    listed = planner.get("/plans").text
    assert f'<tr data-id="{run_id}" data-status="finished">' in listed
    assert "%" in listed  # value against greedy


def test_the_summary_links_unmet_needs_with_their_reasons(
    planner: TestClient, session_factory: sessionmaker[Session], world: PlanWorld
) -> None:
    # A need of an item type nobody offers: unmet, with its reason, and linked to its page.
    with session_factory() as s:
        lonely = make_item_type(
            s, capability_area_id=world.wanted.capability_area_id, weight_kg_per_unit=10
        )
        need = make_requirement(
            s,
            capability_area_id=world.wanted.capability_area_id,
            item_type_id=lonely.id,
            quantity_requested=Decimal(5),
            priority=1,
            needed_by_on=START,
            destination_site_id=world.handover.id,
            status=RequirementStatus.APPROVED,
        )
        s.commit()
        need_id, reference = need.id, need.reference
    run_id = _start(planner)
    html = planner.get(f"/plans/{run_id}").text
    row = re.search(rf'<tr data-need="{re.escape(reference)}">.*?</tr>', html, re.S)
    assert row, html[:2000]
    assert f'href="/needs/{need_id}"' in row.group(0)
    assert 'data-code="no_compatible_offer"' in row.group(0)


def test_the_progress_fragment_polls_until_the_run_is_done(
    planner: TestClient, session_factory: sessionmaker[Session]
) -> None:
    planner.app.state.jobs = _Dropped()  # type: ignore[attr-defined]
    started = planner.post("/plans", data=FORM, headers=HTMX)
    assert started.status_code == 200, started.text[:500]
    assert started.headers["HX-Trigger"] == "plan-run-started"
    run_id = int(re.search(r'id="run-progress-(\d+)"', started.text).group(1))  # type: ignore[union-attr]
    assert 'hx-trigger="every 1s"' in started.text and "<progress" in started.text

    queued = planner.get(f"/plans/{run_id}/progress")
    assert 'hx-trigger="every 1s"' in queued.text and 'data-status="queued"' in queued.text
    assert "HX-Refresh" not in queued.headers
    detail = planner.get(f"/plans/{run_id}")
    assert f'hx-get="/plans/{run_id}/progress?reload=true"' in detail.text

    runs.execute_run(session_factory, run_id)
    done = planner.get(f"/plans/{run_id}/progress", params={"reload": "true"})
    assert done.status_code == 200
    assert 'hx-trigger="every 1s"' not in done.text and 'data-status="finished"' in done.text
    assert done.headers["HX-Refresh"] == "true"
    assert done.headers["HX-Trigger"] == "plan-run-finished"
    assert "HX-Refresh" not in planner.get(f"/plans/{run_id}/progress").headers


class _Dropped:
    """A runner that never runs its jobs (the run stays queued)."""

    def submit(self, name: str, job: object) -> None:
        return None

    def shutdown(self) -> None:
        return None


# --- deciding -------------------------------------------------------------------------------------


def test_accept_selected_then_all_through_the_form_is_audited(
    planner: TestClient, session_factory: sessionmaker[Session]
) -> None:
    run_id = _start(planner)
    ids = sorted(_statuses(session_factory, run_id))
    assert len(ids) >= 2, "the world gives at least two proposals"
    chosen = ids[:2]

    r = planner.post(
        f"/plans/{run_id}/decide",
        data={"decision": "accept-selected", "allocation_ids": [str(i) for i in chosen]},
        headers=HTMX,
    )
    assert r.status_code == 200, r.text[:500]
    assert r.text.lstrip().startswith('<article id="proposals">')  # the partial only
    assert 'id="decision-result"' in r.text and "Accepted 2 allocations" in r.text
    statuses = _statuses(session_factory, run_id)
    assert [statuses[i] for i in chosen] == ["accepted", "accepted"]
    assert all(statuses[i] == "proposed" for i in ids[2:])
    with session_factory() as s:
        audited = set(
            s.scalars(
                select(AuditEntry.entity_id).where(
                    AuditEntry.entity == "allocation",
                    AuditEntry.entity_id.in_(chosen),
                    AuditEntry.action == "transition:accept",
                )
            )
        )
    assert audited == set(chosen)

    rest = planner.post(f"/plans/{run_id}/decide", data={"decision": "accept-all"})
    assert rest.status_code == 200 and "<html" in rest.text  # the whole page without HTMX
    assert set(_statuses(session_factory, run_id).values()) == {"accepted"}
    assert "0 proposed" in rest.text

    nothing = planner.post(f"/plans/{run_id}/decide", data={"decision": "reject-all"})
    assert nothing.status_code == 409 and 'id="decision-error"' in nothing.text
    assert set(_statuses(session_factory, run_id).values()) == {"accepted"}


def test_reject_selected(planner: TestClient, session_factory: sessionmaker[Session]) -> None:
    run_id = _start(planner)
    first = min(_statuses(session_factory, run_id))
    r = planner.post(
        f"/plans/{run_id}/decide",
        data={"decision": "reject-selected", "allocation_ids": str(first)},
        headers=HTMX,
    )
    assert r.status_code == 200 and "Rejected 1 allocation:" in r.text
    assert _statuses(session_factory, run_id)[first] == str(AllocationStatus.REJECTED)


# --- who --------------------------------------------------------------------------------------------


def test_auditors_read_but_may_not_start_or_decide(
    planner: TestClient, session_factory: sessionmaker[Session], as_role: MakeClient
) -> None:
    run_id = _start(planner)
    before = _statuses(session_factory, run_id)
    auditor = as_role(Role.AUDITOR)
    listing = auditor.get("/plans")
    assert listing.status_code == 200 and f'data-id="{run_id}"' in listing.text
    assert 'id="start-form"' not in listing.text and 'id="plans-link"' in listing.text
    page = auditor.get(f"/plans/{run_id}")
    assert page.status_code == 200 and 'id="proposals-table"' in page.text
    assert 'name="allocation_ids"' not in page.text and 'value="accept-all"' not in page.text
    assert auditor.get(f"/plans/{run_id}/progress").status_code == 200
    assert auditor.post("/plans", data=FORM).status_code == 403
    refused = auditor.post(f"/plans/{run_id}/decide", data={"decision": "accept-all"})
    assert refused.status_code == 403 and 'id="decision-error"' in refused.text
    assert _statuses(session_factory, run_id) == before
    with session_factory() as s:
        assert len(list(s.scalars(select(PlanRun)))) == 1


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
def test_everyone_else_gets_404(
    planner: TestClient,
    session_factory: sessionmaker[Session],
    as_role: MakeClient,
    role: Role,
) -> None:
    run_id = _start(planner)
    before = _statuses(session_factory, run_id)
    c = as_role(role)
    for path in ("/plans", f"/plans/{run_id}", f"/plans/{run_id}/progress", "/plans/999999"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 404, (path, r.status_code)
        assert f"#{run_id}" not in r.text
    assert c.get(f"/plans/{run_id}", headers=HTMX).status_code == 404
    assert 'id="plans-link"' not in c.get("/").text
    if role is not Role.PUBLIC:  # the public's posts fail the CSRF check first (403)
        assert c.post("/plans", data=FORM).status_code == 404
        decide = {"decision": "accept-all"}
        assert c.post(f"/plans/{run_id}/decide", data=decide).status_code == 404
    assert _statuses(session_factory, run_id) == before
    with session_factory() as s:
        assert len(list(s.scalars(select(PlanRun)))) == 1


# --- CSRF and bad input ---------------------------------------------------------------------------


def test_the_forms_need_the_csrf_token(
    planner: TestClient, session_factory: sessionmaker[Session]
) -> None:
    run_id = _start(planner)
    before = _statuses(session_factory, run_id)
    with session_factory() as s:
        user = make_user(s, role=Role.COORDINATOR, password=PASSWORD)
        s.commit()
        username = user.username
    app = create_app(Settings(database_url="sqlite://"), session_factory=session_factory)
    app.state.jobs = InlineJobRunner()
    with TestClient(app, raise_server_exceptions=False) as browser:
        assert log_in(browser, username, PASSWORD).status_code == 303
        page = browser.get(f"/plans/{run_id}").text
        csrf = csrf_of(page)
        assert re.search(r'<form method="post" action="/plans/\d+/decide".*?csrf_token', page, re.S)
        assert 'name="csrf_token"' in browser.get("/plans").text
        decide = {"decision": "accept-all"}
        for token in (None, "", "forged"):
            data = decide | ({} if token is None else {"csrf_token": token})
            assert browser.post(f"/plans/{run_id}/decide", data=data).status_code == 403
            assert browser.post("/plans", data=FORM | data).status_code == 403
        assert _statuses(session_factory, run_id) == before
        with session_factory() as s:
            assert len(list(s.scalars(select(PlanRun)))) == 1
        ok = browser.post(f"/plans/{run_id}/decide", data=decide | {"csrf_token": csrf})
        assert ok.status_code == 200, ok.text[:500]
        assert set(_statuses(session_factory, run_id).values()) == {"accepted"}
        started = browser.post("/plans", data=FORM | {"csrf_token": csrf}, follow_redirects=False)
        assert started.status_code == 303


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"horizon_days": "0"}, "horizon_days"),
        ({"horizon_days": "many"}, "horizon_days"),
        ({"horizon_days": "99999999999999999999"}, "horizon_days"),
        ({"start_on": "31.02.2025"}, "start_on"),
        ({"time_limit_s": "-1"}, "time_limit_s"),
        ({"time_limit_s": "nan"}, "time_limit_s"),
    ],
    ids=str,
)
def test_a_bad_start_form_is_shown_with_its_errors(
    planner: TestClient, session_factory: sessionmaker[Session], form: dict[str, str], field: str
) -> None:
    for headers in ({}, HTMX):
        r = planner.post("/plans", data=FORM | form, headers=headers)
        assert r.status_code == 422, r.text[:500]
        assert f'id="err-{field}"' in r.text
    with session_factory() as s:
        assert list(s.scalars(select(PlanRun))) == []


def test_bad_input_is_never_a_500(
    planner: TestClient, session_factory: sessionmaker[Session]
) -> None:
    run_id = _start(planner)
    before = _statuses(session_factory, run_id)
    url = f"/plans/{run_id}/decide"
    for data, status in (
        ({}, 422),
        ({"decision": "accept-everything"}, 422),
        ({"decision": "accept-selected"}, 422),
        ({"decision": "accept-selected", "allocation_ids": "x"}, 422),
        ({"decision": "accept-selected", "allocation_ids": "-1"}, 422),
        ({"decision": "accept-selected", "allocation_ids": "99999999999999999999"}, 422),
        ({"decision": "accept-selected", "allocation_ids": "2000000"}, 422),
        ({"decision": "reject-selected", "allocation_ids": "١٢"}, 422),
    ):
        for headers in ({}, HTMX):
            r = planner.post(url, data=data, headers=headers)
            assert r.status_code == status, (data, r.status_code, r.text[:300])
            assert 'id="decision-error"' in r.text, data
    assert _statuses(session_factory, run_id) == before
    for path, status in (
        ("/plans/0", 422),
        ("/plans/99999999999", 422),
        ("/plans/999999", 404),
        ("/plans/abc", 422),
        ("/plans/999999/progress", 404),
        (f"/plans/{run_id}/progress?reload=perhaps", 422),
        ("/plans?status=bogus", 422),
        ("/plans?page=0", 422),
        ("/plans?size=100000", 422),
    ):
        assert planner.get(path).status_code == status, path
    assert planner.post("/plans/999999/decide", data={"decision": "accept-all"}).status_code == 404


def test_a_run_that_has_not_finished_has_nothing_to_decide(
    planner: TestClient, session_factory: sessionmaker[Session]
) -> None:
    planner.app.state.jobs = _Dropped()  # type: ignore[attr-defined]
    run_id = _start(planner)
    r = planner.post(f"/plans/{run_id}/decide", data={"decision": "accept-all"})
    assert r.status_code == 409
    page = planner.get(f"/plans/{run_id}")
    assert page.status_code == 200 and 'id="run-running"' in page.text
