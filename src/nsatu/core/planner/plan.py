"""The result of planning: ``nsatu-plan/1`` documents and their dataclasses.

A plan lists shipments (``quantity`` units of one offer for one need, along one route and on
fixed days), the unmet quantity of every need with its reasons, and the solver's figures:
``objective`` (recomputed from the shipments), ``bound`` (the best proven upper bound) and
``gap`` = (bound − objective) / max(1, |bound|).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from nsatu.core.planner.problem import Id, Problem, ProblemError

PLAN_FORMAT = "nsatu-plan/1"

Status = Literal["optimal", "feasible", "infeasible", "time_limit", "error"]

ReasonCode = Literal[
    "no_compatible_offer",
    "offers_too_late",
    "capacity",
    "outranked",
    "no_route",
    "all_or_nothing",
    "cost",
]
REASON_CODES: tuple[ReasonCode, ...] = get_args(ReasonCode)
STATUSES: tuple[Status, ...] = get_args(Status)


@dataclass(frozen=True, slots=True)
class Shipment:
    offer: Id
    need: Id
    quantity: int
    hub: Id
    mode_in: str
    depart_day: int
    mode_out: str
    hub_depart_day: int


@dataclass(frozen=True, slots=True)
class Reason:
    """Why (part of) a need is unmet. ``details`` carries the evidence: names of legs, hubs, days,
    offers or the needs that outrank it."""

    code: ReasonCode
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": dict(self.details)}


@dataclass(frozen=True, slots=True)
class Unmet:
    need: Id
    quantity: int
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    status: Status
    objective: float
    bound: float
    gap: float
    shipments: tuple[Shipment, ...]
    unmet: tuple[Unmet, ...] = ()
    stats: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": PLAN_FORMAT,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "shipments": [
                {
                    "offer": s.offer,
                    "need": s.need,
                    "quantity": s.quantity,
                    "hub": s.hub,
                    "mode_in": s.mode_in,
                    "depart_day": s.depart_day,
                    "mode_out": s.mode_out,
                    "hub_depart_day": s.hub_depart_day,
                }
                for s in self.shipments
            ],
            "unmet": [
                {
                    "need": u.need,
                    "quantity": u.quantity,
                    "reasons": [r.to_json() for r in u.reasons],
                }
                for u in self.unmet
            ],
            "stats": dict(self.stats),
        }


def value_and_cost(problem: Problem, shipments: Iterable[Shipment]) -> tuple[float, float]:
    """Total value of ``shipments`` and their transport cost weighted by ``cost_weight``."""
    legs, needs, offers = problem.leg_by_key, problem.need_by_id, problem.offer_by_id
    types = problem.item_type_by_id
    value = cost = 0.0
    for s in shipments:
        need, offer = needs[s.need], offers[s.offer]
        leg_in = legs[(offer.origin, s.hub, s.mode_in)]
        leg_out = legs[(s.hub, need.handover, s.mode_out)]
        arrival = s.hub_depart_day + leg_out.transit_days
        value += s.quantity * problem.unit_value(need, offer.item_type, arrival)
        tonnes = s.quantity * types[offer.item_type].unit_weight_t
        cost += tonnes * (leg_in.cost_per_t + leg_out.cost_per_t)
    return value, problem.values.cost_weight * cost


def relative_gap(objective: float, bound: float) -> float:
    """(bound − objective) / max(1, |bound|), never negative."""
    return max(0.0, bound - objective) / max(1.0, abs(bound))


_SHIPMENT_INT = ("quantity", "depart_day", "hub_depart_day")


def parse_plan(document: Any) -> Plan:  # noqa: PLR0912 - one branch per field keeps messages exact
    """Read a ``nsatu-plan/1`` document; raise :class:`ProblemError` naming the field.

    Only the shape is checked here; whether the plan keeps every limit is the checker's job.
    """
    errors: list[tuple[str, str]] = []
    if not isinstance(document, Mapping):
        raise ProblemError([("$", "a plan must be a JSON object")])
    if document.get("format") != PLAN_FORMAT:
        errors.append(("format", f"must be {PLAN_FORMAT!r}, not {document.get('format')!r}"))
    shipments: list[Shipment] = []
    raw_shipments = document.get("shipments")
    if not isinstance(raw_shipments, list):
        errors.append(("shipments", "must be an array"))
        raw_shipments = []
    for i, raw in enumerate(raw_shipments):
        path = f"shipments[{i}]"
        if not isinstance(raw, Mapping):
            errors.append((path, "must be an object"))
            continue
        ok = True
        for key in ("offer", "need", "hub"):
            value = raw.get(key)
            if isinstance(value, bool) or not isinstance(value, str | int):
                errors.append((f"{path}.{key}", "must be a string or an integer id"))
                ok = False
        for key in ("mode_in", "mode_out"):
            if not isinstance(raw.get(key), str):
                errors.append((f"{path}.{key}", "must be a string"))
                ok = False
        for key in _SHIPMENT_INT:
            value = raw.get(key)
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int):
                errors.append((f"{path}.{key}", f"must be an integer, not {value!r}"))
                ok = False
        if ok:
            shipments.append(
                Shipment(
                    offer=raw["offer"],
                    need=raw["need"],
                    quantity=int(raw["quantity"]),
                    hub=raw["hub"],
                    mode_in=raw["mode_in"],
                    depart_day=int(raw["depart_day"]),
                    mode_out=raw["mode_out"],
                    hub_depart_day=int(raw["hub_depart_day"]),
                )
            )
    numbers: dict[str, float] = {}
    for key in ("objective", "bound", "gap"):
        value = document.get(key, 0.0)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            errors.append((key, "must be a finite number"))
            value = 0.0
        numbers[key] = float(value)
    status = document.get("status", "feasible")
    if status not in STATUSES:
        errors.append(("status", f"must be one of {', '.join(STATUSES)}, not {status!r}"))
    unmet = _parse_unmet(document.get("unmet", []), errors)
    if errors:
        raise ProblemError(errors)
    stats = document.get("stats")
    return Plan(
        status=status,
        objective=numbers["objective"],
        bound=numbers["bound"],
        gap=numbers["gap"],
        shipments=tuple(shipments),
        unmet=unmet,
        stats=dict(stats) if isinstance(stats, Mapping) else {},
    )


def _parse_unmet(raw: Any, errors: list[tuple[str, str]]) -> tuple[Unmet, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        errors.append(("unmet", "must be an array"))
        return ()
    out: list[Unmet] = []
    for i, item in enumerate(raw):
        path = f"unmet[{i}]"
        if not isinstance(item, Mapping):
            errors.append((path, "must be an object"))
            continue
        need = item.get("need")
        quantity = item.get("quantity")
        if isinstance(need, bool) or not isinstance(need, str | int):
            errors.append((f"{path}.need", "must be a string or an integer id"))
            continue
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            errors.append((f"{path}.quantity", f"must be an integer, not {quantity!r}"))
            continue
        reasons: list[Reason] = []
        raw_reasons = item.get("reasons", [])
        if not isinstance(raw_reasons, list):
            errors.append((f"{path}.reasons", "must be an array"))
            raw_reasons = []
        for j, r in enumerate(raw_reasons):
            rpath = f"{path}.reasons[{j}]"
            code = r.get("code") if isinstance(r, Mapping) else None
            if code not in REASON_CODES:
                errors.append((f"{rpath}.code", f"must be one of {', '.join(REASON_CODES)}"))
                continue
            details = r.get("details") or {}
            if not isinstance(details, Mapping):
                errors.append((f"{rpath}.details", "must be an object"))
                continue
            reasons.append(Reason(code, str(r.get("message", "")), dict(details)))
        out.append(Unmet(need, quantity, tuple(reasons)))
    return tuple(out)


def load_plan(text: str) -> Plan:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemError([(f"line {exc.lineno} column {exc.colno}", exc.msg)]) from exc
    return parse_plan(document)
