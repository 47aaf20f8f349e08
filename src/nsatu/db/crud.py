"""Generic use cases shared by every registry-style entity: create, read, update, list, and lifecycle
actions with optimistic concurrency.

Domain services describe an entity once as a :class:`Resource` and add their own rules around these
functions; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from nsatu.core.lifecycles import Lifecycle
from nsatu.db.base import Base
from nsatu.db.repository import (
    Page,
    SortKey,
    apply_changes,
    check_version,
    flush,
    get_or_404,
    order_by,
    paginate,
    require_exists,
)
from nsatu.errors import InvalidInput, NotFound

M = TypeVar("M", bound=Base)


@dataclass(frozen=True)
class Resource(Generic[M]):
    """How one entity is stored, looked up and sorted."""

    model: type[M]
    label: str
    not_found: type[NotFound] = NotFound
    #: field name -> model it must point at (checked so the 422 names the field).
    foreign_keys: Mapping[str, type[Base]] = field(default_factory=dict)
    #: sort key -> column.
    sortable: Mapping[str, SortKey] = field(default_factory=dict)
    #: loader options applied to reads and lists (relationships are lazy="raise").
    load: Sequence[ORMOption] = ()
    lifecycle: Lifecycle[Any] | None = None
    state_attr: str = "status"

    @property
    def pk(self) -> ColumnElement[Any]:
        return self.model.__table__.c.id


def get(session: Session, res: Resource[M], id_: int) -> M:
    return get_or_404(
        session, res.model, id_, error=res.not_found, options=res.load, label=res.label
    )


def check_foreign_keys(session: Session, res: Resource[M], data: Mapping[str, Any]) -> None:
    for name, target in res.foreign_keys.items():
        if name in data:
            require_exists(session, target, data[name], field=name)


def check_required(res: Resource[M], changes: Mapping[str, Any]) -> None:
    """An update may not clear a column the table requires (a 422 naming it, not a 409 from the
    NOT NULL constraint)."""
    columns = res.model.__table__.c
    for name, value in changes.items():
        if value is None and name in columns and not columns[name].nullable:
            raise InvalidInput(f"{name}: cannot be emptied", field=name)


def create(session: Session, res: Resource[M], data: Mapping[str, Any]) -> M:
    """Insert a row from validated ``data`` (a schema's ``model_dump()``)."""
    check_foreign_keys(session, res, data)
    obj = res.model(**data)
    if res.lifecycle is not None:
        setattr(obj, res.state_attr, res.lifecycle.initial)
    session.add(obj)
    flush(session, res.label)
    return reload(session, res, obj)


def reload(session: Session, res: Resource[M], obj: M) -> M:
    """Re-read ``obj`` as stored (numbers at the column's scale, server defaults) with the
    resource's loader options, so a write answers exactly what a later read returns."""
    if not res.load:
        session.refresh(obj)
        return obj
    stmt = select(res.model).where(res.pk == obj.id).options(*res.load)  # type: ignore[attr-defined]
    return session.scalars(stmt.execution_options(populate_existing=True)).one()


def update(
    session: Session,
    res: Resource[M],
    id_: int,
    changes: Mapping[str, Any],
    *,
    version: int,
    validate: Callable[[M, Mapping[str, Any]], None] | None = None,
) -> M:
    """Apply ``changes`` (only the fields the client sent) if ``version`` is still current.

    Raises:
        StaleVersion: the row moved on since the client read ``version`` (409, nothing changes).
    """
    obj = get(session, res, id_)
    check_version(obj, version, label=f"{res.label} {id_}")
    check_required(res, changes)
    check_foreign_keys(session, res, changes)
    if validate is not None:
        validate(obj, changes)
    apply_changes(obj, changes)
    flush(session, f"{res.label} {id_}")
    return reload(session, res, obj)


def act(
    session: Session,
    res: Resource[M],
    id_: int,
    action: str,
    *,
    version: int | None = None,
    effect: Callable[[M, str], None] | None = None,
) -> M:
    """Move the row through its lifecycle by ``action``.

    Raises:
        IllegalTransitionError: 409 listing the allowed next states.
        StaleVersion: ``version`` was given and is no longer current.
    """
    assert res.lifecycle is not None, f"{res.label} has no lifecycle"
    obj = get(session, res, id_)
    if version is not None:
        check_version(obj, version, label=f"{res.label} {id_}")
    current: StrEnum = getattr(obj, res.state_attr)
    setattr(obj, res.state_attr, res.lifecycle.apply(current, action))
    if effect is not None:
        effect(obj, action)  # changes that go with the move, in the same versioned write
    flush(session, f"{res.label} {id_}")
    return reload(session, res, obj)


def list_page(
    session: Session,
    res: Resource[M],
    *,
    where: Sequence[ColumnElement[bool]] = (),
    sort: str | None = None,
    page: int = 1,
    size: int = 50,
) -> Page[M]:
    stmt = select(res.model).where(*where).options(*res.load)
    stmt = order_by(stmt, sort, res.sortable, tiebreak=res.pk)
    return paginate(session, stmt, page=page, size=size)


def delete(session: Session, res: Resource[M], id_: int, *, version: int) -> None:
    obj = get(session, res, id_)
    check_version(obj, version, label=f"{res.label} {id_}")
    session.delete(obj)
    flush(session, f"{res.label} {id_}")
