"""Use cases of identity: users and their scope, password sign-in with lockout, API tokens and web
sessions. Functions flush, never commit; the caller's unit of work does.

Secrets are never stored: a password as its argon2 hash, a token or a session id as its SHA-256
(they are long random strings, so a fast hash is enough and lets the lookup be one indexed query).
Sign-in answers every failure alike (unknown user, wrong password, locked, disabled) and does an
argon2 verification in each case, so neither the answer nor its timing tells which.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from nsatu.core.access import NATION_ROLES, SITE_ROLES, Actor, Channel, Role
from nsatu.core.enums import SiteKind
from nsatu.db.base import utcnow
from nsatu.db.models import ApiToken, Nation, Organisation, Site, User, WebSession
from nsatu.errors import InvalidInput
from nsatu.identity import errors
from nsatu.identity.schemas import (
    IssuedToken,
    Me,
    PasswordChange,
    TokenCreate,
    TokenRead,
    UserCreate,
    UserRead,
    UserScope,
)

#: argon2id with the library's defaults (RFC 9106 "low memory" profile). Hashes made with other
#: parameters are upgraded at the next successful sign-in.
HASHER = PasswordHasher()
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
SESSION_TTL = dt.timedelta(hours=12)
TOKEN_PREFIX = "nsatu_"  # noqa: S105 (a public marker that makes tokens recognisable, not a secret)
#: Characters of the random part shown in listings (``nsatu_AbCd1234``).
VISIBLE_CHARS = 8
MAX_TOKEN_LENGTH = 200
#: ``last_used_at`` is written at most this often, so reads do not turn into a write per request.
LAST_USED_EVERY = dt.timedelta(minutes=1)

#: Roles whose nation must carry a given flag.
NATION_KIND = {
    Role.DONOR_LIAISON: ("is_donor", "a donor"),
    Role.RECIPIENT_PLANNER: ("is_recipient", "a recipient"),
    Role.TRAINING_COORDINATOR: ("is_host", "a host"),
}


def sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or utcnow()


# --- passwords ------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def generate_password() -> str:
    """A random password (about 128 bits) for a new account, to be shown once."""
    return secrets.token_urlsafe(16)


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def _verify(password_hash: str | None, password: str) -> bool:
    """Verify, spending the same argon2 work when there is no hash to check against."""
    try:
        return HASHER.verify(password_hash or _dummy_hash(HASHER), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def check_password(
    session: Session, username: str, password: str, *, now: dt.datetime | None = None
) -> User | None:
    """The user if ``password`` is right and the account may sign in; ``None`` otherwise.

    A wrong password counts towards the lockout: the fifth in a row locks the account for
    :data:`LOCKOUT`. Unknown users, locked and disabled accounts get ``None`` too, after the same
    argon2 work. The counters are flushed even on failure; the caller must commit them (a failed
    sign-in is not an error that rolls back). A hash with outdated parameters is replaced.
    """
    now = _now(now)
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    usable = (
        user is not None
        and user.is_active
        and user.password_hash is not None
        and not (user.locked_until is not None and user.locked_until > now)
    )
    if user is None or not usable:
        _verify(None, password)
        return None
    if not _verify(user.password_hash, password):
        _count_failure(session, user, now)
        return None
    values: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if user.password_hash and HASHER.check_needs_rehash(user.password_hash):
        values["password_hash"] = hash_password(password)
    _bookkeep(session, user, values)
    return user


def _bookkeep(session: Session, user: User, values: dict[str, Any]) -> None:
    """Sign-in bookkeeping as a plain UPDATE: it is not an edit of the account, so it neither
    bumps the version nor races with one (two sign-ins at once must both work)."""
    session.execute(
        update(User).where(User.id == user.id).values(**values),
        execution_options={"synchronize_session": False},
    )
    session.refresh(user)


def _count_failure(session: Session, user: User, now: dt.datetime) -> None:
    failed = session.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins),
        execution_options={"synchronize_session": False},
    ).scalar_one()
    if failed >= MAX_FAILED_LOGINS:
        _bookkeep(session, user, {"failed_logins": 0, "locked_until": now + LOCKOUT})
    else:
        session.refresh(user)


# --- users ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    nation_id: int | None
    site_id: int | None
    organisation_id: int | None


def _nation(session: Session, scope: UserScope) -> Nation | None:
    if scope.nation is None:
        return None
    nation = session.scalar(select(Nation).where(Nation.code == scope.nation))
    if nation is None:
        raise InvalidInput(f"nation: no nation with code {scope.nation}", field="nation")
    role = scope.role
    if role in NATION_KIND:
        flag, kind = NATION_KIND[role]
        if not getattr(nation, flag):
            raise InvalidInput(
                f"nation: a {role} needs {kind} nation; {nation.code} is not one", field="nation"
            )
    return nation


def _hub(session: Session, scope: UserScope, nation: Nation | None) -> Site | None:
    role = scope.role
    if role not in SITE_ROLES:
        if scope.hub is not None:
            raise InvalidInput(
                f"hub: only a hub operator is tied to a hub, not a {role}", field="hub"
            )
        return None
    if scope.hub is None:
        raise InvalidInput(f"hub: a {role} needs the code of its hub", field="hub")
    site = session.scalar(select(Site).where(Site.code == scope.hub))
    if site is None or site.kind is not SiteKind.HUB:
        raise InvalidInput(f"hub: no hub with code {scope.hub}", field="hub")
    if nation is not None and nation.id != site.nation_id:
        raise InvalidInput(f"nation: hub {scope.hub} is in another nation", field="nation")
    return site


def _resolve_scope(session: Session, scope: UserScope, organisation_id: int | None) -> _Scope:
    """Check that the role fits what it is tied to, and turn codes into ids."""
    nation = _nation(session, scope)
    if scope.role in NATION_ROLES and nation is None:
        raise InvalidInput(f"nation: a {scope.role} belongs to a nation", field="nation")
    site = _hub(session, scope, nation)
    nation_id = site.nation_id if site is not None else (nation.id if nation else None)
    if organisation_id is not None:
        org = session.get(Organisation, organisation_id)
        if org is None:
            raise InvalidInput(
                f"organisation_id: no organisation with id {organisation_id}",
                field="organisation_id",
            )
        if nation_id is None:
            nation_id = org.nation_id
        elif org.nation_id != nation_id:
            raise InvalidInput(
                "organisation_id: the organisation belongs to another nation",
                field="organisation_id",
            )
    return _Scope(nation_id, site.id if site else None, organisation_id)


def create_user(session: Session, data: UserCreate) -> User:
    """Add a user. Without a password it is a machine account that signs in with tokens only.

    Raises:
        UsernameTaken: the username exists already.
        InvalidInput: the role does not fit the nation, hub or organisation given.
    """
    if session.scalar(select(User.id).where(User.username == data.username)) is not None:
        raise errors.UsernameTaken(
            f"username: {data.username} is taken", field="username", username=data.username
        )
    scope = _resolve_scope(session, data, data.organisation_id)
    user = User(
        username=data.username,
        display_name=data.display_name or data.username,
        role=data.role,
        nation_id=scope.nation_id,
        site_id=scope.site_id,
        organisation_id=scope.organisation_id,
        password_hash=hash_password(data.password.get_secret_value()) if data.password else None,
        is_active=True,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise errors.UserNotFound(f"no user {username}", username=username)
    return user


def set_role(session: Session, username: str, scope: UserScope) -> User:
    """Give a user another role (and with it another nation or hub). The organisation is kept
    unless ``scope`` names one. It takes effect at the user's next request."""
    user = get_user(session, username)
    organisation_id = (
        scope.organisation_id if "organisation_id" in scope.model_fields_set else None
    ) or user.organisation_id
    resolved = _resolve_scope(session, scope, organisation_id)
    user.role = scope.role
    user.nation_id = resolved.nation_id
    user.site_id = resolved.site_id
    user.organisation_id = resolved.organisation_id
    session.flush()
    return user


