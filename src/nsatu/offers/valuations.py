"""Alternative valuations of offer lines: the same line valued on another basis (replacement cost
beside net book value, a contract price beside a price list), kept beside the line's own valuation
so that reports can show both and the difference.

Recording one is a change to the line: the line must be in the caller's scope (404 otherwise) and
the caller must be allowed to change it (:func:`nsatu.core.access.may_change_offer`, 403). One
valuation per line and basis: recording a basis again replaces the amount.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.access import may_change_offer
from nsatu.db.actor import actor_of
from nsatu.db.models import Nation, OfferLine
from nsatu.db.models.offer import OfferLineValuation
from nsatu.db.repository import flush
from nsatu.errors import InvalidInput, PermissionDenied
from nsatu.offers import errors
from nsatu.offers.valuation_schemas import ValuationCreate, ValuationRead

#: EUR amounts are shown to the cent.
CENT = Decimal("0.01")


def eur(amount: Decimal, rate: Decimal) -> Decimal:
    """``amount`` converted to EUR at ``rate`` (units of its currency per 1 EUR)."""
    return (amount / rate).quantize(CENT)


def read(v: OfferLineValuation) -> ValuationRead:
    return ValuationRead(
        id=v.id,
        offer_line_id=v.offer_line_id,
        basis=v.basis,
        amount=v.amount,
        currency=v.currency,
        rate=v.rate,
        amount_eur=eur(v.amount, v.rate),
        note=v.note,
        version=v.version,
    )


def _line(session: Session, offer_line_id: int) -> OfferLine:
    # A query, not ``session.get``: the identity map would answer without the caller's scope.
    line = session.scalars(select(OfferLine).where(OfferLine.id == offer_line_id)).one_or_none()
    if line is None:
        raise errors.OfferNotFound(f"offer {offer_line_id} does not exist")
    return line


def find_line(session: Session, reference: str, donor_code: str | None = None) -> OfferLine:
    """The offer line with ``reference`` (unique per donor: give the donor when it is not unique).

    Raises:
        OfferNotFound: no line in the caller's scope has it.
        InvalidInput: several donors have a line with this reference and no donor was named.
    """
    stmt = select(OfferLine).where(OfferLine.reference == reference)
    if donor_code is not None:
        stmt = stmt.join(Nation, Nation.id == OfferLine.donor_nation_id).where(
            Nation.code == donor_code.upper()
        )
    found = list(session.scalars(stmt.limit(2)))
    if not found:
        raise errors.OfferNotFound(f"offer {reference!r} does not exist", field="reference")
    if len(found) > 1:
        raise InvalidInput(
            f"reference: several donors have an offer {reference!r}; name the donor",
            field="reference",
        )
    return found[0]


def record_valuation(
    session: Session, offer_line_id: int, data: ValuationCreate
) -> OfferLineValuation:
    """Record (or replace) the valuation of a line on ``data.basis``.

    Raises:
        OfferNotFound: the line is not in the caller's scope.
        PermissionDenied: the caller may not change the line.
        InvalidInput: the basis is the line's own valuation basis (that value is on the line).
    """
    line = _line(session, offer_line_id)
    actor = actor_of(session)
    if actor is not None and not may_change_offer(actor, donor_nation_id=line.donor_nation_id):
        who = "the public" if actor.is_public else f"a {actor.role.label}"
        raise PermissionDenied(
            f"{who} may not value offer {line.reference}: it belongs to another donor"
            if actor.may_write
            else f"{who} may not change offers (read-only role)"
        )
    if line.valuation_basis is data.basis:
        raise InvalidInput(
            f"basis: offer {line.reference} is itself valued at {data.basis.value}; "
            "change the line's value instead",
            field="basis",
        )
    existing = session.scalars(
        select(OfferLineValuation).where(
            OfferLineValuation.offer_line_id == line.id, OfferLineValuation.basis == data.basis
        )
    ).one_or_none()
    if existing is None:
        existing = OfferLineValuation(offer_line_id=line.id, **data.model_dump())
        session.add(existing)
    else:
        for name, value in data.model_dump().items():
            setattr(existing, name, value)
    flush(session, "valuation")
    return existing


def list_valuations(session: Session, offer_line_id: int) -> list[OfferLineValuation]:
    """The alternative valuations of a line in the caller's scope, by basis."""
    _line(session, offer_line_id)
    return list(
        session.scalars(
            select(OfferLineValuation)
            .where(OfferLineValuation.offer_line_id == offer_line_id)
            .order_by(OfferLineValuation.basis)
        )
    )
