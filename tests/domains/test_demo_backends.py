"""The demo load on every backend (the demo's own tests run on SQLite only)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.db.models import OfferLine, Requirement
from nsatu.demo import service as demo_service
from nsatu.offers import service as offer_service
from nsatu.offers.schemas import OfferFilter


def test_demo_loads_real_pledges_and_synthetic_needs(session: Session) -> None:
    assert demo_service.is_empty(session)
    demo_service.load_demo(session)
    parents = select(OfferLine.parent_id).where(OfferLine.parent_id.is_not(None))
    kiel_rows = session.scalar(
        select(func.count())
        .select_from(OfferLine)
        .where(OfferLine.source == "kiel_ust_r7", OfferLine.id.not_in(parents))
    )
    assert kiel_rows == 1032  # every published row, once; package parents excluded
    needs = session.scalars(select(Requirement)).all()
    assert needs and all(n.is_synthetic for n in needs)
    page = offer_service.list_offers(session, OfferFilter(donor="DEU", size=50))
    assert page.total > 50
    assert all(o.donor_code == "DEU" for o in page.items)
    assert not demo_service.is_empty(session)
