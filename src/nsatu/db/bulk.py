"""Fast bulk inserts for large batches of validated rows.

``conn.execute(insert(table), rows)`` spends most of its time in SQLAlchemy's per-row parameter
processing. :func:`insert_many` converts each value once with the column type's own bind
processor (so the stored form is exactly what the ORM would store), then hands the rows to the
driver in one go: ``COPY … FROM STDIN`` on PostgreSQL with psycopg, ``executemany`` elsewhere.

It writes on the connection, past the session's audit hook: a caller records what it wrote in the
audit trail itself (see :mod:`nsatu.logistics.batch_audit`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert


def _processors(
    conn: Connection, table: Table, columns: Sequence[str]
) -> list[Callable[[Any], Any] | None]:
    dialect = conn.dialect
    return [table.c[name].type._cached_bind_processor(dialect) for name in columns]


def _convert(column: list[Any], proc: Callable[[Any], Any] | None) -> list[Any]:
    """One column's values as the driver takes them. A value repeated from the row before (the
    batch's own timestamp) is converted once, and so is each distinct text (an enum's few
    values: equal strings are stored alike, unlike equal numbers such as 4 and 4.0)."""
    if proc is None:
        return column
    out: list[Any] = []
    last: Any = object()
    done: Any = None
    texts: dict[str, Any] = {}
    for value in column:
        if value is not last:
            last = value
            if value is None:
                done = None
            elif isinstance(value, str):
                done = texts.get(value, texts)
                if done is texts:
                    done = texts[value] = proc(value)
            else:
                done = proc(value)
        out.append(done)
    return out


def insert_many(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (tuples of values for ``columns``) into ``table`` in one driver call."""
    if not rows:
        return
    converted = [
        _convert([row[i] for row in rows], proc)
        for i, proc in enumerate(_processors(conn, table, columns))
    ]
    values = list(zip(*converted, strict=True))
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        quoted = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in columns)
        name = conn.dialect.identifier_preparer.format_table(table)
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:
            for value in values:
                copy.write_row(value)
        return
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(columns))
    order = compiled.positiontup
    if order is None:  # a named style: the driver takes mappings
        conn.exec_driver_sql(str(compiled), [dict(zip(columns, v, strict=True)) for v in values])
        return
    if list(order) != list(columns):  # a positional style: match its order
        index = [list(columns).index(key) for key in order]
        values = [tuple(v[i] for i in index) for v in values]
    conn.exec_driver_sql(str(compiled), values)
