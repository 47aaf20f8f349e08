"""The Kiel Ukraine Support Tracker R7 rows turned into offer-line specifications (no database here).

Every CSV row becomes exactly one line. Rows that share an ``ID`` form a package. Only the first row of a
package carries the package total, so each package with more than one row gets an extra parent line with
that total (reference = the ID), and its rows become children ``<ID>-<nn>``. A package with a single row is
the line itself, and its reference is the ID.

Values come in two kinds. A parent or single line carries the amount as the donor declared it, in the
original currency, with the Kiel exchange rate (units per 1 EUR, the ECB average of 2022-09-06..2022-10-06,
dated here on the release's cut-off date 2022-10-03). A child item line carries Kiel's own USD estimate
(price list × units).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from nsatu.core.enums import OfferChannel, OfferKind, ValuationBasis
from nsatu.core.kiel import DATE_CORRECTIONS, NOT_GIVEN, number
from nsatu.core.lifecycles import OfferStage
from nsatu.demo.catalogue import classify
from nsatu.demo.datafiles import read_csv
from nsatu.demo.reference_data import EU_ORGANISATIONS
from nsatu.offers.sources import KIEL_SOURCE

SOURCE = KIEL_SOURCE
RATES_ON = dt.date(2022, 10, 3)
PRICE_SOURCE = "Kiel UST R7 price list"
FOLDER = "kiel_ust_release7"

_NOT_GIVEN = NOT_GIVEN
_CENT = Decimal("0.01")
_MILLI = Decimal("0.001")


@dataclass(frozen=True)
class KielRow:
    """One parsed row of ``bilateral_assistance_main_data.csv``."""

    line: int  # 1-based position among the data rows
    id: str
    donor: str
    announced_on: dt.date | None
    aid_general: str
    aid_specific: str
    explanation: str
    currency: str | None
    item: str | None
    item_type: str | None  # catalogue code when the row names an item
    units: Decimal | None
    units_raw: str
    units_delivered: Decimal | None
    units_delivered_raw: str
    unit_price_usd: Decimal | None
    value_usd: Decimal | None
    total: Decimal | None
    date_note: str | None = None


def parse_row(line: int, r: dict[str, str]) -> KielRow:
    date_raw = r["Announcement Date"].strip()
    note = None
    if (r["ID"], date_raw) in DATE_CORRECTIONS:
        fixed = DATE_CORRECTIONS[(r["ID"], date_raw)]
        note = f"Announcement date published as {date_raw}; read as {fixed}."
        date_raw = fixed
    item = r["Item"].strip()
    has_item = item not in ("", ".")
    currency = r["Original Currency"].strip()
    general = r["Type of Aid General"].strip()
    return KielRow(
        line=line,
        id=r["ID"].strip(),
        donor=r["Donor"].strip(),
        announced_on=dt.date.fromisoformat(date_raw) if date_raw else None,
        aid_general=general,
        aid_specific=r["Type of Aid Specific"].strip(),
        explanation=r["Explanation"].strip(),
        currency=currency if re.fullmatch(r"[A-Z]{3}", currency) else None,
        item=item if has_item else None,
        item_type=(
            classify(
                r["Type of item"],
                r["Sub-type of item"],
                item,
                humanitarian=general == "Humanitarian",
            )
            if has_item
            else None
        ),
        units=_q(number(r["No. of Units"]), _MILLI),
        units_raw=r["No. of Units"].strip(),
        units_delivered=_q(number(r["No. of Units delivered (in-kind military aid)"]), _MILLI),
        units_delivered_raw=r["No. of Units delivered (in-kind military aid)"].strip(),
        unit_price_usd=_q(number(r["Unit Price in USD"]), _CENT),
        value_usd=_q(number(r["Value committed (own estimate, in USD)"]), _CENT),
        total=_q(number(r["Total (original currency)"]), _CENT),
        date_note=note,
    )


def _q(value: Decimal | None, exp: Decimal) -> Decimal | None:
    return None if value is None else value.quantize(exp)


def read_rows() -> list[KielRow]:
    """Every row of the packaged Kiel R7 main data, in file order."""
    rows = read_csv(FOLDER, "bilateral_assistance_main_data.csv")
    return [parse_row(i, r) for i, r in enumerate(rows, start=1)]


def read_rates() -> dict[str, Decimal]:
    """Kiel's fixed exchange rates: units of each currency per 1 EUR."""
    return {
        r["currency"].strip(): Decimal(r["units_per_1_EUR"])
        for r in read_csv(FOLDER, "exchange_rates.csv")
    }