def disable_user(session: Session, username: str) -> User:
    """A disabled user cannot sign in; its sessions end and its tokens stop working."""
    user = get_user(session, username)
    user.is_active = False
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.flush()
    return user


def enable_user(session: Session, username: str) -> User:
    user = get_user(session, username)
    user.is_active = True
    session.flush()
    return user


def set_password(session: Session, username: str, data: PasswordChange) -> User:
    """Replace the password; this also lifts a lockout and ends the user's web sessions."""
    user = get_user(session, username)
    user.password_hash = hash_password(data.password.get_secret_value())
    user.failed_logins = 0
    user.locked_until = None
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.flush()
    return user


def list_users(session: Session) -> list[UserRead]:
    rows = session.execute(
        select(User, Nation.code, Site.code)
        .outerjoin(Nation, Nation.id == User.nation_id)
        .outerjoin(Site, Site.id == User.site_id)
        .order_by(User.username)
    ).all()
    return [_read(user, nation, site) for user, nation, site in rows]


def read_user(session: Session, user: User) -> UserRead:
    nation = session.get(Nation, user.nation_id) if user.nation_id else None
    site = session.get(Site, user.site_id) if user.site_id else None
    return _read(user, nation.code if nation else None, site.code if site else None)


def _read(user: User, nation_code: str | None, site_code: str | None) -> UserRead:
    return UserRead.model_validate(user).model_copy(
        update={
            "nation_code": nation_code,
            "site_code": site_code,
            "has_password": user.password_hash is not None,
        }
    )


def actor_for(user: User, channel: Channel) -> Actor:
    """The actor a signed-in user's requests run as."""
    return Actor(
        role=user.role,
        username=user.username,
        user_id=user.id,
        nation_id=user.nation_id,
        site_id=user.site_id,
        channel=channel,
    )


