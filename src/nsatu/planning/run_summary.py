"""What a plan run's summary shows, read from the run as stored: value against the greedy baseline,
coverage by priority, the unmet needs with their reasons, the load of every hub and leg per day
against its capacity, and the proposed allocations.

The figures are recomputed from the run's own ``problem`` and ``plan`` documents (unit weights,
transit days and capacities of the snapshot, never today's reference data), so a finished run
always reads the same. Only the names shown with it (a need's title, an offer's donor) and the
needs' priorities come from the database, through the problem index. Loads follow the contract of
docs/planner.md: a leg carries the tonnes *departing* on a day, a hub handles the tonnes *arriving*
on a day (nothing on a closed day).

Coverage is grouped by the needs' priority rather than by the plan's ``stats["by_weight"]``: the
weight per unit of a database need is its priority's weight spread over the need's units, so a
database run has about one weight class per need; the priority is the class people plan by.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.lifecycles import AllocationStatus
from nsatu.core.planner.plan import Plan, parse_plan
from nsatu.core.planner.problem import Id, Problem, ProblemError, parse_problem
from nsatu.db.models import Allocation, Nation, OfferLine, PlanRun, Requirement
from nsatu.errors import InvalidInput
from nsatu.planning.problem_export import ProblemIndex
from nsatu.shared.schemas import MAX_ID

#: A load within this share of its capacity counts as saturated (the checker's tolerance).
SATURATION_TOLERANCE = 1e-6
#: At most this many leg charts (the most loaded legs); the table lists every leg that carries.
LEG_CHARTS = 12


# --- the figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    """Units of the needs of one priority: needed, delivered on time, late, unmet."""

    label: str
    priority: int | None
    needed: int
    on_time: int
    late: int
    value: float

    @property
    def unmet(self) -> int:
        return max(0, self.needed - self.on_time - self.late)


@dataclass(frozen=True)
class UnmetNeed:
    need: str  # the problem's id: the requirement's reference
    requirement_id: int | None
    title: str | None
    priority: int | None
    quantity: int
    reasons: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class DayLoad:
    day: int
    date: dt.date
    tonnes: float
    capacity: float | None  # None: unlimited
    closed: bool = False

    @property
    def saturated(self) -> bool:
        if self.capacity is None:
            return False
        return self.tonnes > 0 and self.tonnes >= self.capacity - SATURATION_TOLERANCE * max(
            1.0, self.capacity
        )

    @property
    def utilisation(self) -> float | None:
        if self.capacity is None or self.capacity <= 0:
            return None
        return self.tonnes / self.capacity


@dataclass(frozen=True)
class Load:
    """Tonnes per day through one hub (arriving) or along one leg (departing)."""

    key: str
    name: str
    days: tuple[DayLoad, ...]

    @property
    def saturated_days(self) -> list[int]:
        return [d.day for d in self.days if d.saturated]

    @property
    def total(self) -> float:
        return sum(d.tonnes for d in self.days)

    @property
    def peak(self) -> float:
        """The highest utilisation of any day (the highest load when unlimited)."""
        shares = [u for d in self.days if (u := d.utilisation) is not None]
        return max(shares, default=0.0)

    @property
    def busy_days(self) -> list[DayLoad]:
        """The days with a load, or closed: what the table lists."""
        return [d for d in self.days if d.tonnes > 0 or d.closed]

    def chart(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "labels": [d.date.isoformat() for d in self.days],
            "tonnes": [round(d.tonnes, 3) for d in self.days],
            "capacity": [None if d.capacity is None else round(d.capacity, 3) for d in self.days],
            "saturated": [d.saturated for d in self.days],
        }


@dataclass(frozen=True)
class Proposal:
    allocation_id: int
    status: AllocationStatus
    quantity: Decimal
    offer_line_id: int
    offer_reference: str
    donor: str
    requirement_id: int
    need_reference: str
    need_title: str


@dataclass
class RunSummary:
    run: PlanRun
    value_vs_greedy: float | None  # percent more (or less) value than the greedy baseline
    coverage: list[CoverageRow] = field(default_factory=list)
    unmet: list[UnmetNeed] = field(default_factory=list)
    hubs: list[Load] = field(default_factory=list)
    legs: list[Load] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)

    @property
    def leg_charts(self) -> list[Load]:
        """The legs drawn as charts: the most loaded ones, busiest first."""
        return sorted(self.legs, key=lambda x: (-x.peak, -x.total, x.name))[:LEG_CHARTS]

    def charts(self) -> dict[str, Any]:
        """The charts' data, embedded in the page as JSON."""
        return {
            "coverage": {
                "labels": [row.label for row in self.coverage],
                "on_time": [row.on_time for row in self.coverage],
                "late": [row.late for row in self.coverage],
                "unmet": [row.unmet for row in self.coverage],
            },
            "hubs": [load.chart() for load in self.hubs],
            "legs": [load.chart() for load in self.leg_charts],
        }


