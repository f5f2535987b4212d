"""domain events: the log services announce into

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 20:20:00

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('domain_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('origin', sa.String(length=40), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_domain_events'))
    )
    with op.batch_alter_table('domain_events', schema=None) as batch_op:
        batch_op.create_index('ix_domain_events_thread_id_id', ['thread_id', 'id'], unique=False)
        batch_op.create_index('ix_domain_events_user_id_id', ['user_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('domain_events', schema=None) as batch_op:
        batch_op.drop_index('ix_domain_events_user_id_id')
        batch_op.drop_index('ix_domain_events_thread_id_id')
    op.drop_table('domain_events')
