"""Query helpers every domain repository shares: fetch-or-404, filtering, sorting, paging, and the
translation of database conflicts into the error tree."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.interfaces import ORMOption

from nsatu.errors import Conflict, InvalidInput, NotFound, StaleVersion

T = TypeVar("T")
#: A column or mapped attribute a list may be sorted by.
SortKey = ColumnElement[Any] | InstrumentedAttribute[Any]

MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def get_or_404(
    session: Session,
    model: type[T],
    id_: int,
    *,
    error: type[NotFound] = NotFound,
    options: Sequence[ORMOption] = (),
    label: str | None = None,
) -> T:
    """Return the row of ``model`` with primary key ``id_`` or raise ``error`` (404)."""
    obj = session.get(model, id_, options=options)
    if obj is None:
        name = label or getattr(model, "__tablename__", model.__name__).replace("_", " ")
        raise error(f"{name} {id_} does not exist")
    return obj


def require_exists(session: Session, model: type[Any], id_: int | None, *, field: str) -> None:
    """422 naming ``field`` when a foreign key points at nothing (checked before the INSERT so the
    client gets a field-level message rather than a constraint name)."""
    if id_ is not None and session.get(model, id_) is None:
        raise InvalidInput(
            f"{field}: no {model.__tablename__.replace('_', ' ')} with id {id_}", field=field
        )


def order_by(
    stmt: Select[Any],
    sort: str | None,
    allowed: Mapping[str, SortKey],
    *,
    tiebreak: ColumnElement[Any],
) -> Select[Any]:
    """Apply ``sort`` (``field`` or ``-field``, comma-separated) from an allow-list.

    The primary key is always the last key, so pages are stable.

    Raises:
        InvalidInput: naming the ``sort`` field when a key is not sortable.
    """
    keys: list[Any] = []
    for raw in (sort or "").split(","):
        name = raw.strip()
        if not name:
            continue
        desc = name.startswith("-")
        col = allowed.get(name.lstrip("-+"))
        if col is None:
            raise InvalidInput(
                f"sort: cannot sort by {name.lstrip('-+')!r}; use one of {', '.join(sorted(allowed))}",
                field="sort",
            )
        keys.append(col.desc() if desc else col.asc())
    return stmt.order_by(*keys, tiebreak)


def paginate(session: Session, stmt: Select[Any], *, page: int, size: int) -> Page[Any]:
    """Run ``stmt`` for one page and count the whole filtered result."""
    if page < 1:
        raise InvalidInput("page: must be 1 or more", field="page")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"size: must be between 1 and {MAX_PAGE_SIZE}", field="size")
    count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = session.scalar(count_stmt) or 0
    items = list(session.scalars(stmt.limit(size).offset((page - 1) * size)))
    return Page(items=items, total=total, page=page, size=size)


def check_version(obj: Any, expected: int, *, label: str) -> None:
    """409 when the client edited an older version than the one stored."""
    if obj.version != expected:
        raise StaleVersion(
            f"{label} was changed by someone else (you edited version {expected}, "
            f"it is now at version {obj.version}); reload and try again",
            field="version",
            current_version=obj.version,
        )


def apply_changes(obj: Any, changes: Mapping[str, Any]) -> None:
    for key, value in changes.items():
        setattr(obj, key, value)


@contextmanager
def conflicts_as_errors(label: str) -> Iterator[None]:
    """Turn a lost optimistic-lock race or a violated unique constraint into a 409."""
    try:
        yield
    except StaleDataError:
        raise StaleVersion(
            f"{label} was changed by someone else at the same time; reload and try again",
            field="version",
        ) from None
    except IntegrityError as exc:
        raise Conflict(f"{label} conflicts with existing data: {_constraint(exc)}") from None


def _constraint(exc: IntegrityError) -> str:
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return str(name) if name else str(orig).splitlines()[0]


def flush(session: Session, label: str) -> None:
    """Flush pending writes so constraint and version conflicts surface inside the use case."""
    with conflicts_as_errors(label):
        session.flush()
