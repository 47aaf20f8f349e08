"""Request-scoped dependencies: one database transaction per request, run as the request's actor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from nsatu.db.scoping import set_actor
from nsatu.db.session import transaction
from nsatu.shared.schemas import MAX_ID
from nsatu.web.auth import authenticate, check_csrf


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work, scoped to the request's actor. ``scope="function"`` makes
    FastAPI run the commit right after the route returns and *before* the response is sent, so a
    failed commit is an error response, never a success the database does not hold."""
    with transaction(request.app.state.session_factory) as session:
        # Safe by default: without credentials the actor is PUBLIC (see nsatu.web.auth).
        auth = authenticate(request, session)
        request.state.auth = auth
        set_actor(session, auth.actor)
        yield session


DbSession = Annotated[Session, Depends(get_session, scope="function")]


async def guard_request(request: Request, _session: DbSession) -> None:
    """App-wide, before every route's own parameters: authenticate the request (through its
    session) and refuse a forged state-changing request (CSRF) before anything is written."""
    await check_csrf(request)


#: A record id in a path: bounded like every id, so a huge number is a 422, not a driver overflow.
PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="the record's id")]
