"""The Kiel Ukraine Support Tracker's cell codes and names, read the same way everywhere.

Kiel writes ``.`` for "not applicable / not given", and also ``undisclosed``, ``No price`` and
``Not given``; the demo's offer lines and the tracker importers both read cells with :func:`number`.
The donor names are Kiel's spelling; :data:`DONOR_ISO3` maps them onto ISO 3166 alpha-3 codes
(``EUU`` for the EU institutions, the code the reference data uses).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum

#: Cells that hold no number, lower-cased.
NOT_GIVEN = frozenset({"", ".", "undisclosed", "no price", "not given"})
_EUROPEAN_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+\.\d{2}$")  # "15.000.00" means 15,000

#: Obvious typos in the published data, corrected on load: (ID, published date) → read as.
DATE_CORRECTIONS: dict[tuple[str, str], str] = {("EEM3", "2922-02-09"): "2022-02-09"}

#: The EU code of the reference data, used for the three EU institutions.
EU_CODE = "EUU"

#: The EU institutions among Kiel's donors, and what their aid is attributed to members by.
EU_COMMISSION = "EU (Commission and Council)"
EU_PEACE_FACILITY = "European Peace Facility"
EU_INVESTMENT_BANK = "European Investment Bank"
EU_INSTITUTIONS = (EU_COMMISSION, EU_PEACE_FACILITY, EU_INVESTMENT_BANK)

#: Kiel R7 ``Donor`` (and R29 ``country``) → ISO 3166 alpha-3.
DONOR_ISO3: dict[str, str] = {
    "Australia": "AUS",
    "Austria": "AUT",
    "Belgium": "BEL",
    "Bulgaria": "BGR",
    "Canada": "CAN",
    "China": "CHN",
    "Croatia": "HRV",
    "Cyprus": "CYP",
    "Czech Republic": "CZE",
    "Czechia": "CZE",
    "Denmark": "DNK",
    "Estonia": "EST",
    "Finland": "FIN",
    "France": "FRA",
    "Germany": "DEU",
    "Greece": "GRC",
    "Hungary": "HUN",
    "Iceland": "ISL",
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
    "Turkiye": "TUR",
    "United Kingdom": "GBR",
    "United States": "USA",
    EU_COMMISSION: EU_CODE,
    EU_PEACE_FACILITY: EU_CODE,
    EU_INVESTMENT_BANK: EU_CODE,
}


class AidType(StrEnum):
    """Kiel's ``Type of Aid General``."""

    MILITARY = "military"
    FINANCIAL = "financial"
    HUMANITARIAN = "humanitarian"


def aid_type(cell: str) -> AidType | None:
    """``Military`` / ``Financial`` / ``Humanitarian`` (any case, trimmed), else ``None``."""
    try:
        return AidType(cell.strip().lower())
    except ValueError:
        return None


def is_not_given(cell: str) -> bool:
    """True for the cells Kiel uses for "not applicable / not given"."""
    return cell.strip().lower() in NOT_GIVEN


def number(cell: str) -> Decimal | None:
    """A Kiel cell as a ``Decimal``, or ``None`` when it holds no number.

    ``.``, blank, ``undisclosed``, ``No price`` and ``Not given`` mean "not given"; other words
    (``dozens``, ``partially``) are not numbers either. ``1.000.00`` (European thousands) reads 1000.
    """
    text = cell.strip().replace(",", "")
    if text.lower() in NOT_GIVEN:
        return None
    if _EUROPEAN_THOUSANDS.match(text):
        text = text[:-3].replace(".", "") + text[-3:]
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def corrected_date(kiel_id: str, cell: str) -> tuple[str, str | None]:
    """The announcement date to read for a row, and a note when a known typo was corrected."""
    text = cell.strip()
    fixed = DATE_CORRECTIONS.get((kiel_id.strip(), text))
    if fixed is None:
        return text, None
    return fixed, f"Announcement date published as {text}; read as {fixed}."