def value_vs_greedy(objective: float | None, greedy: float | None) -> float | None:
    """How much more value (in percent of the baseline's) the run found than the greedy plan;
    ``None`` without both figures or when the baseline found no value to compare with."""
    if objective is None or greedy is None or abs(greedy) < 1e-9:
        return None
    return (objective - greedy) / abs(greedy) * 100.0


# --- pure computations over the documents -------------------------------------------------------


def _day(problem: Problem, day: int) -> dt.date:
    return problem.start_date + dt.timedelta(days=day)


def loads(problem: Problem, plan: Plan) -> tuple[list[Load], list[Load]]:
    """Hub loads (tonnes arriving per day, every hub of the problem) and leg loads (tonnes
    departing per day, every leg that carries something), in the problem's order."""
    horizon = problem.horizon_days
    weights = {t.id: t.unit_weight_t for t in problem.item_types}
    offers, needs, legs = problem.offer_by_id, problem.need_by_id, problem.leg_by_key
    hub_t: dict[Id, list[float]] = defaultdict(lambda: [0.0] * horizon)
    leg_t: dict[tuple[Id, Id, str], list[float]] = defaultdict(lambda: [0.0] * horizon)
    for s in plan.shipments:
        offer, need = offers.get(s.offer), needs.get(s.need)
        if offer is None or need is None:
            continue
        tonnes = s.quantity * weights.get(offer.item_type, 0.0)
        leg_in = legs.get((offer.origin, s.hub, s.mode_in))
        leg_out = legs.get((s.hub, need.handover, s.mode_out))
        for key, day in (
            ((offer.origin, s.hub, s.mode_in), s.depart_day),
            ((s.hub, need.handover, s.mode_out), s.hub_depart_day),
        ):
            if 0 <= day < horizon:
                leg_t[key][day] += tonnes
        if leg_in is not None and leg_out is not None:
            arrival = s.depart_day + leg_in.transit_days
            if 0 <= arrival < horizon:
                hub_t[s.hub][arrival] += tonnes
    hubs = problem.hub_by_site
    hub_loads = []
    for site in problem.sites:
        if site.kind != "hub":
            continue
        hub = hubs.get(site.id)
        arriving = hub_t.get(site.id, [0.0] * horizon)
        days = tuple(
            DayLoad(
                d,
                _day(problem, d),
                arriving[d],
                None if hub is None else hub.capacity_on(d),
                closed=hub is not None and d in hub.closed_days,
            )
            for d in range(horizon)
        )
        hub_loads.append(Load(str(site.id), str(site.id), days))
    leg_loads = []
    for leg in problem.legs:
        if leg.key not in leg_t:
            continue
        departing = leg_t[leg.key]
        days = tuple(
            DayLoad(d, _day(problem, d), departing[d], leg.capacity_t_per_day)
            for d in range(horizon)
        )
        name = f"{leg.from_site} → {leg.to_site} ({leg.mode})"
        leg_loads.append(Load(f"{leg.from_site}|{leg.to_site}|{leg.mode}", name, days))
    return hub_loads, leg_loads


