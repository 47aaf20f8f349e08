"""The planning problem read from the database: a snapshot in the planner's own terms.

:func:`build_problem` turns what the database holds into a :class:`~nsatu.core.planner.problem.Problem`
and a :class:`ProblemIndex` that maps the problem's ids back to database ids. The problem names
records by their references (offer line and requirement references, site and item type codes) so
the document reads on its own. Every list is ordered by database id, so the same data always gives
the same problem and the same digest.

What goes in, and how it is measured:

- **needs**: requirements that are approved, published or partially covered, with an item type and
  a handover point as destination; quantity = approved (or requested, when none is approved) minus
  the *accepted* allocations, whole units. Acceptable item types: the need's own, then the others
  of its substitution family (by id). ``needed_by_day`` = needed-by date − start date (negative
  when already past, which makes every unit late).
- **weight** (:data:`PRIORITY_WEIGHT`): covering a whole need of priority 1 is worth 1000, of
  priority 2 100, of priority 3 10, spread evenly over its units (weight per unit = that figure
  ÷ the need's full quantity). A factor of ten between priorities lets the objective trade one
  priority-1 need against at most ten priority-2 needs of the same coverage, and per-need
  normalising keeps a need of 10,000 rounds from outweighing one of four tanks merely by its count.
- **offers**: item lines announced, committed or allocated, with a quantity, an item type and an
  origin depot, that are not refined into child lines (the children carry the detail, so a tree
  counts once); quantity = offered minus the *live* (proposed or accepted) allocations.
  ``available_day`` = available-from date − start date, 0 when unknown.
- **sites**: the depots of those offers, every hub, every handover point; **legs**: active transport
  links from a depot to a hub or from a hub to a handover point; **hubs**: handling capacity =
  the sum of a hub's per-mode daily capacities (lift units, read as tonnes); a hub recording none
  is unlimited.
- **item types**: those named by an offer or a need; unit weight = the catalogue's weight in
  tonnes, or its lift units per unit (read as tonnes) when no weight is recorded.

What is left out is counted by reason in :attr:`ProblemIndex.skipped`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from nsatu.core.enums import SiteKind
from nsatu.core.lifecycles import AllocationStatus
from nsatu.core.planner import problem as pp
from nsatu.core.planner.problem import Hub, Leg, Need, Offer, Problem, Values
from nsatu.db.models import (
    Allocation,
    ItemType,
    Nation,
    OfferLine,
    Requirement,
    Site,
    TransportLink,
)
from nsatu.planning.service import ALLOCATABLE_OFFER, LIVE, OPEN_NEED

#: Value of covering a whole need, by priority (1 is the most urgent).
PRIORITY_WEIGHT: Mapping[int, float] = {1: 1000.0, 2: 100.0, 3: 10.0}

_KIND: dict[SiteKind, pp.SiteKind] = {
    SiteKind.DEPOT: "depot",
    SiteKind.HUB: "hub",
    SiteKind.HANDOVER_POINT: "handover",
}


@dataclass(frozen=True)
class ProblemIndex:
    """The problem's ids → database ids, and what the snapshot left out (reason → count)."""

    offers: dict[str, int] = field(default_factory=dict)
    needs: dict[str, int] = field(default_factory=dict)
    sites: dict[str, int] = field(default_factory=dict)
    item_types: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "offers": self.offers,
            "needs": self.needs,
            "sites": self.sites,
            "item_types": self.item_types,
            "skipped": self.skipped,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> ProblemIndex:
        return cls(
            offers=dict(doc.get("offers", {})),
            needs=dict(doc.get("needs", {})),
            sites=dict(doc.get("sites", {})),
            item_types=dict(doc.get("item_types", {})),
            skipped=dict(doc.get("skipped", {})),
        )


def counts(problem: Problem, index: ProblemIndex) -> dict[str, Any]:
    """The size of a snapshot, for listings and the CLI."""
    return {
        "offers": len(problem.offers),
        "needs": len(problem.needs),
        "item_types": len(problem.item_types),
        "sites": len(problem.sites),
        "legs": len(problem.legs),
        "hubs": len(problem.hubs),
        "offered_units": sum(o.quantity for o in problem.offers),
        "needed_units": sum(n.quantity for n in problem.needs),
        "skipped": dict(index.skipped),
    }


