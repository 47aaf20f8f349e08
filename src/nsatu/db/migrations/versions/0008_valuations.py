"""Alternative valuations of an offer line (replacement cost beside net book value, and so on),
so that reports can set them side by side.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "offer_line_valuation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_line_id", sa.Integer(), nullable=False),
        sa.Column(
            "basis",
            sa.Enum(
                "replacement_cost",
                "net_book_value",
                "contract_price",
                "price_list",
                "donor_declared",
                name="valuation_basis",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Numeric(precision=20, scale=8), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_offer_line_valuation_amount_nonneg")),
        sa.CheckConstraint("rate > 0", name=op.f("ck_offer_line_valuation_rate_positive")),
        sa.ForeignKeyConstraint(
            ["offer_line_id"],
            ["offer_line.id"],
            name=op.f("fk_offer_line_valuation_offer_line_id_offer_line"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_line_valuation")),
        sa.UniqueConstraint(
            "offer_line_id", "basis", name=op.f("uq_offer_line_valuation_offer_line_id_basis")
        ),
    )
    with op.batch_alter_table("offer_line_valuation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_offer_line_valuation_offer_line_id"), ["offer_line_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("offer_line_valuation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_line_valuation_offer_line_id"))
    op.drop_table("offer_line_valuation")
