"""Read-only checks of proof of delivery, for ``nsatu check``: what the service refuses to write,
found if it got in another way (raw SQL, another tool)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.db.models import Consignment, ConsignmentLine, ReceiptLine


def receipts_not_adding_up(session: Session) -> Iterator[tuple[int, str, str]]:
    """(receipt id, consignment reference, what is wrong) for each receipt line whose quantities
    do not add up to what its consignment line carried, or that lacks a reason, in id order."""
    carried = dict(session.execute(select(ConsignmentLine.id, ConsignmentLine.quantity)).all())
    refs = dict(session.execute(select(Consignment.id, Consignment.reference)).all())
    for x in session.scalars(select(ReceiptLine).order_by(ReceiptLine.id)):
        total = x.quantity_good + x.quantity_damaged + x.quantity_lost + x.quantity_rejected
        ref = refs.get(x.consignment_id, str(x.consignment_id))
        line = carried.get(x.consignment_line_id)
        if line is None or total != line:
            yield (
                x.receipt_id,
                ref,
                f"receipt line {x.id}: {total.normalize():f} received for a line that carried "
                f"{'nothing' if line is None else format(line.normalize(), 'f')}",
            )
        for name in ("damaged", "lost", "rejected"):
            if getattr(x, f"quantity_{name}") > 0 and getattr(x, f"{name}_reason") is None:
                yield x.receipt_id, ref, f"receipt line {x.id}: {name} without a reason"
