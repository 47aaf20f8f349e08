"""Crew requirements of item types, and capability packages over needs: what readiness is made of.

Both are coordinators' records. A crew requirement says how many people of one crew role a unit
of an item type needs, trained on which course; the course must qualify for that item type. A
package groups one need or several (its components) into one capability of one capability area.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from nsatu.db.crud import Resource, check_foreign_keys
from nsatu.db.models import (
    CapabilityArea,
    CapabilityPackage,
    Course,
    CrewRequirement,
    ItemType,
    PackageComponent,
    Requirement,
    course_item_type,
)
from nsatu.errors import InvalidInput
from nsatu.shared.entity import Entity, contains, eq
from nsatu.training import errors
from nsatu.training import schemas as s

CREW_RESOURCE = Resource(
    model=CrewRequirement,
    label="crew requirement",
    not_found=errors.CrewRequirementNotFound,
    foreign_keys={"item_type_id": ItemType, "course_id": Course},
    sortable={"id": CrewRequirement.id, "item_type_id": CrewRequirement.item_type_id},
)


def _check_qualifies(session: Session, item_type_id: int, course_id: int) -> None:
    qualifies = session.scalar(
        select(
            exists().where(
                course_item_type.c.course_id == course_id,
                course_item_type.c.item_type_id == item_type_id,
            )
        )
    )
    if not qualifies:
        raise InvalidInput(
            f"course_id: course {course_id} does not qualify for item type {item_type_id}; add "
            "the item type to the course first",
            field="course_id",
        )


def _crew_before_create(session: Session, v: dict[str, Any]) -> None:
    check_foreign_keys(session, CREW_RESOURCE, v)
    _check_qualifies(session, v["item_type_id"], v["course_id"])


def _crew_before_update(session: Session, obj: CrewRequirement, ch: dict[str, Any]) -> None:
    if "course_id" in ch:
        _check_qualifies(session, obj.item_type_id, ch["course_id"])


CREW_REQUIREMENTS = Entity(
    name="crew-requirements",
    resource=CREW_RESOURCE,
    create_schema=s.CrewRequirementCreate,
    update_schema=s.CrewRequirementUpdate,
    read_schema=s.CrewRequirementRead,
    filter_schema=s.CrewRequirementFilter,
    where=lambda f: (
        eq(CrewRequirement.item_type_id, f.item_type_id)
        + eq(CrewRequirement.course_id, f.course_id)
        + eq(CrewRequirement.crew_role, f.crew_role)
    ),
    before_create=_crew_before_create,
    before_update=_crew_before_update,
)


PACKAGE_RESOURCE = Resource(
    model=CapabilityPackage,
    label="capability package",
    not_found=errors.CapabilityPackageNotFound,
    foreign_keys={"capability_area_id": CapabilityArea},
    sortable={"id": CapabilityPackage.id, "code": CapabilityPackage.code},
)

CAPABILITY_PACKAGES = Entity(
    name="capability-packages",
    resource=PACKAGE_RESOURCE,
    create_schema=s.CapabilityPackageCreate,
    update_schema=s.CapabilityPackageUpdate,
    read_schema=s.CapabilityPackageRead,
    filter_schema=s.CapabilityPackageFilter,
    where=lambda f: (
        eq(CapabilityPackage.capability_area_id, f.capability_area_id)
        + (
            []
            if not f.q
            else [
                contains(CapabilityPackage.name, f.q)[0] | contains(CapabilityPackage.code, f.q)[0]
            ]
        )
    ),
)


COMPONENT_RESOURCE = Resource(
    model=PackageComponent,
    label="package component",
    not_found=errors.PackageComponentNotFound,
    foreign_keys={"capability_package_id": CapabilityPackage, "requirement_id": Requirement},
    sortable={"id": PackageComponent.id, "component": PackageComponent.component},
)

PACKAGE_COMPONENTS = Entity(
    name="package-components",
    resource=COMPONENT_RESOURCE,
    create_schema=s.PackageComponentCreate,
    update_schema=s.PackageComponentUpdate,
    read_schema=s.PackageComponentRead,
    filter_schema=s.PackageComponentFilter,
    where=lambda f: (
        eq(PackageComponent.capability_package_id, f.capability_package_id)
        + eq(PackageComponent.requirement_id, f.requirement_id)
    ),
)
