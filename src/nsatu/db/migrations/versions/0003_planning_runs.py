"""Planning: transport links between sites, plan runs, and allocations tied to their run.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 20:18:46.107213
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transport_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_site_id", sa.Integer(), nullable=False),
        sa.Column("to_site_id", sa.Integer(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "road",
                "rail",
                "air",
                "sea",
                name="transport_mode",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("transit_days", sa.Integer(), nullable=False),
        sa.Column("capacity_t_per_day", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("cost_per_t", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "capacity_t_per_day >= 0", name=op.f("ck_transport_link_capacity_nonneg")
        ),
        sa.CheckConstraint("cost_per_t >= 0", name=op.f("ck_transport_link_cost_nonneg")),
        sa.CheckConstraint(
            "from_site_id <> to_site_id", name=op.f("ck_transport_link_distinct_ends")
        ),
        sa.CheckConstraint("transit_days >= 1", name=op.f("ck_transport_link_transit_days_min")),
        sa.ForeignKeyConstraint(
            ["from_site_id"], ["site.id"], name=op.f("fk_transport_link_from_site_id_site")
        ),
        sa.ForeignKeyConstraint(
            ["to_site_id"], ["site.id"], name=op.f("fk_transport_link_to_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transport_link")),
        sa.UniqueConstraint(
            "from_site_id",
            "to_site_id",
            "mode",
            name=op.f("uq_transport_link_from_site_id_to_site_id_mode"),
        ),
    )
    with op.batch_alter_table("transport_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transport_link_to_site_id"), ["to_site_id"], unique=False
        )

    op.create_table(
        "plan_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "finished",
                "failed",
                name="plan_run_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("input_digest", sa.String(length=64), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("problem", sa.JSON(), nullable=False),
        sa.Column("problem_index", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("solver", sa.String(length=40), nullable=True),
        sa.Column("solver_version", sa.String(length=40), nullable=True),
        sa.Column("plan_status", sa.String(length=20), nullable=True),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("bound", sa.Float(), nullable=True),
        sa.Column("gap", sa.Float(), nullable=True),
        sa.Column("greedy_objective", sa.Float(), nullable=True),
        sa.Column("runtime_s", sa.Float(), nullable=True),
        sa.Column("plan", sa.JSON(), nullable=True),
        sa.Column("shipment_count", sa.Integer(), nullable=True),
        sa.Column("unmet_count", sa.Integer(), nullable=True),
        sa.Column("proposal_count", sa.Integer(), nullable=True),
        sa.Column("phase", sa.String(length=60), nullable=True),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("horizon_days >= 1", name=op.f("ck_plan_run_horizon_positive")),
        sa.CheckConstraint(
            "progress >= 0 AND progress <= 1", name=op.f("ck_plan_run_progress_range")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_plan_run_created_by_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_run")),
    )
    with op.batch_alter_table("plan_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_run_input_digest"), ["input_digest"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_plan_run_status"), ["status"], unique=False)

    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_allocation_plan_run_id"), ["plan_run_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_allocation_plan_run_id_plan_run"), "plan_run", ["plan_run_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_allocation_plan_run_id_plan_run"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_allocation_plan_run_id"))

    with op.batch_alter_table("plan_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_run_status"))
        batch_op.drop_index(batch_op.f("ix_plan_run_input_digest"))

    op.drop_table("plan_run")
    with op.batch_alter_table("transport_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transport_link_to_site_id"))

    op.drop_table("transport_link")
