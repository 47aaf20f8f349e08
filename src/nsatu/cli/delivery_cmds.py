"""``nsatu receipts``, ``nsatu ledger``, ``nsatu serials`` and ``nsatu accountability``: proof of
delivery, the quantity ledger and the accountability of serial-tracked items.

``receipts record`` reads the receipt as JSON (the body of ``POST /api/consignments/{id}/receipt``).
A receipt is verified by another user than the one who recorded it: commands run as the CLI's
system actor, so a receipt recorded here is verified in the web UI or the API, and the other way
round.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from nsatu.cli.common import (
    EXIT_USER_ERROR,
    JsonOpt,
    console,
    fail,
    print_json,
    print_table,
    settings,
    unit_of_work,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

receipts_app = typer.Typer(help="Proof of delivery: record, show and verify receipts.")
ledger_app = typer.Typer(help="The quantity ledger of an offer line or a need.")
serials_app = typer.Typer(help="Serial-tracked items: a serial's history; loaded vs handed over.")
accountability_app = typer.Typer(help="End-use accountability of serial-tracked items.")

ConsignmentArg = typer.Argument(..., help="The consignment's reference or id.")


def _consignment_id(session: Session, ref: str) -> int:
    from sqlalchemy import select

    from nsatu.db.models import Consignment

    stmt = select(Consignment.id).where(Consignment.reference == ref)
    found = session.scalar(stmt)
    if found is None and ref.isdigit():
        found = session.scalar(select(Consignment.id).where(Consignment.id == int(ref)))
    if found is None:
        fail(f"consignment {ref} not found", code=EXIT_USER_ERROR)
    return int(found)


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json")


@receipts_app.command("record")
def record_command(
    consignment: str = ConsignmentArg,
    file: Path = typer.Argument(..., help="The receipt as JSON: received_by, received_at, lines."),
    as_json: bool = JsonOpt,
) -> None:
    """Record the proof of delivery of a handed-over consignment."""
    from pydantic import ValidationError

    from nsatu.delivery import receipts
    from nsatu.delivery import schemas as s

    try:
        data = s.ReceiptCreate.model_validate(json.loads(file.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        fail(f"{file}: {exc}", code=EXIT_USER_ERROR, as_json=as_json)
    with unit_of_work() as session:
        out = receipts.read(
            session, receipts.record_receipt(session, _consignment_id(session, consignment), data)
        )
    _show(out, as_json)


@receipts_app.command("show")
def show_command(consignment: str = ConsignmentArg, as_json: bool = JsonOpt) -> None:
    """A consignment's proof of delivery, line by line."""
    from nsatu.delivery import receipts

    with unit_of_work() as session:
        out = receipts.read(
            session, receipts.get_receipt(session, _consignment_id(session, consignment))
        )
    _show(out, as_json)


@receipts_app.command("verify")
def verify_command(
    consignment: str = ConsignmentArg,
    version: int = typer.Option(..., "--version", min=1, help="The version you checked."),
    as_json: bool = JsonOpt,
) -> None:
    """Verify a receipt (by another user than the one who recorded it)."""
    from nsatu.delivery import receipts

    with unit_of_work() as session:
        cid = _consignment_id(session, consignment)
        out = receipts.read(session, receipts.verify_receipt(session, cid, version=version))
    _show(out, as_json)


def _show(out: Any, as_json: bool) -> None:
    if as_json:
        print_json(_dump(out))
        return
    console.print(
        f"Receipt of consignment {out.consignment_id}: {out.status}, received by "
        f"{out.received_by} at {out.received_at:%Y-%m-%d %H:%M} UTC (recorded by "
        f"{out.recorded_by}; verified by {out.verified_by or '-'}), version {out.version}"
    )
    print_table(
        "Lines",
        ("consignment line", "good", "damaged", "lost", "rejected"),
        [
            (
                x.consignment_line_id,
                _q(x.quantity_good),
                _with(x.quantity_damaged, x.damaged_reason),
                _with(x.quantity_lost, x.lost_reason),
                _with(x.quantity_rejected, x.rejected_reason),
            )
            for x in out.lines
        ],
    )


def _q(qty: Any) -> str:
    """``2`` rather than ``2.000``."""
    return f"{qty.normalize():f}" if hasattr(qty, "normalize") else str(qty)


def _with(qty: Any, reason: Any) -> str:
    return f"{_q(qty)} ({reason})" if reason else _q(qty)


LEDGER_COLUMNS = (
    "requested",
    "pledged",
    "allocated",
    "in_transit",
    "delivered",
    "accepted",
    "damaged",
    "lost",
    "rejected",
    "remaining",
)


def _ledger(kind: str, id_: int, as_json: bool) -> None:
    from nsatu.delivery import ledger

    with unit_of_work() as session:
        led = (ledger.offer_ledger if kind == "offer" else ledger.need_ledger)(session, id_)
        row = led.as_dict()
    if as_json:
        print_json(row)
        return
    print_table(
        f"Ledger of {kind} {row['reference']} ({row['state']})",
        ("quantity", "value"),
        [(c, _q(row[c])) for c in LEDGER_COLUMNS if row[c] is not None],
    )


@ledger_app.command("offer")
def ledger_offer(
    id_: int = typer.Argument(..., metavar="ID", min=1, help="The offer line's id."),
    as_json: bool = JsonOpt,
) -> None:
    """Pledged, allocated, in transit, delivered, accepted, damaged, lost, rejected, remaining."""
    _ledger("offer", id_, as_json)


