"""The public release: what nsatu publishes to anyone, as a page (``/public``) and as a static
export (``nsatu report public-release``).

Only records released as public are selected, whoever asks: offer lines and needs whose
releasability is ``public`` (needs once published), read past nobody's scope but filtered here
explicitly, so a coordinator's export holds exactly what an anonymous visitor sees. A donor who
asked to stay anonymous is shown as ``undisclosed`` (:func:`nsatu.core.access.donor_disclosed`
for the public), in the lines and in the aggregates. The aggregates are computed from the public
lines only, each pledge tree counted once (:mod:`nsatu.core.pledges`). The published tracker
reports (``donors``, ``monthly``, ``burden-sharing``) are public data and are included as their
builders make them for the public.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from nsatu.core import pledges
from nsatu.core.access import PUBLIC, donor_disclosed
from nsatu.core.enums import Releasability
from nsatu.core.lifecycles import RequirementStatus
from nsatu.db.models import CapabilityArea, ItemType, Nation, OfferLine, Requirement
from nsatu.errors import NotFound
from nsatu.reporting import registry
from nsatu.reporting.table import Report

#: How an anonymised donor is named in the release.
UNDISCLOSED = "undisclosed"
#: The reports built from published data, released as they are (those registered).
PUBLIC_REPORTS = ("donors", "monthly", "burden-sharing")
#: Needs are released once published, as the public sees them on the needs list.
PUBLISHED_NEEDS = (
    RequirementStatus.PUBLISHED,
    RequirementStatus.PARTIALLY_COVERED,
    RequirementStatus.COVERED,
    RequirementStatus.CLOSED,
)


@dataclass(frozen=True)
class PublicOffer:
    reference: str
    donor: str
    donor_code: str | None
    kind: str
    item: str | None
    description: str
    quantity: Decimal | None
    value_eur: Decimal | None
    stage: str
    announced_on: dt.date | None


@dataclass(frozen=True)
class PublicNeed:
    reference: str
    title: str
    capability_area: str
    priority: int
    status: str
    quantity_requested: Decimal
    period: str
    needed_by_on: dt.date


@dataclass(frozen=True)
class DonorTotal:
    """A donor's public lines: how many, and their value in EUR with each pledge tree once."""

    donor: str
    donor_code: str | None
    lines: int
    value_eur: Decimal


@dataclass(frozen=True)
class PublicRelease:
    generated_on: dt.date
    offers: Sequence[PublicOffer]
    needs: Sequence[PublicNeed]
    donors: Sequence[DonorTotal]
    stages: Sequence[tuple[str, int]]
    reports: Sequence[Report]


def _eur(line: OfferLine) -> Decimal | None:
    if line.value_amount is None or not line.eur_rate:
        return None
    return line.value_amount / line.eur_rate


def public_offers(session: Session) -> list[tuple[OfferLine, PublicOffer]]:
    """Every offer line released as public, with its donor named as the public may know it."""
    donor = aliased(Nation)
    rows = session.execute(
        select(OfferLine, donor.name, donor.code, ItemType.public_name)
        .join(donor, OfferLine.donor_nation_id == donor.id)
        .outerjoin(ItemType, OfferLine.item_type_id == ItemType.id)
        .where(OfferLine.releasability == Releasability.PUBLIC)
        .order_by(OfferLine.announced_on, OfferLine.reference, OfferLine.id)
    ).all()
    out = []
    for line, name, code, item in rows:
        shown = donor_disclosed(PUBLIC, anonymise_donor=line.anonymise_donor)
        out.append(
            (
                line,
                PublicOffer(
                    reference=line.reference,
                    donor=name if shown else UNDISCLOSED,
                    donor_code=code if shown else None,
                    kind=str(line.kind),
                    item=item,
                    description=line.description,
                    quantity=line.quantity,
                    value_eur=_eur(line),
                    stage=str(line.stage),
                    announced_on=line.announced_on,
                ),
            )
        )
    return out


def public_needs(session: Session) -> list[PublicNeed]:
    """Every need released as public and published (the public's view of the priority list)."""
    rows = session.execute(
        select(Requirement, CapabilityArea.name)
        .join(CapabilityArea, Requirement.capability_area_id == CapabilityArea.id)
        .where(
            Requirement.releasability == Releasability.PUBLIC,
            Requirement.status.in_(PUBLISHED_NEEDS),
        )
        .order_by(Requirement.priority, Requirement.needed_by_on, Requirement.reference)
    ).all()
    return [
        PublicNeed(
            reference=need.reference,
            title=need.title,
            capability_area=area,
            priority=need.priority,
            status=str(need.status),
            quantity_requested=need.quantity_requested,
            period=need.period,
            needed_by_on=need.needed_by_on,
        )
        for need, area in rows
    ]


def donor_totals(offers: Sequence[tuple[OfferLine, PublicOffer]]) -> list[DonorTotal]:
    """Per donor as released (undisclosed donors together): lines and value in EUR; largest first.

    Each pledge tree among the public lines counts once, for the donor of its root (a line whose
    parent is not public is a root), so a tree counts once even when its lines are shown under
    different names."""
    nodes = [pledges.PledgeNode(line.id, line.parent_id, shown.value_eur) for line, shown in offers]
    values = pledges.tree_value(nodes)
    ids = set(values)
    lines: dict[tuple[str, str | None], int] = defaultdict(int)
    value: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    for line, shown in offers:
        key = (shown.donor, shown.donor_code)
        lines[key] += 1
        if line.parent_id is None or line.parent_id not in ids:
            value[key] += values[line.id]
    totals = [
        DonorTotal(donor=name, donor_code=code, lines=n, value_eur=value[name, code])
        for (name, code), n in lines.items()
    ]
    return sorted(totals, key=lambda t: (-t.value_eur, t.donor))


def public_reports(session: Session) -> list[Report]:
    """The published tracker reports, as built for the public (those registered and with their
    release imported)."""
    reports = []
    for name in PUBLIC_REPORTS:
        try:
            reports.append(registry.get(name).build(session, PUBLIC, {}))
        except NotFound:  # not registered, or its release is not imported yet
            continue
    return reports


def public_release(session: Session, *, today: dt.date | None = None) -> PublicRelease:
    """Everything the public release shows: public lines and needs, their aggregates and the
    published tracker reports."""
    offers = public_offers(session)
    stages: dict[str, int] = defaultdict(int)
    for _, shown in offers:
        stages[shown.stage] += 1
    return PublicRelease(
        generated_on=today or dt.datetime.now(dt.UTC).date(),
        offers=[shown for _, shown in offers],
        needs=public_needs(session),
        donors=donor_totals(offers),
        stages=sorted(stages.items()),
        reports=public_reports(session),
    )
