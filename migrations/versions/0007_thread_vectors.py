"""thread vectors: sentence embeddings of threads for meaning-aware similar questions (issue #11)

Revision ID: 0007_thread_vectors
Revises: 0006_notify
Create Date: 2026-12-06 20:09:57.521749

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = '0007_thread_vectors'
down_revision = '0006_notify'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('thread_vectors',
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=64), nullable=False),
    sa.Column('text_digest', sa.String(length=32), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_thread_vectors_thread_id_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thread_id', name=op.f('pk_thread_vectors'))
    )
    with op.batch_alter_table('thread_vectors', schema=None) as batch_op:
        batch_op.create_index('ix_thread_vectors_revision', ['revision'], unique=False)



def downgrade():
    with op.batch_alter_table('thread_vectors', schema=None) as batch_op:
        batch_op.drop_index('ix_thread_vectors_revision')

    op.drop_table('thread_vectors')
