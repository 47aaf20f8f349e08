"""Request-scoped dependencies: one database transaction per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from nsatu.core.access import PUBLIC
from nsatu.db.scoping import set_actor
from nsatu.db.session import transaction
from nsatu.shared.schemas import MAX_ID


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work. ``scope="function"`` makes FastAPI run the commit right after
    the route returns and *before* the response is sent, so a failed commit is an error response,
    never a success the database does not hold."""
    with transaction(request.app.state.session_factory) as session:
        # Safe by default: a request sees only public records until authentication says otherwise.
        set_actor(session, getattr(request.app.state, "anonymous_actor", PUBLIC))
        yield session


DbSession = Annotated[Session, Depends(get_session, scope="function")]
#: A record id in a path: bounded like every id, so a huge number is a 422, not a driver overflow.
PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="the record's id")]
