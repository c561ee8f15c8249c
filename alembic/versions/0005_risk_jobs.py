"""three-point estimates, risk register, jobs (issue 18)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _common() -> list[sa.Column]:
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('optimistic_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pessimistic_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('distribution', sa.String(length=12), nullable=True))
    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk_distribution', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('risk_correlations', sa.JSON(), nullable=True))
    op.create_table('risks',
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('response', sa.String(length=2000), nullable=True),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('impact_optimistic_days', sa.Integer(), nullable=False),
    sa.Column('impact_likely_days', sa.Integer(), nullable=False),
    sa.Column('impact_pessimistic_days', sa.Integer(), nullable=False),
    sa.Column('post_probability', sa.Float(), nullable=True),
    sa.Column('post_impact_optimistic_days', sa.Integer(), nullable=True),
    sa.Column('post_impact_likely_days', sa.Integer(), nullable=True),
    sa.Column('post_impact_pessimistic_days', sa.Integer(), nullable=True),
    *_common(),
    sa.ForeignKeyConstraint(['bid_id'], ['bids.id'], name=op.f('fk_risks_bid_id_bids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['people.id'], name=op.f('fk_risks_owner_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risks')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risks_bid_id'), ['bid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risks_owner_id'), ['owner_id'], unique=False)
    op.create_table('risk_tasks',
    sa.Column('risk_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    *_common(),
    sa.ForeignKeyConstraint(['risk_id'], ['risks.id'], name=op.f('fk_risk_tasks_risk_id_risks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_risk_tasks_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_tasks')),
    sa.UniqueConstraint('risk_id', 'task_id', name=op.f('uq_risk_tasks_risk_id_task_id')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('risk_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_tasks_risk_id'), ['risk_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_tasks_task_id'), ['task_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('risk_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_tasks_task_id'))
        batch_op.drop_index(batch_op.f('ix_risk_tasks_risk_id'))
    op.drop_table('risk_tasks')
    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risks_owner_id'))
        batch_op.drop_index(batch_op.f('ix_risks_bid_id'))
    op.drop_table('risks')
    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.drop_column('risk_correlations')
        batch_op.drop_column('risk_distribution')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('distribution')
        batch_op.drop_column('pessimistic_days')
        batch_op.drop_column('optimistic_days')
