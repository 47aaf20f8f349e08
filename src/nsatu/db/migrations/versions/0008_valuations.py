"""Alternative valuations of an offer line (replacement cost beside net book value, and so on),
so that reports can set them side by side.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
