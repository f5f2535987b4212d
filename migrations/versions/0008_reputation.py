"""reputation ledger, badge awards, visit days; badge counts on users

Revision ID: 0008_reputation
Revises: 0007_thread_vectors
Create Date: 2026-12-06 20:10:06.092841

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = '0008_reputation'
down_revision = '0007_thread_vectors'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('badge_awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('badge', sa.String(length=32), nullable=False),
    sa.Column('tier', sa.String(length=8), nullable=False),
    sa.Column('post_key', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('awarded_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_badge_awards_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_awards')),
    sa.UniqueConstraint('user_id', 'badge', 'post_key', name='uq_badge_awards_user_badge_post')
    )
    with op.batch_alter_table('badge_awards', schema=None) as batch_op:
        batch_op.create_index('ix_badge_awards_badge_awarded_at', ['badge', 'awarded_at'], unique=False)
        batch_op.create_index('ix_badge_awards_user_id_awarded_at', ['user_id', 'awarded_at'], unique=False)

    op.create_table('reputation_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reversal_of_id', sa.Integer(), nullable=True),
    sa.Column('reversed_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cause', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['reversal_of_id'], ['reputation_events.id'], name=op.f('fk_reputation_events_reversal_of_id_reputation_events'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reputation_events_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reputation_events'))
    )
    with op.batch_alter_table('reputation_events', schema=None) as batch_op:
        batch_op.create_index('ix_reputation_events_actor_id', ['actor_id'], unique=False)
        batch_op.create_index('ix_reputation_events_answer_id', ['answer_id'], unique=False)
        batch_op.create_index('ix_reputation_events_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_reputation_events_thread_id', ['thread_id'], unique=False)
        batch_op.create_index('ix_reputation_events_user_id_id', ['user_id', 'id'], unique=False)

    op.create_table('visit_days',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('first_seen_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_visit_days_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'day', name=op.f('pk_visit_days'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gold_badges', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('silver_badges', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('bronze_badges', sa.Integer(), nullable=False, server_default='0'))
    # Reputation starts at 1 and never falls below it; `flask reputation import-history`
    # then writes the ledger for votes and acceptances made before it existed.
    op.execute("UPDATE users SET reputation = 1 WHERE reputation < 1")



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('bronze_badges')
        batch_op.drop_column('silver_badges')
        batch_op.drop_column('gold_badges')

    op.drop_table('visit_days')
    with op.batch_alter_table('reputation_events', schema=None) as batch_op:
        batch_op.drop_index('ix_reputation_events_user_id_id')
        batch_op.drop_index('ix_reputation_events_thread_id')
        batch_op.drop_index('ix_reputation_events_created_at')
        batch_op.drop_index('ix_reputation_events_answer_id')
        batch_op.drop_index('ix_reputation_events_actor_id')

    op.drop_table('reputation_events')
    with op.batch_alter_table('badge_awards', schema=None) as batch_op:
        batch_op.drop_index('ix_badge_awards_user_id_awarded_at')
        batch_op.drop_index('ix_badge_awards_badge_awarded_at')

    op.drop_table('badge_awards')