def median_unit_prices(rows: Iterable[KielRow]) -> dict[str, Decimal]:
    """Median of Kiel's positive ``Unit Price in USD`` per catalogue item type, to the cent."""
    prices: dict[str, list[Decimal]] = {}
    for row in rows:
        if row.item_type is not None and row.unit_price_usd:
            prices.setdefault(row.item_type, []).append(row.unit_price_usd)
    return {code: median(values).quantize(_CENT) for code, values in sorted(prices.items())}


# --- Offer-line specifications ---------------------------------------------------------------------


@dataclass(frozen=True)
class Valuation:
    """An amount, its currency, the rate to EUR (units per 1 EUR) and how it was valued."""

    currency: str
    amount: Decimal
    eur_rate: Decimal
    basis: ValuationBasis


@dataclass(frozen=True)
class OfferSpec:
    """Everything an offer line needs, with the donor by Kiel name and the item by catalogue code."""

    reference: str
    parent_reference: str | None
    donor: str
    channel: OfferChannel
    kind: OfferKind
    item_type: str | None
    description: str
    stage: OfferStage
    announced_on: dt.date | None
    quantity: Decimal | None = None
    quantity_delivered: Decimal | None = None
    value: Valuation | None = None
    notes: str | None = None
    rows: tuple[int, ...] = field(
        default=()
    )  # the CSV rows this line stands for (none for parents)


def row_kind(row: KielRow) -> OfferKind:
    """What a row offers: an item from stock, money, a service or training."""
    if row.item is not None:
        return OfferKind.IN_KIND_STOCK
    if row.aid_general == "Financial":
        return OfferKind.CASH_POOLED
    if row.aid_general == "Humanitarian":
        return OfferKind.SERVICE
    specific = row.aid_specific.lower()
    if re.search(r"grant|funding|european peace facility", specific):
        return OfferKind.CASH_POOLED
    if specific == "assistance":
        text = row.explanation.lower()
        if "fund" in text:
            return OfferKind.CASH_POOLED
        return OfferKind.TRAINING if re.search(r"\btrain", text) else OfferKind.SERVICE
    return OfferKind.IN_KIND_STOCK  # military materiel not itemised


def row_stage(row: KielRow) -> OfferStage:
    """Delivered when every committed unit was delivered; otherwise committed (Kiel lists commitments)."""
    if row.units is not None and row.units > 0 and row.units_delivered == row.units:
        return OfferStage.DELIVERED
    return OfferStage.COMMITTED


def channel_of(donor: str) -> OfferChannel:
    return OfferChannel.POOLED_FUND if donor in EU_ORGANISATIONS else OfferChannel.BILATERAL


def _row_notes(row: KielRow) -> list[str]:
    notes: list[str] = []
    if row.date_note:
        notes.append(row.date_note)
    if row.item is not None and row.units is None:
        raw = row.units_raw.lower()
        notes.append("Number of units undisclosed." if raw.startswith("undisclosed") else
                     "Number of units not given.")  # fmt: skip
    delivered = row.units_delivered_raw
    if row.units_delivered is None and delivered.lower() not in _NOT_GIVEN:
        notes.append(f"Units delivered: {delivered}.")
    return notes


def _describe(row: KielRow) -> str:
    if row.item is not None:
        return row.item[:300]
    return f"{row.aid_general} aid ({row.aid_specific.lower() or 'unspecified'})"[:300]


