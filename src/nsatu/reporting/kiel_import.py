"""Import the published Ukraine Support Tracker releases (Kiel Institute) into the ``kiel_*`` tables.

- **R7** (``import_r7``): the item-level rows, the release's exchange rates, donor GDP 2021 and the
  EU / EPF / EIB burden-sharing keys. Kiel's codes are read with :mod:`nsatu.core.kiel` (``.`` is "not
  applicable", ``undisclosed`` is kept as published). Rows sharing an ``ID`` form a package and only
  the first carries the package total; it is converted with the release's rate table (units per
  1 EUR) and the rate is stored next to it.
- **R29** (``import_r29``): the donor × month allocations, the EU-share attribution per member and the
  heavy-weapons table of the website extract.

Every file is checked completely before anything is written; the first problem refuses the whole
import (:class:`KielFileInvalid`, naming file, row and column) and the transaction writes nothing.
A release whose files have the same SHA-256 as the stored ones is left alone (``unchanged``); one
whose files changed is replaced as a whole (``replaced``). The caller commits.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any, Literal, Protocol

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from nsatu.core import kiel as codes
from nsatu.db.models.kiel import (
    KielDonorGdp,
    KielEuKey,
    KielEuShare,
    KielExchangeRate,
    KielMonth,
    KielR7Row,
    KielRelease,
    KielWeapon,
)
from nsatu.errors import InvalidInput

#: ``progress(phase, done, total)``, called while rows are read and written.
Progress = Callable[[str, int, int], None]
Status = Literal["imported", "unchanged", "replaced"]


class Classifier(Protocol):
    """Maps a Kiel item (type, sub-type, item text) onto a catalogue item type code."""

    def __call__(
        self, type_of_item: str, sub_type: str, item: str, *, humanitarian: bool
    ) -> str: ...


KIEL_URL = "https://www.ifw-kiel.de/topics/war-against-ukraine/ukraine-support-tracker/"
R7_LABEL = "Ukraine Support Tracker – 7th release (covering January 24 to October 3, 2022)"
R7_PERIOD = "2022-01-24/2022-10-03"
R7_CITATION = (
    "Antezza, A., Bushnell, K., Frank, A., Frank, P., Franz, L., Kharitonov, I., Kumar, B., "
    'Rebinskaya, E. & Trebesch, C. (2022). "The Ukraine Support Tracker: Which countries help '
    'Ukraine and how?". Kiel Working Paper, No. 2218, 1-65.'
)
R29_CITATION = (
    "Trebesch, C., Antezza, A., Bushnell, K., Frank, A., Frank, P., Franz, L., Kharitonov, I., "
    'Kumar, B., Rebinskaya, E., Schramm, S., Schade, C., Weiser, L. "The Ukraine Support Tracker: '
    'Which countries help Ukraine and how?" Kiel Working Paper No. 2218, Kiel Institute for the '
    "World Economy; data: Ukraine Support Tracker, Release {release}."
)

R7_FOLDER = "kiel_ust_release7"
R29_FOLDER = "kiel_ust_release29"
R7_MAIN = "bilateral_assistance_main_data.csv"
R7_RATES = "exchange_rates.csv"
R7_GDP = "donor_gdp_2021.csv"
R7_KEYS = "eu_burden_sharing_keys.csv"
R29_INFO = "release_info.csv"
R29_MONTHS = "data_explorer.csv"
R29_EU_SHARE = "eu_share_attribution_input.csv"
R29_WEAPONS = "weapons.csv"

COL_ID = "ID"
COL_DONOR = "Donor"
COL_DATE = "Announcement Date"
COL_GENERAL = "Type of Aid General"
COL_SPECIFIC = "Type of Aid Specific"
COL_CURRENCY = "Original Currency"
COL_AMOUNT = "Monetary Value as Given by Source"
COL_ITEM = "Item"
COL_ITEM_TYPE = "Type of item"
COL_SUBTYPE = "Sub-type of item"
COL_UNITS = "No. of Units"
COL_DELIVERED = "No. of Units delivered (in-kind military aid)"
COL_PRICE = "Unit Price in USD"
COL_VALUE_USD = "Value committed (own estimate, in USD)"
COL_DELIVERED_USD = "Value delivered (own estimate, in USD)"
COL_TOTAL = "Total (original currency)"
COL_SOURCE = "Source of Aid 1"
R7_COLUMNS = (
    COL_ID, COL_DONOR, COL_DATE, COL_GENERAL, COL_SPECIFIC, COL_CURRENCY, COL_AMOUNT, COL_ITEM,
    COL_ITEM_TYPE, COL_SUBTYPE, COL_UNITS, COL_DELIVERED, COL_PRICE, COL_VALUE_USD,
    COL_DELIVERED_USD, COL_TOTAL, COL_SOURCE,
)  # fmt: skip
GDP_USD = "GDP (2021) [US$ billion]"
GDP_EUR = "GDP (EUR) [€ billion]"
MONTH_FIGURES = (
    "total", "financial", "humanitarian", "military", "commitments", "to_be_allocated", "gdp",
    "pct_gdp",
)  # fmt: skip

_BATCH = 250


class KielFileInvalid(InvalidInput):
    """A tracker file that cannot be read as published: nothing was imported."""

    code = "kiel_file_invalid"

    def __init__(
        self, file: str, message: str, *, row: int | None = None, column: str | None = None
    ):
        where = file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(
            f"{where}: {message}; nothing was imported", field=column, file=file, row=row
        )


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the release, ``imported`` / ``unchanged`` / ``replaced``, rows per table,
    and what the published files hold that a reader should know (inconsistencies, corrections)."""

    release: int
    status: Status
    counts: Mapping[str, int]
    digests: Mapping[str, str]
    notes: Sequence[str] = field(default_factory=tuple)


