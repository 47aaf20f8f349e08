"""Seeded generator of SYNTHETIC, congested planning problems (for tests, benches and demos).

Everything here is made up: donors are real ISO alpha-3 codes of Ramstein/NSATU contributors and the
sites are real public place names with approximate coordinates, but every offer, need, quantity,
capacity, cost and date is drawn from a seeded random generator. Item types are generic public
categories with rough unit weights in tonnes; nothing describes performance or operations.

The instances are congested on purpose: hub handling capacity over the horizon is well below the
offered tonnage, leg capacities bind on the busy corridors, and priorities are per unit, not per
tonne, so the order in which needs are served matters. Hub handling is the bottleneck, as at the
real hubs: a surface leg carries at least a few of the heaviest units a day (a road or rail
corridor moves convoys, not single vehicles), and the corridors from a hub to the handover points
together carry about what the hub can handle. Transit times are compressed into the
contract's 1–4 days (sea legs from overseas donors included).

``generate(size, seed)`` returns the same :class:`Problem` for the same arguments on every machine:
it draws from ``numpy.random.default_rng(seed)`` in a fixed order and rounds every float it emits.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from nsatu.core.planner.problem import (
    Hub,
    ItemType,
    Leg,
    Need,
    Offer,
    Problem,
    Site,
    Values,
)

Size = Literal["tiny", "small", "medium", "large"]


@dataclass(frozen=True, slots=True)
class SizeSpec:
    """How big an instance to draw. ``congestion`` = total hub capacity over the horizon / offered t."""

    needs: int
    offers: int
    hubs: int
    days: int
    donors: int
    handovers: int
    congestion: float = 0.35


SIZES: dict[str, SizeSpec] = {
    "tiny": SizeSpec(needs=12, offers=20, hubs=2, days=10, donors=6, handovers=2),
    "small": SizeSpec(needs=200, offers=300, hubs=3, days=30, donors=50, handovers=4),
    "medium": SizeSpec(needs=2_000, offers=3_000, hubs=5, days=30, donors=50, handovers=6),
    "large": SizeSpec(needs=10_000, offers=15_000, hubs=8, days=30, donors=50, handovers=9),
}

START_DATE = dt.date(2024, 3, 4)

# Ramstein/NSATU contributors: (ISO alpha-3, overseas?, relative share of offers, depot (name, lat, lon)).
DONORS: tuple[tuple[str, bool, float, str, float, float], ...] = (
    ("USA", True, 12.0, "Anniston", 33.66, -85.83),
    ("DEU", False, 9.0, "Unterlüß", 52.84, 10.30),
    ("GBR", False, 7.0, "Bicester", 51.90, -1.15),
    ("POL", False, 6.0, "Stalowa Wola", 50.58, 22.05),
    ("FRA", False, 5.0, "Bourges", 47.08, 2.40),
    ("NLD", False, 4.0, "Soesterberg", 52.12, 5.29),
    ("CAN", True, 4.0, "Montréal", 45.50, -73.57),
    ("DNK", False, 3.5, "Aalborg", 57.05, 9.92),
    ("SWE", False, 3.5, "Karlskoga", 59.33, 14.52),
    ("NOR", False, 3.0, "Raufoss", 60.73, 10.61),
    ("ITA", False, 3.0, "Piacenza", 45.05, 9.69),
    ("FIN", False, 2.5, "Hämeenlinna", 61.00, 24.46),
    ("ESP", False, 2.5, "Zaragoza", 41.65, -0.88),
    ("BEL", False, 2.0, "Zutendaal", 50.93, 5.57),
    ("CZE", False, 2.5, "Ostrava", 49.82, 18.26),
    ("LTU", False, 1.5, "Kaunas", 54.90, 23.89),
    ("EST", False, 1.5, "Tartu", 58.38, 26.72),
    ("LVA", False, 1.2, "Ādaži", 57.08, 24.32),
    ("AUS", True, 1.5, "Brisbane", -27.47, 153.03),
    ("JPN", True, 1.0, "Yokohama", 35.44, 139.64),
    ("PRT", False, 1.0, "Entroncamento", 39.47, -8.47),
    ("ROU", False, 1.5, "Cugir", 45.84, 23.36),
    ("SVK", False, 1.5, "Trenčín", 48.89, 18.04),
    ("AUT", False, 0.8, "Wels", 48.16, 14.03),
    ("CHE", False, 0.3, "Thun", 46.76, 7.63),
    ("IRL", False, 0.5, "Curragh", 53.15, -6.81),
    ("GRC", False, 1.0, "Thessaloniki", 40.64, 22.94),
    ("HRV", False, 0.8, "Zagreb", 45.81, 15.98),
    ("SVN", False, 0.6, "Ljubljana", 46.06, 14.51),
    ("BGR", False, 1.0, "Kazanlak", 42.62, 25.40),
    ("LUX", False, 0.5, "Bettembourg", 49.52, 6.10),
    ("ISL", True, 0.3, "Keflavík", 64.00, -22.56),
    ("NZL", True, 0.4, "Linton", -40.40, 175.58),
    ("KOR", True, 0.8, "Busan", 35.18, 129.08),
    ("TUR", False, 1.0, "Kırıkkale", 39.85, 33.51),
    ("MKD", False, 0.4, "Skopje", 41.99, 21.43),
    ("MNE", False, 0.3, "Podgorica", 42.44, 19.26),
    ("ALB", False, 0.3, "Tirana", 41.33, 19.82),
    ("MLT", False, 0.2, "Luqa", 35.86, 14.48),
    ("CYP", False, 0.2, "Larnaca", 34.92, 33.62),
    ("HUN", False, 0.3, "Győr", 47.69, 17.63),
    ("ISR", True, 0.2, "Haifa", 32.79, 34.99),
    ("MAR", True, 0.2, "Kenitra", 34.26, -6.58),
    ("QAT", True, 0.2, "Doha", 25.29, 51.53),
    ("KEN", True, 0.1, "Mombasa", -4.04, 39.67),
    ("LBR", True, 0.1, "Monrovia", 6.30, -10.80),
    ("TUN", True, 0.1, "Bizerte", 37.27, 9.87),
    ("GEO", True, 0.2, "Poti", 42.15, 41.67),
    ("MDA", False, 0.2, "Chișinău", 47.01, 28.86),
    ("KOS", False, 0.1, "Pristina", 42.66, 21.17),
)

# Hubs in Poland, Romania and Slovakia: (name, country, lat, lon, seaport?, relative size).
HUBS: tuple[tuple[str, str, float, float, bool, float], ...] = (
    ("Rzeszów-Jasionka", "POL", 50.11, 22.02, False, 1.6),
    ("Constanța", "ROU", 44.17, 28.65, True, 1.2),
    ("Košice", "SVK", 48.72, 21.26, False, 0.8),
    ("Sławków", "POL", 50.30, 19.39, False, 1.0),
    ("Suceava", "ROU", 47.69, 26.35, False, 0.7),
    ("Lublin", "POL", 51.24, 22.71, False, 0.9),
    ("Galați", "ROU", 45.44, 28.05, True, 0.8),
    ("Gdańsk", "POL", 54.35, 18.65, True, 1.0),
)

HANDOVERS: tuple[tuple[str, float, float], ...] = (
    ("Lviv", 49.84, 24.03),
    ("Chernivtsi", 48.29, 25.94),
    ("Lutsk", 50.75, 25.33),
    ("Uzhhorod", 48.62, 22.29),
    ("Ivano-Frankivsk", 48.92, 24.71),
    ("Ternopil", 49.55, 25.59),
    ("Rivne", 50.62, 26.25),
    ("Mukachevo", 48.44, 22.72),
    ("Khmelnytskyi", 49.42, 26.98),
)

# Families of generic item types: (family, ((type name, unit weight t), ...), priority bias).
# Types in one family may stand in for each other (a need lists some of them as acceptable).
FAMILIES: tuple[tuple[str, tuple[tuple[str, float], ...], float], ...] = (
    (
        "artillery ammunition",
        (
            ("artillery ammunition 155mm (pallet)", 1.0),
            ("artillery ammunition 152mm (pallet)", 1.1),
        ),
        1.6,
    ),
    ("mortar ammunition", (("mortar ammunition 120mm (pallet)", 0.9),), 1.2),
    ("small arms ammunition", (("small arms ammunition (pallet)", 0.8),), 0.8),
    (
        "armoured vehicles",
        (
            ("armoured personnel carrier, tracked", 14.0),
            ("armoured personnel carrier, wheeled", 17.0),
            ("infantry mobility vehicle", 11.0),
        ),
        2.0,
    ),
    ("fuel trucks", (("fuel truck", 16.0), ("fuel trailer", 7.0)), 1.3),
    ("cargo trucks", (("cargo truck, 5 t class", 9.0), ("cargo truck, 10 t class", 13.0)), 0.9),
    (
        "power",
        (("generator 20 kW", 0.6), ("generator 100 kW", 2.0), ("generator 500 kW", 6.0)),
        1.1,
    ),
    ("medical supplies", (("medical kit (crate)", 0.2), ("trauma kit (crate)", 0.25)), 1.3),
    ("ambulances", (("ambulance, wheeled", 4.0), ("ambulance, armoured", 13.0)), 1.0),
    (
        "winter equipment",
        (("winter clothing set (pallet)", 0.4), ("sleeping bags (pallet)", 0.3)),
        0.7,
    ),
    ("shelter", (("tent, heated", 0.5),), 0.6),
    ("communications", (("radio set (crate)", 0.15), ("satellite terminal (crate)", 0.12)), 1.0),
    ("demining", (("demining kit (crate)", 0.4),), 0.9),
    ("engineering", (("bridging set", 20.0), ("excavator", 22.0)), 1.4),
    ("spare parts", (("spare parts kit (pallet)", 0.9),), 0.7),
)

MIN_SURFACE_CAP_T = 50.0  # a day's convoy: at least two of the heaviest units (22 t)
PRIORITY_WEIGHTS = (100.0, 30.0, 10.0, 3.0, 1.0)
PRIORITY_SHARES = np.array([0.05, 0.15, 0.30, 0.30, 0.20])

# Modes: (name, km per day, cost per t per 100 km, base cost per t).
_ROAD = ("road", 650.0, 9.0, 20.0)
_RAIL = ("rail", 450.0, 4.0, 30.0)


def generate(size: Size | SizeSpec, seed: int = 0) -> Problem:  # noqa: PLR0912, PLR0915
    """A synthetic congested problem; the same ``(size, seed)`` gives the same problem."""
    spec = SIZES[size] if isinstance(size, str) else size
    rng = np.random.default_rng(seed)
    days = spec.days

    # -- item types -----------------------------------------------------------------------------
    item_types: list[ItemType] = []
    family_types: list[list[int]] = []
    family_bias: list[float] = []
    for family, types, bias in FAMILIES:
        ids: list[int] = []
        for name, weight in types:
            ids.append(len(item_types))
            item_types.append(ItemType(name, family, weight))
        family_types.append(ids)
        family_bias.append(bias)
    n_types = len(item_types)
    type_family = [f for f, ids in enumerate(family_types) for _ in ids]
    # Some types are offered and needed more than others.
    type_popularity = rng.gamma(2.0, 1.0, n_types)

    # -- sites ------------------------------------------------------------------------------------
    donors = _pick_donors(spec.donors)
    sites: list[Site] = []
    depots: list[tuple[str, str, bool, float, float]] = []  # (site id, donor, overseas, lat, lon)
    for code, overseas, _share, _town, lat, lon in donors:
        site_id = f"DEP-{code}-1"
        sites.append(Site(site_id, "depot", code, lat, lon))
        depots.append((site_id, code, overseas, lat, lon))
    for code, overseas, share, _town, lat, lon in donors:
        if share >= 2.0:  # large donors have a second depot nearby
            dlat = round(lat + float(rng.uniform(-1.5, 1.5)), 2)
            dlon = round(lon + float(rng.uniform(-1.5, 1.5)), 2)
            site_id = f"DEP-{code}-2"
            sites.append(Site(site_id, "depot", code, dlat, dlon))
            depots.append((site_id, code, overseas, dlat, dlon))
    hubs = HUBS[: min(spec.hubs, len(HUBS))]
    if spec.hubs > len(HUBS):
        raise ValueError(f"at most {len(HUBS)} hubs")
    for name, country, lat, lon, _port, _size in hubs:
        sites.append(Site(f"HUB-{name}", "hub", country, lat, lon))
    handovers = HANDOVERS[: min(spec.handovers, len(HANDOVERS))]
    for name, lat, lon in handovers:
        sites.append(Site(f"HO-{name}", "handover", "UKR", lat, lon))

    # -- offers -----------------------------------------------------------------------------------
    donor_share = np.array([d[2] for d in donors])
    donor_share = donor_share / donor_share.sum()
    donor_depots: dict[str, list[int]] = {}
    for i, depot in enumerate(depots):
        donor_depots.setdefault(depot[1], []).append(i)
    type_p = type_popularity / type_popularity.sum()
    offers: list[Offer] = []
    offered_t = 0.0
    depot_offered_t = np.zeros(len(depots))
    for i in range(spec.offers):
        donor = donors[int(rng.choice(len(donors), p=donor_share))][0]
        depot_idx = donor_depots[donor][int(rng.integers(len(donor_depots[donor])))]
        t = int(rng.choice(n_types, p=type_p))
        weight = item_types[t].unit_weight_t
        tonnes = float(rng.lognormal(math.log(35.0), 0.9))
        quantity = max(1, round(tonnes / weight))
        available = _available_day(rng, days)
        offers.append(
            Offer(
                f"OF-{i + 1:05d}",
                donor,
                item_types[t].id,
                quantity,
                available,
                depots[depot_idx][0],
            )
        )
        offered_t += quantity * weight
        depot_offered_t[depot_idx] += quantity * weight

    # -- needs ------------------------------------------------------------------------------------
    needs: list[Need] = []
    handover_p = rng.dirichlet(np.full(len(handovers), 3.0))
    target_need_t = 1.1 * offered_t / spec.needs
    for i in range(spec.needs):
        t = int(rng.choice(n_types, p=type_p))
        fam = type_family[t]
        acceptable = [item_types[t].id]
        others = [o for o in family_types[fam] if o != t]
        if others and rng.random() < 0.7:
            rng.shuffle(others)
            acceptable += [
                item_types[o].id for o in others[: int(rng.integers(1, len(others) + 1))]
            ]
        weight = item_types[t].unit_weight_t
        tonnes = float(rng.lognormal(math.log(target_need_t) - 0.3, 0.8))
        quantity = max(1, round(tonnes / weight))
        priority = _priority(rng, family_bias[fam])
        needed_by = int(rng.integers(2, days)) if days > 3 else days - 1
        handover = handovers[int(rng.choice(len(handovers), p=handover_p))][0]
        needs.append(
            Need(
                id=f"ND-{i + 1:05d}",
                quantity=quantity,
                needed_by_day=needed_by,
                weight=priority,
                acceptable_item_types=tuple(acceptable),
                handover=f"HO-{handover}",
                all_or_nothing=bool(rng.random() < 0.15 and quantity <= 40),
            )
        )

    # -- hubs and their capacity ------------------------------------------------------------------
    hub_size = np.array([h[5] for h in hubs])
    hub_share = hub_size / hub_size.sum()
    total_per_day = spec.congestion * offered_t / days
    hub_entries: list[Hub] = []
    hub_cap: list[float] = []
    for j, (name, *_rest) in enumerate(hubs):
        cap = _surface_cap(total_per_day * float(hub_share[j]) * float(rng.uniform(0.85, 1.15)))
        closed = sorted({int(d) for d in rng.integers(0, days, int(rng.integers(0, 3)))})
        hub_entries.append(Hub(f"HUB-{name}", cap, frozenset(closed)))
        hub_cap.append(cap)

    # -- legs -------------------------------------------------------------------------------------
    legs: list[Leg] = []
    for d, (site_id, _donor, overseas, lat, lon) in enumerate(depots):
        depot_daily = max(depot_offered_t[d] / days, 1.0)
        for j, (name, _country, hlat, hlon, port, _size) in enumerate(hubs):
            km = _km(lat, lon, hlat, hlon)
            hub_id = f"HUB-{name}"
            if overseas:
                if port:
                    legs.append(
                        Leg(
                            site_id,
                            hub_id,
                            "sea",
                            4,
                            _surface_cap(depot_daily * rng.uniform(2, 4)),
                            45.0,
                        )
                    )
                legs.append(
                    Leg(
                        site_id,
                        hub_id,
                        "air",
                        2,
                        _round_t(min(60.0, hub_cap[j] * 0.05) * rng.uniform(0.6, 1.2)),
                        _round_cost(900.0 + km * 0.08),
                    )
                )
                continue
            for mode, km_day, per100, base in (_ROAD, _RAIL):
                if mode == "rail" and rng.random() < 0.25:
                    continue  # not every depot has a rail siding to every hub
                share = rng.uniform(0.6, 1.4) if mode == "road" else rng.uniform(1.0, 2.0)
                legs.append(
                    Leg(
                        site_id,
                        hub_id,
                        mode,
                        _transit(km, km_day),
                        _surface_cap(depot_daily * share),
                        _round_cost(base + per100 * km / 100.0),
                    )
                )
            if rng.random() < 0.15:
                legs.append(
                    Leg(
                        site_id,
                        hub_id,
                        "air",
                        1,
                        _round_t(min(40.0, hub_cap[j] * 0.04) * rng.uniform(0.5, 1.0)),
                        _round_cost(700.0 + km * 0.1),
                    )
                )
    for j, (name, _country, hlat, hlon, _port, _size) in enumerate(hubs):
        hub_id = f"HUB-{name}"
        by_distance = sorted(
            range(len(handovers)),
            key=lambda k: _km(hlat, hlon, handovers[k][1], handovers[k][2]),
        )
        reach = by_distance[: max(1, math.ceil(len(handovers) * 0.6))]
        for k in sorted(reach):
            ho_name, ho_lat, ho_lon = handovers[k]
            km = _km(hlat, hlon, ho_lat, ho_lon)
            for mode, km_day, per100, base in (_ROAD, _RAIL):
                if mode == "rail" and rng.random() < 0.4:
                    continue
                share = rng.uniform(0.5, 1.0) if mode == "road" else rng.uniform(0.75, 1.5)
                legs.append(
                    Leg(
                        hub_id,
                        f"HO-{ho_name}",
                        mode,
                        _transit(km, km_day),
                        _surface_cap(hub_cap[j] * share),
                        _round_cost(base + per100 * km / 100.0),
                    )
                )

    return Problem(
        start_date=START_DATE,
        horizon_days=days,
        item_types=tuple(item_types),
        sites=tuple(sites),
        offers=tuple(offers),
        needs=tuple(needs),
        legs=tuple(legs),
        hubs=tuple(hub_entries),
        values=Values(late_factor=0.5, substitute_factor=0.8, cost_weight=0.001),
    )


def _pick_donors(count: int) -> tuple[tuple[str, bool, float, str, float, float], ...]:
    """The ``count`` largest contributors, in the table's order."""
    if count >= len(DONORS):
        return DONORS
    return DONORS[:count]


def _available_day(rng: np.random.Generator, days: int) -> int:
    roll = rng.random()
    if roll < 0.2:
        return -int(rng.integers(1, 6))  # already waiting at the depot
    if roll < 0.7:
        return int(rng.integers(0, max(1, days // 4)))
    return int(rng.integers(0, max(1, days - 3)))


def _priority(rng: np.random.Generator, bias: float) -> float:
    shares = PRIORITY_SHARES * np.array([bias**2, bias, 1.0, 1.0 / bias, 1.0 / bias**2])
    return PRIORITY_WEIGHTS[int(rng.choice(len(PRIORITY_WEIGHTS), p=shares / shares.sum()))]


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance × 1.25 (roads and rails are not straight)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 1.25 * 2 * 6371.0 * math.asin(math.sqrt(a))


def _transit(km: float, km_per_day: float) -> int:
    return min(4, max(1, math.ceil(km / km_per_day)))


def _round_t(value: float) -> float:
    return float(round(max(value, 1.0), 1))


def _surface_cap(value: float) -> float:
    """Road, rail, sea and hub capacity: at least the heaviest unit, so every type can move."""
    return _round_t(max(value, MIN_SURFACE_CAP_T))


def _round_cost(value: float) -> float:
    return float(round(value, 1))
