"""The audit trail: one append-only, hash-chained entry per change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from nsatu.db.base import Base, UTCDateTime


class AuditEntry(Base):
    """Who changed what, when, from where, with the values before and after.

    ``seq`` numbers the chain without gaps; ``hash`` covers the entry's content and ``prev_hash``,
    so editing, deleting, inserting or reordering any entry breaks the chain from there on.
    """

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)  # no FK: the log outlives its users
    username: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(40), index=True)
    entity_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's last ``seq`` and ``hash``, rewritten by every append in the same transaction.

    One row (``id`` 1; the migration writes seq 0 with the genesis hash). Without it, deleting the
    newest entries, or appending a forged one with a correctly computed hash, would leave a chain
    that is consistent in itself.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
