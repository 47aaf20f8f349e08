"""Callers of the API for the per-role tests of a route: every role, and for the roles tied to a
nation or a hub both one tied to the records' own donor or hub and one tied to another."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from nsatu.core.access import PUBLIC, Actor, Role
from nsatu.db.models import Nation, Site, User
from tests.conftest import sign_in

CALLERS = [
    "coordinator",
    "auditor",
    "recipient_planner",
    "donor_liaison:donor",
    "donor_liaison:other",
    "hub_operator:hub",
    "hub_operator:other",
    "training_coordinator",
    "public",
]


def sign_in_caller(
    client: TestClient, factory: sessionmaker[Session], caller: str, *, donor: int, hub: int
) -> Actor:
    """Sign ``client`` in as ``caller`` (one of :data:`CALLERS`): ``:donor`` ties the user to
    nation ``donor``, ``:hub`` to site ``hub``, ``:other`` to neither. Returns the actor the
    policy judges."""
    if caller == "public":
        client.headers.pop("Authorization", None)
        return PUBLIC
    role_name, _, which = caller.partition(":")
    role = Role(role_name)
    kw: dict[str, Any] = {}
    with factory() as session:
        if which == "donor":
            kw["nation"] = session.get(Nation, donor)
        if which == "hub":
            kw["site"] = session.get(Site, hub)
    user: User = sign_in(client, factory, role=role, **kw)
    return Actor(role=role, username=user.username, nation_id=user.nation_id, site_id=user.site_id)