def describe(session: Session, actor: Actor) -> Me:
    """The caller as ``GET /api/me`` shows it."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        return Me(
            authenticated=False, username=actor.username, role=actor.role, channel=actor.channel
        )
    read = read_user(session, user)
    return Me(
        authenticated=True,
        username=read.username,
        display_name=read.display_name,
        role=read.role,
        nation_code=read.nation_code,
        site_code=read.site_code,
        organisation_id=read.organisation_id,
        channel=actor.channel,
    )


# --- API tokens -----------------------------------------------------------------------------------


def create_token(
    session: Session, username: str, data: TokenCreate, *, now: dt.datetime | None = None
) -> IssuedToken:
    """A new bearer token for ``username``; the secret is in the result only, never stored."""
    user = get_user(session, username)
    now = _now(now)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=data.name,
        prefix=secret[: len(TOKEN_PREFIX) + VISIBLE_CHARS],
        token_hash=sha256(secret),
        created_at=now,
        expires_at=now + dt.timedelta(days=data.days),
    )
    session.add(row)
    session.flush()
    return IssuedToken(token=secret, info=_token_read(row, user.username))


def _token_read(row: ApiToken, username: str | None) -> TokenRead:
    return TokenRead.model_validate(row).model_copy(update={"username": username})


def list_tokens(session: Session, username: str | None = None) -> list[TokenRead]:
    stmt = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
    if username is not None:
        stmt = stmt.where(User.id == get_user(session, username).id)
    rows = session.execute(stmt.order_by(ApiToken.id)).all()
    return [_token_read(row, name) for row, name in rows]


def revoke_token(session: Session, ref: str, *, now: dt.datetime | None = None) -> TokenRead:
    """Revoke a token named by its id or its visible prefix (with or without ``nsatu_``).

    Raises:
        TokenNotFound: nothing matches.
        AmbiguousToken: the prefix matches more than one token (give the id).
    """
    ref = ref.strip()
    if ref.isdigit():
        rows = session.scalars(select(ApiToken).where(ApiToken.id == int(ref))).all()
    else:
        prefix = ref if ref.startswith(TOKEN_PREFIX) else TOKEN_PREFIX + ref
        rows = session.scalars(select(ApiToken).where(ApiToken.prefix == prefix)).all()
    if not rows:
        raise errors.TokenNotFound(f"no API token {ref}")
    if len(rows) > 1:
        raise errors.AmbiguousToken(
            f"{len(rows)} tokens start with {ref}; give the id", field="ref"
        )
    row = rows[0]
    if row.revoked_at is None:
        row.revoked_at = _now(now)
        session.flush()
    user = session.get(User, row.user_id)
    return _token_read(row, user.username if user else None)


def verify_token(session: Session, token: str, *, now: dt.datetime | None = None) -> User:
    """The user a bearer token stands for.

    Raises:
        TokenInvalid: no such token (or not one of ours at all).
        TokenRevoked, TokenExpired: it was, but is no longer valid.
        AccountDisabled: its user is disabled.
    """
    now = _now(now)
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        raise errors.TokenInvalid("The API token is not valid.")
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == sha256(token))
    ).one_or_none()
    if row is None:
        raise errors.TokenInvalid("The API token is not valid.")
    api_token, user = row
    if api_token.revoked_at is not None:
        raise errors.TokenRevoked("The API token has been revoked.")
    if api_token.expires_at is not None and api_token.expires_at <= now:
        raise errors.TokenExpired("The API token has expired.")
    if not user.is_active:
        raise errors.AccountDisabled("The account of this API token is disabled.")
    if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_EVERY:
        api_token.last_used_at = now
        session.flush()
    return user


# --- web sessions ---------------------------------------------------------------------------------


def start_session(
    session: Session, user: User, *, now: dt.datetime | None = None
) -> tuple[str, WebSession]:
    """A new web session for ``user``: the cookie value (returned, never stored) and the row,
    which holds the session's CSRF token. The user's expired sessions are cleared on the way."""
    now = _now(now)
    session.execute(
        delete(WebSession).where(WebSession.user_id == user.id, WebSession.expires_at <= now)
    )
    cookie = secrets.token_urlsafe(32)
    row = WebSession(
        session_hash=sha256(cookie),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + SESSION_TTL,
    )
    session.add(row)
    session.flush()
    return cookie, row


def session_user(
    session: Session, cookie: str, *, now: dt.datetime | None = None
) -> tuple[User, WebSession] | None:
    """The user and session of a session cookie; ``None`` when it is unknown, expired or its
    user is disabled."""
    if not cookie or len(cookie) > MAX_TOKEN_LENGTH:
        return None
    row = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.session_hash == sha256(cookie))
    ).one_or_none()
    if row is None:
        return None
    web_session, user = row
    if web_session.expires_at <= _now(now) or not user.is_active:
        return None
    return user, web_session


def end_session(session: Session, cookie: str) -> None:
    """Sign out: the session row is deleted, so the cookie is worthless even if kept."""
    session.execute(delete(WebSession).where(WebSession.session_hash == sha256(cookie)))
    session.flush()
