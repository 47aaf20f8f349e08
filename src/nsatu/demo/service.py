"""Load the demo data set into an empty database (flush only; the caller's transaction commits)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nsatu.core.enums import Releasability
from nsatu.core.lifecycles import OfferStage
from nsatu.db.models import (
    CapabilityArea,
    ItemType,
    Nation,
    OfferLine,
    Organisation,
    Requirement,
    Site,
    TransportLink,
)
from nsatu.demo import catalogue, kiel, planning_data, reference_data, synthetic
from nsatu.demo.errors import DatabaseNotEmpty
from nsatu.reporting import kiel_import

_CHECKED = (
    Nation,
    Organisation,
    Site,
    TransportLink,
    CapabilityArea,
    ItemType,
    OfferLine,
    Requirement,
)
#: Offer stages the planner may still allocate: these lines ship from their donor's depot.
_PLANNABLE = frozenset({OfferStage.ANNOUNCED, OfferStage.COMMITTED, OfferStage.ALLOCATED})


@dataclass(frozen=True)
class DemoReport:
    """How many rows of each kind :func:`load_demo` created."""

    nations: int
    nation_gdp_years: int
    organisations: int
    capability_areas: int
    item_types: int
    sites: int
    offer_lines: int
    kiel_rows: int
    kiel_packages: int
    requirements: int
    #: Synthetic transport links for the planner (depot → hub → handover point).
    transport_links: int = 0
    #: Published tracker releases imported for the reports (R7 item level, R29 monthly).
    tracker_releases: int = 0


def _counts(session: Session) -> dict[str, int]:
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in _CHECKED
    }


def is_empty(session: Session) -> bool:
    """True when the database holds no reference data, offers or needs yet."""
    return not any(session.scalar(select(model.id).limit(1)) is not None for model in _CHECKED)


def load_demo(session: Session, *, seed: int = synthetic.DEFAULT_SEED) -> DemoReport:
    """Fill an empty database with the demo: real Kiel R7 pledges, reference data, synthetic needs,
    and the published tracker releases R7 and R29 (``nsatu.reporting.kiel_import``).

    Parameters:
        session: an open session; rows are added and flushed, never committed.
        seed: the seed of the synthetic needs (the rest of the data does not vary).

    Returns:
        The number of rows created per entity.

    Raises:
        DatabaseNotEmpty: the database already holds nations, sites, items, offers or needs.
        ValueError: the packaged Kiel data names a donor the mapping does not know.
    """
    if not is_empty(session):
        present = ", ".join(f"{n} {table}" for table, n in _counts(session).items() if n)
        raise DatabaseNotEmpty(
            f"The demo loads only into an empty database; this one already holds {present}."
        )

    nations = reference_data.build_nations()
    session.add_all(nations.values())
    session.flush()
    gdp = reference_data.build_gdp(nations)
    organisations = reference_data.build_organisations(nations)
    sites = reference_data.build_sites(nations)
    sites |= planning_data.build_depots(nations, set(reference_data.DONOR_CODES.values()))
    areas = {
        a.code: CapabilityArea(
            code=a.code, name=a.name, coalition=a.coalition, description=a.description
        )
        for a in catalogue.AREAS
    }
    session.add_all([*gdp, *organisations.values(), *sites.values(), *areas.values()])
    session.flush()
    links = planning_data.build_links(sites)
    session.add_all(links)

    rows = kiel.read_rows()
    prices = kiel.median_unit_prices(rows)
    item_types = {
        t.code: _item_type(t, areas[t.area].id, prices.get(t.code)) for t in catalogue.ITEM_TYPES
    }
    session.add_all(item_types.values())
    session.flush()

    offer_lines, packages = _load_offers(session, rows, nations, organisations, item_types, sites)

    entries = [
        synthetic.CatalogueEntry(
            code=t.code,
            public_name=t.public_name,
            capability_area=t.area,
            unit=t.unit,
            unit_value_usd=prices.get(t.code),
        )
        for t in catalogue.ITEM_TYPES
    ]
    needs = synthetic.generate_needs(entries, reference_data.handover_codes(), seed=seed)
    session.add_all(
        Requirement(
            reference=n.reference,
            title=n.title,
            capability_area_id=areas[n.capability_area].id,
            item_type_id=item_types[n.item_type].id,
            quantity_requested=n.quantity_requested,
            quantity_approved=n.quantity_approved,
            priority=n.priority,
            rank=n.rank,
            period=n.period,
            needed_by_on=n.needed_by_on,
            destination_site_id=sites[n.destination].id,
            justification=n.justification,
            releasability=Releasability.COALITION,
            status=n.status,
            is_synthetic=True,
        )
        for n in needs
    )
    session.flush()
    # The published tracker releases the donors, monthly and burden-sharing reports read.
    releases = [
        kiel_import.import_r7(session, classify=catalogue.classify),
        kiel_import.import_r29(session),
    ]
    return DemoReport(
        nations=len(nations),
        nation_gdp_years=len(gdp),
        organisations=len(organisations),
        capability_areas=len(areas),
        item_types=len(item_types),
        sites=len(sites),
        offer_lines=offer_lines,
        kiel_rows=len(rows),
        kiel_packages=packages,
        requirements=len(needs),
        transport_links=len(links),
        tracker_releases=len(releases),
    )


def _item_type(t: catalogue.ItemTypeDef, area_id: int, price: Decimal | None) -> ItemType:
    return ItemType(
        code=t.code,
        public_name=t.public_name,
        category=t.category,
        capability_area_id=area_id,
        unit_of_measure=t.unit,
        lift_units_per_unit=Decimal(t.lift),
        reference_unit_value=price,
        reference_value_currency="USD" if price is not None else None,
        reference_value_source=kiel.PRICE_SOURCE if price is not None else None,
        reference_value_on=kiel.RATES_ON if price is not None else None,
        substitution_family=t.family,
        nsn=None,
    )


def _load_offers(
    session: Session,
    rows: list[kiel.KielRow],
    nations: dict[str, Nation],
    organisations: dict[str, Organisation],
    item_types: dict[str, ItemType],
    sites: dict[str, Site],
) -> tuple[int, int]:
    """Insert every Kiel line: parents and single lines first, then children (two batched flushes).

    Item lines the planner may still allocate ship from their donor's (synthetic) depot.

    Returns:
        The number of offer lines and of package parents created.
    """
    specs = kiel.offer_specs(rows, kiel.read_rates())
    unknown = sorted({s.donor for s in specs} - reference_data.DONOR_CODES.keys())
    if unknown:
        raise ValueError(f"Kiel donors without an ISO 3166 mapping: {', '.join(unknown)}")

    def line(spec: kiel.OfferSpec, parent_id: int | None) -> OfferLine:
        value = spec.value
        org = organisations.get(spec.donor)  # the EU institutions only
        donor = reference_data.DONOR_CODES[spec.donor]
        depot = sites.get(planning_data.depot_code(donor))
        plannable = spec.item_type is not None and spec.stage in _PLANNABLE
        return OfferLine(
            reference=spec.reference,
            donor_nation_id=nations[donor].id,
            donor_organisation_id=org.id if org is not None else None,
            channel=spec.channel,
            kind=spec.kind,
            item_type_id=item_types[spec.item_type].id if spec.item_type else None,
            description=spec.description,
            quantity=spec.quantity,
            quantity_delivered=spec.quantity_delivered,
            announced_on=spec.announced_on,
            origin_site_id=depot.id if plannable and depot is not None else None,
            currency=value.currency if value else None,
            value_amount=value.amount if value else None,
            eur_rate=value.eur_rate if value else None,
            eur_rate_on=kiel.RATES_ON if value else None,
            valuation_basis=value.basis if value else None,
            stage=spec.stage,
            parent_id=parent_id,
            releasability=Releasability.PUBLIC,
            source=kiel.SOURCE,
            source_ref=spec.reference,
            notes=spec.notes,
        )

    roots = {s.reference: line(s, None) for s in specs if s.parent_reference is None}
    session.add_all(roots.values())
    session.flush()
    children = [
        line(s, roots[s.parent_reference].id) for s in specs if s.parent_reference is not None
    ]
    session.add_all(children)
    session.flush()
    parents = len({s.parent_reference for s in specs if s.parent_reference is not None})
    return len(roots) + len(children), parents
