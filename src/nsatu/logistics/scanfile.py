"""Scan files: CSV exports of handheld scanners and carriers' systems, one tracking event a row.

Columns (header row first, any order): ``event_id, consignment, kind, site, occurred_at,
quantity, serials``; optional ``new_eta`` (for ``delayed``) and ``note``. ``consignment`` is the
reference, ``site`` a site code or UN/LOCODE, ``occurred_at`` ISO 8601 with an offset,
``serials`` ``;``-separated (may be empty), ``quantity`` may be empty (all on board).

A malformed file (a missing or unknown column, a cell that does not parse) is refused as a whole,
naming row and column (rows count the header as row 1), before anything is read from the database;
well-formed events that cannot happen are the ingest's business (stored as refusals).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal, InvalidOperation

from nsatu.core.enums import TrackingEventKind
from nsatu.errors import InvalidInput
from nsatu.logistics.ingest import EventIn

REQUIRED = ("event_id", "consignment", "kind", "site", "occurred_at", "quantity", "serials")
OPTIONAL = ("new_eta", "note")
MAX_ROWS = 1_000_000
_EVENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
_SERIAL = re.compile(r"^[^;\s]{1,64}$")
_KINDS = {k.value: k for k in TrackingEventKind}
_EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class MalformedScanFile(InvalidInput):
    """The file cannot be read as a scan file; nothing was imported."""

    code = "malformed_scan_file"


def _bad(row: int, column: str, message: str) -> MalformedScanFile:
    return MalformedScanFile(f"row {row}, column {column}: {message}", field=column)


def _time(row: int, column: str, text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _bad(row, column, f"{text!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise _bad(row, column, f"{text!r} has no UTC offset (e.g. 2025-03-01T10:00:00+02:00)")
    try:
        value = value.astimezone(dt.UTC)
    except OverflowError:
        raise _bad(row, column, f"{text!r} is outside the supported range") from None
    if value < _EARLIEST:
        raise _bad(row, column, "must be in the year 2000 or later")
    return value


def _quantity(row: int, text: str) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _bad(row, "quantity", f"{text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise _bad(row, "quantity", f"{text!r} must be a number of 0 or more")
    exponent = value.as_tuple().exponent
    if (isinstance(exponent, int) and exponent < -3) or abs(value) >= Decimal(10) ** 17:
        raise _bad(row, "quantity", f"{text!r} has more than 17 digits or 3 decimals")
    return value


def _serials(row: int, text: str) -> tuple[str, ...]:
    serials = tuple(s.strip() for s in text.split(";") if s.strip())
    for serial in serials:
        if not _SERIAL.match(serial):
            raise _bad(row, "serials", f"{serial[:70]!r} is not a serial number")
    return serials


def _header(fields: list[str] | None) -> list[str]:
    if not fields:
        raise _bad(1, "header", "the file is empty; row 1 must name the columns")
    names = [f.strip().lower() for f in fields]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise _bad(1, missing[0], f"missing column(s): {', '.join(missing)}")
    unknown = [c for c in names if c not in REQUIRED and c not in OPTIONAL]
    if unknown:
        known = ", ".join(REQUIRED + OPTIONAL)
        raise _bad(1, unknown[0][:40] or "header", f"unknown column; the columns are {known}")
    twice = sorted({c for c in names if names.count(c) > 1})
    if twice:
        raise _bad(1, twice[0], "the column appears twice")
    return names


def parse(text: str) -> list[EventIn]:
    """The events of a scan file, in file order.

    Raises:
        MalformedScanFile: naming the first bad row and column; nothing is returned.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        names = _header(next(reader, None))
        events: list[EventIn] = []
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue  # a blank line
            if len(cells) != len(names):
                raise _bad(number, "row", f"{len(cells)} cells, the header has {len(names)}")
            if len(events) >= MAX_ROWS:
                raise _bad(number, "row", f"more than {MAX_ROWS} events in one file")
            events.append(_event(number, dict(zip(names, (c.strip() for c in cells), strict=True))))
    except csv.Error as exc:
        raise _bad(reader.line_num, "row", f"not CSV: {exc}") from None
    return events


def _event(row: int, cell: dict[str, str]) -> EventIn:
    event_id = cell["event_id"]
    if not _EVENT_ID.match(event_id):
        raise _bad(
            row, "event_id", f"{event_id[:70]!r} is not an event id (1-64 letters, digits, ._:/-)"
        )
    reference = cell["consignment"]
    if not _REFERENCE.match(reference):
        raise _bad(row, "consignment", f"{reference[:70]!r} is not a consignment reference")
    kind = _KINDS.get(cell["kind"].lower())
    if kind is None:
        raise _bad(row, "kind", f"{cell['kind'][:40]!r} is not one of {', '.join(_KINDS)}")
    site = cell["site"] or None
    if site is not None and len(site) > 32:
        raise _bad(row, "site", "a site code or UN/LOCODE has at most 32 characters")
    eta = cell.get("new_eta") or ""
    note = cell.get("note") or None
    if note is not None and len(note) > 4000:
        raise _bad(row, "note", "at most 4000 characters")
    return EventIn(
        event_id=event_id,
        consignment=reference,
        kind=kind,
        site=site,
        occurred_at=_time(row, "occurred_at", cell["occurred_at"]),
        quantity=_quantity(row, cell["quantity"]),
        serials=_serials(row, cell["serials"]),
        new_eta=_time(row, "new_eta", eta) if eta else None,
        note=note,
        row=row,
    )


def write(events: list[EventIn]) -> str:
    """A scan file holding ``events`` (the inverse of :func:`parse`; for tests and exports)."""
    out = io.StringIO()
    # The default "\r\n" ends rows, and so makes a field holding a bare "\r" quoted too.
    writer = csv.writer(out)
    writer.writerow([*REQUIRED, *OPTIONAL])
    for ev in events:
        writer.writerow(
            [
                ev.event_id,
                ev.consignment,
                ev.kind.value,
                ev.site or "",
                ev.occurred_at.isoformat(),
                "" if ev.quantity is None else f"{ev.quantity:f}",
                ";".join(ev.serials),
                "" if ev.new_eta is None else ev.new_eta.isoformat(),
                ev.note or "",
            ]
        )
    return out.getvalue()
