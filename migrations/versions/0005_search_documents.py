"""search documents: the PostgreSQL search backend's weighted words and vocabulary

Revision ID: 0005_search_documents
Revises: 0004_login_sessions
Create Date: 2026-12-06 20:20:00

On PostgreSQL this also creates the extensions `unaccent` and `pg_trgm` (both
trusted: a database owner may create them) and the text search configurations
peerdesk_english and peerdesk_german (accents folded, then stemmed). On SQLite
the tables exist but stay empty: the postgres backend needs PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import app.models.types


revision = '0005_search_documents'
down_revision = '0004_login_sessions'
branch_labels = None
depends_on = None

LANGUAGES = ('english', 'german')


def upgrade():
    on_postgres = op.get_bind().dialect.name == 'postgresql'
    if on_postgres:
        op.execute('CREATE EXTENSION IF NOT EXISTS unaccent')
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for language in LANGUAGES:
            op.execute(f'CREATE TEXT SEARCH CONFIGURATION peerdesk_{language} (COPY = pg_catalog.{language})')
            op.execute(f'ALTER TEXT SEARCH CONFIGURATION peerdesk_{language} '
                       f'ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {language}_stem')
    op.create_table('search_documents',
    sa.Column('thread_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('vector', postgresql.TSVECTOR().with_variant(sa.Text(), 'sqlite'), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('tags', postgresql.ARRAY(sa.String(length=32)).with_variant(sa.JSON(), 'sqlite'), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('standing', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('highlight_source', sa.Text(), nullable=False),
    sa.Column('accepted_excerpt', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('thread_id', name=op.f('pk_search_documents'))
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_search_documents_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_search_documents_tags', ['tags'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_search_documents_vector', ['vector'], unique=False, postgresql_using='gin')

    op.create_table('search_words',
    sa.Column('word', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('word', name=op.f('pk_search_words'))
    )
    with op.batch_alter_table('search_words', schema=None) as batch_op:
        batch_op.create_index('ix_search_words_trigrams', ['word'], unique=False, postgresql_using='gin',
                              postgresql_ops={'word': 'gin_trgm_ops'})


def downgrade():
    with op.batch_alter_table('search_words', schema=None) as batch_op:
        batch_op.drop_index('ix_search_words_trigrams')
    op.drop_table('search_words')
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_vector')
        batch_op.drop_index('ix_search_documents_tags')
        batch_op.drop_index('ix_search_documents_created_at')
    op.drop_table('search_documents')
    if op.get_bind().dialect.name == 'postgresql':
        for language in LANGUAGES:
            op.execute(f'DROP TEXT SEARCH CONFIGURATION IF EXISTS peerdesk_{language}')
        # The extensions stay: other objects of the database may use them.