@ledger_app.command("need")
def ledger_need(
    id_: int = typer.Argument(..., metavar="ID", min=1, help="The need's id."),
    as_json: bool = JsonOpt,
) -> None:
    """What the need asks for, what is pledged, allocated, on its way, delivered and accepted."""
    _ledger("need", id_, as_json)


@serials_app.command("history")
def history_command(
    serial: str = typer.Argument(..., help="The serial number."), as_json: bool = JsonOpt
) -> None:
    """A serial's chain: delivery events, end-use checks, repairs out and back."""
    from nsatu.delivery import serials

    with unit_of_work() as session:
        out = serials.history(session, serial)
    if as_json:
        print_json(_dump(out))
        return
    print_table(
        f"History of {serial}",
        ("at", "what", "consignment", "kind", "detail"),
        [
            (f"{e.at:%Y-%m-%d %H:%M}", e.what, e.consignment or e.consignment_id, e.kind, e.detail)
            for e in out.entries
        ],
    )


@serials_app.command("mismatches")
def mismatches_command(as_json: bool = JsonOpt) -> None:
    """Consignments whose serials handed over differ from the serials loaded."""
    from nsatu.delivery import serials

    with unit_of_work() as session:
        out = serials.mismatches(session)
    if as_json:
        print_json([_dump(m) for m in out])
        return
    print_table(
        f"Serial mismatches ({len(out)})",
        ("consignment", "loaded, not handed over", "handed over, not loaded"),
        [
            (
                m.reference,
                ", ".join(m.loaded_not_handed_over),
                ", ".join(m.handed_over_not_loaded),
            )
            for m in out
        ],
    )


@serials_app.command("check")
def check_command(
    serial: str = typer.Argument(..., help="The serial number."),
    outcome: str = typer.Option(
        ..., "--outcome", help="seen, not_seen, expended, destroyed or transferred."
    ),
    on: str = typer.Option(..., "--on", help="The day of the check, YYYY-MM-DD."),
    note: str | None = typer.Option(None, "--note", help="What was found."),
    as_json: bool = JsonOpt,
) -> None:
    """Record an end-use check of a delivered serial."""
    from pydantic import ValidationError

    from nsatu.delivery import schemas as s
    from nsatu.delivery import serials

    try:
        data = s.EndUseCheckCreate.model_validate(
            {"serial": serial, "outcome": outcome, "checked_on": on, "note": note}
        )
    except ValidationError as exc:
        fail(_first_error(exc), code=EXIT_USER_ERROR, as_json=as_json)
    with unit_of_work() as session:
        out = s.EndUseCheckRead.model_validate(serials.record_check(session, data))
    if as_json:
        print_json(_dump(out))
        return
    console.print(f"{out.serial}: {out.outcome} on {out.checked_on} (check {out.id})")


@serials_app.command("repair")
def repair_command(
    consignment: str = ConsignmentArg,
    serial_numbers: list[str] = typer.Argument(..., metavar="SERIAL...", help="Serials carried."),
    back: bool = typer.Option(False, "--back", help="Coming back from repair (default: out)."),
    as_json: bool = JsonOpt,
) -> None:
    """Link serials to a consignment of kind repair, out to the repair facility or back."""
    from pydantic import ValidationError

    from nsatu.delivery import schemas as s
    from nsatu.delivery import serials

    try:
        data = s.RepairSerialsIn.model_validate(
            {"direction": "back" if back else "out", "serials": serial_numbers}
        )
    except ValidationError as exc:
        fail(_first_error(exc), code=EXIT_USER_ERROR, as_json=as_json)
    with unit_of_work() as session:
        linked = [
            r.serial
            for r in serials.link_repair(session, _consignment_id(session, consignment), data)
        ]
    if as_json:
        print_json({"consignment": consignment, "direction": data.direction, "serials": linked})
        return
    console.print(f"{len(linked)} serial(s) linked to {consignment} ({data.direction})")


def _first_error(exc: Any) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    return f"{where}: {err.get('msg', 'invalid')}"


@accountability_app.command("report")
def report_command(
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (default: today)."),
    since: str | None = typer.Option(None, "--since", help="First month shown, YYYY-MM."),
    interval_days: int | None = typer.Option(
        None,
        "--interval-days",
        min=1,
        max=3650,
        help="A check is overdue after this many days (default: NSATU_END_USE_CHECK_DAYS).",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Share of serials verified by item type and month; serials whose check is overdue."""
    from nsatu.delivery import serials

    try:
        day = dt.date.fromisoformat(as_of) if as_of else dt.datetime.now(dt.UTC).date()
        if since is not None:
            dt.date.fromisoformat(f"{since}-01")
    except ValueError as exc:
        fail(f"--as-of/--since: {exc}", code=EXIT_USER_ERROR, as_json=as_json)
    days = interval_days or settings().end_use_check_days
    with unit_of_work() as session:
        out = serials.accountability(session, as_of=day, interval_days=days, since=since)
    if as_json:
        print_json(_dump(out))
        return
    print_table(
        f"Accountability as of {out.as_of} (checks due every {out.interval_days} days)",
        ("item type", "month", "serials", "verified", "share", "overdue"),
        [
            (r.item_type, r.period, r.serials, r.verified, f"{r.share_verified:.0%}", r.overdue)
            for r in out.rows
        ],
    )
    if out.overdue:
        console.print(f"Overdue ({len(out.overdue)}): {', '.join(out.overdue[:50])}")
