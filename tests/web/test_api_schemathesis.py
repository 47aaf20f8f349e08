"""Property-based tests of the whole JSON API from its own OpenAPI schema (schemathesis).

Every operation under ``/api`` gets generated requests, valid and invalid, as each role in turn: a
coordinator, the donor liaison and the training coordinator of a donor and host nation, the
recipient planner of the recipient, the operator of a hub, an auditor (each a real user with a
bearer token, see :mod:`tests.security.signin`) and the public (no credentials). None may answer
with a 5xx, and every documented response (errors included) must match the schema. Every request
must go out with the role's own credentials and be taken so (never a 401), and
``test_every_role_is_signed_in_as_itself`` asks ``/api/me`` who each role is, before and after the
fuzzing, so that no role is silently fuzzed as the public.

The app runs on a committed database of its own (``committed_database``: a SQLite file, or a
private PostgreSQL schema with ``NSATU_FUZZ_BACKEND=postgresql``; the rolled-back ``client``
fixture does not fit: schemathesis calls the app directly), seeded with the leak matrix's world
(:mod:`tests.security.world`: records of every collection, of two owners at every releasability
level, allocations, consignment lines, legs and tracking events, seat requests) and a GDP series,
so that generated small ids reach real records, some each role may see and some it may not.

How much ran (operations × roles, requests per role and the statuses they got, 5xx counted) is
written to the terminal when the module finishes.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
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
from sqlalchemy import func, select

from nsatu.core.access import Role
from nsatu.db.models import ApiToken, NationGdp, User
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.settings import Settings
from nsatu.web.app import create_app
from tests.conftest import committed_database
from tests.security.signin import Caller
from tests.security.test_leak_matrix import COLLECTIONS
from tests.security.world import build_world


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

#: What the fuzzer must find rows of, beyond every collection of the API (those of the leak
#: matrix, which covers every ``/api`` route): the GDP series under ``/api/nations/{id}/gdp``, and
#: the users and tokens the callers sign in with.
ALSO_SEEDED = (NationGdp, User, ApiToken)


def _seed(url: str) -> dict[Role, Caller]:
    """The leak matrix's world (:mod:`tests.security.world`: two donor and host nations, a
    recipient, hubs, records of every collection of each owner at every releasability level,
    allocations, consignments with lines, legs and tracking events, courses, training events and
    seat requests) plus a GDP series, committed; and a signed-in user of every role tied to it.
    Returns each role's caller."""
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as s:
        world = build_world(s)
        s.add_all(
            NationGdp(
                nation_id=nation.id,
                year=year,
                gdp_usd=Decimal(1_000_000_000) * (year - 2000),
                source="World Bank (test)",
            )
            for nation in world.nations.values()
            for year in (2022, 2023, 2024)
        )
        callers = {caller.actor.role: caller for caller in world.callers}
        assert set(callers) == set(ROLES), "a role without a caller would escape the fuzzing"
    engine.dispose()
    return callers


# Built at import because schemathesis makes one test per operation from the schema at collection
# (its lazy ``from_fixture`` loader does not run under this pytest). Building the app touches no
# database; the fixture below gives it one before the first request.
app = create_app(Settings(database_url="sqlite://"))
#: Each role's caller (its actor and the headers it sends); the fixture fills them in once the
#: users exist.
CALLERS: dict[Role, Caller] = {}

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
    errors = sum(n for (_, code), n in STATUSES.items() if code == "raised" or code[0] == "5")
    lines = [
        f"schemathesis ({BACKEND}): {len(operations)} operations x {len(roles)} roles, "
        f"{sum(REQUESTS.values())} requests, {errors} 5xx (max_examples={MAX_EXAMPLES} per "
        "operation and role in the fuzzing phase)"
    ]
    for role in roles:
        sent = sum(n for (r, _), n in REQUESTS.items() if r is role)
        ops = len({label for r, label in REQUESTS if r is role})
        statuses = ", ".join(
            f"{code}: {n}" for (r, code), n in sorted(STATUSES.items()) if r is role
        )
        phases = ", ".join(f"{phase} {n}" for (r, phase), n in sorted(PHASES.items()) if r is role)
        lines.append(f"  {role}: {ops} operations, {sent} requests; status {statuses}; {phases}")
    return lines


#: The backend the fuzzed app runs on: SQLite by default (one backend keeps the file near three
#: minutes); ``NSATU_FUZZ_BACKEND=postgresql`` runs it on a private schema of the PostgreSQL test
#: database instead.
BACKEND = os.environ.get("NSATU_FUZZ_BACKEND", "sqlite")


@pytest.fixture(scope="module", autouse=True)
def database(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[None]:
    with committed_database(BACKEND, tmp_path_factory.mktemp("schemathesis")) as url:
        CALLERS.update(_seed(url))
        engine = make_engine(url)
        app.state.session_factory = make_session_factory(engine)
        yield
        engine.dispose()
    # How much ran goes to the terminal (past output capture), so a run reports its size.
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    if REQUESTS and reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            for line in _summary():
                reporter.write_line(line)


def _signed_in_as_itself(role: Role) -> None:
    """``GET /api/me``, sent the way the fuzzing sends every request, names the role's own user
    (the public: no user, role ``public``)."""
    caller = CALLERS[role]
    response = schema["/api/me"]["GET"].Case().call(headers=caller.headers)
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["role"] == str(role), me
    assert me["authenticated"] is (role is not Role.PUBLIC), me
    assert me["username"] == caller.actor.username, me


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_every_role_is_signed_in_as_itself(role: Role) -> None:
    _signed_in_as_itself(role)


def test_the_fuzzed_world_has_a_row_of_every_kind() -> None:
    """Generated small ids reach real records of every collection the API serves."""
    engine = app.state.session_factory.kw["bind"]
    with engine.connect() as conn:
        for model in (*(c.model for c in COLLECTIONS.values()), *ALSO_SEEDED):
            n = conn.scalar(select(func.count()).select_from(model.__table__))
            assert n, f"no {model.__tablename__} row for the fuzzer to reach"


def _call_and_validate(case: schemathesis.Case[Any], role: Role) -> None:
    REQUESTS[role, case.operation.label] += 1
    if case.meta is not None:
        PHASES[role, f"{case.meta.phase.name}/{case.meta.generation.mode}"] += 1
    credentials = CALLERS[role].headers.get("Authorization")
    # Schemathesis fills in the documented credentials (the bearer header, the session cookie)
    # with generated values; a role's requests carry its own credentials only (the public: none).
    if case.headers:
        case.headers.pop("Authorization", None)
    if case.cookies:
        case.cookies.pop("nsatu_session", None)
    try:
        response = case.call(headers=CALLERS[role].headers)
    except Exception:
        # The app raised: it would have answered 500 (the test transport re-raises instead).
        STATUSES[role, "raised"] += 1
        raise
    STATUSES[role, str(response.status_code)] += 1
    # The request went out as the role, and the app took it so (a 401 would mean it fell back to
    # refusing the credentials, and the rest of the role's requests would test nothing).
    assert response.request.headers.get("Authorization") == credentials, "sent as someone else"
    assert response.status_code != 401, f"{role}'s credentials were refused: {response.text}"
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


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_every_role_is_still_itself_after_the_fuzzing(role: Role) -> None:
    """Whatever the coordinator's fuzzing changed, no caller lost its sign-in on the way."""
    _signed_in_as_itself(role)


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
