"""Execution: the consignment lifecycle driven by tracking events, event ids for idempotent
ingest, quantities and serials on events, refused events, leg transport details, serial-tracked
item types.

Existing rows move to the new vocabularies: consignment ``planned`` → ``created``,
``dispatched`` → ``in_transit``; tracking event ``arrived`` → ``arrived_hub``, ``discrepancy`` →
``damaged``; events recorded before this revision get the event id ``legacy-<id>``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUS = ("planned", "dispatched", "at_hub", "handed_over", "received", "cancelled")
NEW_STATUS = (
    "created",
    "ready",
    "in_transit",
    "at_hub",
    "handed_over",
    "received",
    "closed",
    "cancelled",
    "returning",
    "lost",
)
STATUS_UP = {"planned": "created", "dispatched": "in_transit"}
OLD_KINDS = ("departed", "arrived", "handed_over", "received", "discrepancy", "note")
NEW_KINDS = (
    "departed",
    "arrived_hub",
    "handled",
    "departed_hub",
    "hold",
    "release",
    "delayed",
    "handed_over",
    "received",
    "lost",
    "damaged",
    "note",
)
KINDS_UP = {"arrived": "arrived_hub", "discrepancy": "damaged"}


def _enum(values: Sequence[str], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _recode(
    table: str,
    column: str,
    name: str,
    old: Sequence[str],
    new: Sequence[str],
    mapping: dict[str, str],
) -> None:
    """Move an enum column to a new set of values: drop its CHECK, rewrite the rows, add the new
    CHECK (two batches, so that SQLite's table copies never meet a value the CHECK refuses)."""
    with op.batch_alter_table(table) as batch_op:
        batch_op.alter_column(
            column, existing_type=_enum(old, name), type_=sa.String(32), existing_nullable=False
        )
    tbl = sa.table(table, sa.column(column, sa.String(32)))
    for before, after in mapping.items():
        op.execute(tbl.update().where(tbl.c[column] == before).values({column: after}))
    with op.batch_alter_table(table) as batch_op:
        batch_op.alter_column(
            column, existing_type=sa.String(32), type_=_enum(new, name), existing_nullable=False
        )


def upgrade() -> None:
    _recode("consignment", "status", "consignment_status", OLD_STATUS, NEW_STATUS, STATUS_UP)
    with op.batch_alter_table("consignment") as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                _enum(("delivery", "repair"), "consignment_kind"),
                nullable=False,
                server_default="delivery",
            )
        )
        batch_op.add_column(sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("consignment") as batch_op:
        batch_op.alter_column("kind", server_default=None)

    with op.batch_alter_table("consignment_leg") as batch_op:
        batch_op.add_column(sa.Column("carrier", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("carrier_reference", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("weight_t", sa.Numeric(precision=14, scale=3), nullable=True))
        batch_op.add_column(
            sa.Column("lift_units", sa.Numeric(precision=14, scale=3), nullable=True)
        )
        batch_op.add_column(
            sa.Column("dangerous_goods", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("oversize", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("consignment_leg") as batch_op:
        batch_op.alter_column("dangerous_goods", server_default=None)
        batch_op.alter_column("oversize", server_default=None)

    with op.batch_alter_table("item_type") as batch_op:
        batch_op.add_column(
            sa.Column("serial_tracked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("item_type") as batch_op:
        batch_op.alter_column("serial_tracked", server_default=None)

    _recode("tracking_event", "kind", "tracking_event_kind", OLD_KINDS, NEW_KINDS, KINDS_UP)
    with op.batch_alter_table("tracking_event") as batch_op:
        batch_op.add_column(sa.Column("event_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("quantity", sa.Numeric(precision=20, scale=3), nullable=True))
        batch_op.add_column(sa.Column("serials", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("new_eta", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("reported_by", sa.String(length=64), nullable=False, server_default="system")
        )
        batch_op.add_column(
            sa.Column(
                "recorded_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.func.current_timestamp(),
            )
        )
        batch_op.add_column(sa.Column("batch", sa.String(length=32), nullable=True))
    event = sa.table(
        "tracking_event", sa.column("id", sa.Integer), sa.column("event_id", sa.String(64))
    )
    op.execute(
        event.update()
        .where(event.c.event_id.is_(None))
        .values(event_id=sa.literal("legacy-") + sa.cast(event.c.id, sa.String(20)))
    )
    with op.batch_alter_table("tracking_event") as batch_op:
        batch_op.alter_column("event_id", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("reported_by", server_default=None)
        batch_op.alter_column("recorded_at", server_default=None)
        batch_op.create_unique_constraint(
            batch_op.f("uq_tracking_event_consignment_id_event_id"), ["consignment_id", "event_id"]
        )
        batch_op.create_check_constraint("quantity_nonneg", "quantity >= 0")
        batch_op.create_index(
            "ix_tracking_event_consignment_time", ["consignment_id", "occurred_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tracking_event_batch"), ["batch"], unique=False)

    op.create_table(
        "tracking_rejection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("consignment_reference", sa.String(length=40), nullable=True),
        sa.Column("consignment_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tracking_event_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consignment_id"],
            ["consignment.id"],
            name=op.f("fk_tracking_rejection_consignment_id_consignment"),
        ),
        sa.ForeignKeyConstraint(
            ["tracking_event_id"],
            ["tracking_event.id"],
            name=op.f("fk_tracking_rejection_tracking_event_id_tracking_event"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_rejection")),
        sa.UniqueConstraint(
            "submitted_by", "event_id", name=op.f("uq_tracking_rejection_submitted_by_event_id")
        ),
    )
    with op.batch_alter_table("tracking_rejection") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tracking_rejection_consignment_reference"),
            ["consignment_reference"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_tracking_rejection_consignment_id"), ["consignment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tracking_rejection_resolved_at"), ["resolved_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("tracking_rejection")
    with op.batch_alter_table("tracking_event") as batch_op:
        batch_op.drop_index(batch_op.f("ix_tracking_event_batch"))
        batch_op.drop_index("ix_tracking_event_consignment_time")
        batch_op.drop_constraint("quantity_nonneg", type_="check")
        batch_op.drop_constraint(
            batch_op.f("uq_tracking_event_consignment_id_event_id"), type_="unique"
        )
        for column in (
            "batch",
            "recorded_at",
            "reported_by",
            "new_eta",
            "serials",
            "quantity",
            "event_id",
        ):
            batch_op.drop_column(column)
    # Kinds with no earlier equivalent become notes; the lifecycle's new states their nearest.
    kinds_down = {v: k for k, v in KINDS_UP.items()} | {
        k: "note" for k in NEW_KINDS if k not in OLD_KINDS and k not in KINDS_UP.values()
    }
    _recode("tracking_event", "kind", "tracking_event_kind", NEW_KINDS, OLD_KINDS, kinds_down)
    with op.batch_alter_table("item_type") as batch_op:
        batch_op.drop_column("serial_tracked")
    with op.batch_alter_table("consignment_leg") as batch_op:
        for column in (
            "oversize",
            "dangerous_goods",
            "lift_units",
            "weight_t",
            "carrier_reference",
            "carrier",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("consignment") as batch_op:
        # Drop the CHECK of the enum first: SQLite's copy would keep it and name a lost column.
        batch_op.alter_column(
            "kind",
            existing_type=_enum(("delivery", "repair"), "consignment_kind"),
            type_=sa.String(32),
            existing_nullable=False,
        )
    with op.batch_alter_table("consignment") as batch_op:
        batch_op.drop_column("returned_at")
        batch_op.drop_column("kind")
    status_down = {
        "created": "planned",
        "ready": "planned",
        "in_transit": "dispatched",
        "closed": "received",
        "returning": "dispatched",
        "lost": "cancelled",
    }
    _recode("consignment", "status", "consignment_status", NEW_STATUS, OLD_STATUS, status_down)
