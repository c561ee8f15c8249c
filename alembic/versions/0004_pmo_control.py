"""gates, close-outs, relationship bids, quote policy, appraisal (issue 14)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appraisal_policies",
        sa.Column("won_percent", sa.Integer(), nullable=False),
        sa.Column("lost_percent", sa.Integer(), nullable=False),
        sa.Column("abandoned_percent", sa.Integer(), nullable=False),
        sa.Column("relationship_lost_percent", sa.Integer(), nullable=False),
        sa.Column("open_percent", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_policies")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "close_out_reason_codes",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_close_out_reason_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_close_out_reason_codes_code")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "appraisal_adjustments",
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"],
            ["bids.id"],
            name=op.f("fk_appraisal_adjustments_bid_id_bids"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_appraisal_adjustments_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_appraisal_adjustments_person_id_people"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_adjustments")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("appraisal_adjustments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appraisal_adjustments_bid_id"), ["bid_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_appraisal_adjustments_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "appraisal_settings",
        sa.Column("bid_id", sa.Integer(), nullable=True),
        sa.Column("template_id", sa.String(length=80), nullable=True),
        sa.Column("responsibility", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("difficulty", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("workload", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("on_time", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("on_budget", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("bonus_pool", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"],
            ["bids.id"],
            name=op.f("fk_appraisal_settings_bid_id_bids"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_settings")),
        sa.UniqueConstraint("bid_id", name=op.f("uq_appraisal_settings_bid_id")),
        sa.UniqueConstraint("template_id", name=op.f("uq_appraisal_settings_template_id")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "bid_units",
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("product_line", sa.String(length=100), nullable=True),
        sa.Column("budget", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("wbs_task_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"], ["bids.id"], name=op.f("fk_bid_units_bid_id_bids"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_bid_units_org_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["wbs_task_id"],
            ["tasks.id"],
            name=op.f("fk_bid_units_wbs_task_id_tasks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_units")),
        sa.UniqueConstraint("bid_id", "org_unit_id", name=op.f("uq_bid_units_bid_id_org_unit_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("bid_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bid_units_bid_id"), ["bid_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bid_units_org_unit_id"), ["org_unit_id"], unique=False)

    op.create_table(
        "close_out_competitors",
        sa.Column("closure_id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("price", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("won", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"],
            ["bids.id"],
            name=op.f("fk_close_out_competitors_bid_id_bids"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["closure_id"],
            ["bid_closures.id"],
            name=op.f("fk_close_out_competitors_closure_id_bid_closures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_close_out_competitors")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("close_out_competitors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_close_out_competitors_bid_id"), ["bid_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_close_out_competitors_closure_id"), ["closure_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_close_out_competitors_name"), ["name"], unique=False)

    op.create_table(
        "close_out_lessons",
        sa.Column("closure_id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"],
            ["bids.id"],
            name=op.f("fk_close_out_lessons_bid_id_bids"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["closure_id"],
            ["bid_closures.id"],
            name=op.f("fk_close_out_lessons_closure_id_bid_closures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_close_out_lessons")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("close_out_lessons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_close_out_lessons_bid_id"), ["bid_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_close_out_lessons_closure_id"), ["closure_id"], unique=False
        )

    op.create_table(
        "close_out_reasons",
        sa.Column("closure_id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bid_id"],
            ["bids.id"],
            name=op.f("fk_close_out_reasons_bid_id_bids"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["closure_id"],
            ["bid_closures.id"],
            name=op.f("fk_close_out_reasons_closure_id_bid_closures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_close_out_reasons")),
        sa.UniqueConstraint(
            "closure_id", "code", name=op.f("uq_close_out_reasons_closure_id_code")
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("close_out_reasons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_close_out_reasons_bid_id"), ["bid_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_close_out_reasons_closure_id"), ["closure_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_close_out_reasons_code"), ["code"], unique=False)

    with op.batch_alter_table("bid_closures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("winner", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("our_price", sa.Numeric(precision=18, scale=2), nullable=True)
        )
        batch_op.add_column(
            sa.Column("winner_price", sa.Numeric(precision=18, scale=2), nullable=True)
        )
        batch_op.add_column(sa.Column("schedule_slip_days", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("budget_slip", sa.Numeric(precision=18, scale=2), nullable=True)
        )
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("closed_by_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_bid_closures_closed_on"), ["closed_on"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_bid_closures_closed_by_id_users"),
            "users",
            ["closed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purpose", sa.String(length=20), server_default="win", nullable=False)
        )
        batch_op.add_column(
            sa.Column("relationship_budget_cap", sa.Numeric(precision=18, scale=2), nullable=True)
        )

    with op.batch_alter_table("quote_policies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scope", sa.String(length=30), server_default="account", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("quote_policies", schema=None) as batch_op:
        batch_op.drop_column("scope")

    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.drop_column("relationship_budget_cap")
        batch_op.drop_column("purpose")

    with op.batch_alter_table("bid_closures", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_bid_closures_closed_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_bid_closures_closed_on"))
        batch_op.drop_column("closed_by_id")
        batch_op.drop_column("closed_on")
        batch_op.drop_column("budget_slip")
        batch_op.drop_column("schedule_slip_days")
        batch_op.drop_column("winner_price")
        batch_op.drop_column("our_price")
        batch_op.drop_column("winner")

    with op.batch_alter_table("close_out_reasons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_close_out_reasons_code"))
        batch_op.drop_index(batch_op.f("ix_close_out_reasons_closure_id"))
        batch_op.drop_index(batch_op.f("ix_close_out_reasons_bid_id"))

    op.drop_table("close_out_reasons")
    with op.batch_alter_table("close_out_lessons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_close_out_lessons_closure_id"))
        batch_op.drop_index(batch_op.f("ix_close_out_lessons_bid_id"))

    op.drop_table("close_out_lessons")
    with op.batch_alter_table("close_out_competitors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_close_out_competitors_name"))
        batch_op.drop_index(batch_op.f("ix_close_out_competitors_closure_id"))
        batch_op.drop_index(batch_op.f("ix_close_out_competitors_bid_id"))

    op.drop_table("close_out_competitors")
    with op.batch_alter_table("bid_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bid_units_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_bid_units_bid_id"))

    op.drop_table("bid_units")
    op.drop_table("appraisal_settings")
    with op.batch_alter_table("appraisal_adjustments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appraisal_adjustments_person_id"))
        batch_op.drop_index(batch_op.f("ix_appraisal_adjustments_bid_id"))

    op.drop_table("appraisal_adjustments")
    op.drop_table("close_out_reason_codes")
    op.drop_table("appraisal_policies")
