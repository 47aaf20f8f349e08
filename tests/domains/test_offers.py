"""Offer service rules, on every backend."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.core.lifecycles import OfferStage
from nsatu.db.models import OfferLine
from nsatu.errors import IllegalTransitionError, InvalidInput, NotFound, StaleVersion
from nsatu.offers import service as offer_service
from nsatu.offers.schemas import OfferCreate, OfferFilter, OfferUpdate
from tests.factories import make_nation, make_offer


def _create(session: Session, **kw: object) -> OfferLine:
    donor = kw.pop("donor", None) or make_nation(session)
    data = {"donor_nation_id": donor.id, "kind": "in_kind_stock", "description": "Generators"} | kw  # type: ignore[union-attr]
    return offer_service.create_offer(session, OfferCreate.model_validate(data))


def test_create_generates_a_reference_and_starts_announced(session: Session) -> None:
    line = _create(session, quantity=Decimal(5))
    assert line.reference.startswith("OFR-")
    assert line.stage is OfferStage.ANNOUNCED
    assert line.version == 1


def test_unknown_foreign_key_names_the_field(session: Session) -> None:
    with pytest.raises(InvalidInput) as info:
        _create(session, item_type_id=999_999)
    assert info.value.field == "item_type_id"


def test_stage_moves_only_through_the_table(session: Session) -> None:
    line = _create(session)
    with pytest.raises(IllegalTransitionError) as info:
        offer_service.act_on_offer(session, line.id, "deliver")
    assert info.value.extra["allowed"] == ["committed", "withdrawn"]
    line = offer_service.act_on_offer(session, line.id, "commit", version=1)
    assert line.stage is OfferStage.COMMITTED and line.version == 2
    with pytest.raises(StaleVersion):
        offer_service.act_on_offer(session, line.id, "withdraw", version=1)
    assert offer_service.get_offer(session, line.id).stage is OfferStage.COMMITTED


def test_stale_update_changes_nothing(session: Session) -> None:
    line = _create(session, quantity=Decimal(5))
    offer_service.update_offer(session, line.id, OfferUpdate(version=1, quantity=Decimal(6)))
    with pytest.raises(StaleVersion):
        offer_service.update_offer(session, line.id, OfferUpdate(version=1, quantity=Decimal(7)))
    assert offer_service.get_offer(session, line.id).quantity == Decimal(6)


def test_update_keeps_cross_field_rules(session: Session) -> None:
    line = _create(session, quantity=Decimal(5))
    with pytest.raises(InvalidInput) as info:
        offer_service.update_offer(
            session, line.id, OfferUpdate(version=1, quantity_delivered=Decimal(9))
        )
    assert info.value.field == "quantity_delivered"
    with pytest.raises(InvalidInput) as info:
        offer_service.update_offer(
            session, line.id, OfferUpdate(version=1, value_amount=Decimal(9))
        )
    assert info.value.field == "currency"


def test_parent_must_share_the_donor_and_links_cannot_cycle(session: Session) -> None:
    donor = make_nation(session)
    parent = _create(session, donor=donor, description="Package")
    child = _create(session, donor=donor, parent_id=parent.id)
    with pytest.raises(InvalidInput, match="same donor"):
        _create(session, parent_id=parent.id)  # another donor
    with pytest.raises(InvalidInput, match="own ancestor"):
        offer_service.update_offer(
            session, parent.id, OfferUpdate(version=parent.version, parent_id=child.id)
        )


def test_same_published_line_cannot_be_loaded_twice(session: Session) -> None:
    donor = make_nation(session)
    _create(session, donor=donor, source="kiel_ust_r7", source_ref="X1")
    from nsatu.errors import Conflict

    with pytest.raises(Conflict):
        _create(session, donor=donor, source="kiel_ust_r7", source_ref="X1")


def test_list_filters_sorts_and_pages(session: Session) -> None:
    a, b = make_nation(session), make_nation(session)
    for i in range(7):
        make_offer(session, donor=a, quantity=i + 1)
    make_offer(session, donor=b)
    page = offer_service.list_offers(
        session, OfferFilter(donor=a.code, size=3, page=2, sort="-quantity")
    )
    assert page.total == 7
    assert [o.quantity for o in page.items] == [Decimal(4), Decimal(3), Decimal(2)]
    assert page.pages == 3
    with pytest.raises(InvalidInput) as info:
        offer_service.list_offers(session, OfferFilter(sort="nonsense"))
    assert info.value.field == "sort"


def test_unknown_offer_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        offer_service.get_offer(session, 123_456)
    assert session.scalar(select(func.count()).select_from(OfferLine)) == 0


def test_counts_by_stage_cover_every_stage(session: Session) -> None:
    donor = make_nation(session)
    make_offer(session, donor=donor)
    make_offer(session, donor=donor, stage=OfferStage.DELIVERED)
    make_offer(session, donor=donor, stage=OfferStage.DELIVERED)
    counts = offer_service.count_by_stage(session)
    assert set(counts) == set(OfferStage)
    assert counts[OfferStage.DELIVERED] == 2
    assert counts[OfferStage.ANNOUNCED] == 1
    assert counts[OfferStage.WITHDRAWN] == 0


def test_sort_by_eur_value_converts_across_currencies(session: Session) -> None:
    donor = make_nation(session)
    eur = make_offer(session, donor=donor, currency="EUR", value_amount=Decimal(100))
    nok = make_offer(  # 1,000 NOK at 10.25 per EUR is about 97.56 EUR: less than 100 EUR
        session, donor=donor, currency="NOK", value_amount=Decimal(1000), eur_rate=Decimal("10.25")
    )
    usd = make_offer(  # 99 USD at 0.9887 per EUR is about 100.13 EUR: more than 100 EUR
        session, donor=donor, currency="USD", value_amount=Decimal(99), eur_rate=Decimal("0.9887")
    )
    page = offer_service.list_offers(session, OfferFilter(donor=donor.code, sort="value_eur"))
    assert [o.id for o in page.items[:3]] == [nok.id, eur.id, usd.id]
    by_raw = offer_service.list_offers(session, OfferFilter(donor=donor.code, sort="value_amount"))
    assert [o.id for o in by_raw.items[:3]] == [usd.id, eur.id, nok.id]


def test_an_update_cannot_clear_a_required_field(session: Session) -> None:
    line = _create(session)
    with pytest.raises(InvalidInput) as info:
        offer_service.update_offer(session, line.id, OfferUpdate(version=1, description=None))
    assert info.value.field == "description"
    assert offer_service.get_offer(session, line.id).version == 1