def unit_weight_t(item: ItemType) -> float | None:
    """Tonnes per unit: the recorded weight, else the lift units (read as tonnes); ``None`` when
    neither is positive."""
    if item.weight_kg_per_unit is not None and item.weight_kg_per_unit > 0:
        return float(item.weight_kg_per_unit / 1000)
    if item.lift_units_per_unit is not None and item.lift_units_per_unit > 0:
        return float(item.lift_units_per_unit)
    return None


def _whole(quantity: Decimal) -> int:
    """Whole units (the planner plans integers); a fraction left over is not planned."""
    return max(0, math.floor(quantity))


def _sums(session: Session, key: Any, statuses: tuple[AllocationStatus, ...]) -> dict[int, Decimal]:
    rows = session.execute(
        select(key, func.sum(Allocation.quantity))
        .where(Allocation.status.in_(statuses))
        .group_by(key)
    )
    return {k: Decimal(v or 0) for k, v in rows}


def build_problem(  # noqa: PLR0912, PLR0915 - one pass per record family reads best
    session: Session,
    *,
    start_date: dt.date,
    horizon_days: int,
    values: Values,
    priority_weight: Mapping[int, float] = PRIORITY_WEIGHT,
) -> tuple[Problem, ProblemIndex]:
    """Read the planning problem as the session's actor sees the data (coordinators: all of it).

    Parameters:
        session: an open session; nothing is written.
        start_date: day 0 of the plan.
        horizon_days: days planned (≥ 1).
        values: the late and substitute factors, the cost weight and the policy.
        priority_weight: value of covering a whole need, by priority.

    Returns:
        The problem (valid: it parses back from its own JSON) and the index of its ids.
    """
    skipped: Counter[str] = Counter()
    items = {t.id: t for t in session.scalars(select(ItemType).order_by(ItemType.id))}
    weights = {i: w for i, t in items.items() if (w := unit_weight_t(t)) is not None}
    family: dict[str, list[int]] = defaultdict(list)
    for t in items.values():
        if t.id in weights:
            family[t.substitution_family].append(t.id)
    sites: dict[int, tuple[Site, str]] = {
        s.id: (s, code)
        for s, code in session.execute(
            select(Site, Nation.code).join(Nation, Nation.id == Site.nation_id).order_by(Site.id)
        )
    }

    # -- needs --
    accepted = _sums(session, Allocation.requirement_id, (AllocationStatus.ACCEPTED,))
    needs: list[Need] = []
    need_ids: dict[str, int] = {}
    used_types: set[int] = set()
    for req in session.scalars(
        select(Requirement).where(Requirement.status.in_(OPEN_NEED)).order_by(Requirement.id)
    ):
        full = (
            req.quantity_approved if req.quantity_approved is not None else req.quantity_requested
        )
        open_qty = _whole(full - accepted.get(req.id, Decimal(0)))
        dest = sites.get(req.destination_site_id) if req.destination_site_id else None
        if req.item_type_id is None:
            skipped["need without item type"] += 1
        elif req.item_type_id not in weights:
            skipped["need whose item type has no weight"] += 1
        elif dest is None or dest[0].kind is not SiteKind.HANDOVER_POINT:
            skipped["need without a handover point"] += 1
        elif open_qty <= 0:
            skipped["need already covered"] += 1
        else:
            own = items[req.item_type_id]
            types = [own.id] + [t for t in family[own.substitution_family] if t != own.id]
            used_types.update(types)
            needs.append(
                Need(
                    id=req.reference,
                    quantity=open_qty,
                    needed_by_day=(req.needed_by_on - start_date).days,
                    weight=priority_weight.get(req.priority, min(priority_weight.values()))
                    / float(full),
                    acceptable_item_types=tuple(items[t].code for t in types),
                    handover=dest[0].code,
                )
            )
            need_ids[req.reference] = req.id

    # -- offers --
    live = _sums(session, Allocation.offer_line_id, LIVE)
    child = aliased(OfferLine)
    refined = select(child.id).where(child.parent_id == OfferLine.id).exists()
    candidates = list(
        session.execute(
            select(OfferLine, Nation.code, refined)
            .join(Nation, Nation.id == OfferLine.donor_nation_id)
            .where(
                OfferLine.stage.in_(ALLOCATABLE_OFFER),
                OfferLine.item_type_id.is_not(None),
                OfferLine.quantity.is_not(None),
            )
            .order_by(OfferLine.id)
        )
    )
    references = Counter(line.reference for line, _, _ in candidates)
    offers: list[Offer] = []
    offer_ids: dict[str, int] = {}
    depots: set[int] = set()
    for line, donor, has_children in candidates:
        assert line.item_type_id is not None and line.quantity is not None
        origin = sites.get(line.origin_site_id) if line.origin_site_id else None
        left = _whole(line.quantity - live.get(line.id, Decimal(0)))
        if has_children:
            skipped["offer refined into child lines"] += 1
        elif line.item_type_id not in weights:
            skipped["offer whose item type has no weight"] += 1
        elif origin is None or origin[0].kind is not SiteKind.DEPOT:
            skipped["offer without an origin depot"] += 1
        elif left <= 0:
            skipped["offer fully allocated"] += 1
        else:
            # References are unique per donor only; a clash is told apart by the donor's code.
            ident = (
                line.reference if references[line.reference] == 1 else f"{donor}:{line.reference}"
            )
            available = line.available_from_on
            offers.append(
                Offer(
                    id=ident,
                    donor=donor,
                    item_type=items[line.item_type_id].code,
                    quantity=left,
                    available_day=(available - start_date).days if available else 0,
                    origin=origin[0].code,
                )
            )
            offer_ids[ident] = line.id
            depots.add(origin[0].id)
            used_types.add(line.item_type_id)

    # -- sites, legs, hubs, item types --
    chosen = [
        (site, country)
        for site, country in sites.values()
        if site.id in depots or site.kind in (SiteKind.HUB, SiteKind.HANDOVER_POINT)
    ]
    kinds = {site.id: site.kind for site, _ in chosen}
    code_of = {site.id: site.code for site, _ in chosen}
    legs: list[Leg] = []
    for link in session.scalars(
        select(TransportLink).where(TransportLink.active).order_by(TransportLink.id)
    ):
        pattern = (kinds.get(link.from_site_id), kinds.get(link.to_site_id))
        if pattern not in {
            (SiteKind.DEPOT, SiteKind.HUB),
            (SiteKind.HUB, SiteKind.HANDOVER_POINT),
        }:
            continue
        legs.append(
            Leg(
                from_site=code_of[link.from_site_id],
                to_site=code_of[link.to_site_id],
                mode=str(link.mode),
                transit_days=link.transit_days,
                capacity_t_per_day=float(link.capacity_t_per_day),
                cost_per_t=float(link.cost_per_t),
            )
        )
    hubs = [
        Hub(site=site.code, handling_capacity_t_per_day=float(capacity))
        for site, _ in chosen
        if site.kind is SiteKind.HUB and (capacity := site.handling_capacity_t_per_day) is not None
    ]
    problem = Problem(
        start_date=start_date,
        horizon_days=horizon_days,
        item_types=tuple(
            pp.ItemType(id=t.code, family=t.substitution_family, unit_weight_t=weights[t.id])
            for t in items.values()
            if t.id in used_types
        ),
        sites=tuple(
            pp.Site(
                id=site.code,
                kind=_KIND[site.kind],
                country=country,
                lat=float(site.latitude),
                lon=float(site.longitude),
            )
            for site, country in chosen
        ),
        offers=tuple(offers),
        needs=tuple(needs),
        legs=tuple(legs),
        hubs=tuple(hubs),
        values=values,
    )
    index = ProblemIndex(
        offers=offer_ids,
        needs=need_ids,
        sites={site.code: site.id for site, _ in chosen},
        item_types={items[t].code: t for t in sorted(used_types)},
        skipped=dict(sorted(skipped.items())),
    )
    return problem, index
