"""What the demo needs for planning: one donor depot per donor nation and the transport links.

**Everything here is synthetic** and says so in the rows' notes. The Kiel data names no depots, so
each donor nation without one gets ``DEP-<ISO3>``, placed at its capital (approximate public
coordinates, not a real facility); Germany keeps its three named demo depots and ships from
Leipzig/Halle. The links run from every depot to the two hubs and from each hub to the handover
points of its country; their transit times, capacities and costs follow from the great-circle
distance and a per-mode profile (:data:`MODES`), so they are plausible, not real.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from nsatu.core.enums import SiteKind, TransportMode
from nsatu.db.models import Nation, Site, TransportLink

#: Germany's demo depot the planner ships German offers from.
GERMAN_DEPOT = "DEP-DE-LEJ"
HUBS = ("HUB-RZE", "HUB-CND")

_SYNTHETIC = "Synthetic demo data, not a real facility or service."

#: Capitals (name, latitude, longitude) of the donor nations that get a synthetic depot.
CAPITALS: dict[str, tuple[str, float, float]] = {
    "AUS": ("Canberra", -35.2809, 149.1300),
    "AUT": ("Vienna", 48.2082, 16.3738),
    "BEL": ("Brussels", 50.8503, 4.3517),
    "BGR": ("Sofia", 42.6977, 23.3219),
    "CAN": ("Ottawa", 45.4215, -75.6972),
    "CHE": ("Bern", 46.9480, 7.4474),
    "CHN": ("Beijing", 39.9042, 116.4074),
    "CYP": ("Nicosia", 35.1856, 33.3823),
    "CZE": ("Prague", 50.0755, 14.4378),
    "DNK": ("Copenhagen", 55.6761, 12.5683),
    "ESP": ("Madrid", 40.4168, -3.7038),
    "EST": ("Tallinn", 59.4370, 24.7536),
    "FIN": ("Helsinki", 60.1699, 24.9384),
    "FRA": ("Paris", 48.8566, 2.3522),
    "GBR": ("London", 51.5074, -0.1278),
    "GRC": ("Athens", 37.9838, 23.7275),
    "HRV": ("Zagreb", 45.8150, 15.9819),
    "HUN": ("Budapest", 47.4979, 19.0402),
    "IND": ("New Delhi", 28.6139, 77.2090),
    "IRL": ("Dublin", 53.3498, -6.2603),
    "ITA": ("Rome", 41.9028, 12.4964),
    "JPN": ("Tokyo", 35.6762, 139.6503),
    "KOR": ("Seoul", 37.5665, 126.9780),
    "LTU": ("Vilnius", 54.6872, 25.2797),
    "LUX": ("Luxembourg", 49.6116, 6.1319),
    "LVA": ("Riga", 56.9496, 24.1052),
    "MLT": ("Valletta", 35.8989, 14.5146),
    "NLD": ("Amsterdam", 52.3676, 4.9041),
    "NOR": ("Oslo", 59.9139, 10.7522),
    "NZL": ("Wellington", -41.2865, 174.7762),
    "POL": ("Warsaw", 52.2297, 21.0122),
    "PRT": ("Lisbon", 38.7223, -9.1393),
    "ROU": ("Bucharest", 44.4268, 26.1025),
    "SVK": ("Bratislava", 48.1486, 17.1077),
    "SVN": ("Ljubljana", 46.0569, 14.5058),
    "SWE": ("Stockholm", 59.3293, 18.0686),
    "TUR": ("Ankara", 39.9334, 32.8597),
    "TWN": ("Taipei", 25.0330, 121.5654),
    "USA": ("Washington", 38.9072, -77.0369),
}


@dataclass(frozen=True)
class ModeProfile:
    """How one mode performs: km per day, days of handling on top, tonnes per day, EUR per
    tonne-km and a fixed EUR per tonne; ``max_km`` is the longest distance it is offered for."""

    km_per_day: float
    handling_days: int
    capacity_t_per_day: int
    eur_per_t_km: float
    eur_per_t: float
    max_km: float


MODES: dict[TransportMode, ModeProfile] = {
    TransportMode.ROAD: ModeProfile(600, 1, 250, 0.12, 15, 2_500),
    TransportMode.RAIL: ModeProfile(400, 2, 600, 0.06, 25, 2_500),
    TransportMode.AIR: ModeProfile(8_000, 1, 60, 1.10, 150, 20_000),
    TransportMode.SEA: ModeProfile(550, 3, 3_000, 0.015, 30, 25_000),
}
#: Sea legs land only at the port hub; rail and road only inside Europe (``max_km``).
_PORT_HUBS = frozenset({"HUB-CND"})
#: Hub → handover point: a short road leg, and rail where the crossing has a railway.
_RAIL_CROSSINGS = frozenset({"HOP-MED", "HOP-HRE", "HOP-DOR"})


def depot_code(nation_code: str) -> str:
    return GERMAN_DEPOT if nation_code == "DEU" else f"DEP-{nation_code}"


def build_depots(nations: dict[str, Nation], donor_codes: set[str]) -> dict[str, Site]:
    """A synthetic depot at the capital of every donor in ``donor_codes`` that has none, keyed by
    site code.

    Germany (its own demo depots) and nations without a known capital (the EU institutions,
    which give money, not stock) get none. The nations must be flushed already.
    """
    depots: dict[str, Site] = {}
    for code in sorted(donor_codes):
        if code == "DEU" or code not in CAPITALS or code not in nations:
            continue
        city, lat, lon = CAPITALS[code]
        depots[depot_code(code)] = Site(
            code=depot_code(code),
            name=f"Donor depot {nations[code].name}",
            kind=SiteKind.DEPOT,
            nation_id=nations[code].id,
            latitude=Decimal(str(lat)).quantize(Decimal("0.000001")),
            longitude=Decimal(str(lon)).quantize(Decimal("0.000001")),
            unlocode=None,
            notes=f"Synthetic demo depot placed at {city} (approximate coordinates). {_SYNTHETIC}",
        )
    return depots


def distance_km(a: Site, b: Site) -> float:
    """Great-circle distance between two sites (haversine, Earth radius 6371 km)."""
    lat1, lon1 = math.radians(float(a.latitude)), math.radians(float(a.longitude))
    lat2, lon2 = math.radians(float(b.latitude)), math.radians(float(b.longitude))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


def _link(a: Site, b: Site, mode: TransportMode, km: float) -> TransportLink:
    p = MODES[mode]
    # Roads and rails are longer than the great circle; a detour factor of 1.3 is usual.
    route_km = km * (1.0 if mode in (TransportMode.AIR, TransportMode.SEA) else 1.3)
    return TransportLink(
        from_site_id=a.id,
        to_site_id=b.id,
        mode=mode,
        transit_days=max(1, p.handling_days + math.ceil(route_km / p.km_per_day)),
        capacity_t_per_day=Decimal(p.capacity_t_per_day),
        cost_per_t=Decimal(str(round(p.eur_per_t + p.eur_per_t_km * route_km, 2))),
        active=True,
        notes=f"{a.code} → {b.code} by {mode}, about {round(route_km)} km. {_SYNTHETIC}",
    )


def build_links(sites: dict[str, Site]) -> list[TransportLink]:
    """Depot → hub by every mode the distance allows, hub → handover point by road (and rail
    where the crossing has one), in a fixed order. Sites must be flushed (ids known)."""
    links: list[TransportLink] = []
    depots = sorted((s for s in sites.values() if s.kind is SiteKind.DEPOT), key=lambda s: s.code)
    for depot in depots:
        for hub_code in HUBS:
            hub = sites[hub_code]
            km = distance_km(depot, hub)
            for mode, profile in MODES.items():
                if km > profile.max_km:
                    continue
                if mode is TransportMode.SEA and (hub_code not in _PORT_HUBS or km < 1_500):
                    continue
                links.append(_link(depot, hub, mode, km))
    handovers = sorted(
        (s for s in sites.values() if s.kind is SiteKind.HANDOVER_POINT), key=lambda s: s.code
    )
    for hub_code in HUBS:
        hub = sites[hub_code]
        for point in handovers:
            if point.nation_id != hub.nation_id:
                continue
            km = distance_km(hub, point)
            links.append(_link(hub, point, TransportMode.ROAD, km))
            if point.code in _RAIL_CROSSINGS:
                links.append(_link(hub, point, TransportMode.RAIL, km))
    return links
