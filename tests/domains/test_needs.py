"""Requirement service rules, on every backend."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from nsatu.core.lifecycles import RequirementStatus
from nsatu.db.models import Requirement
from nsatu.errors import IllegalTransitionError, InvalidInput, StaleVersion
from nsatu.needs import service as need_service
from nsatu.needs.schemas import RequirementCreate, RequirementFilter, RequirementUpdate
from tests.factories import make_capability_area, make_requirement


def _create(session: Session, **kw: object) -> Requirement:
    area = make_capability_area(session)
    data = {
        "title": "Generators for field hospitals",
        "capability_area_id": area.id,
        "quantity_requested": "40",
        "priority": 1,
        "period": "2025-02",
        "needed_by_on": "2025-04-01",
    } | kw
    return need_service.create_requirement(session, RequirementCreate.model_validate(data))


def test_create_starts_as_draft_with_a_reference(session: Session) -> None:
    need = _create(session)
    assert need.status is RequirementStatus.DRAFT
    assert need.reference.startswith("REQ-2025-02-")


@pytest.mark.parametrize(
    ("field", "value"),
    [("priority", 4), ("period", "2025-13"), ("quantity_requested", "0"), ("needed_by_on", "soon")],
)
def test_schema_names_the_bad_field(field: str, value: object) -> None:
    data = {
        "title": "x",
        "capability_area_id": 1,
        "quantity_requested": "1",
        "priority": 1,
        "period": "2025-01",
        "needed_by_on": "2025-01-31",
        field: value,
    }
    with pytest.raises(ValidationError) as info:
        RequirementCreate.model_validate(data)
    assert info.value.errors()[0]["loc"] == (field,)


def test_approved_cannot_exceed_requested(session: Session) -> None:
    with pytest.raises(ValidationError, match="quantity_approved"):
        RequirementCreate.model_validate(
            {
                "title": "x",
                "capability_area_id": 1,
                "quantity_requested": "5",
                "quantity_approved": "6",
                "priority": 1,
                "period": "2025-01",
                "needed_by_on": "2025-01-31",
            }
        )
    need = _create(session, quantity_requested="5")
    with pytest.raises(InvalidInput) as info:
        need_service.update_requirement(
            session, need.id, RequirementUpdate(version=1, quantity_approved=Decimal(6))
        )
    assert info.value.field == "quantity_approved"


def test_lifecycle_to_published_and_refusal_of_illegal_moves(session: Session) -> None:
    need = _create(session)
    for action in ("submit", "validate", "approve", "publish"):
        need = need_service.act_on_requirement(session, need.id, action)
    assert need.status is RequirementStatus.PUBLISHED
    assert need.quantity_approved == need.quantity_requested  # approval took the whole request
    assert need.version == 5  # one versioned write per move
    with pytest.raises(IllegalTransitionError) as info:
        need_service.act_on_requirement(session, need.id, "submit")
    assert set(info.value.extra["allowed"]) == {
        "partially_covered",
        "covered",
        "cancelled",
    }


def test_stale_version_is_refused(session: Session) -> None:
    need = _create(session)
    need_service.update_requirement(session, need.id, RequirementUpdate(version=1, priority=2))
    with pytest.raises(StaleVersion):
        need_service.update_requirement(session, need.id, RequirementUpdate(version=1, priority=3))
    assert need_service.get_requirement(session, need.id).priority == 2


def test_list_filters(session: Session) -> None:
    area = make_capability_area(session)
    for i in range(5):
        make_requirement(
            session,
            capability_area=area,
            priority=1 + i % 3,
            needed_by_on=dt.date(2025, 1, 1 + i),
        )
    page = need_service.list_requirements(
        session, RequirementFilter(capability_area_id=area.id, priority=1, sort="needed_by_on")
    )
    assert page.total == 2
    assert page.items[0].needed_by_on < page.items[1].needed_by_on


def test_counts_by_status_cover_every_status(session: Session) -> None:
    make_requirement(session)
    make_requirement(session, status=RequirementStatus.PUBLISHED)
    counts = need_service.count_by_status(session)
    assert set(counts) == set(RequirementStatus)
    assert counts[RequirementStatus.DRAFT] == 1
    assert counts[RequirementStatus.PUBLISHED] == 1
    assert counts[RequirementStatus.CLOSED] == 0
