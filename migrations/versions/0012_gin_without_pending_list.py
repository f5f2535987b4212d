"""search documents' GIN indexes without a pending list (fastupdate off)

Every answer and vote rewrites its thread's search document. With GIN's default
fastupdate the new entries wait in a pending list that every search scans until
autovacuum merges it (324 pages after the deployment benchmark); off, a write
merges its entries at once and searches stay as fast as after a vacuum.
PostgreSQL only: SQLite has no such index.

Revision ID: 0012_gin_without_pending_list
Revises: 0011_user_reports
Create Date: 2026-12-07 03:20:00
"""
from alembic import op


revision = '0012_gin_without_pending_list'
down_revision = '0011_user_reports'
branch_labels = None
depends_on = None

INDEXES = ("ix_search_documents_vector", "ix_search_documents_head_vector")


def upgrade():
    if op.get_context().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"ALTER INDEX {name} SET (fastupdate = off)")
        # Entries already waiting stay in the list until merged: merge them now.
        op.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def downgrade():
    if op.get_context().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"ALTER INDEX {name} RESET (fastupdate)")
