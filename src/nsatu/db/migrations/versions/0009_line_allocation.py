"""Consignment lines name the accepted allocation they serve (nullable): the quantity ledger then
credits that allocation exactly, and shares out only the lines without one.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 02:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consignment_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("allocation_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_consignment_line_allocation_id"), ["allocation_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_consignment_line_allocation_id_allocation"),
            "allocation",
            ["allocation_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("consignment_line", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_consignment_line_allocation_id_allocation"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_consignment_line_allocation_id"))
        batch_op.drop_column("allocation_id")
