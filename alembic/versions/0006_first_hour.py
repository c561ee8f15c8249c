"""schedule and page truth (issue 12): tasks.template_code, so that a bid's submission
deadline caps its submission milestone rather than the whole project

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBMISSION_CODE = "execution.submission"


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template_code", sa.String(length=100), nullable=True))
    # Decomposed bids so far: the submission milestone carried a copy of the bid's submission
    # deadline. It is now marked as the submission milestone and takes the bid's deadline
    # from the bid (so a moved deadline moves with it).
    op.execute(
        sa.text(
            "UPDATE tasks SET template_code = :code, deadline = NULL "
            "WHERE kind = 'milestone' AND deadline IS NOT NULL AND deadline = "
            "(SELECT bids.submission_deadline FROM bids WHERE bids.id = tasks.bid_id)"
        ).bindparams(code=SUBMISSION_CODE)
    )


def downgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE tasks SET deadline = "
            "(SELECT bids.submission_deadline FROM bids WHERE bids.id = tasks.bid_id) "
            "WHERE template_code = :code"
        ).bindparams(code=SUBMISSION_CODE)
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("template_code")
