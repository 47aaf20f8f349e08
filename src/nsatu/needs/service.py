"""Use cases for requirements (needs)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from nsatu.core.access import Actor, may_change_need
from nsatu.core.lifecycles import REQUIREMENT, RequirementStatus
from nsatu.db import crud
from nsatu.db.models import CapabilityArea, ItemType, Requirement, Site
from nsatu.db.repository import Page
from nsatu.errors import InvalidInput, PermissionDenied
from nsatu.needs import errors
from nsatu.needs.schemas import (
    RequirementCreate,
    RequirementFilter,
    RequirementUpdate,
    check_quantities,
)
from nsatu.shared.entity import contains, eq


def may_write_need(session: Session, actor: Actor, write: crud.Write) -> None:
    """Recipient planners (and coordinators) keep the priority list."""
    if not may_change_need(actor):
        raise PermissionDenied(f"a {actor.role.label} may not change requirements")


RESOURCE = crud.Resource(
    model=Requirement,
    label="requirement",
    not_found=errors.RequirementNotFound,
    foreign_keys={
        "capability_area_id": CapabilityArea,
        "item_type_id": ItemType,
        "destination_site_id": Site,
    },
    sortable={
        "id": Requirement.id,
        "reference": Requirement.reference,
        "title": Requirement.title,
        "priority": Requirement.priority,
        "rank": Requirement.rank,
        "period": Requirement.period,
        "needed_by_on": Requirement.needed_by_on,
        "quantity_requested": Requirement.quantity_requested,
        "status": Requirement.status,
        "updated_at": Requirement.updated_at,
    },
    lifecycle=REQUIREMENT,
    state_attr="status",
    write_rule=may_write_need,
)


def create_requirement(session: Session, data: RequirementCreate) -> Requirement:
    values = data.model_dump()
    if values["reference"] is None:
        values["reference"] = f"REQ-{data.period}-{secrets.token_hex(3).upper()}"
    return crud.create(session, RESOURCE, values)


def update_requirement(session: Session, req_id: int, data: RequirementUpdate) -> Requirement:
    def validate(obj: Requirement, changes: Any) -> None:
        try:
            check_quantities(
                changes.get("quantity_requested", obj.quantity_requested),
                changes.get("quantity_approved", obj.quantity_approved),
            )
        except ValueError as exc:
            raise InvalidInput(str(exc), field="quantity_approved") from None

    return crud.update(
        session, RESOURCE, req_id, data.changes(), version=data.version, validate=validate
    )


def get_requirement(session: Session, req_id: int) -> Requirement:
    return crud.get(session, RESOURCE, req_id)


def requirement_where(f: RequirementFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.q:
        where.append(or_(*contains(Requirement.title, f.q), *contains(Requirement.reference, f.q)))
    if f.needed_by_before:
        where.append(Requirement.needed_by_on <= f.needed_by_before)
    return (
        where
        + eq(Requirement.status, f.status)
        + eq(Requirement.priority, f.priority)
        + eq(Requirement.period, f.period)
        + eq(Requirement.capability_area_id, f.capability_area_id)
        + eq(Requirement.item_type_id, f.item_type_id)
        + eq(Requirement.destination_site_id, f.destination_site_id)
    )


def list_requirements(session: Session, f: RequirementFilter) -> Page[Requirement]:
    return crud.list_page(
        session, RESOURCE, where=requirement_where(f), sort=f.sort, page=f.page, size=f.size
    )


def iter_requirements(session: Session, f: RequirementFilter) -> Sequence[Requirement]:
    stmt = select(Requirement).where(*requirement_where(f)).order_by(Requirement.id)
    return list(session.scalars(stmt))


def act_on_requirement(
    session: Session, req_id: int, action: str, *, version: int | None = None
) -> Requirement:
    """Move a requirement through its lifecycle (submit, validate, approve, publish, ...).

    Approving a need without an approved quantity approves the whole requested quantity.
    """

    def effect(need: Requirement, act: str) -> None:
        if act == "approve" and need.quantity_approved is None:
            need.quantity_approved = need.quantity_requested

    return crud.act(session, RESOURCE, req_id, action, version=version, effect=effect)


def count_by_status(session: Session) -> dict[RequirementStatus, int]:
    """How many requirements are in each status (every status present, zero when empty)."""
    rows = session.execute(
        select(Requirement.status, func.count()).group_by(Requirement.status)
    ).all()
    found = {RequirementStatus(status): int(n) for status, n in rows}
    return {s: found.get(s, 0) for s in RequirementStatus}
