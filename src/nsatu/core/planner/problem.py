"""The planning problem: frozen dataclasses read from ``nsatu-plan-problem/1`` JSON.

:func:`parse_problem` validates a decoded JSON document and names every field it refuses
(``offers[3].origin: 'DEP-X' is not a depot site``). Ids may be strings or integers and are kept as
given, so a plan refers to the same ids as its problem. Unknown keys are ignored, so a newer writer
can add fields without breaking an older reader.

Conventions the contract leaves open, fixed here and documented in ``docs/planner.md``:

- an offer with ``available_day`` < 0 may leave on day 0; one with ``available_day`` ≥ T never leaves;
- a hub site without an entry in ``hubs`` has unlimited handling capacity;
- ``closed_days`` outside 0..T−1 are ignored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

PROBLEM_FORMAT = "nsatu-plan-problem/1"

Id = str | int
SiteKind = Literal["depot", "hub", "handover"]
Policy = Literal["weighted", "lexicographic"]
SITE_KINDS: tuple[SiteKind, ...] = ("depot", "hub", "handover")
POLICIES: tuple[Policy, ...] = ("weighted", "lexicographic")


class ProblemError(ValueError):
    """A problem document that breaks the contract; ``errors`` holds ``(field path, message)``."""

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        self.errors = list(errors)
        shown = "; ".join(f"{path}: {message}" for path, message in self.errors[:20])
        more = f" (and {len(self.errors) - 20} more)" if len(self.errors) > 20 else ""
        super().__init__(f"invalid planning problem: {shown}{more}")

    def __reduce__(self) -> tuple[type[ProblemError], tuple[list[tuple[str, str]]]]:
        # Rebuilt from its errors when it crosses a process boundary (a sweep worker): the
        # default would pass the message back in as ``errors``.
        return (type(self), (self.errors,))


@dataclass(frozen=True, slots=True)
class ItemType:
    id: Id
    family: str
    unit_weight_t: float


@dataclass(frozen=True, slots=True)
class Site:
    id: Id
    kind: SiteKind
    country: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Offer:
    id: Id
    donor: str
    item_type: Id
    quantity: int
    available_day: int
    origin: Id


@dataclass(frozen=True, slots=True)
class Need:
    id: Id
    quantity: int
    needed_by_day: int
    weight: float
    acceptable_item_types: tuple[Id, ...]
    handover: Id
    all_or_nothing: bool = False

    @property
    def preferred_item_type(self) -> Id:
        return self.acceptable_item_types[0]


@dataclass(frozen=True, slots=True)
class Leg:
    from_site: Id
    to_site: Id
    mode: str
    transit_days: int
    capacity_t_per_day: float
    cost_per_t: float

    @property
    def key(self) -> tuple[Id, Id, str]:
        return (self.from_site, self.to_site, self.mode)


@dataclass(frozen=True, slots=True)
class Hub:
    site: Id
    handling_capacity_t_per_day: float
    closed_days: frozenset[int] = frozenset()

    def capacity_on(self, day: int) -> float:
        return 0.0 if day in self.closed_days else self.handling_capacity_t_per_day


@dataclass(frozen=True, slots=True)
class Values:
    late_factor: float
    substitute_factor: float
    cost_weight: float
    policy: Policy = "weighted"


@dataclass(frozen=True, slots=True)
class Problem:
    """One planning problem. Lists keep the document's order, which makes solving deterministic."""

    start_date: dt.date
    horizon_days: int
    item_types: tuple[ItemType, ...]
    sites: tuple[Site, ...]
    offers: tuple[Offer, ...]
    needs: tuple[Need, ...]
    legs: tuple[Leg, ...]
    hubs: tuple[Hub, ...]
    values: Values
    _index: dict[str, dict[Any, Any]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    # -- lookups (built lazily; the dataclass stays frozen) -----------------------------------
    def _lookup(self, name: str, items: Sequence[Any], key: str) -> dict[Any, Any]:
        found = self._index.get(name)
        if found is None:
            found = {getattr(item, key): item for item in items}
            self._index[name] = found
        return found

    @property
    def item_type_by_id(self) -> dict[Id, ItemType]:
        return self._lookup("item_types", self.item_types, "id")

    @property
    def site_by_id(self) -> dict[Id, Site]:
        return self._lookup("sites", self.sites, "id")

    @property
    def offer_by_id(self) -> dict[Id, Offer]:
        return self._lookup("offers", self.offers, "id")

    @property
    def need_by_id(self) -> dict[Id, Need]:
        return self._lookup("needs", self.needs, "id")

    @property
    def leg_by_key(self) -> dict[tuple[Id, Id, str], Leg]:
        return self._lookup("legs", self.legs, "key")

    @property
    def hub_by_site(self) -> dict[Id, Hub]:
        return self._lookup("hubs", self.hubs, "site")

    def hub_capacity(self, site: Id, day: int) -> float:
        """Tonnes that may arrive at hub ``site`` on ``day`` (unlimited without a ``hubs`` entry)."""
        hub = self.hub_by_site.get(site)
        return math.inf if hub is None else hub.capacity_on(day)

    def unit_value(self, need: Need, item_type: Id, arrival_day: int) -> float:
        """The value of one unit of ``item_type`` handed over for ``need`` on ``arrival_day``."""
        value = need.weight
        if arrival_day > need.needed_by_day:
            value *= self.values.late_factor
        if item_type != need.preferred_item_type:
            value *= self.values.substitute_factor
        return value

    def to_json(self) -> dict[str, Any]:
        return problem_to_json(self)

    def digest(self) -> str:
        """SHA-256 of the canonical JSON form: the same problem always gives the same digest."""
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()


# -- parsing -----------------------------------------------------------------------------------


class _Reader:
    """Collects every error with its field path instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append((path, message))

    def obj(self, value: Any, path: str) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.fail(path, f"must be an object, not {_kind(value)}")
            return None
        return value

    def array(
        self, doc: Mapping[str, Any], key: str, path: str, *, required: bool = True
    ) -> list[Any]:
        if key not in doc:
            if required:
                self.fail(f"{path}{key}", "is required")
            return []
        value = doc[key]
        if not isinstance(value, list):
            self.fail(f"{path}{key}", f"must be an array, not {_kind(value)}")
            return []
        return value

    def get(self, doc: Mapping[str, Any], key: str, path: str) -> Any:
        if key not in doc:
            self.fail(f"{path}.{key}", "is required")
            return _MISSING
        return doc[key]

    def ident(self, doc: Mapping[str, Any], key: str, path: str) -> Id | None:
        value = self.get(doc, key, path)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.fail(f"{path}.{key}", f"must be a string or an integer id, not {_kind(value)}")
            return None
        if isinstance(value, str) and not value.strip():
            self.fail(f"{path}.{key}", "must not be empty")
            return None
        return value

    def text(
        self, doc: Mapping[str, Any], key: str, path: str, *, default: str | None = None
    ) -> str:
        if key not in doc and default is not None:
            return default
        value = self.get(doc, key, path)
        if value is _MISSING:
            return ""
        if not isinstance(value, str):
            self.fail(f"{path}.{key}", f"must be a string, not {_kind(value)}")
            return ""
        return value

    def integer(
        self, doc: Mapping[str, Any], key: str, path: str, *, minimum: int | None = None
    ) -> int:
        value = self.get(doc, key, path)
        if value is _MISSING:
            return 0
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{path}.{key}", f"must be an integer, not {_kind(value)} {value!r}")
            return 0
        if minimum is not None and value < minimum:
            self.fail(f"{path}.{key}", f"must be ≥ {minimum}, not {value}")
        return value

    def number(
        self,
        doc: Mapping[str, Any],
        key: str,
        path: str,
        *,
        minimum: float | None = None,
        positive: bool = False,
        default: float | None = None,
    ) -> float:
        if key not in doc and default is not None:
            return default
        value = self.get(doc, key, path)
        if value is _MISSING:
            return 0.0
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"{path}.{key}", f"must be a number, not {_kind(value)}")
            return 0.0
        number = float(value)
        if not math.isfinite(number):
            self.fail(f"{path}.{key}", "must be a finite number")
            return 0.0
        if positive and number <= 0:
            self.fail(f"{path}.{key}", f"must be > 0, not {value}")
        elif minimum is not None and number < minimum:
            self.fail(f"{path}.{key}", f"must be ≥ {minimum:g}, not {value}")
        return number


_MISSING = object()


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def parse_problem(document: Any) -> Problem:
    """Validate a decoded ``nsatu-plan-problem/1`` document; raise :class:`ProblemError`."""
    r = _Reader()
    doc = r.obj(document, "$")
    if doc is None:
        raise ProblemError(r.errors)
    fmt = doc.get("format")
    if fmt != PROBLEM_FORMAT:
        r.fail("format", f"must be {PROBLEM_FORMAT!r}, not {fmt!r}")

    start_date = dt.date(1970, 1, 1)
    raw_start = doc.get("start_date")
    if raw_start is None:
        r.fail("start_date", "is required")
    else:
        try:
            if not isinstance(raw_start, str) or len(raw_start) != 10:
                raise ValueError(raw_start)
            start_date = dt.date.fromisoformat(raw_start)
        except ValueError:
            r.fail("start_date", f"must be an ISO date (YYYY-MM-DD), not {raw_start!r}")
    horizon = r.integer(doc, "horizon_days", "$", minimum=1)

    item_types = _parse_item_types(r, doc)
    sites = _parse_sites(r, doc)
    type_ids = {t.id for t in item_types}
    site_kind = {s.id: s.kind for s in sites}
    offers = _parse_offers(r, doc, type_ids, site_kind)
    needs = _parse_needs(r, doc, type_ids, site_kind)
    legs = _parse_legs(r, doc, site_kind)
    hubs = _parse_hubs(r, doc, site_kind, horizon)
    values = _parse_values(r, doc)

    if r.errors:
        raise ProblemError([(p.removeprefix("$."), m) for p, m in r.errors])
    return Problem(
        start_date=start_date,
        horizon_days=horizon,
        item_types=tuple(item_types),
        sites=tuple(sites),
        offers=tuple(offers),
        needs=tuple(needs),
        legs=tuple(legs),
        hubs=tuple(hubs),
        values=values,
    )


def _unique(r: _Reader, path: str, seen: set[Id], ident: Id | None) -> None:
    if ident is None:
        return
    if ident in seen:
        r.fail(path, f"duplicate id {ident!r}")
    seen.add(ident)


def _parse_item_types(r: _Reader, doc: Mapping[str, Any]) -> list[ItemType]:
    out: list[ItemType] = []
    seen: set[Id] = set()
    for i, raw in enumerate(r.array(doc, "item_types", "")):
        path = f"item_types[{i}]"
        item = r.obj(raw, path)
        if item is None:
            continue
        ident = r.ident(item, "id", path)
        _unique(r, f"{path}.id", seen, ident)
        family = r.text(item, "family", path, default="")
        weight = r.number(item, "unit_weight_t", path, positive=True)
        if ident is not None:
            out.append(ItemType(ident, family, weight))
    return out


def _parse_sites(r: _Reader, doc: Mapping[str, Any]) -> list[Site]:
    out: list[Site] = []
    seen: set[Id] = set()
    for i, raw in enumerate(r.array(doc, "sites", "")):
        path = f"sites[{i}]"
        item = r.obj(raw, path)
        if item is None:
            continue
        ident = r.ident(item, "id", path)
        _unique(r, f"{path}.id", seen, ident)
        kind = r.text(item, "kind", path)
        if kind and kind not in SITE_KINDS:
            r.fail(f"{path}.kind", f"must be one of {', '.join(SITE_KINDS)}, not {kind!r}")
        country = r.text(item, "country", path, default="")
        lat = r.number(item, "lat", path, default=0.0)
        lon = r.number(item, "lon", path, default=0.0)
        if not -90 <= lat <= 90:
            r.fail(f"{path}.lat", f"must be between -90 and 90, not {lat:g}")
        if not -180 <= lon <= 180:
            r.fail(f"{path}.lon", f"must be between -180 and 180, not {lon:g}")
        if ident is not None and kind in SITE_KINDS:
            out.append(Site(ident, kind, country, lat, lon))
    return out


def _parse_offers(
    r: _Reader, doc: Mapping[str, Any], type_ids: set[Id], site_kind: Mapping[Id, str]
) -> list[Offer]:
    out: list[Offer] = []
    seen: set[Id] = set()
    for i, raw in enumerate(r.array(doc, "offers", "")):
        path = f"offers[{i}]"
        item = r.obj(raw, path)
        if item is None:
            continue
        ident = r.ident(item, "id", path)
        _unique(r, f"{path}.id", seen, ident)
        donor = r.text(item, "donor", path)
        item_type = r.ident(item, "item_type", path)
        if item_type is not None and item_type not in type_ids:
            r.fail(f"{path}.item_type", f"unknown item type {item_type!r}")
        quantity = r.integer(item, "quantity", path, minimum=0)
        available = r.integer(item, "available_day", path)
        origin = r.ident(item, "origin", path)
        if origin is not None and site_kind.get(origin) != "depot":
            r.fail(f"{path}.origin", _not_a(origin, "depot", site_kind))
        if ident is not None and item_type is not None and origin is not None:
            out.append(Offer(ident, donor, item_type, quantity, available, origin))
    return out


def _parse_needs(  # noqa: PLR0912 - one branch per field keeps the messages exact
    r: _Reader, doc: Mapping[str, Any], type_ids: set[Id], site_kind: Mapping[Id, str]
) -> list[Need]:
    out: list[Need] = []
    seen: set[Id] = set()
    for i, raw in enumerate(r.array(doc, "needs", "")):
        path = f"needs[{i}]"
        item = r.obj(raw, path)
        if item is None:
            continue
        ident = r.ident(item, "id", path)
        _unique(r, f"{path}.id", seen, ident)
        quantity = r.integer(item, "quantity", path, minimum=0)
        needed_by = r.integer(item, "needed_by_day", path)
        weight = r.number(item, "weight", path, minimum=0.0)
        types: list[Id] = []
        raw_types = r.get(item, "acceptable_item_types", path)
        if raw_types is not _MISSING:
            if not isinstance(raw_types, list) or not raw_types:
                r.fail(
                    f"{path}.acceptable_item_types", "must be a non-empty array of item type ids"
                )
            else:
                for j, t in enumerate(raw_types):
                    tpath = f"{path}.acceptable_item_types[{j}]"
                    if isinstance(t, bool) or not isinstance(t, str | int):
                        r.fail(tpath, f"must be an item type id, not {_kind(t)}")
                    elif t not in type_ids:
                        r.fail(tpath, f"unknown item type {t!r}")
                    elif t in types:
                        r.fail(tpath, f"{t!r} is listed twice")
                    else:
                        types.append(t)
        handover = r.ident(item, "handover", path)
        if handover is not None and site_kind.get(handover) != "handover":
            r.fail(f"{path}.handover", _not_a(handover, "handover", site_kind))
        aon = item.get("all_or_nothing", False)
        if not isinstance(aon, bool):
            r.fail(f"{path}.all_or_nothing", f"must be a boolean, not {_kind(aon)}")
            aon = False
        if ident is not None and handover is not None and types:
            out.append(Need(ident, quantity, needed_by, weight, tuple(types), handover, aon))
    return out


def _parse_legs(r: _Reader, doc: Mapping[str, Any], site_kind: Mapping[Id, str]) -> list[Leg]:
    out: list[Leg] = []
    seen: set[tuple[Id, Id, str]] = set()
    for i, raw in enumerate(r.array(doc, "legs", "")):
        path = f"legs[{i}]"
        item = r.obj(raw, path)
        if item is None:
            continue
        src = r.ident(item, "from", path)
        dst = r.ident(item, "to", path)
        mode = r.text(item, "mode", path)
        if "mode" in item and isinstance(item["mode"], str) and not mode.strip():
            r.fail(f"{path}.mode", "must not be empty")
        transit = r.integer(item, "transit_days", path, minimum=1)
        capacity = r.number(item, "capacity_t_per_day", path, minimum=0.0)
        cost = r.number(item, "cost_per_t", path, minimum=0.0)
        if src is None or dst is None:
            continue
        kinds = (site_kind.get(src), site_kind.get(dst))
        if kinds not in {("depot", "hub"), ("hub", "handover")}:
            r.fail(
                path,
                f"a leg runs from a depot to a hub or from a hub to a handover point; "
                f"{src!r} ({kinds[0] or 'unknown site'}) → {dst!r} ({kinds[1] or 'unknown site'}) does not",
            )
            continue
        key = (src, dst, mode)
        if key in seen:
            r.fail(path, f"duplicate leg {src!r} → {dst!r} by {mode!r}")
            continue
        seen.add(key)
        out.append(Leg(src, dst, mode, transit, capacity, cost))
    return out


def _parse_hubs(
    r: _Reader, doc: Mapping[str, Any], site_kind: Mapping[Id, str], horizon: int
) -> list[Hub]:
    out: list[Hub] = []
    seen: set[Id] = set()
    for i, raw in enumerate(r.array(doc, "hubs", "", required=False)):
        path = f"hubs[{i}]"
        item = r.obj(raw, path)
        if item is None:
            continue
        site = r.ident(item, "site", path)
        if site is not None and site_kind.get(site) != "hub":
            r.fail(f"{path}.site", _not_a(site, "hub", site_kind))
            site = None
        _unique(r, f"{path}.site", seen, site)
        capacity = r.number(item, "handling_capacity_t_per_day", path, minimum=0.0)
        closed: set[int] = set()
        raw_closed = item.get("closed_days", [])
        if not isinstance(raw_closed, list):
            r.fail(f"{path}.closed_days", "must be an array of day numbers")
        else:
            for j, day in enumerate(raw_closed):
                if isinstance(day, float) and day.is_integer():
                    day = int(day)  # noqa: PLW2901 - a whole number written as 3.0 is the day 3
                if isinstance(day, bool) or not isinstance(day, int):
                    r.fail(f"{path}.closed_days[{j}]", f"must be an integer day, not {_kind(day)}")
                elif 0 <= day < horizon:
                    closed.add(day)
        if site is not None:
            out.append(Hub(site, capacity, frozenset(closed)))
    return out


def _parse_values(r: _Reader, doc: Mapping[str, Any]) -> Values:
    raw = doc.get("values")
    if raw is None:
        r.fail("values", "is required")
        return Values(0.0, 0.0, 0.0)
    item = r.obj(raw, "values")
    if item is None:
        return Values(0.0, 0.0, 0.0)
    late = r.number(item, "late_factor", "values", minimum=0.0)
    substitute = r.number(item, "substitute_factor", "values", minimum=0.0)
    cost_weight = r.number(item, "cost_weight", "values", minimum=0.0)
    policy = item.get("policy", "weighted")
    if policy not in POLICIES:
        r.fail("values.policy", f"must be one of {', '.join(POLICIES)}, not {policy!r}")
        policy = "weighted"
    return Values(late, substitute, cost_weight, policy)


def _not_a(ident: Id, kind: str, site_kind: Mapping[Id, str]) -> str:
    actual = site_kind.get(ident)
    if actual is None:
        return f"unknown site {ident!r}"
    return f"{ident!r} is a {actual} site, not a {kind}"


# -- writing -----------------------------------------------------------------------------------


def problem_to_json(problem: Problem) -> dict[str, Any]:
    """The ``nsatu-plan-problem/1`` document for ``problem`` (parses back to an equal problem)."""
    return {
        "format": PROBLEM_FORMAT,
        "start_date": problem.start_date.isoformat(),
        "horizon_days": problem.horizon_days,
        "item_types": [
            {"id": t.id, "family": t.family, "unit_weight_t": t.unit_weight_t}
            for t in problem.item_types
        ],
        "sites": [
            {"id": s.id, "kind": s.kind, "country": s.country, "lat": s.lat, "lon": s.lon}
            for s in problem.sites
        ],
        "offers": [
            {
                "id": o.id,
                "donor": o.donor,
                "item_type": o.item_type,
                "quantity": o.quantity,
                "available_day": o.available_day,
                "origin": o.origin,
            }
            for o in problem.offers
        ],
        "needs": [
            {
                "id": n.id,
                "quantity": n.quantity,
                "needed_by_day": n.needed_by_day,
                "weight": n.weight,
                "acceptable_item_types": list(n.acceptable_item_types),
                "handover": n.handover,
                "all_or_nothing": n.all_or_nothing,
            }
            for n in problem.needs
        ],
        "legs": [
            {
                "from": leg.from_site,
                "to": leg.to_site,
                "mode": leg.mode,
                "transit_days": leg.transit_days,
                "capacity_t_per_day": leg.capacity_t_per_day,
                "cost_per_t": leg.cost_per_t,
            }
            for leg in problem.legs
        ],
        "hubs": [
            {
                "site": h.site,
                "handling_capacity_t_per_day": h.handling_capacity_t_per_day,
                "closed_days": sorted(h.closed_days),
            }
            for h in problem.hubs
        ],
        "values": {
            "late_factor": problem.values.late_factor,
            "substitute_factor": problem.values.substitute_factor,
            "cost_weight": problem.values.cost_weight,
            "policy": problem.values.policy,
        },
    }


def load_problem(text: str) -> Problem:
    """Parse JSON text; malformed JSON is a :class:`ProblemError` at its line and column."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemError([(f"line {exc.lineno} column {exc.colno}", exc.msg)]) from exc
    return parse_problem(document)
