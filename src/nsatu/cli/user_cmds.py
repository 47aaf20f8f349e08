"""``nsatu user`` and ``nsatu token``: accounts, their roles and their API tokens.

Secrets (a generated password, a new token) are printed once and never stored in clear.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from nsatu.cli.common import (
    EXIT_USER_ERROR,
    JsonOpt,
    fail,
    print_json,
    print_table,
    unit_of_work,
)
from nsatu.core.access import Role

user_app = typer.Typer(help="Users: add, list, disable, enable, change role or password.")
token_app = typer.Typer(help="API tokens: create, list, revoke.")

#: Roles a user may have (``public`` is the role of visitors who are not signed in).
USER_ROLES = [r.value for r in Role if r is not Role.PUBLIC]

NationOpt = typer.Option(
    None, "--nation", help="ISO 3166 alpha-3 code of the user's nation (nation-bound roles)."
)
HubOpt = typer.Option(None, "--hub", help="Site code of the hub (hub operators).")
OrganisationOpt = typer.Option(None, "--organisation", help="Id of the user's organisation.")


def _role(value: str) -> Role:
    if value not in USER_ROLES:
        fail(f"role: must be one of {', '.join(USER_ROLES)}", code=EXIT_USER_ERROR)
    return Role(value)


def _validated(schema: type[Any], **values: Any) -> Any:
    """Build a schema from options; a validation error is a user error (exit 2), not a trace."""
    from pydantic import ValidationError

    try:
        return schema(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "input"
        fail(f"{field}: {first.get('msg', 'invalid')}", code=EXIT_USER_ERROR)


def _user_row(u: Any) -> list[Any]:
    return [
        u.username,
        u.display_name,
        u.role,
        u.site_code or u.nation_code or "",
        u.organisation_id,
        "yes" if u.is_active else "no",
        u.locked_until.isoformat(timespec="minutes") if u.locked_until else "",
        u.last_login_at.isoformat(timespec="minutes") if u.last_login_at else "",
    ]


USER_COLUMNS = [
    "username",
    "name",
    "role",
    "nation/hub",
    "org",
    "active",
    "locked until",
    "last login",
]


def _print_user(title: str, read: Any, as_json: bool, **extra: Any) -> None:
    if as_json:
        print_json(read.model_dump(mode="json") | extra)
    else:
        print_table(title, USER_COLUMNS, [_user_row(read)])


@user_app.command("add")
def add(
    username: str = typer.Argument(..., help="Lower-case letters, digits and . _ -"),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(USER_ROLES)}."),
    nation: str | None = NationOpt,
    organisation: int | None = OrganisationOpt,
    hub: str | None = HubOpt,
    display_name: str | None = typer.Option(None, "--name", help="Full name shown in the UI."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
    no_password: bool = typer.Option(
        False, "--no-password", help="A machine account that signs in with API tokens only."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Add a user. Without --password-stdin a password is generated and printed once."""
    from nsatu.identity import service as identity_service
    from nsatu.identity.schemas import UserCreate

    if password_stdin and no_password:
        fail("give either --password-stdin or --no-password", code=EXIT_USER_ERROR)
    generated = None
    if password_stdin:
        password: str | None = sys.stdin.readline().rstrip("\r\n")
    elif no_password:
        password = None
    else:
        password = generated = identity_service.generate_password()
    data = _validated(
        UserCreate,
        username=username,
        role=_role(role),
        nation=nation,
        hub=hub,
        organisation_id=organisation,
        display_name=display_name,
        password=password,
    )
    with unit_of_work() as session:
        read = identity_service.read_user(session, identity_service.create_user(session, data))
    if as_json:
        print_json(read.model_dump(mode="json") | {"password": generated})
        return
    print_table("User added", USER_COLUMNS, [_user_row(read)])
    if generated:
        typer.echo(f"Password (shown only now): {generated}")


@user_app.command("list")
def list_(as_json: bool = JsonOpt) -> None:
    """Every user with role, nation or hub, and whether it is active or locked."""
    from nsatu.identity import service as identity_service

    with unit_of_work() as session:
        users = identity_service.list_users(session)
    if as_json:
        print_json([u.model_dump(mode="json") for u in users])
    else:
        print_table(f"{len(users)} users", USER_COLUMNS, [_user_row(u) for u in users])


