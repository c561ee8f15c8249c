"""account access, login throttling, session revocation, password policy (issue 13)

- ``bids.accepted_at``: when the PMO accepted the bid past lead-in (the team then reads the
  account's relationship data); existing bids past lead-in whose lead-in gate the PMO approved
  get the time of that approval.
- ``login_throttles``: failed sign-ins per (username, address), address and username.
- ``security_policies``: the PMO's token lifetime maximum and revocation policy.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _base_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        """
        UPDATE bids SET accepted_at = (
            SELECT MIN(gate_reviews.created_at) FROM gate_reviews
            WHERE gate_reviews.bid_id = bids.id AND gate_reviews.stage = 'lead_in'
              AND gate_reviews.decision = 'approve'
        )
        WHERE bids.stage <> 'lead_in'
        """
    )
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=True),
        sa.Column("address", sa.String(length=100), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trusted_until", sa.DateTime(timezone=True), nullable=True),
        *_base_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttles")),
        sa.UniqueConstraint("key", name=op.f("uq_login_throttles_key")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_throttles_username"), ["username"], unique=False)
    op.create_table(
        "security_policies",
        sa.Column("token_max_days", sa.Integer(), nullable=False),
        sa.Column("revoke_tokens_on_password_change", sa.Boolean(), nullable=False),
        *_base_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_policies")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("security_policies")
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttles_username"))
    op.drop_table("login_throttles")
    with op.batch_alter_table("bids", schema=None) as batch_op:
        batch_op.drop_column("accepted_at")
