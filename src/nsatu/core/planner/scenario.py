"""What-if scenarios: named lists of changes applied to a planning problem, and their reports.

A :class:`Scenario` is a name and a tuple of changes — :class:`WithdrawDonor`, :class:`CloseHub`,
:class:`Delay`, :class:`ScaleLeg`, :class:`ScaleHub`, :class:`AddOffers` — each a frozen dataclass
that reads from and writes to JSON (``nsatu-plan-scenario/1``; :func:`parse_scenario` names every
field it refuses). :func:`apply` derives the changed :class:`Problem` (the original is untouched;
``dataclasses.replace`` keeps everything not changed). :func:`compare` sets a baseline plan and the
changed problem's plan side by side: coverage per priority (weight class), the needs that lose
cover with the changed plan's reasons, donors who could backfill them, and the value lost.

Everything is deterministic: changes apply in order, and every list in a report has a total order.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from nsatu.core.planner.plan import Plan, Reason
from nsatu.core.planner.problem import Hub, Id, Need, Offer, Problem, ProblemError

SCENARIO_FORMAT = "nsatu-plan-scenario/1"

#: Backfill candidates listed per need that loses cover.
MAX_CANDIDATES = 5


class ScenarioError(ProblemError):
    """A scenario that is malformed, or does not fit the problem it is applied to.

    ``errors`` holds ``(field path, message)``, e.g. ``("changes[1].hub", "unknown hub 'H9'")``.
    """

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        super().__init__(errors)
        shown = "; ".join(f"{path}: {message}" for path, message in self.errors[:20])
        self.args = (f"invalid scenario: {shown}",)


# -- the changes -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WithdrawDonor:
    """Remove every offer of ``donor`` (in a problem, every offer is still undelivered)."""

    donor: str
    kind: ClassVar[str] = "withdraw_donor"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "donor": self.donor}

    def describe(self) -> str:
        return f"withdraw donor {self.donor}"


@dataclass(frozen=True, slots=True)
class CloseHub:
    """Close ``hub`` on ``days`` (it handles no arrivals then; it still holds and dispatches)."""

    hub: Id
    days: tuple[int, ...]
    kind: ClassVar[str] = "close_hub"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "hub": self.hub, "days": list(self.days)}

    def describe(self) -> str:
        return f"close hub {self.hub} on days {format_days(self.days)}"


@dataclass(frozen=True, slots=True)
class Delay:
    """Shift ``available_day`` by ``days`` for the offers of ``donor`` and/or from ``origin``
    (both ``None``: every offer)."""

    days: int
    donor: str | None = None
    origin: Id | None = None
    kind: ClassVar[str] = "delay"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "donor": self.donor, "origin": self.origin, "days": self.days}

    def describe(self) -> str:
        which = [f"donor {self.donor}"] if self.donor is not None else []
        which += [f"origin {self.origin}"] if self.origin is not None else []
        return f"delay {' and '.join(which) or 'every offer'} by {self.days} day(s)"


@dataclass(frozen=True, slots=True)
class ScaleLeg:
    """Multiply the daily capacity of the leg ``from_site → to_site`` by ``mode`` by ``factor``."""

    from_site: Id
    to_site: Id
    mode: str
    factor: float
    kind: ClassVar[str] = "scale_leg"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "from": self.from_site,
            "to": self.to_site,
            "mode": self.mode,
            "factor": self.factor,
        }

    def describe(self) -> str:
        return f"scale leg {self.from_site} → {self.to_site} by {self.mode} ×{self.factor:g}"


@dataclass(frozen=True, slots=True)
class ScaleHub:
    """Multiply the daily handling capacity of ``hub`` by ``factor``."""

    hub: Id
    factor: float
    kind: ClassVar[str] = "scale_hub"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "hub": self.hub, "factor": self.factor}

    def describe(self) -> str:
        return f"scale hub {self.hub} ×{self.factor:g}"


@dataclass(frozen=True, slots=True)
class AddOffers:
    """Add new offers (their ids must be new to the problem)."""

    offers: tuple[Offer, ...]
    kind: ClassVar[str] = "add_offers"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "offers": [_offer_json(o) for o in self.offers]}

    def describe(self) -> str:
        units = sum(o.quantity for o in self.offers)
        return f"add {len(self.offers)} offer(s), {units:,} units"


Change = WithdrawDonor | CloseHub | Delay | ScaleLeg | ScaleHub | AddOffers


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named list of changes, applied in order."""

    name: str
    changes: tuple[Change, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": SCENARIO_FORMAT,
            "name": self.name,
            "changes": [c.to_json() for c in self.changes],
        }

    def key(self) -> str:
        """A short stable digest of the changes (not the name): a file-name-safe cache key."""
        text = json.dumps(
            [c.to_json() for c in self.changes], sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def describe(self) -> str:
        return "; ".join(c.describe() for c in self.changes) or "no change"


# -- constructors (the names the what-if engine speaks) -----------------------------------------


def withdraw_donor(donor: str) -> WithdrawDonor:
    return WithdrawDonor(donor)


def close_hub(hub: Id, days: Iterable[int]) -> CloseHub:
    """``days`` may be a list or a ``range``; duplicates are dropped and the days sorted."""
    return CloseHub(hub, tuple(sorted(set(days))))


def delay(donor: str | None = None, origin: Id | None = None, *, days: int) -> Delay:
    return Delay(days=days, donor=donor, origin=origin)


def scale_leg(from_site: Id, to_site: Id, mode: str, factor: float) -> ScaleLeg:
    return ScaleLeg(from_site, to_site, mode, float(factor))


def scale_hub(hub: Id, factor: float) -> ScaleHub:
    return ScaleHub(hub, float(factor))


def add_offers(offers: Iterable[Offer]) -> AddOffers:
    return AddOffers(tuple(offers))


def scenario(name: str, *changes: Change) -> Scenario:
    return Scenario(name, tuple(changes))


def format_days(days: Sequence[int]) -> str:
    """``[3, 4, 5, 7]`` → ``"3–5, 7"``."""
    out: list[str] = []
    ordered = sorted(set(days))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        out.append(str(ordered[i]) if i == j else f"{ordered[i]}–{ordered[j]}")
        i = j + 1
    return ", ".join(out)


# -- applying ----------------------------------------------------------------------------------


def apply(problem: Problem, scenario: Scenario) -> Problem:
    """The problem with every change of ``scenario`` applied, in order.

    Args:
        problem: the baseline problem (left unchanged).
        scenario: the changes.

    Returns:
        A new :class:`Problem`; parts no change touches are shared with ``problem``.

    Raises:
        ScenarioError: a change names something the problem does not have (a donor without
            offers, an unknown hub or leg, an offer id already taken …), or would make the problem
            break its contract. Every such error is collected, each with its field path.
    """
    errors: list[tuple[str, str]] = []
    changed = problem
    for i, change in enumerate(scenario.changes):
        changed = _apply_one(changed, change, f"changes[{i}]", errors)
    if errors:
        raise ScenarioError(errors)
    return changed


def _apply_one(  # noqa: PLR0912 - one branch per kind of change reads best
    problem: Problem, change: Change, path: str, errors: list[tuple[str, str]]
) -> Problem:
    if isinstance(change, WithdrawDonor):
        kept = tuple(o for o in problem.offers if o.donor != change.donor)
        if len(kept) == len(problem.offers):
            errors.append((f"{path}.donor", f"no offer from donor {change.donor!r}"))
            return problem
        return replace(problem, offers=kept)

    if isinstance(change, CloseHub):
        if not _is_hub(problem, change.hub, f"{path}.hub", errors):
            return problem
        days = frozenset(d for d in change.days if 0 <= d < problem.horizon_days)
        hub = problem.hub_by_site.get(change.hub)
        if hub is None:  # an unlimited hub: no day can receive more than everything offered
            hub = Hub(change.hub, _everything_offered_t(problem))
            hubs = (*problem.hubs, replace(hub, closed_days=days))
        else:
            hubs = tuple(
                replace(h, closed_days=h.closed_days | days) if h.site == change.hub else h
                for h in problem.hubs
            )
        return replace(problem, hubs=hubs)

    if isinstance(change, Delay):
        if change.donor is None and change.origin is None:
            return replace(
                problem,
                offers=tuple(
                    replace(o, available_day=o.available_day + change.days) for o in problem.offers
                ),
            )
        offers = tuple(
            replace(o, available_day=o.available_day + change.days) if _delayed(o, change) else o
            for o in problem.offers
        )
        if all(not _delayed(o, change) for o in problem.offers):
            field_name = "donor" if change.donor is not None else "origin"
            errors.append((f"{path}.{field_name}", f"no offer matches: {change.describe()}"))
            return problem
        return replace(problem, offers=offers)

    if isinstance(change, ScaleLeg):
        key = (change.from_site, change.to_site, change.mode)
        if key not in problem.leg_by_key:
            errors.append(
                (
                    path,
                    f"no leg {change.from_site!r} → {change.to_site!r} by {change.mode!r}",
                )
            )
            return problem
        legs = tuple(
            replace(leg, capacity_t_per_day=leg.capacity_t_per_day * change.factor)
            if leg.key == key
            else leg
            for leg in problem.legs
        )
        return replace(problem, legs=legs)

    if isinstance(change, ScaleHub):
        if not _is_hub(problem, change.hub, f"{path}.hub", errors):
            return problem
        if change.hub not in problem.hub_by_site:
            errors.append(
                (f"{path}.hub", f"hub {change.hub!r} has unlimited capacity; it cannot be scaled")
            )
            return problem
        hubs = tuple(
            replace(h, handling_capacity_t_per_day=h.handling_capacity_t_per_day * change.factor)
            if h.site == change.hub
            else h
            for h in problem.hubs
        )
        return replace(problem, hubs=hubs)

    # AddOffers
    taken = set(problem.offer_by_id)
    for j, offer in enumerate(change.offers):
        opath = f"{path}.offers[{j}]"
        if offer.id in taken:
            errors.append((f"{opath}.id", f"duplicate offer id {offer.id!r}"))
        taken.add(offer.id)
        if offer.item_type not in problem.item_type_by_id:
            errors.append((f"{opath}.item_type", f"unknown item type {offer.item_type!r}"))
        site = problem.site_by_id.get(offer.origin)
        if site is None or site.kind != "depot":
            what = "unknown site" if site is None else f"a {site.kind} site, not a depot:"
            errors.append((f"{opath}.origin", f"{what} {offer.origin!r}"))
    return replace(problem, offers=(*problem.offers, *change.offers))


def _delayed(offer: Offer, change: Delay) -> bool:
    return (change.donor is None or offer.donor == change.donor) and (
        change.origin is None or offer.origin == change.origin
    )


def _is_hub(problem: Problem, site: Id, path: str, errors: list[tuple[str, str]]) -> bool:
    found = problem.site_by_id.get(site)
    if found is None or found.kind != "hub":
        errors.append(
            (
                path,
                f"unknown hub {site!r}"
                if found is None
                else f"{site!r} is a {found.kind} site, not a hub",
            )
        )
        return False
    return True


def _everything_offered_t(problem: Problem) -> float:
    weights = problem.item_type_by_id
    return float(sum(o.quantity * weights[o.item_type].unit_weight_t for o in problem.offers)) + 1.0


# -- parsing -----------------------------------------------------------------------------------


def parse_scenario(document: Any) -> Scenario:
    """Read a decoded ``nsatu-plan-scenario/1`` document; raise :class:`ScenarioError`.

    Only the shape is checked here; whether the changes fit a problem is :func:`apply`'s job.
    """
    errors: list[tuple[str, str]] = []
    if not isinstance(document, Mapping):
        raise ScenarioError([("$", "a scenario must be a JSON object")])
    fmt = document.get("format", SCENARIO_FORMAT)
    if fmt != SCENARIO_FORMAT:
        errors.append(("format", f"must be {SCENARIO_FORMAT!r}, not {fmt!r}"))
    name = document.get("name", "")
    if not isinstance(name, str):
        errors.append(("name", "must be a string"))
        name = ""
    raw_changes = document.get("changes")
    changes: list[Change] = []
    if not isinstance(raw_changes, list):
        errors.append(("changes", "must be an array of changes"))
        raw_changes = []
    for i, raw in enumerate(raw_changes):
        change = parse_change(raw, f"changes[{i}]", errors)
        if change is not None:
            changes.append(change)
    if errors:
        raise ScenarioError(errors)
    return Scenario(name, tuple(changes))


def load_scenario(text: str) -> Scenario:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError([(f"line {exc.lineno} column {exc.colno}", exc.msg)]) from exc
    return parse_scenario(document)


_KINDS = ("withdraw_donor", "close_hub", "delay", "scale_leg", "scale_hub", "add_offers")


def parse_change(raw: Any, path: str, errors: list[tuple[str, str]]) -> Change | None:
    """One change from JSON, or ``None`` after adding its errors (with ``path``) to ``errors``."""
    if not isinstance(raw, Mapping):
        errors.append((path, "must be an object"))
        return None
    kind = raw.get("kind")
    before = len(errors)
    f = _Fields(raw, path, errors)
    change: Change | None
    if kind == "withdraw_donor":
        change = WithdrawDonor(f.text("donor"))
    elif kind == "close_hub":
        days = f.days("days")
        change = CloseHub(f.ident("hub"), tuple(sorted(set(days))))
    elif kind == "delay":
        donor = f.text("donor", optional=True)
        origin = f.optional_ident("origin")
        change = Delay(days=f.integer("days"), donor=donor or None, origin=origin)
    elif kind == "scale_leg":
        change = ScaleLeg(f.ident("from"), f.ident("to"), f.text("mode"), f.factor("factor"))
    elif kind == "scale_hub":
        change = ScaleHub(f.ident("hub"), f.factor("factor"))
    elif kind == "add_offers":
        change = AddOffers(f.offers("offers"))
    else:
        errors.append((f"{path}.kind", f"must be one of {', '.join(_KINDS)}, not {kind!r}"))
        return None
    return change if len(errors) == before else None


class _Fields:
    """Reads the fields of one change, recording errors with their paths."""

    def __init__(self, raw: Mapping[str, Any], path: str, errors: list[tuple[str, str]]) -> None:
        self.raw, self.path, self.errors = raw, path, errors

    def _fail(self, key: str, message: str) -> None:
        self.errors.append((f"{self.path}.{key}", message))

    def text(self, key: str, *, optional: bool = False) -> str:
        value = self.raw.get(key)
        if value is None and optional:
            return ""
        if not isinstance(value, str) or not value.strip():
            self._fail(key, "is required" if value is None else "must be a non-empty string")
            return ""
        return value

    def optional_ident(self, key: str) -> Id | None:
        return None if self.raw.get(key) is None else self.ident(key)

    def ident(self, key: str) -> Id:
        value = self.raw.get(key)
        if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
            self._fail(key, "is required" if value is None else "must be a string or an integer id")
            return ""
        return value

    def integer(self, key: str) -> int:
        value = self.raw.get(key)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self._fail(
                key, "is required" if value is None else f"must be an integer, not {value!r}"
            )
            return 0
        return value

    def factor(self, key: str) -> float:
        value = self.raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self._fail(key, "is required" if value is None else f"must be a number, not {value!r}")
            return 1.0
        if not math.isfinite(value) or value < 0:
            self._fail(key, f"must be a finite number ≥ 0, not {value!r}")
            return 1.0
        return float(value)

    def days(self, key: str) -> list[int]:
        value = self.raw.get(key)
        if not isinstance(value, list) or not value:
            self._fail(key, "is required" if value is None else "must be a non-empty array of days")
            return []
        out: list[int] = []
        for j, day in enumerate(value):
            if isinstance(day, float) and day.is_integer():
                day = int(day)  # noqa: PLW2901 - 3.0 is day 3
            if isinstance(day, bool) or not isinstance(day, int):
                self._fail(f"{key}[{j}]", f"must be an integer day, not {day!r}")
            else:
                out.append(day)
        return out

    def offers(self, key: str) -> tuple[Offer, ...]:
        value = self.raw.get(key)
        if not isinstance(value, list) or not value:
            self._fail(key, "is required" if value is None else "must be a non-empty array")
            return ()
        out: list[Offer] = []
        for j, raw in enumerate(value):
            offer = parse_offer(raw, f"{self.path}.{key}[{j}]", self.errors)
            if offer is not None:
                out.append(offer)
        return tuple(out)


def parse_offer(raw: Any, path: str, errors: list[tuple[str, str]]) -> Offer | None:
    """One offer in the problem format's shape (cross-references are checked by :func:`apply`)."""
    if not isinstance(raw, Mapping):
        errors.append((path, "must be an object"))
        return None
    before = len(errors)
    f = _Fields(raw, path, errors)
    ident = f.ident("id")
    donor = f.text("donor")
    item_type = f.ident("item_type")
    quantity = f.integer("quantity")
    if quantity < 0:
        errors.append((f"{path}.quantity", f"must be ≥ 0, not {quantity}"))
    available = f.integer("available_day")
    origin = f.ident("origin")
    if len(errors) != before:
        return None
    return Offer(ident, donor, item_type, quantity, available, origin)


def _offer_json(o: Offer) -> dict[str, Any]:
    return {
        "id": o.id,
        "donor": o.donor,
        "item_type": o.item_type,
        "quantity": o.quantity,
        "available_day": o.available_day,
        "origin": o.origin,
    }


# -- comparing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassCoverage:
    """Units needed and delivered (on time, late) and their value in one weight class."""

    weight: float
    needed: int
    baseline_on_time: int
    baseline_late: int
    baseline_value: float
    scenario_on_time: int
    scenario_late: int
    scenario_value: float

    @property
    def on_time_delta(self) -> int:
        return self.scenario_on_time - self.baseline_on_time

    @property
    def late_delta(self) -> int:
        return self.scenario_late - self.baseline_late

    @property
    def value_delta(self) -> float:
        return self.scenario_value - self.baseline_value

    def to_json(self) -> dict[str, Any]:
        return {
            "weight": self.weight,
            "needed": self.needed,
            "baseline": {
                "on_time": self.baseline_on_time,
                "late": self.baseline_late,
                "value": self.baseline_value,
            },
            "scenario": {
                "on_time": self.scenario_on_time,
                "late": self.scenario_late,
                "value": self.scenario_value,
            },
            "delta": {
                "on_time": self.on_time_delta,
                "late": self.late_delta,
                "value": self.value_delta,
            },
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    """A donor that offered item types acceptable for a need (in the baseline problem)."""

    donor: str
    quantity: int
    """Compatible units the donor offered."""
    preferred: int
    """Of which of the need's preferred item type."""
    offers: tuple[Id, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "donor": self.donor,
            "quantity": self.quantity,
            "preferred": self.preferred,
            "offers": list(self.offers),
        }


@dataclass(frozen=True, slots=True)
class LostNeed:
    """A need that receives fewer units, or fewer on time, in the scenario's plan."""

    need: Id
    weight: float
    quantity: int
    baseline_units: int
    scenario_units: int
    baseline_on_time: int
    scenario_on_time: int
    value_lost: float
    reasons: tuple[Reason, ...]
    candidates: tuple[Candidate, ...]

    @property
    def units_lost(self) -> int:
        return self.baseline_units - self.scenario_units

    @property
    def on_time_lost(self) -> int:
        return self.baseline_on_time - self.scenario_on_time

    def to_json(self) -> dict[str, Any]:
        return {
            "need": self.need,
            "weight": self.weight,
            "quantity": self.quantity,
            "baseline_units": self.baseline_units,
            "scenario_units": self.scenario_units,
            "units_lost": self.units_lost,
            "on_time_lost": self.on_time_lost,
            "value_lost": self.value_lost,
            "reasons": [r.to_json() for r in self.reasons],
            "candidates": [c.to_json() for c in self.candidates],
        }


@dataclass(frozen=True, slots=True)
class ScenarioReport:
    """The scenario's plan set against the baseline's."""

    scenario: str
    coverage: tuple[ClassCoverage, ...]
    lost: tuple[LostNeed, ...]
    baseline_value: float
    scenario_value: float
    baseline_objective: float
    scenario_objective: float
    withdrawn_donors: tuple[str, ...] = ()
    stats: Mapping[str, Any] = field(default_factory=dict)

    @property
    def value_lost(self) -> float:
        """Value the scenario loses (negative when it gains)."""
        return self.baseline_value - self.scenario_value

    @property
    def value_lost_pct(self) -> float:
        """``value_lost`` as a percentage of the baseline's value (0 when that is 0)."""
        return 100.0 * self.value_lost / self.baseline_value if self.baseline_value else 0.0

    @property
    def units_lost(self) -> int:
        return sum(max(0, n.units_lost) for n in self.lost)

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "baseline_value": self.baseline_value,
            "scenario_value": self.scenario_value,
            "value_lost": self.value_lost,
            "value_lost_pct": self.value_lost_pct,
            "baseline_objective": self.baseline_objective,
            "scenario_objective": self.scenario_objective,
            "units_lost": self.units_lost,
            "withdrawn_donors": list(self.withdrawn_donors),
            "coverage": [c.to_json() for c in self.coverage],
            "lost": [n.to_json() for n in self.lost],
            "stats": dict(self.stats),
        }


@dataclass(slots=True)
class _Delivered:
    units: int = 0
    on_time: int = 0
    late: int = 0
    value: float = 0.0


def delivered_by_need(problem: Problem, plan: Plan) -> dict[Id, _Delivered]:
    """Units delivered (on time, late) and their value per need, recomputed from the shipments.

    Shipments naming an offer, need or leg the problem does not have earn nothing (the checker
    reports them); the plan's own ``stats`` are not trusted, so a plan read from a file works.
    """
    out: dict[Id, _Delivered] = {n.id: _Delivered() for n in problem.needs}
    offers, needs, legs = problem.offer_by_id, problem.need_by_id, problem.leg_by_key
    for s in plan.shipments:
        offer, need = offers.get(s.offer), needs.get(s.need)
        if offer is None or need is None or s.quantity <= 0:
            continue
        leg_out = legs.get((s.hub, need.handover, s.mode_out))
        if leg_out is None or offer.item_type not in need.acceptable_item_types:
            continue
        arrival = s.hub_depart_day + leg_out.transit_days
        row = out[need.id]
        row.units += s.quantity
        if arrival <= need.needed_by_day:
            row.on_time += s.quantity
        else:
            row.late += s.quantity
        row.value += s.quantity * problem.unit_value(need, offer.item_type, arrival)
    return out


def compare(
    problem: Problem,
    baseline: Plan,
    changed_problem: Problem,
    changed: Plan,
    *,
    name: str = "",
    max_candidates: int = MAX_CANDIDATES,
) -> ScenarioReport:
    """Set the changed problem's plan against the baseline plan.

    Args:
        problem: the baseline problem.
        baseline: a plan of ``problem``.
        changed_problem: the problem after the scenario's changes (:func:`apply`).
        changed: a plan of ``changed_problem``.
        name: the scenario's name, carried into the report.
        max_candidates: backfill candidates listed per need that loses cover.

    Returns:
        A :class:`ScenarioReport`: coverage per weight class (highest first), the needs that lose
        units or on-time units (most value lost first, then in problem order) with the changed
        plan's unmet reasons and the donors who could backfill them, and the value lost.
        A donor with offers in ``problem`` but none in ``changed_problem`` counts as withdrawn and
        is never a candidate.
    """
    before = delivered_by_need(problem, baseline)
    after = delivered_by_need(changed_problem, changed)
    needs = _needs_of(problem, changed_problem)

    classes: dict[float, list[Need]] = defaultdict(list)
    for need in needs:
        classes[need.weight].append(need)
    coverage = tuple(
        ClassCoverage(
            weight=w,
            needed=sum(n.quantity for n in classes[w]),
            baseline_on_time=sum(before[n.id].on_time for n in classes[w] if n.id in before),
            baseline_late=sum(before[n.id].late for n in classes[w] if n.id in before),
            baseline_value=sum(before[n.id].value for n in classes[w] if n.id in before),
            scenario_on_time=sum(after[n.id].on_time for n in classes[w] if n.id in after),
            scenario_late=sum(after[n.id].late for n in classes[w] if n.id in after),
            scenario_value=sum(after[n.id].value for n in classes[w] if n.id in after),
        )
        for w in sorted(classes, reverse=True)
    )

    withdrawn = tuple(
        sorted({o.donor for o in problem.offers} - {o.donor for o in changed_problem.offers})
    )
    reasons = {u.need: u.reasons for u in changed.unmet}
    lost: list[tuple[int, LostNeed]] = []
    for order, need in enumerate(needs):
        b, a = before.get(need.id, _Delivered()), after.get(need.id, _Delivered())
        if a.units >= b.units and a.on_time >= b.on_time:
            continue
        lost.append(
            (
                order,
                LostNeed(
                    need=need.id,
                    weight=need.weight,
                    quantity=need.quantity,
                    baseline_units=b.units,
                    scenario_units=a.units,
                    baseline_on_time=b.on_time,
                    scenario_on_time=a.on_time,
                    value_lost=b.value - a.value,
                    reasons=reasons.get(need.id, ()),
                    candidates=backfill_candidates(
                        problem, need, exclude=withdrawn, limit=max_candidates
                    ),
                ),
            )
        )
    lost.sort(key=lambda item: (-item[1].value_lost, item[0]))
    baseline_value = sum(c.baseline_value for c in coverage)
    scenario_value = sum(c.scenario_value for c in coverage)
    return ScenarioReport(
        scenario=name,
        coverage=coverage,
        lost=tuple(n for _, n in lost),
        baseline_value=baseline_value,
        scenario_value=scenario_value,
        baseline_objective=baseline.objective,
        scenario_objective=changed.objective,
        withdrawn_donors=withdrawn,
        stats={
            "baseline_status": baseline.status,
            "scenario_status": changed.status,
            "scenario_gap": changed.gap,
        },
    )


def _needs_of(problem: Problem, changed_problem: Problem) -> list[Need]:
    """The needs of both problems, in the baseline's order (changes never touch needs today)."""
    seen = problem.need_by_id
    return [*problem.needs, *(n for n in changed_problem.needs if n.id not in seen)]


def backfill_candidates(
    problem: Problem,
    need: Need,
    *,
    exclude: Iterable[str] = (),
    limit: int = MAX_CANDIDATES,
) -> tuple[Candidate, ...]:
    """Donors that offered item types acceptable for ``need`` in ``problem``.

    Ranked by compatible quantity offered (most first), then units of the preferred type, then
    donor name; donors in ``exclude`` (e.g. the one withdrawn) are left out.
    """
    excluded = set(exclude)
    acceptable = set(need.acceptable_item_types)
    quantity: dict[str, int] = defaultdict(int)
    preferred: dict[str, int] = defaultdict(int)
    offers: dict[str, list[Id]] = defaultdict(list)
    for o in problem.offers:
        if o.donor in excluded or o.item_type not in acceptable or o.quantity <= 0:
            continue
        quantity[o.donor] += o.quantity
        offers[o.donor].append(o.id)
        if o.item_type == need.preferred_item_type:
            preferred[o.donor] += o.quantity
    ranked = sorted(quantity, key=lambda d: (-quantity[d], -preferred[d], d))
    return tuple(Candidate(d, quantity[d], preferred[d], tuple(offers[d])) for d in ranked[:limit])
