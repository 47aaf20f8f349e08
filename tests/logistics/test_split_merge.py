"""Splitting and merging consignments on the database: what moves, what is refused (and that a
refusal changes nothing), the audit trail, and that the result still replays and ingests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from nsatu.core.access import Actor, Role
from nsatu.core.enums import ConsignmentKind, Releasability
from nsatu.core.enums import TrackingEventKind as K
from nsatu.core.lifecycles import ConsignmentStatus
from nsatu.db.models import AuditEntry, Consignment, ConsignmentLeg, ConsignmentLine, OfferLine
from nsatu.db.scoping import set_actor
from nsatu.errors import InvalidInput, NsatuError, PermissionDenied, StaleVersion
from nsatu.integrity import service as integrity
from nsatu.logistics import errors, ingest, split_merge
from nsatu.logistics import split_schemas as s
from nsatu.logistics.generate import RouteSpec, seed_consignments
from nsatu.logistics.service import consigned_quantity

COORDINATOR = Actor(role=Role.COORDINATOR, username="coord")


def _get(session: Session, reference: str) -> Consignment:
    return session.scalars(select(Consignment).where(Consignment.reference == reference)).one()


def _lines(session: Session, consignment_id: int) -> list[ConsignmentLine]:
    stmt = select(ConsignmentLine).where(ConsignmentLine.consignment_id == consignment_id)
    return list(session.scalars(stmt.order_by(ConsignmentLine.id)))


def _legs(session: Session, consignment_id: int) -> list[tuple[Any, ...]]:
    stmt = select(ConsignmentLeg).where(ConsignmentLeg.consignment_id == consignment_id)
    return [
        (x.seq, x.from_site_id, x.to_site_id, x.mode, x.planned_departure_on)
        for x in session.scalars(stmt.order_by(ConsignmentLeg.seq))
    ]


def _snapshot(session: Session) -> list[tuple[Any, ...]]:
    session.expire_all()
    rows = session.execute(
        select(Consignment.id, Consignment.status, Consignment.version, Consignment.notes).order_by(
            Consignment.id
        )
    ).all()
    lines = session.execute(
        select(
            ConsignmentLine.id,
            ConsignmentLine.consignment_id,
            ConsignmentLine.quantity,
            ConsignmentLine.version,
        ).order_by(ConsignmentLine.id)
    ).all()
    legs = session.scalar(select(func.count()).select_from(ConsignmentLeg))
    return [tuple(r) for r in rows] + [tuple(r) for r in lines] + [(legs,)]


@pytest.fixture
def routes(session: Session) -> list[RouteSpec]:
    out = seed_consignments(session, 3, prefix="SPL", loaded=10)
    set_actor(session, COORDINATOR)
    return out


def _second_line(session: Session, c: Consignment, quantity: int = 4) -> ConsignmentLine:
    """Another line on ``c``, of a new offer line of the same donor, item and origin."""
    first = _lines(session, c.id)[0]
    offer = session.get(OfferLine, first.offer_line_id)
    assert offer is not None
    extra = OfferLine(
        reference=f"{c.reference}-X",
        donor_nation_id=offer.donor_nation_id,
        kind=offer.kind,
        description="another line",
        item_type_id=offer.item_type_id,
        quantity=Decimal(quantity),
        stage=offer.stage,
        announced_on=offer.announced_on,
    )
    session.add(extra)
    session.flush()
    line = ConsignmentLine(consignment_id=c.id, offer_line_id=extra.id, quantity=Decimal(quantity))
    session.add(line)
    session.flush()
    return line


def test_split_moves_part_of_a_line_and_a_whole_line_and_copies_the_legs(
    session: Session, routes: list[RouteSpec]
) -> None:
    c = _get(session, routes[0].reference)
    first = _lines(session, c.id)[0]
    second = _second_line(session, c)
    offer = first.offer_line_id
    before = consigned_quantity(session, offer)
    _weigh(session, c, "7")  # 14 units of one item: half of them move, and half the tonnes
    out = split_merge.split_consignment(
        session,
        c.id,
        s.ConsignmentSplit(
            version=c.version,
            reference="SPL-NEW",
            lines=[
                s.SplitLine(line_id=first.id, quantity=Decimal(3)),
                s.SplitLine(line_id=second.id, quantity=Decimal(4)),
            ],
        ),
    )
    new = out.created
    assert new.reference == "SPL-NEW"
    assert new.status is ConsignmentStatus.READY  # the source's state
    assert (new.origin_site_id, new.destination_site_id) == (
        c.origin_site_id,
        c.destination_site_id,
    )
    assert new.releasability == c.releasability
    assert _legs(session, new.id) == _legs(session, c.id) and len(_legs(session, c.id)) == 2
    assert [(x.offer_line_id, x.quantity) for x in _lines(session, c.id)] == [(offer, 7)]
    moved = _lines(session, new.id)
    assert sorted((x.offer_line_id, x.quantity) for x in moved) == sorted(
        [(offer, Decimal(3)), (second.offer_line_id, Decimal(4))]
    )
    assert second.id in {x.id for x in moved}  # a whole line moves as it is
    assert _weights(session, new) == _weights(session, c) == [(Decimal("3.5"), Decimal(7))] * 2
    assert consigned_quantity(session, offer) == before  # nothing added or lost
    assert out.source.version > 1 and "SPL-NEW" in (out.source.notes or "")
    entries = session.scalars(
        select(AuditEntry.entity).where(AuditEntry.username == COORDINATOR.username)
    ).all()
    assert {"consignment", "consignment_line", "consignment_leg"} <= set(entries)


def _weigh(session: Session, c: Consignment, tonnes: str) -> None:
    for leg in session.scalars(select(ConsignmentLeg).where(ConsignmentLeg.consignment_id == c.id)):
        leg.weight_t, leg.lift_units = Decimal(tonnes), 2 * Decimal(tonnes)
    session.flush()


def _weights(session: Session, c: Consignment) -> list[tuple[Decimal | None, Decimal | None]]:
    stmt = select(ConsignmentLeg.weight_t, ConsignmentLeg.lift_units).where(
        ConsignmentLeg.consignment_id == c.id
    )
    return [tuple(x) for x in session.execute(stmt.order_by(ConsignmentLeg.seq))]  # type: ignore[misc]


def test_both_halves_of_a_split_depart_and_are_handed_over(
    session: Session, routes: list[RouteSpec]
) -> None:
    r = routes[0]
    c = _get(session, r.reference)
    (line,) = _lines(session, c.id)
    body = s.ConsignmentSplit(
        version=c.version, reference="SPL-HALF", lines=[s.SplitLine(line_id=line.id, quantity=4)]
    )
    split_merge.split_consignment(session, c.id, body)
    t0 = dt.datetime(2025, 3, 1, 8, tzinfo=dt.UTC)
    events = []
    for ref, qty in ((r.reference, 6), ("SPL-HALF", 4)):
        for n, (kind, site, q) in enumerate(
            [
                (K.DEPARTED, r.origin, Decimal(qty)),
                (K.ARRIVED_HUB, r.hub, None),
                (K.DEPARTED_HUB, r.hub, None),
                (K.HANDED_OVER, r.destination, Decimal(qty)),
            ]
        ):
            events.append(
                ingest.EventIn(
                    event_id=f"{ref}-{n}",
                    consignment=ref,
                    kind=kind,
                    site=site,
                    occurred_at=t0 + dt.timedelta(hours=n),
                    quantity=q,
                )
            )
    result = ingest.ingest(session, events)
    assert result.rejected == 0, result.refusals
    session.expire_all()
    for ref in (r.reference, "SPL-HALF"):
        assert _get(session, ref).status is ConsignmentStatus.HANDED_OVER
    # nsatu check: states replay, batches match their audit entries, nothing over-consigned.
    failed = [x for x in integrity.run_checks(session) if x.count]
    assert not failed, failed


def _split(session: Session, c: Consignment, **kw: Any) -> s.ConsignmentSplit:
    (line,) = _lines(session, c.id)
    values: dict[str, Any] = {"version": c.version, "lines": [{"line_id": line.id, "quantity": 2}]}
    values.update(kw)
    return s.ConsignmentSplit.model_validate(values)


@pytest.mark.parametrize(
    ("case", "error", "field"),
    [
        ("stale", StaleVersion, "version"),
        ("departed", errors.ConsignmentNotEditable, "id"),
        ("repair", errors.ConsignmentNotEditable, "id"),
        ("foreign_line", InvalidInput, "lines.0.line_id"),
        ("twice", InvalidInput, "lines.1.line_id"),
        ("too_much", InvalidInput, "lines.0.quantity"),
        ("everything", InvalidInput, "lines"),
        ("reference_taken", errors.Conflict, "reference"),
    ],
)
def test_split_refusals_name_the_field_and_change_nothing(
    session: Session, routes: list[RouteSpec], case: str, error: type[NsatuError], field: str
) -> None:
    c = _get(session, routes[0].reference)
    (line,) = _lines(session, c.id)
    other_line = _lines(session, _get(session, routes[1].reference).id)[0]
    kw: dict[str, Any] = {}
    if case == "stale":
        kw["version"] = c.version + 1
    elif case == "departed":
        c.status = ConsignmentStatus.IN_TRANSIT
        session.flush()
        kw["version"] = c.version
    elif case == "repair":
        c.kind = ConsignmentKind.REPAIR
        session.flush()
        kw["version"] = c.version
    elif case == "foreign_line":
        kw["lines"] = [{"line_id": other_line.id, "quantity": 1}]
    elif case == "twice":
        kw["lines"] = [{"line_id": line.id, "quantity": 1}, {"line_id": line.id, "quantity": 1}]
    elif case == "too_much":
        kw["lines"] = [{"line_id": line.id, "quantity": 11}]
    elif case == "everything":
        kw["lines"] = [{"line_id": line.id, "quantity": 10}]
    elif case == "reference_taken":
        kw["reference"] = routes[1].reference
    body = _split(session, c, **kw)
    before = _snapshot(session)
    with pytest.raises(error) as raised:
        split_merge.split_consignment(session, c.id, body)
    assert raised.value.field == field
    assert raised.value.detail.startswith(f"{field}: ")
    assert _snapshot(session) == before


def test_only_coordinators_split_or_merge(session: Session, routes: list[RouteSpec]) -> None:
    c = _get(session, routes[0].reference)
    body = _split(session, c)
    before = _snapshot(session)
    other = _get(session, routes[1].reference)
    merge = _merge(c, other)
    hub = _legs(session, c.id)[0][2]
    for actor in (
        Actor(role=Role.AUDITOR, username="auditor"),
        Actor(role=Role.HUB_OPERATOR, username="hubop", site_id=hub),  # sees it, may not regroup
    ):
        set_actor(session, actor)
        with pytest.raises(PermissionDenied):
            split_merge.split_consignment(session, c.id, body)
        with pytest.raises(PermissionDenied):
            split_merge.merge_consignments(session, merge)
    assert _snapshot(session) == before


def _merge(*cs: Consignment) -> s.ConsignmentMerge:
    return s.ConsignmentMerge.model_validate(
        {"consignments": [{"id": c.id, "version": c.version} for c in cs]}
    )


def test_merge_sums_lines_per_offer_line_and_cancels_the_others(
    session: Session, routes: list[RouteSpec]
) -> None:
    a, b, c = (_get(session, r.reference) for r in routes)
    a_offer = _lines(session, a.id)[0].offer_line_id
    b_offer = _lines(session, b.id)[0].offer_line_id
    c_offer = _lines(session, c.id)[0].offer_line_id
    # Part of a's offer line travels on c too (a split made earlier): merged, it is one line again.
    (a_line,) = _lines(session, a.id)
    a_line.quantity = Decimal(6)
    session.add(ConsignmentLine(consignment_id=c.id, offer_line_id=a_offer, quantity=Decimal(4)))
    a.status = ConsignmentStatus.CREATED
    session.flush()
    totals = {o: consigned_quantity(session, o) for o in (a_offer, b_offer, c_offer)}
    for x, tonnes in ((a, "6"), (b, "10"), (c, "4")):
        _weigh(session, x, tonnes)
    out = split_merge.merge_consignments(session, _merge(a, b, c))
    assert out.merged.id == a.id and out.merged.status is ConsignmentStatus.CREATED
    assert sorted((x.offer_line_id, x.quantity) for x in _lines(session, a.id)) == sorted(
        [(a_offer, Decimal(10)), (b_offer, Decimal(10)), (c_offer, Decimal(10))]
    )
    for other in (b, c):
        assert other.status is ConsignmentStatus.CANCELLED
        assert _lines(session, other.id) == []
        assert a.reference in (other.notes or "")
    assert {o: consigned_quantity(session, o) for o in totals} == totals
    assert _weights(session, a) == [(Decimal(20), Decimal(40))] * 2  # what all three carried
    failed = [x for x in integrity.run_checks(session) if x.count]
    assert not failed, failed


@pytest.mark.parametrize(
    ("case", "error", "field"),
    [
        ("stale", StaleVersion, "consignments.1.version"),
        ("departed", errors.ConsignmentNotEditable, "consignments.1.id"),
        ("twice", InvalidInput, "consignments.1.id"),
        ("destination", InvalidInput, "consignments.1.id"),
        ("releasability", InvalidInput, "consignments.1.id"),
        ("donor", InvalidInput, "consignments.1.id"),
    ],
)
def test_merge_refusals_name_the_field_and_change_nothing(
    session: Session, routes: list[RouteSpec], case: str, error: type[NsatuError], field: str
) -> None:
    a, b, _ = (_get(session, r.reference) for r in routes)
    body = _merge(a, b)
    if case == "stale":
        body.consignments[1].version += 1
    elif case == "departed":
        b.status = ConsignmentStatus.IN_TRANSIT
    elif case == "twice":
        body = _merge(a, a)
    elif case == "destination":
        b.destination_site_id = b.origin_site_id
        b.origin_site_id = a.destination_site_id
    elif case == "releasability":
        b.releasability = (
            Releasability.COALITION
            if a.releasability is not Releasability.COALITION
            else Releasability.BILATERAL
        )
    elif case == "donor":
        other = seed_consignments(session, 1, prefix="SPX", loaded=1)[0]
        line = _lines(session, _get(session, other.reference).id)[0]
        offer = session.get(OfferLine, line.offer_line_id)
        assert offer is not None
        offer.donor_nation_id = _another_donor(session)
        b = _get(session, other.reference)
        b.origin_site_id, b.destination_site_id = a.origin_site_id, a.destination_site_id
    session.flush()
    if case in ("departed", "destination", "releasability", "donor"):
        body = _merge(a, b)
    before = _snapshot(session)
    with pytest.raises(error) as raised:
        split_merge.merge_consignments(session, body)
    assert raised.value.field == field
    assert raised.value.detail.startswith(f"{field}: ")
    assert _snapshot(session) == before


def _another_donor(session: Session) -> int:
    from tests.factories import make_nation

    return make_nation(session, is_donor=True).id


def test_a_write_in_between_makes_the_split_a_conflict(
    session: Session, routes: list[RouteSpec]
) -> None:
    """Another writer (an ingest batch, an edit) moved the consignment on after it was read: the
    split's rewrite of the row matches no version and is a 409."""
    c = _get(session, routes[0].reference)
    body = _split(session, c)
    session.execute(update(Consignment).where(Consignment.id == c.id).values(version=c.version + 1))
    with pytest.raises(errors.Conflict):
        split_merge.split_consignment(session, c.id, body)
