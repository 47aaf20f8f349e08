"""Plain factory functions for tests: ``make_x(session, **overrides) -> X`` (flushed, not committed)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from nsatu.core.access import NATION_ROLES, SITE_ROLES, Role
from nsatu.core.enums import OfferKind, SiteKind
from nsatu.db.models import CapabilityArea, ItemType, Nation, OfferLine, Requirement, Site, User
from nsatu.identity import service as identity_service
from nsatu.identity.schemas import TokenCreate

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def _letters(n: int) -> str:
    a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "Q" + a[(n // 26) % 26] + a[n % 26]


def make_nation(session: Session, **kw: Any) -> Nation:
    n = _n()
    obj = Nation(**({"code": _letters(n), "name": f"Nation {n}", "is_donor": True} | kw))
    session.add(obj)
    session.flush()
    return obj


def make_capability_area(session: Session, **kw: Any) -> CapabilityArea:
    n = _n()
    obj = CapabilityArea(**({"code": f"CA{n}", "name": f"Capability {n}"} | kw))
    session.add(obj)
    session.flush()
    return obj


def make_item_type(
    session: Session, *, capability_area: CapabilityArea | None = None, **kw: Any
) -> ItemType:
    n = _n()
    area = capability_area or make_capability_area(session)
    obj = ItemType(
        **(
            {
                "code": f"item-{n}",
                "public_name": f"Item {n}",
                "category": "Test",
                "capability_area_id": area.id,
                "substitution_family": f"family-{n}",
            }
            | kw
        )
    )
    session.add(obj)
    session.flush()
    return obj


def make_site(session: Session, *, nation: Nation | None = None, **kw: Any) -> Site:
    n = _n()
    nation = nation or make_nation(session)
    obj = Site(
        **(
            {
                "code": f"SITE-{n}",
                "name": f"Site {n}",
                "kind": SiteKind.HUB,
                "nation_id": nation.id,
                "latitude": Decimal("50.1"),
                "longitude": Decimal("22.0"),
            }
            | kw
        )
    )
    session.add(obj)
    session.flush()
    return obj


def make_offer(
    session: Session, *, donor: Nation | None = None, quantity: int = 10, **kw: Any
) -> OfferLine:
    n = _n()
    donor = donor or make_nation(session)
    obj = OfferLine(
        **(
            {
                "reference": f"OFR-T{n}",
                "donor_nation_id": donor.id,
                "kind": OfferKind.IN_KIND_STOCK,
                "description": f"Test item {n}",
                "quantity": Decimal(quantity),
                "announced_on": dt.date(2025, 1, 1),
            }
            | kw
        )
    )
    session.add(obj)
    session.flush()
    return obj


def make_requirement(
    session: Session, *, capability_area: CapabilityArea | None = None, **kw: Any
) -> Requirement:
    n = _n()
    area = capability_area or make_capability_area(session)
    obj = Requirement(
        **(
            {
                "reference": f"REQ-T{n}",
                "title": f"Need {n}",
                "capability_area_id": area.id,
                "quantity_requested": Decimal(10),
                "priority": 1,
                "period": "2025-01",
                "needed_by_on": dt.date(2025, 3, 1),
            }
            | kw
        )
    )
    session.add(obj)
    session.flush()
    return obj


#: The nation flag each nation-bound role needs (a donor liaison's nation is a donor, ...).
_ROLE_NATION_FLAG = {
    Role.DONOR_LIAISON: "is_donor",
    Role.RECIPIENT_PLANNER: "is_recipient",
    Role.TRAINING_COORDINATOR: "is_host",
}


def make_user(
    session: Session,
    *,
    role: Role = Role.COORDINATOR,
    nation: Nation | None = None,
    site: Site | None = None,
    password: str | None = None,
    **kw: Any,
) -> User:
    """A user of ``role``; a nation-bound role gets a nation of the right kind and a hub operator
    a hub unless given. ``password`` is hashed (argon2); without one it is a token-only account."""
    n = _n()
    if role in NATION_ROLES and nation is None:
        nation = make_nation(session, **{_ROLE_NATION_FLAG[role]: True})
    if role in SITE_ROLES and site is None:
        site = make_site(session)
    obj = User(
        **(
            {
                "username": f"user-{n}",
                "display_name": f"User {n}",
                "role": role,
                "nation_id": site.nation_id
                if site is not None
                else (nation.id if nation else None),
                "site_id": site.id if site is not None else None,
                "password_hash": identity_service.hash_password(password) if password else None,
                "is_active": True,
                "failed_logins": 0,
            }
            | kw
        )
    )
    session.add(obj)
    session.flush()
    return obj


def make_token(session: Session, user: User, **kw: Any) -> str:
    """A real API token of ``user`` (the secret; only its hash is stored)."""
    return identity_service.create_token(session, user.username, TokenCreate(**kw)).token