def _declared(row: KielRow, rates: dict[str, Decimal]) -> Valuation | None:
    """The total as the donor declared it, in the original currency (first row of a package)."""
    if row.total is None or row.currency is None:
        return None
    return Valuation(row.currency, row.total, rates[row.currency], ValuationBasis.DONOR_DECLARED)


def _estimated(row: KielRow, rates: dict[str, Decimal]) -> Valuation | None:
    """Kiel's own USD estimate of an item (unit price list × units)."""
    if row.value_usd is None:
        return None
    return Valuation("USD", row.value_usd, rates["USD"], ValuationBasis.PRICE_LIST)


def _join(parts: Iterable[str]) -> str | None:
    text = "\n\n".join(p for p in parts if p)
    return text or None


def package_specs(rows: Sequence[KielRow], rates: dict[str, Decimal]) -> list[OfferSpec]:
    """The offer lines of one package (all rows sharing an ``ID``, in file order)."""
    first = rows[0]
    first_date = next((r.announced_on for r in rows if r.announced_on is not None), None)
    channel = channel_of(first.donor)
    if len(rows) == 1:
        return [
            OfferSpec(
                reference=first.id,
                parent_reference=None,
                donor=first.donor,
                channel=channel,
                kind=row_kind(first),
                item_type=first.item_type,
                description=_describe(first),
                stage=row_stage(first),
                announced_on=first.announced_on,
                quantity=first.units,
                quantity_delivered=first.units_delivered,
                notes=_join([first.explanation, *_row_notes(first)]),
                rows=(first.line,),
                value=_declared(first, rates) or _estimated(first, rates),
            )
        ]
    children = [
        OfferSpec(
            reference=f"{first.id}-{seq:02d}",
            parent_reference=first.id,
            donor=row.donor,
            channel=channel,
            kind=row_kind(row),
            item_type=row.item_type,
            description=_describe(row),
            stage=row_stage(row),
            announced_on=row.announced_on or first_date,
            quantity=row.units,
            quantity_delivered=row.units_delivered,
            notes=_join(
                [*_row_notes(row), row.explanation if row.explanation != first.explanation else ""]
            ),
            rows=(row.line,),
            value=_estimated(row, rates),
        )
        for seq, row in enumerate(rows, start=1)
    ]
    kinds = {c.kind for c in children}
    if len(kinds) == 1:
        kind = kinds.pop()
    elif first.aid_general == "Financial":
        kind = OfferKind.CASH_POOLED
    else:
        kind = OfferKind.IN_KIND_STOCK
    all_delivered = all(c.stage is OfferStage.DELIVERED for c in children)
    parent = OfferSpec(
        reference=first.id,
        parent_reference=None,
        donor=first.donor,
        channel=channel,
        kind=kind,
        item_type=None,
        description=f"{first.donor}: {first.aid_general.lower()} aid package {first.id} "
        f"({len(rows)} lines)",
        stage=OfferStage.DELIVERED if all_delivered else OfferStage.COMMITTED,
        announced_on=first_date,
        notes=_join([first.explanation, first.date_note or ""]),
        value=_declared(first, rates),  # the item estimates stay on the children
    )
    return [parent, *children]


def offer_specs(rows: Sequence[KielRow], rates: dict[str, Decimal]) -> list[OfferSpec]:
    """Every offer line for ``rows``: each package's parent (if any) before its children.

    Raises:
        ValueError: the rows of one ``ID`` are not contiguous, or a currency has no rate.
    """
    packages: dict[str, list[KielRow]] = {}
    last: str | None = None
    for row in rows:
        if row.id in packages and row.id != last:
            raise ValueError(f"Kiel rows of package {row.id} are not contiguous (row {row.line})")
        packages.setdefault(row.id, []).append(row)
        last = row.id
        if row.currency is not None and row.currency not in rates:
            raise ValueError(f"no exchange rate for {row.currency} (row {row.line})")
    return [spec for pkg in packages.values() for spec in package_specs(pkg, rates)]
