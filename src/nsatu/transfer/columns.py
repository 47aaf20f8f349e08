"""The spreadsheet columns of needs and offers, and how one cell becomes a Python value.

Columns are human and code-based: a donor is its ISO alpha-3 code, an item its catalogue code, a site
its site code, a parent line its reference. Import and export use the same lists, in this order.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from nsatu.transfer.sheets import display, is_blank, unescape_text


class CellKind(StrEnum):
    TEXT = "text"
    CODE = "code"
    ENUM = "enum"
    DECIMAL = "decimal"
    INTEGER = "integer"
    DATE = "date"
    PERIOD = "period"
    BOOL = "bool"


#: Code tables resolved generically (one query each, see ``reference.service.code_tables``).
CODE_TABLES = ("nation", "site", "capability_area", "item_type")


@dataclass(frozen=True)
class Column:
    name: str
    kind: CellKind
    #: The schema field the cell fills.
    field: str
    required: bool = False
    #: A code table from ``CODE_TABLES``, or ``organisation`` / ``offer`` resolved by the offer import.
    lookup: str | None = None


_T, _C, _E, _D, _I, _DT, _P, _B = (
    CellKind.TEXT,
    CellKind.CODE,
    CellKind.ENUM,
    CellKind.DECIMAL,
    CellKind.INTEGER,
    CellKind.DATE,
    CellKind.PERIOD,
    CellKind.BOOL,
)

OFFER_COLUMNS: tuple[Column, ...] = (
    Column("reference", _T, "reference"),
    Column("donor", _C, "donor_nation_id", required=True, lookup="nation"),
    Column("donor_organisation", _T, "donor_organisation_id", lookup="organisation"),
    Column("channel", _E, "channel"),
    Column("kind", _E, "kind", required=True),
    Column("item_type", _C, "item_type_id", lookup="item_type"),
    Column("description", _T, "description", required=True),
    Column("quantity", _D, "quantity"),
    Column("quantity_delivered", _D, "quantity_delivered"),
    Column("announced_on", _DT, "announced_on"),
    Column("available_from_on", _DT, "available_from_on"),
    Column("origin_site", _C, "origin_site_id", lookup="site"),
    Column("currency", _T, "currency"),
    Column("value_amount", _D, "value_amount"),
    Column("eur_rate", _D, "eur_rate"),
    Column("eur_rate_on", _DT, "eur_rate_on"),
    Column("valuation_basis", _E, "valuation_basis"),
    Column("earmark_capability_area", _C, "earmark_capability_area_id", lookup="capability_area"),
    Column("earmark", _T, "earmark"),
    Column("parent_reference", _T, "parent_id", lookup="offer"),
    Column("releasability", _E, "releasability"),
    Column("anonymise_donor", _B, "anonymise_donor"),
    Column("source", _T, "source"),
    Column("source_ref", _T, "source_ref"),
    Column("notes", _T, "notes"),
)

NEED_COLUMNS: tuple[Column, ...] = (
    Column("reference", _T, "reference"),
    Column("title", _T, "title", required=True),
    Column("capability_area", _C, "capability_area_id", required=True, lookup="capability_area"),
    Column("item_type", _C, "item_type_id", lookup="item_type"),
    Column("quantity_requested", _D, "quantity_requested", required=True),
    Column("quantity_approved", _D, "quantity_approved"),
    Column("priority", _I, "priority", required=True),
    Column("rank", _I, "rank"),
    Column("period", _P, "period", required=True),
    Column("needed_by_on", _DT, "needed_by_on", required=True),
    Column("destination_site", _C, "destination_site_id", lookup="site"),
    Column("justification", _T, "justification"),
    Column("releasability", _E, "releasability"),
    # Demo needs are generated; the flag must survive a round trip so they are never taken as real.
    Column("synthetic", _B, "is_synthetic"),
)


def normalise_name(raw: Any) -> str:
    """A header cell as a column name: ``"Donor organisation"`` → ``donor_organisation``."""
    return re.sub(r"[\s\-]+", "_", display(raw).strip().lower())


class CellError(ValueError):
    """A cell that cannot be read as its column's kind; the message is shown to the user."""


def parse_cell(kind: CellKind, raw: Any, *, escaped: bool) -> Any:
    """The value of one cell, or ``None`` when it is empty.

    Parameters:
        kind: what the column holds.
        raw: the cell as the file gave it (``str`` from CSV; also numbers, dates, booleans from XLSX).
        escaped: text may carry the export's formula guard (CSV).

    Raises:
        CellError: the cell is not a valid value of ``kind``.
    """
    if isinstance(raw, str):
        # Undo the export's formula guard before stripping: it may protect a leading tab.
        raw = (unescape_text(raw) if escaped else raw).strip()
    if is_blank(raw):
        return None
    match kind:
        case CellKind.TEXT | CellKind.CODE:
            return _text(raw)
        case CellKind.ENUM:
            return re.sub(r"[\s\-]+", "_", _text(raw).lower())
        case CellKind.DECIMAL:
            return _decimal(raw)
        case CellKind.INTEGER:
            return _integer(raw)
        case CellKind.DATE:
            return _date(raw)
        case CellKind.PERIOD:
            return _period(raw)
        case CellKind.BOOL:
            return _bool(raw)


def _text(raw: Any) -> str:
    if isinstance(raw, str):
        return raw
    # A code or reference typed as a number in Excel comes back as a number.
    return display(raw)


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool | dt.date | dt.time):
        raise CellError("expected a number")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise CellError("expected a finite number")
        # repr is the shortest text that reads back as the same float: 0.1 → "0.1", not 0.1000…0555.
        return Decimal(repr(raw))
    text = str(raw).strip().replace("\u00a0", "")
    if _NUMBER.match(text):
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
            pass
    if _NUMBER.match(text.replace(",", "")) or _NUMBER.match(text.replace(",", ".", 1)):
        raise CellError("not a number: use a dot for decimals and no thousands separators")
    raise CellError("not a number")


def _integer(raw: Any) -> int:
    try:
        value = _decimal(raw)
    except CellError:
        raise CellError("expected a whole number") from None
    if value != value.to_integral_value():
        raise CellError("expected a whole number")
    return int(value)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        if raw.time() != dt.time():
            raise CellError("expected a date without a time of day")
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    if isinstance(raw, str) and _ISO_DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise CellError("not a valid date") from None
    raise CellError("expected a date as YYYY-MM-DD")


_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _period(raw: Any) -> str:
    # Excel turns a typed "2025-03" into the date 2025-03-01.
    if (
        isinstance(raw, dt.date)
        and raw.day == 1
        and not (isinstance(raw, dt.datetime) and raw.time() != dt.time())
    ):
        return f"{raw.year:04d}-{raw.month:02d}"
    text = _text(raw)
    if not _PERIOD.match(text):
        raise CellError("expected a period as YYYY-MM")
    return text


_TRUE = frozenset({"yes", "y", "true", "1"})
_FALSE = frozenset({"no", "n", "false", "0"})


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("expected yes or no")