@user_app.command("disable")
def disable(username: str, as_json: bool = JsonOpt) -> None:
    """Disable a user: no sign-in; sessions end and API tokens stop working."""
    from nsatu.identity import service as identity_service

    with unit_of_work() as session:
        read = identity_service.read_user(session, identity_service.disable_user(session, username))
    _print_user("User disabled", read, as_json)


@user_app.command("enable")
def enable(username: str, as_json: bool = JsonOpt) -> None:
    """Enable a disabled user again (its unrevoked, unexpired tokens work again)."""
    from nsatu.identity import service as identity_service

    with unit_of_work() as session:
        read = identity_service.read_user(session, identity_service.enable_user(session, username))
    _print_user("User enabled", read, as_json)


@user_app.command("set-role")
def set_role(
    username: str,
    role: str = typer.Argument(..., help=f"One of: {', '.join(USER_ROLES)}."),
    nation: str | None = NationOpt,
    organisation: int | None = OrganisationOpt,
    hub: str | None = HubOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Give a user another role, with the nation or hub it needs."""
    from nsatu.identity import service as identity_service
    from nsatu.identity.schemas import UserScope

    scope = _validated(
        UserScope, role=_role(role), nation=nation, hub=hub, organisation_id=organisation
    )
    with unit_of_work() as session:
        user = identity_service.set_role(session, username, scope)
        read = identity_service.read_user(session, user)
    _print_user("Role changed", read, as_json)


@user_app.command("set-password")
def set_password(
    username: str,
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Set a new password (generated and printed once unless read from stdin); this also lifts
    a lockout and ends the user's web sessions."""
    from nsatu.identity import service as identity_service
    from nsatu.identity.schemas import PasswordChange

    generated = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = generated = identity_service.generate_password()
    data = _validated(PasswordChange, password=password)
    with unit_of_work() as session:
        user = identity_service.set_password(session, username, data)
        read = identity_service.read_user(session, user)
    if as_json:
        print_json(read.model_dump(mode="json") | {"password": generated})
        return
    typer.echo(f"Password of {read.username} changed.")
    if generated:
        typer.echo(f"Password (shown only now): {generated}")


TOKEN_COLUMNS = ["id", "prefix", "user", "name", "created", "expires", "revoked", "last used"]


def _token_row(t: Any) -> list[Any]:
    def when(value: Any) -> str:
        return value.isoformat(timespec="minutes") if value else ""

    return [
        t.id,
        t.prefix,
        t.username,
        t.name,
        when(t.created_at),
        when(t.expires_at),
        when(t.revoked_at),
        when(t.last_used_at),
    ]


@token_app.command("create")
def token_create(
    username: str,
    name: str = typer.Option("api", "--name", help="What the token is for."),
    days: int = typer.Option(90, "--days", help="Days until it expires (1–3650)."),
    as_json: bool = JsonOpt,
) -> None:
    """Create an API token for USERNAME and print it once (only its hash is kept)."""
    from nsatu.identity import service as identity_service
    from nsatu.identity.schemas import TokenCreate

    data = _validated(TokenCreate, name=name, days=days)
    with unit_of_work() as session:
        issued = identity_service.create_token(session, username, data)
    if as_json:
        print_json({"token": issued.token, **issued.info.model_dump(mode="json")})
        return
    print_table("API token created", TOKEN_COLUMNS, [_token_row(issued.info)])
    typer.echo(f"Token (shown only now): {issued.token}")
    typer.echo(f"Use it as: Authorization: Bearer {issued.token}")


@token_app.command("list")
def token_list(
    username: str | None = typer.Argument(None, help="Only this user's tokens."),
    as_json: bool = JsonOpt,
) -> None:
    """API tokens (prefixes only: the secrets are not stored)."""
    from nsatu.identity import service as identity_service

    with unit_of_work() as session:
        tokens = identity_service.list_tokens(session, username)
    if as_json:
        print_json([t.model_dump(mode="json") for t in tokens])
    else:
        print_table(f"{len(tokens)} API tokens", TOKEN_COLUMNS, [_token_row(t) for t in tokens])


@token_app.command("revoke")
def token_revoke(
    ref: str = typer.Argument(..., help="The token's id or its visible prefix."),
    as_json: bool = JsonOpt,
) -> None:
    """Revoke an API token: it answers 401 from now on."""
    from nsatu.identity import service as identity_service

    with unit_of_work() as session:
        read = identity_service.revoke_token(session, ref)
    if as_json:
        print_json(read.model_dump(mode="json"))
    else:
        print_table("API token revoked", TOKEN_COLUMNS, [_token_row(read)])
