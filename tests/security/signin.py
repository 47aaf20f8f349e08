"""How the security tests act as someone: the one place that knows how a test signs in.

Every request of the leak matrix and the acceptance scenarios carries the headers made here. Today
that is real sign-in: a user of the role (tied to its nation or hub) and a bearer API token, exactly
as a machine client would send it; the public sends no credentials at all. Switching the suite to
another way of signing in means changing this module only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from nsatu.core.access import PUBLIC, Actor, Channel, Role
from nsatu.db.models import Nation, Site
from tests.factories import make_token, make_user


@dataclass(frozen=True)
class Caller:
    """Who a request comes from: the actor the policy judges, and the headers that make the app
    act as that actor."""

    actor: Actor
    headers: dict[str, str]

    @property
    def name(self) -> str:
        return str(self.actor.role)


def sign_in(
    session: Session, role: Role, *, nation: Nation | None = None, hub: Site | None = None
) -> Caller:
    """A caller of ``role``, tied to ``nation`` (donor liaison, recipient planner, training
    coordinator) or ``hub`` (hub operator). Flushes the user and its token into ``session``; the
    caller must commit before the app can see them."""
    if role is Role.PUBLIC:
        return Caller(PUBLIC, {})
    user = make_user(session, role=role, nation=nation, site=hub)
    token = make_token(session, user)
    actor = Actor(
        role=role,
        username=user.username,
        user_id=user.id,
        nation_id=user.nation_id,
        site_id=user.site_id,
        channel=Channel.API,
    )
    return Caller(actor, {"Authorization": f"Bearer {token}"})
