"""Helpers of the audit tests (their committed databases are ``committed_url`` of tests/conftest.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from nsatu.db.models import AuditEntry
from nsatu.db.session import make_engine


def log(session: Session, **where: Any) -> list[AuditEntry]:
    """The entries, oldest first (``where``: column = value)."""
    stmt = select(AuditEntry).order_by(AuditEntry.seq)
    for name, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, name) == value)
    return list(session.scalars(stmt))


def tamper(url: str, sql: str, **params: Any) -> None:
    """Change the database behind the application's back, as someone with SQL access could."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(sql), params)
    engine.dispose()