def packaged(folder: str) -> Traversable:
    """The copy of a release shipped in ``nsatu/data``."""
    return files("nsatu") / "data" / folder


# --- reading -------------------------------------------------------------------------------------


@dataclass
class _File:
    name: str
    digest: str
    header: list[str]
    rows: list[dict[str, str]]  # keyed by the header; record i is spreadsheet row i + 2

    def row_no(self, index: int) -> int:
        return index + 2  # the header is row 1


def _read(folder: Traversable, name: str, required: Iterable[str]) -> _File:
    path = folder.joinpath(name)
    if not path.is_file():
        raise KielFileInvalid(name, f"file not found in {folder}")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KielFileInvalid(name, f"not UTF-8 text (byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise KielFileInvalid(name, "the file is empty", row=1) from None
    missing = [c for c in required if c not in header]
    if missing:
        raise KielFileInvalid(name, f"missing column(s) {', '.join(map(repr, missing))}", row=1)
    rows: list[dict[str, str]] = []
    for cells in reader:
        row_no = len(rows) + 2
        if len(cells) != len(header):
            raise KielFileInvalid(
                name, f"{len(cells)} cells where the header has {len(header)}", row=row_no
            )
        rows.append(dict(zip(header, cells, strict=True)))
    return _File(name, hashlib.sha256(data).hexdigest(), header, rows)


def _decimal(f: _File, i: int, column: str, *, blank: bool = False) -> Decimal | None:
    """A cell that must be a number (or, with ``blank``, may be empty or a Kiel "not given")."""
    cell = f.rows[i][column]
    if blank and codes.is_not_given(cell):
        return None
    try:
        value = Decimal(cell.strip().replace(",", ""))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise KielFileInvalid(f.name, f"{cell!r} is not a number", row=f.row_no(i), column=column)
    return value


def _integer(f: _File, i: int, column: str, low: int, high: int) -> int:
    cell = f.rows[i][column].strip()
    if not re.fullmatch(r"\d+", cell) or not low <= int(cell) <= high:
        raise KielFileInvalid(
            f.name, f"{cell!r} is not a whole number from {low} to {high}", row=f.row_no(i),
            column=column,
        )  # fmt: skip
    return int(cell)


def _text(f: _File, i: int, column: str, *, max_len: int) -> str:
    cell = f.rows[i][column].strip()
    if not cell:
        raise KielFileInvalid(f.name, "is empty", row=f.row_no(i), column=column)
    if len(cell) > max_len:
        raise KielFileInvalid(
            f.name, f"longer than {max_len} characters", row=f.row_no(i), column=column
        )
    return cell


def _optional(cell: str, max_len: int) -> str | None:
    text = cell.strip()
    return None if codes.is_not_given(text) else text[:max_len]


def _unique(f: _File, keys: Sequence[tuple[Any, ...]], what: str) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    for i, key in enumerate(keys):
        if key in seen:
            raise KielFileInvalid(
                f.name, f"{what} {key!r} repeats row {f.row_no(seen[key])}", row=f.row_no(i)
            )
        seen[key] = i


def _iso3(f: _File, i: int, column: str) -> str:
    name = f.rows[i][column].strip()
    try:
        return codes.DONOR_ISO3[name]
    except KeyError:
        raise KielFileInvalid(
            f.name, f"{name!r} is not a donor the tracker import knows", row=f.row_no(i),
            column=column,
        ) from None  # fmt: skip


# --- R7 ------------------------------------------------------------------------------------------


def _r7_rates(f: _File) -> dict[str, Decimal]:
    rates: dict[str, Decimal] = {}
    for i, r in enumerate(f.rows):
        currency = r["currency"].strip()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise KielFileInvalid(
                f.name, f"{currency!r} is not a currency code", row=f.row_no(i), column="currency"
            )
        rate = _decimal(f, i, "units_per_1_EUR")
        assert rate is not None
        if rate <= 0:
            raise KielFileInvalid(
                f.name, "the rate must be positive", row=f.row_no(i), column="units_per_1_EUR"
            )
        rates[currency] = rate
    _unique(f, [(r["currency"].strip(),) for r in f.rows], "currency")
    return rates


def _r7_date(f: _File, i: int, kiel_id: str) -> tuple[dt.date | None, str | None]:
    date_text, note = codes.corrected_date(kiel_id, f.rows[i][COL_DATE])
    if not date_text:
        return None, note
    try:
        return dt.date.fromisoformat(date_text), note
    except ValueError:
        raise KielFileInvalid(
            f.name, f"{date_text!r} is not a date (YYYY-MM-DD)", row=f.row_no(i), column=COL_DATE
        ) from None


def _r7_value(
    f: _File, i: int, rates: Mapping[str, Decimal], *, first: bool
) -> tuple[str | None, Decimal | None, Decimal | None, Decimal | None]:
    """Currency, package total, the rate used and the EUR value of a row."""
    row = f.row_no(i)
    cell = f.rows[i][COL_CURRENCY].strip()
    currency: str | None = None
    if not codes.is_not_given(cell):
        if not re.fullmatch(r"[A-Z]{3}", cell):
            raise KielFileInvalid(
                f.name, f"{cell!r} is not a currency code", row=row, column=COL_CURRENCY
            )
        currency = cell
    total = _decimal(f, i, COL_TOTAL, blank=True)
    if total is None:
        return currency, None, None, None
    if not first:
        raise KielFileInvalid(
            f.name, "a package total on a row other than the package's first", row=row,
            column=COL_TOTAL,
        )  # fmt: skip
    if currency is None:
        raise KielFileInvalid(f.name, "a total with no currency", row=row, column=COL_CURRENCY)
    if currency not in rates:
        raise KielFileInvalid(
            f.name, f"{currency} is not in the release's exchange rates ({R7_RATES})", row=row,
            column=COL_CURRENCY,
        )  # fmt: skip
    return currency, total, rates[currency], total / rates[currency]


def _r7_rows(
    f: _File,
    rates: Mapping[str, Decimal],
    progress: Progress | None,
    classify: Classifier | None = None,
) -> list[dict[str, Any]]:
    """Every row checked and parsed; raises on the first problem."""
    out: list[dict[str, Any]] = []
    seq: dict[str, int] = {}
    last: str | None = None
    for i, r in enumerate(f.rows):
        row = f.row_no(i)
        kiel_id = _text(f, i, COL_ID, max_len=20)
        if kiel_id in seq and kiel_id != last:
            raise KielFileInvalid(
                f.name, f"the rows of package {kiel_id} are not together", row=row, column=COL_ID
            )
        seq[kiel_id] = seq.get(kiel_id, 0) + 1
        last = kiel_id
        donor = _text(f, i, COL_DONOR, max_len=80)
        iso3 = _iso3(f, i, COL_DONOR)
        announced, date_note = _r7_date(f, i, kiel_id)
        aid = codes.aid_type(r[COL_GENERAL])
        if aid is None:
            raise KielFileInvalid(
                f.name, f"{r[COL_GENERAL]!r} is not Military, Financial or Humanitarian", row=row,
                column=COL_GENERAL,
            )  # fmt: skip
        currency, total, rate, value_eur = _r7_value(f, i, rates, first=seq[kiel_id] == 1)
        notes = [date_note] if date_note else []
        amount = codes.number(r[COL_AMOUNT])
        if seq[kiel_id] == 1 and total is None and r[COL_TOTAL].strip() == "" and amount:
            notes.append(
                f"First row of package {kiel_id} has no total although the source gives "
                f"{r[COL_AMOUNT].strip()} {currency or ''}: it is not converted or counted."
            )
        out.append(
            {
                "row": row,
                "kiel_id": kiel_id,
                "package_seq": seq[kiel_id],
                "donor": donor,
                "iso3": iso3,
                "announced_on": announced,
                "aid_type": aid.value,
                "aid_specific": r[COL_SPECIFIC].strip()[:120],
                "currency": currency,
                "amount": amount,
                "total": total,
                "eur_rate": rate,
                "value_eur": value_eur,
                "item": _optional(r[COL_ITEM], 300),
                "item_type": _optional(r[COL_ITEM_TYPE], 120),
                "item_subtype": _optional(r[COL_SUBTYPE], 120),
                "item_code": _item_code(r, aid, classify),
                "units": codes.number(r[COL_UNITS]),
                "units_delivered": codes.number(r[COL_DELIVERED]),
                "unit_price_usd": codes.number(r[COL_PRICE]),
                "value_usd": codes.number(r[COL_VALUE_USD]),
                "value_delivered_usd": codes.number(r[COL_DELIVERED_USD]),
                "source_url": _optional(r[COL_SOURCE], 10_000),
                "notes": "\n".join(notes) or None,
                "raw": dict(r),
            }
        )
        if progress is not None and (i + 1) % _BATCH == 0:
            progress("reading", i + 1, len(f.rows))
    return out


def _note_unconverted_estimates(rows: list[dict[str, Any]], rates: Mapping[str, Decimal]) -> None:
    """Note a package whose total is the sum of Kiel's own USD estimates while its currency is
    another: the release divides it by that currency's rate, so a USD figure is counted as if it
    were in that currency. The value follows the release; the note says so."""
    estimates: dict[str, Decimal] = {}
    for r in rows:
        if r["value_usd"] is not None:
            estimates[r["kiel_id"]] = estimates.get(r["kiel_id"], Decimal(0)) + r["value_usd"]
    for r in rows:
        total, currency = r["total"], r["currency"]
        if total is None or currency in (None, "USD") or r["amount"] is not None:
            continue
        if estimates.get(r["kiel_id"]) == total:
            as_usd = total / rates["USD"] if "USD" in rates else None
            note = (
                f"Package {r['kiel_id']}: the total {r['raw'][COL_TOTAL]} is the sum of Kiel's own "
                f"USD estimates, but its currency is {currency}; total ÷ the {currency} rate, the "
                f"release's rule, counts it unconverted ({r['value_eur']:.2f} EUR)"
                + (f"; as USD it would be {as_usd:.2f} EUR." if as_usd is not None else ".")
            )
            r["notes"] = "\n".join(filter(None, [r["notes"], note]))


def _item_code(r: Mapping[str, str], aid: codes.AidType, classify: Classifier | None) -> str | None:
    item = r[COL_ITEM].strip()
    if classify is None or codes.is_not_given(item):
        return None
    return classify(
        r[COL_ITEM_TYPE], r[COL_SUBTYPE], item, humanitarian=aid is codes.AidType.HUMANITARIAN
    )[:60]


def _r7_gdp(f: _File) -> list[dict[str, Any]]:
    out = []
    for i, r in enumerate(f.rows):
        flag = r["EU member"].strip()
        if flag not in ("0", "1"):
            raise KielFileInvalid(
                f.name, f"{flag!r} is not 0 or 1", row=f.row_no(i), column="EU member"
            )
        out.append(
            {
                "donor": _text(f, i, "Country", max_len=80),
                "iso3": _iso3(f, i, "Country"),
                "eu_member": flag == "1",
                "gdp_usd_bn": _decimal(f, i, GDP_USD),
                "gdp_eur_bn": _decimal(f, i, GDP_EUR),
                "raw": dict(r),
            }
        )
    _unique(f, [(r["donor"],) for r in out], "country")
    return out


def _r7_keys(f: _File) -> list[dict[str, Any]]:
    out = []
    for i, r in enumerate(f.rows):
        country = _text(f, i, "country", max_len=80)
        out.append(
            {
                "country": country,
                "iso3": codes.DONOR_ISO3.get(country),
                "budget_share": _decimal(f, i, "eu_budget_share"),
                "epf_share": _decimal(f, i, "epf_gni_share"),
                "eib_share": _decimal(f, i, "eib_capital_share"),
                "raw": dict(r),
            }
        )
    _unique(f, [(r["country"],) for r in out], "country")
    return out


def import_r7(
    session: Session,
    folder: Traversable | None = None,
    *,
    progress: Progress | None = None,
    classify: Classifier | None = None,
) -> ImportResult:
    """Import Release 7 from ``folder`` (default: the packaged copy). Flushes, never commits.

    ``classify`` maps each item onto a catalogue item type code (``item_code``); the entry points
    pass the catalogue's (``nsatu.demo.catalogue.classify``), which this layer cannot import.

    Raises:
        KielFileInvalid: a file is missing or a cell cannot be read (file, row, column named).
    """
    folder = folder or packaged(R7_FOLDER)
    main = _read(folder, R7_MAIN, R7_COLUMNS)
    rates_file = _read(folder, R7_RATES, ("currency", "units_per_1_EUR"))
    gdp_file = _read(folder, R7_GDP, ("Country", "EU member", GDP_USD, GDP_EUR))
    keys_file = _read(
        folder, R7_KEYS, ("country", "eu_budget_share", "epf_gni_share", "eib_capital_share")
    )
    rates = _r7_rates(rates_file)
    rows = _r7_rows(main, rates, progress, classify)
    _note_unconverted_estimates(rows, rates)
    gdp = _r7_gdp(gdp_file)
    keys = _r7_keys(keys_file)
    notes = [r["notes"] for r in rows if r["notes"]]
    digests = {f.name: f.digest for f in (main, rates_file, gdp_file, keys_file)}
    release = KielRelease(
        number=7, label=R7_LABEL, period=R7_PERIOD, released_on=None, source_url=KIEL_URL,
        citation=R7_CITATION, digests=digests,
    )  # fmt: skip
    tables: list[tuple[type[Any], list[dict[str, Any]]]] = [
        (KielR7Row, rows),
        (KielExchangeRate, [
            {"currency": c, "units_per_eur": v, "raw": rates_file.rows[n]}
            for n, (c, v) in enumerate(rates.items())
        ]),
        (KielDonorGdp, gdp),
        (KielEuKey, keys),
    ]  # fmt: skip
    return _store(session, release, tables, notes, progress)


# --- R29 -----------------------------------------------------------------------------------------


def _r29_months(f: _File, progress: Progress | None) -> list[dict[str, Any]]:
    out = []
    for i, r in enumerate(f.rows):
        iso = _text(f, i, "iso", max_len=3)
        values = {c: _decimal(f, i, c) for c in MONTH_FIGURES}
        out.append(
            {
                "row": f.row_no(i),
                "country": _text(f, i, "country", max_len=80),
                "iso": iso,
                "year": _integer(f, i, "year", 1990, 2100),
                "month": _integer(f, i, "month", 1, 12),
                **values,
                "raw": dict(r),
            }
        )
        if progress is not None and (i + 1) % _BATCH == 0:
            progress("reading", i + 1, len(f.rows))
    _unique(f, [(r["iso"], r["year"], r["month"]) for r in out], "donor and month")
    return out


def _r29_shares(f: _File) -> list[dict[str, Any]]:
    out = [
        {
            "country": _text(f, i, "country", max_len=80),
            "iso": _text(f, i, "iso", max_len=3),
            "eu_share_bn": _decimal(f, i, "eu_share_bn"),
            "raw": dict(r),
        }
        for i, r in enumerate(f.rows)
    ]
    _unique(f, [(r["iso"],) for r in out], "country")
    return out


def _r29_weapons(f: _File) -> list[dict[str, Any]]:
    out = [
        {
            "donor": _text(f, i, "donor", max_len=80),
            "category": _text(f, i, "category", max_len=80),
            "number": _integer(f, i, "number_of_weapons", 0, 10**9),
            "value_eur": _decimal(f, i, "monetary_value_eur"),
            "weapons_list": r["weapons_list"].strip(),
            "raw": dict(r),
        }
        for i, r in enumerate(f.rows)
    ]
    _unique(f, [(r["donor"], r["category"]) for r in out], "donor and category")
    return out


def import_r29(
    session: Session, folder: Traversable | None = None, *, progress: Progress | None = None
) -> ImportResult:
    """Import Release 29's website extract from ``folder`` (default: the packaged copy).

    Raises:
        KielFileInvalid: a file is missing or a cell cannot be read (file, row, column named).
    """
    folder = folder or packaged(R29_FOLDER)
    info = _read(folder, R29_INFO, ("release", "period", "date", "label"))
    months_file = _read(folder, R29_MONTHS, ("country", "iso", "year", "month", *MONTH_FIGURES))
    shares_file = _read(folder, R29_EU_SHARE, ("country", "iso", "eu_share_bn"))
    weapons_file = _read(
        folder, R29_WEAPONS,
        ("donor", "category", "number_of_weapons", "monetary_value_eur", "weapons_list"),
    )  # fmt: skip
    if len(info.rows) != 1:
        raise KielFileInvalid(info.name, f"{len(info.rows)} rows where one release is expected")
    number = _integer(info, 0, "release", 1, 10_000)
    try:
        released_on = dt.date.fromisoformat(info.rows[0]["date"].strip())
    except ValueError:
        raise KielFileInvalid(info.name, "not a date (YYYY-MM-DD)", row=2, column="date") from None
    months = _r29_months(months_file, progress)
    shares = _r29_shares(shares_file)
    weapons = _r29_weapons(weapons_file)
    digests = {f.name: f.digest for f in (info, months_file, shares_file, weapons_file)}
    release = KielRelease(
        number=number,
        label=_text(info, 0, "label", max_len=200),
        period=_text(info, 0, "period", max_len=40),
        released_on=released_on,
        source_url=KIEL_URL,
        citation=R29_CITATION.format(release=number),
        digests=digests,
    )
    tables: list[tuple[type[Any], list[dict[str, Any]]]] = [
        (KielMonth, months),
        (KielEuShare, shares),
        (KielWeapon, weapons),
    ]
    return _store(session, release, tables, [], progress)


# --- writing -------------------------------------------------------------------------------------


def _store(
    session: Session,
    release: KielRelease,
    tables: Sequence[tuple[type[Any], list[dict[str, Any]]]],
    notes: Sequence[str],
    progress: Progress | None,
) -> ImportResult:
    counts = {model.__tablename__: len(rows) for model, rows in tables}
    existing = session.scalars(
        select(KielRelease).where(KielRelease.number == release.number)
    ).first()
    if existing is not None and existing.digests == release.digests:
        return ImportResult(release.number, "unchanged", counts, release.digests, tuple(notes))
    status: Status = "imported"
    if existing is not None:
        status = "replaced"
        for model, _ in tables:
            session.execute(delete(model).where(model.release_id == existing.id))
        session.delete(existing)
        session.flush()
    session.add(release)
    session.flush()
    total = sum(counts.values())
    done = 0
    for model, rows in tables:
        for start in range(0, len(rows), _BATCH):
            batch = rows[start : start + _BATCH]
            session.execute(insert(model), [{**r, "release_id": release.id} for r in batch])
            done += len(batch)
            if progress is not None:
                progress("writing", done, total)
    session.flush()
    return ImportResult(release.number, status, counts, release.digests, tuple(notes))


def releases(session: Session, *, item_level: bool) -> list[KielRelease]:
    """The imported releases with item-level rows (R7-like) or with monthly rows (R29-like),
    newest first."""
    model: type[Any] = KielR7Row if item_level else KielMonth
    return list(
        session.scalars(
            select(KielRelease)
            .where(select(model.id).where(model.release_id == KielRelease.id).exists())
            .order_by(KielRelease.number.desc())
        )
    )


def latest_release(session: Session, *, item_level: bool) -> KielRelease | None:
    """The newest imported release with item-level rows (R7-like) or with monthly rows (R29-like)."""
    found = releases(session, item_level=item_level)
    return found[0] if found else None
