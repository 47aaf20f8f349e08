"""``nsatu user …``, ``nsatu token …`` and ``nsatu demo users`` end to end on committed databases
(SQLite and PostgreSQL): output, exit codes, secrets shown once, and that the results work."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from nsatu.cli import app
from nsatu.core.enums import SiteKind
from nsatu.db.models import ApiToken, Nation, Site, User
from nsatu.db.session import make_engine, make_session_factory, transaction
from nsatu.demo.users import DEMO_USERS
from nsatu.identity import service as identity_service
from nsatu.identity.errors import TokenRevoked

runner = CliRunner()


def nsatu(url: str, *args: str, input: str | None = None) -> Result:
    return runner.invoke(app, ["--database-url", url, *args], input=input, env={"COLUMNS": "200"})


def ok_json(url: str, *args: str, input: str | None = None) -> Any:
    result = nsatu(url, *args, "--json", input=input)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def in_db(url: str) -> Session:
    engine = make_engine(url)
    return make_session_factory(engine)()


def seed(url: str) -> None:
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as s:
        deu = Nation(code="DEU", name="Germany", is_donor=True, is_host=True)
        pol = Nation(code="POL", name="Poland", is_donor=True, is_host=True)
        ukr = Nation(code="UKR", name="Ukraine", is_recipient=True)
        s.add_all([deu, pol, ukr])
        s.flush()
        s.add(Site(code="HUB-RZE", name="Rzeszów hub", kind=SiteKind.HUB, nation_id=pol.id,
                   latitude=50, longitude=22))  # fmt: skip
    engine.dispose()


@pytest.fixture
def url(cli_url: str) -> str:
    seed(cli_url)
    return cli_url


def test_user_add_generates_a_password_once_and_it_works(url: str) -> None:
    result = nsatu(url, "user", "add", "Alice", "--role", "donor_liaison", "--nation", "deu",
                   "--name", "Alice Liaison")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "alice" in result.stdout and "donor_liaison" in result.stdout
    password = result.stdout.split("Password (shown only now): ")[1].split()[0]
    assert len(password) >= 16

    with in_db(url) as s:
        user = s.scalars(select(User).where(User.username == "alice")).one()
        assert user.display_name == "Alice Liaison"
        assert user.password_hash and password not in user.password_hash
        assert identity_service.check_password(s, "alice", password) is not None


def test_user_add_reads_the_password_from_stdin(url: str) -> None:
    body = ok_json(url, "user", "add", "hubby", "--role", "hub_operator", "--hub", "HUB-RZE",
                   "--password-stdin", input="a password from a file\n")  # fmt: skip
    assert body["password"] is None  # nothing generated, nothing printed
    assert (body["role"], body["site_code"], body["nation_code"]) == (
        "hub_operator",
        "HUB-RZE",
        "POL",
    )
    with in_db(url) as s:
        assert identity_service.check_password(s, "hubby", "a password from a file")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "donor_liaison"], "nation: a donor_liaison belongs to a nation"),
        (["--role", "donor_liaison", "--nation", "UKR"], "donor nation"),
        (["--role", "hub_operator", "--hub", "NOPE"], "no hub with code NOPE"),
        (["--role", "king"], "role: must be one of"),
        (["--role", "public"], "role: must be one of"),
        (["--role", "auditor", "--password-stdin", "--no-password"], "either"),
    ],
)
def test_user_add_refuses_a_scope_that_does_not_fit(
    url: str, args: list[str], message: str
) -> None:
    result = nsatu(url, "user", "add", "bob", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output.replace("\n", " ")
    assert ok_json(url, "user", "list") == []


def test_short_stdin_passwords_are_refused(url: str) -> None:
    result = nsatu(
        url, "user", "add", "bob", "--role", "auditor", "--password-stdin", input="short\n"
    )
    assert result.exit_code == 2
    assert "password" in result.output


def test_list_disable_enable_set_role_and_set_password(url: str) -> None:
    ok_json(url, "user", "add", "carol", "--role", "recipient_planner", "--nation", "UKR")
    ok_json(url, "user", "add", "dan", "--role", "auditor", "--no-password")
    listed = ok_json(url, "user", "list")
    assert [(u["username"], u["role"], u["nation_code"], u["has_password"]) for u in listed] == [
        ("carol", "recipient_planner", "UKR", True),
        ("dan", "auditor", None, False),
    ]
    table = nsatu(url, "user", "list")
    assert table.exit_code == 0 and "carol" in table.stdout and "dan" in table.stdout

    moved = ok_json(url, "user", "set-role", "carol", "training_coordinator", "--nation", "DEU")
    assert (moved["role"], moved["nation_code"]) == ("training_coordinator", "DEU")
    refused = nsatu(url, "user", "set-role", "carol", "hub_operator")
    assert refused.exit_code == 2 and "hub" in refused.output

    assert ok_json(url, "user", "disable", "carol")["is_active"] is False
    assert ok_json(url, "user", "enable", "carol")["is_active"] is True

    changed = ok_json(url, "user", "set-password", "carol", "--password-stdin",
                      input="brand new password\n")  # fmt: skip
    assert changed["password"] is None
    with in_db(url) as s:
        assert identity_service.check_password(s, "carol", "brand new password")

    missing = nsatu(url, "user", "disable", "nobody")
    assert missing.exit_code == 2 and "no user nobody" in missing.output


def test_token_create_list_revoke(url: str) -> None:
    ok_json(url, "user", "add", "robot", "--role", "coordinator", "--no-password")
    created = nsatu(url, "token", "create", "robot", "--name", "ci", "--days", "30")
    assert created.exit_code == 0, created.output
    token = created.stdout.split("Token (shown only now): ")[1].split()[0]
    assert token.startswith("nsatu_")

    issued = ok_json(url, "token", "create", "robot")
    assert issued["token"].startswith(issued["prefix"])

    listed = ok_json(url, "token", "list", "robot")
    assert [t["name"] for t in listed] == ["ci", "api"]
    assert token not in json.dumps(listed)
    with in_db(url) as s:
        rows = s.scalars(select(ApiToken)).all()
        assert all(token != r.token_hash for r in rows)
        assert identity_service.verify_token(s, token).username == "robot"

    revoked = ok_json(url, "token", "revoke", listed[0]["prefix"])
    assert revoked["revoked_at"] is not None and revoked["name"] == "ci"
    assert ok_json(url, "token", "revoke", str(issued["id"]))["revoked_at"] is not None
    with in_db(url) as s, pytest.raises(TokenRevoked):
        identity_service.verify_token(s, token)

    assert nsatu(url, "token", "revoke", "nsatu_nothing1").exit_code == 2
    assert nsatu(url, "token", "create", "ghost").exit_code == 2
    assert nsatu(url, "token", "create", "robot", "--days", "0").exit_code == 2


def test_demo_users_are_created_once_with_their_logins(url: str) -> None:
    first = ok_json(url, "demo", "users")
    assert [(d["username"], d["status"]) for d in first] == [
        (u.username, "created") for u in DEMO_USERS
    ]
    assert {d["role"] for d in first} == {
        "coordinator", "donor_liaison", "recipient_planner", "hub_operator",
        "training_coordinator", "auditor",
    }  # fmt: skip
    again = ok_json(url, "demo", "users")
    assert {d["status"] for d in again} == {"present"}

    table = nsatu(url, "demo", "users")
    assert "DEMO ONLY" in table.stdout
    with in_db(url) as s:
        for demo in DEMO_USERS:
            assert identity_service.check_password(s, demo.username, demo.password), demo


def test_demo_users_skip_what_the_database_lacks(cli_url: str) -> None:
    """Without the demo's nations and hub, only the unbound roles can be created."""
    result = ok_json(cli_url, "demo", "users")
    status = {d["username"]: d["status"] for d in result}
    assert status == {
        "coordinator": "created", "donor.deu": "skipped", "planner.ukr": "skipped",
        "hub.rze": "skipped", "training.deu": "skipped", "auditor": "created",
    }  # fmt: skip
