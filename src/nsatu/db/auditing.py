"""The audit hook: every write through a session appends hash-chained entries to ``audit_entry``,
in the same transaction as the write.

It is installed once per process on every ``Session`` (``nsatu.db.session`` imports this module), as
need-to-know scoping is: no entry point, job, script or test can write around it, and the database
layer needs nothing from the domains to do it (the mapper knows the tables, the session knows the
actor, :mod:`nsatu.core.audit_chain` hashes).

- ``before_flush``: if the flush will write an audited row, take the chain lock *before* the first
  write, and note the stored values of the rows about to be updated or deleted.
- ``after_flush``: ids are known now. One entry per created, updated or deleted row: ``create``
  and ``delete`` carry every column, ``update`` only the changed ones (before and after). An update
  that moves a lifecycle column (``status``, ``stage``) is named after the lifecycle action that
  leads there, ``transition:<action>``, or plain ``transition`` when no action does.
- ``do_orm_execute``: an ORM ``insert``/``update``/``delete`` statement through ``session.execute``,
  which the flush never sees. An UPDATE or DELETE of up to :data:`BULK_DETAIL_LIMIT` rows is
  recorded row by row as above (the rows are read before it runs, and after, for an update);
  anything larger, and every such INSERT, gets one summary entry ``bulk_<verb>`` with the count.

Who, when, from where: the session's actor (username, user id, role, channel); in-process code
without an actor (migrations, the demo loader, benchmarks) is recorded as ``system``.

Rows the database deletes with their parent (``ON DELETE CASCADE``: a user's API tokens, a
consignment's lines, legs and events) are read before the flush and recorded as ``delete:cascade``.

Never recorded: the audit tables themselves, ``web_session`` (sign-ins churn; the user row records
the login), a token's ``last_used_at`` bump, and the values of secret columns (only that they
changed). Not seen at all: SQL run on a raw connection or as ``text()`` (the application writes
neither way), and the children of the rows a bulk delete too large to record row by row removes.

Locking: appends must not fork or gap the chain under concurrent writers. On PostgreSQL
``pg_advisory_xact_lock`` on a key derived from the audit table's oid (so schemas sharing a database
do not block each other) is taken before the flush writes anything and held until the transaction
ends; since every writer takes it before its first row lock, writers cannot deadlock on it. On SQLite
the database's single write lock, taken by the transaction's first write, serialises writers
already; entries are appended after the flush's own writes, so the last entry is read under it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Result, Table, event, insert, select, text, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import InstanceState, Mapper, ORMExecuteState, Session, UOWTransaction
from sqlalchemy.orm.base import LoaderCallableStatus

from nsatu.core.access import Actor
from nsatu.core.audit_chain import GENESIS, entry_hash, json_safe
from nsatu.core.lifecycles import ALL as LIFECYCLES
from nsatu.core.lifecycles import Lifecycle
from nsatu.db.base import Base, utcnow
from nsatu.db.models import AuditEntry, AuditHead
from nsatu.db.scoping import actor_of

ENTRY = cast(Table, AuditEntry.__table__)
HEAD = cast(Table, AuditHead.__table__)
HEAD_ID = 1

#: Tables the application may never change through a session: the log only grows, by this hook.
APPEND_ONLY = frozenset({ENTRY.name, HEAD.name})
#: Tables whose writes are not recorded.
EXCLUDED_TABLES = APPEND_ONLY | {"web_session"}
#: Columns whose values are never copied into the log (that they changed is recorded).
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "session_hash", "csrf_token"})
REDACTED = "[redacted]"
#: Bookkeeping columns bumped on every request; an update of only these is not a change of data.
QUIET_COLUMNS: dict[str, frozenset[str]] = {
    "api_token": frozenset({"last_used_at"}),
    # A running plan's progress ticks; the run's claim and its stored result are recorded.
    "plan_run": frozenset({"phase", "progress"}),
}

SYSTEM = "system"
#: First key of the PostgreSQL advisory lock ("nsat"); the second is the audit table's oid.
LOCK_NAMESPACE = 0x6E736174

_BEFORE = "nsatu_audit_before"
_CASCADED = "nsatu_audit_cascaded"
MAX_CASCADE_DEPTH = 5
_LIFECYCLE_OF = {lc.states: lc for lc in LIFECYCLES}
_UNKNOWN = object()


class AppendOnlyViolation(RuntimeError):
    """Code tried to change or delete an audit entry, or write one around the hook."""


@dataclass(frozen=True)
class Change:
    """One thing to record: what (table, id, action) with the values before and after."""

    entity: str
    entity_id: int | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class _Shape:
    entity: str
    audited: bool
    columns: tuple[str, ...]
    #: The attribute holding the primary key, when it is a single column.
    id_key: str | None
    quiet: frozenset[str]
    lifecycles: dict[str, Lifecycle[Any]]


_shapes: dict[Mapper[Any], _Shape] = {}


def _shape(mapper: Mapper[Any]) -> _Shape:
    shape = _shapes.get(mapper)
    if shape is None:
        entity = str(getattr(mapper.class_, "__tablename__", mapper.class_.__name__))
        lifecycles: dict[str, Lifecycle[Any]] = {}
        for attr in mapper.column_attrs:
            enum_class = getattr(attr.columns[0].type, "enum_class", None)
            lifecycle = _LIFECYCLE_OF.get(enum_class) if enum_class is not None else None
            if lifecycle is not None:
                lifecycles[attr.key] = lifecycle
        shape = _Shape(
            entity=entity,
            audited=entity not in EXCLUDED_TABLES,
            columns=tuple(attr.key for attr in mapper.column_attrs),
            id_key=(
                mapper.get_property_by_column(mapper.primary_key[0]).key
                if len(mapper.primary_key) == 1
                else None
            ),
            quiet=QUIET_COLUMNS.get(entity, frozenset()),
            lifecycles=lifecycles,
        )
        _shapes[mapper] = shape
    return shape


def _state(obj: object) -> InstanceState[Any]:
    return cast(InstanceState[Any], sa_inspect(obj))


# --- values ------------------------------------------------------------------------------------


def _recorded(key: str, value: Any) -> Any:
    if key in SECRET_COLUMNS and value is not None:
        return REDACTED
    if isinstance(value, bytes):
        # File contents (attachments) are recorded by their digest and size, not copied.
        return f"sha256:{hashlib.sha256(value).hexdigest()} ({len(value)} bytes)"
    return json_safe(value)


def _stored(state: InstanceState[Any], shape: _Shape) -> dict[str, Any]:
    """The values as the database holds them now (before this flush), for the loaded columns."""
    committed, current = state.committed_state, state.dict
    out: dict[str, Any] = {}
    for key in shape.columns:
        if key in committed:
            value = committed[key]
            out[key] = _UNKNOWN if isinstance(value, LoaderCallableStatus) else value
        elif key in current:
            out[key] = current[key]
    return out


def _changed_keys(state: InstanceState[Any], shape: _Shape) -> list[str]:
    """Columns set since the row was loaded to a value other than the stored one."""
    committed, current = state.committed_state, state.dict
    return [
        key
        for key in shape.columns
        if key in committed
        and key not in shape.quiet
        and (isinstance(committed[key], LoaderCallableStatus) or committed[key] != current.get(key))
    ]


def _entity_id(state: InstanceState[Any], shape: _Shape) -> int | None:
    # Read from the row, not the identity key: a new row gets its identity key only after the flush.
    value = state.dict.get(shape.id_key) if shape.id_key is not None else None
    return value if isinstance(value, int) else None


def _transition(shape: _Shape, before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """``transition:<action>`` when a lifecycle column moved, ``None`` when none did."""
    for key, lifecycle in shape.lifecycles.items():
        if key not in after:
            continue
        old, new = before.get(key), after[key]
        for action in lifecycle.actions:
            if old in action.sources and new == action.target:
                return f"transition:{action.name}"
        return "transition"
    return None


def _created(state: InstanceState[Any], shape: _Shape) -> Change:
    # An unset column with no default was inserted as NULL (no model relies on a server default).
    values = {key: _recorded(key, state.dict.get(key)) for key in shape.columns}
    return Change(shape.entity, _entity_id(state, shape), "create", None, values)


def _updated(state: InstanceState[Any], shape: _Shape, stored: dict[str, Any]) -> Change | None:
    current = state.dict
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key in shape.columns:
        if key in shape.quiet or key not in current or key not in stored:
            continue
        old, new = stored[key], current[key]
        if old is _UNKNOWN or old != new:
            before[key] = None if old is _UNKNOWN else old
            after[key] = new
    if not after:
        return None
    action = _transition(shape, before, after) or "update"
    return Change(
        shape.entity,
        _entity_id(state, shape),
        action,
        {k: _recorded(k, v) for k, v in before.items()},
        {k: _recorded(k, v) for k, v in after.items()},
    )


def _deleted(state: InstanceState[Any], shape: _Shape, stored: dict[str, Any]) -> Change:
    values = {k: _recorded(k, None if v is _UNKNOWN else v) for k, v in stored.items()}
    return Change(shape.entity, _entity_id(state, shape), "delete", values, None)


_cascades: dict[str, list[tuple[Table, Any]]] = {}


def _cascade_children(table: str) -> list[tuple[Table, Any]]:
    """(child table, its foreign-key column) for each ``ON DELETE CASCADE`` reference to ``table``."""
    found = _cascades.get(table)
    if found is None:
        found = [
            (child, fk.parent)
            for child in Base.metadata.sorted_tables
            for fk in child.foreign_keys
            if (fk.ondelete or "").upper() == "CASCADE"
            and fk.column.table.name == table
            and child.name not in EXCLUDED_TABLES
        ]
        _cascades[table] = found
    return found


def _cascaded(
    conn: Connection, table: str, row_id: int, skip: set[tuple[str, int]], depth: int = 0
) -> list[Change]:
    """The rows the database will delete with row ``row_id`` of ``table`` (``ON DELETE CASCADE``),
    read before it does, as ``delete:cascade`` entries; rows the flush deletes itself are in
    ``skip``."""
    changes: list[Change] = []
    for child, column in _cascade_children(table):
        pk = list(child.primary_key.columns)
        for row in conn.execute(select(child).where(column == row_id)).mappings():
            child_id = row[pk[0].name] if len(pk) == 1 else None
            if child_id is not None and (child.name, child_id) in skip:
                continue
            values = {key: _recorded(key, value) for key, value in row.items()}
            changes.append(Change(child.name, child_id, "delete:cascade", values, None))
            if child_id is not None and depth < MAX_CASCADE_DEPTH:
                changes.extend(_cascaded(conn, child.name, child_id, skip, depth + 1))
    return changes


def audited_tables() -> list[str]:
    """Names of the tables whose writes are recorded, sorted."""
    return sorted(
        _shape(mapper).entity
        for mapper in Base.registry.mappers
        if _shape(mapper).entity not in EXCLUDED_TABLES
    )


# --- the chain ---------------------------------------------------------------------------------


def lock_chain(conn: Connection) -> None:
    """Serialise appends until this transaction ends (see the module docstring).

    SQLite needs no statement here: its one write lock is taken by the transaction's first write
    (the application lets the driver open transactions at the first write) and held until commit,
    and entries are appended only after the writes they record.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(:ns, CAST(CAST(:tbl AS regclass) AS oid)::integer)"),
            {"ns": LOCK_NAMESPACE, "tbl": ENTRY.name},
        )


