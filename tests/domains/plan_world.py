"""A small planning world for the plan-run tests: two donors with a depot each, one hub, one
handover point, the links between them, three offers and two needs (plain factories, flushed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from nsatu.core.enums import SiteKind, TransportMode
from nsatu.core.lifecycles import OfferStage, RequirementStatus
from nsatu.db.models import ItemType, Nation, OfferLine, Requirement, Site, TransportLink
from tests.factories import (
    make_capability_area,
    make_item_type,
    make_nation,
    make_offer,
    make_requirement,
    make_site,
)

START = dt.date(2025, 1, 1)


@dataclass
class PlanWorld:
    donors: list[Nation]
    depots: list[Site]
    hub: Site
    handover: Site
    wanted: ItemType
    substitute: ItemType
    offers: list[OfferLine]
    needs: list[Requirement]


def link(session: Session, a: Site, b: Site, **kw: object) -> TransportLink:
    values: dict[str, object] = {
        "from_site_id": a.id,
        "to_site_id": b.id,
        "mode": TransportMode.ROAD,
        "transit_days": 2,
        "capacity_t_per_day": Decimal(500),
        "cost_per_t": Decimal("40.00"),
    }
    obj = TransportLink(**(values | kw))
    session.add(obj)
    session.flush()
    return obj


def build_world(session: Session) -> PlanWorld:
    area = make_capability_area(session)
    wanted = make_item_type(
        session, capability_area=area, substitution_family="pw-ammo", weight_kg_per_unit=50
    )
    substitute = make_item_type(
        session, capability_area=area, substitution_family="pw-ammo", weight_kg_per_unit=60
    )
    donors = [make_nation(session, is_donor=True) for _ in range(2)]
    host = make_nation(session, is_host=True)
    depots = [make_site(session, nation=d, kind=SiteKind.DEPOT) for d in donors]
    hub = make_site(session, nation=host, kind=SiteKind.HUB, road_capacity_per_day=300)
    handover = make_site(session, nation=host, kind=SiteKind.HANDOVER_POINT)
    for depot in depots:
        link(session, depot, hub, transit_days=3)
    link(session, hub, handover, transit_days=1)
    offers = [
        make_offer(
            session,
            donor=donors[0],
            quantity=40,
            item_type_id=wanted.id,
            origin_site_id=depots[0].id,
            stage=OfferStage.COMMITTED,
        ),
        make_offer(
            session,
            donor=donors[1],
            quantity=25,
            item_type_id=substitute.id,
            origin_site_id=depots[1].id,
            stage=OfferStage.ANNOUNCED,
        ),
        make_offer(
            session,
            donor=donors[1],
            quantity=30,
            item_type_id=wanted.id,
            origin_site_id=depots[1].id,
            stage=OfferStage.COMMITTED,
            available_from_on=START + dt.timedelta(days=5),
        ),
    ]
    needs = [
        make_requirement(
            session,
            capability_area=area,
            item_type_id=wanted.id,
            quantity_requested=Decimal(60),
            quantity_approved=Decimal(50),
            priority=1,
            needed_by_on=START + dt.timedelta(days=20),
            destination_site_id=handover.id,
            status=RequirementStatus.PUBLISHED,
        ),
        make_requirement(
            session,
            capability_area=area,
            item_type_id=substitute.id,
            quantity_requested=Decimal(20),
            priority=2,
            needed_by_on=START + dt.timedelta(days=10),
            destination_site_id=handover.id,
            status=RequirementStatus.APPROVED,
        ),
    ]
    return PlanWorld(donors, depots, hub, handover, wanted, substitute, offers, needs)
