"""Engine, session factory and the one transaction boundary.

``transaction()`` is the only place that commits: the web request dependency, every CLI command and
every job open one. Services receive the session and may ``flush()``, never ``commit()``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

import nsatu.db.auditing  # installs the audit hook on every session
import nsatu.db.scoping  # noqa: F401  (installs need-to-know scoping on every ORM query)
from nsatu.db.repository import conflicts_as_errors

# SQLite stores NUMERIC as its own decimal affinity; amounts here stay well within 15 significant
# digits (cents of at most tens of billions), and PostgreSQL is exact. The warning adds nothing.
warnings.filterwarnings(
    "ignore", message=r"Dialect sqlite\+pysqlite does \*not\* support Decimal objects natively"
)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for any SQLAlchemy URL, with the pragmas SQLite needs.

    A SQLite file's folder is created when missing; ``sqlite://`` (in memory) shares one
    connection so every session sees the same database.
    """
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        kwargs["connect_args"] = {"check_same_thread": False}
        if database in ("", ":memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def enable_sqlite_savepoints(engine: Engine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, open transactions, so SAVEPOINTs nest properly.

    The test suite needs this to wrap each test in a transaction it rolls back. The application
    keeps the sqlite3 module's default (a transaction opens at the first write), under which a
    read holds no snapshot and two writers racing on one row queue on the lock instead of failing,
    so the loser sees the bumped version and gets a clean 409.
    """

    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit when the block succeeds, roll back when it raises."""
    session = factory()
    try:
        yield session
        with conflicts_as_errors("the change"):
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
