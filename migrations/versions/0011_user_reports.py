"""user reports: members report other members to the review queue

Revision ID: 0011_user_reports
Revises: 0010_reputation_reversal_index
Create Date: 2026-12-07 00:00:00
"""
from alembic import op
import sqlalchemy as sa

import app.models.types


revision = '0011_user_reports'
down_revision = '0010_reputation_reversal_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('subject_user_id', sa.Integer(), nullable=False),
    sa.Column('review_item_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('upheld', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_user_reports_reporter_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_item_id'], ['review_items.id'], name=op.f('fk_user_reports_review_item_id_review_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_user_id'], ['users.id'], name=op.f('fk_user_reports_subject_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_reports')),
    sa.UniqueConstraint('reporter_id', 'review_item_id', name='uq_user_reports_reporter_item')
    )
    with op.batch_alter_table('user_reports', schema=None) as batch_op:
        batch_op.create_index('ix_user_reports_review_item_id', ['review_item_id'], unique=False)
        batch_op.create_index('ix_user_reports_subject_user_id', ['subject_user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_user_reports_subject_user_id')
        batch_op.drop_index('ix_user_reports_review_item_id')
    op.drop_table('user_reports')