def _who(actor: Actor | None) -> dict[str, Any]:
    if actor is None:
        return {"user_id": None, "username": SYSTEM, "role": SYSTEM, "channel": SYSTEM}
    return {
        "user_id": actor.user_id,
        "username": actor.username[:64],
        "role": str(actor.role),
        "channel": str(actor.channel),
    }


def append(session: Session, changes: Sequence[Change]) -> None:
    """Append one entry per change after the current last entry, and move the head.

    The caller holds the chain lock (:func:`lock_chain`) in this transaction.
    """
    if not changes:
        return
    conn = session.connection()
    last = conn.execute(
        select(ENTRY.c.seq, ENTRY.c.hash).order_by(ENTRY.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (int(last.seq), str(last.hash)) if last is not None else (0, GENESIS)
    who = _who(actor_of(session))
    at = utcnow()
    rows = []
    for change in changes:
        seq += 1
        fields = {
            "seq": seq,
            "at": at,
            **who,
            "entity": change.entity,
            "entity_id": change.entity_id,
            "action": change.action,
            "before": change.before,
            "after": change.after,
        }
        digest = entry_hash(prev, fields)
        rows.append({**fields, "prev_hash": prev, "hash": digest})
        prev = digest
    conn.execute(insert(ENTRY), rows)
    moved = conn.execute(update(HEAD).where(HEAD.c.id == HEAD_ID).values(seq=seq, hash=prev))
    if moved.rowcount == 0:  # the head row went missing; the chain itself still links up
        conn.execute(insert(HEAD).values(id=HEAD_ID, seq=seq, hash=prev))


# --- session events ----------------------------------------------------------------------------


def _guard(shape: _Shape) -> None:
    if shape.entity in APPEND_ONLY:
        raise AppendOnlyViolation(
            f"{shape.entity} is append-only and written only by the audit hook"
        )


def _before_flush(session: Session, _flush_context: UOWTransaction, _instances: Any) -> None:
    stored: dict[InstanceState[Any], dict[str, Any]] = {}
    writes = False
    for obj in session.new:
        shape = _shape(_state(obj).mapper)
        _guard(shape)
        writes = writes or shape.audited
    for obj in session.deleted:
        state = _state(obj)
        shape = _shape(state.mapper)
        _guard(shape)
        if shape.audited:
            if state.unloaded & set(shape.columns):
                session.refresh(obj, attribute_names=sorted(state.unloaded & set(shape.columns)))
            stored[state] = _stored(state, shape)
            writes = True
    for obj in session.dirty:
        state = _state(obj)
        shape = _shape(state.mapper)
        if not _changed_keys(state, shape):
            continue
        _guard(shape)
        if shape.audited:
            stored[state] = _stored(state, shape)
            writes = True
    session.info[_BEFORE] = stored
    if writes:
        lock_chain(session.connection())
    session.info[_CASCADED] = _cascades_of(session, stored) if session.deleted else []


def _cascades_of(
    session: Session, stored: dict[InstanceState[Any], dict[str, Any]]
) -> list[Change]:
    deleted = [_state(obj) for obj in session.deleted]
    skip = {
        (_shape(state.mapper).entity, entity_id)
        for state in deleted
        if (entity_id := _entity_id(state, _shape(state.mapper))) is not None
    }
    changes: list[Change] = []
    for state in deleted:
        shape = _shape(state.mapper)
        entity_id = _entity_id(state, shape)
        if state in stored and entity_id is not None and _cascade_children(shape.entity):
            changes.extend(_cascaded(session.connection(), shape.entity, entity_id, skip))
    return changes


def _after_flush(session: Session, _flush_context: UOWTransaction) -> None:
    stored: dict[InstanceState[Any], dict[str, Any]] = session.info.pop(_BEFORE, {})
    changes: list[Change] = []
    for obj in session.new:
        state = _state(obj)
        shape = _shape(state.mapper)
        if shape.audited:
            changes.append(_created(state, shape))
    for obj in session.dirty:
        state = _state(obj)
        before = stored.get(state)
        if before is not None:
            change = _updated(state, _shape(state.mapper), before)
            if change is not None:
                changes.append(change)
    for obj in session.deleted:
        state = _state(obj)
        before = stored.get(state)
        if before is not None:
            changes.append(_deleted(state, _shape(state.mapper), before))
    changes.extend(session.info.pop(_CASCADED, []))
    append(session, changes)


def _bulk(state: ORMExecuteState) -> Result[Any] | None:
    """An ORM ``insert``/``update``/``delete`` statement run through ``session.execute``.

    An UPDATE or DELETE of at most :data:`BULK_DETAIL_LIMIT` rows of a table with a one-column key
    is recorded row by row, like a flush: the matched rows are read before it runs (and, for an
    update, again after). Anything else gets one summary entry ``bulk_<verb>`` with the row count.
    """
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    table = getattr(state.statement, "table", None)
    entity = getattr(table, "name", None)
    if entity in APPEND_ONLY:
        raise AppendOnlyViolation(f"{entity} is append-only and written only by the audit hook")
    if not isinstance(table, Table) or entity in EXCLUDED_TABLES:
        return None
    conn = state.session.connection()
    lock_chain(conn)
    before = None if state.is_insert else _matched(conn, state, table)
    cascaded: list[Change] = []
    if before is not None and state.is_delete:
        skip = {(table.name, row_id) for row_id in before}
        for row_id in before:
            cascaded += _cascaded(conn, table.name, row_id, skip)
    result = state.invoke_statement()
    if before is None:
        verb = "insert" if state.is_insert else "update" if state.is_update else "delete"
        changes = [Change(table.name, None, f"bulk_{verb}", None, {"rows": _rows(state, result)})]
    elif state.is_delete:
        changes = [
            Change(table.name, row_id, "delete", _all_recorded(row), None)
            for row_id, row in before.items()
        ]
        changes += cascaded
    else:
        changes = _row_updates(conn, table, before)
    append(state.session, changes)
    return result


#: Bulk UPDATEs and DELETEs up to this many rows are recorded row by row, larger ones as a count.
BULK_DETAIL_LIMIT = 500


def _matched(
    conn: Connection, state: ORMExecuteState, table: Table
) -> dict[int, dict[str, Any]] | None:
    """The rows an UPDATE or DELETE will touch, by id; ``None`` when they cannot be told cheaply
    (an executemany, a composite key, more than :data:`BULK_DETAIL_LIMIT` rows)."""
    keys = list(table.primary_key.columns)
    if state.is_executemany or len(keys) != 1:
        return None
    stmt = select(table)
    where = getattr(state.statement, "whereclause", None)
    if where is not None:
        stmt = stmt.where(where)
    rows = conn.execute(stmt.limit(BULK_DETAIL_LIMIT + 1)).mappings().all()
    if len(rows) > BULK_DETAIL_LIMIT:
        return None
    return {row[keys[0].name]: dict(row) for row in rows}


def _all_recorded(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _recorded(key, value) for key, value in row.items()}


def _row_updates(conn: Connection, table: Table, before: dict[int, dict[str, Any]]) -> list[Change]:
    if not before:
        return []
    key = next(iter(table.primary_key.columns))
    after = {
        row[key.name]: dict(row)
        for row in conn.execute(select(table).where(key.in_(list(before)))).mappings()
    }
    shape = _table_shape(table.name)
    changes: list[Change] = []
    for row_id, old in before.items():
        new = after.get(row_id, {})
        changed = [k for k, v in new.items() if k not in shape.quiet and old.get(k) != v]
        if not changed:
            continue
        b = {k: old.get(k) for k in changed}
        a = {k: new[k] for k in changed}
        action = _transition(shape, b, a) or "update"
        changes.append(
            Change(
                table.name,
                row_id,
                action,
                {k: _recorded(k, v) for k, v in b.items()},
                {k: _recorded(k, v) for k, v in a.items()},
            )
        )
    return changes


def _table_shape(name: str) -> _Shape:
    for mapper in Base.registry.mappers:
        shape = _shape(mapper)
        if shape.entity == name:
            return shape
    return _Shape(name, True, (), None, QUIET_COLUMNS.get(name, frozenset()), {})


def _rows(state: ORMExecuteState, result: Result[Any]) -> int | None:
    count = getattr(result, "rowcount", None)
    if isinstance(count, int) and count >= 0:
        return count
    params = state.parameters
    if isinstance(params, list):
        return len(params)
    return None


def install() -> None:
    """Register the listeners once per process (idempotent)."""
    for name, fn in (
        ("before_flush", _before_flush),
        ("after_flush", _after_flush),
        ("do_orm_execute", _bulk),
    ):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)


install()
