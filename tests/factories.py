"""Plain factory functions for tests: ``make_x(session, **overrides) -> X`` (flushed, not committed)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from nsatu.core.enums import OfferKind, SiteKind
from nsatu.db.models import CapabilityArea, ItemType, Nation, OfferLine, Requirement, Site

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
