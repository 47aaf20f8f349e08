"""The planning problem read from the database (``nsatu.planning.problem_export``), on every
backend: valid, deterministic, and measured as documented."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from nsatu.core.lifecycles import AllocationStatus, OfferStage, RequirementStatus
from nsatu.core.planner.problem import Values, parse_problem, problem_to_json
from nsatu.db.models import Allocation
from nsatu.demo.service import load_demo
from nsatu.planning.problem_export import PRIORITY_WEIGHT, build_problem
from tests.domains.plan_world import START, build_world
from tests.factories import make_offer, make_requirement

VALUES = Values(late_factor=0.5, substitute_factor=0.8, cost_weight=1e-4)


def _build(session: Session, start: dt.date = START) -> tuple:  # type: ignore[type-arg]
    return build_problem(session, start_date=start, horizon_days=30, values=VALUES)


def test_the_problem_round_trips_through_its_json(session: Session) -> None:
    build_world(session)
    problem, _ = _build(session)
    assert parse_problem(problem_to_json(problem)) == problem
    assert len(problem.offers) == 3 and len(problem.needs) == 2


def test_the_same_data_gives_the_same_digest(session: Session) -> None:
    build_world(session)
    first, first_index = _build(session)
    second, second_index = _build(session)
    assert first.digest() == second.digest()
    assert first_index == second_index
    assert _build(session, START + dt.timedelta(days=1))[0].digest() != first.digest()


def test_ids_are_references_and_the_index_maps_them_back(session: Session) -> None:
    w = build_world(session)
    problem, index = _build(session)
    assert [o.id for o in problem.offers] == [o.reference for o in w.offers]
    assert [n.id for n in problem.needs] == [n.reference for n in w.needs]
    assert index.offers == {o.reference: o.id for o in w.offers}
    assert index.needs == {n.reference: n.id for n in w.needs}
    assert problem.offers[0].origin == w.depots[0].code
    assert problem.offers[0].donor == w.donors[0].code
    assert problem.needs[0].handover == w.handover.code


def test_quantities_days_types_and_weights(session: Session) -> None:
    w = build_world(session)
    problem, _ = _build(session)
    first, second = problem.needs
    # Approved quantity wins over requested; weight per unit spreads the priority's value.
    assert first.quantity == 50
    assert first.weight == pytest.approx(PRIORITY_WEIGHT[1] / 50)
    assert second.quantity == 20
    assert second.weight == pytest.approx(PRIORITY_WEIGHT[2] / 20)
    assert first.needed_by_day == 20 and second.needed_by_day == 10
    # The need's own type first, then its substitution family.
    assert first.acceptable_item_types == (w.wanted.code, w.substitute.code)
    assert second.acceptable_item_types == (w.substitute.code, w.wanted.code)
    assert [o.available_day for o in problem.offers] == [0, 0, 5]
    weights = {t.id: t.unit_weight_t for t in problem.item_types}
    assert weights == {w.wanted.code: 0.05, w.substitute.code: 0.06}


def test_sites_legs_and_hub_capacity(session: Session) -> None:
    w = build_world(session)
    problem, _ = _build(session)
    kinds = {s.id: s.kind for s in problem.sites}
    assert kinds[w.depots[0].code] == "depot"
    assert kinds[w.hub.code] == "hub"
    assert kinds[w.handover.code] == "handover"
    assert {(leg.from_site, leg.to_site) for leg in problem.legs} == {
        (w.depots[0].code, w.hub.code),
        (w.depots[1].code, w.hub.code),
        (w.hub.code, w.handover.code),
    }
    assert [(h.site, h.handling_capacity_t_per_day) for h in problem.hubs] == [(w.hub.code, 300.0)]


def test_allocations_reduce_what_is_left(session: Session) -> None:
    w = build_world(session)
    for status, qty in ((AllocationStatus.ACCEPTED, 15), (AllocationStatus.PROPOSED, 5)):
        session.add(
            Allocation(
                offer_line_id=w.offers[0].id,
                requirement_id=w.needs[0].id,
                quantity=Decimal(qty),
                status=status,
            )
        )
    session.add(
        Allocation(
            offer_line_id=w.offers[2].id,
            requirement_id=w.needs[0].id,
            quantity=Decimal(30),
            status=AllocationStatus.REJECTED,
        )
    )
    session.flush()
    problem, _ = _build(session)
    # Offers lose their live allocations (proposed and accepted); needs their accepted ones.
    assert problem.offer_by_id[w.offers[0].reference].quantity == 40 - 20
    assert problem.offer_by_id[w.offers[2].reference].quantity == 30
    assert problem.need_by_id[w.needs[0].reference].quantity == 50 - 15


def test_what_cannot_be_planned_is_left_out_and_counted(session: Session) -> None:
    w = build_world(session)
    make_offer(session, item_type_id=w.wanted.id, stage=OfferStage.COMMITTED)  # no origin
    parent = make_offer(
        session, item_type_id=w.wanted.id, origin_site_id=w.depots[0].id, donor=w.donors[0]
    )
    make_offer(
        session,
        donor=w.donors[0],
        item_type_id=w.wanted.id,
        origin_site_id=w.depots[0].id,
        parent_id=parent.id,
    )
    make_offer(session, item_type_id=w.wanted.id, stage=OfferStage.DELIVERED)
    make_requirement(session, status=RequirementStatus.PUBLISHED)  # no item type
    make_requirement(session, item_type_id=w.wanted.id, status=RequirementStatus.PUBLISHED)
    make_requirement(
        session,
        item_type_id=w.wanted.id,
        destination_site_id=w.handover.id,
        status=RequirementStatus.DRAFT,
    )
    problem, index = _build(session)
    assert len(problem.offers) == 4  # the world's three and the child line
    assert len(problem.needs) == 2
    assert index.skipped == {
        "need without a handover point": 1,
        "need without item type": 1,
        "offer refined into child lines": 1,
        "offer without an origin depot": 1,
    }


def test_reference_clashes_between_donors_are_told_apart(session: Session) -> None:
    w = build_world(session)
    for donor, depot in zip(w.donors, w.depots, strict=True):
        make_offer(
            session,
            donor=donor,
            reference="SAME-1",
            item_type_id=w.wanted.id,
            origin_site_id=depot.id,
        )
    problem, index = _build(session)
    ids = {f"{w.donors[0].code}:SAME-1", f"{w.donors[1].code}:SAME-1"}
    assert ids <= set(index.offers)
    assert ids <= {o.id for o in problem.offers}


def test_the_demo_exports_a_valid_problem(session: Session) -> None:
    load_demo(session)
    problem, index = _build(session, dt.date(2025, 1, 1))
    assert parse_problem(problem_to_json(problem)) == problem
    assert len(problem.offers) > 200
    assert len(problem.needs) > 100
    assert len(problem.legs) > 50
    assert {h.site for h in problem.hubs} == {"HUB-RZE", "HUB-CND"}
    assert _build(session, dt.date(2025, 1, 1))[0].digest() == problem.digest()
    assert set(index.offers.values()) and set(index.needs.values())
