"""The published Ukraine Support Tracker (Kiel Institute) releases: their rows, exchange rates,
allocations by month, GDP and EU attribution keys, kept apart from the system's own records.
New tables only; nothing existing changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kiel_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("source_url", sa.String(length=300), nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("digests", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiel_release")),
        sa.UniqueConstraint("number", name=op.f("uq_kiel_release_number")),
    )
    op.create_table(
        "kiel_donor_gdp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("donor", sa.String(length=80), nullable=False),
        sa.Column("iso3", sa.String(length=3), nullable=False),
        sa.Column("eu_member", sa.Boolean(), nullable=False),
        sa.Column("gdp_usd_bn", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("gdp_eur_bn", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["kiel_release.id"],
            name=op.f("fk_kiel_donor_gdp_release_id_kiel_release"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiel_donor_gdp")),
        sa.UniqueConstraint("release_id", "donor", name=op.f("uq_kiel_donor_gdp_release_id_donor")),
    )
    with op.batch_alter_table("kiel_donor_gdp", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kiel_donor_gdp_release_id"), ["release_id"], unique=False
        )

    op.create_table(
        "kiel_eu_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=80), nullable=False),
        sa.Column("iso3", sa.String(length=3), nullable=True),
        sa.Column("budget_share", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("epf_share", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("eib_share", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["kiel_release.id"],
            name=op.f("fk_kiel_eu_key_release_id_kiel_release"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiel_eu_key")),
        sa.UniqueConstraint(
            "release_id", "country", name=op.f("uq_kiel_eu_key_release_id_country")
        ),
    )
    with op.batch_alter_table("kiel_eu_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kiel_eu_key_release_id"), ["release_id"], unique=False)

    op.create_table(
        "kiel_eu_share",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=80), nullable=False),
        sa.Column("iso", sa.String(length=3), nullable=False),
        sa.Column("eu_share_bn", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["kiel_release.id"],
            name=op.f("fk_kiel_eu_share_release_id_kiel_release"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiel_eu_share")),
        sa.UniqueConstraint("release_id", "iso", name=op.f("uq_kiel_eu_share_release_id_iso")),
    )
    with op.batch_alter_table("kiel_eu_share", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kiel_eu_share_release_id"), ["release_id"], unique=False
        )

    op.create_table(
        "kiel_exchange_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("units_per_eur", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["kiel_release.id"],
            name=op.f("fk_kiel_exchange_rate_release_id_kiel_release"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiel_exchange_rate")),
        sa.UniqueConstraint(
            "release_id", "currency", name=op.f("uq_kiel_exchange_rate_release_id_currency")
        ),
    )
    with op.batch_alter_table("kiel_exchange_rate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kiel_exchange_rate_release_id"), ["release_id"], unique=False
        )

    op.create_table(
        "kiel_month",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=80), nullable=False),
        sa.Column("iso", sa.String(length=3), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("total", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("financial", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("humanitarian", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("military", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("commitments", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("to_be_allocated", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("gdp", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("pct_gdp", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["kiel_release.id"],
            name=op.f("fk_kiel_month_release_id_kiel_release"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiel_month")),
        sa.UniqueConstraint(
            "release_id",
            "iso",
            "year",
            "month",
            name=op.f("uq_kiel_month_release_id_iso_year_month"),
        ),
    )
    with op.batch_alter_table("kiel_month", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kiel_month_release_id"), ["release_id"], unique=False)

    op.create_table(
        "kiel_r7_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("kiel_id", sa.String(length=20), nullable=False),
        sa.Column("package_seq", sa.Integer(), nullable=False),
        sa.Column("donor", sa.String(length=80), nullable=False),
        sa.Column("iso3", sa.String(length=3), nullable=False),
        sa.Column("announced_on", sa.Date(), nullable=True),
        sa.Column("aid_type", sa.String(length=20), nullable=False),
        sa.Column("aid_specific", sa.String(length=120), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("amount", sa.Numeric(precision=38, scale=18), nullable=True),
        sa.Column("total", sa.Numeric(precision=38, scale=18), nullable=True),
        sa.Column("eur_rate", sa.Numeric(precision=38, scale=18), nullable=True),
        sa.Column("value_eur", sa.Numeric(precision=38, scale=18), nullable=True),
        sa.Column("item", sa.String(length=300), nullable=True),
        sa.Column("item_type", sa.String(length=120), nullable=True),
        sa.Column("item_subtype", sa.String(length=120), nullable=True),
        sa.Column("item_code", sa.String(length=60), nullable=True),
        sa.Column("units", sa.Numeric(precision=38, scale=18), nullable=True),
        sa.Column("units_delivered", sa.Numeric(precision=38, scale=18), nullable=True),
        sa.Column("unit_price_usd", sa.Numeric(precision=38, scale=18), nullable=True),
        sa.Column("value_usd", sa.Numeric(precision=38, scale=18), nullable=True),
        sa.Column("value_delivered_usd", sa.Numeric(precision=38, scale=18), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["kiel_release.id"],
            name=op.f("fk_kiel_r7_row_release_id_kiel_release"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiel_r7_row")),
        sa.UniqueConstraint("release_id", "row", name=op.f("uq_kiel_r7_row_release_id_row")),
    )
    with op.batch_alter_table("kiel_r7_row", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kiel_r7_row_kiel_id"), ["kiel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kiel_r7_row_release_id"), ["release_id"], unique=False)

    op.create_table(
        "kiel_weapon",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("donor", sa.String(length=80), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("value_eur", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("weapons_list", sa.Text(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["kiel_release.id"],
            name=op.f("fk_kiel_weapon_release_id_kiel_release"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiel_weapon")),
        sa.UniqueConstraint(
            "release_id", "donor", "category", name=op.f("uq_kiel_weapon_release_id_donor_category")
        ),
    )
    with op.batch_alter_table("kiel_weapon", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kiel_weapon_release_id"), ["release_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kiel_weapon", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kiel_weapon_release_id"))

    op.drop_table("kiel_weapon")
    with op.batch_alter_table("kiel_r7_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kiel_r7_row_release_id"))
        batch_op.drop_index(batch_op.f("ix_kiel_r7_row_kiel_id"))

    op.drop_table("kiel_r7_row")
    with op.batch_alter_table("kiel_month", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kiel_month_release_id"))

    op.drop_table("kiel_month")
    with op.batch_alter_table("kiel_exchange_rate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kiel_exchange_rate_release_id"))

    op.drop_table("kiel_exchange_rate")
    with op.batch_alter_table("kiel_eu_share", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kiel_eu_share_release_id"))

    op.drop_table("kiel_eu_share")
    with op.batch_alter_table("kiel_eu_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kiel_eu_key_release_id"))

    op.drop_table("kiel_eu_key")
    with op.batch_alter_table("kiel_donor_gdp", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kiel_donor_gdp_release_id"))

    op.drop_table("kiel_donor_gdp")
    op.drop_table("kiel_release")
