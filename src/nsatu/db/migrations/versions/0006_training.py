"""Training and readiness: what courses require and qualify for, events' host nations, instructors
and funding, seat requests by course or capability area with their windows and weights,
participants, crew requirements of item types and capability packages.

Existing rows: a course's item type becomes its first qualified item type; an event is offered by
its course's host nation; a seat request asks for the course of its event.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "capability_package",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("capability_area_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["capability_area_id"],
            ["capability_area.id"],
            name=op.f("fk_capability_package_capability_area_id_capability_area"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capability_package")),
        sa.UniqueConstraint("code", name=op.f("uq_capability_package_code")),
    )
    with op.batch_alter_table("capability_package", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_capability_package_capability_area_id"),
            ["capability_area_id"],
            unique=False,
        )

    op.create_table(
        "course_item_type",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("item_type_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_course_item_type_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_type_id"],
            ["item_type.id"],
            name=op.f("fk_course_item_type_item_type_id_item_type"),
        ),
        sa.PrimaryKeyConstraint("course_id", "item_type_id", name=op.f("pk_course_item_type")),
    )
    with op.batch_alter_table("course_item_type", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_item_type_item_type_id"), ["item_type_id"], unique=False
        )

    op.create_table(
        "course_prerequisite",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("prerequisite_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "course_id <> prerequisite_id", name=op.f("ck_course_prerequisite_not_itself")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_course_prerequisite_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prerequisite_id"],
            ["course.id"],
            name=op.f("fk_course_prerequisite_prerequisite_id_course"),
        ),
        sa.PrimaryKeyConstraint(
            "course_id", "prerequisite_id", name=op.f("pk_course_prerequisite")
        ),
    )
    with op.batch_alter_table("course_prerequisite", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_prerequisite_prerequisite_id"), ["prerequisite_id"], unique=False
        )

    op.create_table(
        "crew_requirement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_type_id", sa.Integer(), nullable=False),
        sa.Column(
            "crew_role",
            sa.Enum(
                "operator",
                "maintainer",
                name="crew_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("crew_per_unit", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("crew_per_unit > 0", name=op.f("ck_crew_requirement_crew_positive")),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_crew_requirement_course_id_course")
        ),
        sa.ForeignKeyConstraint(
            ["item_type_id"],
            ["item_type.id"],
            name=op.f("fk_crew_requirement_item_type_id_item_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crew_requirement")),
        sa.UniqueConstraint(
            "item_type_id",
            "crew_role",
            "course_id",
            name=op.f("uq_crew_requirement_item_type_id_crew_role_course_id"),
        ),
    )
    with op.batch_alter_table("crew_requirement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_crew_requirement_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_crew_requirement_item_type_id"), ["item_type_id"], unique=False
        )

    op.create_table(
        "package_component",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("capability_package_id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("component", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["capability_package_id"],
            ["capability_package.id"],
            name=op.f("fk_package_component_capability_package_id_capability_package"),
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["requirement.id"],
            name=op.f("fk_package_component_requirement_id_requirement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_component")),
        sa.UniqueConstraint(
            "capability_package_id",
            "requirement_id",
            name=op.f("uq_package_component_capability_package_id_requirement_id"),
        ),
    )
    with op.batch_alter_table("package_component", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_package_component_capability_package_id"),
            ["capability_package_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_package_component_requirement_id"), ["requirement_id"], unique=False
        )

    op.create_table(
        "training_event_instructor",
        sa.Column("training_event_id", sa.Integer(), nullable=False),
        sa.Column("nation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["nation_id"], ["nation.id"], name=op.f("fk_training_event_instructor_nation_id_nation")
        ),
        sa.ForeignKeyConstraint(
            ["training_event_id"],
            ["training_event.id"],
            name=op.f("fk_training_event_instructor_training_event_id_training_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "training_event_id", "nation_id", name=op.f("pk_training_event_instructor")
        ),
    )
    with op.batch_alter_table("training_event_instructor", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_event_instructor_nation_id"), ["nation_id"], unique=False
        )

    op.create_table(
        "participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("seat_request_id", sa.Integer(), nullable=False),
        sa.Column("training_event_id", sa.Integer(), nullable=False),
        sa.Column(
            "crew_role",
            sa.Enum(
                "operator",
                "maintainer",
                name="crew_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "nominated",
                "accepted",
                "attended",
                "completed",
                "failed",
                "withdrawn",
                name="participant_status",
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
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "score IS NULL OR score BETWEEN 0 AND 100", name=op.f("ck_participant_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["seat_request_id"],
            ["seat_request.id"],
            name=op.f("fk_participant_seat_request_id_seat_request"),
        ),
        sa.ForeignKeyConstraint(
            ["training_event_id"],
            ["training_event.id"],
            name=op.f("fk_participant_training_event_id_training_event"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant")),
        sa.UniqueConstraint(
            "seat_request_id", "reference", name=op.f("uq_participant_seat_request_id_reference")
        ),
    )
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participant_seat_request_id"), ["seat_request_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_participant_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_participant_training_event_id"), ["training_event_id"], unique=False
        )

    op.create_table(
        "seat_request_completed_course",
        sa.Column("seat_request_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_seat_request_completed_course_course_id_course"),
        ),
        sa.ForeignKeyConstraint(
            ["seat_request_id"],
            ["seat_request.id"],
            name=op.f("fk_seat_request_completed_course_seat_request_id_seat_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "seat_request_id", "course_id", name=op.f("pk_seat_request_completed_course")
        ),
    )
    with op.batch_alter_table("seat_request_completed_course", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_seat_request_completed_course_course_id"), ["course_id"], unique=False
        )

    # A course's single item type becomes its first qualified item type.
    op.execute(
        "INSERT INTO course_item_type (course_id, item_type_id) "
        "SELECT id, item_type_id FROM course WHERE item_type_id IS NOT NULL"
    )
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_course_item_type_id_item_type"), type_="foreignkey")
        batch_op.drop_column("item_type_id")
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "course_type",
                sa.Enum(
                    "individual",
                    "collective",
                    "specialised",
                    name="course_type",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                server_default="individual",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), server_default="en", nullable=False)
        )
        batch_op.add_column(sa.Column("pass_mark", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_course_pass_mark_range"), "pass_mark IS NULL OR pass_mark BETWEEN 0 AND 100"
        )

    with op.batch_alter_table("seat_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient_unit", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("course_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("capability_area_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("allocation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("earliest_start_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("latest_finish_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("weight", sa.Integer(), server_default="1", nullable=False))
        batch_op.alter_column("training_event_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_seat_request_allocation_id"), ["allocation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_seat_request_capability_area_id"), ["capability_area_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_seat_request_course_id"), ["course_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_seat_request_requirement_id"), ["requirement_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_seat_request_course_id_course"), "course", ["course_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_seat_request_capability_area_id_capability_area"),
            "capability_area",
            ["capability_area_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_seat_request_allocation_id_allocation"),
            "allocation",
            ["allocation_id"],
            ["id"],
        )

    with op.batch_alter_table("training_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("host_nation_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "funding",
                sa.Enum(
                    "national",
                    "eu_epf",
                    "pooled",
                    name="training_funding",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                server_default="national",
                nullable=False,
            )
        )
        batch_op.create_index(
            batch_op.f("ix_training_event_host_nation_id"), ["host_nation_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_training_event_host_nation_id_nation"),
            "nation",
            ["host_nation_id"],
            ["id"],
        )

    # Existing events are offered by their course's host nation; existing requests ask for the
    # course of the event they were made on.
    op.execute(
        "UPDATE training_event SET host_nation_id = "
        "(SELECT course.host_nation_id FROM course WHERE course.id = training_event.course_id)"
    )
    op.execute(
        "UPDATE seat_request SET course_id = (SELECT training_event.course_id FROM training_event "
        "WHERE training_event.id = seat_request.training_event_id)"
    )
    with op.batch_alter_table("training_event", schema=None) as batch_op:
        batch_op.alter_column("host_nation_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("seat_request", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_seat_request_weight_positive"), "weight > 0")
        batch_op.create_check_constraint(
            op.f("ck_seat_request_course_or_area"),
            "course_id IS NOT NULL OR capability_area_id IS NOT NULL",
        )
        batch_op.create_check_constraint(
            op.f("ck_seat_request_window_ordered"),
            "earliest_start_on IS NULL OR latest_finish_on IS NULL "
            "OR latest_finish_on >= earliest_start_on",
        )


def downgrade() -> None:
    op.execute("DELETE FROM seat_request WHERE training_event_id IS NULL")

    with op.batch_alter_table("training_event", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_training_event_host_nation_id_nation"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_training_event_host_nation_id"))
        batch_op.drop_constraint(op.f("ck_training_event_training_funding"), type_="check")
        batch_op.drop_column("funding")
        batch_op.drop_column("host_nation_id")

    with op.batch_alter_table("seat_request", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_seat_request_weight_positive"), type_="check")
        batch_op.drop_constraint(op.f("ck_seat_request_course_or_area"), type_="check")
        batch_op.drop_constraint(op.f("ck_seat_request_window_ordered"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_seat_request_allocation_id_allocation"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_seat_request_capability_area_id_capability_area"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_seat_request_course_id_course"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_seat_request_requirement_id"))
        batch_op.drop_index(batch_op.f("ix_seat_request_course_id"))
        batch_op.drop_index(batch_op.f("ix_seat_request_capability_area_id"))
        batch_op.drop_index(batch_op.f("ix_seat_request_allocation_id"))
        batch_op.alter_column("training_event_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("weight")
        batch_op.drop_column("latest_finish_on")
        batch_op.drop_column("earliest_start_on")
        batch_op.drop_column("allocation_id")
        batch_op.drop_column("capability_area_id")
        batch_op.drop_column("course_id")
        batch_op.drop_column("recipient_unit")

    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_course_pass_mark_range"), type_="check")
        batch_op.drop_constraint(op.f("ck_course_course_type"), type_="check")
        batch_op.add_column(sa.Column("item_type_id", sa.INTEGER(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_course_item_type_id_item_type"), "item_type", ["item_type_id"], ["id"]
        )
        batch_op.drop_column("pass_mark")
        batch_op.drop_column("language")
        batch_op.drop_column("course_type")
    op.execute(
        "UPDATE course SET item_type_id = (SELECT MIN(item_type_id) FROM course_item_type "
        "WHERE course_item_type.course_id = course.id)"
    )

    with op.batch_alter_table("seat_request_completed_course", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seat_request_completed_course_course_id"))

    op.drop_table("seat_request_completed_course")
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_training_event_id"))
        batch_op.drop_index(batch_op.f("ix_participant_status"))
        batch_op.drop_index(batch_op.f("ix_participant_seat_request_id"))

    op.drop_table("participant")
    with op.batch_alter_table("training_event_instructor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_event_instructor_nation_id"))

    op.drop_table("training_event_instructor")
    with op.batch_alter_table("package_component", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_package_component_requirement_id"))
        batch_op.drop_index(batch_op.f("ix_package_component_capability_package_id"))

    op.drop_table("package_component")
    with op.batch_alter_table("crew_requirement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crew_requirement_item_type_id"))
        batch_op.drop_index(batch_op.f("ix_crew_requirement_course_id"))

    op.drop_table("crew_requirement")
    with op.batch_alter_table("course_prerequisite", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_prerequisite_prerequisite_id"))

    op.drop_table("course_prerequisite")
    with op.batch_alter_table("course_item_type", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_item_type_item_type_id"))

    op.drop_table("course_item_type")
    with op.batch_alter_table("capability_package", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capability_package_capability_area_id"))

    op.drop_table("capability_package")
