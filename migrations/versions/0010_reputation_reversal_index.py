"""reputation ledger: index the self-reference that reversals point along

Revision ID: 0010_reputation_reversal_index
Revises: 0009_search_head_vector
Create Date: 2026-12-06 23:40:00

Deleting ledger rows (recompute, anonymising a user) makes the database
look up every row whose `reversal_of_id` points at each deleted row for
ON DELETE SET NULL; without an index that is a full scan per row, minutes
on SQLite at 150,000 rows.
"""
from alembic import op


revision = '0010_reputation_reversal_index'
down_revision = '0009_search_head_vector'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_reputation_events_reversal_of_id', 'reputation_events', ['reversal_of_id'])


def downgrade():
    op.drop_index('ix_reputation_events_reversal_of_id', table_name='reputation_events')
