"""Nations, memberships, GDP, organisations and sites of the demo, built from the packaged public data.

Donor names are mapped to ISO 3166 alpha-3 by an explicit table. The three EU institutions in the
Kiel data become one nation-like donor, ``EUU`` (the World Bank's code for the EU), and one organisation
each. Site coordinates are read from ``geo/`` (airports, cities) or from the UN/LOCODE subset; the
handling and storage capacities of the hubs are **synthetic** and say so in their notes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from nsatu.core.enums import OrganisationKind, SiteKind
from nsatu.db.models import Nation, NationGdp, Organisation, Site
from nsatu.demo.datafiles import read_csv

EU_CODE = "EUU"
RECIPIENT = "UKR"
HOSTS = frozenset({"POL", "ROU", "DEU"})
GDP_FIRST_YEAR = 2000
GDP_SOURCE = "World Bank WDI NY.GDP.MKTP.CD, current US$ (datahub.io core/gdp)"
KIEL_GDP_SOURCE = "Kiel UST R7 donor GDP 2021 (US$ bn, IMF WEO vintage)"

#: Kiel R7 ``Donor`` → ISO 3166 alpha-3 (``EUU`` for the EU institutions).
DONOR_CODES: dict[str, str] = {
    "Australia": "AUS",
    "Austria": "AUT",
    "Belgium": "BEL",
    "Bulgaria": "BGR",
    "Canada": "CAN",
    "China": "CHN",
    "Croatia": "HRV",
    "Cyprus": "CYP",
    "Czech Republic": "CZE",
    "Denmark": "DNK",
    "Estonia": "EST",
    "Finland": "FIN",
    "France": "FRA",
    "Germany": "DEU",
    "Greece": "GRC",
    "Hungary": "HUN",
    "India": "IND",
    "Ireland": "IRL",
    "Italy": "ITA",
    "Japan": "JPN",
    "Latvia": "LVA",
    "Lithuania": "LTU",
    "Luxembourg": "LUX",
    "Malta": "MLT",
    "Netherlands": "NLD",
    "New Zealand": "NZL",
    "Norway": "NOR",
    "Poland": "POL",
    "Portugal": "PRT",
    "Romania": "ROU",
    "Slovakia": "SVK",
    "Slovenia": "SVN",
    "South Korea": "KOR",
    "Spain": "ESP",
    "Sweden": "SWE",
    "Switzerland": "CHE",
    "Taiwan": "TWN",
    "Turkey": "TUR",
    "United Kingdom": "GBR",
    "United States": "USA",
    "EU (Commission and Council)": EU_CODE,
    "European Peace Facility": EU_CODE,
    "European Investment Bank": EU_CODE,
}

#: The EU institutions of the Kiel data, each an organisation of the ``EUU`` donor.
EU_ORGANISATIONS: dict[str, str] = {
    "EU (Commission and Council)": "European Commission and Council of the EU",
    "European Peace Facility": "European Peace Facility",
    "European Investment Bank": "European Investment Bank",
}

#: Display names where the Kiel spelling is not the one the app shows.
NAMES: dict[str, str] = {
    "CZE": "Czechia",
    "KOR": "Republic of Korea",
    "TUR": "Türkiye",
    EU_CODE: "European Union (institutions)",
    RECIPIENT: "Ukraine",
}


def nation_codes() -> list[str]:
    """Every nation the demo creates, sorted: the Kiel donors, ``EUU``, Ukraine and the hosts."""
    return sorted(set(DONOR_CODES.values()) | {RECIPIENT} | HOSTS)


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value.strip() else None


def build_nations() -> dict[str, Nation]:
    """One ``Nation`` per code of :func:`nation_codes`, with memberships from ``memberships/``."""
    members = {r["iso3"]: r for r in read_csv("memberships", "nato_eu_membership.csv")}
    kiel_names = {code: name for name, code in DONOR_CODES.items() if code != EU_CODE}
    donors = set(DONOR_CODES.values())
    nations: dict[str, Nation] = {}
    for code in nation_codes():
        m = members.get(code)
        eu_on = _date(m["eu_accession"]) if m else None
        nato_on = _date(m["nato_accession"]) if m else None
        nations[code] = Nation(
            code=code,
            name=NAMES.get(code) or kiel_names[code],
            is_donor=code in donors,
            is_recipient=code == RECIPIENT,
            is_host=code in HOSTS,
            eu_member=eu_on is not None,
            nato_member=nato_on is not None,
            eu_accession_on=eu_on,
            nato_accession_on=nato_on,
        )
    return nations


def build_gdp(nations: dict[str, Nation]) -> list[NationGdp]:
    """World Bank GDP (current US$) from 2000 for every demo nation it covers.

    Taiwan is not in the World Bank data; it gets the 2021 figure that the Kiel workbook used.
    The nations must be flushed already (rows refer to them by id).
    """
    rows: list[NationGdp] = []
    covered: set[str] = set()
    for r in read_csv("world_bank_gdp", "gdp_current_usd.csv"):
        code, year = r["Country Code"], int(r["Year"])
        if code in nations and year >= GDP_FIRST_YEAR and r["Value"].strip():
            covered.add(code)
            rows.append(
                NationGdp(
                    nation_id=nations[code].id,
                    year=year,
                    gdp_usd=_cents(Decimal(r["Value"])),
                    source=GDP_SOURCE,
                )
            )
    kiel_gdp = {r["Country"]: r for r in read_csv("kiel_ust_release7", "donor_gdp_2021.csv")}
    for name, code in DONOR_CODES.items():
        if code not in covered and name in kiel_gdp:
            bn = Decimal(kiel_gdp[name]["GDP (2021) [US$ billion]"])
            rows.append(
                NationGdp(
                    nation_id=nations[code].id,
                    year=2021,
                    gdp_usd=_cents(bn * 10**9),
                    source=KIEL_GDP_SOURCE,
                )
            )
    return rows


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def build_organisations(nations: dict[str, Nation]) -> dict[str, Organisation]:
    """A ministry of defence per national donor and Ukraine, and the three EU institutions.

    Keyed by nation code for ministries and by the Kiel donor name for the EU institutions. The
    nations must be flushed already.
    """
    orgs: dict[str, Organisation] = {}
    for code, nation in nations.items():
        if code == EU_CODE or not (nation.is_donor or nation.is_recipient):
            continue
        orgs[code] = Organisation(
            name=f"Ministry of Defence ({nation.name})",
            kind=OrganisationKind.MINISTRY,
            nation_id=nation.id,
        )
    for kiel_name, org_name in EU_ORGANISATIONS.items():
        orgs[kiel_name] = Organisation(
            name=org_name, kind=OrganisationKind.INTERNATIONAL, nation_id=nations[EU_CODE].id
        )
    return orgs


# --- Sites -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteDef:
    code: str
    name: str
    kind: SiteKind
    nation: str
    #: Where the coordinates come from: ``airport:<ICAO>``, ``city:<geonameid>`` or ``locode:<code>``.
    coords: str
    unlocode: str | None
    notes: str
    road: int | None = None
    rail: int | None = None
    air: int | None = None
    sea: int | None = None
    storage: int | None = None


_SYNTHETIC = (
    "Handling capacities (lift units/day per mode) and storage (lift units) are synthetic demo "
    "figures, not real throughput data."
)
_CROSSING = "Coordinates: UN/LOCODE point of the border locality, not the exact crossing."

SITES: tuple[SiteDef, ...] = (
    SiteDef("HUB-RZE", "Rzeszów-Jasionka logistics hub", SiteKind.HUB, "POL", "airport:EPRZ",
            "PLRZE", f"Main hub by Rzeszów-Jasionka airport (coordinates: airport). {_SYNTHETIC}",
            road=600, rail=300, air=150, storage=12_000),
    SiteDef("HUB-CND", "Constanța port logistics hub", SiteKind.HUB, "ROU", "city:680963", "ROCND",
            "Black Sea port hub; the UN/LOCODE also covers Mihail Kogălniceanu airport (about 25 km). "
            f"Coordinates: Constanța city (GeoNames). {_SYNTHETIC}",
            road=400, rail=250, air=60, sea=800, storage=20_000),
    SiteDef("HOP-KOC", "Korczowa–Krakovets border crossing", SiteKind.HANDOVER_POINT, "POL",
            "locode:PLKOC", "PLKOC", f"Road crossing PL–UA. {_CROSSING}"),
    SiteDef("HOP-MED", "Medyka–Shehyni border crossing", SiteKind.HANDOVER_POINT, "POL",
            "locode:PLMED", "PLMED", f"Road and rail crossing PL–UA. {_CROSSING}"),
    SiteDef("HOP-HRE", "Hrebenne–Rava-Ruska border crossing", SiteKind.HANDOVER_POINT, "POL",
            "locode:PLHRE", "PLHRE", f"Road and rail crossing PL–UA. {_CROSSING}"),
    SiteDef("HOP-DOR", "Dorohusk–Yahodyn border crossing", SiteKind.HANDOVER_POINT, "POL",
            "locode:PLDOR", "PLDOR", f"Road and rail crossing PL–UA. {_CROSSING}"),
    SiteDef("HOP-SIR", "Siret–Porubne border crossing", SiteKind.HANDOVER_POINT, "ROU",
            "locode:ROSIR", "ROSIR", f"Road crossing RO–UA. {_CROSSING}"),
    SiteDef("HOP-ISC", "Isaccea–Orlivka border crossing", SiteKind.HANDOVER_POINT, "ROU",
            "locode:ROISC", "ROISC", f"Danube ferry crossing RO–UA. {_CROSSING}"),
    SiteDef("DEP-DE-LEJ", "Donor depot Leipzig/Halle", SiteKind.DEPOT, "DEU", "airport:EDDP", "DELEJ",
            "Demo donor depot at the Leipzig/Halle cargo airport (coordinates: airport)."),
    SiteDef("DEP-DE-KLT", "Donor depot Kaiserslautern", SiteKind.DEPOT, "DEU", "city:2894003",
            "DEKLT", "Demo donor depot near Ramstein (coordinates: Kaiserslautern city, GeoNames)."),
    SiteDef("DEP-DE-BRV", "Donor depot Bremerhaven port", SiteKind.DEPOT, "DEU", "city:2944368",
            "DEBRV", "Demo donor depot at the RO-RO port (coordinates: Bremerhaven city, GeoNames)."),
    SiteDef("TRN-GRR", "Grafenwöhr training area", SiteKind.TRAINING_CENTRE, "DEU", "locode:DEGRR",
            "DEGRR", "Training centre (coordinates: UN/LOCODE subset, geocoded locality point)."),
    SiteDef("HQ-WIE", "NSATU headquarters Wiesbaden", SiteKind.HQ, "DEU", "airport:ETOU", "DEWIB",
            "NSATU HQ at Clay Kaserne (coordinates: Wiesbaden Army Airfield)."),
)  # fmt: skip


def _coordinates() -> dict[str, tuple[Decimal, Decimal]]:
    coords: dict[str, tuple[Decimal, Decimal]] = {}
    for r in read_csv("geo", "airports_region_airportsdata.csv"):
        coords[f"airport:{r['icao']}"] = (Decimal(r["lat"]), Decimal(r["lon"]))
    for r in read_csv("geo", "cities_pop15000_region.csv"):
        coords[f"city:{r['geonameid']}"] = (Decimal(r["latitude"]), Decimal(r["longitude"]))
    for r in read_csv("unlocode", "unlocode_subset.csv"):
        coords[f"locode:{r['unlocode']}"] = (Decimal(r["lat"]), Decimal(r["lon"]))
    return coords


def build_sites(nations: dict[str, Nation]) -> dict[str, Site]:
    """Every site of :data:`SITES`, keyed by code, with coordinates looked up in the packaged data.

    The nations must be flushed already.

    Raises:
        KeyError: a site's coordinate key is missing from the packaged data.
    """
    coords = _coordinates()
    sites: dict[str, Site] = {}
    for d in SITES:
        lat, lon = coords[d.coords]
        sites[d.code] = Site(
            code=d.code,
            name=d.name,
            kind=d.kind,
            nation_id=nations[d.nation].id,
            latitude=lat.quantize(Decimal("0.000001")),
            longitude=lon.quantize(Decimal("0.000001")),
            unlocode=d.unlocode,
            road_capacity_per_day=d.road,
            rail_capacity_per_day=d.rail,
            air_capacity_per_day=d.air,
            sea_capacity_per_day=d.sea,
            storage_capacity=d.storage,
            notes=d.notes,
        )
    return sites


def handover_codes() -> list[str]:
    return [d.code for d in SITES if d.kind is SiteKind.HANDOVER_POINT]
