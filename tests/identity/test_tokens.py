"""Bearer API tokens: only the hash is stored; they expire and can be revoked, and then the API
answers 401 with a JSON error, never a silent public answer; on every backend."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.access import Role
from nsatu.db.models import ApiToken, Requirement
from nsatu.identity import service as identity_service
from nsatu.identity.errors import (
    AccountDisabled,
    AmbiguousToken,
    TokenExpired,
    TokenInvalid,
    TokenNotFound,
    TokenRevoked,
)
from nsatu.identity.schemas import TokenCreate
from tests.factories import make_capability_area, make_token, make_user

T0 = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_is_random_prefixed_and_stored_only_as_its_hash(session: Session) -> None:
    user = make_user(session)
    issued = identity_service.create_token(session, user.username, TokenCreate(), now=T0)
    token = issued.token
    assert token.startswith("nsatu_") and len(token) >= 6 + 43
    row = session.scalars(select(ApiToken).where(ApiToken.id == issued.info.id)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (row.token_hash, row.prefix, row.name)
    assert token.startswith(row.prefix) and len(row.prefix) == len("nsatu_") + 8
    assert row.expires_at == T0 + dt.timedelta(days=90)
    assert identity_service.verify_token(session, token, now=T0) is user
    other = identity_service.create_token(session, user.username, TokenCreate(), now=T0)
    assert other.token != token


def test_last_used_is_recorded_but_not_on_every_request(session: Session) -> None:
    user = make_user(session)
    token = identity_service.create_token(session, user.username, TokenCreate(), now=T0)
    row = session.get(ApiToken, token.info.id)
    assert row is not None and row.last_used_at is None
    identity_service.verify_token(session, token.token, now=T0)
    assert row.last_used_at == T0
    identity_service.verify_token(session, token.token, now=T0 + dt.timedelta(seconds=30))
    assert row.last_used_at == T0
    identity_service.verify_token(session, token.token, now=T0 + dt.timedelta(minutes=2))
    assert row.last_used_at == T0 + dt.timedelta(minutes=2)


def test_expiry_revocation_and_disabled_users(session: Session) -> None:
    user = make_user(session)
    issued = identity_service.create_token(session, user.username, TokenCreate(days=1), now=T0)
    token = issued.token
    day = dt.timedelta(days=1)
    assert identity_service.verify_token(session, token, now=T0 + day - dt.timedelta(seconds=1))
    with pytest.raises(TokenExpired):
        identity_service.verify_token(session, token, now=T0 + day)

    with pytest.raises(TokenInvalid):
        identity_service.verify_token(session, token[:-1] + ("A" if token[-1] != "A" else "B"))
    with pytest.raises(TokenInvalid):
        identity_service.verify_token(session, "not-a-token")

    live = identity_service.create_token(session, user.username, TokenCreate()).token
    identity_service.disable_user(session, user.username)
    with pytest.raises(AccountDisabled):
        identity_service.verify_token(session, live)
    identity_service.enable_user(session, user.username)
    assert identity_service.verify_token(session, live) is user

    revoked = identity_service.revoke_token(session, str(issued.info.id), now=T0)
    assert revoked.revoked_at == T0
    with pytest.raises(TokenRevoked):
        identity_service.verify_token(session, token, now=T0)


def test_revoke_by_prefix(session: Session) -> None:
    user = make_user(session)
    issued = identity_service.create_token(session, user.username, TokenCreate(name="ci"))
    short = issued.info.prefix.removeprefix("nsatu_")
    assert identity_service.revoke_token(session, short).id == issued.info.id
    with pytest.raises(TokenRevoked):
        identity_service.verify_token(session, issued.token)
    with pytest.raises(TokenNotFound):
        identity_service.revoke_token(session, "nsatu_nothing1")

    # Two tokens sharing a prefix (improbable, but possible): the id must be given.
    a = identity_service.create_token(session, user.username, TokenCreate())
    b = identity_service.create_token(session, user.username, TokenCreate())
    row_b = session.get(ApiToken, b.info.id)
    assert row_b is not None
    row_b.prefix = a.info.prefix
    session.flush()
    with pytest.raises(AmbiguousToken):
        identity_service.revoke_token(session, a.info.prefix)


def test_list_tokens_shows_prefixes_only(session: Session) -> None:
    user = make_user(session, username="lister")
    issued = identity_service.create_token(session, "lister", TokenCreate(name="laptop"))
    listed = identity_service.list_tokens(session, "lister")
    assert [(t.username, t.name, t.prefix) for t in listed] == [
        ("lister", "laptop", issued.info.prefix)
    ]
    assert issued.token not in repr(listed)
    assert user.id == listed[0].user_id


# --- over HTTP ------------------------------------------------------------------------------------


def test_the_api_knows_who_is_calling(anonymous_client: TestClient, session: Session) -> None:
    public = anonymous_client.get("/api/me")
    assert public.status_code == 200
    assert public.json() == {
        "authenticated": False, "username": "public", "display_name": None, "role": "public",
        "nation_code": None, "site_code": None, "organisation_id": None, "channel": "api",
    }  # fmt: skip
    user = make_user(session, role=Role.DONOR_LIAISON, username="liaison")
    token = make_token(session, user)
    session.commit()
    me = anonymous_client.get("/api/me", headers=bearer(token)).json()
    assert me["authenticated"] is True
    assert (me["username"], me["role"], me["channel"]) == ("liaison", "donor_liaison", "api")
    assert me["nation_code"] is not None


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Bearer nsatu_doesnotexist", "invalid_token"),
        ("Bearer ", "invalid_token"),
        ("Basic dXNlcjpwYXNz", "invalid_token"),
        ("Token abc", "invalid_token"),
    ],
)
def test_bad_credentials_are_401_not_public(
    anonymous_client: TestClient, header: str, code: str
) -> None:
    for path in ("/api/me", "/api/needs", "/needs"):
        r = anonymous_client.get(path, headers={"Authorization": header})
        assert r.status_code == 401, (path, r.text[:200])
        assert r.json()["error"] == code
        assert r.json()["detail"]
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_gets_401_and_changes_nothing(
    anonymous_client: TestClient, session: Session
) -> None:
    user = make_user(session, role=Role.COORDINATOR)
    issued = identity_service.create_token(session, user.username, TokenCreate())
    area = make_capability_area(session)
    session.commit()
    payload = {
        "title": "Generators",
        "capability_area_id": area.id,
        "quantity_requested": "5",
        "priority": 1,
        "period": "2025-05",
        "needed_by_on": "2025-06-01",
    }
    ok = anonymous_client.post("/api/needs", json=payload, headers=bearer(issued.token))
    assert ok.status_code == 201, ok.text

    identity_service.revoke_token(session, issued.info.prefix)
    session.commit()
    before = len(session.scalars(select(Requirement.id)).all())
    refused = anonymous_client.post("/api/needs", json=payload, headers=bearer(issued.token))
    assert refused.status_code == 401
    assert refused.json() == {
        "error": "token_revoked",
        "detail": "The API token has been revoked.",
    }
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    assert anonymous_client.get("/api/needs", headers=bearer(issued.token)).status_code == 401
    session.expire_all()
    assert len(session.scalars(select(Requirement.id)).all()) == before


def test_expired_and_disabled_tokens_over_http(
    anonymous_client: TestClient, session: Session
) -> None:
    user = make_user(session)
    old = identity_service.create_token(
        session,
        user.username,
        TokenCreate(days=1),
        now=dt.datetime.now(dt.UTC) - dt.timedelta(days=2),
    )
    live = make_token(session, user)
    session.commit()
    r = anonymous_client.get("/api/me", headers=bearer(old.token))
    assert (r.status_code, r.json()["error"]) == (401, "token_expired")
    assert anonymous_client.get("/api/me", headers=bearer(live)).json()["authenticated"]

    identity_service.disable_user(session, user.username)
    session.commit()
    r = anonymous_client.get("/api/me", headers=bearer(live))
    assert (r.status_code, r.json()["error"]) == (401, "account_disabled")
