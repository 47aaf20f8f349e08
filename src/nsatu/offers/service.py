"""Use cases for offer / pledge lines."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session, joinedload

from nsatu.core.access import Actor, donor_disclosed, may_change_offer
from nsatu.core.lifecycles import OFFER, OfferStage
from nsatu.core.pledges import find_cycle
from nsatu.db import crud
from nsatu.db.actor import actor_of
from nsatu.db.models import CapabilityArea, ItemType, Nation, OfferLine, Organisation, Site
from nsatu.db.repository import Page
from nsatu.db.scoping import UNSCOPED
from nsatu.errors import InvalidInput
from nsatu.offers import errors
from nsatu.offers.schemas import OfferCreate, OfferFilter, OfferUpdate, check_offer_fields
from nsatu.shared.entity import contains, eq

#: The value in EUR at the recorded rate, for sorting across currencies (NULL when not convertible).
VALUE_EUR = case(
    (OfferLine.currency == "EUR", OfferLine.value_amount),
    else_=OfferLine.value_amount / OfferLine.eur_rate,
)


def may_write_offer(session: Session, actor: Actor, write: crud.Write) -> None:
    """A donor liaison records, edits and moves its own nation's offers only, and cannot hand one
    to another donor (``donor_nation_id`` is checked as stored and as written)."""
    crud.check_owner(
        write,
        "donor_nation_id",
        lambda donor: may_change_offer(actor, donor_nation_id=donor),
        row_message=f"offer {write.before('reference')} belongs to another donor; "
        f"a {actor.role.label} changes only its own nation's offers",
        field_message=f"a {actor.role.label} records offers of its own nation only",
    )


RESOURCE = crud.Resource(
    model=OfferLine,
    label="offer",
    not_found=errors.OfferNotFound,
    foreign_keys={
        "donor_nation_id": Nation,
        "donor_organisation_id": Organisation,
        "item_type_id": ItemType,
        "origin_site_id": Site,
        "earmark_capability_area_id": CapabilityArea,
        "parent_id": OfferLine,
    },
    sortable={
        "id": OfferLine.id,
        "reference": OfferLine.reference,
        "announced_on": OfferLine.announced_on,
        "value_amount": OfferLine.value_amount,
        "value_eur": VALUE_EUR,
        "quantity": OfferLine.quantity,
        "stage": OfferLine.stage,
        "kind": OfferLine.kind,
        "description": OfferLine.description,
        "updated_at": OfferLine.updated_at,
    },
    load=(joinedload(OfferLine.donor),),
    lifecycle=OFFER,
    state_attr="stage",
    write_rule=may_write_offer,
)


def _check_parent(
    session: Session, line_id: int | None, donor_id: int, parent_id: int | None
) -> None:
    """A parent must belong to the same donor, and the links must stay a forest."""
    if parent_id is None:
        return
    parent = session.get(OfferLine, parent_id)
    if parent is None:
        raise InvalidInput(f"parent_id: no offer with id {parent_id}", field="parent_id")
    if parent.donor_nation_id != donor_id:
        raise InvalidInput(
            "parent_id: a refinement must belong to the same donor as its parent", field="parent_id"
        )
    if line_id is None:
        return
    # Walk up from the new parent: reaching the line itself would close a cycle.
    parents: dict[int, int | None] = {line_id: parent_id}
    node: int | None = parent_id
    while node is not None and node not in parents:
        up = session.scalar(select(OfferLine.parent_id).where(OfferLine.id == node))
        parents[node] = up
        node = up
    if find_cycle(parents) is not None:
        raise InvalidInput(
            "parent_id: this link would make the line its own ancestor", field="parent_id"
        )


def _check_organisation(session: Session, donor_id: int, org_id: int | None) -> None:
    if org_id is None:
        return
    org = session.get(Organisation, org_id)
    if org is not None and org.nation_id != donor_id:
        raise InvalidInput(
            "donor_organisation_id: the organisation belongs to another nation",
            field="donor_organisation_id",
        )


def create_offer(session: Session, data: OfferCreate) -> OfferLine:
    def prepare(values: dict[str, Any]) -> None:
        if values["reference"] is None:
            values["reference"] = f"OFR-{secrets.token_hex(4).upper()}"
        crud.check_foreign_keys(session, RESOURCE, values)
        _check_organisation(session, data.donor_nation_id, data.donor_organisation_id)
        _check_parent(session, None, data.donor_nation_id, data.parent_id)

    return crud.create(session, RESOURCE, data.model_dump(), prepare=prepare)


def update_offer(session: Session, offer_id: int, data: OfferUpdate) -> OfferLine:
    def validate(obj: OfferLine, changes: Any) -> None:
        merged = {c.key: getattr(obj, c.key) for c in OfferLine.__table__.columns} | dict(changes)
        try:
            check_offer_fields(merged)
        except ValueError as exc:
            field = str(exc).split(":", 1)[0]
            raise InvalidInput(str(exc), field=field) from None
        donor = merged["donor_nation_id"]
        _check_organisation(session, donor, merged["donor_organisation_id"])
        if "parent_id" in changes or donor != obj.donor_nation_id:
            _check_parent(session, obj.id, donor, merged["parent_id"])
        if donor != obj.donor_nation_id and _has_refinements(session, obj.id):
            raise InvalidInput(
                "donor_nation_id: the line has refinements, which must have the same donor; "
                "unlink them first",
                field="donor_nation_id",
            )

    return crud.update(
        session, RESOURCE, offer_id, data.changes(), version=data.version, validate=validate
    )


def _has_refinements(session: Session, line_id: int) -> bool:
    stmt = select(OfferLine.id).where(OfferLine.parent_id == line_id).limit(1)
    return session.scalar(stmt.execution_options(**{UNSCOPED: True})) is not None


def get_offer(session: Session, offer_id: int) -> OfferLine:
    return crud.get(session, RESOURCE, offer_id)


def offer_where(f: OfferFilter, actor: Actor | None = None) -> list[ColumnElement[bool]]:
    """The filter's conditions. An ``actor`` who may not know anonymous donors finds no anonymous
    line by its donor (nor by its parent, which has the same donor)."""
    where: list[ColumnElement[bool]] = []
    by_donor = f.donor or f.donor_nation_id is not None or f.parent_id is not None
    if by_donor and actor is not None and not donor_disclosed(actor, anonymise_donor=True):
        where.append(OfferLine.anonymise_donor.is_(False))
    if f.q:
        where.append(
            or_(*contains(OfferLine.description, f.q), *contains(OfferLine.reference, f.q))
        )
    if f.donor:
        # A scalar subquery, not ``donor.has(...)``: SQLite cannot turn the correlated EXISTS of
        # ``has`` into a join and would walk every line of the stage (see docs/performance.md).
        donor_id = select(Nation.id).where(Nation.code == f.donor.upper()).scalar_subquery()
        where.append(OfferLine.donor_nation_id == donor_id)
    if f.announced_from:
        where.append(OfferLine.announced_on >= f.announced_from)
    if f.announced_to:
        where.append(OfferLine.announced_on <= f.announced_to)
    return (
        where
        + eq(OfferLine.donor_nation_id, f.donor_nation_id)
        + eq(OfferLine.stage, f.stage)
        + eq(OfferLine.kind, f.kind)
        + eq(OfferLine.channel, f.channel)
        + eq(OfferLine.item_type_id, f.item_type_id)
        + eq(OfferLine.parent_id, f.parent_id)
        + eq(OfferLine.source, f.source)
    )


def list_offers(session: Session, f: OfferFilter) -> Page[OfferLine]:
    return crud.list_page(
        session,
        RESOURCE,
        where=offer_where(f, actor_of(session)),
        sort=f.sort,
        page=f.page,
        size=f.size,
    )


def iter_offers(session: Session, f: OfferFilter) -> Sequence[OfferLine]:
    """Every line matching ``f`` (no paging), in id order: for exports."""
    where = offer_where(f, actor_of(session))
    stmt = select(OfferLine).where(*where).options(*RESOURCE.load).order_by(OfferLine.id)
    return list(session.scalars(stmt))


def act_on_offer(
    session: Session, offer_id: int, action: str, *, version: int | None = None
) -> OfferLine:
    """Move an offer line through its stages (commit, allocate, contract, ship, deliver, withdraw)."""
    return crud.act(session, RESOURCE, offer_id, action, version=version)


def count_by_stage(session: Session) -> dict[OfferStage, int]:
    """How many offer lines are in each stage (every stage present, zero when empty)."""
    rows = session.execute(select(OfferLine.stage, func.count()).group_by(OfferLine.stage)).all()
    found = {OfferStage(stage): int(n) for stage, n in rows}
    return {s: found.get(s, 0) for s in OfferStage}
