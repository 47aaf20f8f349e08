"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 17:05:32.267485
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "capability_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("coalition", sa.String(length=160), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capability_area")),
        sa.UniqueConstraint("code", name=op.f("uq_capability_area_code")),
    )
    op.create_table(
        "nation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("is_donor", sa.Boolean(), nullable=False),
        sa.Column("is_recipient", sa.Boolean(), nullable=False),
        sa.Column("is_host", sa.Boolean(), nullable=False),
        sa.Column("eu_member", sa.Boolean(), nullable=False),
        sa.Column("nato_member", sa.Boolean(), nullable=False),
        sa.Column("eu_accession_on", sa.Date(), nullable=True),
        sa.Column("nato_accession_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nation")),
        sa.UniqueConstraint("code", name=op.f("uq_nation_code")),
    )
    op.create_table(
        "item_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("public_name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=120), nullable=False),
        sa.Column("capability_area_id", sa.Integer(), nullable=False),
        sa.Column("unit_of_measure", sa.String(length=32), nullable=False),
        sa.Column("weight_kg_per_unit", sa.Numeric(precision=14, scale=3), nullable=True),
        sa.Column("lift_units_per_unit", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("reference_unit_value", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("reference_value_currency", sa.String(length=3), nullable=True),
        sa.Column("reference_value_source", sa.Text(), nullable=True),
        sa.Column("reference_value_on", sa.Date(), nullable=True),
        sa.Column("substitution_family", sa.String(length=64), nullable=False),
        sa.Column("nsn", sa.String(length=13), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["capability_area_id"],
            ["capability_area.id"],
            name=op.f("fk_item_type_capability_area_id_capability_area"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_type")),
        sa.UniqueConstraint("code", name=op.f("uq_item_type_code")),
        sa.UniqueConstraint("nsn", name=op.f("uq_item_type_nsn")),
    )
    with op.batch_alter_table("item_type", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_item_type_capability_area_id"), ["capability_area_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_item_type_category"), ["category"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_item_type_substitution_family"), ["substitution_family"], unique=False
        )

    op.create_table(
        "nation_gdp",
        sa.Column("nation_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("gdp_usd", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["nation_id"],
            ["nation.id"],
            name=op.f("fk_nation_gdp_nation_id_nation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("nation_id", "year", name=op.f("pk_nation_gdp")),
    )
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "ministry",
                "agency",
                "industry",
                "ngo",
                "international",
                name="organisation_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("nation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nation_id"], ["nation.id"], name=op.f("fk_organisation_nation_id_nation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
    )
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisation_nation_id"), ["nation_id"], unique=False)

    op.create_table(
        "site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "depot",
                "hub",
                "handover_point",
                "training_centre",
                "hq",
                name="site_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("nation_id", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("unlocode", sa.String(length=5), nullable=True),
        sa.Column("road_capacity_per_day", sa.Integer(), nullable=True),
        sa.Column("rail_capacity_per_day", sa.Integer(), nullable=True),
        sa.Column("air_capacity_per_day", sa.Integer(), nullable=True),
        sa.Column("sea_capacity_per_day", sa.Integer(), nullable=True),
        sa.Column("storage_capacity", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nation_id"], ["nation.id"], name=op.f("fk_site_nation_id_nation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
        sa.UniqueConstraint("code", name=op.f("uq_site_code")),
    )
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_nation_id"), ["nation_id"], unique=False)

    op.create_table(
        "consignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("origin_site_id", sa.Integer(), nullable=False),
        sa.Column("destination_site_id", sa.Integer(), nullable=False),
        sa.Column("planned_departure_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "dispatched",
                "at_hub",
                "handed_over",
                "received",
                "cancelled",
                name="consignment_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["destination_site_id"],
            ["site.id"],
            name=op.f("fk_consignment_destination_site_id_site"),
        ),
        sa.ForeignKeyConstraint(
            ["origin_site_id"], ["site.id"], name=op.f("fk_consignment_origin_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consignment")),
        sa.UniqueConstraint("reference", name=op.f("uq_consignment_reference")),
    )
    with op.batch_alter_table("consignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consignment_status"), ["status"], unique=False)

    op.create_table(
        "course",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("capability_area_id", sa.Integer(), nullable=False),
        sa.Column("item_type_id", sa.Integer(), nullable=True),
        sa.Column("host_nation_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("duration_days", sa.Integer(), nullable=False),
        sa.Column("seats_per_event", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("duration_days > 0", name=op.f("ck_course_duration_positive")),
        sa.CheckConstraint("seats_per_event > 0", name=op.f("ck_course_seats_positive")),
        sa.ForeignKeyConstraint(
            ["capability_area_id"],
            ["capability_area.id"],
            name=op.f("fk_course_capability_area_id_capability_area"),
        ),
        sa.ForeignKeyConstraint(
            ["host_nation_id"], ["nation.id"], name=op.f("fk_course_host_nation_id_nation")
        ),
        sa.ForeignKeyConstraint(
            ["item_type_id"], ["item_type.id"], name=op.f("fk_course_item_type_id_item_type")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_course_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course")),
        sa.UniqueConstraint("code", name=op.f("uq_course_code")),
    )
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_capability_area_id"), ["capability_area_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_course_host_nation_id"), ["host_nation_id"], unique=False
        )

    op.create_table(
        "offer_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("donor_nation_id", sa.Integer(), nullable=False),
        sa.Column("donor_organisation_id", sa.Integer(), nullable=True),
        sa.Column(
            "channel",
            sa.Enum(
                "bilateral",
                "pooled_fund",
                "coalition",
                "joint_procurement",
                name="offer_channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "in_kind_stock",
                "new_procurement",
                "cash_pooled",
                "training",
                "service",
                name="offer_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("item_type_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=20, scale=3), nullable=True),
        sa.Column("quantity_delivered", sa.Numeric(precision=20, scale=3), nullable=True),
        sa.Column("announced_on", sa.Date(), nullable=True),
        sa.Column("available_from_on", sa.Date(), nullable=True),
        sa.Column("origin_site_id", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("value_amount", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("eur_rate", sa.Numeric(precision=20, scale=8), nullable=True),
        sa.Column("eur_rate_on", sa.Date(), nullable=True),
        sa.Column(
            "valuation_basis",
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
            nullable=True,
        ),
        sa.Column("earmark_capability_area_id", sa.Integer(), nullable=True),
        sa.Column("earmark", sa.String(length=300), nullable=True),
        sa.Column(
            "stage",
            sa.Enum(
                "announced",
                "committed",
                "allocated",
                "contracted",
                "shipped",
                "delivered",
                "withdrawn",
                name="offer_stage",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column(
            "releasability",
            sa.Enum(
                "public",
                "coalition",
                "bilateral",
                "internal",
                name="releasability",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_ref", sa.String(length=80), nullable=True),
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
            "eur_rate IS NULL OR eur_rate > 0", name=op.f("ck_offer_line_eur_rate_positive")
        ),
        sa.CheckConstraint(
            "parent_id IS NULL OR parent_id <> id", name=op.f("ck_offer_line_not_own_parent")
        ),
        sa.CheckConstraint(
            "quantity IS NULL OR quantity >= 0", name=op.f("ck_offer_line_quantity_nonneg")
        ),
        sa.CheckConstraint(
            "value_amount IS NULL OR value_amount >= 0", name=op.f("ck_offer_line_value_nonneg")
        ),
        sa.ForeignKeyConstraint(
            ["donor_nation_id"], ["nation.id"], name=op.f("fk_offer_line_donor_nation_id_nation")
        ),
        sa.ForeignKeyConstraint(
            ["donor_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_offer_line_donor_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["earmark_capability_area_id"],
            ["capability_area.id"],
            name=op.f("fk_offer_line_earmark_capability_area_id_capability_area"),
        ),
        sa.ForeignKeyConstraint(
            ["item_type_id"], ["item_type.id"], name=op.f("fk_offer_line_item_type_id_item_type")
        ),
        sa.ForeignKeyConstraint(
            ["origin_site_id"], ["site.id"], name=op.f("fk_offer_line_origin_site_id_site")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["offer_line.id"],
            name=op.f("fk_offer_line_parent_id_offer_line"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_line")),
        # Unique per donor: a clash is only ever with a line the donor's liaison can see.
        sa.UniqueConstraint(
            "donor_nation_id", "reference", name=op.f("uq_offer_line_donor_nation_id_reference")
        ),
        sa.UniqueConstraint(
            "donor_nation_id",
            "source",
            "source_ref",
            name=op.f("uq_offer_line_donor_nation_id_source_source_ref"),
        ),
    )
    with op.batch_alter_table("offer_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_offer_line_announced_on"), ["announced_on"], unique=False
        )
        batch_op.create_index(
            "ix_offer_line_donor_stage", ["donor_nation_id", "stage"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_offer_line_item_type_id"), ["item_type_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_offer_line_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_offer_line_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index("ix_offer_line_stage_id", ["stage", "id"], unique=False)

    op.create_table(
        "requirement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("capability_area_id", sa.Integer(), nullable=False),
        sa.Column("item_type_id", sa.Integer(), nullable=True),
        sa.Column("quantity_requested", sa.Numeric(precision=20, scale=3), nullable=False),
        sa.Column("quantity_approved", sa.Numeric(precision=20, scale=3), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("needed_by_on", sa.Date(), nullable=False),
        sa.Column("destination_site_id", sa.Integer(), nullable=True),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column(
            "releasability",
            sa.Enum(
                "public",
                "coalition",
                "bilateral",
                "internal",
                name="releasability",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "validated",
                "approved",
                "published",
                "partially_covered",
                "covered",
                "closed",
                "rejected",
                "cancelled",
                name="requirement_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name=op.f("ck_requirement_priority_range")),
        sa.CheckConstraint(
            "quantity_approved IS NULL OR quantity_approved >= 0",
            name=op.f("ck_requirement_quantity_approved_nonneg"),
        ),
        sa.CheckConstraint(
            "quantity_requested > 0", name=op.f("ck_requirement_quantity_requested_positive")
        ),
        sa.ForeignKeyConstraint(
            ["capability_area_id"],
            ["capability_area.id"],
            name=op.f("fk_requirement_capability_area_id_capability_area"),
        ),
        sa.ForeignKeyConstraint(
            ["destination_site_id"],
            ["site.id"],
            name=op.f("fk_requirement_destination_site_id_site"),
        ),
        sa.ForeignKeyConstraint(
            ["item_type_id"], ["item_type.id"], name=op.f("fk_requirement_item_type_id_item_type")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requirement")),
        sa.UniqueConstraint("reference", name=op.f("uq_requirement_reference")),
    )
    with op.batch_alter_table("requirement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_requirement_capability_area_id"), ["capability_area_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_requirement_destination_site_id"), ["destination_site_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_requirement_item_type_id"), ["item_type_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_requirement_needed_by_on"), ["needed_by_on"], unique=False
        )
        batch_op.create_index("ix_requirement_period_rank", ["period", "rank"], unique=False)
        batch_op.create_index(batch_op.f("ix_requirement_priority"), ["priority"], unique=False)
        batch_op.create_index(batch_op.f("ix_requirement_status"), ["status"], unique=False)

    op.create_table(
        "allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_line_id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=20, scale=3), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "plan_run",
                "manual",
                name="allocation_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("plan_run_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "accepted",
                "rejected",
                name="allocation_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_allocation_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["offer_line_id"],
            ["offer_line.id"],
            name=op.f("fk_allocation_offer_line_id_offer_line"),
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["requirement.id"],
            name=op.f("fk_allocation_requirement_id_requirement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation")),
    )
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_allocation_offer_line_id"), ["offer_line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_allocation_requirement_id"), ["requirement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_allocation_status"), ["status"], unique=False)

    op.create_table(
        "consignment_leg",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consignment_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
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
        sa.Column("planned_departure_on", sa.Date(), nullable=True),
        sa.Column("planned_arrival_on", sa.Date(), nullable=True),
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
            name=op.f("fk_consignment_leg_consignment_id_consignment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_site_id"], ["site.id"], name=op.f("fk_consignment_leg_from_site_id_site")
        ),
        sa.ForeignKeyConstraint(
            ["to_site_id"], ["site.id"], name=op.f("fk_consignment_leg_to_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consignment_leg")),
        sa.UniqueConstraint(
            "consignment_id", "seq", name=op.f("uq_consignment_leg_consignment_id_seq")
        ),
    )
    with op.batch_alter_table("consignment_leg", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consignment_leg_consignment_id"), ["consignment_id"], unique=False
        )

    op.create_table(
        "consignment_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consignment_id", sa.Integer(), nullable=False),
        sa.Column("offer_line_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=20, scale=3), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_consignment_line_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["consignment_id"],
            ["consignment.id"],
            name=op.f("fk_consignment_line_consignment_id_consignment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["offer_line_id"],
            ["offer_line.id"],
            name=op.f("fk_consignment_line_offer_line_id_offer_line"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consignment_line")),
    )
    with op.batch_alter_table("consignment_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consignment_line_consignment_id"), ["consignment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consignment_line_offer_line_id"), ["offer_line_id"], unique=False
        )

    op.create_table(
        "training_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("seats_offered", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "open",
                "running",
                "completed",
                "cancelled",
                name="training_event_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_training_event_dates_ordered")),
        sa.CheckConstraint("seats_offered >= 0", name=op.f("ck_training_event_seats_nonneg")),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_training_event_course_id_course")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_training_event_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_event")),
    )
    with op.batch_alter_table("training_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_event_course_id"), ["course_id"], unique=False
        )

    op.create_table(
        "seat_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("training_event_id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=True),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "confirmed",
                "declined",
                "attended",
                "cancelled",
                name="seat_request_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("seats > 0", name=op.f("ck_seat_request_seats_positive")),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["requirement.id"],
            name=op.f("fk_seat_request_requirement_id_requirement"),
        ),
        sa.ForeignKeyConstraint(
            ["training_event_id"],
            ["training_event.id"],
            name=op.f("fk_seat_request_training_event_id_training_event"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_request")),
    )
    with op.batch_alter_table("seat_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_seat_request_training_event_id"), ["training_event_id"], unique=False
        )

    op.create_table(
        "tracking_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consignment_id", sa.Integer(), nullable=False),
        sa.Column("leg_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "departed",
                "arrived",
                "handed_over",
                "received",
                "discrepancy",
                "note",
                name="tracking_event_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consignment_id"],
            ["consignment.id"],
            name=op.f("fk_tracking_event_consignment_id_consignment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["leg_id"],
            ["consignment_leg.id"],
            name=op.f("fk_tracking_event_leg_id_consignment_leg"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_tracking_event_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_event")),
    )
    with op.batch_alter_table("tracking_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tracking_event_consignment_id"), ["consignment_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("tracking_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tracking_event_consignment_id"))

    op.drop_table("tracking_event")
    with op.batch_alter_table("seat_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seat_request_training_event_id"))

    op.drop_table("seat_request")
    with op.batch_alter_table("training_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_event_course_id"))

    op.drop_table("training_event")
    with op.batch_alter_table("consignment_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consignment_line_offer_line_id"))
        batch_op.drop_index(batch_op.f("ix_consignment_line_consignment_id"))

    op.drop_table("consignment_line")
    with op.batch_alter_table("consignment_leg", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consignment_leg_consignment_id"))

    op.drop_table("consignment_leg")
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocation_status"))
        batch_op.drop_index(batch_op.f("ix_allocation_requirement_id"))
        batch_op.drop_index(batch_op.f("ix_allocation_offer_line_id"))

    op.drop_table("allocation")
    with op.batch_alter_table("requirement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_requirement_status"))
        batch_op.drop_index(batch_op.f("ix_requirement_priority"))
        batch_op.drop_index("ix_requirement_period_rank")
        batch_op.drop_index(batch_op.f("ix_requirement_needed_by_on"))
        batch_op.drop_index(batch_op.f("ix_requirement_item_type_id"))
        batch_op.drop_index(batch_op.f("ix_requirement_destination_site_id"))
        batch_op.drop_index(batch_op.f("ix_requirement_capability_area_id"))

    op.drop_table("requirement")
    with op.batch_alter_table("offer_line", schema=None) as batch_op:
        batch_op.drop_index("ix_offer_line_stage_id")
        batch_op.drop_index(batch_op.f("ix_offer_line_parent_id"))
        batch_op.drop_index(batch_op.f("ix_offer_line_kind"))
        batch_op.drop_index(batch_op.f("ix_offer_line_item_type_id"))
        batch_op.drop_index("ix_offer_line_donor_stage")
        batch_op.drop_index(batch_op.f("ix_offer_line_announced_on"))

    op.drop_table("offer_line")
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_host_nation_id"))
        batch_op.drop_index(batch_op.f("ix_course_capability_area_id"))

    op.drop_table("course")
    with op.batch_alter_table("consignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consignment_status"))

    op.drop_table("consignment")
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_nation_id"))
        batch_op.drop_index(batch_op.f("ix_site_kind"))

    op.drop_table("site")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_nation_id"))

    op.drop_table("organisation")
    op.drop_table("nation_gdp")
    with op.batch_alter_table("item_type", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_type_substitution_family"))
        batch_op.drop_index(batch_op.f("ix_item_type_category"))
        batch_op.drop_index(batch_op.f("ix_item_type_capability_area_id"))

    op.drop_table("item_type")
    op.drop_table("nation")
    op.drop_table("capability_area")
