"""The pipeline report: stages counted once, pooled funds for their contributors, valuations side by
side, scoped by the caller. Pure counting first, then on the database (both backends)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.access import PUBLIC, Actor, Role, system_actor
from nsatu.core.enums import OfferChannel, OrganisationKind, Releasability, ValuationBasis
from nsatu.core.lifecycles import OfferStage
from nsatu.core.pledges import PledgeNode, total
from nsatu.db.models import Organisation
from nsatu.db.models.kiel import KielEuKey, KielRelease
from nsatu.db.models.offer import OfferLineValuation
from nsatu.db.scoping import set_actor
from nsatu.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from nsatu.offers import valuations
from nsatu.offers.valuation_schemas import ValuationCreate
from nsatu.reporting import counting, registry
from nsatu.reporting.counting import STAGES, Line
from tests.factories import make_capability_area, make_item_type, make_nation, make_offer

D = Decimal
ANNOUNCED, COMMITTED, ALLOCATED, CONTRACTED, SHIPPED, DELIVERED = range(6)


def value_at(result: counting.Counted, stage: int, donor: str | None = None) -> Decimal:
    return sum(
        (c.values[stage] for (d, _, _), c in result.cells.items() if donor in (None, d)), D(0)
    )


def counts_at(result: counting.Counted, stage: int) -> int:
    return sum(c.counts[stage] for c in result.cells.values())


# --- Counted once --------------------------------------------------------------------------------


def test_a_pledge_commitment_disbursement_chain_counts_once_at_every_stage() -> None:
    lines = [
        Line(1, None, "DEU", D(100), ANNOUNCED, month="2025-01"),
        Line(2, 1, "DEU", D(100), COMMITTED, month="2025-03"),
        Line(3, 2, "DEU", D(60), DELIVERED, delivered=D(60), month="2025-06"),
    ]
    result = counting.count(lines)
    assert value_at(result, ANNOUNCED) == 100
    assert value_at(result, COMMITTED) == 100
    # Only the disbursement got further than committed: it counts with its own value.
    assert [value_at(result, k) for k in (ALLOCATED, SHIPPED)] == [60, 60]
    assert sum(c.delivered for c in result.cells.values()) == 60
    # One leaf: the chain is one pledge in the counts, and it stays in the pledge's month.
    assert [counts_at(result, k) for k in range(6)] == [1] * 6
    assert set(result.cells) == {("DEU", counting.UNASSIGNED, "2025-01")}


def test_a_package_counts_its_declared_total_and_its_items_by_area() -> None:
    lines = [
        Line(1, None, "POL", D(90), COMMITTED, month="2025-02"),
        Line(2, 1, "POL", D(20), DELIVERED, delivered=D(20), area="AIR"),
        Line(3, 1, "POL", D(40), COMMITTED, area="ART"),
    ]
    result = counting.count(lines)
    # The declared 90 is spread over the items' areas in proportion to their estimates.
    assert result.cells[("POL", "AIR", "2025-02")].values[COMMITTED] == D(30)
    assert result.cells[("POL", "ART", "2025-02")].values[COMMITTED] == D(60)
    assert value_at(result, DELIVERED) == 20
    assert counts_at(result, COMMITTED) == 2
    assert counts_at(result, DELIVERED) == 1


def test_a_delivered_package_spreads_over_areas_by_what_arrived() -> None:
    lines = [
        Line(1, None, "POL", D(100), DELIVERED, delivered=D(100), month="2025-02"),
        Line(2, 1, "POL", D(50), SHIPPED, delivered=D(10), area="AIR"),
        Line(3, 1, "POL", D(50), SHIPPED, delivered=D(40), area="ART"),
    ]
    result = counting.count(lines)
    assert result.cells[("POL", "AIR", "2025-02")].delivered == D(20)
    assert result.cells[("POL", "ART", "2025-02")].delivered == D(80)
    # Shipped: the items' own values, half each.
    assert result.cells[("POL", "AIR", "2025-02")].values[SHIPPED] == D(50)


def test_withdrawn_lines_count_nowhere_but_in_withdrawn() -> None:
    lines = [Line(1, None, "NOR", D(50), -1), Line(2, None, "NOR", D(5), ANNOUNCED)]
    result = counting.count(lines)
    assert value_at(result, ANNOUNCED) == 5
    assert sum(c.withdrawn for c in result.cells.values()) == 1


def test_a_pooled_fund_line_counts_for_the_contributors_never_for_them_and_the_fund() -> None:
    lines = [
        # Contributions of two nations to the fund, and the fund's own line.
        Line(1, None, "DEU", D(30), COMMITTED, fund="F", fund_owner=False),
        Line(2, None, "NLD", D(10), COMMITTED, fund="F", fund_owner=False),
        Line(3, None, "FUND", D(80), COMMITTED, fund="F", fund_owner=True, area="AD"),
        Line(4, None, "DEU", D(5), COMMITTED),  # a bilateral line besides
    ]
    result = counting.count(lines)
    assert value_at(result, COMMITTED, "FUND") == 0
    assert value_at(result, COMMITTED, "DEU") == D(60) + D(5)
    assert value_at(result, COMMITTED, "NLD") == D(20)
    assert value_at(result, COMMITTED) == D(85)  # the fund's 80 once, plus 5
    assert result.keys["F"] == {"DEU": D("0.75"), "NLD": D("0.25")}
    assert result.funds["F"] == (D(40), D(80))


def test_a_fund_without_contributions_counts_for_itself_and_contributions_alone_for_donors() -> (
    None
):
    alone = counting.count([Line(1, None, "FUND", D(80), COMMITTED, fund="F", fund_owner=True)])
    assert value_at(alone, COMMITTED, "FUND") == 80
    paid_in = counting.count([Line(1, None, "DEU", D(30), COMMITTED, fund="G")])
    assert value_at(paid_in, COMMITTED, "DEU") == 30


@st.composite
def forests(draw: st.DrawFn) -> list[Line]:
    """Random pledge forests of a few donors, some lines given through a fund."""
    n = draw(st.integers(min_value=1, max_value=25))
    lines: list[Line] = []
    for i in range(1, n + 1):
        parent = (
            None
            if i == 1
            else draw(st.one_of(st.none(), st.integers(min_value=1, max_value=i - 1)))
        )
        pool = draw(st.sampled_from(["none", "contribution", "fund"]))
        donor = "FUND" if pool == "fund" else draw(st.sampled_from(["A", "B", "C"]))
        if parent is not None:  # a refinement has its parent's donor and channel
            p = lines[parent - 1]
            donor, pool = (
                p.donor,
                ("fund" if p.fund_owner else "contribution" if p.fund else "none"),
            )
        value = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=1000).map(D)))
        stage = draw(st.integers(min_value=-1, max_value=5))
        lines.append(
            Line(
                i,
                parent,
                donor,
                value,
                stage,
                delivered=(value or D(0)) if stage == DELIVERED else D(0),
                area=draw(st.sampled_from([None, "X", "Y"])),
                month=draw(st.sampled_from([None, "2025-01", "2025-02"])),
                fund=None if pool == "none" else "F",
                fund_owner=pool == "fund",
            )
        )
    return lines


@settings(max_examples=150, deadline=None)
@given(forests())
def test_every_stage_total_is_each_tree_counted_once(lines: list[Line]) -> None:
    result = counting.count(lines)
    keys, _owners = counting.fund_keys(lines)
    # Contributions are dropped exactly when the fund has lines and keys; the rest counts once.
    counted = [ln for ln in lines if not (ln.fund and not ln.fund_owner and ln.fund in keys)]
    for k in range(len(STAGES) - 1):
        reached = [ln for ln in counted if ln.stage >= k]
        expected = total(PledgeNode(ln.id, ln.parent_id, ln.value) for ln in reached)
        assert abs(value_at(result, k) - expected) < D("1e-20")
    # Never for the fund and its contributors: the fund's own key has nothing once it has keys.
    if keys:
        assert value_at(result, ANNOUNCED, "FUND") == 0
        assert "FUND" not in keys["F"]
        assert abs(sum(keys["F"].values(), D(0)) - 1) < D("1e-20")
    # Counts are the refined lines, and the funnel never widens.
    funnel = [counts_at(result, k) for k in range(len(STAGES))]
    assert funnel == sorted(funnel, reverse=True)


@settings(max_examples=100, deadline=None)
@given(forests())
def test_a_chain_of_equal_values_counts_as_one_pledge(lines: list[Line]) -> None:
    # Give every line of a tree its root's value: a tree then counts exactly its root's value.
    by_id = {ln.id: ln for ln in lines}

    def root(ln: Line) -> Line:
        while ln.parent_id is not None:
            ln = by_id[ln.parent_id]
        return ln

    same = [
        Line(ln.id, ln.parent_id, ln.donor, D(7), ANNOUNCED, fund=None, area=ln.area)
        for ln in lines
    ]
    result = counting.count(same)
    roots = {root(ln).id for ln in lines}
    assert abs(value_at(result, ANNOUNCED) - 7 * len(roots)) < D("1e-20")


# --- On the database -----------------------------------------------------------------------------


def build(session: Session, actor: Actor, **params: Any) -> Any:
    set_actor(session, actor)
    return registry.get("pipeline").build(session, actor, params)


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    area = make_capability_area(session, code="AIRDEF", name="Air defence")
    item = make_item_type(session, capability_area=area)
    de, nl = make_nation(session, code="QDE"), make_nation(session, code="QNL")
    eu = make_nation(session, code="QEU", name="Fund nation")
    fund = Organisation(name="Test fund", kind=OrganisationKind.INTERNATIONAL, nation_id=eu.id)
    session.add(fund)
    session.flush()
    eur: dict[str, Any] = {
        "currency": "EUR",
        "eur_rate": D(1),
        "valuation_basis": ValuationBasis.DONOR_DECLARED,
    }
    pledge = make_offer(session, donor=de, value_amount=D(1000), **eur, stage=OfferStage.COMMITTED,
                        releasability=Releasability.PUBLIC, announced_on=dt.date(2025, 1, 5))  # fmt: skip
    item_line = make_offer(session, donor=de, parent_id=pledge.id, item_type_id=item.id,
                           value_amount=D(400), **eur, stage=OfferStage.DELIVERED,
                           releasability=Releasability.PUBLIC)  # fmt: skip
    usd = make_offer(session, donor=nl, value_amount=D(110), currency="USD", eur_rate=D("1.1"),
                     valuation_basis=ValuationBasis.REPLACEMENT_COST, stage=OfferStage.ANNOUNCED,
                     item_type_id=item.id, releasability=Releasability.COALITION,
                     announced_on=dt.date(2025, 2, 1))  # fmt: skip
    pooled: dict[str, Any] = {"channel": OfferChannel.POOLED_FUND, "donor_organisation_id": fund.id}
    make_offer(session, donor=de, value_amount=D(300), **eur, **pooled,
               releasability=Releasability.COALITION)  # fmt: skip
    make_offer(session, donor=nl, value_amount=D(100), **eur, **pooled,
               releasability=Releasability.COALITION)  # fmt: skip
    fund_line = make_offer(session, donor=eu, value_amount=D(200), **eur, **pooled,
                           stage=OfferStage.COMMITTED, item_type_id=item.id,
                           releasability=Releasability.COALITION)  # fmt: skip
    hidden = make_offer(session, donor=nl, value_amount=D(5), **eur, anonymise_donor=True,
                        releasability=Releasability.PUBLIC)  # fmt: skip
    return {"de": de, "nl": nl, "eu": eu, "pledge": pledge, "item": item_line, "usd": usd,
            "fund": fund_line, "hidden": hidden, "area": area}  # fmt: skip


def totals(report: Any, column: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for row in report.rows:
        out[row["iso3"] or row["donor"]] += row[column]
    return dict(out)


def test_pipeline_counts_once_per_donor_and_stage(session: Session, world: dict[str, Any]) -> None:
    report = build(session, system_actor("test"))
    announced = totals(report, "announced_eur")
    # DEU: its pledge (1000; the delivered item refines it) + ¾ of the fund's 200.
    assert announced["QDE"] == D("1150.00")
    # NLD: 110 USD at 1.1 + ¼ of the fund's 200 + its anonymised 5 (a coordinator knows it).
    assert announced["QNL"] == D("155.00")
    assert "QEU" not in announced  # the fund never counts as well as its contributors
    assert totals(report, "delivered_eur")["QDE"] == D("400.00")
    assert totals(report, "committed_eur")["QDE"] == D("1150.00")
    funnel = report.extra["funnel"]
    assert [f["stage"] for f in funnel] == list(STAGES)
    assert funnel[0]["eur"] == D("1305.00")
    fund_rows = report.extra["funds"]
    assert fund_rows[0]["contributed_eur"] == D("400.00")
    assert fund_rows[0]["given_eur"] == D("200.00")
    assert any("contributions of 400.00 EUR" in n for n in report.notes)


def test_pipeline_is_scoped_and_hides_anonymised_donors_from_the_public(
    session: Session, world: dict[str, Any]
) -> None:
    public = build(session, PUBLIC)
    donors = {r["donor"] for r in public.rows}
    # The public sees the public lines only, and the anonymised one as undisclosed.
    assert donors == {world["de"].name, "undisclosed"}
    assert totals(public, "announced_eur") == {"QDE": D("1000.00"), "undisclosed": D("5.00")}
    liaison = Actor(Role.DONOR_LIAISON, "nl", nation_id=world["nl"].id)
    seen = build(session, liaison)
    # Coalition lines are released to every donor; its own anonymised line it knows.
    assert totals(seen, "announced_eur")["QNL"] == D("155.00")


def test_alternative_valuations_side_by_side(session: Session, world: dict[str, Any]) -> None:
    set_actor(session, system_actor("test"))
    valuations.record_valuation(
        session,
        world["usd"].id,
        ValuationCreate(
            basis=ValuationBasis.NET_BOOK_VALUE,
            amount=D(22),
            currency="USD",
            rate=D("1.1"),
            note="depreciated stock",
        ),
    )
    report = build(session, system_actor("test"))
    (alt,) = report.extra["valuations"]
    assert alt["replacement_cost_eur"] == D("100.00")
    assert alt["net_book_value_eur"] == D("20.00")
    assert alt["rc_minus_nbv_eur"] == D("80.00")
    row = next(r for r in report.rows if r["iso3"] == "QNL" and r["alt_valued_lines"])
    assert row["rc_minus_nbv_eur"] == D("80.00")
    assert "net_book_value" in row["valuation_bases"]
    # Recording the same basis again replaces it.
    valuations.record_valuation(
        session,
        world["usd"].id,
        ValuationCreate(
            basis=ValuationBasis.NET_BOOK_VALUE, amount=D(11), currency="USD", rate=D("1.1")
        ),
    )
    assert len(valuations.list_valuations(session, world["usd"].id)) == 1


def test_valuations_are_refused_clearly(session: Session, world: dict[str, Any]) -> None:
    nbv = ValuationCreate(
        basis=ValuationBasis.NET_BOOK_VALUE, amount=D(1), currency="EUR", rate=D(1)
    )
    set_actor(session, Actor(Role.DONOR_LIAISON, "de", nation_id=world["de"].id))
    with pytest.raises(PermissionDenied):
        valuations.record_valuation(session, world["usd"].id, nbv)  # another donor's line
    set_actor(session, PUBLIC)
    with pytest.raises(NotFound):
        valuations.record_valuation(session, world["fund"].id, nbv)  # not public: not found
    set_actor(session, system_actor("test"))
    own = ValuationCreate(
        basis=ValuationBasis.REPLACEMENT_COST, amount=D(1), currency="EUR", rate=D(1)
    )
    with pytest.raises(InvalidInput, match="basis"):
        valuations.record_valuation(session, world["usd"].id, own)
    with pytest.raises(ValueError, match="rate"):
        ValuationCreate(basis=ValuationBasis.NET_BOOK_VALUE, amount=D(1), currency="EUR", rate=D(2))


def test_pipeline_parameters_are_checked(session: Session, world: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="donor"):
        build(session, system_actor("test"), donor="ZZZ")
    with pytest.raises(InvalidInput, match="colour"):
        build(session, system_actor("test"), colour="red")
    only = build(session, system_actor("test"), donor="QDE", area="AIRDEF")
    assert {r["iso3"] for r in only.rows} == {"QDE"}
    assert {r["capability_area"] for r in only.rows} == {"Air defence"}


def test_valuations_are_read_with_their_lines_scope(
    session: Session, world: dict[str, Any]
) -> None:
    set_actor(session, system_actor("test"))
    for key in ("usd", "pledge"):  # a coalition line and a public one
        valuations.record_valuation(
            session,
            world[key].id,
            ValuationCreate(
                basis=ValuationBasis.CONTRACT_PRICE, amount=D(1), currency="EUR", rate=D(1)
            ),
        )
    session.expunge_all()  # what follows is read afresh, in each caller's scope
    public = {r["reference"] for r in build(session, PUBLIC).extra["valuations"]}
    assert public == {world["pledge"].reference}
    set_actor(session, PUBLIC)
    seen = session.scalars(select(OfferLineValuation.offer_line_id)).all()
    assert world["usd"].id not in seen and world["pledge"].id in seen
    with pytest.raises(NotFound):
        valuations.list_valuations(session, world["usd"].id)
    assert len(valuations.list_valuations(session, world["pledge"].id)) == 1
    every = {r["reference"] for r in build(session, system_actor("test")).extra["valuations"]}
    assert every == {world["pledge"].reference, world["usd"].reference}


def test_a_fund_without_contributions_counts_by_published_keys() -> None:
    lines = [
        Line(1, None, "EUU", D(100), COMMITTED, fund="F", fund_owner=True),
        Line(2, None, "EUU", D(10), COMMITTED, fund="G", fund_owner=True),
        Line(3, None, "DEU", D(30), COMMITTED, fund="G"),  # G has a recorded contribution
    ]
    published = {"F": {"DEU": D(3), "FRA": D(1), "MLT": D(0)}, "G": {"FRA": D(1)}}
    result = counting.count(lines, published)
    assert result.keys["F"] == {"DEU": D("0.75"), "FRA": D("0.25")}
    assert value_at(result, COMMITTED, "EUU") == 0
    # Recorded contributions win over published keys.
    assert result.keys["G"] == {"DEU": D(1)}
    assert value_at(result, COMMITTED, "DEU") == D(75) + D(10)
    assert result.published == frozenset({"F"})


def test_the_eu_institutions_count_for_the_members_by_the_releases_keys(
    session: Session,
) -> None:
    eu = make_nation(session, code="EUU")
    for code in ("QKD", "QKF"):
        make_nation(session, code=code)
    epf = Organisation(name="Test Peace Facility", kind=OrganisationKind.INTERNATIONAL,
                       nation_id=eu.id)  # fmt: skip
    session.add(epf)
    session.flush()
    release = KielRelease(number=7, label="R7", period="2022", source_url="https://example.org",
                          citation="Kiel", digests={})  # fmt: skip
    session.add(release)
    session.flush()
    for country, iso3, epf_share in (
        ("QKD", "QKD", "0.6"),
        ("QKF", "QKF", "0.2"),
        ("All", None, "1"),
    ):
        session.add(KielEuKey(release_id=release.id, country=country, iso3=iso3,
                              budget_share=D(0), epf_share=D(epf_share), eib_share=D(0),
                              raw={}))  # fmt: skip
    make_offer(session, donor=eu, value_amount=D(400), currency="EUR", eur_rate=D(1),
               channel=OfferChannel.POOLED_FUND, donor_organisation_id=epf.id,
               stage=OfferStage.COMMITTED)  # fmt: skip
    report = build(session, system_actor("test"))
    committed = totals(report, "committed_eur")
    assert committed == {"QKD": D("300.00"), "QKF": D("100.00")}
    assert any("EPF key of Kiel Release 7" in n for n in report.notes)
    (fund,) = report.extra["funds"]
    assert fund["counted_for"].startswith("by the EPF key of Kiel Release 7")


def test_a_parent_cycle_written_around_the_service_is_a_conflict(session: Session) -> None:
    first, second = make_offer(session), make_offer(session)
    first.parent_id, second.parent_id = second.id, first.id
    session.flush()
    with pytest.raises(Conflict, match="cycle"):
        build(session, system_actor("test"))
    with pytest.raises(Conflict, match="cycle"):
        registry.get("dependence").build(session, system_actor("test"), {})
