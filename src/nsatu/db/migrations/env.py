"""Alembic environment: one history for SQLite and PostgreSQL (batch mode for SQLite ALTERs)."""

from __future__ import annotations

from alembic import context

import nsatu.db.models  # noqa: F401  (registers every table on the metadata)
from nsatu.db.base import Base
from nsatu.db.session import make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table as copy, drop, rename. With foreign keys enforced the
            # drop would delete the rows that reference it ON DELETE CASCADE (a consignment's
            # lines, legs and events) or fail on the others. The pragma is honoured only outside
            # a transaction: set it, end SQLAlchemy's implicit one, then migrate.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            connection.commit()
            if broken:
                raise RuntimeError(
                    f"the migration left rows with dangling references: {broken[:5]}"
                )
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
