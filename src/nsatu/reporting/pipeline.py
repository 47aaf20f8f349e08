"""Reports on the system's own pledges: the pipeline of stages and the dependence on donors.

Both read offer lines in the caller's scope (the scoping listener of :mod:`nsatu.db.scoping`),
count each pledge tree once and pooled-fund lines for the fund's contributors
(:mod:`nsatu.reporting.counting`), and show a donor the caller may not know as ``undisclosed``
(:func:`nsatu.core.access.donor_disclosed`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.access import PUBLISHED_NEED_STATES, Actor, donor_disclosed
from nsatu.core.enums import OfferChannel, ValuationBasis
from nsatu.core.lifecycles import AllocationStatus, OfferStage
from nsatu.core.pledges import PledgeCycleError
from nsatu.db.models import (
    Allocation,
    CapabilityArea,
    ItemType,
    Nation,
    OfferLine,
    Organisation,
    Requirement,
)
from nsatu.db.models.kiel import KielEuKey, KielRelease
from nsatu.db.models.offer import OfferLineValuation
from nsatu.delivery import ledger
from nsatu.errors import Conflict, InvalidInput
from nsatu.reporting import counting
from nsatu.reporting.counting import STAGES, UNASSIGNED, ZERO, Line
from nsatu.reporting.registry import report
from nsatu.reporting.table import Column, Report

UNDISCLOSED = "undisclosed"
EU_CODE = "EUU"  # the EU institutions' nation in the reference data
CENT = Decimal("0.01")
#: Stage of each offer lifecycle state, as an index into STAGES (withdrawn: -1).
STAGE_INDEX = {s: STAGES.index(s.value) for s in OfferStage if s.value in STAGES} | {
    OfferStage.WITHDRAWN: -1
}
SOURCE = "nsatu offer lines (the system's own records), in the caller's scope"


def _eur(value: Decimal) -> Decimal:
    return value.quantize(CENT)


@dataclass(frozen=True)
class Donor:
    key: str
    name: str
    iso3: str


@dataclass
class Snapshot:
    """The offer lines the caller sees, ready for counting, with what the reports show of them."""

    lines: list[Line]
    donors: dict[str, Donor]
    funds: dict[str, str]  # fund key → the fund's name
    areas: dict[str, str]  # area key (code) → name
    #: line id → {basis: EUR value}, the line's own valuation and its alternatives.
    valuations: dict[int, dict[ValuationBasis, Decimal]]
    #: line id → (reference, description, own basis), for the valuations table.
    described: dict[int, tuple[str, str, ValuationBasis | None]]
    quantities: dict[int, Decimal | None]
    unconverted: int
    #: fund key → contributor ISO3 → published key, for the EU institutions (see _published_keys).
    published: dict[str, dict[str, Decimal]]
    #: fund key → what the published key is ("the EPF key of Kiel Release 7").
    published_basis: dict[str, str]


def _area_map(session: Session) -> tuple[dict[int, str], dict[int, str], dict[str, str]]:
    areas = {a.id: (a.code, a.name) for a in session.scalars(select(CapabilityArea))}
    item_area = {
        row[0]: row[1] for row in session.execute(select(ItemType.id, ItemType.capability_area_id))
    }
    return (
        {i: areas[a][0] for i, a in item_area.items()},
        {i: code for i, (code, _) in areas.items()},
        dict(areas.values()),
    )


def snapshot(session: Session, actor: Actor) -> Snapshot:
    """Read the offer lines in the caller's scope (one query each for lines, reference data,
    deliveries and alternative valuations)."""
    item_area, area_code, area_names = _area_map(session)
    nations = {n.id: (n.code, n.name) for n in session.scalars(select(Nation))}
    orgs = {o.id: (o.name, o.nation_id) for o in session.scalars(select(Organisation))}
    rows = session.execute(
        select(
            OfferLine.id,
            OfferLine.parent_id,
            OfferLine.donor_nation_id,
            OfferLine.donor_organisation_id,
            OfferLine.channel,
            OfferLine.currency,
            OfferLine.value_amount,
            OfferLine.eur_rate,
            OfferLine.stage,
            OfferLine.quantity,
            OfferLine.quantity_delivered,
            OfferLine.announced_on,
            OfferLine.earmark_capability_area_id,
            OfferLine.item_type_id,
            OfferLine.valuation_basis,
            OfferLine.anonymise_donor,
            OfferLine.reference,
            OfferLine.description,
        ).order_by(OfferLine.id)
    ).all()
    # Consignments exist only for lines that reached allocation.
    moving = [
        r.id for r in rows if STAGE_INDEX[r.stage] >= STAGES.index("allocated") and r.quantity
    ]
    outcomes = ledger.offer_outcomes(session, moving)
    snap = Snapshot([], {}, {}, area_names, {}, {}, {}, 0, {}, {})
    fund_nation: dict[str, str] = {}
    for r in rows:
        if r.channel is OfferChannel.POOLED_FUND and r.donor_organisation_id is not None:
            org_name, org_nation = orgs[r.donor_organisation_id]
            snap.funds[f"fund:{r.donor_organisation_id}"] = org_name
            fund_nation[f"fund:{r.donor_organisation_id}"] = nations[org_nation][0]
        area_id = r.earmark_capability_area_id
        area = (
            area_code.get(area_id) if area_id is not None else item_area.get(r.item_type_id or -1)
        )
        _add_line(snap, actor, r, nations, orgs, area, outcomes.get(r.id))
    for v in session.scalars(select(OfferLineValuation).order_by(OfferLineValuation.id)):
        if v.offer_line_id in snap.described:  # scoped with its line; never one of an unseen line
            snap.valuations.setdefault(v.offer_line_id, {})[v.basis] = v.amount / v.rate
    snap.published, snap.published_basis = _published_keys(session, snap.funds, fund_nation)
    for iso3s in snap.published.values():
        for code, name in nations.values():
            if code in iso3s:
                snap.donors.setdefault(code, Donor(code, name, code))
    return snap


def _add_line(
    snap: Snapshot,
    actor: Actor,
    r: Any,
    nations: Mapping[int, tuple[str, str]],
    orgs: Mapping[int, tuple[str, int]],
    area: str | None,
    outcome: ledger.Outcomes | None,
) -> None:
    """Add one offer-line row (a result row of the query in :func:`snapshot`) to ``snap``."""
    snap.quantities[r.id] = r.quantity
    if donor_disclosed(actor, anonymise_donor=r.anonymise_donor):
        code, name = nations[r.donor_nation_id]
        donor = Donor(code, name, code)
    else:
        donor = Donor(UNDISCLOSED, UNDISCLOSED, "")
    snap.donors.setdefault(donor.key, donor)
    value: Decimal | None = None
    if r.value_amount is not None:
        if r.currency == "EUR":
            value = r.value_amount
        elif r.eur_rate:
            value = r.value_amount / r.eur_rate
        else:
            snap.unconverted += 1
    delivered = ZERO
    if value is not None:
        delivered = value * _delivered_fraction(r.stage, r.quantity, r.quantity_delivered, outcome)
    fund: str | None = None
    if r.channel is OfferChannel.POOLED_FUND and r.donor_organisation_id is not None:
        fund = f"fund:{r.donor_organisation_id}"
    snap.lines.append(
        Line(
            id=r.id,
            parent_id=r.parent_id,
            donor=donor.key,
            value=value,
            stage=STAGE_INDEX[r.stage],
            delivered=delivered,
            area=area,
            month=r.announced_on.strftime("%Y-%m") if r.announced_on else None,
            fund=fund,
            fund_owner=fund is not None and orgs[r.donor_organisation_id][1] == r.donor_nation_id,
        )
    )
    if value is not None and r.valuation_basis is not None:
        snap.valuations[r.id] = {r.valuation_basis: value}
    snap.described[r.id] = (r.reference, r.description, r.valuation_basis)


#: The EU institutions' funds and the key of the published release that attributes them to the EU
#: members (Kiel's method: EU budget key × Commission and Council, EPF key × EPF, EIB key × EIB).
EU_INSTITUTION_KEYS = (
    ("peace facility", "epf_share", "EPF key"),
    ("investment bank", "eib_share", "EIB capital key"),
    ("commission", "budget_share", "EU budget key"),
)


def _published_keys(
    session: Session, funds: Mapping[str, str], fund_nation: Mapping[str, str]
) -> tuple[dict[str, dict[str, Decimal]], dict[str, str]]:
    """Keys for the EU institutions' funds (organisations of the ``EUU`` nation, recognised by
    name), from the latest imported tracker release that has EU keys; none without such a release.
    They are used only for a fund with no recorded contributions (nsatu.reporting.counting)."""
    eu = [f for f in funds if fund_nation.get(f) == EU_CODE]
    if not eu:
        return {}, {}
    release = session.execute(
        select(KielRelease.id, KielRelease.number)
        .where(KielRelease.id.in_(select(KielEuKey.release_id)))
        .order_by(KielRelease.number.desc())
        .limit(1)
    ).first()
    if release is None:
        return {}, {}
    rows = session.scalars(
        select(KielEuKey).where(KielEuKey.release_id == release.id, KielEuKey.iso3.is_not(None))
    ).all()
    keys: dict[str, dict[str, Decimal]] = {}
    basis: dict[str, str] = {}
    for fund in eu:
        name = funds[fund].lower()
        for marker, column, label in EU_INSTITUTION_KEYS:
            if marker in name:
                keys[fund] = {str(k.iso3): getattr(k, column) for k in rows}
                basis[fund] = f"the {label} of Kiel Release {release.number}"
                break
    return keys, basis


def _count(snap: Snapshot) -> counting.Counted:
    try:
        return counting.count(snap.lines, snap.published)
    except PledgeCycleError as exc:
        # The offers service never links a cycle; data written around it is reported, not a 500.
        raise Conflict(f"offer lines: {exc}; unlink one of them to count the tree") from None


def _delivered_fraction(
    stage: OfferStage,
    quantity: Decimal | None,
    quantity_delivered: Decimal | None,
    outcome: ledger.Outcomes | None,
) -> Decimal:
    """What part of a line arrived: all of it at ``delivered``; otherwise what the delivery ledger
    counts (consignments handed over or received), else the recorded delivered quantity."""
    if stage is OfferStage.DELIVERED:
        return Decimal(1)
    if not quantity:
        return ZERO
    arrived = outcome.delivered if outcome is not None and outcome.delivered > 0 else None
    if arrived is None:
        arrived = quantity_delivered or ZERO
    return min(arrived / quantity, Decimal(1))


def _area_param(params: Mapping[str, Any], snap: Snapshot) -> str | None:
    area = params.get("area")
    if area is None:
        return None
    if area not in snap.areas:
        raise InvalidInput(
            f"area: no capability area {area!r}; areas: {', '.join(sorted(snap.areas))}",
            field="area",
        )
    return str(area)


def _donor_param(params: Mapping[str, Any], snap: Snapshot) -> str | None:
    donor = params.get("donor")
    if donor is None:
        return None
    key = str(donor).upper() if str(donor).lower() != UNDISCLOSED else UNDISCLOSED
    if key not in snap.donors:
        raise InvalidInput(
            f"donor: no donor {donor!r} among the offer lines you see", field="donor"
        )
    return key


def _check_params(params: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise InvalidInput(
            f"{unknown[0]}: not a parameter of this report; parameters: {', '.join(sorted(allowed))}",
            field=unknown[0],
        )


def _area_name(snap: Snapshot, key: str) -> str:
    return snap.areas.get(key, UNASSIGNED)


PIPELINE_COLUMNS = [
    Column("donor", "Donor"),
    Column("iso3", "ISO3"),
    Column("capability_area", "Capability area"),
    Column("month", "Month", "month"),
    *(Column(f"{s}_n", f"{s.capitalize()} (lines)", "int") for s in STAGES),
    *(Column(f"{s}_eur", f"{s.capitalize()} (EUR)", "eur") for s in STAGES),
    Column("withdrawn_n", "Withdrawn (lines)", "int"),
    Column("valuation_bases", "Valuation bases"),
    Column("alt_valued_lines", "Lines valued two ways", "int"),
    Column("replacement_cost_eur", "Replacement cost (EUR)", "eur"),
    Column("net_book_value_eur", "Net book value (EUR)", "eur"),
    Column("rc_minus_nbv_eur", "Replacement cost − net book value (EUR)", "eur"),
]


@report(
    "pipeline",
    "Pipeline of the system's own pledges",
    "Per donor × capability area × month: lines and EUR values announced → committed → allocated "
    "→ contracted → shipped → delivered, counted once, with the valuation bases.",
)
def pipeline(session: Session, actor: Actor, params: Mapping[str, Any]) -> Report:
    _check_params(params, {"donor", "area"})
    snap = snapshot(session, actor)
    donor = _donor_param(params, snap)
    area = _area_param(params, snap)
    result = _count(snap)
    by_line = {ln.id: ln for ln in snap.lines}
    month_area_bases: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    alt_n: dict[tuple[str, str, str], int] = defaultdict(int)
    alt_rc: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    alt_nbv: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for line_id, bases in snap.valuations.items():
        ln = by_line[line_id]
        key = (ln.donor, ln.area or UNASSIGNED, _top_month(ln, by_line))
        month_area_bases[key].update(b.value for b in bases)
        rc = bases.get(ValuationBasis.REPLACEMENT_COST)
        nbv = bases.get(ValuationBasis.NET_BOOK_VALUE)
        if len(bases) > 1:
            alt_n[key] += 1
        if rc is not None and nbv is not None:
            alt_rc[key] += rc
            alt_nbv[key] += nbv
    rows: list[dict[str, Any]] = []
    funnel = [0] * len(STAGES), [ZERO] * len(STAGES)
    for (d, a, m), cell in sorted(result.cells.items()):
        if (donor is not None and d != donor) or (area is not None and a != area):
            continue
        info = snap.donors.get(d, Donor(d, d, ""))
        values = [*cell.values[:-1], cell.delivered]
        row: dict[str, Any] = {
            "donor": info.name,
            "iso3": info.iso3,
            "capability_area": _area_name(snap, a),
            "month": m,
        }
        for k, s in enumerate(STAGES):
            row[f"{s}_n"] = cell.counts[k]
            row[f"{s}_eur"] = _eur(values[k])
            funnel[0][k] += cell.counts[k]
            funnel[1][k] += values[k]
        n_alt = alt_n.get((d, a, m), 0)
        rc_sum, nbv_sum = alt_rc.get((d, a, m), ZERO), alt_nbv.get((d, a, m), ZERO)
        row["withdrawn_n"] = cell.withdrawn
        row["valuation_bases"] = ", ".join(sorted(month_area_bases.get((d, a, m), set())))
        row["alt_valued_lines"] = n_alt
        both = rc_sum > 0 or nbv_sum > 0
        row["replacement_cost_eur"] = _eur(rc_sum) if both else None
        row["net_book_value_eur"] = _eur(nbv_sum) if both else None
        row["rc_minus_nbv_eur"] = _eur(rc_sum - nbv_sum) if both else None
        rows.append(row)
    notes = [
        "A stage's lines are the most refined lines (no live refinement) that reached it; its EUR "
        "value counts each parent-linked pledge → commitment → disbursement tree once.",
        "Delivered EUR includes partial deliveries from the delivery ledger (what was handed over "
        "or received, over the line's quantity).",
        "Lines given through a pooled fund count for the fund's contributors, in proportion to "
        "their contributions, never for the fund as well.",
    ]
    notes.extend(_fund_notes(snap, result))
    if snap.unconverted:
        notes.append(
            f"{snap.unconverted} line(s) have an amount in a currency without a rate to EUR and "
            "count with no value."
        )
    return Report(
        name="pipeline",
        title="Pipeline of the system's own pledges",
        columns=PIPELINE_COLUMNS,
        rows=rows,
        notes=notes,
        sources=[SOURCE],
        extra={
            "funnel": [
                {"stage": s, "lines": funnel[0][k], "eur": _eur(funnel[1][k])}
                for k, s in enumerate(STAGES)
            ],
            "valuations": _valuation_rows(snap, by_line, donor, area),
            "funds": _fund_rows(snap, result),
        },
    )


def _top_month(ln: Line, by_line: Mapping[int, Line]) -> str:
    top, seen = ln, {ln.id}
    while top.parent_id is not None and top.parent_id in by_line and top.parent_id not in seen:
        top = by_line[top.parent_id]
        seen.add(top.id)
    return top.month or ln.month or counting.UNDATED


def _valuation_rows(
    snap: Snapshot, by_line: Mapping[int, Line], donor: str | None, area: str | None
) -> list[dict[str, Any]]:
    out = []
    for line_id, bases in sorted(snap.valuations.items()):
        ln = by_line[line_id]
        if len(bases) < 2 or (donor is not None and ln.donor != donor):
            continue
        if area is not None and (ln.area or UNASSIGNED) != area:
            continue
        reference, description, own = snap.described[line_id]
        rc = bases.get(ValuationBasis.REPLACEMENT_COST)
        nbv = bases.get(ValuationBasis.NET_BOOK_VALUE)
        out.append(
            {
                "reference": reference,
                "donor": snap.donors[ln.donor].name,
                "description": description,
                "line_basis": own.value if own else None,
                **{f"{b.value}_eur": _eur(v) for b, v in sorted(bases.items())},
                "rc_minus_nbv_eur": _eur(rc - nbv) if rc is not None and nbv is not None else None,
            }
        )
    return out


def _fund_rows(snap: Snapshot, result: counting.Counted) -> list[dict[str, Any]]:
    rows = []
    for fund, (paid, given) in sorted(result.funds.items()):
        keys = result.keys.get(fund, {})
        shares = ", ".join(f"{snap.donors[d].name} {share:.4f}" for d, share in keys.items())
        if fund in result.published:
            shares = f"by {snap.published_basis[fund]}: {shares}"
        rows.append(
            {
                "fund": snap.funds.get(fund, fund),
                "contributed_eur": _eur(paid),
                "given_eur": _eur(given),
                "counted_for": shares or "the fund itself (no contributions recorded)",
            }
        )
    return rows


def _fund_notes(snap: Snapshot, result: counting.Counted) -> list[str]:
    notes = []
    for fund, (paid, given) in sorted(result.funds.items()):
        name = snap.funds.get(fund, fund)
        if fund in result.published and given > 0:
            notes.append(
                f"{name}: no contributions to it are recorded; its lines ({_eur(given)} EUR) "
                f"count for the EU members by {snap.published_basis[fund]}."
            )
        elif fund in result.keys and paid != given:
            notes.append(
                f"{name}: contributions of {_eur(paid)} EUR, lines of {_eur(given)} EUR; the "
                "fund's lines are what is counted."
            )
        elif fund not in result.keys and given > 0:
            notes.append(
                f"{name}: no contributions to it are recorded, so its lines ({_eur(given)} EUR) "
                "count for the fund itself."
            )
    return notes


# --- Dependence -----------------------------------------------------------------------------------

DEPENDENCE_COLUMNS = [
    Column("capability_area", "Capability area"),
    Column("total_eur", "Total (EUR)", "eur"),
    Column("donors", "Donors", "int"),
    Column("top_donor", "Top donor"),
    Column("top_donor_iso3", "Top donor ISO3"),
    Column("top_share", "Top donor's share", "share"),
    Column("hhi", "HHI (0–1)", "number"),
]


@report(
    "dependence",
    "Dependence on donors",
    "Per capability area each donor's share, the top donor and the concentration (HHI); and the "
    "coverage by priority lost if a donor's undelivered pledges vanish.",
)
def dependence(session: Session, actor: Actor, params: Mapping[str, Any]) -> Report:
    _check_params(params, {"donor", "stage"})
    stage = str(params.get("stage", "committed"))
    if stage not in STAGES:
        raise InvalidInput(f"stage: {stage!r} is not one of {', '.join(STAGES)}", field="stage")
    k = STAGES.index(stage)
    snap = snapshot(session, actor)
    donor = _donor_param(params, snap)
    result = _count(snap)
    by_area: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for (d, a, _), cell in result.cells.items():
        value = cell.delivered if k == len(STAGES) - 1 else cell.values[k]
        if value > 0:
            by_area[a][d] += value
    rows, shares = [], []
    for a in sorted(by_area, key=lambda a: _area_name(snap, a)):
        values = by_area[a]
        total = sum(values.values(), ZERO)
        ranked = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
        top, top_value = ranked[0]
        hhi = sum(((v / total) ** 2 for v in values.values()), ZERO)
        rows.append(
            {
                "capability_area": _area_name(snap, a),
                "total_eur": _eur(total),
                "donors": len(values),
                "top_donor": snap.donors[top].name,
                "top_donor_iso3": snap.donors[top].iso3,
                "top_share": round(top_value / total, 6),
                "hhi": round(hhi, 6),
            }
        )
        for d, v in ranked:
            shares.append(
                {
                    "capability_area": _area_name(snap, a),
                    "donor": snap.donors[d].name,
                    "iso3": snap.donors[d].iso3,
                    "value_eur": _eur(v),
                    "share": round(v / total, 6),
                }
            )
    return Report(
        name="dependence",
        title="Dependence on donors",
        columns=DEPENDENCE_COLUMNS,
        rows=rows,
        notes=[
            f"Values are the counted-once EUR values that reached '{stage}' (pooled-fund lines "
            "for the fund's contributors).",
            "HHI is the sum of the squared donor shares of an area: 1 when one donor gives "
            "everything, 1/n when n donors give equally.",
            "If a donor's undelivered pledges vanish: each accepted allocation of its lines keeps "
            "only what was delivered (handed over or received); a need's coverage is its allocated "
            "quantity over its approved (else requested) quantity, at most 1; coverage by priority "
            "is the mean over the published needs of that priority. A plain recomputation: "
            "nothing is re-planned.",
        ],
        sources=[SOURCE],
        extra={"shares": shares, "if_vanish": vanish(session, snap, result, donor)},
    )


def vanish(
    session: Session, snap: Snapshot, result: counting.Counted, only: str | None = None
) -> list[dict[str, Any]]:
    """Per donor and priority: the coverage of the published needs the caller sees, before and
    after the donor's undelivered pledges vanish."""
    needs = {
        n.id: n
        for n in session.scalars(
            select(Requirement).where(Requirement.status.in_(PUBLISHED_NEED_STATES))
        )
    }
    allocations = list(
        session.scalars(
            select(Allocation)
            .where(
                Allocation.status == AllocationStatus.ACCEPTED,
                Allocation.requirement_id.in_(sorted(needs)),
            )
            .order_by(Allocation.id)
        )
    )
    by_line = {ln.id: ln for ln in snap.lines}
    # What each allocation got delivered: every accepted allocation of the same offer lines
    # competes for their consigned units (nsatu.delivery.ledger), not only those counted here.
    by_offer: dict[int, list[Allocation]] = defaultdict(list)
    for a in session.scalars(
        select(Allocation)
        .where(
            Allocation.status == AllocationStatus.ACCEPTED,
            Allocation.offer_line_id.in_(sorted({a.offer_line_id for a in allocations})),
        )
        .order_by(Allocation.id)
    ):
        by_offer[a.offer_line_id].append(a)
    shares = ledger.allocation_outcomes(session, by_offer)
    delivered = {a.id: shares[a.id].delivered for a in allocations if a.id in shares}
    # Who an allocation's undelivered units belong to (a fund line's: its contributors).
    owners: dict[int, Mapping[str, Decimal]] = {}
    for a in allocations:
        ln = by_line.get(a.offer_line_id)
        if ln is None:
            continue  # the line is outside the caller's scope, the allocation is not
        if ln.fund is not None and ln.fund_owner and ln.fund in result.keys:
            owners[a.id] = result.keys[ln.fund]
        else:
            owners[a.id] = {ln.donor: Decimal(1)}
    candidates = sorted({d for o in owners.values() for d in o})
    if only is not None:
        candidates = [d for d in candidates if d == only]

    def coverage(lost: Mapping[int, Decimal]) -> dict[int, Decimal]:
        allocated: dict[int, Decimal] = defaultdict(Decimal)
        for a in allocations:
            allocated[a.requirement_id] += a.quantity - lost.get(a.id, ZERO)
        out = {}
        for nid, n in needs.items():
            wanted = (
                n.quantity_approved if n.quantity_approved is not None else n.quantity_requested
            )
            out[nid] = min(allocated[nid] / wanted, Decimal(1)) if wanted > 0 else Decimal(1)
        return out

    before = coverage({})
    rows = []
    priorities = sorted({n.priority for n in needs.values()})
    for d in candidates:
        lost_units = {
            a.id: max(a.quantity - delivered.get(a.id, ZERO), ZERO) * owners[a.id][d]
            for a in allocations
            if d in owners.get(a.id, {})
        }
        after = coverage(lost_units)
        undelivered_eur: dict[int, Decimal] = defaultdict(Decimal)  # per priority
        for a in allocations:
            ln = by_line.get(a.offer_line_id)
            line_qty = snap.quantities.get(a.offer_line_id)
            if a.id in lost_units and ln is not None and ln.value and line_qty:
                priority = needs[a.requirement_id].priority
                undelivered_eur[priority] += ln.value * lost_units[a.id] / line_qty
        for p in priorities:
            ids = [nid for nid, n in needs.items() if n.priority == p]
            b = sum((before[i] for i in ids), ZERO) / len(ids)
            f = sum((after[i] for i in ids), ZERO) / len(ids)
            rows.append(
                {
                    "donor": snap.donors[d].name,
                    "iso3": snap.donors[d].iso3,
                    "priority": p,
                    "needs": len(ids),
                    "needs_losing_cover": sum(1 for i in ids if after[i] < before[i]),
                    "coverage_before": round(b, 6),
                    "coverage_after": round(f, 6),
                    "coverage_lost": round(b - f, 6),
                    "undelivered_eur": _eur(undelivered_eur[p]),
                }
            )
    return rows