def delivered(problem: Problem, plan: Plan) -> dict[Id, tuple[int, int, float]]:
    """Per need: units on time, units late, value."""
    offers, needs, legs = problem.offer_by_id, problem.need_by_id, problem.leg_by_key
    out: dict[Id, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for s in plan.shipments:
        offer, need = offers.get(s.offer), needs.get(s.need)
        leg_out = None if need is None else legs.get((s.hub, need.handover, s.mode_out))
        if offer is None or need is None or leg_out is None:
            continue
        arrival = s.hub_depart_day + leg_out.transit_days
        row = out[s.need]
        row[0 if arrival <= need.needed_by_day else 1] += s.quantity
        row[2] += s.quantity * problem.unit_value(need, offer.item_type, arrival)
    return {k: (int(v[0]), int(v[1]), float(v[2])) for k, v in out.items()}


def coverage(problem: Problem, plan: Plan, priority_of: Mapping[str, int]) -> list[CoverageRow]:
    """Units needed, on time, late (and so unmet) per priority, most urgent first; needs whose
    priority is unknown form a class of their own, last."""
    got = delivered(problem, plan)
    sums: dict[int | None, list[float]] = defaultdict(lambda: [0, 0, 0, 0.0])
    for need in problem.needs:
        on_time, late, value = got.get(need.id, (0, 0, 0.0))
        row = sums[priority_of.get(str(need.id))]
        row[0] += need.quantity
        row[1] += on_time
        row[2] += late
        row[3] += value
    order = sorted(sums, key=lambda p: (p is None, p or 0))
    return [
        CoverageRow(
            label="Unknown priority" if p is None else f"Priority {p}",
            priority=p,
            needed=int(sums[p][0]),
            on_time=int(sums[p][1]),
            late=int(sums[p][2]),
            value=float(sums[p][3]),
        )
        for p in order
    ]


# --- reading the database -------------------------------------------------------------------------


def _needs(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, int]]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(Requirement.id, Requirement.title, Requirement.priority).where(
            Requirement.id.in_(wanted)
        )
    )
    return {i: (title, priority) for i, title, priority in rows}


def proposals(session: Session, run_id: int) -> list[Proposal]:
    """The run's allocations (every status) with their offer line and need, by id."""
    rows = session.execute(
        select(
            Allocation,
            OfferLine.reference,
            Nation.code,
            Requirement.reference,
            Requirement.title,
        )
        .join(OfferLine, OfferLine.id == Allocation.offer_line_id)
        .join(Nation, Nation.id == OfferLine.donor_nation_id)
        .join(Requirement, Requirement.id == Allocation.requirement_id)
        .where(Allocation.plan_run_id == run_id)
        .order_by(Allocation.id)
    )
    return [
        Proposal(
            allocation_id=a.id,
            status=a.status,
            quantity=a.quantity,
            offer_line_id=a.offer_line_id,
            offer_reference=offer_ref,
            donor=donor,
            requirement_id=a.requirement_id,
            need_reference=need_ref,
            need_title=title,
        )
        for a, offer_ref, donor, need_ref, title in rows
    ]


def documents(run: PlanRun) -> tuple[Problem, Plan] | None:
    """The run's problem and plan, or ``None`` while it has no plan (or if they do not read)."""
    if run.plan is None:
        return None
    try:
        return parse_problem(run.problem), parse_plan(run.plan)
    except ProblemError:
        return None


def summarise(session: Session, run: PlanRun) -> RunSummary:
    """The summary of ``run`` (a run the caller may read; see :func:`runs.get_run`)."""
    summary = RunSummary(run, value_vs_greedy(run.objective, run.greedy_objective))
    summary.proposals = proposals(session, run.id)
    docs = documents(run)
    if docs is None:
        return summary
    problem, plan = docs
    index = ProblemIndex.from_json(run.problem_index)
    known = _needs(session, index.needs.values())
    priority_of = {ref: known[i][1] for ref, i in index.needs.items() if i in known}
    summary.coverage = coverage(problem, plan, priority_of)
    summary.unmet = _unmet(plan, index, known)
    summary.hubs, summary.legs = loads(problem, plan)
    return summary


def _unmet(
    plan: Plan, index: ProblemIndex, known: Mapping[int, tuple[str, int]]
) -> list[UnmetNeed]:
    out = []
    for u in plan.unmet:
        if u.quantity <= 0:
            continue
        rid = index.needs.get(str(u.need))
        title, priority = known.get(rid, (None, None)) if rid is not None else (None, None)
        out.append(
            UnmetNeed(
                need=str(u.need),
                requirement_id=rid,
                title=title,
                priority=priority,
                quantity=u.quantity,
                reasons=tuple(r.to_json() for r in u.reasons),
            )
        )
    out.sort(key=lambda x: (x.priority is None, x.priority or 0, x.need))
    return out


def selected_ids(raw: Sequence[str]) -> list[int]:
    """The allocation ids ticked on the page (its ``allocation_ids`` fields).

    Raises:
        InvalidInput: naming ``allocation_ids`` and the first value that is not a row id, or
            when nothing is ticked (422).
    """
    out = []
    for value in raw:
        text = value.strip()
        if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
            raise InvalidInput(
                f"allocation_ids: {value[:40]!r} is not an allocation id", field="allocation_ids"
            )
        out.append(int(text))
    if not out:
        raise InvalidInput("allocation_ids: tick at least one proposal", field="allocation_ids")
    return out
