"""Property-based tests of the whole JSON API from its own OpenAPI schema (schemathesis).

Every operation under ``/api`` gets generated requests, valid and invalid, as each role in turn: a
coordinator, the donor liaison of the seeded donor, the recipient planner of the seeded recipient,
the operator of the seeded hub, the training coordinator of the seeded host nation, an auditor
(each a real user with a bearer token, see :mod:`tests.security.signin`) and the public (no
credentials). None may answer with a 5xx, and every documented response (errors included) must
match the schema. The app runs on a migrated SQLite file of its own with real commits (the
rolled-back ``client`` fixture does not fit: schemathesis calls the app directly), seeded with one
row of each kind so that generated small ids reach real rows.

How much ran (operations × roles, requests per role and the statuses they got) is written to the
terminal when the module finishes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import CheckContext, Response
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from nsatu.core.access import Role
from nsatu.core.enums import OfferKind, SiteKind
from nsatu.core.lifecycles import OfferStage, RequirementStatus
from nsatu.db.migrate import upgrade
from nsatu.db.models import (
    CapabilityArea,
    Consignment,
    ConsignmentLine,
    Course,
    ItemType,
    Nation,
    OfferLine,
    Requirement,
    Site,
    TrainingEvent,
)
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.settings import Settings
from nsatu.web.app import create_app
from tests.security.signin import sign_in


def error_contract(
    ctx: CheckContext, response: Response, case: schemathesis.Case[Any]
) -> bool | None:
    """Every 4xx is ``{"error": code, "detail": message, ...}``, and a 422 names the field."""
    if not 400 <= response.status_code < 500:
        return None
    body = response.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("detail"), str) and body["detail"], body
    if response.status_code == 422:
        assert isinstance(body.get("field"), str) and body["field"], body
    return None


CHECKS = [
    not_a_server_error,
    content_type_conformance,
    response_schema_conformance,
    error_contract,
]


#: Every role the API answers to, the public (no credentials) included.
ROLES = list(Role)


def _seed(url: str) -> dict[Role, dict[str, str]]:
    """One row of each kind, and a signed-in user of every role tied to those rows; returns the
    headers each role sends (none for the public)."""
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as s:
        nation = Nation(code="POL", name="Poland", is_donor=True, is_host=True)
        recipient = Nation(code="UKR", name="Ukraine", is_recipient=True)
        area = CapabilityArea(code="power", name="Power")
        s.add_all([nation, recipient, area])
        s.flush()
        hub = Site(
            code="HUB-1",
            name="Hub",
            kind=SiteKind.HUB,
            nation_id=nation.id,
            latitude=Decimal("50.1"),
            longitude=Decimal("22.0"),
            road_capacity_per_day=100,
        )
        centre = Site(
            code="TRN-1",
            name="Centre",
            kind=SiteKind.TRAINING_CENTRE,
            nation_id=nation.id,
            latitude=Decimal("49.7"),
            longitude=Decimal("11.9"),
        )
        item = ItemType(
            code="generator",
            public_name="Generator",
            category="Power",
            capability_area_id=area.id,
            substitution_family="generator",
        )
        s.add_all([hub, centre, item])
        s.flush()
        # The donor liaison and the training coordinator of POL (the donor of the offer and the
        # host of the course), the planner of UKR, the operator of the hub the consignment leaves.
        callers = [
            sign_in(s, Role.COORDINATOR),
            sign_in(s, Role.DONOR_LIAISON, nation=nation),
            sign_in(s, Role.RECIPIENT_PLANNER, nation=recipient),
            sign_in(s, Role.HUB_OPERATOR, hub=hub),
            sign_in(s, Role.TRAINING_COORDINATOR, nation=nation),
            sign_in(s, Role.AUDITOR),
            sign_in(s, Role.PUBLIC),
        ]
        headers = {caller.actor.role: caller.headers for caller in callers}
        assert set(headers) == set(ROLES), "a role without a caller would escape the fuzzing"
        offer = OfferLine(
            reference="OFR-1",
            donor_nation_id=nation.id,
            kind=OfferKind.IN_KIND_STOCK,
            description="Generators",
            quantity=Decimal(1000),
            item_type_id=item.id,
            stage=OfferStage.COMMITTED,
        )
        need = Requirement(
            reference="REQ-1",
            title="Generators",
            capability_area_id=area.id,
            item_type_id=item.id,
            quantity_requested=Decimal(500),
            priority=1,
            period="2025-01",
            needed_by_on=dt.date(2025, 3, 1),
            status=RequirementStatus.PUBLISHED,
        )
        consignment = Consignment(
            reference="CSG-1", origin_site_id=hub.id, destination_site_id=centre.id
        )
        course = Course(
            code="C-1",
            title="Generator maintenance",
            capability_area_id=area.id,
            host_nation_id=nation.id,
            site_id=centre.id,
            duration_days=5,
            seats_per_event=100,
        )
        s.add_all([offer, need, consignment, course])
        s.flush()
        s.add_all(
            [
                ConsignmentLine(consignment_id=consignment.id, offer_line_id=offer.id, quantity=1),
                TrainingEvent(
                    course_id=course.id,
                    starts_on=dt.date(2025, 6, 2),
                    ends_on=dt.date(2025, 6, 6),
                    seats_offered=100,
                ),
            ]
        )
    engine.dispose()
    return headers


# Built at import because schemathesis makes one test per operation from the schema at collection
# (its lazy ``from_fixture`` loader does not run under this pytest). Building the app touches no
# database; the fixture below gives it one before the first request.
app = create_app(Settings(database_url="sqlite://"))
#: The headers each role sends; the fixture fills them in once the users exist.
HEADERS: dict[Role, dict[str, str]] = {}

#: The coordinator, who may do everything (so valid writes reach furthest), gets every phase in
#: full: the schema's examples, the coverage phase (boundary values, each way of breaking every
#: parameter, unexpected methods) and the random fuzzing phase.
FULL_ROLES = [Role.COORDINATOR]
#: Every other role, the public included, gets the same examples and fuzzing (valid and invalid
#: requests) and the coverage phase's valid cases. The coverage phase's invalid cases and
#: unexpected methods are sent as the coordinator only: validation and routing refuse them before
#: any role matters (run as every role, they gave every role the same 405s and about the same
#: 422s, and no 5xx), and sending them seven times takes the file from three minutes to six.
SCOPED_ROLES = [role for role in ROLES if role not in FULL_ROLES]
schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
scoped_schema = schemathesis.openapi.from_asgi(
    "/api/openapi.json",
    app,
    config=SchemathesisConfig.from_dict(
        {"phases": {"coverage": {"generation": {"mode": "positive"}, "unexpected-methods": []}}}
    ),
)
#: Random examples per operation and role in the fuzzing phase (valid and invalid); the examples
#: and coverage phases add their own deterministic cases.
MAX_EXAMPLES = 8
SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)

#: What ran, for the summary: requests per (role, operation), per (role, status code, or
#: ``raised`` when the app raised) and per (role, phase/generation mode).
REQUESTS: Counter[tuple[Role, str]] = Counter()
STATUSES: Counter[tuple[Role, str]] = Counter()
PHASES: Counter[tuple[Role, str]] = Counter()


def _summary() -> list[str]:
    operations = {label for _, label in REQUESTS}
    roles = [role for role in ROLES if any(r is role for r, _ in REQUESTS)]
    lines = [
        f"schemathesis: {len(operations)} operations x {len(roles)} roles, "
        f"{sum(REQUESTS.values())} requests (max_examples={MAX_EXAMPLES} per operation and role "
        "in the fuzzing phase)"
    ]
    for role in roles:
        sent = sum(n for (r, _), n in REQUESTS.items() if r is role)
        statuses = ", ".join(
            f"{code}: {n}" for (r, code), n in sorted(STATUSES.items()) if r is role
        )
        phases = ", ".join(f"{phase} {n}" for (r, phase), n in sorted(PHASES.items()) if r is role)
        lines.append(f"  {role}: {sent} requests; status {statuses}; {phases}")
    return lines


@pytest.fixture(scope="module", autouse=True)
def database(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[None]:
    path: Path = tmp_path_factory.mktemp("schemathesis") / "api.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    HEADERS.update(_seed(url))
    engine = make_engine(url)
    app.state.session_factory = make_session_factory(engine)
    yield
    engine.dispose()
    # How much ran goes to the terminal (past output capture), for the closing note of a run.
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    if REQUESTS and reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            for line in _summary():
                reporter.write_line(line)


def _call_and_validate(case: schemathesis.Case[Any], role: Role) -> None:
    REQUESTS[role, case.operation.label] += 1
    if case.meta is not None:
        PHASES[role, f"{case.meta.phase.name}/{case.meta.generation.mode}"] += 1
    try:
        response = case.call(headers=HEADERS[role])
    except Exception:
        # The app raised: it would have answered 500 (the test transport re-raises instead).
        STATUSES[role, "raised"] += 1
        raise
    STATUSES[role, str(response.status_code)] += 1
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
@pytest.mark.parametrize("role", FULL_ROLES, ids=str)
@SETTINGS
def test_api_conforms_and_never_fails(case: schemathesis.Case[Any], role: Role) -> None:
    _call_and_validate(case, role)


@scoped_schema.parametrize()
@pytest.mark.parametrize("role", SCOPED_ROLES, ids=str)
@SETTINGS
def test_api_conforms_and_never_fails_as_other_roles(
    case: schemathesis.Case[Any], role: Role
) -> None:
    _call_and_validate(case, role)


def test_422_is_documented_as_sent() -> None:
    client = TestClient(app, raise_server_exceptions=False)
    sent = client.get("/api/nations", params={"size": 0}).json()
    documented = client.get("/api/openapi.json").json()
    ref = documented["paths"]["/api/nations"]["get"]["responses"]["422"]["content"][
        "application/json"
    ]["schema"]["$ref"]
    props = documented["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    assert set(sent) <= set(props)
    assert props["detail"].get("type") == "string"
