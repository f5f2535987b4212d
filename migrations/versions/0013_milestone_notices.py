"""milestone notices: a reputation milestone is claimed once per member

Two notification workers handling two votes for the same member at the same
moment could both announce the same milestone: neither saw the other's
uncommitted notification. Each now claims (user, milestone) first; the key
refuses the second claim. Milestones announced before this table existed are
still found among the notifications.

Revision ID: 0013_milestone_notices
Revises: 0012_gin_without_pending_list
Create Date: 2026-12-07 03:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_milestone_notices'
down_revision = '0012_gin_without_pending_list'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('milestone_notices',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('milestone', sa.Integer(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_milestone_notices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'milestone', name=op.f('pk_milestone_notices'))
    )


def downgrade():
    op.drop_table('milestone_notices')
