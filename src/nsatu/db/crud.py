"""Generic use cases shared by every registry-style entity: create, read, update, list, and lifecycle
actions with optimistic concurrency.

Domain services describe an entity once as a :class:`Resource` and add their own rules around these
functions; nothing here commits.

Every write passes :func:`authorize` first, before any lookup or validation, so a refused write
changes nothing and tells nothing: coordinators change everything, auditors and the public nothing,
and every other role only what the resource's ``write_rule`` (declared next to the resource in its
domain's ``service.py``) allows. A resource without a rule is changed by coordinators only. Rows
outside the actor's read scope are not found (404) before any write rule runs.

Unique keys are checked in the actor's scope before the flush (:func:`check_unique`), so a clash
with a row the actor sees is a 409 naming the field. A clash with a row it cannot see must be
impossible by the key itself (an offer's reference is unique per donor, and a donor liaison sees
every line of its nation); otherwise the 409 from the constraint would reveal the hidden row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import ColumnElement, Table, UniqueConstraint, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from nsatu.core.access import Actor, Role
from nsatu.core.lifecycles import Lifecycle
from nsatu.db.actor import actor_of
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
from nsatu.errors import Conflict, InvalidInput, NotFound, PermissionDenied

M = TypeVar("M", bound=Base)

#: The operations a write rule is asked about (besides the names of lifecycle actions).
CREATE, UPDATE, DELETE = "create", "update", "delete"


@dataclass(frozen=True)
class Write:
    """One write for a rule to judge: ``op`` is ``create``, ``update``, ``delete`` or the name of a
    lifecycle action; ``row`` the stored row (``None`` on a create); ``values`` the fields the
    write sets (all of them on a create, the changes on an update, none on an action)."""

    op: str
    row: Any
    values: Mapping[str, Any]

    def before(self, name: str) -> Any:
        return None if self.row is None else getattr(self.row, name)

    def after(self, name: str) -> Any:
        return self.values[name] if name in self.values else self.before(name)


#: Raises ``PermissionDenied`` when ``actor`` (never a coordinator) may not make the write.
WriteRule = Callable[[Session, Actor, Write], None]


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
    #: Who besides coordinators may write (see :func:`authorize`); ``None``: coordinators only.
    write_rule: WriteRule | None = None

    @property
    def pk(self) -> ColumnElement[Any]:
        return self.model.__table__.c.id


def authorize(session: Session, res: Resource[M], write: Write) -> None:
    """Refuse (403) a write the session's actor may not make. A session without an actor is
    in-process code and may write anything.

    Raises:
        PermissionDenied: the actor's role may not make this write; nothing was changed.
    """
    actor = actor_of(session)
    if actor is None or actor.role is Role.COORDINATOR:
        return
    if not actor.may_write:
        who = "the public" if actor.is_public else f"an {actor.role.label}"
        raise PermissionDenied(f"{who} may not change {res.label}s (read-only role)")
    if res.write_rule is None:
        raise PermissionDenied(f"only coordinators change {res.label}s")
    res.write_rule(session, actor, write)


def check_owner(
    write: Write,
    name: str,
    allowed: Callable[[Any], bool],
    *,
    row_message: str,
    field_message: str,
) -> None:
    """Refuse a write unless the owner in field ``name`` is ``allowed`` both as stored and as
    written: a row of another owner stays closed, and a write cannot hand a row to another owner
    by setting the field (mass assignment).

    Raises:
        PermissionDenied: ``row_message`` for a row of another owner, ``field_message`` (naming
            the field) for a value that would give the row to one.
    """
    if write.row is not None and not allowed(write.before(name)):
        raise PermissionDenied(row_message)
    if name in write.values and not allowed(write.values[name]):
        raise PermissionDenied(f"{name}: {field_message}", field=name)


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


def unique_keys(model: type[Base]) -> list[tuple[str, ...]]:
    """The columns of each unique constraint of ``model``'s table, in declared order."""
    return [
        tuple(c.key for c in constraint.columns)
        for constraint in cast(Table, model.__table__).constraints
        if isinstance(constraint, UniqueConstraint)
    ]


def check_unique(
    session: Session, res: Resource[M], values: Mapping[str, Any], row: M | None = None
) -> None:
    """409 naming the field when the write would give the row a unique key another row already
    holds. ``values`` are all the fields of a create (``row`` is ``None``), or the changes of an
    update of ``row``. The lookup runs in the actor's scope: a clash it cannot see surfaces from
    the constraint instead, which is why every key on a scoped entity must only ever clash with
    rows its writers see. By convention a key lists its owner columns first and the field a
    person chose last; the 409 names that last column.

    Raises:
        Conflict: another row in the actor's scope has the same key.
    """
    table = res.model.__table__
    for key in unique_keys(res.model):
        if row is not None and not any(
            name in values and values[name] != getattr(row, name) for name in key
        ):
            continue
        merged = {
            name: values[name] if name in values else _stored_or_default(table, row, name)
            for name in key
        }
        if any(v is None for v in merged.values()):
            continue  # NULLs never clash
        stmt = select(res.pk).where(*(table.c[name] == v for name, v in merged.items()))
        if row is not None:
            stmt = stmt.where(res.pk != row.id)  # type: ignore[attr-defined]
        if session.scalar(stmt.limit(1)) is None:
            continue
        field, *owners = reversed(key)
        within = f" for the same {', '.join(reversed(owners))}" if owners else ""
        raise Conflict(
            f"{field}: conflicts with existing data: another {res.label} already has "
            f"{field} {merged[field]!r}{within}",
            field=field,
        )


def _stored_or_default(table: Any, row: Any, name: str) -> Any:
    if row is not None:
        return getattr(row, name)
    default = table.c[name].default
    return default.arg if default is not None and default.is_scalar else None


def create(
    session: Session,
    res: Resource[M],
    data: Mapping[str, Any],
    *,
    prepare: Callable[[dict[str, Any]], None] | None = None,
) -> M:
    """Insert a row from validated ``data`` (a schema's ``model_dump()``).

    ``prepare`` runs once the write is authorised: the domain's checks, and defaults it fills into
    the values.
    """
    values = dict(data)
    authorize(session, res, Write(CREATE, None, values))
    if prepare is not None:
        prepare(values)
    check_foreign_keys(session, res, values)
    check_unique(session, res, values)
    obj = res.model(**values)
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
        NotFound: no such row in the actor's scope.
        PermissionDenied: the actor may not make this change (403, nothing changes).
        StaleVersion: the row moved on since the client read ``version`` (409, nothing changes).
    """
    obj = get(session, res, id_)
    authorize(session, res, Write(UPDATE, obj, changes))
    check_version(obj, version, label=f"{res.label} {id_}")
    check_required(res, changes)
    check_foreign_keys(session, res, changes)
    if validate is not None:
        validate(obj, changes)
    check_unique(session, res, changes, obj)
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
        NotFound: no such row in the actor's scope.
        PermissionDenied: the actor may not make this move.
        IllegalTransitionError: 409 listing the allowed next states.
        StaleVersion: ``version`` was given and is no longer current.
    """
    assert res.lifecycle is not None, f"{res.label} has no lifecycle"
    obj = get(session, res, id_)
    authorize(session, res, Write(action, obj, {}))
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
    authorize(session, res, Write(DELETE, obj, {}))
    check_version(obj, version, label=f"{res.label} {id_}")
    session.delete(obj)
    flush(session, f"{res.label} {id_}")
