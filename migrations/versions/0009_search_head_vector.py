"""search documents: a small title-and-tags vector to rank common words by, narrow rows

Revision ID: 0009_search_head_vector
Revises: 0008_reputation
Create Date: 2026-12-06 21:15:00

Ranking every thread that holds a common word by its whole-text vector costs
seconds at 50,000 threads; the PostgreSQL backend ranks candidates instead
(app/search/postgres_backend.py), chosen by this vector and by standing.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0009_search_head_vector'
down_revision = '0008_reputation'
branch_labels = None
depends_on = None

VECTOR = postgresql.TSVECTOR().with_variant(sa.Text(), 'sqlite')


def upgrade():
    on_postgres = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('head_vector', VECTOR, nullable=True))
    if on_postgres:
        op.execute('ALTER TABLE search_documents SET (toast_tuple_target = 128)')
        op.execute('ALTER TABLE search_documents ALTER COLUMN head_vector SET STORAGE MAIN')
        op.execute("""
            UPDATE search_documents SET head_vector =
                setweight(to_tsvector('peerdesk_english', title), 'A')
                || setweight(to_tsvector('peerdesk_german', title), 'A')
                || setweight(to_tsvector('peerdesk_english', array_to_string(tags, ' ')), 'B')
                || setweight(to_tsvector('peerdesk_german', array_to_string(tags, ' ')), 'B')
        """)
    else:
        op.execute("UPDATE search_documents SET head_vector = ''")
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.alter_column('head_vector', existing_type=VECTOR, nullable=False)
        batch_op.create_index('ix_search_documents_head_vector', ['head_vector'], unique=False,
                              postgresql_using='gin')
        batch_op.create_index('ix_search_documents_standing', ['standing', 'score', 'thread_id'], unique=False)


def downgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_standing')
        batch_op.drop_index('ix_search_documents_head_vector')
        batch_op.drop_column('head_vector')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE search_documents RESET (toast_tuple_target)')
